"""Reports benchmark: the monthly exchange report of an office with 120,000 documents in a year.

The year is written straight into the document tables (the columns the document store derives, a
realistic JSON record in ``data``, deliveries and assignees), spread over 2026 with the seed 004
mix (77 % electronic). Then, on a cold reader connection and warm:
- ``exchange_ms``: ``SqliteReports.exchange`` for November (tallies by type and unit, on time,
  rejected, outages) — the figure the issue bounds at 5 s;
- ``context_ms``: the whole report context (figures, tables, SVG charts) the page and PDF render;
- ``pdf_ms``: that report rendered to PDF (WeasyPrint);
- ``quarter_ms``: the Q4 exchange figures;
- ``raw_ms``: one bare ``GROUP BY channel`` count of November's arrivals — the floor; ``ratio``.

The year's sổ đăng ký văn bản đến as PDF (a second store of ``--book-rows`` văn bản đến, default
10,000): ``book_pdf_s`` laid out in parts and joined (node/reports/book.py), against raw WeasyPrint
writing the same book as one HTML document (``raw_book_pdf_s``, ``book_ratio``; ``book_pdf_2_workers_s``:
the parts laid out by two processes, ``--workers 2``), and both at 500
and 2,000 rows to show how each grows with the rows. Each render runs in a fresh process: its
peak memory above what the process held before is its own (``*_rss_mb``). ``--no-raw-year``
skips the raw year (minutes, gigabytes).

``python benchmarks/reports.py [--docs N] [--book-rows N] [--no-raw-year]``
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import multiprocessing
import random
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import median_ms, peak_rss_mb, write_result  # noqa: E402
from node.domain.clock import VN_TZ, FixedClock  # noqa: E402
from node.domain.documents import Channel, DocumentMetadata, Organ  # noqa: E402
from node.domain.incoming import IncomingDocument, IncomingState  # noqa: E402
from node.domain.reports import ReportPeriod  # noqa: E402
from node.reports.book import write_book_pdf  # noqa: E402
from node.reports.service import ReportService  # noqa: E402
from node.store.codec import encode  # noqa: E402
from node.store.db import Database  # noqa: E402

TYPES = ["Công văn"] * 6 + ["Quyết định", "Kế hoạch", "Báo cáo", "Giấy mời", "Thông báo", "Tờ trình"]
UNITS = ["Văn phòng", "Phòng Văn hóa", "Phòng Tài chính", "Phòng Tư pháp", "Phòng Nội vụ", "Phòng Kinh tế"]
DATA = (
    '{"meta":{"subject":"'
    + "V/v tăng cường sử dụng văn bản điện tử " * 8
    + '"},"blobs":["'
    + "a" * 64
    + '"]}'
)
# A real văn bản đến record (the register book decodes them); ref, số đến and times filled per row.
TEMPLATE = encode(
    IncomingDocument(
        ref="@REF@",
        meta=DocumentMetadata(
            type_name="Công văn",
            subject="V/v tăng cường sử dụng văn bản điện tử",
            issuer=Organ("000.00.09.H13", "Sở Nội vụ"),
            code_number="1768",
            code_notation="SNV-VP",
            page_amount=2,
        ),
        channel=Channel.AXIS,
        sender=Organ("000.00.09.H13", "Sở Nội vụ"),
        received_at=datetime(2026, 1, 1, tzinfo=VN_TZ),
        state=IncomingState.ACCEPTED,
        blobs=("a" * 64,),
        register_code="den",
        arrival_number=1,
        arrival_year=2026,
        arrival_date=datetime(2026, 1, 1, tzinfo=VN_TZ),
    )
)
TEMPLATE = TEMPLATE.replace('"arrival_number":1,', '"arrival_number":@NUM@,').replace(
    "2026-01-01T00:00:00+07:00", "@AT@"
)


def populate(path: Path, docs: int, seed: int = 8) -> None:
    rnd = random.Random(seed)
    db = Database(path).open()  # migrations, then plain bulk inserts on the side
    db.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executemany(
        "INSERT INTO unit (id, code, name) VALUES (?, ?, ?)",
        [(i + 1, f"U{i}", n) for i, n in enumerate(UNITS)],
    )
    conn.executemany(
        "INSERT INTO user (username, full_name, unit_id, password_hash, password_changed_at,"
        " created_at) VALUES (?, ?, ?, 'x', '2026-01-01', '2026-01-01')",
        [(f"cv{i}", f"Chuyên viên {i}", i % len(UNITS) + 1) for i in range(40)],
    )
    start = datetime(2026, 1, 1, tzinfo=VN_TZ)
    n_in = docs * 3 // 4
    ins, assignees, outs, deliveries = [], [], [], []
    for i in range(1, n_in + 1):
        at = start + timedelta(seconds=rnd.randrange(365 * 86400))
        channel = "axis" if rnd.random() < 0.77 else "paper"
        due = (at + timedelta(days=rnd.randint(3, 20))).date().isoformat()
        done = (at + timedelta(days=rnd.randint(1, 25))).isoformat() if rnd.random() < 0.8 else None
        state = "done" if done else rnd.choice(["accepted", "assigned", "processing"])
        ins.append(
            (
                i,
                f"in:{i}",
                state,
                "Trích yếu",
                rnd.choice(TYPES),
                f"{i}/SNV-VP",
                "000.00.09.H13",
                "Sở Nội vụ",
                channel,
                at.isoformat(),
                "den",
                2026,
                i,
                at.isoformat(),
                due,
                done,
                TEMPLATE.replace("@REF@", f"in:{i}").replace("@NUM@", str(i)).replace("@AT@", at.isoformat()),
                at.isoformat(),
            )
        )
        if state != "accepted":
            unit = rnd.randrange(len(UNITS))
            assignees.append((i, "unit", str(unit + 1), UNITS[unit], 1, due))
    for j in range(1, docs - n_in + 1):
        at = start + timedelta(seconds=rnd.randrange(365 * 86400))
        outs.append(
            (
                j,
                f"out:{j}",
                "published",
                "Trích yếu",
                rnd.choice(TYPES),
                f"{j}/UBND-VP",
                at.date().isoformat(),
                f"cv{rnd.randrange(40)}",
                "electronic",
                at.isoformat(),
                "di",
                2026,
                str(j),
                at.isoformat(),
                DATA,
                at.isoformat(),
            )
        )
        for k in range(rnd.choice([1, 1, 2, 3, 5])):
            paper = rnd.random() < 0.23
            state = "paper" if paper else rnd.choice(["sent", "03", "06", "06", "02"])
            deliveries.append((j, f"000.00.{k:02d}.H26", "paper" if paper else "axis", state, at.isoformat()))
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO doc_in (id, ref, state, subject, type_name, code, issuer_code, issuer_name,"
        " channel, received_at, register_code, arrival_year, arrival_number, arrival_date, due_date,"
        " done_at, data, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ins,
    )
    conn.executemany(
        "INSERT INTO doc_assignee (doc_id, kind, ref, name, lead, due_date) VALUES (?, ?, ?, ?, ?, ?)",
        assignees,
    )
    conn.executemany(
        "INSERT INTO doc_out (id, ref, state, subject, type_name, code, issued_date, author, category,"
        " created_at, register_code, number_year, code_number, published_at, data, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        outs,
    )
    conn.executemany(
        "INSERT INTO doc_delivery (doc_id, organ_id, channel, state, updated_at) VALUES (?, ?, ?, ?, ?)",
        deliveries,
    )
    conn.executemany(
        "INSERT INTO axis_outage (started_at, ended_at, queued_at_start, max_queued) VALUES (?, ?, 0, 10)",
        [(f"2026-{m:02d}-10T01:00:00+00:00", f"2026-{m:02d}-10T03:30:00+00:00") for m in range(1, 13)],
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def _book_render(path: str, rows: int, how: str) -> tuple[float, float, float, int]:
    """In a fresh process: the year's sổ đến cut to ``rows`` rows, as PDF; (seconds, CPU seconds,
    peak MB above the process before the render, pages)."""
    from weasyprint import HTML

    db = Database(Path(path)).open()
    try:
        svc = ReportService(db, FixedClock(datetime(2027, 1, 2, 8, tzinfo=VN_TZ)), "UBND phường Một")
        ctx = svc.register_book("den", date(2026, 1, 1), date(2026, 12, 31))
    finally:
        db.close()
    table = ctx["table"]
    ctx["table"] = dataclasses.replace(table, rows=table.rows[:rows], refs=table.refs[:rows])
    out = Path(path).with_name(f"book-{how}-{rows}.pdf")
    gc.collect()
    before = _status_mb("VmRSS")  # the year's rows decoded: the render's own memory is the peak above
    Path("/proc/self/clear_refs").write_text("5")  # Linux: the peak (VmHWM) starts again from here
    t0, cpu0 = time.perf_counter(), time.process_time()
    if how.startswith("parts"):  # "parts", or "parts2": two processes side by side (the CLI's --workers 2)
        pages = write_book_pdf(ctx, out, workers=2 if how == "parts2" else 1)
    else:  # the same book as one HTML document, straight through WeasyPrint
        doc = HTML(string=svc.html(ctx)).render()
        pages = len(doc.pages)
        doc.write_pdf(out)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return seconds, cpu, _status_mb("VmHWM") - before, pages


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def book_render(path: Path, rows: int, how: str) -> tuple[float, float, float, int]:
    from benchmarks import reports as importable  # not __main__: the spawned child imports it by name

    # a fresh process per render (not a Pool worker: those are daemons, which may not start the
    # processes of --workers 2)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        result: tuple[float, float, float, int] = pool.submit(
            importable._book_render, str(path), rows, how).result()
        return result


def book_figures(root: Path, book_rows: int, *, raw_year: bool) -> dict[str, object]:
    path = root / "book.db"
    populate(path, book_rows * 4 // 3 + 1, seed=10)  # three quarters văn bản đến: the year's sổ đến
    figures: dict[str, object] = {"book_rows": book_rows}
    sizes = [n for n in (500, 2000) if n < book_rows] + [book_rows]
    for n in sizes:
        for how in ("parts", "raw"):
            if how == "raw" and n == book_rows and not raw_year:
                continue
            seconds, cpu, rss, pages = book_render(path, n, how)
            key = "book_pdf" if how == "parts" else "raw_book_pdf"
            suffix = "" if n == book_rows else f"_{n}"
            figures[f"{key}_s{suffix}"] = round(seconds, 1)
            figures[f"{key}_cpu_s{suffix}"] = round(cpu, 1)
            figures[f"{key}_rss_mb{suffix}"] = round(rss)
            figures[f"{key}_ms_per_row{suffix}"] = round(seconds * 1000 / n, 1)
            if how == "parts":
                figures[f"book_pages{suffix}"] = pages
            print(f"  register book {n:,} rows, {how}: {seconds:.1f} s ({cpu:.1f} s CPU), {pages} pages,"
                  f" peak {rss:.0f} MB above the rows", flush=True)
    seconds, cpu, rss, pages = book_render(path, book_rows, "parts2")
    figures["book_pdf_2_workers_s"] = round(seconds, 1)
    print(f"  register book {book_rows:,} rows, parts in 2 processes: {seconds:.1f} s, {pages} pages",
          flush=True)
    at = "" if raw_year else "_2000"
    raw = figures.get(f"raw_book_pdf_s{at}")
    ours = figures.get(f"book_pdf_s{at}")
    both = isinstance(raw, float) and isinstance(ours, float)
    figures["book_ratio"] = round(ours / raw, 2) if both else None  # type: ignore[operator]
    raw_cpu, ours_cpu = figures.get(f"raw_book_pdf_cpu_s{at}"), figures.get(f"book_pdf_cpu_s{at}")
    both = isinstance(raw_cpu, float) and isinstance(ours_cpu, float)
    figures["book_cpu_ratio"] = round(ours_cpu / raw_cpu, 2) if both else None  # type: ignore[operator]
    figures["book_ratio_at_rows"] = book_rows if raw_year else 2000
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--docs", type=int, default=120_000)
    ap.add_argument("--dir", type=Path, default=None, help="where the database goes (default: a temp dir)")
    ap.add_argument("--book-rows", type=int, default=10_000, help="rows of the year's register book")
    ap.add_argument("--no-raw-year", action="store_true", help="raw WeasyPrint at 2,000 rows only")
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="vanthu-bench-reports-", dir=args.dir))
    path = root / "node.db"
    t0 = time.perf_counter()
    populate(path, args.docs)
    build_s = time.perf_counter() - t0

    db = Database(path).open()
    svc = ReportService(db, FixedClock(datetime(2026, 12, 1, 8, tzinfo=VN_TZ)), "UBND phường Một")
    nov, q4 = ReportPeriod(2026, month=11), ReportPeriod(2026, quarter=4)
    now = svc.clock.now()
    t0 = time.perf_counter()
    report = svc.queries.exchange(nov, now=now)  # first run: a fresh reader, cold page cache of SQLite
    cold_ms = (time.perf_counter() - t0) * 1000
    exchange_ms = median_ms(lambda: svc.queries.exchange(nov, now=now), runs=5)
    context_ms = median_ms(lambda: svc.exchange(nov), runs=3)
    pdf_ms = median_ms(lambda: svc.pdf(svc.exchange(nov)), runs=3)
    quarter_ms = median_ms(lambda: svc.queries.exchange(q4, now=now), runs=3)
    book_ms = median_ms(
        lambda: svc.register_book("den", date(2026, 11, 1), date(2026, 11, 30)), runs=1, warmup=0
    )
    raw = db.reader()
    raw_ms = median_ms(
        lambda: raw.execute(
            "SELECT channel, count(*) FROM doc_in"
            " WHERE received_at >= '2026-11-01' AND received_at < '2026-12-01' GROUP BY channel"
        ).fetchall(),
        runs=5,
    )
    n_in = db.query_one("SELECT count(*) FROM doc_in")[0]  # type: ignore[index]
    n_out = db.query_one("SELECT count(*) FROM doc_out")[0]  # type: ignore[index]
    db.close()
    book = book_figures(root, args.book_rows, raw_year=not args.no_raw_year) if args.book_rows else {}
    print(
        f"monthly exchange report of {args.docs:,} documents/year: {cold_ms:.0f} ms cold, "
        f"{exchange_ms:.0f} ms warm (limit 5000 ms); November received {report.received.total:,} "
        f"({report.received.share}% electronic), sent {report.sent.total:,}"
    )
    write_result(
        "reports",
        {
            "documents": args.docs,
            "incoming": n_in,
            "outgoing": n_out,
            "build_s": round(build_s, 1),
            "november_received": report.received.total,
            "november_sent": report.sent.total,
            "exchange_cold_ms": round(cold_ms, 1),
            "exchange_ms": round(exchange_ms, 1),
            "context_ms": round(context_ms, 1),
            "pdf_ms": round(pdf_ms, 1),
            "quarter_ms": round(quarter_ms, 1),
            "register_book_month_ms": round(book_ms, 1),
            "raw_ms": round(raw_ms, 2),
            "ratio": round(exchange_ms / raw_ms, 1) if raw_ms else None,
            "under_5s": cold_ms < 5000,
            **book,
            "peak_rss_mb": round(peak_rss_mb(), 1),
        },
    )
    return 0 if cold_ms < 5000 else 1


if __name__ == "__main__":
    sys.exit(main())
