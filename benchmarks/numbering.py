"""Numbering benchmark: our gapless allocation vs a bare SQLite counter insert.

Measures, on the same kind of file (WAL, synchronous=FULL), in the same run:
- ``ours_ms``: ``SqliteRegisters.allocate`` — writer thread, BEGIN IMMEDIATE, register check,
  max+1, the hash-chained audit row, the entry (gapless trigger), COMMIT;
- ``raw_ms``: a bare ``BEGIN IMMEDIATE; INSERT INTO counter …; COMMIT`` on the calling thread —
  the floor any durable per-number commit pays; ``ratio = ours / raw``;
- ``concurrent_per_s``: numbers per second with ``--clerks`` processes allocating at once.

``python benchmarks/numbering.py [--n N] [--clerks N]``
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import percentile, write_result  # noqa: E402
from node.domain.clock import VN_TZ  # noqa: E402
from node.store.db import Database, connect  # noqa: E402
from node.store.registers import SqliteRegisters  # noqa: E402


def _timed(fn: object, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--clerks", type=int, default=4)
    ap.add_argument("--dir", type=Path, default=None, help="where the databases go (default: a temp dir)")
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="vanthu-bench-numbering-", dir=args.dir))
    at = datetime(2026, 6, 1, 9, tzinfo=VN_TZ)

    db = Database(root / "node.db").open()
    regs = SqliteRegisters(db)
    di = regs.get_register("di")
    assert di is not None
    raw_conn = connect(root / "raw.db", busy_timeout_ms=5000)
    raw_conn.execute("CREATE TABLE counter (year INTEGER, number INTEGER, PRIMARY KEY (year, number))")
    state = {"n": 0}

    def raw() -> None:
        state["n"] += 1
        raw_conn.execute("BEGIN IMMEDIATE")
        raw_conn.execute("INSERT INTO counter VALUES (2026, ?)", (state["n"],))
        raw_conn.execute("COMMIT")

    ours: list[float] = []
    raw_ms: list[float] = []
    for _ in range(args.n):  # interleaved, so both see the same disk weather
        ours += _timed(lambda: regs.allocate(di, at=at, actor="bench", subject="x"), 1)
        raw_ms += _timed(raw, 1)
    db.close()
    raw_conn.close()

    # concurrent clerks (separate processes), each taking n / clerks numbers of register "den"
    per = max(1, args.n // args.clerks)
    path = root / "node.db"
    target = per * args.clerks
    t0 = time.perf_counter()
    worker = [sys.executable, "-m", "tests.registers.alloc_worker", str(path)]
    procs = [subprocess.Popen([*worker, f"c{i}", "den", str(target)], cwd=ROOT, stdout=subprocess.DEVNULL)
             for i in range(args.clerks)]
    for p in procs:
        p.wait()
    elapsed = time.perf_counter() - t0
    check = sqlite3.connect(path)
    got = [r[0] for r in check.execute(
        "SELECT number FROM register_entry WHERE register_code = 'den' ORDER BY 1")]
    check.close()
    assert got == list(range(1, target + 1)), "gap or repeat"

    med_ours, med_raw = percentile(ours, 50), percentile(raw_ms, 50)
    write_result("numbering", {
        "n": args.n,
        "ours_ms": round(med_ours, 3), "ours_p95_ms": round(percentile(ours, 95), 3),
        "raw_ms": round(med_raw, 3), "raw_p95_ms": round(percentile(raw_ms, 95), 3),
        "ratio": round(med_ours / med_raw, 2) if med_raw else None,
        "clerks": args.clerks, "concurrent_numbers": target,
        "concurrent_per_s_incl_startup": round(target / elapsed, 1),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
