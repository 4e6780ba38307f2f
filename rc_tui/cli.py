"""Command line: ``rc-tui [--db PATH]`` opens the app; sub-commands work without a terminal.

Passphrases are never taken from argv or the environment. With a terminal they are asked
for without echo; without one (stdin is a pipe or file) they are read one per line from
stdin, in the order each command documents.

Exit codes: 0 ok, 1 check found problems (changed records, access log, schema) /
operation refused (also: an administrator asked for what needs the data key), 2 usage,
3 authentication failed (also: an account still waiting for a manager's login), 4 database,
backup or key file missing, damaged or from a newer version (``check`` and ``restore``
then print a report: which check failed, what it means, what to do).

The parser and one short function per sub-command stay in one file (over 500 lines), so
that the whole command line, its exit codes and its passphrase rules read in one place.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rc_tui import i18n
from rc_tui.i18n import _, _n

if TYPE_CHECKING:
    from storage.vault import Vault

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_AUTH, EXIT_DB = 0, 1, 2, 3, 4
#: exit 3; an administrator asking for what needs the data key (``no_data_key``) is a
#: refused operation (exit 1)
AUTH_CODES = {"unknown_user", "wrong_passphrase", "locked_out", "permission_denied",
              "account_pending"}


class InvalidInput(Exception):
    """A passphrase line that is not UTF-8 text; ``user`` is whom it was meant to unlock."""

    def __init__(self, user: str | None) -> None:
        super().__init__("invalid input")
        self.user = user


class PassphraseSource:
    """Reads passphrases: getpass on a terminal, one line at a time from a pipe.

    A line is taken as bytes and must be UTF-8; its line end is removed, ``\r\n`` too (a
    file made on Windows), and nothing else – spaces are part of a passphrase.
    """

    def __init__(self, stdin: TextIO | None = None) -> None:
        self.stdin = stdin or sys.stdin

    def read(self, prompt: str, *, user: str | None = None) -> str:
        """One passphrase; ``user``: the account it unlocks (for the record of a failure)."""
        if self.stdin.isatty():
            try:
                return getpass.getpass(prompt + ": ")
            except UnicodeDecodeError:
                raise InvalidInput(user) from None
        raw = getattr(self.stdin, "buffer", None)
        if raw is not None:
            data: bytes = raw.readline()
            if not data:
                raise EOFError(prompt)
            try:
                line: str = data.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput(user) from None
        else:  # a text stream without bytes underneath (tests pass io.StringIO)
            line = self.stdin.readline()
            if not line:
                raise EOFError(prompt)
        if line.endswith("\n"):
            line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
        return line

    def read_new(self, prompt: str) -> tuple[str, str | None]:
        """A new passphrase; on a terminal it is asked twice."""
        first = self.read(prompt)
        if self.stdin.isatty():
            return first, self.read(_("Repeat"))
        return first, None


def _db_path(arg: str | None) -> Path:
    from storage import files

    return Path(arg).expanduser() if arg else files.default_db_path()


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a date (YYYY-MM-DD): {text}",
                                           text=text)) from None


def build_parser() -> argparse.ArgumentParser:
    def common(parser: argparse.ArgumentParser, default: object) -> None:
        parser.add_argument("--db", default=default,
                            help="database file (default: the per-user data folder)")
        parser.add_argument("--lang", choices=i18n.LANGUAGES, default=default,
                            help="user interface language (sv, en)")
        parser.add_argument("--low-bandwidth", action="store_true", default=default,
                            help="no animations or mouse tracking, 16 colours, ASCII borders")
        parser.add_argument("--instruments", default=default, metavar="DIR",
                            help="the organisation's instrument folder (default: "
                                 "<config dir>/instruments)")
        parser.add_argument("--memory-security", action="store_true", default=default,
                            help="SQLCipher locks every allocation in memory and wipes it "
                                 "when freed (each statement costs 10-40 times the CPU)")

    p = argparse.ArgumentParser(
        prog="rc-tui",
        description="Encrypted case system for a resource centre against violence in close "
        "relationships.",
    )
    common(p, None)
    shared = argparse.ArgumentParser(add_help=False)
    common(shared, argparse.SUPPRESS)  # the same options also after the sub-command
    sub = p.add_subparsers(dest="command")

    def cmd(parent: Any, name: str, **kw: Any) -> argparse.ArgumentParser:
        return parent.add_parser(name, parents=[shared], **kw)  # type: ignore[no-any-return]


    run = cmd(sub, "run", help="open the app (default)")
    for parser, default in ((p, None), (run, argparse.SUPPRESS)):
        parser.add_argument("--pack", metavar="FILE", default=default,
                            help="open an outage pack instead of the database (see `pack`)")
    from rc_tui.commands import pack as pack_command

    pack_command.add_parser(sub, cmd)

    init = cmd(sub, "init", help="create a database, its first administrator (user "
               "management, no data key) and its first manager (holds the data key) "
               "(stdin: the administrator's passphrase, then the manager's)")
    init.add_argument("--admin", required=True, help="the administrator's username")
    init.add_argument("--name", help="the administrator's display name")
    init.add_argument("--manager", required=True, help="the manager's username")
    init.add_argument("--manager-name", help="the manager's display name")

    user = cmd(sub, "user", help="manage users")
    usub = user.add_subparsers(dest="user_command", required=True)
    add = cmd(usub, "add", help="add a user (stdin: admin passphrase, new passphrase)")
    add.add_argument("--user", required=True, help="administrator doing this")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["caseworker", "shelter", "manager",
                                                       "admin"])
    add.add_argument("--name", help="display name")
    pw = cmd(usub, "passwd", help="change your passphrase (stdin: current, new) or, as "
             "administrator, reset another user's (stdin: admin's, new)")
    pw.add_argument("--user", required=True)
    pw.add_argument("username", nargs="?", help="the user to reset (administrators only)")
    rv = cmd(usub, "revoke", help="revoke a user; the next transaction of a data-key "
             "holder rekeys (stdin: admin passphrase)")
    rv.add_argument("--user", required=True)
    rv.add_argument("username")
    ls = cmd(usub, "list", help="list users (stdin: admin passphrase)")
    ls.add_argument("--user", required=True)

    chk = cmd(sub, "check", help="integrity checks: SQLCipher, SQLite, schema, access-log "
                         "chain, signed records (stdin: passphrase)")
    chk.add_argument("--user", required=True)

    rk = cmd(sub, "rekey", help="give the database a new data key now, while others keep "
                        "working (stdin: passphrase)")
    rk.add_argument("--user", required=True)

    bk = cmd(sub, "backup", help="a consistent, encrypted copy of the database and its key "
             "file in one file, while others keep working (no passphrase; with --user, "
             "stdin: that user's passphrase)")
    bk.add_argument("--out", required=True, metavar="FILE", help="the backup file (new)")
    bk.add_argument("--user", help="copy through this user's key and verify the copy at once "
                    "(needed where POSIX file locks are not available)")

    rs = cmd(sub, "restore", help="verify a backup (keys, integrity, access log) and replace "
             "the database with it, keeping the previous files (stdin: a manager's "
             "passphrase)")
    rs.add_argument("--from", dest="source", required=True, metavar="FILE")
    rs.add_argument("--user", required=True, help="a manager in the backup")
    rs.add_argument("--verify-only", action="store_true",
                    help="only verify the backup; change nothing")

    st = cmd(sub, "settings", help="show or change settings (stdin: admin passphrase)")
    st.add_argument("--user", required=True)
    st.add_argument("--idle-timeout", type=int, metavar="SECONDS")
    st.add_argument("--session-lifetime", type=int, metavar="SECONDS")
    st.add_argument("--investigation-days", type=int, metavar="DAYS",
                    help="days a shelter stay may go on without a decision before an "
                         "investigation is due (1-60)")
    st.add_argument("--shelter-assessments", choices=("on", "off"),
                    help="shelter staff may run and sign, for the shelter's residents, the "
                         "instruments for victims and children that need no special "
                         "training")
    st.add_argument("--documents", choices=["encrypted-pdf", "printer"],
                    help="how documents leave the program: an encrypted PDF in the user's "
                         "export folder, or the printer (CUPS lp)")
    st.add_argument("--plaintext-export", choices=["on", "off"],
                    help="also allow plaintext files, after a warning (default off)")
    st.add_argument("--export-max-age", type=int, metavar="HOURS",
                    help="export files older than this are removed at the next start (1-168)")
    st.add_argument("--centre-name", metavar="TEXT", help="the centre's name in every "
                    "document's header")
    st.add_argument("--printer", metavar="QUEUE", help="the CUPS queue for documents "
                    "(\"\": the system's default)")
    st.add_argument("--suppression-k", type=int, metavar="K",
                    help="statistics show counts from 1 to K-1 as '<K' (3-20)")
    st.add_argument("--pack-days", type=int, metavar="DAYS",
                    help="the days an outage pack opens for after it was made (1-14)")

    ex = cmd(sub, "exports", help="the export folders: list your own files, or remove the "
             "expired ones")
    exsub = ex.add_subparsers(dest="exports_command", required=True)
    exl = cmd(exsub, "list", help="your own export files: name, size, age (stdin: "
              "passphrase)")
    exl.add_argument("--user", required=True)
    cmd(exsub, "purge", help="remove every export file older than the setting "
        "export_max_age_hours (no passphrase)")

    pl = cmd(sub, "places", help="the places (rooms and beds) of the shelter and the "
             "temporary housing (stdin: a manager's passphrase; list: any user who works "
             "with the facility)")
    psub = pl.add_subparsers(dest="places_command", required=True)
    for name, text in (("list", "list the places (tab-separated: id, room, place)"),
                       ("add", "add a place"),
                       ("out-of-use", "take a place out of use for a period (repairs)")):
        pcmd = cmd(psub, name, help=text)
        pcmd.add_argument("--user", required=True)
        pcmd.add_argument("--facility", choices=["shelter", "perpetrator_housing"],
                          default="shelter", help="shelter (default) or perpetrator_housing "
                          "(the temporary housing)")
        if name == "add":
            pcmd.add_argument("--room", required=True, help="the room, e.g. 'Rum 2'")
            pcmd.add_argument("place", help="the place (bed), e.g. '2A'")
        if name == "out-of-use":
            pcmd.add_argument("place_id", type=int, help="the place's id (places list)")
            pcmd.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD",
                              help="first day out of use (default: today)")
            pcmd.add_argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD",
                              help="the day it is back in use (default: until further "
                              "notice)")
            pcmd.add_argument("--reason", required=True)

    sts = cmd(sub, "stats", help="the board's statistics for a period, aggregates only "
                                "(stdin: a manager's passphrase)")
    sts.add_argument("--user", required=True, help="a manager")
    sts.add_argument("--period", required=True,
                     help="2026 (a year), 2026-H1, 2026-Q3 or 2026-05; shown beside the same "
                          "period a year earlier")
    sts.add_argument("--format", choices=["text", "csv", "xlsx"], default="text",
                     help="xlsx: one sheet per area (needs --out)")
    sts.add_argument("--out", metavar="FILE", help="write here (a new file) instead of "
                                                  "standard output")
    sts.add_argument("--board-report", action="store_true",
                     help="the report for the board with tables and charts, the way every "
                          "document leaves (the printer or an encrypted PDF)")

    from rc_tui.commands import extract as extract_command

    extract_command.add_parser(sub, cmd)

    from rc_tui.commands import retention

    retention.add_parser(sub, cmd)

    ins = cmd(sub, "instruments", help="risk-assessment instruments: list what is loaded, "
                                     "or check definition files")
    isub = ins.add_subparsers(dest="instruments_command", required=True)
    cmd(isub, "list", help="the instruments in use and any files that could not be loaded")
    ichk = cmd(isub, "check", help="check definition files (every problem, with its line)")
    ichk.add_argument("files", nargs="+", metavar="FILE")

    demo = cmd(sub, "demo", help="create (if missing) and open a demo database")
    demo.add_argument("--persons", type=int, default=None,
                      help="number of synthetic persons (default 60)")
    demo.add_argument("--no-open", action="store_true", help="create only, do not open the app")
    return p


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    from rc_tui.hygiene import harden_process

    harden_process()
    parser = build_parser()
    args = parser.parse_args(argv)
    i18n.set_language(args.lang or i18n.DEFAULT_LANGUAGE)
    if getattr(args, "memory_security", None):  # before any connection (once per process)
        from storage import db

        db.with_memory_security()
    source = PassphraseSource(stdin)
    command = args.command or "run"
    handlers: dict[str, Callable[[argparse.Namespace, PassphraseSource], int]] = {
        "run": _cmd_run, "init": _cmd_init, "user": _cmd_user, "check": _cmd_check,
        "rekey": _cmd_rekey, "settings": _cmd_settings, "demo": _cmd_demo,
        "instruments": _cmd_instruments, "backup": _cmd_backup, "restore": _cmd_restore,
        "exports": _cmd_exports,
        "places": _cmd_places,
        "stats": _cmd_stats,
        "extract": _cmd_extract,
        "pack": _cmd_pack,
        "retention": _cmd_retention,
    }
    try:
        if command not in {"instruments", "exports"}:
            _purge_exports(args)
        return handlers[command](args, source)
    except KeyboardInterrupt:
        return EXIT_FAIL
    except EOFError:
        _err(_("Expected a passphrase on standard input."))
        return EXIT_USAGE
    except InvalidInput as exc:
        if exc.user:  # an attempt at that account all the same: counted and recorded
            from storage.vault import record_failed_attempt

            record_failed_attempt(_db_path(args.db), exc.user, "invalid_input")
        _err(_("The passphrase on standard input is not UTF-8 text."))
        return EXIT_USAGE
    except Exception as exc:  # last resort: a one-line message, never a traceback
        from storage.errors import VaultError

        if isinstance(exc, VaultError):
            return _vault_failure(exc)
        kind = type(exc).__name__
        if isinstance(exc, ImportError) and exc.name:  # an installation problem, say which
            kind = f"{kind}: {exc.name}"
        _err(_("Internal error ({kind}).", kind=kind))
        return EXIT_FAIL


def _purge_exports(args: argparse.Namespace) -> int:
    """Remove expired export files: at every start, before anything else (a failure to
    does not stop the command; the next start tries again)."""
    from rc_tui.services import exports

    path = _db_path(args.db)
    if args.command == "demo" and not args.db:
        from rc_tui import demo

        path = demo.default_demo_path()
    if not exports.root(path).is_dir():
        return 0
    try:
        return exports.purge(path, exports.max_age_hours(path))
    except OSError:
        return 0


def _err(message: str) -> None:
    print(f"rc-tui: {message}", file=sys.stderr)


def _vault_failure(exc: Exception) -> int:
    from rc_tui.services.accounts import error_text
    from storage.errors import VaultError

    assert isinstance(exc, VaultError)
    _err(error_text(exc))
    if exc.code in AUTH_CODES:
        return EXIT_AUTH
    if exc.code in {"database_missing", "keyfile_missing", "keyfile_damaged",
                    "database_damaged", "newer_schema", "security_check_failed",
                    "backup_damaged"}:
        return EXIT_DB
    return EXIT_FAIL


def _warn_if_exposed(db_path: Path) -> None:
    """An existing data folder is used as it is; say so when others can list it."""
    from storage import files

    folder = db_path.parent
    if folder.is_dir() and files.exposed_folder(folder) and files.unsafe_folder(folder) is None:
        _err(_("Note: other accounts can list the folder {folder} (file names, sizes and "
               "times; the files themselves are owner-only and encrypted). rc-tui does not "
               "change an existing folder's permissions.", folder=folder))


def _login(args: argparse.Namespace, source: PassphraseSource) -> Vault:
    from rc_tui.services import accounts

    phrase = source.read(_("Passphrase for {user}", user=args.user), user=args.user)
    return accounts.login(_db_path(args.db), args.user, phrase)


def _validation(exc: Exception) -> int:
    for reason in getattr(exc, "reasons", [str(exc)]):
        _err(reason)
    return EXIT_FAIL


def _cmd_run(args: argparse.Namespace, source: PassphraseSource) -> int:
    from screens.app import run_app

    path = _db_path(args.db)
    if getattr(args, "pack", None):
        from storage.pack import pack_info

        path = Path(args.pack).expanduser()
        if pack_info(path) is None:
            _err(_("{path} is not an outage pack (or its key file {path}.keys is missing).",
                   path=path))
            return EXIT_DB
    return run_app(path, lang=args.lang, low_bandwidth=bool(args.low_bandwidth),
                   instruments_dir=_instruments_dir(args))


def _cmd_pack(args: argparse.Namespace, source: PassphraseSource) -> int:
    from rc_tui.commands import pack

    return pack.run(args, source, _db_path(args.db))


def _instruments_dir(args: argparse.Namespace) -> Path | None:
    value = getattr(args, "instruments", None)
    return Path(value).expanduser() if value else None


def _cmd_instruments(args: argparse.Namespace, source: PassphraseSource) -> int:
    """No passphrase and no database: definition files hold no personal data."""
    from rc_tui.domain.instruments.library import load_library
    from rc_tui.domain.instruments.loader import DefinitionError, load_file
    from rc_tui.text import visible
    from storage.files import default_instruments_dir

    if args.instruments_command == "check":
        failed = 0
        for name in args.files:
            try:
                inst = load_file(Path(name))
            except DefinitionError as exc:
                failed += 1
                for problem in exc.problems:
                    print(visible(str(problem), one_line=True), file=sys.stderr)
                continue
            count = len(inst.all_items())
            print(visible(_n("{file}: OK – {id} {version}, {n} item",
                             "{file}: OK – {id} {version}, {n} items", count, file=name,
                             id=inst.id, version=inst.version, n=count), one_line=True))
        return EXIT_FAIL if failed else 0
    folder = _instruments_dir(args) or default_instruments_dir()
    library = load_library(folder)
    print(_("Organisation folder: {folder}", folder=folder))
    for inst in sorted(library.instruments.values(), key=lambda i: i.id):
        origin = _("organisation") if inst.origin == "organisation" else _("rc-tui")
        print(visible(f"{inst.id:<24} {inst.version:<10} {inst.target:<12} {origin:<13} "
                      f"{inst.title}", one_line=True))
    for problem in library.problems:  # definition files are untrusted: no terminal codes
        print(visible(str(problem), one_line=True), file=sys.stderr)
    return EXIT_FAIL if library.problems else 0


def _cmd_init(args: argparse.Namespace, source: PassphraseSource) -> int:
    from rc_tui.services import accounts

    phrase, repeat = source.read_new(_("New passphrase for {user}", user=args.admin))
    _warn_if_exposed(_db_path(args.db))
    m_phrase, m_repeat = source.read_new(_("New passphrase for {user}", user=args.manager))
    admin = accounts.NewAccount(args.admin, args.name or args.admin, phrase, repeat)
    manager = accounts.NewAccount(args.manager, args.manager_name or args.manager, m_phrase,
                                  m_repeat)
    try:
        vault = accounts.create_installation(_db_path(args.db), admin, manager)
    except accounts.ValidationError as exc:
        return _validation(exc)
    vault.close()
    print(_("Created {path} with administrator {admin} (user management, no access to the "
            "case data) and manager {manager} (holds the data key).", path=_db_path(args.db),
            admin=args.admin, manager=args.manager))
    return EXIT_OK


def _cmd_user(args: argparse.Namespace, source: PassphraseSource) -> int:
    from rc_tui.services import accounts
    from storage.roles import Role

    own_passwd = args.user_command == "passwd" and args.username in (None, args.user)
    current = source.read(_("Passphrase for {user}", user=args.user), user=args.user)
    with accounts.login(_db_path(args.db), args.user, current) as vault:
        try:
            if args.user_command == "list":
                for row in vault.list_users():
                    print(f"{row.username}\t{row.role.value}\t{row.status.value}\t"
                          f"{row.created_at}")
            elif args.user_command == "add":
                phrase, repeat = source.read_new(_("New passphrase for {user}",
                                                   user=args.username))
                accounts.add_user(vault, args.username, args.name or args.username,
                                  Role(args.role), phrase, repeat)
                print(_("User {user} added. The account opens once a manager has logged in; "
                        "the passphrase must be changed at first login.", user=args.username))
            elif own_passwd:
                phrase, repeat = source.read_new(_("New passphrase for {user}", user=args.user))
                accounts.change_own_passphrase(vault, current, phrase, repeat)
                print(_("Passphrase changed."))
            elif args.user_command == "passwd":
                phrase, repeat = source.read_new(_("New passphrase for {user}",
                                                   user=args.username))
                accounts.reset_passphrase(vault, args.username, phrase, repeat)
                print(_("New passphrase set for {user}. The account opens once a manager "
                        "has logged in; the passphrase must be changed at next login.",
                        user=args.username))
            elif args.user_command == "revoke":
                vault.revoke_user(args.username)
                print(_("User {user} revoked: the key slot is deleted and the account opens "
                        "nothing more.", user=args.username))
                print(_("The next transaction of any user who holds the data key ends "
                        "{user}'s open sessions and gives the database a new key; until then "
                        "an old copy of the key slot still opens it (or run 'rc-tui rekey' as "
                        "such a user now).", user=args.username))
        except accounts.ValidationError as exc:
            return _validation(exc)
    return EXIT_OK


def _cmd_check(args: argparse.Namespace, source: PassphraseSource) -> int:
    from storage.errors import DatabaseDamaged

    try:
        with _login(args, source) as vault:
            report = vault.check()
    except DatabaseDamaged as exc:
        return _check_report([_("opening the database: {detail}", detail=exc.detail)],
                             damaged=True)
    except _database_errors() as exc:  # any SQLite/SQLCipher error on the way in
        return _check_report([_("opening the database: {detail}", detail=_db_detail(exc))],
                             damaged=True)
    if report.ok:
        print(_n("OK: encryption, integrity, schema, access log ({rows} row) and signed "
                 "records verified. Log head {head}.",
                 "OK: encryption, integrity, schema, access log ({rows} rows) and signed "
                 "records verified. Log head {head}.", report.log_rows, rows=report.log_rows,
                 head=report.log_head[:16]))
        return EXIT_OK
    return _check_report(list(report.problems), damaged=report.damaged)


def _database_errors() -> tuple[type[BaseException], ...]:
    from storage import db

    return db.DATABASE_ERRORS


def _db_detail(exc: BaseException) -> str:
    from storage import db

    return db.error_message(exc)


def _check_report(problems: list[str], *, damaged: bool, backup: bool = False) -> int:
    """Which checks failed, what that means, what to do. Exit 4 when the file is damaged
    (or is a backup that cannot be used), 1 when its contents do not add up."""
    from rc_tui.text import visible

    for problem in problems:  # names in the schema are an insider's to choose: no escapes
        _err(_("Check failed: {problem}", problem=visible(problem, one_line=True,
                                                          max_chars=300)))
    if backup:
        _err(_("This means the backup cannot be trusted: it is damaged, or was changed "
               "after it was made. Nothing was changed."))
        _err(_("What to do: use another backup (an older one), and keep this one for "
               "examination."))
        return EXIT_DB
    if damaged:
        _err(_("This means the database file is damaged: what it holds cannot be trusted, "
               "and reading on may fail."))
        _err(_("What to do: stop using it, keep the file for examination, and restore the "
               "latest backup that passes its checks: rc-tui restore --from FILE --user "
               "MANAGER."))
        return EXIT_DB
    _err(_("This means the database was changed outside rc-tui: the records and "
           "access-log rows named above cannot be trusted as they are."))
    _err(_("What to do: keep the file for examination, tell the data protection officer, "
           "and compare with the latest backup (rc-tui restore --verify-only)."))
    return EXIT_FAIL


def _cmd_rekey(args: argparse.Namespace, source: PassphraseSource) -> int:
    with _login(args, source) as vault:
        vault.rekey()
    print(_("The database has a new key."))
    return EXIT_OK


def _cmd_backup(args: argparse.Namespace, source: PassphraseSource) -> int:
    from storage import backup

    out = Path(args.out).expanduser()
    if args.user:
        with _login(args, source) as vault:
            info = backup.backup_with_vault(vault, out)
    else:
        info = backup.copy_files(_db_path(args.db), out)
    print(_("Backup written to {file} ({size} MB, encrypted; restoring it needs a "
            "passphrase).", file=info.path, size=f"{info.size / 1e6:.1f}"))
    return EXIT_OK


def _cmd_restore(args: argparse.Namespace, source: PassphraseSource) -> int:
    from storage import backup
    from storage.errors import BackupDamaged, CheckFailed, DatabaseDamaged

    path = _db_path(args.db)
    phrase = source.read(_("Passphrase for {user}", user=args.user), user=args.user)
    if not args.verify_only:
        _warn_if_exposed(path)
    try:
        result = backup.restore(path, Path(args.source).expanduser(), args.user, phrase,
                                verify_only=args.verify_only)
    except CheckFailed as exc:
        return _check_report(list(exc.problems), damaged=exc.damaged, backup=True)
    except BackupDamaged as exc:
        return _check_report([_("backup file: {detail}", detail=exc.detail)], damaged=True,
                             backup=True)
    except DatabaseDamaged as exc:
        return _check_report([_("database in the backup: {detail}", detail=exc.detail)],
                             damaged=True, backup=True)
    if args.verify_only:
        print(_n("The backup opens with your key and passes every check (access log: {rows} "
                 "row). Nothing was changed.",
                 "The backup opens with your key and passes every check (access log: {rows} "
                 "rows). Nothing was changed.", result.log_rows, rows=result.log_rows))
    else:
        print(_n("Restored {path}: encryption, integrity and access log ({rows} row) "
                 "verified.",
                 "Restored {path}: encryption, integrity and access log ({rows} rows) "
                 "verified.", result.log_rows, path=path, rows=result.log_rows))
        if result.previous is not None:
            print(_("The previous files are kept as {previous}.", previous=result.previous))
    if result.stale_slots:
        print(_("The backup has key slots that the current key file no longer has (revoked "
                "since?): {users}. Revoke them again with 'rc-tui user revoke'.",
                users=", ".join(result.stale_slots)))
    return EXIT_OK


def _cmd_settings(args: argparse.Namespace, source: PassphraseSource) -> int:
    from rc_tui.services import settings

    with _login(args, source) as vault:
        try:
            if args.idle_timeout is not None:
                settings.set_idle_timeout(vault, args.idle_timeout)
            if args.session_lifetime is not None:
                settings.set_session_lifetime(vault, args.session_lifetime)
            if args.investigation_days is not None:
                settings.set_investigation_after_stay_days(vault, args.investigation_days)
            if args.shelter_assessments is not None:
                settings.set_shelter_staff_assessments(vault, args.shelter_assessments == "on")
            if args.documents is not None:
                settings.set_document_output(vault, args.documents.replace("-", "_"))
            if args.plaintext_export is not None:
                settings.set_plaintext_export(vault, args.plaintext_export == "on")
            if args.export_max_age is not None:
                settings.set_export_max_age_hours(vault, args.export_max_age)
            if args.centre_name is not None:
                settings.set_centre_name(vault, args.centre_name)
            if args.printer is not None:
                settings.set_printer_queue(vault, args.printer)
            if args.suppression_k is not None:
                settings.set_suppression_k(vault, args.suppression_k)
            if args.pack_days is not None:
                settings.set_pack_days(vault, args.pack_days)
        except settings.SettingError as exc:
            _err(str(exc))
            return EXIT_FAIL
        for name, value in settings.current(vault).items():
            print(f"{name}\t{value}")
    return EXIT_OK


def _cmd_exports(args: argparse.Namespace, source: PassphraseSource) -> int:
    """``list``: the user's own files, after their passphrase (names, sizes and ages – no
    content); ``purge``: every user's expired files, without a passphrase (it only
    removes)."""
    from rc_tui.services import exports

    path = _db_path(args.db)
    if args.exports_command == "purge":
        removed = exports.purge(path, exports.max_age_hours(path))
        print(_n("Removed {n} expired export file.", "Removed {n} expired export files.",
                 removed, n=removed))
        return EXIT_OK
    with _login(args, source) as vault:
        username = vault.user.username
    for f in exports.listing(path, username):
        hours, rest = divmod(int(f.age_seconds), 3600)
        print(f"{f.name}\t{f.size}\t{hours}h{rest // 60:02d}m")
    return EXIT_OK


def _cmd_places(args: argparse.Namespace, source: PassphraseSource) -> int:
    """The places through the shelter service: its access rules (adding and taking out of
    use: managers) and its access-log entries, as in the app."""
    from rc_tui.services.errors import NoAccess, PermissionDenied, ValidationError
    from rc_tui.services.shelter import ShelterService

    with _login(args, source) as vault:
        service = ShelterService(vault)
        try:
            if args.places_command == "add":
                place_id = service.add_place(args.facility, args.room, args.place)
                print(_("Place {place} added (id {id}).", place=args.place, id=place_id))
            elif args.places_command == "out-of-use":
                service.set_out_of_use(args.place_id, args.start or date.today(), args.end,
                                       args.reason)
                print(_("Place {id} is out of use.", id=args.place_id))
            else:
                for place in service.places(args.facility):
                    print(f"{place.id}\t{place.room}\t{place.label}")
        except ValidationError as exc:
            return _validation(exc)
        except (NoAccess, PermissionDenied):  # refused and access-logged by the service
            _err(_("Refused: a manager sets up the places; a facility's places are seen by "
                   "its own staff and managers."))
            return EXIT_AUTH
    return EXIT_OK


def _cmd_stats(args: argparse.Namespace, source: PassphraseSource) -> int:
    """Aggregates only (every figure through the small-cell rule), so the output may
    leave the database without the plaintext warning that an export of a record carries."""
    from rc_tui.commands import stats

    return stats.run(args, source, login=_login, err=_err)


def _cmd_extract(args: argparse.Namespace, source: PassphraseSource) -> int:
    from rc_tui.commands import extract

    return extract.run(args, source)


def _cmd_retention(args: argparse.Namespace, source: PassphraseSource) -> int:
    from rc_tui.commands import retention

    return retention.run(args, source)


def _cmd_demo(args: argparse.Namespace, source: PassphraseSource) -> int:
    from rc_tui import demo

    path = Path(args.db).expanduser() if args.db else demo.default_demo_path()
    if not path.exists():
        _warn_if_exposed(path)
    created = demo.ensure_demo(path, persons=args.persons, progress=print)
    if created:
        print(_("Demo database created at {path}.", path=path))
    if args.no_open:
        return EXIT_OK
    from screens.app import run_app

    return run_app(path, lang=args.lang, low_bandwidth=bool(args.low_bandwidth),
                   instruments_dir=_instruments_dir(args))
