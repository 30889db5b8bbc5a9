"""JSON for the frozen domain records (documents, hồ sơ, meetings) kept in the ``data`` columns.

The record is the source of truth; the list columns beside it are derived on every save. The
codec follows the dataclass field types, so a record reads back equal to what was written:
enums by value, ``date``/``datetime`` as ISO text (with their offset), tuples and frozensets as
lists (frozensets sorted, so equal records give equal text), nested dataclasses as objects,
``X | None`` and ``A | B`` unions of enums. Unknown keys in stored JSON are ignored and missing
ones take the field default, so a field added later reads old rows.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections import abc
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin

T = TypeVar("T")


def to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, frozenset):
        return sorted((to_plain(v) for v in obj), key=repr)
    if isinstance(obj, list | tuple):
        return [to_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_plain(v) for k, v in obj.items()}
    return obj


def encode(obj: Any) -> str:
    return json.dumps(to_plain(obj), ensure_ascii=False, separators=(",", ":"))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_plain(tp: Any, value: Any) -> Any:
    if tp is Any:
        return value
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        options = get_args(tp)
        if value is None:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return from_plain(option, value)
            except (ValueError, TypeError, KeyError):
                continue
        raise ValueError(f"{value!r} fits none of {tp}")
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_plain(args[0], v) for v in value)
        return tuple(from_plain(a, v) for a, v in zip(args, value, strict=True))
    if origin is frozenset:
        (arg,) = get_args(tp)
        return frozenset(from_plain(arg, v) for v in value)
    if origin is list:
        (arg,) = get_args(tp)
        return [from_plain(arg, v) for v in value]
    if origin in (dict, abc.Mapping):
        return dict(value)
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            if not isinstance(value, dict):
                raise TypeError(f"{tp.__name__} needs an object")
            hints = _hints(tp)
            kwargs = {f.name: from_plain(hints[f.name], value[f.name])
                      for f in dataclasses.fields(tp) if f.init and f.name in value}
            return tp(**kwargs)
        if issubclass(tp, Enum):
            return tp(value)
        if tp is datetime:
            if not isinstance(value, str):
                raise TypeError("datetime needs text")
            return datetime.fromisoformat(value)
        if tp is date:
            if not isinstance(value, str) or "T" in value:
                raise TypeError("date needs YYYY-MM-DD")
            return date.fromisoformat(value)
        if tp in (str, int, float, bool):
            if tp is int and isinstance(value, bool):
                raise TypeError("bool is not int")
            if not isinstance(value, tp) and not (tp is float and isinstance(value, int)):
                raise TypeError(f"{value!r} is not {tp.__name__}")
            return value
    raise TypeError(f"cannot decode {tp!r}")


def decode(cls: type[T], text: str) -> T:
    result: T = from_plain(cls, json.loads(text))
    return result
