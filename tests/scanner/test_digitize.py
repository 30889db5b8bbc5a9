"""The digitizing pipeline: image → PDF without re-encoding, batches, OCR retry, `vanthu scan`."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from PIL import Image

from node.domain.scanning import RejectCode
from node.errors import ScanRejectedError
from node.scanner.digitize import Digitizer, DigitizeSettings
from node.scanner.ocr import OcrSettings
from node.scanner.separator import separator_pdf
from node.scanner.skew import estimate_skew
from node.scanner.watcher import PROCESSING
from tests.conftest import run_cli
from tests.scanner.conftest import ScanEnv, wait_until
from tests.support.scanpages import SPECS, render, save_scan


def test_jpeg_becomes_pdf_without_reencoding(tmp_path: Path) -> None:
    jpg = save_scan(render(SPECS[0], dpi=200, seed=1), tmp_path / "a.jpg", dpi=200)
    pdf = Digitizer(DigitizeSettings()).image_to_pdf(jpg, tmp_path)
    assert jpg.read_bytes() in pdf, "the JPEG stream must be embedded byte for byte"
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        box = doc.pages[0].mediabox
        assert round(float(box[2]) / 72 * 200) == Image.open(jpg).width  # 100% scale at 200 dpi


def test_low_dpi_rejected_when_configured(tmp_path: Path) -> None:
    jpg = save_scan(render(SPECS[1], dpi=150, seed=2), tmp_path / "low.jpg", dpi=150)
    with pytest.raises(ScanRejectedError) as e:
        Digitizer(DigitizeSettings(reject_low_dpi=True)).digitize(jpg, tmp_path / "w")
    assert e.value.code == RejectCode.LOW_DPI.value and "150 dpi" in e.value.message


def _separator_page(dpi: int) -> Image.Image:
    doc = pypdfium2.PdfDocument(separator_pdf())
    return doc[0].render(scale=dpi / 72).to_pil().convert("RGB")


@pytest.mark.ocr
@pytest.mark.slow
def test_vanthu_scan_splits_a_batch_tiff_and_flags_low_dpi(tmp_path: Path, ocr_tools: None) -> None:
    pages = [render(SPECS[3], dpi=200, seed=3, rotate=0.3), _separator_page(200),
             render(SPECS[5], dpi=200, seed=5, rotate=-0.3)]
    batch = tmp_path / "lo-quet.tiff"
    pages[0].save(batch, format="TIFF", save_all=True, append_images=pages[1:], compression="tiff_lzw",
                  dpi=(200, 200))
    low = save_scan(render(SPECS[6], dpi=150, seed=6), tmp_path / "thap.jpg", dpi=150)
    out = tmp_path / "out"
    config = tmp_path / "node.toml"  # the node's [scanner] settings are used when there is a config
    config.write_text('[node]\nagency_code = "000.00.01.H26"\nagency_name = "UBND phường Một"\n'
                      'data_dir = "data"\n[scanner]\nocr_deskew = \"never\"\n', encoding="utf-8")
    proc = run_cli("--config", str(config), "scan", "--json", "--out", str(out), str(batch), str(low),
                   timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    first, second = report["files"]
    assert len(first["parts"]) == 2, "the separator sheet splits the batch in two documents"
    a, b = first["parts"]
    assert a["pages"] == 1 and b["pages"] == 1 and a["ocr"] and b["ocr"]
    assert a["fields"]["code_notation"]["value"] == SPECS[3].notation
    assert b["fields"]["code_notation"]["value"] == SPECS[5].notation
    assert [w["code"] for w in second["parts"][0]["warnings"]] == ["low_dpi"]
    for part in (a, b):
        with pikepdf.open(part["pdf"]) as pdf, pdf.open_metadata() as meta:
            assert meta.pdfa_status == "2B"
    assert (out / "lo-quet-1.txt").read_text(encoding="utf-8").strip()


@pytest.mark.ocr
def test_ocr_timeout_is_retried_never_rejected(scan_env: ScanEnv, tmp_path: Path, ocr_tools: None) -> None:
    watcher = scan_env.watcher(stable=1.0, ocr_timeout=0.3, retry_base_seconds=5.0)
    save_scan(render(SPECS[4], dpi=200, seed=4), scan_env.hot / "cham.jpg", dpi=200)
    assert wait_until(lambda: watcher.stats.retries >= 1, clock=scan_env.clock, advance=0.5, timeout=60)
    assert scan_env.rejected() == [] and [p.name for p in scan_env.sub(PROCESSING)] == ["cham.jpg"]
    assert "ocr_timeout" in watcher.stats.last_error
    # OCR becomes fast enough again (an operator raised the limit): the retry goes through.
    watcher.digitizer = Digitizer(DigitizeSettings(ocr=OcrSettings(jobs=1)))
    scan_env.clock.advance(timedelta(seconds=600))
    assert wait_until(lambda: len(scan_env.done()) == 1, timeout=120)
    assert scan_env.rejected() == [] and scan_env.file_count() == 1
    (f,) = scan_env.store.files()
    (scan,) = scan_env.store.scans_of(f.id)
    assert scan.ocr and not scan.pdf_is_original and scan.fields["code_notation"]["value"] == "KH-STTTT"


@pytest.mark.parametrize("angle", [0.0, 0.6, -1.5, 2.5])
def test_skew_estimate_decides_deskew(angle: float) -> None:
    page = render(SPECS[2], dpi=100, seed=7, rotate=angle, noise=0)
    measured = estimate_skew(page)
    assert abs(measured - angle) <= 0.2, (angle, measured)
    assert OcrSettings().wants_deskew(measured) == (abs(angle) > 1.0)
    assert OcrSettings(deskew="always").wants_deskew(0.0) and not OcrSettings(deskew="never").wants_deskew(9)
