"""Search benchmark: a node database with 1,000,000 văn bản đến, our search and lists vs raw FTS5.

Fills a real, migrated node database (temp dir) with generated văn bản đến: ``doc_in`` rows
(list columns and a JSON record of realistic size) and their ``search_doc`` rows (folded title and
text, the FTS5 index kept by the triggers as in production), ten years of arrivals from a few
hundred issuers. Then, in the same run:

- ``SqliteSearchIndex.search`` (first page of 20, with hit rows, snippets and joins) for typical
  queries — two folded words, an issuer filter with a date range, an exact-diacritics query, a
  prefix being typed — and the raw FTS5 ``MATCH … ORDER BY rowid DESC LIMIT 20`` of the same text
  (for "phù hợp nhất": ``ORDER BY bm25(search_fts, 5.0, 1.0) LIMIT 20`` over every match);
  ``ratio = ours / raw`` (p50 and p95);
- ``list_incoming`` (the văn bản đến page: first page, a state filter, an issuer filter, deep page)
  with its capped count, and ``dashboard_counts``;
- the rendered ``/van-ban-den`` page (first page, a state filter) and a ``/tim-kiem`` results page
  through Litestar's TestClient, logged in as a clerk (newest first and "phù hợp nhất").

``python benchmarks/search.py [--docs N] [--runs N] [--dir DIR] [--keep]``
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import percentile, write_result  # noqa: E402
from node.domain.accounts import Role  # noqa: E402
from node.domain.clock import VN_TZ  # noqa: E402
from node.domain.documents import Actor  # noqa: E402
from node.domain.listing import ListFilters, SearchFilters, count_cap  # noqa: E402
from node.domain.text import fold  # noqa: E402
from node.store.db import Database, connect  # noqa: E402
from node.store.lists import count_incoming, dashboard_counts, list_incoming  # noqa: E402
from node.store.search import SqliteSearchIndex, match_expression  # noqa: E402

# -- generated Vietnamese documents --------------------------------------------------------------

TYPES = [("Công văn", 40), ("Kế hoạch", 10), ("Báo cáo", 10), ("Quyết định", 10), ("Thông báo", 8),
         ("Giấy mời", 10), ("Tờ trình", 4), ("Hướng dẫn", 3), ("Chỉ thị", 1), ("Công điện", 1),
         ("Nghị quyết", 1), ("Chương trình", 2)]
ACTIONS = ["về việc triển khai", "về việc tăng cường", "về việc thực hiện", "báo cáo kết quả",
           "về việc tổ chức", "hướng dẫn thực hiện", "về việc phê duyệt", "về việc kiểm tra",
           "về việc rà soát", "đôn đốc thực hiện", "góp ý dự thảo", "về việc bổ sung kinh phí",
           "về việc tổng kết", "về việc đăng ký", "về việc cung cấp thông tin", "về việc chấn chỉnh"]
OBJECTS = ["công tác phòng, chống dịch bệnh", "chuyển đổi số", "văn bản điện tử", "cải cách hành chính",
           "quản lý đất đai", "trật tự an toàn giao thông", "phòng cháy, chữa cháy", "xây dựng nông thôn mới",
           "giải quyết khiếu nại, tố cáo", "bảo vệ môi trường", "thu ngân sách nhà nước",
           "tuyển dụng viên chức", "đào tạo, bồi dưỡng cán bộ", "lễ hội truyền thống", "tiêm chủng mở rộng",
           "bầu cử đại biểu Hội đồng nhân dân", "sắp xếp đơn vị hành chính", "quy hoạch sử dụng đất",
           "hỗ trợ hộ nghèo, hộ cận nghèo", "phòng, chống thiên tai", "an toàn vệ sinh thực phẩm",
           "quản lý trật tự xây dựng", "kiểm soát thủ tục hành chính", "dịch vụ công trực tuyến",
           "chi trả trợ cấp xã hội", "cấp giấy chứng nhận quyền sử dụng đất", "công tác dân vận",
           "phát triển du lịch", "quản lý chợ", "chỉnh trang đô thị", "thi đua, khen thưởng",
           "kê khai tài sản, thu nhập", "phổ biến, giáo dục pháp luật", "bảo hiểm y tế học sinh",
           "tổng điều tra dân số", "phòng, chống tham nhũng", "quốc phòng, an ninh", "hòa giải ở cơ sở",
           "nước sạch nông thôn", "chiếu sáng công cộng"]
PLACES = ["trên địa bàn thành phố Đà Nẵng", "trên địa bàn phường", "tại các cơ quan, đơn vị",
          "trên địa bàn quận Hải Châu", "trên địa bàn quận Thanh Khê", "trên địa bàn huyện Hòa Vang",
          "trên địa bàn tỉnh Quảng Nam", "năm học mới", "quý I", "quý II", "quý III", "quý IV",
          "6 tháng đầu năm", "dịp Tết Nguyên đán", "mùa mưa bão", ""]
WARDS = ["Hải Châu", "Thạch Thang", "Thanh Bình", "Thuận Phước", "Hòa Thuận Đông", "Hòa Thuận Tây",
         "Nam Dương", "Phước Ninh", "Bình Hiên", "Bình Thuận", "Hòa Cường Bắc", "Hòa Cường Nam",
         "Thanh Khê Tây", "Thanh Khê Đông", "Xuân Hà", "Tân Chính", "Chính Gián", "Vĩnh Trung",
         "Thạc Gián", "An Khê", "Hòa Khê", "Tam Thuận", "Mân Thái", "Thọ Quang", "Nại Hiên Đông",
         "An Hải Bắc", "An Hải Tây", "An Hải Đông", "Phước Mỹ", "Mỹ An", "Khuê Mỹ", "Hòa Quý", "Hòa Hải",
         "Hòa Minh", "Hòa Khánh Nam", "Hòa Khánh Bắc", "Hòa Hiệp Nam", "Hòa Hiệp Bắc", "Khuê Trung",
         "Hòa Thọ Đông", "Hòa Thọ Tây", "Hòa An", "Hòa Phát", "Hòa Xuân", "Hòa Bắc", "Hòa Ninh"]
AGENCIES = ["Sở Tài chính", "Sở Nội vụ", "Sở Tư pháp", "Sở Kế hoạch và Đầu tư", "Sở Xây dựng",
            "Sở Giao thông vận tải", "Sở Tài nguyên và Môi trường", "Sở Y tế", "Sở Giáo dục và Đào tạo",
            "Sở Lao động - Thương binh và Xã hội", "Sở Văn hóa và Thể thao", "Sở Du lịch",
            "Sở Thông tin và Truyền thông", "Sở Nông nghiệp và Phát triển nông thôn", "Sở Công Thương",
            "Sở Khoa học và Công nghệ", "Thanh tra thành phố", "Văn phòng UBND thành phố",
            "Công an thành phố", "Bộ Chỉ huy Quân sự thành phố", "Kho bạc Nhà nước Đà Nẵng",
            "Cục Thuế thành phố", "Bảo hiểm xã hội thành phố", "Ủy ban nhân dân thành phố Đà Nẵng",
            "Thành ủy Đà Nẵng", "Hội đồng nhân dân thành phố", "Ban Quản lý an toàn thực phẩm"]
DISTRICTS = ["Hải Châu", "Thanh Khê", "Sơn Trà", "Ngũ Hành Sơn", "Liên Chiểu", "Cẩm Lệ", "Hòa Vang"]
UNITS = ["Phòng Tài chính - Kế hoạch", "Phòng Nội vụ", "Phòng Tư pháp", "Phòng Quản lý đô thị",
         "Phòng Tài nguyên và Môi trường", "Phòng Văn hóa và Thông tin",
         "Phòng Lao động - Thương binh và Xã hội",
         "Phòng Giáo dục và Đào tạo", "Phòng Y tế", "Phòng Kinh tế", "Văn phòng HĐND và UBND"]
SENTENCES = ["Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư",
             "Ủy ban nhân dân đề nghị các cơ quan, đơn vị nghiêm túc triển khai thực hiện",
             "Trong quá trình thực hiện nếu có khó khăn, vướng mắc đề nghị phản ánh về cơ quan chủ trì",
             "Báo cáo kết quả gửi về trước ngày 25 hằng tháng để tổng hợp",
             "Giao Phòng Tài chính - Kế hoạch chủ trì, phối hợp với các đơn vị liên quan",
             "Thời gian: 08 giờ 00, địa điểm: Hội trường Ủy ban nhân dân",
             "Kinh phí thực hiện từ nguồn ngân sách được giao năm 2024",
             "Yêu cầu thủ trưởng các cơ quan, đơn vị quán triệt đến toàn thể cán bộ, công chức",
             "Đề nghị ghi rõ họ tên, chức vụ, số điện thoại của người được cử tham dự",
             "Văn bản này thay thế văn bản trước đó về cùng nội dung",
             "Nơi nhận: như trên, lưu VT", "Chủ tịch Ủy ban nhân dân phường ký duyệt",
             "Tiếp tục đẩy mạnh ứng dụng công nghệ thông tin trong hoạt động của cơ quan nhà nước",
             "Tăng cường kiểm tra, giám sát và xử lý nghiêm các trường hợp vi phạm",
             "Số liệu tính đến ngày 30 tháng 6, chi tiết theo phụ lục đính kèm"]
STATES_RECENT = [("received", 10), ("accepted", 10), ("presented", 10), ("assigned", 20), ("processing", 25),
                 ("done", 20), ("rejected", 2), ("filed", 3)]
STATES_OLD = [("filed", 70), ("done", 27), ("rejected", 2), ("recalled", 1)]
DATA_PAD = ("{\"meta\": {\"language\": \"Tiếng Việt\", \"page_amount\": 2, \"signer_position\": \"Chủ tịch\","
            " \"signer_full_name\": \"Nguyễn Văn An\", \"description\": \"\"}, \"blobs\": [\"%s\"],"
            " \"sender\": {\"organ_id\": \"000.00.12.H17\"}, \"file_codes\": [], \"ref\": \"%s\"}")


def _issuers() -> list[tuple[str, str]]:
    names = list(AGENCIES)
    names += [f"UBND phường {w}" for w in WARDS]
    names += [f"UBND quận {d}" for d in DISTRICTS]
    names += [f"{u} quận {d}" for d in DISTRICTS for u in UNITS]
    return [(f"000.{i // 100:02d}.{i % 100:02d}.H17", n) for i, n in enumerate(names)]


def _weighted(pairs: list[tuple[str, int]]) -> tuple[list[str], list[int]]:
    """Values and their cumulative weights (``random.choices(cum_weights=…)`` then skips a sum)."""
    return [p[0] for p in pairs], list(itertools.accumulate(p[1] for p in pairs))


def _rows(n: int, seed: int = 7) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """(doc_in row, search_doc row) for n documents in arrival order, folded text built from
    pre-folded phrases (fold() per row in Python would dominate the run)."""
    rng = random.Random(seed)
    types, type_w = _weighted(TYPES)
    issuers = _issuers()
    issuer_w = list(itertools.accumulate(40 if n.startswith(("Sở", "Ủy ban", "Văn phòng")) else
                                         5 if n.startswith("UBND") else 1 for _, n in issuers))
    old_s, old_w = _weighted(STATES_OLD)
    new_s, new_w = _weighted(STATES_RECENT)
    f = {s: fold(s) for s in [*types, *ACTIONS, *OBJECTS, *PLACES, *SENTENCES, *(n for _, n in issuers)]}
    start = datetime(2016, 12, 1, 7, 30, tzinfo=VN_TZ)
    end = datetime(2026, 11, 30, 17, 0, tzinfo=VN_TZ)
    step = (end - start) / max(n, 1)
    recent = end - timedelta(days=60)
    numbers: dict[int, int] = {}
    for i in range(1, n + 1):
        at = start + step * i
        year = at.year
        numbers[year] = numbers.get(year, 0) + 1
        tname = rng.choices(types, cum_weights=type_w)[0]
        action, obj, place = rng.choice(ACTIONS), rng.choice(OBJECTS), rng.choice(PLACES)
        code_i, issuer = rng.choices(issuers, cum_weights=issuer_w)[0]
        subject = f"{action} {obj} {place}".strip()
        subject = subject[0].upper() + subject[1:]
        subject_fold = f"{f[action]} {f[obj]} {f[place]}".strip()
        code = f"{rng.randint(1, 3000)}/{''.join(w[0] for w in issuer.split()[:3]).upper()}-VP"
        sentences = rng.sample(SENTENCES, rng.randint(3, 6))
        state = rng.choices(new_s if at > recent else old_s, cum_weights=new_w if at > recent else old_w)[0]
        registered = state not in ("received", "rejected")
        due = (at.date() + timedelta(days=rng.choice((5, 7, 10, 15, 30)))).isoformat() \
            if rng.random() < 0.6 else None
        priority = rng.choices((0, 1, 2, 3), cum_weights=(85, 95, 98, 100))[0]
        secrecy = 1 if rng.random() < 0.02 else 0
        ref = f"in:{i}"
        at_s = at.isoformat(timespec="seconds")
        data = DATA_PAD % (f"{i:064x}", ref)
        yield ((i, ref, state, subject, tname, code, code_i, issuer, at.date().isoformat(), "axis", priority,
                secrecy, at_s, "den" if registered else "", year if registered else None,
                numbers[year] if registered else None, due, int(state == "recalled" and rng.random() < 0.1),
                data, at_s),
               (i, "in", ref, f"{code} {subject}", f"{tname} · {issuer}\n" + ". ".join(sentences),
                f"{code.lower()} {subject_fold}",
                f"{f[tname]} · {f[issuer]}\n" + ". ".join(f[s] for s in sentences), at_s))


def fill(path: Path, n: int, *, batch: int = 50_000) -> float:
    """Bulk insert n documents (executemany in big transactions) into the migrated database."""
    Database(path).open().close()  # create and migrate the real schema
    conn = connect(path, busy_timeout_ms=5000)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -524288")  # 512 MiB while filling
    t0 = time.perf_counter()
    docs: list[tuple[Any, ...]] = []
    texts: list[tuple[Any, ...]] = []

    def flush() -> None:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO doc_in (id, ref, state, subject, type_name, code, issuer_code, issuer_name,"
            " issued_date, channel, priority, secrecy, received_at, register_code, arrival_year,"
            " arrival_number, due_date, recall_pending, data, updated_at)"
            f" VALUES ({', '.join('?' * 20)})", docs)
        conn.executemany("INSERT INTO search_doc (id, kind, ref, title, body, title_fold, body_fold,"
                         " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", texts)
        conn.execute("COMMIT")
        docs.clear()
        texts.clear()

    for doc, text in _rows(n):
        docs.append(doc)
        texts.append(text)
        if len(docs) >= batch:
            flush()
            print(f"  {doc[0]:,} documents, {time.perf_counter() - t0:.0f} s", flush=True)
    if docs:
        flush()
    conn.execute("ANALYZE")
    conn.execute("PRAGMA optimize")
    conn.close()
    return time.perf_counter() - t0


# -- timing --------------------------------------------------------------------------------------


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(percentile(ms, 95), 2)}


RAW = {"newest": "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT 20",
       "rank": "SELECT rowid, bm25(search_fts, 5.0, 1.0) AS r FROM search_fts WHERE search_fts MATCH ?"
               " ORDER BY r LIMIT 20"}


def compare(name: str, queries: list[tuple[str, SearchFilters]], idx: SqliteSearchIndex,
            raw: sqlite3.Connection, runs: int, order: str = "newest") -> dict[str, Any]:
    """Ours (first page of 20, hits with their rows and snippets) and the raw FTS5 MATCH of the same
    text in the same order, interleaved query by query (same cache weather)."""
    ours_ms: list[float] = []
    raw_ms: list[float] = []
    hits: list[int] = []
    for q, filters in queries:
        expr = match_expression(q)
        ours_ms += timed(lambda q=q, filters=filters: idx.search(q, filters=filters, order=order),  # type: ignore[misc]
                         runs)
        raw_ms += timed(lambda expr=expr: raw.execute(RAW[order], (expr,)).fetchall(), runs)  # type: ignore[misc]
        hits.append(int(raw.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?",
                                    (expr,)).fetchone()[0]))
    ours, rawf = summary(ours_ms), summary(raw_ms)
    result = {"order": order, "queries": [q for q, _ in queries], "fts_matches": hits, "ours": ours,
              "raw_fts": rawf, "ratio_p50": round(ours["p50_ms"] / rawf["p50_ms"], 2),
              "ratio_p95": round(ours["p95_ms"] / rawf["p95_ms"], 2)}
    print(f"  {name}: ours p50 {ours['p50_ms']} / p95 {ours['p95_ms']} ms; raw FTS p50 {rawf['p50_ms']} /"
          f" p95 {rawf['p95_ms']} ms; ratio {result['ratio_p50']} / {result['ratio_p95']}"
          f" (FTS matches {min(hits):,}–{max(hits):,})", flush=True)
    return result


def inbox_page_ms(root: Path, path: Path, runs: int) -> dict[str, Any] | str:
    """The rendered /van-ban-den page (first page, and with a state filter) and a /tim-kiem page
    through Litestar's TestClient, logged in as a clerk; the database moves into a node directory."""
    import re

    from litestar.testing import TestClient

    from node.app import create_app
    from node.config import load_config
    from node.domain.accounts import Role
    from node.store.users import create_user
    from node.web.passwords import Argon2Hasher

    cfg = root / "node.toml"
    if cfg.exists() and path == root / "data" / "node.db":  # a reused directory, already moved
        cfg.unlink()
    cfg.write_text('[node]\nagency_code = "000.00.01.H17"\nagency_name = "UBND phường Thử"\n'
                   'data_dir = "data"\n', encoding="utf-8")
    config = load_config(cfg)
    config.db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists() and side != config.db_path.with_name(config.db_path.name + suffix):
            side.rename(config.db_path.with_name(config.db_path.name + suffix))
    password = "benchmark-password-1"
    db = Database(config.db_path).open()
    if db.query_one("SELECT 1 FROM user WHERE username = 'vanthu'") is None:  # a reused store has it
        db.write(lambda d: create_user(d, username="vanthu", full_name="Văn thư thử",
                                       password_hash=Argon2Hasher().hash(password), roles=[Role.CLERK],
                                       now=datetime.now(VN_TZ), actor="benchmark"))
    db.close()
    with TestClient(app=create_app(config), base_url="http://127.0.0.1:8080") as client:
        token = re.search(r'name="_csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        client.post("/login", data={"username": "vanthu", "password": password, "next": "/",
                                    "_csrf_token": token.group(1)})
        first = client.get("/van-ban-den")
        if first.status_code != 200:
            return f"/van-ban-den answered HTTP {first.status_code}: not timed"
        page_ms = timed(lambda: client.get("/van-ban-den"), runs)
        state_ms = timed(lambda: client.get("/van-ban-den?trang_thai=processing"), runs)
        words = ("ngan+sach", "dat+dai", "chuyen+doi+so", "khieu+nai", "van+ban+dien+tu")
        cycle = itertools.cycle(words)
        text_ms = timed(lambda: client.get(f"/van-ban-den?q={next(cycle)}"), runs)
        search_ms = timed(lambda: client.get("/tim-kiem?q=ngan+sach"), runs)
        assert client.get("/tim-kiem?q=ngan+sach").status_code == 200
        ranked = "/tim-kiem?q=ngan+sach&sap_xep=lien-quan"  # with the capped count behind its note
        assert 'data-testid="rank-window"' in client.get(ranked).text
        rank_ms = timed(lambda: client.get(ranked), runs)
    return {"first_page": summary(page_ms), "state_filter": summary(state_ms),
            "text_query": summary(text_ms), "search_page_two_words": summary(search_ms),
            "search_page_most_relevant": summary(rank_ms)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=20, help="timed runs per query")
    ap.add_argument("--dir", type=Path, default=None, help="where the database goes (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    ap.add_argument("--no-page", action="store_true", help="do not time the rendered /van-ban-den page")
    ap.add_argument("--reuse", type=Path, default=None,
                    help="a directory kept by an earlier --keep run: measure its node.db, do not fill")
    args = ap.parse_args(argv)
    root = args.reuse or Path(tempfile.mkdtemp(prefix="vanthu-bench-search-", dir=args.dir))
    path = root / "node.db"
    if args.reuse is not None:
        found = next((p for p in (path, root / "data" / "node.db") if p.exists()), None)
        if found is None:
            ap.error(f"no node.db in {root}")
        path, args.keep = found, True
    try:
        if args.reuse is None:
            print(f"filling {args.docs:,} documents into {path}", flush=True)
            fill_s = fill(path, args.docs)
        else:
            fill_s = None
            probe = connect(path, busy_timeout_ms=5000)
            args.docs = int(probe.execute("SELECT count(*) FROM doc_in").fetchone()[0])
            probe.close()
            print(f"reusing {path}: {args.docs:,} documents", flush=True)
        size_mb = sum(p.stat().st_size for p in path.parent.glob("node.db*")) / 2**20
        print(f"  filled in {fill_s:.0f} s, {size_mb:,.0f} MiB" if fill_s is not None else
              f"  {size_mb:,.0f} MiB", flush=True)
        db = Database(path).open()
        idx = SqliteSearchIndex(db)
        raw = connect(path, busy_timeout_ms=5000, readonly=True)
        runs = args.runs
        spring = (date(2025, 3, 1), date(2025, 5, 31))
        figures: dict[str, Any] = {"docs": args.docs, "fill_s": None if fill_s is None else round(fill_s, 1),
                                   "db_mib": round(size_mb)}
        none = SearchFilters()
        figures["two_words"] = compare("two folded words", [
            ("chuyen doi so", none), ("dat dai", none), ("tiem chung", none), ("khieu nai", none),
            ("van ban dien tu", none), ("ngan sach", none)], idx, raw, runs)
        specialist = SearchFilters(reader=Actor("chuyenvien", frozenset({Role.SPECIALIST})))
        words = ("chuyen doi so", "dat dai", "tiem chung", "khieu nai", "van ban dien tu", "ngan sach")
        figures["two_words_specialist"] = compare("two folded words as a chuyên viên (secret ones hidden)",
                                                  [(q, specialist) for q in words], idx, raw, runs)
        figures["two_words_rank"] = compare("two folded words, most relevant first", [
            ("chuyen doi so", none), ("dat dai", none), ("tiem chung", none), ("khieu nai", none),
            ("van ban dien tu", none), ("ngan sach", none)], idx, raw, runs, order="rank")
        figures["issuer_dates"] = compare("issuer + date range", [
            ("ke hoach", SearchFilters(issuer="so tai chinh", date_from=spring[0], date_to=spring[1])),
            ("giao thong", SearchFilters(issuer="UBND phường Hải Châu", date_from=spring[0],
                                         date_to=spring[1])),
            ("tong ket", SearchFilters(issuer="Sở Y tế", date_from=date(2026, 1, 1),
                                       date_to=date(2026, 6, 30)))], idx, raw, runs)
        figures["exact"] = compare("exact diacritics", [
            ("Đà Nẵng", SearchFilters(exact=True)), ("dịch vụ công", SearchFilters(exact=True)),
            ("hòa giải", SearchFilters(exact=True))], idx, raw, runs)
        figures["prefix"] = compare("prefix being typed", [
            ("tiem chu", none), ("quy hoach su d", none), ("phong chay ch", none), ("khieu na", none)],
            idx, raw, runs)
        lists: dict[str, Any] = {}
        for name, filters, offset in [("first_page", ListFilters(), 0),
                                      ("state_processing", ListFilters(state="processing"), 0),
                                      ("state_filed", ListFilters(state="filed"), 0),
                                      ("issuer", ListFilters(issuer="so tai chinh"), 0),
                                      ("type_year", ListFilters(type_name="Chỉ thị", year=2024), 0),
                                      ("page_50", ListFilters(), 980),
                                      ("text_query", ListFilters(query="ngan sach"), 0)]:
            def page(filters: ListFilters = filters, offset: int = offset) -> None:
                list_incoming(db, filters, limit=20, offset=offset)
                count_incoming(db, filters, cap=count_cap(filters))
            lists[name] = summary(timed(page, runs))
            print(f"  list_incoming + count (capped) {name}: {lists[name]}", flush=True)
        today = date(2026, 11, 30)
        lists["dashboard_counts"] = summary(timed(lambda: dashboard_counts(db, today), runs))
        print(f"  dashboard_counts: {lists['dashboard_counts']}", flush=True)
        figures["lists"] = lists
        raw.close()
        db.close()
        write_result("search", figures)
        if not args.no_page:
            try:
                figures["inbox_page"] = inbox_page_ms(root, path, runs)
            except Exception as e:  # the web layer may be mid-change in a shared checkout
                figures["inbox_page"] = f"not timed: {type(e).__name__}: {e}"
            print(f"  rendered /van-ban-den: {figures['inbox_page']}", flush=True)
        write_result("search", figures)
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    # ``python benchmarks/search.py --docs N`` takes options; ``python -m benchmarks search`` runs defaults.
    sys.exit(main(sys.argv[1:] if Path(sys.argv[0]).stem == "search" else []))
