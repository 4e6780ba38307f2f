"""``rc-tui stats``: the board's statistics for a period as text, CSV or xlsx, or the
report for the board through the document path. Aggregates only (every figure went
through the small-cell rule in the statistics service), so text, CSV and xlsx may leave
the database without the plaintext warning that an export of a record carries; the
report for the board leaves like every document (printer or encrypted PDF)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rc_tui.i18n import _
from rc_tui.services.errors import NoAccess, PermissionDenied

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _refused() -> str:
    return _("Refused: the board's statistics are for managers.")


def run(args: argparse.Namespace, source: Any, *, login: Callable[..., Any],
        err: Callable[[str], None]) -> int:
    from rc_tui.domain.periods import parse_period
    from rc_tui.services.statistics import StatisticsService, render_csv, render_text

    try:
        period = parse_period(args.period)
    except ValueError:
        err(_("Not a period: {period} (2026, 2026-H1, 2026-Q3 or 2026-05).",
              period=args.period))
        return EXIT_USAGE
    if args.board_report:
        return _board_report(args, source, login, err, period.code)
    out = Path(args.out).expanduser() if args.out else None
    if args.format == "xlsx" and out is None:
        err(_("An xlsx file needs --out FILE."))
        return EXIT_USAGE
    if out is not None and out.exists():
        err(_("{path} exists already; choose a new file.", path=out))
        return EXIT_FAIL
    with login(args, source) as vault:
        try:
            report = StatisticsService(vault, screen="cli").report(period)
        except (NoAccess, PermissionDenied):  # refused and access-logged by the service
            err(_refused())
            return EXIT_FAIL
    data: bytes
    if args.format == "xlsx":
        from rc_tui.services.statistics_out import render_xlsx

        data = render_xlsx(report)
    else:
        text = render_csv(report) if args.format == "csv" else render_text(report)
        if out is None:
            sys.stdout.write(text)
            return EXIT_OK
        data = text.encode("utf-8")
    assert out is not None
    with out.open("xb") as handle:
        handle.write(data)
    print(_("Statistics written to {path}.", path=out))
    return EXIT_OK


def _board_report(args: argparse.Namespace, source: Any, login: Callable[..., Any],
                  err: Callable[[str], None], period: str) -> int:
    from rc_tui.services.documents import DocumentError, DocumentRequest, DocumentService

    if args.out or args.format != "text":
        err(_("The report for the board leaves as every document does (the printer or an "
              "encrypted PDF in your export folder): without --out and --format."))
        return EXIT_USAGE
    with login(args, source) as vault:
        try:
            issued = DocumentService(vault, screen="cli").issue(
                DocumentRequest("board_report", 0, period=period))
        except (NoAccess, PermissionDenied):  # refused and access-logged by the service
            err(_refused())
            return EXIT_FAIL
        except DocumentError as exc:
            err(str(exc))
            return EXIT_FAIL
    if issued.output == "printer":
        print(_("The report for the board was sent to the printer."))
    else:
        print(_("The report for the board was written to {path}.", path=issued.path))
        print(_("Its one-time password (shown only now): {password}",
                password=issued.password))
    return EXIT_OK
