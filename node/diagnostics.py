"""Checks shared by ``vanthu doctor`` and ``/healthz`` (composition level: reads several adapters)."""

from __future__ import annotations

import shutil
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

from node.config import Config
from node.domain.clock import VN_TZ
from node.domain.exchange import ExchangeStatus
from node.domain.health import Check, Level, free_disk_check
from node.store.audit import verify_audit
from node.store.backup import latest_backup, parse_backup_time
from node.store.blobs import BlobState, BlobStore
from node.store.db import Database


def database_check(db: Database, *, full: bool) -> Check:
    try:
        if full:
            rows = db.query("PRAGMA integrity_check")
            result = [r[0] for r in rows]
            if result != ["ok"]:
                return Check("database", Level.RED, "Cơ sở dữ liệu bị hỏng: " + "; ".join(result[:3]),
                             "Dừng dịch vụ và khôi phục từ bản sao lưu gần nhất (vanthu restore).")
        else:
            db.query("SELECT 1")
        mode = db.query_one("PRAGMA journal_mode")
    except sqlite3.Error as e:
        return Check("database", Level.RED, f"Không mở được cơ sở dữ liệu: {e}",
                     "Kiểm tra quyền truy cập thư mục dữ liệu và dung lượng ổ đĩa.")
    return Check("database", Level.GREEN, "Cơ sở dữ liệu hoạt động bình thường.", "",
                 {"journal_mode": mode[0] if mode else None, "path": str(db.path)})


def disk_check(config: Config) -> Check:
    try:
        free = shutil.disk_usage(config.data_dir).free
    except OSError as e:
        return Check("disk", Level.RED, f"Không đọc được dung lượng ổ đĩa: {e}",
                     "Kiểm tra thư mục dữ liệu.")
    return free_disk_check(free, config.store.min_free_disk_mb)


def blob_check(db: Database, blobs: BlobStore, *, rehash: bool = False) -> Check:
    missing = corrupt = 0
    rows = db.query("SELECT sha256 FROM blob")
    for r in rows:
        sha = r["sha256"]
        if rehash:
            state = blobs.check(sha)
            missing += state is BlobState.MISSING
            corrupt += state is BlobState.CORRUPT
        elif not blobs.exists(sha):
            missing += 1
    data = {"blobs": len(rows), "missing": missing, "corrupt": corrupt}
    if missing or corrupt:
        return Check("blobs", Level.RED, f"Kho tệp thiếu {missing} và hỏng {corrupt} tệp.",
                     "Chạy 'vanthu verify' để xem danh sách và khôi phục từ bản sao lưu.", data)
    return Check("blobs", Level.GREEN, f"Kho tệp đủ {len(rows)} tệp.", "", data)


def audit_check(db: Database) -> Check:
    with db.read() as conn:
        report = verify_audit(conn)
    if report.problem is not None:
        return Check("audit", Level.RED, f"Nhật ký kiểm toán bị sửa đổi ({report.problem}).",
                     "Báo ngay cho quản trị; chạy 'vanthu audit verify' để xem chi tiết.",
                     {"rows": report.rows, "row": report.problem.row_id})
    return Check("audit", Level.GREEN, f"Chuỗi nhật ký kiểm toán nguyên vẹn ({report.rows} bản ghi).", "",
                 {"rows": report.rows})


def config_check(config: Config, source: Path | None) -> Check:
    problems: list[str] = []
    if not config.node.agency_code:
        problems.append("thiếu mã định danh cơ quan (node.agency_code)")
    for folder in config.scanner.folders:
        if not folder.path.is_dir():
            problems.append(f"không có thư mục quét {folder.path}")
    if problems:
        return Check("config", Level.YELLOW, "Cấu hình chưa đầy đủ: " + "; ".join(problems) + ".",
                     "Sửa tệp cấu hình rồi khởi động lại dịch vụ.")
    return Check("config", Level.GREEN, f"Cấu hình hợp lệ ({source or 'mặc định'}).")


