"""Layering: storage and the domain rules import no Textual; screens issue no SQL."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_storage_imports_no_ui() -> None:
    for path, names in _imports("storage").items():
        bad = {n for n in names if n.split(".")[0] in {"textual", "rich", "screens", "rc_tui"}}
        assert not bad, (path, bad)


def test_screens_issue_no_sql() -> None:
    for path, names in _imports("screens").items():
        bad = {n for n in names if n.split(".")[0] in {"sqlalchemy", "sqlcipher3", "sqlite3"}
               or n in {"storage.db", "storage.models", "storage.audit", "storage.schema"}}
        assert not bad, (path, bad)


def test_import_linter_contracts() -> None:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_storage_imports_without_textual() -> None:
    code = ("import sys, storage.vault, storage.audit, rc_tui.services.accounts, "
            "rc_tui.passphrase, rc_tui.text; "
            "assert 'textual' not in sys.modules, 'textual imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_screens_use_only_safe_text_fields() -> None:
    """Textual's Input draws control characters raw; screens must use SafeInput."""
    for path in (ROOT / "screens").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Input":
                raise AssertionError(f"{path.name}:{node.lineno} uses Input, not SafeInput")
