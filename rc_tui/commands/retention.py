"""``rc-tui retention``: what is due to be culled (counts per kind, nothing about anyone),
and with ``--apply`` a manager culls it after typing the confirmation word.

stdin: the passphrase, then (``--apply``) the confirmation line. Exit 0 done (or nothing
due), 1 refused, not confirmed, changed meanwhile, or the pages not yet all reclaimed
(``--reclaim`` again when the others have logged out).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rc_tui.i18n import N_, _

if TYPE_CHECKING:
    from rc_tui.cli import PassphraseSource
    from storage.values import ReclaimReport

KIND_LABELS = {
    "person_record": N_("persons' records"),
    "turned_away": N_("turned-away requests"),
    "shift_log": N_("shift-log entries"),
}
KEPT_LABELS = {
    "restricted": N_("the record is restricted (a dispute is examined)"),
    "family_restricted": N_("someone in the family has a restricted record"),
    "open_case": N_("in an open case"),
    "family_open_case": N_("someone in the family has an open case"),
    "keep_decision": N_("a manager's keep decision"),
    "birth_day": N_("born on a research day"),
    "ongoing": N_("a stay goes on"),
    "shared_records": N_("shares approved minutes or an intake with a record that stays"),
    "referenced": N_("records that stay refer to it"),
}


def add_parser(sub: Any, cmd: Any) -> None:
    ret = cmd(sub, "retention", help="retention (gallring): what is due to be culled, "
              "counts per kind; --apply culls it (a manager; stdin: the passphrase, then "
              "the confirmation word)")
    ret.add_argument("--user", required=True, help="a manager")
    mode = ret.add_mutually_exclusive_group()
    mode.add_argument("--apply", action="store_true",
                      help="delete what is due, after a typed confirmation, and reclaim "
                           "the pages it was in")
    mode.add_argument("--reclaim", action="store_true",
                      help="reclaim the pages again (after an --apply that could not empty "
                           "the write-ahead log while others worked)")


def _print_counts(title: str, counts: Mapping[str, int], labels: Mapping[str, str]) -> None:
    print(title)
    for key, n in sorted(counts.items()):
        print(f"  {_(labels.get(key, key))}\t{n}")


def _reclaimed(report: ReclaimReport | None) -> bool:
    if report is None:
        return True
    if report.complete:
        print(_("Pages reclaimed: no free pages are left and the write-ahead log is empty."))
        return True
    print(_("Not all pages could be reclaimed yet (free pages: {free}; bytes left in the "
            "write-ahead log: {wal}): run rc-tui retention --reclaim when the others have "
            "logged out.", free=report.free_pages, wal=report.wal_bytes), file=sys.stderr)
    return False


def run(args: argparse.Namespace, source: PassphraseSource) -> int:
    from rc_tui.cli import EXIT_FAIL, EXIT_OK, _err, _login, _validation
    from rc_tui.services.errors import ConflictError, NoAccess, PermissionDenied
    from rc_tui.services.errors import ValidationError as Invalid
    from rc_tui.services.retention import RetentionService

    with _login(args, source) as vault:
        svc = RetentionService(vault, screen="cli")
        try:
            if args.reclaim:
                return EXIT_OK if _reclaimed(svc.reclaim()) else EXIT_FAIL
            plan = svc.plan()
        except (NoAccess, PermissionDenied):
            _err(_("Retention is for managers; the refusal is in the access log."))
            return EXIT_FAIL
        _print_counts(_("Due to be culled ({day}):", day=plan.today.isoformat()), plan.due,
                      KIND_LABELS)
        if plan.kept:
            _print_counts(_("Kept past their period:"), plan.kept, KEPT_LABELS)
        if not args.apply:
            return EXIT_OK
        if not plan.total:
            print(_("Nothing is due: nothing was culled."))
            return EXIT_OK
        word = _("CULL")
        prompt = _("Type {word} to delete these records for good: ", word=word)
        if source.stdin.isatty():
            answer = input(prompt)
        else:
            print(prompt, file=sys.stderr)
            answer = source.stdin.readline().rstrip("\r\n")
        if answer.strip() != word:
            _err(_("Not confirmed: nothing was culled."))
            return EXIT_FAIL
        try:
            result = svc.apply(plan.due)
        except ConflictError:
            _err(_("What is due changed meanwhile: nothing was culled. Run the command "
                   "again."))
            return EXIT_FAIL
        except Invalid as exc:
            return _validation(exc)
        _print_counts(_("Culled:"), result.culled, KIND_LABELS)
        if result.held:
            _print_counts(_("Held back:"), result.held, KEPT_LABELS)
        print(_("Sealed records culled (each logged with its seal): {n}",
                n=result.sealed_records))
        return EXIT_OK if _reclaimed(result.reclaim) else EXIT_FAIL
