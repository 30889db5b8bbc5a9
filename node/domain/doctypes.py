"""Document types of NĐ 30/2020 (Điều 7, Phụ lục III) and their abbreviations in ký hiệu."""

from __future__ import annotations

from node.domain.text import fold

# (type name, abbreviation in the ký hiệu); công văn and thư công have no abbreviation.
DOCUMENT_TYPES: tuple[tuple[str, str], ...] = (
    ("Nghị quyết", "NQ"), ("Quyết định", "QĐ"), ("Chỉ thị", "CT"), ("Quy chế", "QC"),
    ("Quy định", "QyĐ"), ("Thông cáo", "TC"), ("Thông báo", "TB"), ("Hướng dẫn", "HD"),
    ("Chương trình", "CTr"), ("Kế hoạch", "KH"), ("Phương án", "PA"), ("Đề án", "ĐA"),
    ("Dự án", "DA"), ("Báo cáo", "BC"), ("Biên bản", "BB"), ("Tờ trình", "TTr"),
    ("Hợp đồng", "HĐ"), ("Công điện", "CĐ"), ("Bản ghi nhớ", "BGN"), ("Bản thỏa thuận", "BTT"),
    ("Giấy ủy quyền", "GUQ"), ("Giấy mời", "GM"), ("Giấy giới thiệu", "GGT"),
    ("Giấy nghỉ phép", "GNP"), ("Phiếu gửi", "PG"), ("Phiếu chuyển", "PC"), ("Phiếu báo", "PB"),
    ("Bản sao y", "SY"), ("Bản trích sao", "TrS"), ("Bản sao lục", "SL"),
)
CONG_VAN = "Công văn"
THU_CONG = "Thư công"

TYPE_BY_ABBR: dict[str, str] = {abbr: name for name, abbr in DOCUMENT_TYPES}
ABBR_BY_TYPE: dict[str, str] = {name: abbr for name, abbr in DOCUMENT_TYPES}
# Folded title (as printed in capitals on the page) → type name. "Quy chế"/"Quy định" are
# printed the same way folded except for the accents, which fold removes: keep them apart.
TYPE_BY_FOLDED_TITLE: dict[str, str] = {fold(name): name for name, _ in DOCUMENT_TYPES}
TYPE_BY_FOLDED_TITLE[fold(CONG_VAN)] = CONG_VAN
TYPE_BY_FOLDED_TITLE[fold(THU_CONG)] = THU_CONG


def canonical_abbr(token: str) -> str | None:
    """The NĐ 30 abbreviation a (possibly OCR-damaged) token stands for, when unambiguous.

    "QĐ" → "QĐ", "QD" → "QĐ" (OCR lost the stroke of Đ), "HD" → "HD" (exact wins over folded).
    """
    if token in TYPE_BY_ABBR:
        return token
    matches = [abbr for abbr in TYPE_BY_ABBR if fold(abbr) == fold(token)]
    return matches[0] if len(matches) == 1 else None
