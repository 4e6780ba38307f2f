"""Handed: secrets handed to a worker thread without being its arguments."""

from __future__ import annotations


class Handed:
    """Passphrases handed to a worker thread without being its arguments: Textual keeps a
    finished worker for a while, with its arguments and a description made from their
    ``repr``. The worker takes them (once); the box then holds nothing."""

    __slots__ = ("_values",)

    def __init__(self, *values: str) -> None:
        self._values: tuple[str, ...] = values

    def take(self) -> tuple[str, ...]:
        values, self._values = self._values, ()
        return values

    def __repr__(self) -> str:
        return "Handed(…)"
