"""What a typed audit detail is: a frozen dataclass, checked when made, stored as JSON, read back.

The trail is what an appeal is decided on, so what an entry holds is written down once per kind
of change (races.audit.details), as zulip types its events: a value of the wrong type is refused
when the details are made, and stored JSON with a key the schema does not know does not fit it.

Field types a detail may use: str, int, bool, aware datetime (stored as ISO 8601), `X | None`,
`tuple[X, ...]` (stored as a list), `dict[str, int]`, and another `Schema` (stored as an object).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Self

#: A moment as the page shows it: the race's local time of day (the page knows the race).
Clock = Callable[[datetime], str]


class DetailsDoNotFit(ValueError):
    """Stored details the schema does not describe: an entry written before it, or by hand."""


def stored_as(key: str, **options: Any) -> Any:
    """A field stored under another key than its name: entries say "from", which Python may not."""
    return dataclasses.field(metadata={"key": key}, **options)


def left_out_when_none() -> Any:
    """An optional field with no key at all when it is None, as such entries were always stored."""
    return dataclasses.field(default=None, metadata={"left_out_when_none": True})


@dataclasses.dataclass(frozen=True, kw_only=True)
class Schema:
    """A JSON object with a known set of keys; subclasses are frozen, keyword-only dataclasses."""

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not _fits(value, _hints(type(self))[field.name]):
                raise TypeError(
                    f"{type(self).__name__}.{field.name}: {value!r} is not {_hints(type(self))[field.name]}"
                )

    def as_json(self) -> dict[str, Any]:
        stored = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None and field.metadata.get("left_out_when_none"):
                continue
            stored[_key(field)] = _to_json(value)
        return stored

    @classmethod
    def from_json(cls, stored: Any) -> Self:
        """The details as stored; DetailsDoNotFit if a key is unknown, missing or of another type."""
        if not isinstance(stored, dict):
            raise DetailsDoNotFit(f"{cls.__name__}: {stored!r} is not an object")
        fields = {_key(field): field for field in dataclasses.fields(cls)}
        if unknown := sorted(set(stored) - set(fields)):
            raise DetailsDoNotFit(f"{cls.__name__}: no key {', '.join(map(repr, unknown))}")
        values = {}
        for key, field in fields.items():
            if key in stored:
                values[field.name] = _from_json(stored[key], _hints(cls)[field.name])
            elif _required(field):
                raise DetailsDoNotFit(f"{cls.__name__}: the key {key!r} is missing")
        try:
            return cls(**values)
        except (TypeError, ValueError) as wrong:
            raise DetailsDoNotFit(str(wrong)) from wrong


def _key(field: dataclasses.Field) -> str:
    return field.metadata.get("key", field.name)


def _required(field: dataclasses.Field) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _fits(value: Any, hint: Any) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_fits(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if origin is tuple:
        return isinstance(value, tuple) and all(_fits(item, args[0]) for item in value)
    if origin in (dict, Mapping):
        return isinstance(value, Mapping) and all(
            _fits(key, args[0]) and _fits(item, args[1]) for key, item in value.items()
        )
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)  # True is no team count
    if hint is datetime:
        return isinstance(value, datetime) and value.tzinfo is not None  # a naive time is no moment
    if isinstance(hint, type) and (hint in (str, bool) or issubclass(hint, Schema)):
        return isinstance(value, hint)
    raise TypeError(f"an audit detail cannot be a {hint!r}")


def _to_json(value: Any) -> Any:
    if isinstance(value, Schema):
        return value.as_json()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _to_json(item) for key, item in value.items()}
    return value


def _from_json(stored: Any, hint: Any) -> Any:
    """The stored value as the field's type, where JSON has no such type; `_fits` checks the rest."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if stored is None:
            return None
        [hint] = [arg for arg in args if arg is not type(None)]  # only `X | None` is used
        return _from_json(stored, hint)
    if origin is tuple:
        if not isinstance(stored, list):
            raise DetailsDoNotFit(f"{stored!r} is not a list")
        return tuple(_from_json(item, args[0]) for item in stored)
    if hint is datetime:
        try:
            return datetime.fromisoformat(stored)
        except (TypeError, ValueError) as wrong:
            raise DetailsDoNotFit(f"{stored!r} is not a moment") from wrong
    if isinstance(hint, type) and issubclass(hint, Schema):
        return hint.from_json(stored)
    return stored
