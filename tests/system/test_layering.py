"""Layering: storage and the domain rules import no Textual; screens issue no SQL."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ANNA, ANNA_PASS

ROOT = Path(__file__).resolve().parents[2]


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
    for path in (ROOT / "screens").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Input":
                raise AssertionError(f"{path.name}:{node.lineno} uses Input, not SafeInput")


# --- the import-linter contracts: each one fails when its rule is broken ---------------------

def _contracts() -> dict[str, dict[str, Any]]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


# One violation per contract, written into a copy of the package tree. Where the contract is
# transitive, the violation goes through a harmless-looking module in between (rc_tui/_bridge.py)
# so the test proves that chains are followed, not only direct imports.
VIOLATIONS: dict[str, dict[str, str]] = {
    # the hole the issue names: a domain rule importing Textual passed every contract
    "domain-pure": {"rc_tui/domain/_violation.py": "from textual.widget import Widget\n"},
    "layers": {
        "rc_tui/_bridge.py": "import screens.hide\n",
        "rc_tui/services/_violation.py": "import rc_tui._bridge\n",
    },
    # storage imports nothing of rc_tui, so any chain out of it starts with a direct import
    "storage-no-ui": {"storage/_violation.py": "import rich.text\n"},
    # the circle the issue names: a core module importing the app shell (which imports it)
    "core-no-ui": {"rc_tui/_violation.py": "from screens.app import RcApp\n"},
    "screens-allowed": {"screens/_violation.py": "from storage.vault import Vault\n"},
    "shell-no-sql": {"screens/terminal.py": "import sqlalchemy\n"},
}


def _lint_copy(
    tmp_path: Path, contract: str, files: dict[str, str],
) -> subprocess.CompletedProcess[str]:
    for package in ("rc_tui", "screens", "storage"):
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "data", "*.tcss"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for rel, code in files.items():
        with (tmp_path / rel).open("a", encoding="utf-8") as f:
            f.write(code)
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    # the copy comes first on the path, before the editable install of the real tree
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run([exe, "--no-cache", "--contract", contract], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)


def test_every_contract_has_a_violation_test() -> None:
    assert set(_contracts()) == set(VIOLATIONS)


@pytest.mark.parametrize("contract", sorted(VIOLATIONS))
def test_contract_fails_when_its_rule_is_broken(tmp_path: Path, contract: str) -> None:
    result = _lint_copy(tmp_path, contract, VIOLATIONS[contract])
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert f"{_contracts()[contract]['name']} BROKEN" in " ".join(out.split()), out
    # the report names the module that broke it (not some other, earlier problem)
    assert "_violation" in out or "screens.terminal -> sqlalchemy" in out, out


def _third_party_and_rc_tui_modules() -> tuple[set[str], set[str]]:
    """Third-party packages the project imports, and the top-level modules of rc_tui."""
    import grimp

    graph = grimp.build_graph("rc_tui", "screens", "storage", include_external_packages=True)
    internal = ("rc_tui", "screens", "storage")
    external = {m for m in graph.modules if m.split(".")[0] not in internal}
    third = {m for m in external if m not in sys.stdlib_module_names and m != "__future__"}
    # rc_tui.data holds data files read through importlib.resources, no code
    rc_tui = {m for m in graph.modules if m.count(".") == 1 and m.startswith("rc_tui.")
              and m != "rc_tui.data"}
    return third, rc_tui


def test_contracts_name_everything_not_allowed() -> None:
    """A new module or dependency is not silently allowed: the lists are complete."""
    third, rc_tui = _third_party_and_rc_tui_modules()
    contracts = _contracts()
    domain = set(contracts["domain-pure"]["forbidden_modules"])
    # the domain may use only the standard library, PyYAML and rc_tui.i18n
    assert third - domain == {"yaml"}
    assert rc_tui - domain == {"rc_tui.domain", "rc_tui.i18n"}
    screens = set(contracts["screens-allowed"]["forbidden_modules"])
    # screens may use Textual and rich, and from the core only these (storage: its errors;
    # a signed-in user is a UserSession from the services, never the vault)
    assert third - screens == {"textual", "rich"}
    assert rc_tui - screens == {"rc_tui.services", "rc_tui.domain", "rc_tui.i18n", "rc_tui.text"}
    assert "storage" in screens
    assert sorted(contracts["screens-allowed"]["ignore_imports"]) == [
        "screens.** -> storage.errors",
        "screens.app -> rc_tui.hygiene", "screens.app -> storage.files",
        "screens.app -> storage.install"]
    # the core reaches the UI only through the CLI's run/demo commands
    assert contracts["core-no-ui"]["source_modules"] == ["rc_tui"]
    assert contracts["core-no-ui"]["ignore_imports"] == ["rc_tui.cli -> screens.app"]


def test_the_login_screen_draws_without_the_storage_stack() -> None:
    """The app shell and the login screen load no SQLAlchemy, SQLCipher or models: the
    login screen is drawn first and the storage stack is imported in a thread meanwhile
    (start to login screen went from 0.31 s to 0.72 s when the shell imported it)."""
    code = ("import sys, screens.app, screens.login; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'sqlalchemy', 'sqlcipher3', 'alembic'} or m in "
            "{'storage.models', 'storage.db', 'storage.vault'}); assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_cli_imports_the_ui_lazily() -> None:
    """The contract lets rc_tui.cli import screens.app; it may do so only inside the run and
    demo commands, so the command line's other work loads no Textual and no screen."""
    code = ("import sys, rc_tui.cli; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'screens', 'textual', 'rich'}); assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    tree = ast.parse((ROOT / "rc_tui" / "cli.py").read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert not [n for n in top if isinstance(n, ast.ImportFrom)
                and (n.module or "").startswith("screens")]


