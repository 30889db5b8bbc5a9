"""edXML parse: peak memory and time for a ~100 MB package (one big attachment), ours vs raw lxml.

Builds the package on disk with ``node.edxml.write_edoc`` (streamed), then in two fresh
subprocesses measures (a) ``node.edxml.parse_package`` — streaming parse, Base64 decode, SHA-256,
spooled to a temp file — and (b) a raw ``lxml.etree.parse`` of the same file (``huge_tree=True``,
since the hardened default refuses a 100 MB text node). Peak memory is the rise of VmHWM above the
baseline after imports. Aim: ours ≤ 1.5 × the package size.

    python benchmarks/edxml_parse.py [--size-mb 100] [--keep]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import write_result  # noqa: E402
from node.edxml import AttachmentSource, EdocHeader, Organization, write_edoc  # noqa: E402

HEADER = EdocHeader(from_=Organization("000.00.01.H26", "UBND phường Một"),
                    to=(Organization("000.00.02.H26", "UBND phường Hai"),),
                    document_id="000.00.01.H26,2026/11/24,99/BC-UBND", code_number="99",
                    code_notation="BC-UBND",
                    promulgation_place="Hà Nội", promulgation_date=None, type=1, type_detail=0,
                    type_name="Báo cáo", subject="Báo cáo tổng hợp kèm bản quét lớn")

_MEASURE = """
import json, sys, time
def hwm():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")
mode, path = sys.argv[1], sys.argv[2]
if mode == "ours":
    from node.edxml import Limits, parse_package
    big = 1 << 40
    limits = Limits(max_package_bytes=big, max_attachment_bytes=big, max_total_attachment_bytes=big)
else:
    from lxml import etree
base = hwm()
t0 = time.perf_counter()
if mode == "ours":
    pkg = parse_package(path, limits=limits)
    info = {"attachments": [(a.size, a.sha256) for a in pkg.attachments]}
else:
    tree = etree.parse(path, etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True))
    info = {"elements": sum(1 for _ in tree.iter())}
elapsed = time.perf_counter() - t0
print(json.dumps({"peak_above_baseline": hwm() - base, "seconds": elapsed, **info}))
"""


class _RandomStream(io.RawIOBase):
    """``size`` random bytes produced in pieces (the builder never holds the attachment whole)."""

    def __init__(self, size: int) -> None:
        self._left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._left)
        buffer[:n] = os.urandom(n)
        self._left -= n
        return n


def build(path: Path, size_mb: float) -> int:
    attachment = int(size_mb * 1024 * 1024 * 3 / 4)  # Base64 makes it 4/3 larger
    with path.open("wb") as out:
        write_edoc(out, HEADER, [AttachmentSource("bao-cao-lon.pdf", "application/pdf",
                                                    io.BufferedReader(_RandomStream(attachment), 1 << 20))])
    return path.stat().st_size


def measure(mode: str, path: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", _MEASURE, mode, str(path)], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{mode} parse failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=float, default=100.0, help="package size in MiB (default 100)")
    ap.add_argument("--keep", action="store_true", help="keep the built package")
    args, _ = ap.parse_known_args(argv)  # `python -m benchmarks edxml_parse` leaves its own argv
    with tempfile.TemporaryDirectory(prefix="edxml-bench-") as tmp:
        path = Path(tmp) / "big.edxml"
        size = build(path, args.size_mb)
        ours = measure("ours", path)
        raw = measure("raw", path)
        if args.keep:
            kept = ROOT / "benchmarks" / "results" / "edxml_parse.edxml"
            kept.parent.mkdir(parents=True, exist_ok=True)
            path.replace(kept)
    mb = 1024 * 1024
    figures = {
        "package_mb": round(size / mb, 1),
        "attachment_mb": round(sum(a[0] for a in ours["attachments"]) / mb, 1),
        "ours_peak_mb": round(ours["peak_above_baseline"] / mb, 1),
        "ours_peak_vs_package": round(ours["peak_above_baseline"] / size, 3),
        "ours_seconds": round(ours["seconds"], 2),
        "raw_lxml_peak_mb": round(raw["peak_above_baseline"] / mb, 1),
        "raw_lxml_seconds": round(raw["seconds"], 2),
        "peak_ratio_ours_to_raw": round(ours["peak_above_baseline"] / max(raw["peak_above_baseline"], 1), 3),
        "time_ratio_ours_to_raw": round(ours["seconds"] / max(raw["seconds"], 1e-9), 2),
        "aim_peak_vs_package": 1.5,
    }
    print(f"package {figures['package_mb']} MB: ours {figures['ours_peak_mb']} MB peak above baseline "
          f"({figures['ours_peak_vs_package']}× the package) in {figures['ours_seconds']} s; raw lxml "
          f"{figures['raw_lxml_peak_mb']} MB in {figures['raw_lxml_seconds']} s "
          f"(peak ratio {figures['peak_ratio_ours_to_raw']}, time ratio {figures['time_ratio_ours_to_raw']})")
    write_result("edxml_parse", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
