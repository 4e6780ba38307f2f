"""One test per shim in screens/compat.py: each fails when Textual changes the private thing
the shim relies on (raise the pin only when these pass), and no private Textual use lives
outside that module."""

from __future__ import annotations

import ast
import asyncio
import functools
import importlib
import inspect
import re
import sys
import tomllib
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import textual
from rich.color import ColorSystem
from rich.console import Console
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.widget import Widget
from textual.widgets import DataTable, Static, TextArea
from textual.widgets.text_area import Edit

from screens import compat
from screens.app import RcApp
from screens.login import LoginScreen
from storage.errors import KeyChanged
from tests.conftest import ANNA, ANNA_PASS
from tests.helpers import screen_text, settle, signed_in

ROOT = Path(__file__).resolve().parents[2]


def test_textual_is_pinned_to_the_checked_version() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert f"textual=={compat.TEXTUAL_CHECKED}" in deps["project"]["dependencies"]
    assert textual.__version__ == compat.TEXTUAL_CHECKED


class _Bound(Widget, can_focus=True):
    BINDINGS = [Binding("x", "probe", "Probe")]


async def test_node_bindings_are_the_live_map_textual_dispatches() -> None:
    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield _Bound()

    app = Host()
    async with app.run_test():
        node = app.query_one(_Bound)
        node.focus()
        bindings = compat.node_bindings(node)
        assert isinstance(bindings, BindingsMap)
        assert [b.action for b in bindings.key_to_bindings["x"]] == ["probe"]
        # rc-tui rewrites descriptions in place: Textual's own dispatch (footer, palette,
        # keys) must see the change, on this node only
        bindings.key_to_bindings["x"] = [Binding("x", "probe", "Prov")]
        assert app.screen.active_bindings["x"].binding.description == "Prov"
        assert compat.node_bindings(_Bound()).key_to_bindings["x"][0].description == "Probe"


def test_console_color_system_is_settable() -> None:
    console = Console(force_terminal=True, color_system="truecolor", width=20)
    assert compat.console_color_system(console) is ColorSystem.TRUECOLOR
    compat.set_console_color_system(console, ColorSystem.STANDARD)
    assert console.color_system == "standard"
    assert compat.console_color_system(console) is ColorSystem.STANDARD
    with console.capture() as out:
        console.print(Text("x", style="#ff0000"))
    assert "38;2;" not in out.get() and "\x1b[" in out.get()
    compat.set_console_color_system(console, None)
    assert console.color_system is None


def test_app_driver_is_the_running_driver() -> None:
    app: App[None] = App()
    assert compat.app_driver(app) is None
    assert "self._driver: Driver | None = None" in inspect.getsource(App.__init__)


async def test_driver_mouse_switch_writes_the_escape_codes() -> None:
    # the real Linux driver, without its __init__ (which opens the terminal)
    driver = LinuxDriver.__new__(LinuxDriver)
    Driver.__init__(driver, App(), mouse=True)
    written: list[str] = []
    driver.write = written.append  # type: ignore[method-assign, assignment]
    driver.flush = lambda: None  # type: ignore[method-assign]
    compat.set_driver_mouse(driver, False)
    assert "\x1b[?1000l" in written and "\x1b[?1003l" in written
    written.clear()
    compat.set_driver_mouse(driver, False)
    assert written == []
    compat.set_driver_mouse(driver, True)
    assert "\x1b[?1000h" in written and "\x1b[?1003h" in written
    compat.set_driver_mouse(None, True)  # no driver (before start): nothing happens


async def test_table_changes_count_every_row_added() -> None:
    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

    app = One()
    async with app.run_test() as pilot:
        table = app.query_one(DataTable)
        table.add_columns("a", "b")
        await pilot.pause()
        before = compat.table_changes(table)
        assert isinstance(before, int)
        await pilot.pause()
        assert compat.table_changes(table) == before  # drawing again is not a change
        table.add_row("1", "2")
        added = compat.table_changes(table)
        table.add_row("3", "4")
        again = compat.table_changes(table)
        table.clear()
        table.add_row("1", "2")  # a refill: cleared, then rows added
        refilled = compat.table_changes(table)
        assert added is not None and again is not None and refilled is not None
        assert before < added < again < refilled


