"""Checks shared by ``vanthu doctor`` and ``/healthz`` (composition level: reads several adapters)."""

from __future__ import annotations

import dataclasses
import os
import platform
import shutil
import sqlite3
import subprocess
import tempfile
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509

from node.config import Config
from node.domain.clock import VN_TZ
from node.domain.exchange import ExchangeStatus
from node.domain.health import Check, Level, free_disk_check, worst
from node.errors import AxisAuthError, AxisError, NodeError
from node.office.intake import INTAKE_WORKER
from node.scanner.watcher import SCANNER_WORKER
from node.signing.probe import probe_token
from node.signing.token import TokenSpec, read_pin_file
from node.store.audit import verify_audit
from node.store.backup import latest_backup, parse_backup_time
from node.store.blobs import BlobState, BlobStore
from node.store.db import Database
from node.store.exchange import SqliteExchangeStore
from node.store.heartbeat import WorkerBeat, heartbeat_dir, read_heartbeats
from node.sync.client import VxpAxisClient
from node.sync.engine import WORKERS as SYNC_WORKERS
from node.sync.engine import read_axis_secret


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
    rows = db.query("SELECT sha256 FROM blob WHERE destroyed_at IS NULL")
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
    """The link to the document axis as the sync workers last saw it, the queue and refused packages
    (never red by itself: work goes on offline). ``vanthu doctor`` also asks the hub itself; when
    that fails, :func:`hub_down_check` decides between yellow and red."""
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


# -- issue 7: token, certificates, trust anchors, hub, clock, folders, OCR, queue ---------------------

CERT_WARN_DAYS = 60


