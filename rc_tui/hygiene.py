"""Process hygiene like a password manager's: no core dumps, not dumpable, private files.

Every call is guarded so the same code runs on Windows (where none of this exists).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import sys

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3
M_ARENA_MAX = -8


def _libc() -> ctypes.CDLL:
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)  # glibc: no ldconfig subprocess
    except OSError:
        return ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def harden_process() -> dict[str, bool]:
    """Apply what this platform supports; returns which measures are in force."""
    applied = {"no_core": False, "not_dumpable": False, "umask": False}
    if os.name == "posix":
        os.umask(0o077)
        applied["umask"] = True
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            applied["no_core"] = resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = _libc()
            if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0:
                applied["not_dumpable"] = libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0
            # few malloc arenas: worker threads (KDF, database) would each keep their own
            libc.mallopt(M_ARENA_MAX, 2)
    return applied


def release_memory() -> None:
    """Give freed heap memory back to the system (after the KDF's large allocation).

    glibc keeps freed small-object arenas; ``malloc_trim`` returns them. No-op elsewhere.
    Only the young generations are collected first: a full collection held the event loop
    for about 0.3 s right after the login (bench: first screen 1.08 s -> 0.81 s) and gave
    back under 1 MB more (RSS 90.5 MB with it, 91.0 MB without).
    """
    if not sys.platform.startswith("linux"):
        return
    import gc

    gc.collect(1)
    with contextlib.suppress(OSError, AttributeError):
        _libc().malloc_trim(0)
