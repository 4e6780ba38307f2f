"""The arguments and results of a recorded operation as JSON, and back.

Only the plain values a service call takes (text, numbers, dates, lists) and the input
dataclasses named in ``TYPES`` are written and read: a pack is a file its user holds, so
reading one back never imports or builds anything else (``ValueError``).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Any

from rc_tui.services.cases import IntakeInput, IntakeResult, MemberInput
from rc_tui.services.people import PersonInput
from rc_tui.services.safety.partner import PartnerContactInput
from rc_tui.services.shelter.admission import AdmissionInput, AdmissionResult

#: every dataclass an operation may carry, by name
TYPES: dict[str, type[Any]] = {cls.__name__: cls for cls in (
    IntakeInput, IntakeResult, MemberInput, PersonInput, PartnerContactInput, AdmissionInput,
    AdmissionResult)}


def encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if TYPES.get(name) is not type(value):
            raise ValueError(f"not an operation type: {name}")
        return {"$t": name, "f": {f.name: encode(getattr(value, f.name))
                                  for f in dataclasses.fields(value)}}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"$m": {str(k): encode(v) for k, v in value.items()}}
    raise ValueError(f"not an operation value: {type(value).__name__}")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$dt" in value:
        return datetime.fromisoformat(str(value["$dt"]))
    if "$d" in value:
        return date.fromisoformat(str(value["$d"]))
    if "$m" in value:
        return {str(k): decode(v) for k, v in dict(value["$m"]).items()}
    cls = TYPES.get(str(value.get("$t")))
    if cls is None:
        raise ValueError("not an operation type")
    fields = {f.name for f in dataclasses.fields(cls)}
    given = {k: decode(v) for k, v in dict(value.get("f", {})).items() if k in fields}
    return cls(**given)


def dumps(value: Any) -> str:
    return json.dumps(encode(value), ensure_ascii=False, sort_keys=True)


def loads(text: str | None) -> Any:
    return decode(json.loads(text)) if text else None


def plain(text: str | None) -> Any:
    """The JSON as it is stored (dataclasses as ``{"$t", "f"}``): for walking the ids."""
    return json.loads(text) if text else None