def _load_cert(data: bytes) -> x509.Certificate:
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def _subject(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def token_check(config: Config) -> tuple[Check, list[tuple[str, x509.Certificate]]]:
    """Token present and (with the agency PIN file) login works. Returns the certificates it holds."""
    s = config.signing
    if not s.token_label and not s.token_serial:
        return Check("token", Level.YELLOW, "Chưa cấu hình token ký số (signing.token_label).",
                     "Khai báo nhãn token trong mục [signing] để ký văn bản."), []
    spec = TokenSpec(s.module, label=s.token_label, serial=s.token_serial)
    data: dict[str, object] = {"token": spec.describe(), "pin_file": s.agency_pin_file is not None}
    try:
        pin = read_pin_file(s.agency_pin_file) if s.agency_pin_file is not None else None
        probe = probe_token(spec, pin)
    except NodeError as e:  # the messages of the signing adapter never contain the PIN
        return Check("token", Level.RED, f"Token ký số không dùng được: {e.message}",
                     "Cắm token, kiểm tra nhãn token và tệp PIN (quyền 0600), rồi chạy lại"
                     " 'vanthu doctor'.", data), []
    except Exception as e:  # a missing PKCS#11 module, a broken SoftHSM2 configuration
        return Check("token", Level.RED,
                     f"Không mở được token {spec.describe()}: {type(e).__name__}.",
                     f"Kiểm tra thư viện PKCS#11 ({s.module}) và cấu hình token.", data), []
    certs: list[tuple[str, x509.Certificate]] = []
    for label, der in probe.certificates:
        try:
            certs.append((f"token:{label}", _load_cert(der)))
        except ValueError:
            continue
    data["certificates"] = len(certs)
    how = ("đăng nhập bằng PIN cơ quan thành công" if probe.logged_in
           else "có mặt (không có tệp PIN để thử đăng nhập)")
    return Check("token", Level.GREEN, f"Token {spec.describe()} {how}; {len(certs)} chứng thư.", "",
                 data), certs


def trust_anchor_check(config: Config) -> tuple[Check, list[tuple[str, x509.Certificate]]]:
    anchors = config.signing.trust_anchors
    if not anchors:
        return Check("trust", Level.YELLOW, "Chưa khai báo chứng thư gốc tin cậy (signing.trust_anchors).",
                     "Thêm chứng thư gốc của nhà cung cấp chữ ký số để kiểm tra chữ ký văn bản đến."), []
    certs: list[tuple[str, x509.Certificate]] = []
    bad: list[str] = []
    for path in anchors:
        try:
            certs.append((str(path), _load_cert(path.read_bytes())))
        except (OSError, ValueError) as e:
            bad.append(f"{path} ({type(e).__name__})")
    data = {"anchors": len(anchors), "loaded": len(certs)}
    if bad:
        return Check("trust", Level.RED, "Không đọc được chứng thư gốc: " + "; ".join(bad) + ".",
                     "Chép lại tệp chứng thư gốc (PEM hoặc DER) đúng đường dẫn trong signing.trust_anchors.",
                     data), certs
    return Check("trust", Level.GREEN, f"Đã nạp {len(certs)} chứng thư gốc tin cậy.", "", data), certs


def certificate_check(certs: list[tuple[str, x509.Certificate]], now: datetime, *,
                      warn_days: int = CERT_WARN_DAYS) -> Check:
    """Expiry of the certificates on the token and of the trust anchors."""
    if not certs:
        return Check("certs", Level.GREEN, "Không có chứng thư nào để kiểm tra hạn.")
    expired: list[str] = []
    soon: list[str] = []
    for where, cert in certs:
        until = cert.not_valid_after_utc
        name = f"{_subject(cert)} ({where}, hết hạn {until.astimezone(VN_TZ):%d/%m/%Y})"
        if until <= now:
            expired.append(name)
        elif until - now <= timedelta(days=warn_days):
            soon.append(name)
    data = {"certificates": len(certs), "expired": len(expired), "expiring": len(soon)}
    if expired:
        return Check("certs", Level.RED, "Chứng thư số đã hết hạn: " + "; ".join(expired) + ".",
                     "Liên hệ nhà cung cấp chữ ký số để gia hạn/cấp lại chứng thư ngay.", data)
    if soon:
        return Check("certs", Level.YELLOW,
                     f"Chứng thư số sắp hết hạn trong {warn_days} ngày: " + "; ".join(soon) + ".",
                     "Làm thủ tục gia hạn chứng thư số với nhà cung cấp.", data)
    return Check("certs", Level.GREEN, f"{len(certs)} chứng thư số còn hạn trên {warn_days} ngày.", "", data)


def _hub_date(url: str, timeout: float) -> datetime | None:
    """The Date header of any answer of the hub (None when it sends none)."""
    r = httpx.get(url.rstrip("/") + "/", timeout=timeout)
    value = r.headers.get("date")
    if not value:
        return None
    return parsedate_to_datetime(value)


def hub_checks(config: Config, status: ExchangeStatus, now: datetime) -> list[Check]:
    """The link (merged with the queue state of :func:`axis_check`), credentials and clock offset."""
    link = axis_check(config, status)
    if not config.axis.url:
        return [link]
    a = config.axis
    timeout = min(a.request_timeout_seconds, 10.0)
    try:
        secret = read_axis_secret(a.secret_file)
        client = VxpAxisClient(a.url, a.systemid or config.node.agency_code, secret, timeout=timeout)
    except NodeError as e:
        return [Check("axis", Level.RED, f"Cấu hình trục liên thông lỗi: {e.message}",
                      "Kiểm tra axis.url, axis.systemid và tệp axis.secret_file.", link.data)]
    try:
        agencies = client.agencies()
    except AxisAuthError as e:
        return [Check("axis", Level.RED, f"Trục liên thông từ chối định danh của nút: {e.message}",
                      "Kiểm tra axis.systemid và mã bí mật (axis.secret_file) với quản trị trục;"
                      " gói tin vẫn chờ trong hàng đợi.", link.data)]
    except AxisError as e:
        return [hub_down_check(config, status, now, e.message)]
    finally:
        client.close()
    data = {**link.data, "agencies": len(agencies)}
    if link.level is Level.GREEN:
        link = Check("axis", Level.GREEN, f"Trục liên thông nhận định danh của nút ({len(agencies)} cơ quan);"
                     f" {status.queued} gói tin chờ gửi.", "", data)
    return [link, clock_check(a.url, now, timeout=timeout)]


def hub_down_check(config: Config, status: ExchangeStatus, now: datetime, error: str) -> Check:
    """The hub cannot be reached right now (doctor's own request failed).

    Red when documents are held up: packages wait in the send queue, or the link has been down (as
    the sync workers saw it) longer than ``axis.outage_report_after_seconds`` — the point where an
    outage is long enough to be reported to the supervising agency, and incoming documents are not
    arriving either. Yellow for a fresh outage with nothing to send (a blip the workers ride out on
    their own). Red or yellow, the line says the office keeps working offline: documents are
    registered, signed and queued here and go out by themselves when the link returns; red asks
    district IT to look at the line now. ``/healthz`` ignores this check (it is not a reason to
    restart the node); only the queue stuck longer than ``axis.queue_stuck_minutes`` is a 503.
    """
    a = config.axis
    down_since = status.link.since if status.link.online is False else None
    down_for = now - down_since if down_since is not None else timedelta(0)
    limit = timedelta(seconds=a.outage_report_after_seconds)
    data = {"link": status.link.online, "queued": status.queued, "rejected": status.rejected,
            "down_seconds": round(down_for.total_seconds()), "error": error}
    since = f" từ {down_since.astimezone(VN_TZ):%H:%M ngày %d/%m/%Y}" if down_since is not None else ""
    message = (f"Mất kết nối với trục liên thông {a.url}{since} ({error}); {status.queued} gói tin chờ gửi."
               " Cơ quan vẫn làm việc ngoại tuyến: văn bản vẫn được xử lý, ký và xếp hàng tại chỗ,"
               " tự gửi khi có kết nối.")
    if status.queued or down_for > limit:
        return Check("axis", Level.RED, message,
                     "Kiểm tra ngay đường truyền tới trục (cáp, modem, mạng WAN) và địa chỉ axis.url;"
                     " nếu mạng bình thường, báo quản trị trục liên thông. Theo dõi bằng"
                     " 'vanthu sync status'.", data)
    return Check("axis", Level.YELLOW, message,
                 "Kiểm tra mạng và địa chỉ trục (axis.url) nếu tình trạng kéo dài ('vanthu sync status').",
                 data)


def clock_check(url: str, now: datetime, *, timeout: float = 10.0, warn_seconds: float = 60,
                red_seconds: float = 300) -> Check:
    try:
        hub_now = _hub_date(url, timeout)
    except (httpx.HTTPError, ValueError, TypeError) as e:
        return Check("clock", Level.YELLOW, f"Không đọc được giờ của trục liên thông ({type(e).__name__}).",
                     "Kiểm tra kết nối tới trục liên thông.")
    if hub_now is None:
        return Check("clock", Level.YELLOW, "Trục liên thông không gửi giờ (thiếu tiêu đề Date).",
                     "Kiểm tra đồng hồ máy bằng NTP (timedatectl).")
    offset = (now - hub_now).total_seconds()
    data = {"offset_seconds": round(offset, 1)}
    text = f"Đồng hồ máy {'nhanh' if offset > 0 else 'chậm'} {abs(offset):.0f} giây so với trục liên thông."
    action = "Bật đồng bộ giờ (timedatectl set-ntp true) hoặc chỉnh lại giờ máy."
    if abs(offset) > red_seconds:
        return Check("clock", Level.RED, text + " Trục sẽ từ chối yêu cầu của nút.", action, data)
    if abs(offset) > warn_seconds:
        return Check("clock", Level.YELLOW, text, action, data)
    return Check("clock", Level.GREEN, f"Đồng hồ khớp với trục liên thông (lệch {abs(offset):.0f} giây).",
                 "", data)


def folders_writable_check(config: Config) -> Check:
    folders = config.scanner.folders
    if not folders:
        return Check("folders", Level.GREEN, "Chưa cấu hình thư mục máy quét.")
    bad: list[str] = []
    for folder in folders:
        try:
            fd, name = tempfile.mkstemp(prefix=".vanthu-doctor-", dir=folder.path)
            os.close(fd)
            os.unlink(name)
        except OSError as e:
            bad.append(f"{folder.path} ({e.strerror or type(e).__name__})")
    if bad:
        return Check("folders", Level.RED, "Không ghi được vào thư mục quét: " + "; ".join(bad) + ".",
                     "Kiểm tra ổ/thư mục chia sẻ của máy quét đã gắn và cho phép ghi.",
                     {"folders": len(folders), "unwritable": len(bad)})
    return Check("folders", Level.GREEN, f"Ghi được vào {len(folders)} thư mục quét.", "",
                 {"folders": len(folders)})


def ocr_check(config: Config) -> Check:
    lang = config.scanner.ocr_language
    exe = shutil.which("tesseract")
    if exe is None:
        return Check("ocr", Level.RED, "Chưa cài bộ nhận dạng chữ (tesseract).",
                     "Cài gói tesseract-ocr và tesseract-ocr-vie (provisioning/install-system-deps.sh).")
    try:
        proc = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return Check("ocr", Level.RED, f"tesseract không chạy được ({type(e).__name__}).",
                     "Cài lại gói tesseract-ocr.")
    langs = {line.strip() for line in proc.stdout.splitlines()[1:] if line.strip()}
    wanted = set(lang.split("+"))
    missing = sorted(wanted - langs)
    if missing:
        return Check("ocr", Level.RED, f"Thiếu dữ liệu nhận dạng tiếng {', '.join(missing)} cho tesseract.",
                     "Cài gói tesseract-ocr-vie.", {"languages": sorted(langs)})
    return Check("ocr", Level.GREEN, f"Bộ nhận dạng chữ sẵn sàng ({lang}).", "", {"language": lang})


def queue_check(config: Config, status: ExchangeStatus, now: datetime) -> Check:
    """The oldest unsent item older than ``axis.queue_stuck_minutes`` is red."""
    limit = timedelta(minutes=config.axis.queue_stuck_minutes)
    data: dict[str, object] = {"queued": status.queued, "stuck_minutes": config.axis.queue_stuck_minutes}
    oldest = status.oldest_queued_at
    if oldest is None:
        return Check("queue", Level.GREEN, "Không có gói tin chờ gửi.", "", data)
    age = now - oldest
    data["oldest_minutes"] = round(age.total_seconds() / 60, 1)
    if age > limit:
        return Check("queue", Level.RED,
                     f"Hàng đợi gửi bị tắc: gói tin cũ nhất chờ {age.total_seconds() / 60:.0f} phút"
                     f" ({status.queued} gói).",
                     "Xem 'vanthu sync status'; kiểm tra kết nối và định danh với trục liên thông.", data)
    return Check("queue", Level.GREEN, f"{status.queued} gói tin chờ gửi, cũ nhất"
                 f" {age.total_seconds() / 60:.0f} phút.", "", data)


WORKER_NAMES = {"sync-relay": "gửi gói tin", "sync-inbox": "nhận gói tin",
                "sync-monitor": "theo dõi kết nối", INTAKE_WORKER: "vào sổ gói tin đã nhận",
                SCANNER_WORKER: "theo dõi máy quét"}


def _vn_time(value: datetime) -> str:
    return f"{value.astimezone(VN_TZ):%H:%M ngày %d/%m/%Y}"


def workers_check(config: Config, beats: dict[str, WorkerBeat], now: datetime) -> Check:
    """Whether the background workers of the running node are alive, from the heartbeat each writes
    to ``<data_dir>/run/`` every pass (``vanthu serve``, or ``vanthu sync run`` / ``scanner run``).

    Expected: the three sync workers and the intake (packages → văn bản đến, which runs beside
    them in ``serve`` and ``sync run``) when ``axis.url`` is set, the scanner watcher when
    ``scanner.folders`` are. A worker is alive when its last beat is younger than the
    ``stale_after`` it wrote itself (three of its longest pauses plus the work of one pass).

    - nothing expected: green;
    - no expected worker alive, each either never started or stopped cleanly: yellow "không chạy"
      (the node is not serving: not started yet, or stopped by systemctl; nothing is lost, but
      nothing is exchanged or scanned until it runs);
    - an expected worker that is not alive while it did not stop cleanly (the process died or the
      worker hangs), or that is missing while others run (it failed to start): red;
    - all alive but one crashed and was restarted since the start: yellow with its last error.
    """
    expected = [*((*SYNC_WORKERS, INTAKE_WORKER) if config.axis.url else ()),
                *((SCANNER_WORKER,) if config.scanner.folders else ())]
    if not expected:
        return Check("workers", Level.GREEN,
                     "Không cấu hình trục liên thông hay thư mục quét: không có tiến trình nền.")
    alive, dead, stopped, missing = [], [], [], []
    for name in expected:
        beat = beats.get(name)
        if beat is None:
            missing.append(name)
        elif beat.stopped_at is not None and beat.stopped_at >= beat.beat_at:
            stopped.append(name)
        elif now - beat.beat_at > beat.stale_after:
            dead.append(name)
        else:
            alive.append(name)
    data: dict[str, object] = {
        "workers": {n: {"beat_at": b.beat_at.isoformat(), "pid": b.pid, "restarts": b.restarts,
                        "stopped": b.stopped_at is not None} for n, b in beats.items() if n in expected},
        "alive": alive, "dead": dead, "stopped": stopped, "missing": missing}
    named = ", ".join(WORKER_NAMES.get(n, n) for n in expected)
    if dead:
        lines = [f"{WORKER_NAMES.get(n, n)} (nhịp cuối {_vn_time(beats[n].beat_at)})" for n in dead]
        return Check("workers", Level.RED,
                     "Tiến trình nền không hoạt động (dịch vụ bị dừng đột ngột hoặc bị treo): "
                     + "; ".join(lines) + ".",
                     "Khởi động lại dịch vụ: systemctl restart vanthu-node; nếu còn lặp lại, gửi gói"
                     " chẩn đoán và nhật ký (journalctl -u vanthu-node) cho bộ phận hỗ trợ.", data)
    if not alive:
        ends = [t for n in stopped if (t := beats[n].stopped_at) is not None]
        last = max(ends) if ends else None
        when = f" (dừng lúc {_vn_time(last)})" if last is not None else ""
        return Check("workers", Level.YELLOW,
                     f"Dịch vụ vanthu serve không chạy{when}: chưa gửi/nhận văn bản và quét tài liệu.",
                     "Khởi động dịch vụ: systemctl start vanthu-node"
                     " (xem nhật ký: journalctl -u vanthu-node).", data)
    if missing or stopped:
        names = ", ".join(WORKER_NAMES.get(n, n) for n in missing + stopped)
        return Check("workers", Level.RED, f"Dịch vụ đang chạy nhưng thiếu tiến trình nền: {names}.",
                     "Xem lỗi khởi động trong nhật ký (journalctl -u vanthu-node), sửa cấu hình rồi"
                     " systemctl restart vanthu-node.", data)
    restarted = [n for n in alive if beats[n].restarts]
    if restarted:
        lines = [f"{WORKER_NAMES.get(n, n)} đã tự khởi động lại {beats[n].restarts} lần"
                 f" (lỗi cuối: {beats[n].last_error})" for n in restarted]
        return Check("workers", Level.YELLOW, "Tiến trình nền đang chạy; " + "; ".join(lines) + ".",
                     "Gửi gói chẩn đoán và nhật ký (journalctl -u vanthu-node) cho bộ phận hỗ trợ.", data)
    newest = max(beats[n].beat_at for n in alive)
    ago = max(0, round((now - newest).total_seconds()))
    return Check("workers", Level.GREEN,
                 f"Tiến trình nền đang chạy: {named} (nhịp gần nhất {ago} giây trước).", "", data)


def doctor_checks(config: Config, source: Path | None, db: Database, blobs: BlobStore,
                  status: ExchangeStatus, now: datetime, *, full: bool = True) -> list[Check]:
    """Every check of ``vanthu doctor`` (``full``: with the SQLite integrity check)."""
    token, token_certs = token_check(config)
    trust, anchor_certs = trust_anchor_check(config)
    return [
        config_check(config, source),
        database_check(db, full=full),
        disk_check(config),
        blob_check(db, blobs),
        audit_check(db),
        backup_check(config, db, now),
        token,
        certificate_check(token_certs + anchor_certs, now),
        trust,
        *hub_checks(config, status, now),
        queue_check(config, status, now),
        workers_check(config, read_heartbeats(heartbeat_dir(config.data_dir)), now),
        scanner_check(config),
        folders_writable_check(config),
        ocr_check(config),
    ]


def token_presence_check(config: Config) -> Check | None:
    """Cheap: the configured token is there (no login). None when no token is configured."""
    s = config.signing
    if not s.token_label and not s.token_serial:
        return None
    spec = TokenSpec(s.module, label=s.token_label, serial=s.token_serial)
    try:
        probe_token(spec, None)
    except Exception as e:  # NodeError from the adapter, or a missing/broken PKCS#11 module
        detail = e.message if isinstance(e, NodeError) else type(e).__name__
        return Check("token", Level.RED, f"Token ký số không dùng được: {detail}",
                     "Cắm token và kiểm tra cấu hình [signing]; chạy 'vanthu doctor'.")
    return Check("token", Level.GREEN, f"Token {spec.describe()} có mặt.")


def health_checks(config: Config, db: Database, status: ExchangeStatus, now: datetime) -> list[Check]:
    """The cheap checks behind ``/healthz`` (red means 503): database, disk, token present, queue."""
    checks = [database_check(db, full=False), disk_check(config)]
    token = token_presence_check(config)
    if token is not None:
        checks.append(token)
    checks.append(queue_check(config, status, now))
    return checks


# -- the diagnostics bundle (admin page, support) ------------------------------------------------------

SECRET_WORDS = ("secret", "pin", "password", "key")
REDACTED = "<đã ẩn>"


def redact_config(value: Any, key: str = "") -> Any:
    """The configuration as plain JSON, with every secret and the path of every secret file hidden."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: redact_config(getattr(value, f.name), f.name) for f in dataclasses.fields(value)}
    if any(w in key.lower() for w in SECRET_WORDS) and not key.endswith("_label") and value:
        return REDACTED
    if isinstance(value, dict):
        return {k: redact_config(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_config(v, key) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def bundle(config: Config, db: Database, blobs: BlobStore, exchange: SqliteExchangeStore, now: datetime,
           *, version: str) -> dict[str, Any]:
    """Everything support needs to diagnose the node, as JSON (no secrets, PINs or passwords)."""
    status = exchange.status()
    checks = doctor_checks(config, None, db, blobs, status, now, full=False)
    outages = exchange.outages()[-50:]
    return {
        "generated_at": now.isoformat(),
        "status": worst(checks).label,
        "versions": {"vanthu-node": version, "python": platform.python_version(),
                     "sqlite": sqlite3.sqlite_version, "platform": platform.platform()},
        "checks": [c.as_dict() for c in checks],
        "link": {"online": status.link.online, "since": _ts(status.link.since),
                 "last_ok_at": _ts(status.link.last_ok_at), "last_error": status.link.last_error},
        "outages": [{"started_at": _ts(o.started_at), "ended_at": _ts(o.ended_at),
                     "duration_seconds": o.duration.total_seconds() if o.duration else None,
                     "queued_at_start": o.queued_at_start, "max_queued": o.max_queued,
                     "report_state": o.report_state, "last_error": o.last_error} for o in outages],
        "queue": {"queued": status.queued, "oldest_queued_at": _ts(status.oldest_queued_at),
                  "sent": status.sent, "rejected": status.rejected, "inbox": status.inbox,
                  "stuck": [{"id": i.id, "document_id": i.document_id, "recipient": i.recipient_code,
                             "attempts": i.attempts, "last_error": i.last_error} for i in status.stuck]},
        "config": redact_config(config),
    }
