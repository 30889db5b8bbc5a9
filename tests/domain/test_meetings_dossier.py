"""Meetings (giấy mời, postpone/move as updates) and hồ sơ (codes, totals, close, XML)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.domain import dossier as ds
from node.domain import incoming as inc
from node.domain import meetings as mt
from node.domain.documents import BusinessDocType, Channel, OutboxPackage, SendStatus, StatusCode
from node.domain.errors import DomainError
from node.domain.outgoing import OutgoingState
from tests.domain.support import CLERK, SENDER, SPECIALIST, T0, VN, meta
from tests.domain.test_outgoing import draft, published


def test_meeting_fields_and_dashboard_list() -> None:
    start = datetime(2026, 11, 25, 14, 0, tzinfo=VN)
    m = mt.schedule("out:1", "Họp  giao ban tuần", start=start, end=start + timedelta(hours=2),
                    place="Phòng họp số 2", documents=("d" * 64,))
    assert mt.summary(m) == ("Họp giao ban tuần — Thời gian: 14 giờ 00, thứ Tư, ngày 25/11/2026;"
                             " Địa điểm: Phòng họp số 2")
    later = mt.schedule("out:2", "Hội nghị", start=start + timedelta(days=20), place="Hội trường")
    past = mt.schedule("out:3", "Họp cũ", start=start - timedelta(days=3), place="P1")
    assert [x.document_ref for x in mt.upcoming([later, past, m], now=T0)] == ["out:1"]
    with pytest.raises(DomainError) as e:
        mt.schedule("out:4", "Họp", start=start, place=" ")
    assert e.value.code == "meeting_place_missing"
    with pytest.raises(DomainError):
        mt.schedule("out:4", "Họp", start=start, end=start, place="P")


def test_postponing_a_published_invitation_is_an_update_package() -> None:
    start = datetime(2026, 11, 25, 14, 0, tzinfo=VN)
    invitation = published(draft("Giấy mời", legal_bases=(), unit="VP"))
    assert invitation.state is OutgoingState.PUBLISHED
    m = mt.schedule(invitation.ref, "Họp giao ban", start=start, end=start + timedelta(hours=1), place="P2")
    change = mt.postpone(m, "Lãnh đạo bận đột xuất", at=T0, new_start=start + timedelta(days=1))
    m2, out = mt.change_outcome(invitation, m, change, actor=CLERK, at=T0)
    assert m2.start == start + timedelta(days=1) and m2.end == m2.start + timedelta(hours=1)  # type: ignore[operator]
    assert m2.revision == 1
    pkgs = out.of_type(OutboxPackage)
    assert pkgs and {p.business_type for p in pkgs} == {BusinessDocType.UPDATE}
    assert pkgs[0].note == ("Hoãn họp sang 14 giờ 00, thứ Năm, ngày 26/11/2026."
                            " Lý do: Lãnh đạo bận đột xuất")
    assert "thứ Năm, ngày 26/11/2026" in out.doc.meta.description
    moved = mt.apply_change(m2, mt.move(m2, "Đổi phòng", at=T0, new_place="Hội trường A"))
    assert (moved.place, moved.start) == ("Hội trường A", m2.start)
    sine_die = mt.apply_change(moved, mt.postpone(moved, "Chưa xác định", at=T0))
    assert sine_die.status is mt.MeetingStatus.POSTPONED and mt.summary(sine_die).startswith("[Hoãn họp]")
    assert mt.upcoming([sine_die], now=T0) == [sine_die]
    cancelled = mt.apply_change(sine_die, mt.cancel(sine_die, "Không tổ chức", at=T0))
    assert mt.upcoming([cancelled], now=T0) == []
    with pytest.raises(DomainError):
        mt.move(cancelled, "x", at=T0, new_place="P3")


def test_incoming_update_changes_the_entry_and_answers_15() -> None:
    doc = inc.receive("in:9", meta(type_name="Giấy mời"), channel=Channel.AXIS, sender=SENDER, at=T0).doc
    newer = replace(doc.meta, description="Hoãn họp sang 14 giờ 00, thứ Năm, ngày 26/11/2026")
    out = inc.apply_update(doc, newer, at=T0, note="Hoãn họp")
    assert out.doc.meta.description.startswith("Hoãn họp")
    assert [s.code for s in out.of_type(SendStatus)] == [StatusCode.CHANGE_ACCEPTED]
    with pytest.raises(DomainError) as e:
        inc.apply_update(doc, replace(newer, code_number="99"), at=T0)
    assert e.value.code == "update_identity_mismatch"
    refused = inc.refuse_update(doc, "Không khớp văn bản đã nhận", at=T0)
    assert [s.code for s in refused.of_type(SendStatus)] == [StatusCode.CHANGE_REFUSED]


def test_file_code_parsing() -> None:
    code = ds.FileCode.parse("000.00.09.H13.2018.01TH")
    assert (code.organ_id, code.year, code.notation) == ("000.00.09.H13", 2018, "01TH")
    assert str(code) == "000.00.09.H13.2018.01TH"
    assert ds.FileCode.parse("H26.2026.01.TH").notation == "01.TH"
    for bad in ("000.00.09.H13", "2018.01TH", "000.00.09.H13.18.01TH"):
        with pytest.raises(DomainError):
            ds.FileCode.parse(bad)


@given(st.from_regex(r"[0-9A-Z]{2,4}(\.[0-9A-Z]{2,3}){0,3}", fullmatch=True).filter(
           lambda s: not any(p.isdigit() and len(p) == 4 for p in s.split("."))),
       st.integers(1990, 2099), st.from_regex(r"[0-9]{2}[A-Z]{1,5}", fullmatch=True))
def test_file_code_round_trips(organ: str, year: int, notation: str) -> None:
    code = ds.FileCode(organ, year, notation)
    assert ds.FileCode.parse(str(code)) == code


def test_dossier_totals_order_and_close() -> None:
    entry = ds.CatalogueEntry(2026, "01TH", "Hồ sơ về công tác văn thư năm 2026", "10 năm", "Văn phòng")
    d = ds.open_from_catalogue(entry, "000.00.01.H26", actor=SPECIALIST, at=T0).doc
    assert str(d.file_code) == "000.00.01.H26.2026.01TH"
    d = ds.add_document(d, ds.DossierItem("in:2", date(2026, 3, 5), 4, "12/UBND-VP", "b"), actor=SPECIALIST,
                        at=T0).doc
    d = ds.add_document(d, ds.DossierItem("out:7", date(2026, 1, 9), 2, "01/QĐ-UBND", "a"), actor=SPECIALIST,
                        at=T0).doc
    d = ds.add_document(d, ds.DossierItem("in:5", date(2026, 8, 1), 10), actor=SPECIALIST, at=T0).doc
    assert [(i.doc_ordinal, i.doc_ref) for i in d.items] == [(1, "out:7"), (2, "in:2"), (3, "in:5")]
    assert (d.doc_total, d.page_total) == (3, 16)
    assert (d.start_date, d.end_date) == (date(2026, 1, 9), date(2026, 8, 1))
    with pytest.raises(DomainError) as e:
        ds.add_document(d, ds.DossierItem("in:2", date(2026, 3, 5), 4), actor=SPECIALIST, at=T0)
    assert e.value.code == "already_filed"
    d = ds.remove_document(d, "in:2", actor=SPECIALIST, at=T0).doc
    assert [(i.doc_ordinal, i.doc_ref) for i in d.items] == [(1, "out:7"), (2, "in:5")]
    closed = ds.close(d, actor=SPECIALIST, at=T0, description="Đủ hồ sơ").doc
    assert closed.state is ds.DossierState.CLOSED
    with pytest.raises(DomainError) as e:
        ds.add_document(closed, ds.DossierItem("in:8", date(2026, 9, 1), 1), actor=SPECIALIST, at=T0)
    assert e.value.code == "dossier_closed"
    f = ds.fields(closed)
    assert list(f) == ["OrganId", "FileCatalog", "FileNotation", "Title", "Maintenance", "Rights", "Creator",
                       "Language", "StartDate", "EndDate", "DocTotal", "PageTotal", "Description"]
    assert (f["DocTotal"], f["PageTotal"]) == ("2", "12")
    assert (f["StartDate"], f["EndDate"]) == ("2026/01/09", "2026/08/01")
    root = ET.fromstring(ds.to_xml(closed))
    assert root.findtext("FileCode/OrganId") == "000.00.01.H26"
    assert root.findtext("Title") == "Hồ sơ về công tác văn thư năm 2026"
    assert [e.get("DocOrdinal") for e in root.iter("Document")] == ["1", "2"]
    entry2 = replace(entry, notation="02TH")
    empty = ds.open_from_catalogue(entry2, "000.00.01.H26", actor=SPECIALIST, at=T0).doc
    with pytest.raises(DomainError) as e:
        ds.close(empty, actor=SPECIALIST, at=T0)
    assert e.value.code == "dossier_empty"
