"""Nothing in rc-tui needs a network: a whole working session – a new installation, an
intake, the shelter's board and shift log, the due list, the integrity check, the app
itself logging in and an outage pack opened in the app – runs in a network namespace that
has no network at all (where the machine allows one). Every other test runs with network
sockets refused in-process (tests/conftest.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent('''
    import asyncio, socket, sys
    from datetime import datetime
    from pathlib import Path
    try:
        socket.create_connection(("192.0.2.1", 53), timeout=1)
        sys.exit("the namespace has a network")
    except OSError:
        pass
    from screens.app import RcApp
    from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
    from rc_tui.services.home import HomeService
    from rc_tui.services.people import PersonInput
    from rc_tui.services.shelter import AdmissionInput, ShelterService
    from storage.vault import Vault
    from tests.helpers import login
    path = Path(sys.argv[1]) / "rc.db"
    Vault.create(path, "admin", "Admin", "en lång fras utan nät", "chef", "Chef",
                 "chefens fras utan nät").close()
    with Vault.unlock(path, "chef", "chefens fras utan nät") as v:
        CaseService(v).register_intake(IntakeInput(
            datetime.now(), "self", "Ringde.", False,
            [MemberInput("victim", PersonInput(alias="Nätlös"))]))
        shelter = ShelterService(v)
        place = shelter.add_place("shelter", "Rum 1", "1A")
        shelter.admit(AdmissionInput("shelter", PersonInput(alias="Ros"), "self",
                                     datetime.now(), place_id=place))
        shelter.write_entry("shelter", "Lugn natt.")
        assert shelter.board("shelter").free == 0 and HomeService(v).due_items()
        assert v.check().ok
    async def run() -> None:
        app = RcApp(path)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await login(pilot, "chef", "chefens fras utan nät")
            await pilot.press("s")
            await pilot.pause()
            assert type(app.screen).__name__ == "BoardScreen"
    asyncio.run(run())
    # an outage pack (made here too: the database is the same either way) opens and works
    # by keyboard under its banner
    from rc_tui.services.packs import PackService
    from tests.helpers import screen_text
    pack = Path(sys.argv[1]) / "chef.pack"
    with Vault.unlock(path, "chef", "chefens fras utan nät") as v:
        PackService(v).create(pack, "chefens fras utan nät")
    async def outage() -> None:
        app = RcApp(pack)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await login(pilot, "chef", "chefens fras utan nät")
            assert "Avbrottsläge" in screen_text(app)
            await pilot.press("s")
            await pilot.pause()
            assert type(app.screen).__name__ == "BoardScreen"
            assert "Ros" in screen_text(app) and "Avbrottsläge" in screen_text(app)
    asyncio.run(outage())
    print("offline ok")
''')


@pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("unshare"),
                    reason="network namespaces are Linux's (unshare)")
def test_a_working_session_in_a_namespace_without_network(tmp_path: Path) -> None:
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("this machine does not allow a network namespace: "
                    + probe.stderr.decode(errors="replace").strip())
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(["unshare", "-rn", sys.executable, "-c", SCRIPT, str(tmp_path)],
                          capture_output=True, text=True, cwd=root, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "offline ok" in done.stdout


def test_network_use_in_a_test_fails_it() -> None:
    import socket

    with pytest.raises(AssertionError, match="network use"):
        socket.create_connection(("192.0.2.1", 53), timeout=0.1)
