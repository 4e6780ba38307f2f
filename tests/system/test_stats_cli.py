"""``rc-tui stats``: the board's statistics on the command line – aggregates only. The demo
is scanned for every person's names and numbers (and every case number) in the text, the
CSV and the xlsx output and in the text of the board's PDF report: none may be there."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from rc_tui import demo
from storage.models import Case, Person
from storage.vault import Vault
from tests.conftest import Templates
from tests.service.test_demo import build_by_command
from tests.system.test_cli import run

CHEF_PASS = next(u[3] for u in demo.DEMO_USERS if u[0] == "chef")
ANNA_PASS = next(u[3] for u in demo.DEMO_USERS if u[0] == "anna")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Path:
    path = tmp_path_factory.mktemp("stats-demo") / "demo.db"
    templates.copy("demo", path, build_by_command)
    return path


def secrets_of(path: Path) -> set[str]:
    """Every demo person's names, alias and identity number (whole and digits only) and
    every case number."""
    found: set[str] = set()
    with Vault.unlock(path, "chef", CHEF_PASS) as v, v.session() as s:
        for p in s.scalars(select(Person)):
            for value in (p.given_name, p.family_name, p.alias, p.id_number):
                if value and len(value.strip()) > 1:
                    found.add(value.strip())
            if p.id_number:
                found.add(re.sub(r"\D", "", p.id_number))
        found |= set(s.scalars(select(Case.case_number)))
    return {f for f in found if f}


def leaks(output: str, secrets: set[str]) -> list[str]:
    return sorted(x for x in secrets
                  if re.search(rf"(?<!\w){re.escape(x)}(?!\w)", output))


def test_text_and_csv_hold_aggregates_only(demo_db: Path, tmp_path: Path) -> None:
    year = str(date.today().year)
    secrets = secrets_of(demo_db)
    assert len(secrets) > 20
    text = run("stats", "--db", str(demo_db), "--user", "chef", "--period", year,
               stdin=CHEF_PASS + "\n")
    assert text.returncode == 0, text.stderr
    assert "<5" in text.stdout and "=====" in text.stdout
    out = tmp_path / "stats.csv"
    made = run("stats", "--db", str(demo_db), "--user", "chef", "--period", year + "-H2",
               "--format", "csv", "--out", str(out), stdin=CHEF_PASS + "\n")
    assert made.returncode == 0, made.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == ["section", "table", "row", "column", "period", "value"]
    # the demo has work in it: not every figure is 0 or hidden
    assert any(r[5] not in ("0", "x", "<5", "") for r in rows[1:])
    assert not leaks(text.stdout, secrets)
    assert not leaks(out.read_text(encoding="utf-8"), secrets)
    # no small count either (medians and percentiles are days, not people)
    for r in rows[1:]:
        if r[4] != "change" and not re.search(r"\.0\.\d$", r[1]) and r[5].isdigit():
            assert int(r[5]) == 0 or int(r[5]) >= 5, r
    # the file is not overwritten
    again = run("stats", "--db", str(demo_db), "--user", "chef", "--period", year,
                "--out", str(out), stdin=CHEF_PASS + "\n")
    assert again.returncode == 1


def test_a_caseworker_and_a_bad_period_are_refused(demo_db: Path) -> None:
    refused = run("stats", "--db", str(demo_db), "--user", "anna", "--period", "2026",
                  stdin=ANNA_PASS + "\n")
    assert refused.returncode == 1 and refused.stdout == ""
    assert "bara för chefer" in refused.stderr
    report = run("stats", "--db", str(demo_db), "--user", "anna", "--period", "2026",
                 "--board-report", stdin=ANNA_PASS + "\n")
    assert report.returncode == 1 and report.stdout == ""
    assert "bara för chefer" in report.stderr
    bad = run("stats", "--db", str(demo_db), "--user", "chef", "--period", "2026-H3",
              stdin=CHEF_PASS + "\n")
    assert bad.returncode == 2


def test_xlsx_and_the_board_report_hold_aggregates_only(demo_db: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from tests.service.test_statistics import xlsx_sheets

    year = str(date.today().year)
    secrets = secrets_of(demo_db)
    out = tmp_path / "stats.xlsx"
    made = run("stats", "--db", str(demo_db), "--user", "chef", "--period", year,
               "--format", "xlsx", "--out", str(out), stdin=CHEF_PASS + "\n")
    assert made.returncode == 0, made.stderr
    sheets = xlsx_sheets(out.read_bytes())
    assert len(sheets) >= 7
    assert any(re.fullmatch(r"[1-9]\d+", v) for text in sheets.values()
               for v in text.split("\n"))  # the demo has work in it
    assert not leaks("\n".join(sheets.values()), secrets)
    assert run("stats", "--db", str(demo_db), "--user", "chef", "--period", year,
               "--format", "xlsx", stdin=CHEF_PASS + "\n").returncode == 2  # no --out
    report = run("stats", "--db", str(demo_db), "--user", "chef", "--period", year,
                 "--board-report", stdin=CHEF_PASS + "\n")
    assert report.returncode == 0, report.stderr
    path = Path(re.findall(r"(/\S+\.pdf)", report.stdout)[0])
    password = report.stdout.strip().rsplit(" ", 1)[-1]
    reader = PdfReader(str(path))
    assert reader.decrypt(password)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert year in text and len(reader.pages) >= 3
    assert not leaks(text, secrets)
    path.unlink()
