"""Developer tool: merge translations from a Python dict file into rc_tui/data/sv.toml.

Usage: python tests/sv_catalog_tool.py [--prune] NEW.py  (a file defining SV = {...}).
Keeps the catalog sorted and validly quoted; prints message ids still missing.
"""

from __future__ import annotations

import json
import runpy
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from msgids import collect

CATALOG = Path(__file__).resolve().parent.parent / "rc_tui" / "data" / "sv.toml"


def main() -> None:
    current: dict[str, str] = {}
    if CATALOG.exists():
        current = tomllib.loads(CATALOG.read_text(encoding="utf-8"))
    args = [a for a in sys.argv[1:] if a != "--prune"]
    for extra in args:
        current.update(runpy.run_path(extra)["SV"])
    if "--prune" in sys.argv:
        used = set(collect())
        current = {k: v for k, v in current.items() if k in used}
    lines = ["# Swedish translations: English message id = Swedish text.",
             "# Edit here or merge with tests/sv_catalog_tool.py; test_i18n checks coverage.", ""]
    for key in sorted(current):
        lines.append(f"{json.dumps(key, ensure_ascii=False)} = "
                     f"{json.dumps(current[key], ensure_ascii=False)}")
    CATALOG.write_text("\n".join(lines) + "\n", encoding="utf-8")
    missing = sorted(set(collect()) - set(current))
    for m in missing:
        print("missing:", m)


if __name__ == "__main__":
    main()
