"""Passphrase rules (the same in the UI and the CLI)."""

from __future__ import annotations

import pytest

from rc_tui import passphrase
from rc_tui.services import accounts


@pytest.mark.parametrize("phrase", [
    "", "kort", "elva tecken", "password1234", "Password1234!", "qwertyuiopå1",
    "sommar2026!!", "aaaaaaaaaaaaaaaa", "ababababababab", "lösenord12345", "iloveyou1234",
    "abc\x1b[31mdefghij",
])
def test_refused(phrase: str) -> None:
    assert passphrase.problems(phrase)


@pytest.mark.parametrize("phrase", [
    "korrekt häst batteri", "min katt heter Doris 1987", "blå-kanot-fyrtio-två",
    "𝔄𝔫𝔫𝔞 går till skogen",
])
def test_accepted(phrase: str) -> None:
    assert passphrase.problems(phrase) == []


def test_username_inside_is_refused() -> None:
    assert passphrase.problems("anna-är-bäst-2026", "anna")


def test_common_list_is_shipped() -> None:
    common = passphrase.common_passwords()
    assert len(common) > 10_000
    assert "password" in common and "lösenord" in common


def test_username_rules() -> None:
    assert accounts.username_problem("anna") is None
    assert accounts.username_problem("a.b-c_1") is None
    for bad in ("", "A", "Anna", "1anna", "an na", "[bold]x", "a" * 40, "anna\x00", "åsa"):
        assert accounts.username_problem(bad)


def test_display_name_rules() -> None:
    assert accounts.display_name_problem("Åsa Öberg-Ängström") is None
    assert accounts.display_name_problem("[bold red]Anna[/bold red]") is None  # stored literally
    assert accounts.display_name_problem("   ")
    assert accounts.display_name_problem("x\x1b[2J")
    assert accounts.display_name_problem("x" * 201)
