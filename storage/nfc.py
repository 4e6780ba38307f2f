"""Text is stored in Unicode NFC: "Å" is one code point, however it was typed or pasted.

A name copied from macOS or a PDF often arrives decomposed ("A" + U+030A COMBINING RING
ABOVE). It looks the same, but SQLite compares code points: the decomposed name would
never be found by "Åsa" typed on a keyboard, nor equal to it in a duplicate check. So text
is composed on its way into the database, in storage, where no service method can forget
it:

* every ``String``/``Text`` attribute of every model is composed when it is set
  (:func:`install_orm`), so the object in memory holds what the database will hold – a
  hash computed from it before the flush (the access-log chain) matches the stored row;
* every string parameter of every statement the engine runs is composed
  (:func:`install_engine`): raw SQL (the search indexes, bulk inserts) and the search
  terms themselves. A row that would be composed only here is already composed above,
  except for text written with raw SQL, which no Python hash covers.

Text that was sealed (signed notes, approved minutes, the access log) is not rewritten by
the migration that composed older rows: it stays exactly as it was signed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, String, event
from sqlalchemy.orm import DeclarativeBase, Mapper

__all__ = ["install_engine", "install_orm", "nfc", "nfc_params"]


def nfc(value: str) -> str:
    """``value`` composed (NFC); the same object when it already is (the common case)."""
    if unicodedata.is_normalized("NFC", value):
        return value
    return unicodedata.normalize("NFC", value)


def _value(value: Any) -> Any:
    return nfc(value) if isinstance(value, str) else value


def _one(params: Any) -> Any:
    if isinstance(params, Mapping):
        if not any(isinstance(v, str) and not unicodedata.is_normalized("NFC", v)
                   for v in params.values()):
            return params
        return {k: _value(v) for k, v in params.items()}
    if isinstance(params, (tuple, list)):
        if not any(isinstance(v, str) and not unicodedata.is_normalized("NFC", v)
                   for v in params):
            return params
        return type(params)(_value(v) for v in params)
    return params


def nfc_params(parameters: Any, executemany: bool) -> Any:
    """A statement's DB-API parameters with every string composed (one set, or a sequence
    of sets for ``executemany``); the same object when nothing needs composing."""
    if parameters is None:
        return None
    if executemany and isinstance(parameters, Sequence):
        rows = [_one(p) for p in parameters]
        if all(new is old for new, old in zip(rows, parameters, strict=True)):
            return parameters
        return type(parameters)(rows) if isinstance(parameters, tuple) else rows
    return _one(parameters)


def install_engine(engine: Engine) -> None:
    """Compose every string parameter of every statement ``engine`` runs."""

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _compose(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                 executemany: bool) -> tuple[str, Any]:
        return statement, nfc_params(parameters, executemany)


def _compose_set(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    return _value(value)


def _listen(mapper: Mapper[Any], class_: type[Any]) -> None:
    for prop in mapper.column_attrs:
        if any(isinstance(col.type, String) for col in prop.columns):
            attr = getattr(class_, prop.key)
            if not event.contains(attr, "set", _compose_set):
                event.listen(attr, "set", _compose_set, retval=True)


def install_orm(base: type[DeclarativeBase]) -> None:
    """Compose every ``String``/``Text`` column attribute of ``base``'s models when set
    (also through the constructor): the models defined now, and any defined later (when
    SQLAlchemy configures their mapper, before first use)."""
    for mapper in base.registry.mappers:
        _listen(mapper, mapper.class_)
    event.listen(base, "mapper_configured", _listen, propagate=True)
