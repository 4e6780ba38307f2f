"""The wheel holds every module and data file (the README's demo command installs it)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("*.py", "*.tcss", "*.toml", "*.txt", "*.mako", "*.yaml", "*.ttf")


def test_wheel_contains_all_sources(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    wheel = next(tmp_path.glob("rc_tui-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        str(p.relative_to(ROOT)).replace("\\", "/")
        for pkg in ("rc_tui", "screens", "storage")
        for pattern in SHIPPED
        for p in (ROOT / pkg).rglob(pattern)
        if "__pycache__" not in p.parts
    }
    assert expected - names == set()
    assert not any(n.startswith("tests/") for n in names)