@pytest.mark.skipif(sys.platform == "win32", reason="the Linux driver")
async def test_driver_output_wrapped_is_what_the_writer_thread_gets() -> None:
    driver = LinuxDriver(App())
    real = driver._file
    compat.wrap_driver_output(driver, lambda output: ("wrapped", output))
    assert driver._file == ("wrapped", real)
    # ...and the writer thread is made from that attribute when the app starts
    assert "WriterThread(self._file)" in inspect.getsource(LinuxDriver.start_application_mode)
    from textual.drivers.headless_driver import HeadlessDriver

    headless = HeadlessDriver(App())
    compat.wrap_driver_output(headless, lambda output: 1 / 0)  # it has none: left alone


def test_text_area_edit_is_public() -> None:
    """Not a shim: ``Edit`` is exported by ``textual.widgets.text_area``; SafeTextArea
    overrides ``TextArea.edit(edit: Edit)`` and rewrites ``edit.text``."""
    assert typing.get_type_hints(TextArea.edit)["edit"] is Edit
    assert "text" in {f.name for f in Edit.__dataclass_fields__.values()}


class _Intercepted(Exception):
    pass


class _Probe(compat.CompatApp[None]):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("probe")

    def intercept_exception(self, error: Exception) -> bool:
        self.seen.append(f"intercept {type(error).__name__}")
        return isinstance(error, _Intercepted)

    def crash_report(self, exc: Exception | None) -> Text:
        self.seen.append(f"report {type(exc).__name__}")
        return Text("our report")


def _raise(error: Exception) -> None:
    raise error


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(500):  # at most 5 s: the hooks run within a few event-loop turns
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


async def test_intercepted_exception_leaves_the_app_running() -> None:
    app = _Probe()
    async with app.run_test():
        assert isinstance(compat.app_driver(app), Driver)  # the running (headless) driver
        app.query_one(Static).call_next(_raise, _Intercepted())
        await _until(lambda: bool(app.seen))
        assert app.seen == ["intercept _Intercepted"]
        assert app.is_running and app.return_code is None


async def test_unhandled_exception_prints_our_report_not_textuals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = _Probe()
    with pytest.raises(KeyError):
        async with app.run_test():
            app.query_one(Static).call_next(_raise, KeyError("case data"))
            await _until(lambda: len(app.seen) == 2)
    assert app.seen == ["intercept KeyError", "report KeyError"]
    assert app.return_code == 1
    # what Textual prints after restoring the terminal: our report, no traceback (with locals)
    err = capsys.readouterr().err
    assert "our report" in err and "case data" not in err and "Traceback" not in err


@functools.cache
def _private_names_of(base: type) -> frozenset[str]:
    """The private names a Textual or Rich class defines or sets on its instances."""
    source = inspect.getsource(sys.modules[base.__module__])  # a class's own source is slow
    return frozenset({n for n in vars(base) if n.startswith("_") and not n.startswith("__")}
                     | set(re.findall(r"self\.(_[a-z][a-z0-9_]*)", source)))


def _textual_private_names(cls: type) -> set[str]:
    names: set[str] = set()
    for base in cls.__mro__:
        if base.__module__.startswith(("textual.", "rich.")):
            names |= _private_names_of(base)
    return names


