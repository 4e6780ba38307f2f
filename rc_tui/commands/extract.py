"""``rc-tui extract``: a person's record extract without the review screen – only when no
passage concerns another person. Otherwise it refuses (exit 1) and says why: the review
is made in the app (``R`` on the person).

The extract is written as an AES-256 encrypted PDF to a new owner-only file; its one-time
password is printed once on standard output (give it to the recipient another way than
the file). The decision "nothing needed review" and the document are access-logged as in
the app.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rc_tui.i18n import _, _n

if TYPE_CHECKING:
    from rc_tui.cli import PassphraseSource


def add_parser(sub: Any, cmd: Callable[..., argparse.ArgumentParser]) -> None:
    ext = cmd(sub, "extract", help="a person's record extract as an encrypted PDF, when no "
                                   "passage needs review (stdin: your passphrase)")
    ext.add_argument("--user", required=True,
                     help="a manager, or the caseworker who holds the person's track")
    ext.add_argument("--person", required=True, metavar="ID",
                     help="the person: their identity number, or their record's id")
    ext.add_argument("--out", required=True, metavar="FILE.pdf",
                     help="the encrypted PDF to write (a new file)")


def run(args: argparse.Namespace, source: PassphraseSource) -> int:
    from rc_tui.cli import EXIT_AUTH, EXIT_FAIL, EXIT_OK, _err, _login, _validation
    from rc_tui.services.documents import DocumentError, DocumentRequest, DocumentService
    from rc_tui.services.errors import NoAccess, PermissionDenied, ValidationError
    from rc_tui.services.extracts import ExtractNeedsReview, ExtractService

    out = Path(args.out).expanduser()
    if out.exists() or out.is_symlink():
        _err(_("{path} exists already; choose a new file.", path=out))
        return EXIT_FAIL
    with _login(args, source) as vault:
        extracts = ExtractService(vault, screen="cli")
        try:
            person = (int(args.person) if args.person.isdigit() and len(args.person) <= 9
                      else extracts.person_by_number(args.person))
            review = extracts.record_unreviewed(person)
            issued = DocumentService(vault, screen="cli").issue_to(
                DocumentRequest("record_extract", review), out)
        except ExtractNeedsReview as exc:
            _err(_n("Refused: {n} passage of the record concerns another person and must be "
                    "reviewed before the extract leaves. Make the extract in rc-tui (R on "
                    "the person), where each such passage is released or withheld.",
                    "Refused: {n} passages of the record concern other persons and must be "
                    "reviewed before the extract leaves. Make the extract in rc-tui (R on "
                    "the person), where each such passage is released or withheld.",
                    exc.count, n=exc.count))
            return EXIT_FAIL
        except ValidationError as exc:
            return _validation(exc)
        except DocumentError as exc:
            _err(str(exc))
            return EXIT_FAIL
        except (NoAccess, PermissionDenied):  # refused and access-logged by the service
            _err(_("Refused: a record extract is made by a manager or by the caseworker who "
                   "holds the person's own track."))
            return EXIT_AUTH
    print(_("Record extract written to {path} (encrypted).", path=issued.path))
    print(_("Password (shown only now): {password}", password=issued.password))
    return EXIT_OK