#: Never imported by a session (each is held for the whole session once imported).
NOT_IN_A_SESSION = ("alembic", "fpdf", "pypdf", "xlsxwriter", "yaml", "mako",
                    "rc_tui.demo", "storage.migrations",
                    # Rich's emoji table (0.5 MB), loaded the first time a str is parsed
                    # as markup: the home screen's column headers are Text
                    "rich._emoji_codes")

_SESSION_PROBE = """
import asyncio, sys
from pathlib import Path
from screens.app import RcApp
from screens.home import HomeScreen
from tests.helpers import login, settle

async def main(path, user, phrase, banned):
    app = RcApp(Path(path))
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, user, phrase)
        await settle(pilot)  # the home screen's lists read and drawn
        assert isinstance(app.screen, HomeScreen), type(app.screen).__name__
        import screens.person  # what opening a person imports
        bad = sorted(m for m in sys.modules
                     if any(m == b or m.startswith(b + ".") for b in banned))
        assert not bad, bad

asyncio.run(main(sys.argv[1], sys.argv[2], sys.stdin.readline().rstrip("\\n"),
                 sys.argv[3].split(",")))
"""


def test_a_session_loads_no_migrations_documents_instruments_or_demo(installed: Path) -> None:
    """Memory after login: a caseworker logs in and her home screen is drawn with its
    lists, and the person view's modules are imported; what a session may never use is
    not loaded on the way, neither by an import nor while it runs – Alembic (only when a
    migration is due), fpdf2/pypdf (documents), XlsxWriter (a spreadsheet export), PyYAML
    (an assessment's instrument), the demo generator and Rich's emoji table. Each is
    megabytes of RSS held for the whole session."""
    subprocess.run([sys.executable, "-c", _SESSION_PROBE, str(installed), ANNA,
                    ",".join(NOT_IN_A_SESSION)], input=ANNA_PASS + "\n", text=True,
                   check=True, cwd=ROOT, timeout=120)


def test_only_the_bulk_demo_goes_without_sqlcipher_memory_security() -> None:
    """``storage.db.without_memory_security`` is for the bulk demo's own writer process
    (fictional data) and nothing else in the product."""
    callers = sorted(
        str(path.relative_to(ROOT)) for package in ("rc_tui", "screens", "storage")
        for path in (ROOT / package).rglob("*.py")
        if "without_memory_security(" in path.read_text(encoding="utf-8")
        and path != ROOT / "storage" / "db.py")
    assert callers == ["rc_tui/demo/bulk.py"]
