"""Backups to every configured medium and restoring a node from one (composition level).

The store writes and checks the database copy and the blob pool (``node.store.backup``); this
module decides what else a restore needs — the config file, the secrets, the trust anchors — and
rebuilds a whole node directory from a backup.
"""

from __future__ import annotations

import logging
import os
import shutil
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from node.config import Config, config_from_dict
from node.domain.retention import RetentionRule
from node.errors import NodeError, RestoreError
from node.store import backup as store_backup
from node.store.backup import BackupResult, ExtraFile
from node.store.blobs import BlobState, BlobStore
from node.tomlfile import config_to_dict, dumps, relative_to, write_text_atomic

log = logging.getLogger(__name__)


@dataclass
class TargetOutcome:
    target: Path
    result: BackupResult | None = None
    error: str = ""
    pruned: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.result is not None


def identity(config: Config, config_path: Path | None, version: str) -> dict[str, Any]:
    return {"agency_code": config.node.agency_code, "agency_name": config.node.agency_name,
            "version": version, "config_path": str(config_path.resolve()) if config_path else "",
            "data_dir": str(config.data_dir.resolve())}


def _inside(path: Path, base: Path) -> bool:
    try:
        path.resolve().relative_to(base.resolve())
    except ValueError:
        return False
    return True


def extra_files(config: Config, config_path: Path | None) -> list[ExtraFile]:
    """The files besides the database and blobs that a restore needs."""
    files: list[ExtraFile] = []
    if config_path is not None and config_path.is_file():
        files.append(ExtraFile(config_path, "config", "config/node.toml"))
    secrets = config.secrets_dir
    if secrets.is_dir():
        for p in sorted(secrets.rglob("*")):
            if p.is_file():
                files.append(ExtraFile(p, "secret", "secrets/" + p.relative_to(secrets).as_posix(),
                                       secret=True))
    for role, path in (("axis_secret", config.axis.secret_file),
                       ("token_pin", config.signing.agency_pin_file)):
        if path is not None and path.is_file() and not _inside(path, secrets):
            files.append(ExtraFile(path, role, f"{role}/{path.name}", secret=True))
    for i, anchor in enumerate(config.signing.trust_anchors):
        if anchor.is_file():
            files.append(ExtraFile(anchor, "trust_anchor", f"trust/{i:02d}-{anchor.name}"))
    return files


def run_backups(config: Config, config_path: Path | None, *, targets: list[Path], now: datetime,
                version: str, prune: bool = True) -> list[TargetOutcome]:
    """Back up to each target in turn; one failing target never stops the others."""
    ident = identity(config, config_path, version)
    files = extra_files(config, config_path)
    rule = RetentionRule(config.backup.keep_daily, config.backup.keep_weekly, config.backup.keep_monthly)
    outcomes: list[TargetOutcome] = []
    for target in targets:
        outcome = TargetOutcome(target)
        outcomes.append(outcome)
        try:
            outcome.result = store_backup.write_backup(
                target, db_path=config.db_path, blob_root=config.blob_dir, now=now, identity=ident,
                extra_files=files, busy_timeout_ms=config.store.busy_timeout_ms)
        except (NodeError, OSError) as e:
            outcome.error = getattr(e, "message", None) or f"{target}: {e}"
            log.error("backup to %s failed: %s", target, outcome.error)
            continue
        if prune:
            try:
                outcome.pruned = store_backup.prune(target, rule, ZoneInfo(config.node.timezone))
            except (NodeError, OSError) as e:
                outcome.error = f"{target}: backup written, but pruning old backups failed: {e}"
    return outcomes


# -- restore --------------------------------------------------------------------------------------
@dataclass
class RestoreReport:
    backup: Path
    config_path: Path
    manifest: dict[str, Any]
    blobs: int
    audit_rows: int
    tables: dict[str, int]


def _check_empty(into: Path) -> None:
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise RestoreError(f"{into}: refusing to restore over a directory that is not empty")


def _original_config(backup: Path, manifest: dict[str, Any]) -> Config | None:
    entry = next((f for f in manifest.get("files", []) if f["role"] == "config"), None)
    if entry is None:
        return None
    raw = tomllib.loads((backup / entry["path"]).read_text(encoding="utf-8"))
    source = Path(manifest["node"].get("config_path") or entry["original"])
    return config_from_dict(raw, source=source)


