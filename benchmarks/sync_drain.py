"""Sync drain: send N queued ~100 KB packages to a local hub; ours vs a raw httpx loop.

Starts a real hub process (``vanthu hub serve``) on a free 127.0.0.1 port, then, in alternating
rounds so neither side profits from a warmer or emptier hub, (a) a raw ``httpx.Client`` loop
POSTs signed ``/sendEdoc`` requests with the payloads, and (b) the node's outbox relay drains the
same number of queued packages of the same size (claim under lease, read blob, sign, send, mark
sent with its audit row). The two sets differ only in their DocumentId (the hub would otherwise
answer the second set as re-sends without storing them). Prints packages/second for both, the
ratio (aim ≥ 0.8) and the peak memory of this process.

    python benchmarks/sync_drain.py [--packages 2000] [--kb 100] [--rounds 2]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from benchmarks.common import peak_rss_mb, write_result  # noqa: E402
from hub.db import HubDB  # noqa: E402
from node.app import open_node, open_sync, write_secret_file  # noqa: E402
from node.config import config_from_dict  # noqa: E402
from node.domain.clock import SystemClock  # noqa: E402
from node.domain.exchange import OutgoingPackage, PackageKind  # noqa: E402
from node.edxml import AttachmentInput, EdocHeader, Organization, build_edoc  # noqa: E402
from node.store.exchange import enqueue_outgoing  # noqa: E402
from node.sync.vxp import file_hash, signed_request  # noqa: E402
from tests.support.servers import ServerProcess, free_port  # noqa: E402

A = ("000.00.01.H26", "UBND phường Một")
B = ("000.00.02.H26", "UBND phường Hai")
TOKEN = b"TPL-0000000-X"  # replaced by a same-length serial: every package has the same size


def template(kb: int) -> bytes:
    raw = os.urandom(kb * 1024 * 3 // 4 - 1800)  # Base64 grows it by 4/3; the header adds ~1.8 KB
    header = EdocHeader(from_=Organization(*A), to=(Organization(*B),), document_id=f"{A[0]},2026/11/24,"
                        + TOKEN.decode() + "/UBND-VP", code_number="1", code_notation="UBND-VP",
                        promulgation_place="Hà Nội", promulgation_date=date(2026, 11, 24), type=1,
                        type_detail=0, type_name="Công văn", subject="Thử tốc độ gửi lên trục")
    return build_edoc(header, [AttachmentInput("vb.pdf", "application/pdf", raw)])


def payload(tpl: bytes, side: str, n: int) -> bytes:
    serial = f"{side}-{n:07d}-X".encode()
    assert len(serial) == len(TOKEN)
    return tpl.replace(TOKEN, serial)


def document_id(side: str, n: int) -> str:
    return f"{A[0]},2026/11/24,{side}-{n:07d}-X/UBND-VP"


def raw_round(url: str, secret: str, tpl: bytes, start: int, count: int) -> float:
    clock = SystemClock()
    busy = 0.0
    with httpx.Client(timeout=30) as client:
        for n in range(start, start + count):
            data = payload(tpl, "RAW", n)
            t0 = time.perf_counter()
            query, headers = signed_request({"from": A[0], "servicetype": "eDoc", "messagetype": "edoc",
                                             "hash-file": file_hash(data)}, systemid=A[0], secret=secret,
                                            now=clock.now())
            r = client.post(url + "/sendEdoc", params=query, headers=headers,
                            files={"file_doc": ("package.edxml", data, "application/octet-stream")})
            if r.status_code != 200 or r.json().get("status") != "OK":
                raise SystemExit(f"raw send failed: {r.status_code} {r.text[:200]}")
            busy += time.perf_counter() - t0
    return busy


def queue_round(node, tpl: bytes, start: int, count: int) -> None:  # type: ignore[no-untyped-def]
    now = node.clock.now()
    packages = []
    for n in range(start, start + count):
        data = payload(tpl, "OUR", n)
        ref = node.blobs.put_bytes(data)
        packages.append(OutgoingPackage(kind=PackageKind.EDOC, blob_sha256=ref.sha256, size=ref.size,
                                        document_id=document_id("OUR", n), recipient_code=B[0]))

    def tx(db):  # type: ignore[no-untyped-def]
        for p in packages:
            enqueue_outgoing(db, p, now=now, actor="bench")

    node.db.write(tx)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packages", type=int, default=2000)
    ap.add_argument("--kb", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    per_round = args.packages // args.rounds
    tpl = template(args.kb)
    with tempfile.TemporaryDirectory(prefix="sync-drain-") as tmp:
        root = Path(tmp)
        hub_db = HubDB(root / "hub.db")
        secrets = {}
        for code, name in (A, B):
            secrets[code] = hub_db.add_agency(code, name).secret
        hub_db.close()
        write_secret_file(root / "a.secret", secrets[A[0]] + "\n")
        port = free_port()
        hub = ServerProcess([sys.executable, "-m", "node", "hub", "serve", "--db", str(root / "hub.db"),
                             "--port", str(port)], port=port, log_path=root / "hub.log", cwd=ROOT).start()
        node = open_node(config_from_dict({
            "node": {"agency_code": A[0], "agency_name": A[1], "data_dir": str(root / "a")},
            "axis": {"url": hub.url, "systemid": A[0], "secret_file": str(root / "a.secret"),
                     "directory_refresh_hours": 1e6}}))
        engine = open_sync(node)
        try:
            engine.client.probe()
            raw_busy = ours_busy = 0.0
            rss_before = peak_rss_mb()
            for r in range(args.rounds):
                start = r * per_round
                raw_busy += raw_round(hub.url, secrets[A[0]], tpl, start, per_round)
                queue_round(node, tpl, start, per_round)
                t0 = time.perf_counter()
                result = engine.relay.run_once()
                ours_busy += time.perf_counter() - t0
                if result.sent != per_round:
                    raise SystemExit(f"relay sent {result.sent} of {per_round}: {result.error}")
            total = per_round * args.rounds
            ours, raw = total / ours_busy, total / raw_busy
            st = node.exchange.status()
            assert st.queued == 0 and st.sent == total
        finally:
            engine.close()
            node.close()
            hub.stop()
    size = len(tpl)
    print(f"{total} packages of {size / 1024:.0f} KB: ours {ours:.1f} pkg/s, raw httpx {raw:.1f} pkg/s,"
          f" ratio {ours / raw:.2f} (aim ≥ 0.8); peak RSS {peak_rss_mb():.0f} MB"
          f" (before the runs {rss_before:.0f} MB)")
    write_result("sync_drain", {
        "packages": total, "package_bytes": size, "ours_pkg_per_s": round(ours, 1),
        "raw_httpx_pkg_per_s": round(raw, 1), "ratio": round(ours / raw, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1), "rss_before_runs_mb": round(rss_before, 1),
        "sha256_template": hashlib.sha256(tpl).hexdigest()[:16]})


if __name__ == "__main__":
    main()
