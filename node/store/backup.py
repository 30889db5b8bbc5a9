"""Online backups of the node database and blob store, their verification, retention and restore.

One backup medium (a *target*) holds::

    <target>/blobs/sha256/ab/<hex>           shared blob pool: each file once, copied by hash
    <target>/vanthu-20261124T193500Z/        one complete backup
        node.db                              consistent copy (SQLite online backup API)
        manifest.json                        hashes, counts, migrations, node identity, files
        files/...                            config, secrets (0600) and trust anchors
    <target>/.partial-vanthu-…/              a backup being written (never looks complete)

A backup is written under a ``.partial-`` name, fsynced, verified from disk (integrity_check,
manifest hash, audit chain on the copy, every referenced blob present with its size) and only
then renamed to its final name; a crash at any point leaves nothing that looks complete.
The database is copied in one step of the backup API from a read transaction, so in WAL mode the
node keeps writing meanwhile; blobs are copied after the database snapshot, and since a blob is
stored before its row commits, every blob row of the snapshot finds its file.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import sqlite_utils

from node.domain.retention import RetentionRule, backups_to_keep
from node.errors import BackupError, BackupTargetError, RestoreError
from node.store.audit import verify_audit
from node.store.blobs import CHUNK, BlobStore
from node.store.migrations import migrations

log = logging.getLogger(__name__)

FORMAT = "vanthu-backup/1"
MANIFEST = "manifest.json"
DB_FILE = "node.db"
POOL = "blobs"
PREFIX = "vanthu-"
PARTIAL = ".partial-"
DELETING = ".deleting-"
KEEP_PRE_UPGRADE = 3  # pre-upgrade copies kept in the data directory (newest)
_NAME_RE = re.compile(r"^vanthu-(\d{8}T\d{6}Z)(?:-(\d+))?$")


@dataclass(frozen=True)
class ExtraFile:
    """A file outside the database and blob store that a restore needs (config, secret, CA)."""

    source: Path
    role: str            # "config", "secret", "trust_anchor", …
    name: str            # relative path inside the backup's files/ directory
    secret: bool = False


@dataclass
class BackupResult:
    target: Path
    path: Path
    manifest: dict[str, Any]
    blobs_copied: int = 0
    blobs_skipped: int = 0
    bytes_copied: int = 0
    pruned: list[Path] = field(default_factory=list)


# -- small file helpers ---------------------------------------------------------------------------
def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def copy_file_synced(src: Path, dest: Path, *, mode: int = 0o644, sync_dir: bool = True) -> str:
    """Copy ``src`` to ``dest`` through a temp file in the same directory, fsync, rename; return sha256.

    With ``sync_dir=False`` the caller fsyncs ``dest.parent`` later (once for many files).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
            for chunk in iter(lambda: inp.read(CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
        if sync_dir:
            fsync_dir(dest.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return digest.hexdigest()


def write_json_synced(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def describe_os_error(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror.lower()
    return str(e) or type(e).__name__


# -- the database copy ----------------------------------------------------------------------------
def snapshot_database(src: Path, dest: Path, *, busy_timeout_ms: int = 5000) -> None:
    """Consistent online copy of ``src`` into the new file ``dest`` with the SQLite backup API.

    All pages are copied in one step inside one read transaction: the copy is the database as of
    one commit, and in WAL mode writers are not blocked meanwhile.
    """
    if not src.is_file():
        raise BackupError(f"database {src} not found")
    source = sqlite3.connect(str(src), timeout=busy_timeout_ms / 1000, isolation_level=None)
    try:
        source.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        source.execute("PRAGMA query_only = ON")
        target = sqlite3.connect(str(dest), isolation_level=None)
        try:
            source.backup(target, pages=-1)
            # The copy is one self-contained file: no -wal/-shm beside it.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
    finally:
        source.close()
    fsync_file(dest)
    fsync_dir(dest.parent)


@dataclass(frozen=True)
class DbFacts:
    integrity: list[str]
    counts: dict[str, int]
    migrations: list[str]
    audit_rows: int
    audit_problem: str | None
    audit_head: str
    blobs: list[tuple[str, int]]

    @property
    def ok(self) -> bool:
        return self.integrity == ["ok"] and self.audit_problem is None


def inspect_database(path: Path) -> DbFacts:
    """Integrity, row counts, applied migrations, audit chain and blob rows of a database copy."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    try:
        integrity = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
        tables = [str(r[0]) for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name")]
        counts = {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
        applied = [m.name for m in migrations.applied(sqlite_utils.Database(conn))]
        report = verify_audit(conn)
        head = conn.execute("SELECT last_hash FROM audit_head WHERE id = 1").fetchone()
        # Older databases (a copy made before the migrations) have no destroyed_at column.
        live = (" WHERE destroyed_at IS NULL" if any(r[1] == "destroyed_at" for r in
                                                     conn.execute("PRAGMA table_info(blob)")) else "")
        blobs = [(str(r[0]), int(r[1])) for r in conn.execute(f"SELECT sha256, size FROM blob{live}")]
    except sqlite3.Error as e:
        raise BackupError(f"{path}: cannot read the database copy ({e})") from e
    finally:
        conn.close()
    return DbFacts(integrity=integrity, counts=counts, migrations=applied, audit_rows=report.rows,
                   audit_problem=str(report.problem) if report.problem else None,
                   audit_head=str(head[0]) if head else "", blobs=blobs)


# -- the blob pool --------------------------------------------------------------------------------
# -- writing one backup ---------------------------------------------------------------------------
def backup_name(now: datetime) -> str:
    return PREFIX + now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_backup_time(name: str) -> datetime | None:
    m = _NAME_RE.match(name)
    if not m:
        return None
    return datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


@contextlib.contextmanager
def target_lock(target: Path) -> Iterator[None]:
    """One backup (or prune) at a time per medium."""
    fd = os.open(target / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise BackupTargetError(f"{target}: another backup is running on this medium") from e
        yield
    finally:
        os.close(fd)


def check_target(target: Path) -> None:
    if not target.exists():
        raise BackupTargetError(f"{target}: backup target does not exist (is the disk mounted?)")
    if not target.is_dir():
        raise BackupTargetError(f"{target}: backup target is not a directory")
    if not os.access(target, os.W_OK | os.X_OK):
        raise BackupTargetError(f"{target}: backup target is not writable")


def write_backup(target: Path, *, db_path: Path, blob_root: Path, now: datetime,
                 identity: Mapping[str, Any], extra_files: Sequence[ExtraFile] = (),
                 busy_timeout_ms: int = 5000) -> BackupResult:
    """Write one verified backup onto ``target``. Raises :class:`BackupError` (nothing left behind)."""
    check_target(target)
    try:
        with target_lock(target):
            sweep_partials(target)
            return _write_backup_locked(target, db_path=db_path, blob_root=blob_root, now=now,
                                        identity=identity, extra_files=extra_files,
                                        busy_timeout_ms=busy_timeout_ms)
    except BackupError:
        raise
    except (OSError, sqlite3.Error) as e:
        raise BackupTargetError(f"{target}: {describe_os_error(e)}") from e


def _unique_name(target: Path, now: datetime) -> str:
    base = backup_name(now)
    name, n = base, 1
    while (target / name).exists() or (target / (PARTIAL + name)).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _write_backup_locked(target: Path, *, db_path: Path, blob_root: Path, now: datetime,
                         identity: Mapping[str, Any], extra_files: Sequence[ExtraFile],
                         busy_timeout_ms: int) -> BackupResult:
    name = _unique_name(target, now)
    work = target / (PARTIAL + name)
    work.mkdir(mode=0o700)
    try:
        snapshot_database(db_path, work / DB_FILE, busy_timeout_ms=busy_timeout_ms)
        facts = inspect_database(work / DB_FILE)
        if facts.integrity != ["ok"]:
            raise BackupError("the database copy fails integrity_check ("
                              + "; ".join(facts.integrity[:3]) + ") — run `vanthu doctor`")
        copied, skipped, nbytes = _copy_new_blobs(BlobStore(blob_root), BlobStore(target / POOL),
                                                  facts.blobs, work / "new-blobs", target)
        files = [_copy_extra(work, f) for f in extra_files]
        manifest = _manifest(name, now, identity, work / DB_FILE, facts, files, nbytes, copied)
        write_json_synced(work / MANIFEST, manifest)
        verify_backup(work, rehash_blobs=False, facts=facts)
        fsync_dir(work)
        os.replace(work, target / name)
        fsync_dir(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("backup %s written to %s (%d blobs copied)", name, target, copied)
    return BackupResult(target=target, path=target / name, manifest=manifest, blobs_copied=copied,
                        blobs_skipped=skipped, bytes_copied=nbytes)


def syncfs(path: Path) -> None:
    """Flush the whole filesystem holding ``path`` (one journal commit instead of one per file)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if _LIBC.syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(path))
    finally:
        os.close(fd)


_LIBC = ctypes.CDLL(None, use_errno=True)


def _copy_new_blobs(source: BlobStore, pool: BlobStore, blobs: Sequence[tuple[str, int]], staging: Path,
                    target: Path, *, source_name: str = "the node's blob store") -> tuple[int, int, int]:
    """Copy the blobs the pool lacks: staged unsynced, one syncfs, then renamed into the pool.

    A staged file reaches its pool name only after the filesystem was flushed, so a crash never
    leaves a pool entry with the right size but unwritten content; the staging directory lives in
    the ``.partial-`` backup and is swept with it.
    """
    staging.mkdir()
    pool.root.mkdir(mode=0o700, exist_ok=True)  # documents: readable by the node's account only
    staged: list[tuple[str, int, Path]] = []
    skipped = 0
    for sha, size in blobs:
        with contextlib.suppress(FileNotFoundError):
            if pool.path(sha).stat().st_size == size:
                skipped += 1
                continue
        src, tmp = source.path(sha), staging / sha
        if tmp.exists():  # the same blob twice in one run
            continue
        digest = hashlib.sha256()
        try:
            with src.open("rb") as inp, tmp.open("wb") as out:
                for chunk in iter(lambda: inp.read(CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
        except FileNotFoundError as e:
            if not src.exists():
                raise BackupError(f"blob {sha} is missing from {source_name} ({src})") from e
            raise
        if digest.hexdigest() != sha:
            tmp.unlink()
            raise BackupError(f"blob {sha} in {source_name} is corrupt")
        tmp.chmod(0o444)
        staged.append((sha, size, tmp))
    if not staged:
        staging.rmdir()
        return 0, skipped, 0
    syncfs(target)
    dirty: set[Path] = set()
    for sha, _, tmp in staged:
        dest = pool.path(sha)
        if dest.parent not in dirty:
            dest.parent.mkdir(parents=True, exist_ok=True)
            dirty.update((dest.parent, dest.parent.parent, pool.root))
        os.replace(tmp, dest)
    staging.rmdir()
    for d in sorted(dirty, key=lambda p: len(p.parts), reverse=True):
        fsync_dir(d)
    for sha, _, _ in staged:
        if sha256_file(pool.path(sha)) != sha:
            raise BackupError(f"blob {sha} did not read back correctly from the medium")
    return len(staged), skipped, sum(size for _, size, _ in staged)


def _copy_extra(work: Path, f: ExtraFile) -> dict[str, Any]:
    rel = Path("files") / f.name
    if rel.is_absolute() or ".." in rel.parts:
        raise BackupError(f"bad file name in backup: {f.name}")
    dest = work / rel
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    sha = copy_file_synced(f.source, dest, mode=0o600 if f.secret else 0o644)
    return {"path": rel.as_posix(), "role": f.role, "original": str(f.source), "sha256": sha,
            "size": dest.stat().st_size, "mode": "0600" if f.secret else "0644", "secret": f.secret}


def _manifest(name: str, now: datetime, identity: Mapping[str, Any], db_file: Path, facts: DbFacts,
              files: list[dict[str, Any]], nbytes: int, copied: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "name": name,
        "created_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "node": dict(identity),
        "database": {"file": DB_FILE, "sha256": sha256_file(db_file), "size": db_file.stat().st_size,
                     "integrity": facts.integrity, "migrations": facts.migrations,
                     "counts": facts.counts},
        # A broken chain is copied as it is (the backup matters most then) and recorded here.
        "audit": {"rows": facts.audit_rows, "head": facts.audit_head, "problem": facts.audit_problem},
        "blobs": {"pool": f"../{POOL}", "count": len(facts.blobs),
                  "bytes": sum(s for _, s in facts.blobs), "copied": copied, "bytes_copied": nbytes},
        "files": files,
        "secrets_included": any(f["secret"] for f in files),
    }


# -- reading and verifying a backup ---------------------------------------------------------------
def read_manifest(backup: Path) -> dict[str, Any]:
    try:
        data = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise RestoreError(f"{backup}: not a complete backup (no {MANIFEST})") from e
    except (OSError, ValueError) as e:
        raise RestoreError(f"{backup}: unreadable {MANIFEST} ({e})") from e
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RestoreError(f"{backup}: unknown backup format")
    return data


def pool_of(backup: Path) -> BlobStore:
    return BlobStore(backup.parent / POOL)


def verify_backup(backup: Path, *, rehash_blobs: bool = True, facts: DbFacts | None = None) -> dict[str, Any]:
    """Check a backup from disk; raise :class:`BackupError` naming the first problem.

    ``facts`` from an ``inspect_database`` of this very copy spares a second integrity_check.
    """
    try:
        manifest = read_manifest(backup)
    except RestoreError as e:
        raise BackupError(e.message) from e
    db_file = backup / DB_FILE
    if not db_file.is_file():
        raise BackupError(f"{backup}: {DB_FILE} is missing")
    if sha256_file(db_file) != manifest["database"]["sha256"]:
        raise BackupError(f"{backup}: {DB_FILE} does not match the manifest hash")
    if facts is None:
        facts = inspect_database(db_file)
    if facts.integrity != ["ok"]:
        raise BackupError(f"{backup}: integrity_check failed: {'; '.join(facts.integrity[:3])}")
    if facts.audit_problem != manifest["audit"].get("problem"):
        raise BackupError(f"{backup}: audit chain broken: {facts.audit_problem}")
    if facts.audit_rows != manifest["audit"]["rows"]:
        raise BackupError(f"{backup}: audit rows do not match the manifest")
    pool = pool_of(backup)
    for sha, size in facts.blobs:
        path = pool.path(sha)
        try:
            actual = path.stat().st_size
        except FileNotFoundError as e:
            raise BackupError(f"{backup}: blob {sha} missing from the pool") from e
        if actual != size or (rehash_blobs and sha256_file(path) != sha):
            raise BackupError(f"{backup}: blob {sha} in the pool is corrupt")
    for f in manifest.get("files", []):
        p = backup / f["path"]
        if not p.is_file() or sha256_file(p) != f["sha256"]:
            raise BackupError(f"{backup}: {f['path']} is missing or does not match the manifest")
    return manifest


def list_backups(target: Path) -> list[tuple[datetime, Path]]:
    """Complete backups on a target, oldest first."""
    found: list[tuple[datetime, Path]] = []
    if not target.is_dir():
        return found
    for p in target.iterdir():
        t = parse_backup_time(p.name)
        if t is not None and (p / MANIFEST).is_file():
            found.append((t, p))
    found.sort()
    return found


def latest_backup(target: Path) -> Path | None:
    backups = list_backups(target)
    return backups[-1][1] if backups else None


def resolve_backup(path: Path) -> Path:
    """A backup directory, or the newest complete backup on a target directory."""
    if (path / MANIFEST).is_file():
        return path
    newest = latest_backup(path)
    if newest is None:
        raise RestoreError(f"{path}: no complete backup found here")
    return newest


# -- retention ------------------------------------------------------------------------------------
def sweep_partials(target: Path) -> None:
    """Remove what a crashed backup or prune left (called under the target lock)."""
    for p in target.iterdir():
        if p.name.startswith((PARTIAL, DELETING)):
            shutil.rmtree(p, ignore_errors=True)


def prune(target: Path, rule: RetentionRule, tz: tzinfo) -> list[Path]:
    """Delete the backups the rule does not keep. Blobs stay in the pool (the node never deletes one)."""
    with target_lock(target):
        backups = list_backups(target)
        keep = backups_to_keep([t for t, _ in backups], rule, tz)
        removed: list[Path] = []
        for i, (_, path) in enumerate(backups):
            if i in keep:
                continue
            doomed = path.with_name(DELETING + path.name)
            os.replace(path, doomed)
            fsync_dir(target)
            shutil.rmtree(doomed, ignore_errors=True)
            removed.append(path)
    return removed


# -- restore --------------------------------------------------------------------------------------
def restore_store(backup: Path, *, db_path: Path, blob_root: Path) -> dict[str, Any]:
    """Copy the database and every blob it refers to out of a verified backup."""
    try:
        manifest = verify_backup(backup, rehash_blobs=False)
    except BackupError as e:
        raise RestoreError(e.message) from e
    got = copy_file_synced(backup / DB_FILE, db_path, mode=0o600)
    if got != manifest["database"]["sha256"]:
        raise RestoreError(f"{db_path}: the restored database does not match the backup")
    pool, blobs = pool_of(backup), BlobStore(blob_root).open()
    wanted = inspect_database(db_path).blobs
    try:
        _copy_new_blobs(pool, blobs, wanted, db_path.parent / ".restore-staging", blob_root,
                        source_name=f"the backup's blob pool {pool.root}")
    except BackupError as e:
        raise RestoreError(e.message) from e
    for sha, _ in wanted:
        if not blobs.exists(sha):
            raise RestoreError(f"blob {sha} could not be restored")
    return manifest


# -- automatic backup before an upgrade -----------------------------------------------------------
def pending_migrations(db_path: Path) -> list[str]:
    """Migrations not yet applied to an existing database ([] for a new or empty one)."""
    if not db_path.is_file():
        return []
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, isolation_level=None)
    try:
        db = sqlite_utils.Database(conn)
        if not migrations.applied(db):
            return []
        return [m.name for m in migrations.pending(db)]
    finally:
        conn.close()


def pre_upgrade_backup(db_path: Path, data_dir: Path, *, now: datetime,
                       identity: Mapping[str, Any], busy_timeout_ms: int = 5000) -> Path | None:
    """Before pending migrations run on an existing database, keep a verified copy of it.

    Written to ``data_dir/pre-upgrade-<time>/`` (node.db + manifest.json, verified the same way
    as a backup; blobs are immutable and not touched by migrations, so they are not copied).
    Only the newest ``KEEP_PRE_UPGRADE`` such copies are kept.
    Returns the directory, or None when there is nothing to migrate.
    """
    pending = pending_migrations(db_path)
    if not pending:
        return None
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    final = data_dir / f"pre-upgrade-{stamp}"
    n = 1
    while final.exists():
        n += 1
        final = data_dir / f"pre-upgrade-{stamp}-{n}"
    work = data_dir / (PARTIAL + final.name)
    work.mkdir(mode=0o700)
    try:
        snapshot_database(db_path, work / DB_FILE, busy_timeout_ms=busy_timeout_ms)
        facts = inspect_database(work / DB_FILE)
        if facts.integrity != ["ok"]:
            raise BackupError(f"database {db_path} fails integrity_check; not upgrading it"
                              f" ({'; '.join(facts.integrity[:3])})")
        manifest = _manifest(final.name, now, {**identity, "pending_migrations": pending},
                             work / DB_FILE, facts, [], 0, 0)
        manifest["blobs"] = {"pool": None, "count": len(facts.blobs), "note": "blobs not copied"}
        write_json_synced(work / MANIFEST, manifest)
        _verify_db_only(work, manifest)
        os.replace(work, final)
        fsync_dir(data_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.warning("pending migrations %s: database copied to %s before upgrading", pending, final)
    for old in sorted(data_dir.glob("pre-upgrade-*"))[:-KEEP_PRE_UPGRADE]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def _verify_db_only(backup: Path, manifest: Mapping[str, Any]) -> None:
    db_file = backup / DB_FILE
    if sha256_file(db_file) != manifest["database"]["sha256"]:
        raise BackupError(f"{backup}: {DB_FILE} does not match the manifest hash")
    facts = inspect_database(db_file)
    if facts.integrity != ["ok"]:
        raise BackupError(f"{backup}: integrity_check failed on the copy")
    if facts.audit_problem is not None:
        # Recorded, not fatal: a broken chain is reported by doctor; it must not stop the node.
        log.error("pre-upgrade copy %s: audit chain broken: %s", backup, facts.audit_problem)
