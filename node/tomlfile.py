"""Write node configs back as TOML (restore and provisioning write configs; tomllib only reads).

Only what a node config holds: tables, arrays of tables, strings, integers, floats, booleans and
arrays of those. ``config_to_dict`` turns a loaded :class:`Config` into the dict that, written
with ``dumps`` next to ``base``, loads back into an equal config.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from node.config import Config


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write {v} to TOML")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _is_table_array(v: Any) -> bool:
    return isinstance(v, list | tuple) and bool(v) and all(isinstance(x, Mapping) for x in v)


def _emit(table: Mapping[str, Any], path: str, out: list[str], header: str | None) -> None:
    scalars = {k: v for k, v in table.items()
               if not isinstance(v, Mapping) and not _is_table_array(v) and v is not None}
    printed = header is not None and bool(scalars or not table)
    if printed:
        out.append(str(header))
    for k, v in scalars.items():
        out.append(f"{k} = {_value(v)}")
    if printed or scalars:
        out.append("")
    for k, v in table.items():
        sub = f"{path}.{k}" if path else k
        if isinstance(v, Mapping):
            _emit(v, sub, out, f"[{sub}]")
        elif _is_table_array(v):
            for item in v:
                _emit(item, sub, out, f"[[{sub}]]")


def dumps(data: Mapping[str, Any], *, comment: str = "") -> str:
    out: list[str] = [f"# {line}" for line in comment.splitlines()]
    if out:
        out.append("")
    _emit(data, "", out, None)
    return "\n".join(out).rstrip("\n") + "\n"


def relative_to(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when inside it, else absolute."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix() or "."
    except ValueError:
        return str(path)


def config_to_dict(config: Config, *, path_fn: Callable[[Path], str] | None = None) -> dict[str, Any]:
    """The keys of ``config`` that differ from their defaults, paths passed through ``path_fn``."""
    fn = path_fn or str
    return typing.cast(dict[str, Any], _dc(config, fn))


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        return bool(value == f.default)
    if f.default_factory is not dataclasses.MISSING:
        return bool(value == f.default_factory())
    return False


def _dc(obj: Any, fn: Callable[[Path], str]) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if value is None or _is_default(f, value):
                continue
            out[f.name] = _dc(value, fn)
        return out
    if isinstance(obj, tuple | list):
        return [_dc(x, fn) for x in obj]
    if isinstance(obj, Path):
        return fn(obj)
    return obj


def write_text_atomic(path: Path, text: str, *, mode: int = 0o644) -> None:
    """Write through a temp file in the same directory, fsync, rename, fsync the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dfd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