def restore_node(source: Path, into: Path) -> RestoreReport:
    """Rebuild a node in ``into`` (node.toml + data/) from a backup, then verify it.

    Everything is written in a sibling temp directory that is renamed to ``into`` at the end, so a
    failed restore leaves nothing behind.
    """
    backup = store_backup.resolve_backup(source)
    _check_empty(into)
    manifest = store_backup.read_manifest(backup)
    into = into.resolve()
    into.parent.mkdir(parents=True, exist_ok=True)
    work = into.with_name(f".restore-{into.name}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o750)
    try:
        report = _restore_into(backup, manifest, work, final=into)
        if into.exists():
            into.rmdir()  # empty (checked above)
        os.replace(work, into)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    report.config_path = into / "node.toml"
    return report


def _restore_into(backup: Path, manifest: dict[str, Any], work: Path, *, final: Path) -> RestoreReport:
    data = work / "data"
    data.mkdir(mode=0o750)
    store_backup.restore_store(backup, db_path=data / "node.db", blob_root=data / "blobs")
    old = _original_config(backup, manifest)
    old_data = Path(manifest["node"].get("data_dir") or (old.data_dir if old else data))
    moved: dict[Path, Path] = {}  # original absolute path -> new path (inside work)
    for f in manifest.get("files", []):
        src, role = backup / f["path"], f["role"]
        if role == "config":
            continue
        if role == "secret":
            dest = data / "secrets" / Path(f["path"]).relative_to("files/secrets")
        elif role == "trust_anchor":
            dest = work / "trust" / Path(f["path"]).name
        else:
            dest = data / "secrets" / "restored" / Path(f["path"]).name
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if f.get("secret") else 0o755)
        got = store_backup.copy_file_synced(src, dest, mode=0o600 if f.get("secret") else 0o644)
        if got != f["sha256"]:
            raise RestoreError(f"{f['path']}: restored copy does not match the backup")
        moved[Path(f["original"]).resolve()] = dest
    if old is not None:
        config_path = manifest["node"].get("config_path")
        text = _restored_config(old, old_data, work, data, moved, final,
                                Path(config_path).parent if config_path else None)
    else:
        text = dumps({"node": {"agency_code": manifest["node"]["agency_code"],
                               "agency_name": manifest["node"]["agency_name"], "data_dir": "data"}})
    write_text_atomic(work / "node.toml", text)
    config = config_from_dict(tomllib.loads(text), source=work / "node.toml")
    for folder in config.scanner.folders:
        try:
            folder.path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            log.warning("scanner folder %s could not be created: %s", folder.path, e)
    return _verify_restored(backup, manifest, config)


def _restored_config(old: Config, old_data: Path, work: Path, data: Path, moved: dict[Path, Path],
                     final: Path, old_config_dir: Path | None) -> str:
    def remap(p: Path) -> str:
        r = p.resolve()
        if r in moved:
            return relative_to(moved[r], work)
        if _inside(r, old_data):
            return relative_to(data / r.relative_to(old_data.resolve()), work)
        return str(p)

    body = config_to_dict(old, path_fn=remap)
    body["node"]["data_dir"] = "data"
    # Scanner folders that lived beside the old config move with the node; others stay where they are.
    for entry, folder in zip(body.get("scanner", {}).get("folders", []), old.scanner.folders, strict=True):
        if old_config_dir is not None and _inside(folder.path, old_config_dir):
            entry["path"] = relative_to(folder.path, old_config_dir)
    return dumps(body, comment=f"Restored by `vanthu restore` into {final}.\n"
                                "Every key is documented in provisioning/node.example.toml.")


def _verify_restored(backup: Path, manifest: dict[str, Any], config: Config) -> RestoreReport:
    facts = store_backup.inspect_database(config.db_path)
    if facts.integrity != ["ok"]:
        raise RestoreError(f"restored database fails integrity_check: {facts.integrity[:3]}")
    if facts.audit_problem is not None and facts.audit_problem != manifest["audit"].get("problem"):
        raise RestoreError(f"restored audit chain broken: {facts.audit_problem}")
    blobs = BlobStore(config.blob_dir)
    for sha, _ in facts.blobs:
        state = blobs.check(sha)
        if state is not BlobState.OK:
            raise RestoreError(f"restored blob {sha} is {state.value}")
    if facts.counts != manifest["database"]["counts"]:
        raise RestoreError("restored row counts differ from the backup manifest")
    return RestoreReport(backup=backup, config_path=Path(), manifest=manifest, blobs=len(facts.blobs),
                         audit_rows=facts.audit_rows, tables=facts.counts)