def test_no_private_textual_use_outside_compat() -> None:
    """No import from Textual's private modules, no override or use of a private name of a
    Textual base class, no ``x._name`` that rc-tui itself does not define – except here."""
    paths = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
             for p in sorted((ROOT / "screens").rglob("*.py")) if p.name != "compat.py"}
    assert "screens.app" in paths and "screens.person.panes.journal" in paths
    ours: set[str] = set()
    trees: dict[str, ast.Module] = {}
    for name, path in paths.items():
        trees[name] = tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                ours.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                ours.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                ours.add(node.id)
    # a name the terminal driver uses privately is never rc-tui's, even where rc-tui
    # assigns it: a driver subclass made inside a function (``urgent_keys_driver``) is not
    # among the module's classes checked below, and ``self._file = …`` there would take
    # over the driver's own
    ours -= _textual_private_names(LinuxDriver)
    problems: list[str] = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and any(
                    part.startswith("_") for part in node.module.split(".")[1:]) \
                    and node.module.split(".")[0] in {"textual", "rich"}:
                problems.append(f"{name}:{node.lineno} imports {node.module}")
            elif (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                  and not node.attr.startswith("__") and node.attr not in ours):
                problems.append(f"{name}:{node.lineno} uses {ast.unparse(node)}")
        module: Any = importlib.import_module(name)
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != name:
                continue
            if cls.__module__ == name and any(b.__module__.startswith("textual.")
                                              for b in cls.__mro__):
                source = inspect.getsource(cls)
                own = set(re.findall(r"def (_[a-z][a-z0-9_]*)", source)) | set(
                    re.findall(r"(?:self|super\(\))\.(_[a-z][a-z0-9_]*)", source))
                for clash in sorted(own & _textual_private_names(cls)):
                    problems.append(f"{name}.{cls.__name__} overrides or uses {clash}")
    assert problems == []


# --- rc-tui's own use of the hooks -------------------------------------------------------

async def test_rc_app_locks_on_a_changed_key_and_keeps_running(installed: Path) -> None:
    app = RcApp(installed)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await signed_in(pilot, ANNA, ANNA_PASS)
        assert app.session is not None
        # raised in a widget's handler, as a service call there raises it
        (app.focused or app.screen).call_next(_raise, KeyChanged())
        await _until(lambda: isinstance(app.screen, LoginScreen))
        await settle(pilot)
        assert "Databasnyckeln har bytts" in screen_text(app)
        assert app.session is None and app.is_running and app.return_code is None


async def test_rc_app_crash_report_has_no_locals_and_closes_the_vault(
    installed: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    def fail() -> None:
        secret = "Skyddad adress Storgatan 1"
        raise RuntimeError(secret)

    app = RcApp(installed)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await signed_in(pilot, ANNA, ANNA_PASS)
            vault = app.session
            assert vault is not None
            app.screen.call_next(fail)
            await _until(lambda: app.session is None)
    err = capsys.readouterr().err
    assert "rc-tui avslutades efter ett internt fel (RuntimeError)." in err  # Swedish UI
    assert "Storgatan" not in err and "secret" not in err


async def test_typing_in_a_safe_input_lays_out_nothing_and_keeps_the_cursor_in_view(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``SafeInput``'s virtual size redraws the field instead of laying out the screen on
    every key (Textual's Input sets it to its text's width on every change). A longer text
    than the field still scrolls to the cursor, and back."""
    from textual.screen import Screen

    from screens.components import SafeInput

    layouts: list[int] = []
    real = Screen._refresh_layout

    def counted(self: Screen[Any], *args: Any, **kwargs: Any) -> None:
        layouts.append(1)
        real(self, *args, **kwargs)

    class Form(App[None]):
        def compose(self) -> ComposeResult:
            yield SafeInput(id="field")
            yield Static("below")

    app = Form()
    async with app.run_test(size=(16, 5)) as pilot:
        field = app.query_one(SafeInput)
        field.focus()
        await pilot.pause()
        monkeypatch.setattr(Screen, "_refresh_layout", counted)
        text = "abcdefghijklmnopqrstuvwxyz"
        await pilot.press(*text)
        await pilot.pause()
        assert layouts == []
        shown = "".join(segment.text for segment in field.render_line(0))
        assert field.value == text and field.scroll_x > 0 and "uvwxyz" in shown
        await pilot.press("home")
        await pilot.pause()
        assert field.scroll_x == 0
        assert "".join(segment.text for segment in field.render_line(0)).startswith("abc")
