"""Provisioning bundles: one per office, made from a CSV by district IT, applied on the node.

A bundle is a directory (mode 0700)::

    bundle.json          office, hub URL, systemid, token selection, scanner folders, admin, backup
    secrets/axis-secret  the node's shared secret with the hub (0600)
    trust/NN-name.pem    trust anchors (CA certificates)
    MANIFEST.sha256      "<sha256>  <path>" for every other file (``sha256sum -c`` reads it)

``apply`` validates everything first — manifest hashes, no unlisted file, required fields, agency
code format, hub URL, PEM certificates, the config it would write, files already there — and only
then writes; each file is written atomically and only when its content differs, so applying the
same bundle twice changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from cryptography import x509

from node.config import Config, config_from_dict
from node.domain.agency_codes import agency_code_problem
from node.errors import ConfigError, ProvisionError
from node.tomlfile import dumps, write_text_atomic
from node.units import UnitSettings, render_units

FORMAT = "vanthu-bundle/1"
BUNDLE_JSON = "bundle.json"
MANIFEST = "MANIFEST.sha256"
SECRET_FILE = "secrets/axis-secret"
USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
REQUIRED_COLUMNS = ("agency_code", "agency_name", "supervising_agency_code")
OPTIONAL_COLUMNS = ("supervising_agency_name", "systemid", "token_label", "token_serial", "pkcs11_module",
                    "scanner_incoming", "scanner_copy", "admin_username", "backup_targets", "web_host",
                    "web_port")


@dataclass(frozen=True)
class Office:
    agency_code: str
    agency_name: str
    supervising_agency_code: str
    supervising_agency_name: str = ""
    systemid: str = ""
    token_label: str = ""
    token_serial: str = ""
    pkcs11_module: str = ""
    scanner_incoming: tuple[str, ...] = ()
    scanner_copy: tuple[str, ...] = ()
    admin_username: str = "admin"
    backup_targets: tuple[str, ...] = ()
    web_host: str = "0.0.0.0"
    web_port: int = 8080


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(";") if v.strip())


def _check_code(code: str, what: str) -> None:
    problem = agency_code_problem(code)
    if problem:
        raise ProvisionError(f"{what} {code!r}: {problem}")


def _check_hub_url(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ProvisionError(f"hub URL {url!r} is not an http(s) URL")


def _check_pem(data: bytes, name: str) -> None:
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as e:
        raise ProvisionError(f"trust anchor {name}: not a PEM certificate ({e})") from e
    if not certs:
        raise ProvisionError(f"trust anchor {name}: no certificate in it")


def read_offices(path: Path) -> list[Office]:
    """Read and check the office list; the first wrong row stops it with one line."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
            if missing:
                raise ProvisionError(f"{path}: missing column(s) {', '.join(missing)}")
            if unknown:
                raise ProvisionError(f"{path}: unknown column(s) {', '.join(unknown)}")
            rows = [({(k or "").strip(): (v or "").strip() for k, v in r.items()}, reader.line_num)
                    for r in reader]
    except OSError as e:
        raise ProvisionError(f"{path}: cannot read ({e.strerror})") from e
    offices: list[Office] = []
    seen: set[str] = set()
    for row, line in rows:
        where = f"{path}:{line}"
        try:
            office = _office(row)
        except ProvisionError as e:
            raise ProvisionError(f"{where}: {e.message}") from e
        if office.agency_code in seen:
            raise ProvisionError(f"{where}: agency code {office.agency_code} appears twice")
        seen.add(office.agency_code)
        offices.append(office)
    if not offices:
        raise ProvisionError(f"{path}: no office in the list")
    return offices


def _office(row: dict[str, str]) -> Office:
    for c in REQUIRED_COLUMNS:
        if not row.get(c):
            raise ProvisionError(f"{c} is empty")
    _check_code(row["agency_code"], "agency_code")
    _check_code(row["supervising_agency_code"], "supervising_agency_code")
    admin = row.get("admin_username") or "admin"
    if not USERNAME_RE.match(admin):
        raise ProvisionError(f"admin_username {admin!r}: use 2–32 lowercase letters, digits, . _ -")
    port = row.get("web_port") or "8080"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ProvisionError(f"web_port {port!r} is not a port number")
    return Office(
        agency_code=row["agency_code"], agency_name=row["agency_name"],
        supervising_agency_code=row["supervising_agency_code"],
        supervising_agency_name=row.get("supervising_agency_name", ""),
        systemid=row.get("systemid") or row["agency_code"],
        token_label=row.get("token_label", ""), token_serial=row.get("token_serial", ""),
        pkcs11_module=row.get("pkcs11_module", ""),
        scanner_incoming=_split(row.get("scanner_incoming", "")),
        scanner_copy=_split(row.get("scanner_copy", "")),
        admin_username=admin, backup_targets=_split(row.get("backup_targets", "")),
        web_host=row.get("web_host") or "0.0.0.0", web_port=int(port))