def backup_check(config: Config, db: Database, now: datetime, *,
                 max_age: timedelta = timedelta(days=2)) -> Check:
    """Two independent backup media (TT 02/2019), each mounted and holding a recent backup."""
    targets = config.backup.targets
    data: dict[str, object] = {"targets": [str(t) for t in targets]}
    if len(targets) < 2:
        return Check("backup", Level.YELLOW,
                     f"Chỉ có {len(targets)} nơi sao lưu; cần ít nhất hai phương tiện độc lập.",
                     "Khai báo hai thư mục sao lưu (backup.targets), ví dụ hai ổ USB,"
                     " rồi chạy 'vanthu backup'.",
                     data)
    problems: list[str] = []
    first = db.query_one("SELECT ts FROM audit ORDER BY id LIMIT 1")
    started = datetime.fromisoformat(first[0]) if first else now
    for target in targets:
        if not target.is_dir():
            problems.append(f"không thấy {target} (chưa cắm/gắn ổ?)")
            continue
        newest = latest_backup(target)
        when = parse_backup_time(newest.name) if newest is not None else None
        if when is None:
            if now - started > max_age:
                problems.append(f"{target} chưa có bản sao lưu nào")
        elif now - when > max_age:
            problems.append(f"bản sao lưu mới nhất trên {target} đã cũ ({when:%d/%m/%Y})")
    if problems:
        return Check("backup", Level.YELLOW, "Sao lưu chưa đủ: " + "; ".join(problems) + ".",
                     "Kiểm tra ổ sao lưu và bộ hẹn giờ vanthu-backup.timer, rồi chạy 'vanthu backup'.", data)
    return Check("backup", Level.GREEN, f"Sao lưu đủ {len(targets)} phương tiện.", "", data)


def axis_check(config: Config, status: ExchangeStatus) -> Check:
    """The link to the document axis, the queue and refused packages (never red: work goes on)."""
    data = {"link": status.link.online, "queued": status.queued, "rejected": status.rejected}
    if not config.axis.url:
        return Check("axis", Level.GREEN, "Chưa cấu hình trục liên thông (axis.url): chỉ làm việc nội bộ.",
                     "", data)
    if status.link.online is False:
        since = (status.link.since.astimezone(VN_TZ).strftime("%H:%M ngày %d/%m/%Y")
                 if status.link.since else "?")
        return Check("axis", Level.YELLOW, f"Mất kết nối với trục liên thông từ {since};"
                     f" {status.queued} gói tin chờ gửi.",
                     "Kiểm tra đường truyền. Văn bản vẫn được xử lý nội bộ và tự gửi khi có kết nối"
                     " ('vanthu sync status').", data)
    if status.rejected:
        return Check("axis", Level.YELLOW, f"{status.rejected} gói tin bị trục liên thông từ chối.",
                     "Xem lý do bằng 'vanthu sync status --json' và gửi lại sau khi sửa.", data)
    return Check("axis", Level.GREEN,
                 f"Kết nối trục liên thông bình thường; {status.queued} gói tin chờ gửi.", "", data)


def scanner_check(config: Config, now: float | None = None, *, stuck_minutes: float = 15.0) -> Check:
    """Hot folders: files waiting in processing/ for long (retried after transient failures) and
    rejections of the last 24 hours, so a clerk sees a jammed scanner before paper piles up."""
    folders = config.scanner.folders
    if not folders:
        return Check("scanner", Level.GREEN, "Chưa cấu hình thư mục máy quét.")
    now = time.time() if now is None else now
    stuck = rejected = waiting = 0
    for folder in folders:
        for path in (folder.path / "processing").glob("*"):
            if path.is_file() and not path.name.startswith("."):
                waiting += 1
                stuck += now - path.stat().st_mtime > stuck_minutes * 60
        for path in (folder.path / "rejected").glob("*.reason.json"):
            rejected += now - path.stat().st_mtime < 86400
    data = {"folders": len(folders), "processing": waiting, "stuck": stuck, "rejected_24h": rejected}
    note = f" {rejected} tệp bị từ chối trong 24 giờ qua (xem thư mục rejected/)." if rejected else ""
    if stuck:
        return Check("scanner", Level.YELLOW,
                     f"{stuck} tệp quét chờ xử lý lại quá {stuck_minutes:.0f} phút.{note}",
                     "Chạy 'vanthu scanner status' để xem lỗi; kiểm tra dung lượng đĩa và OCR.", data)
    return Check("scanner", Level.GREEN,
                 f"Máy quét: {len(folders)} thư mục, {waiting} tệp đang xử lý.{note}", "", data)
