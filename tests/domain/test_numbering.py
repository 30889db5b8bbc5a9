"""Numbers, notations, registers and duplicate warnings (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.domain.numbering import (
    TYPE_ABBREVIATIONS,
    DocumentKey,
    NumberingError,
    Register,
    RegisterKind,
    RegisterMismatch,
    build_notation,
    check_register,
    choose_register,
    default_registers,
    duplicate_warnings,
    format_code,
    format_number,
    numbering_year,
    parse_code,
    type_abbreviation,
)

VN = timezone(timedelta(hours=7))


def test_number_format_has_a_leading_zero_below_ten() -> None:
    assert [format_number(n) for n in (1, 5, 9, 10, 1768)] == ["01", "05", "09", "10", "1768"]
    with pytest.raises(NumberingError):
        format_number(0)


@given(st.integers(1, 10**6))
def test_number_text_round_trips(n: int) -> None:
    text = format_number(n)
    assert int(text) == n and len(text) >= 2
    num, notation = parse_code(format_code(n, "QĐ-UBND"))
    assert (int(num), notation) == (n, "QĐ-UBND")


def test_year_is_the_year_in_vietnam() -> None:
    assert numbering_year(datetime(2026, 12, 31, 23, 59, tzinfo=VN)) == 2026
    assert numbering_year(datetime(2027, 1, 1, 0, 0, tzinfo=VN)) == 2027
    assert numbering_year(datetime(2026, 12, 31, 16, 59, tzinfo=UTC)) == 2026
    assert numbering_year(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == 2027


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)))
def test_year_matches_utc_plus_seven(at: datetime) -> None:
    assert numbering_year(at) == (at + timedelta(hours=7)).year


def test_notation_building() -> None:
    assert build_notation("Quyết định", "UBND") == "QĐ-UBND"
    assert build_notation("quyết  định", "UBND") == "QĐ-UBND"
    assert build_notation("Công văn", "SVHTT", "VP") == "SVHTT-VP"
    assert format_code(1768, build_notation("Công văn", "SVHTT", "VP")) == "1768/SVHTT-VP"
    assert format_code(5, build_notation("Tờ trình", "STTTT")) == "05/TTr-STTTT"
    assert build_notation("Giấy mời", "UBND", "VP") == "GM-UBND-VP"
    assert type_abbreviation("Giấy uỷ quyền") == "GUQ"
    assert type_abbreviation("Thư công") is None
    assert len(TYPE_ABBREVIATIONS) == 30
    with pytest.raises(NumberingError) as e:
        build_notation("Công văn", "SVHTT")
    assert e.value.code == "notation_unit_missing"
    with pytest.raises(NumberingError) as e:
        build_notation("Thư tình", "UBND")
    assert e.value.code == "type_unknown"
    with pytest.raises(NumberingError):
        build_notation("Quyết định", "ub nd")


def test_choose_register_by_kind_secrecy_and_type() -> None:
    regs = default_registers()
    assert choose_register(regs, RegisterKind.OUTGOING, secret=False).code == "di"
    assert choose_register(regs, RegisterKind.OUTGOING, secret=True).code == "di-mat"
    assert choose_register(regs, RegisterKind.INCOMING, secret=True).code == "den-mat"
    with pytest.raises(RegisterMismatch) as e:
        choose_register(regs, RegisterKind.COPY, secret=True)
    assert e.value.code == "register_not_found"
    with pytest.raises(RegisterMismatch) as e:
        check_register(Register("di", RegisterKind.OUTGOING, "x"), RegisterKind.OUTGOING, secret=True)
    assert e.value.code == "secret_needs_secret_register"


class FakeIndex:
    def __init__(self) -> None:
        self.keys: dict[DocumentKey, list[str]] = {}
        self.ids: dict[str, list[str]] = {}

    def refs_with_key(self, key: DocumentKey, *, year: int | None) -> list[str]:
        return self.keys.get(key, [])

    def refs_with_document_id(self, document_id: str) -> list[str]:
        return self.ids.get(document_id, [])


def test_duplicates_are_warned_about() -> None:
    index = FakeIndex()
    index.keys[DocumentKey.of("1768", "SVHTT-VP", "000.00.01.h26")] = ["in:7"]
    index.ids["000.00.01.H26,2023/04/14,1768/SVHTT-VP"] = ["in:7"]
    key = DocumentKey.of(" 01768", "svhtt - vp", "000.00.01.H26")
    warnings = duplicate_warnings(index, key=key, document_id="000.00.01.H26,2023/04/14,1768/SVHTT-VP")
    assert [w.code for w in warnings] == ["duplicate_code", "duplicate_document_id"]
    assert all(w.existing_ref == "in:7" for w in warnings)
    assert duplicate_warnings(index, key=key, exclude_ref="in:7") == []
    assert duplicate_warnings(index, key=DocumentKey.of("1769", "SVHTT-VP", "000.00.01.H26")) == []
    assert DocumentKey.of("05", "QĐ-UBND", "x") == DocumentKey.of(5, "QĐ-UBND", "X")