# -- making bundles -------------------------------------------------------------------------------
@dataclass(frozen=True)
class MadeBundle:
    office: Office
    path: Path
    fingerprint: str
    secret: str


def _write(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def manifest_text(files: dict[str, bytes]) -> str:
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))


def make_bundles(offices: Sequence[Office], *, hub_url: str, trust_anchors: Sequence[Path], out: Path,
                 now: datetime) -> list[MadeBundle]:
    """Write one bundle per office under ``out`` (which must be empty or absent)."""
    _check_hub_url(hub_url)
    anchors: list[tuple[str, bytes]] = []
    for i, p in enumerate(trust_anchors):
        try:
            data = p.read_bytes()
        except OSError as e:
            raise ProvisionError(f"trust anchor {p}: cannot read ({e.strerror})") from e
        _check_pem(data, str(p))
        anchors.append((f"trust/{i:02d}-{p.stem}.pem", data))
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ProvisionError(f"{out}: output directory is not empty (bundles are never overwritten)")
    work = out.with_name(f".{out.name}.partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700, parents=True)
    made: list[MadeBundle] = []
    try:
        for office in offices:
            made.append(_make_one(office, hub_url, anchors, work, now))
        registrations = "agency_code,agency_name,systemid,secret\n" + "".join(
            f"{b.office.agency_code},\"{b.office.agency_name}\",{b.office.systemid},{b.secret}\n"
            for b in made)
        _write(work / "hub-registrations.csv", registrations.encode(), 0o600)
        _write(work / "fingerprints.txt", "".join(
            f"{b.office.agency_code}  {b.fingerprint}\n" for b in made).encode(), 0o644)
        if out.exists():
            out.rmdir()
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return [MadeBundle(b.office, out / b.path.name, b.fingerprint, b.secret) for b in made]


def _make_one(office: Office, hub_url: str, anchors: list[tuple[str, bytes]], work: Path,
              now: datetime) -> MadeBundle:
    secret = secrets.token_hex(32)
    body = {
        "format": FORMAT,
        "created_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "hub_url": hub_url,
        "office": {"agency_code": office.agency_code, "agency_name": office.agency_name,
                   "supervising_agency_code": office.supervising_agency_code,
                   "supervising_agency_name": office.supervising_agency_name},
        "axis": {"systemid": office.systemid, "secret_file": SECRET_FILE},
        "signing": {"module": office.pkcs11_module, "token_label": office.token_label,
                    "token_serial": office.token_serial},
        "scanner": {"incoming": list(office.scanner_incoming), "copy": list(office.scanner_copy)},
        "admin": {"username": office.admin_username},
        "backup": {"targets": list(office.backup_targets)},
        "web": {"host": office.web_host, "port": office.web_port},
        "trust_anchors": [name for name, _ in anchors],
    }
    files = {BUNDLE_JSON: (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode(),
             SECRET_FILE: (secret + "\n").encode(), **dict(anchors)}
    root = work / office.agency_code
    root.mkdir(mode=0o700)
    for name, data in files.items():
        _write(root / name, data, 0o600 if name.startswith("secrets/") else 0o644)
    manifest = manifest_text(files).encode()
    _write(root / MANIFEST, manifest, 0o644)
    return MadeBundle(office, root, hashlib.sha256(manifest).hexdigest(), secret)


# -- reading and checking a bundle ----------------------------------------------------------------
@dataclass(frozen=True)
class Bundle:
    path: Path
    body: dict[str, Any]
    files: dict[str, bytes]
    fingerprint: str

    @property
    def secret(self) -> str:
        return self.files[self.body["axis"]["secret_file"]].decode().strip()


FIELDS: tuple[tuple[str, type], ...] = (
    ("format", str), ("hub_url", str), ("office", dict), ("office.agency_code", str),
    ("office.agency_name", str), ("office.supervising_agency_code", str),
    ("office.supervising_agency_name", str), ("axis", dict), ("axis.systemid", str),
    ("axis.secret_file", str), ("signing", dict), ("signing.module", str), ("signing.token_label", str),
    ("signing.token_serial", str), ("scanner", dict), ("scanner.incoming", list), ("scanner.copy", list),
    ("admin", dict), ("admin.username", str), ("backup", dict), ("backup.targets", list),
    ("web", dict), ("web.host", str), ("web.port", int), ("trust_anchors", list),
)
NON_EMPTY = {"hub_url", "office.agency_code", "office.agency_name", "office.supervising_agency_code",
             "axis.systemid", "axis.secret_file", "admin.username"}


def _field(body: dict[str, Any], key: str) -> Any:
    value: Any = body
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ProvisionError(f"{BUNDLE_JSON}: missing field {key}")
        value = value[part]
    return value


def read_bundle(path: Path) -> Bundle:
    """Read and check a bundle completely; raise :class:`ProvisionError` naming the first problem."""
    if not path.is_dir():
        raise ProvisionError(f"{path}: not a bundle directory")
    try:
        manifest = (path / MANIFEST).read_bytes()
    except FileNotFoundError as e:
        raise ProvisionError(f"{path}: {MANIFEST} is missing") from e
    listed: dict[str, str] = {}
    for n, line in enumerate(manifest.decode("utf-8", "replace").splitlines(), 1):
        m = re.match(r"^([0-9a-f]{64})  (\S+)$", line)
        if not m or ".." in Path(m.group(2)).parts or m.group(2).startswith("/"):
            raise ProvisionError(f"{MANIFEST}:{n}: malformed line")
        listed[m.group(2)] = m.group(1)
    present = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()} - {MANIFEST}
    unlisted = sorted(present - set(listed))
    if unlisted:
        raise ProvisionError(f"{unlisted[0]}: file not listed in {MANIFEST}")
    files: dict[str, bytes] = {}
    for name, digest in listed.items():
        try:
            data = (path / name).read_bytes()
        except FileNotFoundError as e:
            raise ProvisionError(f"{name}: listed in {MANIFEST} but missing") from e
        if hashlib.sha256(data).hexdigest() != digest:
            raise ProvisionError(f"{name}: SHA-256 does not match {MANIFEST} (damaged or altered)")
        files[name] = data
    if BUNDLE_JSON not in files:
        raise ProvisionError(f"{BUNDLE_JSON} is missing")
    try:
        body = json.loads(files[BUNDLE_JSON])
    except ValueError as e:
        raise ProvisionError(f"{BUNDLE_JSON}: not valid JSON ({e})") from e
    if not isinstance(body, dict):
        raise ProvisionError(f"{BUNDLE_JSON}: not a JSON object")
    _check_body(body, files)
    return Bundle(path, body, files, hashlib.sha256(manifest).hexdigest())


def _check_body(body: dict[str, Any], files: dict[str, bytes]) -> None:
    for key, tp in FIELDS:
        value = _field(body, key)
        if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
            raise ProvisionError(f"{BUNDLE_JSON}: field {key} must be a {tp.__name__}")
        if key in NON_EMPTY and not value:
            raise ProvisionError(f"{BUNDLE_JSON}: field {key} is empty")
    if body["format"] != FORMAT:
        raise ProvisionError(f"{BUNDLE_JSON}: unknown format {body['format']!r}")
    _check_hub_url(body["hub_url"])
    _check_code(body["office"]["agency_code"], "office.agency_code")
    _check_code(body["office"]["supervising_agency_code"], "office.supervising_agency_code")
    if not USERNAME_RE.match(body["admin"]["username"]):
        raise ProvisionError(f"{BUNDLE_JSON}: admin.username {body['admin']['username']!r} is not valid")
    secret_name = body["axis"]["secret_file"]
    if secret_name not in files or len(files[secret_name].strip()) < 16:
        raise ProvisionError(f"{secret_name}: the hub secret is missing or too short")
    for name in body["trust_anchors"]:
        if not isinstance(name, str) or name not in files:
            raise ProvisionError(f"trust anchor {name}: not in the bundle")
        _check_pem(files[name], name)
    for key in ("scanner.incoming", "scanner.copy", "backup.targets"):
        if not all(isinstance(v, str) and v for v in _field(body, key)):
            raise ProvisionError(f"{BUNDLE_JSON}: field {key} must list non-empty paths")


# -- applying a bundle ----------------------------------------------------------------------------
@dataclass
class Plan:
    bundle: Bundle
    config_path: Path
    config: Config
    writes: list[tuple[Path, bytes, int]] = field(default_factory=list)
    dirs: list[Path] = field(default_factory=list)

    def pending(self) -> list[Path]:
        """The files whose content or mode would change."""
        out = []
        for path, data, mode in self.writes:
            try:
                same = path.read_bytes() == data and (path.stat().st_mode & 0o777) == mode
            except FileNotFoundError:
                same = False
            if not same:
                out.append(path)
        return out


def plan_apply(bundle: Bundle, *, config_path: Path, data_dir: Path, systemd_dir: Path | None,
               force: bool = False, vanthu_bin: Path = UnitSettings.vanthu_bin, user: str = "vanthu") -> Plan:
    """Everything apply would write, checked; nothing is changed here."""
    config_path = config_path.absolute()
    data_dir = data_dir.absolute()
    body = bundle.body
    anchors_rel = [f"trust/{Path(n).name}" for n in body["trust_anchors"]]
    secret_path = data_dir / "secrets" / "axis-secret"
    raw: dict[str, Any] = {
        "node": {"agency_code": body["office"]["agency_code"], "agency_name": body["office"]["agency_name"],
                 "data_dir": str(data_dir),
                 "supervising_agency_code": body["office"]["supervising_agency_code"],
                 "supervising_agency_name": body["office"]["supervising_agency_name"]},
        "web": {"host": body["web"]["host"], "port": body["web"]["port"]},
        "signing": {k: v for k, v in body["signing"].items() if v} | {"trust_anchors": anchors_rel},
        "axis": {"url": body["hub_url"], "systemid": body["axis"]["systemid"],
                 "secret_file": str(secret_path)},
        "scanner": {"folders": [{"path": p, "purpose": "incoming"} for p in body["scanner"]["incoming"]]
                    + [{"path": p, "purpose": "copy"} for p in body["scanner"]["copy"]]},
        "backup": {"targets": body["backup"]["targets"]},
    }
    text = dumps(raw, comment=f"Written by `vanthu provision apply` for {body['office']['agency_code']}"
                              f" (bundle {bundle.fingerprint[:16]}).\n"
                              "Every key is documented in provisioning/node.example.toml.")
    try:
        config = config_from_dict(raw, source=config_path)
    except ConfigError as e:
        raise ProvisionError(f"the bundle gives an invalid config: {e.message}") from e
    plan = Plan(bundle, config_path, config)
    plan.writes.append((config_path, text.encode(), 0o644))
    for name, rel in zip(body["trust_anchors"], anchors_rel, strict=True):
        plan.writes.append((config_path.parent / rel, bundle.files[name], 0o644))
    plan.writes.append((secret_path, bundle.files[body["axis"]["secret_file"]], 0o600))
    if systemd_dir is not None:
        units = render_units(UnitSettings(
            vanthu_bin=vanthu_bin, config_path=config_path, data_dir=data_dir, user=user,
            scanner_dirs=[f.path for f in config.scanner.folders], backup_dirs=list(config.backup.targets)))
        plan.writes.extend((systemd_dir / n, t.encode(), 0o644) for n, t in units.items())
    plan.dirs = [data_dir, *(f.path for f in config.scanner.folders)]
    if not force:
        for path, data, _ in plan.writes:
            if path.exists() and path.read_bytes() != data:
                raise ProvisionError(f"{path} exists with other content (another office's bundle or a"
                                     " manual edit); move it away or apply with --force")
    for path, _, _ in plan.writes:
        if path.exists() and not path.is_file():
            raise ProvisionError(f"{path} exists and is not a file")
    return plan


def execute(plan: Plan) -> list[Path]:
    """Write what differs (atomically, with its mode) and create the directories; return what changed."""
    changed = plan.pending()
    for d in plan.dirs:
        if not d.is_dir():
            d.mkdir(parents=True, mode=0o750)
            changed.append(d)
    for path, data, mode in plan.writes:
        if path in changed:
            if mode == 0o600:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_text_atomic(path, data.decode("utf-8"), mode=mode)
    return changed
