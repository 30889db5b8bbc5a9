"""Node configuration: frozen dataclasses loaded once from TOML.

Unknown keys and wrong types are errors that name the key's full path and the file
(model: pyHanko ``config/api.py``, ``check_config_keys``). Relative paths are resolved against
the directory of the config file, so a node directory can be moved as a whole.
``provisioning/node.example.toml`` documents every key; a test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from node.errors import ConfigError

DEFAULT_PKCS11_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")


@dataclass(frozen=True)
class NodeSection:
    agency_code: str
    agency_name: str
    data_dir: Path
    timezone: str = "Asia/Ho_Chi_Minh"
    supervising_agency_code: str = ""
    supervising_agency_name: str = ""
    # The issuer's abbreviation in the ký hiệu of outgoing documents (NĐ 30 Phụ lục III): "UBND".
    agency_abbr: str = "UBND"


@dataclass(frozen=True)
class WebSection:
    host: str = "127.0.0.1"
    port: int = 8080
    session_hours: int = 8
    login_max_failures: int = 10
    lockout_minutes: int = 15
    secure_cookies: bool = False


@dataclass(frozen=True)
class StoreSection:
    busy_timeout_ms: int = 5000
    min_free_disk_mb: int = 1024


@dataclass(frozen=True)
class SigningSection:
    module: Path = DEFAULT_PKCS11_MODULE
    token_label: str = ""
    token_serial: str = ""
    softhsm2_conf: Path | None = None
    agency_key_label: str = "agency"
    agency_pin_file: Path | None = None
    pin_cache_minutes: int = 15
    trust_anchors: tuple[Path, ...] = ()
    personal_key_label: str = "leader"
    signature_png: Path | None = None
    seal_png: Path | None = None
    tsa_url: str = ""
    tsa_timeout_seconds: float = 5.0
    crl_files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class AxisSection:
    url: str = ""
    systemid: str = ""
    secret_file: Path | None = None
    poll_seconds: float = 60.0
    backoff_cap_seconds: float = 300.0
    request_timeout_seconds: float = 30.0
    backoff_base_seconds: float = 1.0
    batch_size: int = 32
    lease_seconds: float = 120.0
    relay_idle_seconds: float = 2.0
    probe_seconds: float = 60.0
    outage_report_after_seconds: float = 900.0
    directory_refresh_hours: float = 24.0
    report_font: Path = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")
    queue_stuck_minutes: float = 120.0


@dataclass(frozen=True)
class ScannerFolder:
    path: Path
    purpose: Literal["incoming", "copy"] = "incoming"


@dataclass(frozen=True)
class ScannerSection:
    folders: tuple[ScannerFolder, ...] = ()
    stable_seconds: float = 2.0
    rescan_seconds: float = 60.0
    min_dpi: int = 200
    reject_low_dpi: bool = False
    ignore: tuple[str, ...] = ()
    ocr_language: str = "vie"
    ocr_timeout_seconds: float = 600.0
    ocr_deskew: Literal["auto", "always", "never"] = "auto"
    ocr_deskew_above_degrees: float = 1.0
    ocr_jobs: int = 0
    split_batches: bool = True
    retry_cap_seconds: float = 300.0


@dataclass(frozen=True)
class BackupSection:
    targets: tuple[Path, ...] = ()
    keep_daily: int = 7
    keep_weekly: int = 5
    keep_monthly: int = 12


@dataclass(frozen=True)
class Config:
    node: NodeSection
    web: WebSection = field(default_factory=WebSection)
    store: StoreSection = field(default_factory=StoreSection)
    signing: SigningSection = field(default_factory=SigningSection)
    axis: AxisSection = field(default_factory=AxisSection)
    scanner: ScannerSection = field(default_factory=ScannerSection)
    backup: BackupSection = field(default_factory=BackupSection)

    @property
    def data_dir(self) -> Path:
        return self.node.data_dir

    @property
    def db_path(self) -> Path:
        return self.node.data_dir / "node.db"

    @property
    def blob_dir(self) -> Path:
        return self.node.data_dir / "blobs"

    @property
    def secrets_dir(self) -> Path:
        return self.node.data_dir / "secrets"

    @property
    def sessions_dir(self) -> Path:
        return self.node.data_dir / "sessions"


def load_config(path: Path) -> Config:
    """Read and check a TOML config file. Raises :class:`ConfigError` with one clear line."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: config file not found") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read config file ({e})") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from e
    return config_from_dict(raw, source=path)


def config_from_dict(raw: dict[str, Any], *, source: Path | None = None) -> Config:
    base = source.parent.resolve() if source is not None else Path.cwd()
    name = str(source) if source is not None else "<config>"
    return typing.cast(Config, _build(Config, raw, "", _Ctx(name, base)))


@dataclass(frozen=True)
class _Ctx:
    filename: str
    base: Path

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.filename}: {key}: {problem}")


def _build(cls: type, raw: Any, prefix: str, ctx: _Ctx) -> Any:
    where = prefix or "(top level)"
    if not isinstance(raw, dict):
        raise ctx.fail(where, f"expected a table, got {_kind(raw)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in fields:
            raise ctx.fail(_join(prefix, key), f"unknown key (known keys: {', '.join(fields)})")
    values: dict[str, Any] = {}
    for name, f in fields.items():
        key = _join(prefix, name)
        if name in raw:
            values[name] = _convert(hints[name], raw[name], key, ctx)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ctx.fail(key, "required key is missing")
    return cls(**values)


def _convert(tp: Any, value: Any, key: str, ctx: _Ctx) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"unsupported config type {tp}")
        return _convert(inner[0], value, key, ctx)
    if origin is Literal:
        if value not in args:
            allowed = ", ".join(repr(a) for a in args)
            raise ctx.fail(key, f"must be one of {allowed}, got {value!r}")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise ctx.fail(key, f"expected an array, got {_kind(value)}")
        return tuple(_convert(args[0], v, f"{key}[{i}]", ctx) for i, v in enumerate(value))
    if dataclasses.is_dataclass(tp):
        return _build(typing.cast(type, tp), value, key, ctx)
    if tp is Path:
        if not isinstance(value, str) or not value:
            raise ctx.fail(key, f"expected a path (string), got {_kind(value)}")
        p = Path(value).expanduser()
        return p if p.is_absolute() else (ctx.base / p)
    if tp is bool:
        if not isinstance(value, bool):
            raise ctx.fail(key, f"expected true or false, got {_kind(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ctx.fail(key, f"expected an integer, got {_kind(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ctx.fail(key, f"expected a number, got {_kind(value)}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ctx.fail(key, f"expected a string, got {_kind(value)}")
        return value
    raise TypeError(f"unsupported config type {tp}")


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _kind(value: Any) -> str:
    kinds = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "an array", dict: "a table"}
    return f"{kinds.get(type(value), type(value).__name__)} ({value!r})"[:80]


def config_keys(cls: type = Config, prefix: str = "") -> list[str]:
    """Every key a config file may hold, as dotted paths (used by the docs test)."""
    keys: list[str] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key = _join(prefix, f.name)
        tp = hints[f.name]
        inner = typing.get_args(tp)[0] if typing.get_origin(tp) is tuple else tp
        if dataclasses.is_dataclass(inner):
            keys.extend(config_keys(typing.cast(type, inner), key))
        else:
            keys.append(key)
    return keys
