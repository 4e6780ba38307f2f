"""The lock files (requirements/*.txt) hold what CI tested: exact versions with hashes for
every package, consistent with pyproject.toml and with each other, and no package index."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ("test", "app")


def _locked(name: str) -> dict[str, str]:
    """Package -> version, checking that every entry is exact and hashed."""
    text = (ROOT / "requirements" / f"{name}.txt").read_text(encoding="utf-8")
    entries = re.split(r"\n(?=[^\s#])", text.split("\n", 2)[2].strip())
    pins: dict[str, str] = {}
    for entry in entries:
        first = entry.split()[0]
        name_, sep, version = first.partition("==")
        assert sep, f"not an exact pin: {first}"
        assert "--hash=sha256:" in entry, f"no hash for {first}"
        pins[canonicalize_name(name_)] = version
    return pins


def test_locks_name_no_index_and_no_url() -> None:
    for name in LOCKS:
        text = (ROOT / "requirements" / f"{name}.txt").read_text(encoding="utf-8")
        for bad in ("--index-url", "--extra-index-url", "--find-links", "://", "-e "):
            assert bad not in text, (name, bad)


def test_locks_satisfy_pyproject_and_agree() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    test, app = _locked("test"), _locked("app")
    wanted = {"app": project["dependencies"],
              "test": project["dependencies"] + project["optional-dependencies"]["test"]}
    for lock_name, pins in (("test", test), ("app", app)):
        for line in wanted[lock_name]:
            req = Requirement(line)
            name = canonicalize_name(req.name)
            assert name in pins, f"{req.name} is missing from requirements/{lock_name}.txt"
            assert req.specifier.contains(pins[name], prereleases=True), (lock_name, line)
        assert "setuptools" in pins and "wheel" in pins  # rc-tui is built without fetching
    # the product's lock has the versions CI tested, nothing else
    assert {n: v for n, v in test.items() if n in app} == app


def test_this_environment_runs_the_locked_versions() -> None:
    """CI installs from requirements/test.txt; so should every developer (see README)."""
    wrong = {}
    for name, version in _locked("test").items():
        if name in {"setuptools", "wheel"}:  # build tools only: a venv may bring its own
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        if installed != version:
            wrong[name] = (installed, version)
    assert wrong == {}, f"reinstall with the README's test command (installed, locked): {wrong}"
