"""Acceptance 4: fields read from page 1 of rendered, noisy, slightly rotated scans (real Tesseract).

Ten first pages (the seed directives plus new ones in the same style: công văn, quyết định, kế
hoạch, thông báo, giấy mời, báo cáo, tờ trình), alternately at 300 and 200 dpi, colour JPEG with
paper tint, grain, specks, blur and a rotation of up to ±0.8°, go through the real pipeline
(img2pdf → ocrmypdf -l vie --deskew → word boxes → fields). The figure per field is printed and
written to the artifacts folder.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from node.domain.fields import ExtractedFields
from node.scanner.digitize import Digitizer, DigitizeSettings
from node.scanner.ocr import OcrSettings
from tests.support.scanpages import SPECS, render, save_scan

pytestmark = [pytest.mark.ocr, pytest.mark.slow]


def test_fields_from_scanned_first_pages(tmp_path: Path, artifacts: Path, ocr_tools: None) -> None:
    digitizer = Digitizer(DigitizeSettings(ocr=OcrSettings(jobs=1)))

    def one(i: int) -> tuple[int, int, dict[str, object]]:
        dpi = 300 if i % 2 == 0 else 200
        rotate = (-0.8, 0.5, 0.8, -0.4)[i % 4]
        page = render(SPECS[i], dpi=dpi, seed=i, rotate=rotate)
        path = save_scan(page, tmp_path / f"page-{i}.jpg", dpi=dpi)
        if i == 0:
            save_scan(page, artifacts / "scan-sample-page.jpg", dpi=dpi)
        result = digitizer.digitize(path, tmp_path / f"work-{i}")
        return i, dpi, result.parts[0].fields.values()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, range(len(SPECS))))

    per_field = {name: 0 for name in ExtractedFields.NAMES}
    misses = []
    for i, dpi, got in results:
        for name, expected in SPECS[i].expected.items():
            if got[name] == expected:
                per_field[name] += 1
            else:
                misses.append({"page": i, "dpi": dpi, "field": name, "expected": expected, "got": got[name]})
    n = len(SPECS)
    total = sum(per_field.values()) / (n * len(per_field))
    report = {"pages": n, "overall": round(total, 3),
              "per_field": {k: round(v / n, 2) for k, v in per_field.items()}, "misses": misses}
    (artifacts / "scan-accuracy.json").write_text(json.dumps(report, ensure_ascii=False, indent=2),
                                                  encoding="utf-8")
    print("\nfield accuracy:", json.dumps(report["per_field"], ensure_ascii=False),
          "overall", report["overall"])
    for m in misses:
        print("  miss:", m)
    assert total >= 0.90, report
