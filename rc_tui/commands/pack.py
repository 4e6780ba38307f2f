"""``rc-tui pack``: make, list and merge outage packs (see ``rc_tui.services.packs``).

* ``pack create --db P --user U --out FILE [--days N]`` (stdin: U's passphrase, which also
  seals the pack: it opens with it and nothing else);
* ``pack list --db P --user U`` (stdin: U's passphrase; a manager sees every pack);
* ``pack merge --db P --user U FILE [--approver M]`` (stdin: U's passphrase – it opens the
  pack and logs in; with ``--approver``, for a user revoked since, U's passphrase opens the
  pack and then the manager M's logs in and approves).

Exit codes as ``rc_tui.cli``; a merge that left conflicts, refusals or duplicates for a
person to decide exits 1 (everything else was merged).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from rc_tui.i18n import _, _n

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class Source(Protocol):
    def read(self, prompt: str, *, user: str | None = None) -> str: ...


def add_parser(sub: Any, cmd: Callable[..., argparse.ArgumentParser]) -> None:
    pk = cmd(sub, "pack", help="outage packs: an encrypted part of the database for one user, "
             "to work on while the database cannot be reached, merged back afterwards")
    psub = pk.add_subparsers(dest="pack_command", required=True)
    create = cmd(psub, "create", help="make an outage pack of your caseload (stdin: your "
                 "passphrase; it also opens the pack)")
    create.add_argument("--user", required=True)
    create.add_argument("--out", required=True, metavar="FILE",
                        help="the pack (a new file; its key file is FILE.keys)")
    create.add_argument("--days", type=int, metavar="DAYS",
                        help="days it opens for (default: the setting pack_days, 7)")
    lst = cmd(psub, "list", help="the packs made (yours; a manager's: all) (stdin: "
              "passphrase)")
    lst.add_argument("--user", required=True)
    merge = cmd(psub, "merge", help="bring a pack's changes into the database (stdin: the "
                "pack user's passphrase; with --approver, then the manager's)")
    merge.add_argument("--user", required=True, help="the pack's user")
    merge.add_argument("--approver", metavar="MANAGER",
                       help="a manager who approves the merge of a user revoked since")
    merge.add_argument("file", metavar="FILE")


def _err(message: str) -> None:
    print(f"rc-tui: {message}", file=sys.stderr)


def run(args: argparse.Namespace, source: Source, db_path: Path) -> int:
    if args.pack_command == "create":
        return _create(args, source, db_path)
    if args.pack_command == "list":
        return _list(args, source, db_path)
    return _merge(args, source, db_path)


def _create(args: argparse.Namespace, source: Source, db_path: Path) -> int:
    from rc_tui.services import accounts
    from rc_tui.services.packs import PackService

    out = Path(args.out).expanduser()
    if out.exists():
        _err(_("{path} exists already; choose a new file.", path=out))
        return EXIT_FAIL
    if args.days is not None and not 1 <= args.days <= 14:
        _err(_("A pack opens for 1 to 14 days."))
        return EXIT_USAGE
    phrase = source.read(_("Passphrase for {user}", user=args.user), user=args.user)
    with accounts.login(db_path, args.user, phrase) as vault:
        made = PackService(vault, screen="cli").create(out, phrase, days=args.days)
    print(_n("Outage pack written to {path} (key file {path}.keys): {n} person, it opens "
             "with your passphrase until {until} (UTC).",
             "Outage pack written to {path} (key file {path}.keys): {n} persons, it opens "
             "with your passphrase until {until} (UTC).",
             len(made.persons), path=out, n=len(made.persons),
             until=f"{made.expires_at:%Y-%m-%d %H:%M}"))
    return EXIT_OK


def _list(args: argparse.Namespace, source: Source, db_path: Path) -> int:
    from rc_tui.services import accounts
    from rc_tui.services.packs import PackService

    phrase = source.read(_("Passphrase for {user}", user=args.user), user=args.user)
    with accounts.login(db_path, args.user, phrase) as vault:
        rows = PackService(vault, screen="cli").packs()
    for r in rows:
        merged = f"{r.merged_at:%Y-%m-%d %H:%M}" if r.merged_at else "-"
        print("\t".join([r.uid[:12], r.username, f"{r.created_at:%Y-%m-%d %H:%M}",
                         f"{r.expires_at:%Y-%m-%d %H:%M}", str(r.persons), r.status, merged,
                         str(r.open_items)]))
    return EXIT_OK


def _merge(args: argparse.Namespace, source: Source, db_path: Path) -> int:
    from rc_tui.services.packs import PackMergeService
    from storage.errors import UnknownUser
    from storage.pack import RecordingVault, open_pack

    path = Path(args.file).expanduser()
    phrase = source.read(_("Passphrase for {user}", user=args.user), user=args.user)
    pack = open_pack(path, args.user, phrase, expired_ok=True)
    try:
        if args.approver:
            manager = source.read(_("Passphrase for {user}", user=args.approver),
                                  user=args.approver)
            shared = RecordingVault.unlock(db_path, args.approver, manager)
        else:
            try:
                shared = RecordingVault.unlock(db_path, args.user, phrase)
            except UnknownUser:
                _err(_("{user} cannot log in to the database (revoked?). A manager approves "
                       "the merge of a revoked user's pack: add --approver MANAGER (stdin: "
                       "{user}'s passphrase, then the manager's).", user=args.user))
                return EXIT_FAIL
        with shared:
            report = PackMergeService(shared, screen="pack_merge").merge(pack)
    finally:
        pack.close("logout")
    if report.approved_by:
        print(_("Approved by {manager}.", manager=report.approved_by))
    for item in report.items:
        print(f"{item.op_id}\t{item.what}\t{item.outcome}\t{_detail(item.detail)}")
        if item.sides:  # the fields only: their values are personal data, and standard
            # output may be a file; the merge screen (m at home) shows both sides
            print("\t" + _("Fields that differ: {fields}. Decide in rc-tui: m on the home "
                           "screen, the same pack file.",
                           fields=", ".join(name for name, _mine, _here in item.sides)))
    open_items = report.open_items()
    print(_n("{n} operation merged, {open} left for a person to decide; {log} access-log "
             "entries of the pack added.",
             "{n} operations merged, {open} left for a person to decide; {log} access-log "
             "entries of the pack added.",
             sum(1 for i in report.items if i.outcome == "merged"),
             n=sum(1 for i in report.items if i.outcome == "merged"),
             open=len(open_items), log=report.log_entries))
    return EXIT_FAIL if open_items else EXIT_OK


def _detail(detail: str) -> str:
    try:
        data = json.loads(detail)
    except ValueError:
        return detail
    return str(data.get("text", "")) if isinstance(data, dict) else detail
