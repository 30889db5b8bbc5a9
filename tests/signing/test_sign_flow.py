"""Acceptance 1: sign → fill number and date → seal; both signatures intact, trusted, pdfsig-valid."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from node.domain.signing import PersonalSigner
from node.signing import forms
from node.signing.signer import Pkcs11DocumentSigner
from node.signing.softhsm import DemoToken
from tests.support.tools import require_tool

pytestmark = pytest.mark.hsm


def _full_flow(signer: Pkcs11DocumentSigner, draft: bytes, leader: PersonalSigner, pin: str) -> bytes:
    prepared = signer.prepare_number_fields(draft)
    assert {forms.NUMBER_FIELD, forms.DAY_FIELD, forms.MONTH_FIELD} <= forms.field_names(prepared)
    personal = signer.sign_personal(prepared, leader, pin=pin)
    numbered = signer.fill_number_date(personal.pdf, number="12", issued=date(2026, 3, 5))
    return signer.seal(numbered).pdf


def test_sign_number_seal(signer: Pkcs11DocumentSigner, draft_pdf: bytes, leader: PersonalSigner,
                          softhsm_token: DemoToken, tmp_path: Path, artifacts: Path) -> None:
    out = _full_flow(signer, draft_pdf, leader, softhsm_token.user_pin)

    report = signer.verify(out)
    assert report.all_ok, report.summary_vi()
    personal, agency = report.signatures
    assert (personal.field_name, personal.signer, personal.signer_title) == \
        ("ChuKyCaNhan", "Nguyễn Văn An", "Chủ tịch")
    assert personal.intact and personal.trusted and personal.modification_level == "FORM_FILLING"
    assert personal.coverage == "ENTIRE_REVISION"
    assert agency.signer == "UBND phường Kiểm Thử" and agency.coverage == "ENTIRE_FILE"
    assert agency.intact and agency.trusted and agency.modification_level == "NONE"
    assert personal.revocation.value == "unknown" and "chờ dữ liệu thu hồi" in report.summary_vi()

    pdf_path = tmp_path / "signed.pdf"
    pdf_path.write_bytes(out)
    (artifacts / "signing-flow.pdf").write_bytes(out)
    pdfsig = subprocess.run([require_tool("pdfsig"), str(pdf_path)], capture_output=True, text=True)
    assert pdfsig.stdout.count("Signature is Valid.") == 2, pdfsig.stdout

    # The visible text: number and date filled in, agency name and ISO time with +07:00.
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf_path), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "12" in text and "05" in text
    last = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(pdf_path), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "UBND phường Kiểm Thử" in last and "+07:00" in last

    # Render the signature area and page 1's header for a person to look at.
    require_tool("pdftoppm")
    subprocess.run(["pdftoppm", "-r", "110", "-png", str(pdf_path), str(tmp_path / "page")], check=True)
    page2 = Image.open(tmp_path / "page-2.png").convert("RGB")
    w, h = page2.size
    area = page2.crop((int(w * 0.3), int(h * 0.66), w, int(h * 0.92)))
    area.save(artifacts / "signing-signature-area.png")
    Image.open(tmp_path / "page-1.png").convert("RGB").crop((0, 0, w, int(h * 0.16))).save(
        artifacts / "signing-number-date.png")
    reds = sum(1 for r, g, b in area.get_flattened_data() if r > 150 and g < 90 and b < 90)
    blues = sum(1 for r, g, b in area.get_flattened_data() if b > 120 and r < 90 and g < 110)
    assert reds > 500 and blues > 200, (reds, blues)
    # the seal's pixels lie left of (and over) the signature's: its reds start further left
    red_x = min(x for x in range(area.width) for y in range(0, area.height, 3)
                if (p := area.getpixel((x, y))) and p[0] > 150 and p[1] < 90 and p[2] < 90)
    blue_x = min(x for x in range(area.width) for y in range(0, area.height, 3)
                 if (p := area.getpixel((x, y))) and p[2] > 120 and p[0] < 90 and p[1] < 110)
    assert red_x < blue_x


def test_copy_stamp_top_right(signer: Pkcs11DocumentSigner, draft_pdf: bytes, tmp_path: Path,
                              artifacts: Path) -> None:
    out = signer.stamp_copy(draft_pdf, text="SAO Y - UBND phường Kiểm Thử").pdf
    report = signer.verify(out)
    assert report.all_ok, report.summary_vi()
    (tmp_path / "copy.pdf").write_bytes(out)
    words = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(tmp_path / "copy.pdf"), "-"],
                           capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in words.splitlines() if ">SAO Y" in ln)
    x_min = float(line.split('xMin="')[1].split('"')[0])
    y_min = float(line.split('yMin="')[1].split('"')[0])
    assert x_min > 300 and y_min < 30  # top right of page 1
    subprocess.run(["pdftoppm", "-r", "110", "-f", "1", "-l", "1", "-png", str(tmp_path / "copy.pdf"),
                    str(tmp_path / "copy")], check=True)
    img = Image.open(next(tmp_path.glob("copy-*.png"))).convert("RGB")
    img.crop((img.width // 2, 0, img.width, img.height // 10)).save(artifacts / "signing-copy-stamp.png")
