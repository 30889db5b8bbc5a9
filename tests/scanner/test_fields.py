"""Field extraction, reading order and folding: pure code, fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.domain.fields import extract_fields
from node.domain.layout import Word, reading_text
from node.domain.text import fold, split_glued
from tests.conftest import SHARED


def seed(prefix: str) -> str:
    (path,) = (SHARED / "seeds").glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8").replace("**", "")


def test_cong_van_from_seed_000() -> None:
    f = extract_fields(seed("000")).values()
    assert f["code_number"] == 1768 and f["code_notation"] == "SVHTT-VP"
    assert f["issued_date"] == "2023-04-14"
    assert f["issuer"] == "SỞ VĂN HÓA VÀ THỂ THAO"
    assert f["type_name"] == "Công văn"
    assert f["subject"].startswith("tăng cường, nâng cao chất lượng trao đổi")


def test_quyet_dinh_from_seed_003() -> None:
    f = extract_fields(seed("003")).values()
    assert (f["code_number"], f["code_notation"]) == (1637, "QĐ-UBND")
    assert f["issued_date"] == "2019-07-08" and f["type_name"] == "Quyết định"


@pytest.mark.parametrize(("text", "expected"), [
    ("Hà Nội, ngày 05 tháng 01 năm 2026", "2026-01-05"),
    ("Bỉm Sơn, 28/5/2019", "2019-05-28"),
    ("Đà Nẵng, ngày 14/4/2023", "2023-04-14"),
    ("Cần Thơ; ngày 08 tháng 7 năm 2019", "2019-07-08"),
])
def test_both_date_forms(text: str, expected: str) -> None:
    page = f"ỦY BAN NHÂN DÂN\nSố: 12/UBND-VP\n{text}\nV/v thử nghiệm\nKính gửi: các sở"
    assert extract_fields(page).issued_date.value == expected


def test_title_type_subject_and_ocr_damaged_notation() -> None:
    page = """ỦY BAN NHÂN DÂN                 CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH THANH HÓA                       Độc lập - Tự do - Hạnh phúc
SỞ NỘI VỤ
Số: 05/QD-SNV                 Thanh Hóa, ngày 05 tháng 01 năm 2024

QUYẾT ĐỊNH
Về việc ban hành Quy chế làm việc của Sở Nội vụ
GIÁM ĐỐC SỞ NỘI VỤ
Căn cứ Luật Tổ chức chính quyền địa phương;"""
    f = extract_fields(page)
    assert f.values() == {"code_number": 5, "code_notation": "QĐ-SNV", "issued_date": "2024-01-05",
                          "issuer": "SỞ NỘI VỤ", "type_name": "Quyết định",
                          "subject": "ban hành Quy chế làm việc của Sở Nội vụ"}
    assert f.issuer_parent.value == "ỦY BAN NHÂN DÂN TỈNH THANH HÓA"
    assert all(0 < getattr(f, n).confidence <= 1 for n in f.NAMES)


def test_nothing_found_is_none_with_zero_confidence() -> None:
    f = extract_fields("just some words without any structure")
    assert f.code_number.value is None and f.code_number.confidence == 0


def test_reading_order_splits_header_columns() -> None:
    def row(y: float, *items: tuple[float, str]) -> list[Word]:
        out = []
        for x, text in items:
            for i, word in enumerate(text.split()):
                out.append(Word(x + i * 30, y, x + i * 30 + 25, y + 14, word))
        return out
    words = (row(40, (60, "ỦY BAN NHÂN DÂN"), (300, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
             + row(58, (70, "SỞ TƯ PHÁP"), (330, "Độc lập Tự do Hạnh phúc"))
             + row(80, (60, "Số: 12/STP-VP"), (320, "Hà Nội, ngày 02 tháng 3 năm 2026"))
             + row(98, (50, "V/v phổ biến pháp luật")))
    text = reading_text(words, 595)
    lines = [ln for ln in text.splitlines() if ln]
    assert lines[:4] == ["ỦY BAN NHÂN DÂN", "SỞ TƯ PHÁP", "Số: 12/STP-VP", "V/v phổ biến pháp luật"]
    f = extract_fields(text).values()
    assert f["issuer"] == "SỞ TƯ PHÁP" and f["issued_date"] == "2026-03-02"
    assert f["subject"] == "phổ biến pháp luật"


def test_fold_and_glued_syllables() -> None:
    assert fold("Văn bản điện tử — Đà Nẵng") == "van ban dien tu — da nang"
    assert split_glued("THỊXÃ") == "THỊ XÃ" and split_glued("TRUYỀNTHÔNG") == "TRUYỀN THÔNG"
    for keep in ("UBND", "NGUYỄN", "HĐND", "KHUYẾN", "STTTT"):
        assert split_glued(keep) == keep


def test_seeds_folder_is_there() -> None:
    assert Path(SHARED / "seeds").is_dir()
