"""Many rows into one table with few statements: the bulk demo's writer.

sqlcipher3's ``executemany`` (what SQLAlchemy uses for a list of parameter sets) costs,
for every row, time in proportion to the statements the connection has cached: with the
hundred or so a session's connection holds, a row took 0.05-0.1 ms instead of 3 µs (a
million journal notes: minutes instead of seconds). A multi-row ``INSERT … VALUES (…),
(…)`` runs as one ``execute`` and does not pay it.

The values go through each column's SQLAlchemy bind processor (dates and times stored
exactly as the ORM stores them, booleans as 0/1), and through the engine's
``before_cursor_execute`` listeners like any statement (text composed to NFC).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

__all__ = ["bind_rows", "insert_rows"]

#: Below SQLite's default limit of 32,766 bound parameters per statement.
MAX_PARAMETERS = 32_000


def _processor(table: Table, name: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    # the dialect's own type (SQLite's DATETIME), whose processor writes a date and time as
    # the ORM does ("YYYY-MM-DD HH:MM:SS.ffffff"); the generic type has none, and the
    # driver's own adapter would leave out zero microseconds
    return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)


def bind_rows(table: Table, rows: Sequence[Mapping[str, Any]], dialect: Dialect
              ) -> list[dict[str, Any]]:
    """``rows`` with each value as ``insert_rows`` would bind it (through the column's bind
    processor): the values as stored, for a writer that prepares rows in another thread and
    inserts them with ``bound=True``."""
    if not rows:
        return []
    processors = [(name, process) for name in rows[0]
                  if (process := _processor(table, name, dialect)) is not None]
    out: list[dict[str, Any]] = []
    for row in rows:
        bound = dict(row)
        for name, process in processors:
            value = bound[name]
            if value is not None:
                bound[name] = process(value)
        out.append(bound)
    return out


def insert_rows(session: Session | Connection, table: Table | str,
                rows: Sequence[Mapping[str, Any]], *, bound: bool = False,
                composed: bool = False) -> None:
    """INSERT ``rows`` (dicts with the same keys, all column names of ``table``) in the
    session's (or connection's) transaction, as few multi-row statements as the parameter
    limit allows.

    ``table`` by name (a search index, which has no model), or ``bound`` (rows from
    :func:`bind_rows`): the values are bound as they are. ``composed``: every text value
    is composed (NFC) already, so the statements go straight to the transaction's DB-API
    connection, past SQLAlchemy's per-statement work and its listeners (which would only
    compose the text again: the access log of a search, thirty rows of fifteen values)."""
    if not rows:
        return
    conn = session.connection() if isinstance(session, Session) else session
    run: Callable[[str, tuple[Any, ...]], object] = conn.exec_driver_sql
    if composed:
        driver = conn.connection.driver_connection
        assert driver is not None
        run = driver.execute
    columns = list(rows[0])
    dialect = conn.dialect
    processors: list[Callable[[Any], Any] | None] = (
        [None] * len(columns) if isinstance(table, str) or bound
        else [_processor(table, name, dialect) for name in columns])
    name = table if isinstance(table, str) else table.name
    getter = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
    per_statement = max(1, MAX_PARAMETERS // len(columns))
    group = "(" + ", ".join(["?"] * len(columns)) + ")"
    # names from the caller's code (a model's table, an index's columns), never from data
    head = f"INSERT INTO {name} ({', '.join(columns)}) VALUES "  # noqa: S608
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        values: list[Any] = []
        if not any(processors):  # bound already, or an index: the values as they are
            for row in chunk:
                values.extend(getter(row))
        else:
            for row in chunk:
                for column, process in zip(columns, processors, strict=True):
                    value = row[column]
                    values.append(process(value) if process is not None and value is not None
                                  else value)
        run(head + ", ".join([group] * len(chunk)), tuple(values))
