"""Child process of bench.py: the memory floors beside ``rss_after_login_mb``.

    _floor.py    print one result line: RSS (MiB) of a bare Textual app, then of the same
                 process with the storage stack's libraries imported, then with the models

The bare app is what any Textual program of this kind holds: an Input and a DataTable of
20 rows, headless at 80x24, painted and left at rest for a second. The libraries are the
ones a session cannot do without (SQLCipher, cryptography, Argon2, SQLAlchemy Core and ORM);
the models are this project's ORM models (``storage.models``, mappers configured, as the
app's first query does). Nothing else of the project is imported before the last step, so
the floors hold no code of ours.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

RESULT = "RC-BENCH-RESULT "
#: the libraries of the storage stack, in the order the app's login imports them
LIBRARIES = (
    "sqlcipher3",
    "cryptography.hazmat.primitives.ciphers.aead",
    "cryptography.hazmat.primitives.asymmetric.x25519",
    "argon2",
    "sqlalchemy",
    "sqlalchemy.orm",
)


def rss_mb() -> float | None:
    """VmRSS from /proc, in MiB; None off Linux."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Input(id="field")
        yield DataTable(id="table")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Name", "Identity no.", "Protection")
        for n in range(20):
            table.add_row(f"Person {n}", f"19800101-{n:04d}", "")


def main() -> int:
    app = Bare()
    out: dict[str, float | None] = {}

    async def drive(pilot: Pilot[Any]) -> None:
        await pilot.pause(1.0)
        out["textual_mb"] = rss_mb()
        for name in LIBRARIES:
            importlib.import_module(name)
        out["libraries_mb"] = rss_mb()
        from sqlalchemy.orm import configure_mappers

        importlib.import_module("storage.models")
        configure_mappers()
        out["models_mb"] = rss_mb()
        app.exit()

    asyncio.run(app.run_async(headless=True, size=(80, 24), auto_pilot=drive))
    os.write(1, (RESULT + json.dumps(out) + "\n").encode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
