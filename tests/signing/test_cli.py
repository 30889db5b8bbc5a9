"""`vanthu pdf sign / number / verify` end to end, as district IT or a script would run them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from node.signing.softhsm import DemoToken
from tests.conftest import run_cli
from tests.signing.conftest import node_toml

pytestmark = pytest.mark.hsm


def _rect(pdf: bytes, field: str) -> list[float]:
    r = PdfFileReader(io.BytesIO(pdf), strict=False)
    for ref in r.root["/AcroForm"]["/Fields"]:
        f = ref.get_object()
        if str(f.get("/T")) == field:
            return [round(float(v)) for v in f["/Rect"]]
    raise AssertionError(field)


def test_cli_person_number_agency_verify(softhsm_token: DemoToken, draft_pdf: bytes, tmp_path: Path) -> None:
    cfg = node_toml(tmp_path, softhsm_token, softhsm_token.label)
    c = ["-c", str(cfg), "pdf"]
    (tmp_path / "draft.pdf").write_bytes(draft_pdf)
    p = run_cli(*c, "sign", str(tmp_path / "draft.pdf"), str(tmp_path / "p.pdf"), "--as", "person",
                "--pin-file", str(softhsm_token.pin_file), "--field-box", "2:330,140,480,205")
    assert p.returncode == 0, p.stderr
    assert _rect((tmp_path / "p.pdf").read_bytes(), "ChuKyCaNhan") == [330, 140, 480, 205]
    n = run_cli(*c, "number", str(tmp_path / "p.pdf"), str(tmp_path / "n.pdf"), "--number", "7",
                "--date", "2026-02-03")
    assert n.returncode == 0, n.stderr
    a = run_cli(*c, "sign", str(tmp_path / "n.pdf"), str(tmp_path / "s.pdf"), "--as", "agency")
    assert a.returncode == 0, a.stderr
    v = run_cli(*c, "verify", str(tmp_path / "s.pdf"))
    assert v.returncode == 0, v.stdout + v.stderr
    assert "Tất cả 2 chữ ký hợp lệ" in v.stdout and "Nguyễn Văn An" in v.stdout
    # numbering twice is refused, and leaves no output
    again = run_cli(*c, "number", str(tmp_path / "s.pdf"), str(tmp_path / "x.pdf"), "--number", "8",
                    "--date", "2026-02-03")
    assert again.returncode == 2 and "[number_already_filled]" in again.stderr
    assert not (tmp_path / "x.pdf").exists()
    # the agency signs only what a leader signed
    seal_first = run_cli(*c, "sign", str(tmp_path / "draft.pdf"), str(tmp_path / "y.pdf"), "--as", "agency")
    assert seal_first.returncode == 2 and "[personal_signature_missing]" in seal_first.stderr
    assert not (tmp_path / "y.pdf").exists()
