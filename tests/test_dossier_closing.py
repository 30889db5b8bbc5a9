"""Who closes a hồ sơ (NĐ 30/2020: the person handling the matter opens and closes it; văn thư and
lãnh đạo supervise): the person who opened it, a văn thư, a lãnh đạo — nobody else, refused by the
pure domain rule with ``dossier_not_yours``. The record keeps who opened it (``opened_by``): its
codec round trip, the default of records saved before, and the migration that fills it in from the
``dossier.open`` audit row."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlite_utils import Database as SuDatabase

from node.domain import dossier as ds
from node.domain.accounts import Role
from node.domain.clock import FixedClock
from node.domain.documents import Actor
from node.domain.errors import DomainError
from node.store.blobs import BlobStore
from node.store.codec import decode, encode
from node.store.db import Database
from node.store.documents import SqliteDocuments
from node.store.migrations import dossier_0001_opened_by
from tests.domain.support import ADMIN, CLERK, LEADER, SPECIALIST, T0

ORGAN = "000.00.01.H26"
OTHER = Actor("chuyenvien2", frozenset({Role.SPECIALIST}), "Đỗ Chuyên Viên", unit_id=3)
ENTRY = ds.CatalogueEntry(2026, "01TH", "Hồ sơ về công tác văn thư năm 2026", "10 năm", unit="Văn phòng")


def opened(by: Actor = SPECIALIST) -> ds.Dossier:
    d = ds.open_from_catalogue(ENTRY, ORGAN, actor=by, at=T0).doc
    return ds.add_document(d, ds.DossierItem("in:2", date(2026, 3, 5), 4), actor=by, at=T0).doc


def test_the_opener_a_clerk_or_a_leader_closes_nobody_else() -> None:
    d = opened(SPECIALIST)
    assert (d.opened_by, d.creator) == ("chuyenvien", "Văn phòng")  # creator: the Phụ lục VI field
    for who in (SPECIALIST, CLERK, LEADER):
        assert ds.may_close(d, who)
        assert ds.close(d, actor=who, at=T0).doc.state is ds.DossierState.CLOSED
    for who in (OTHER, ADMIN):
        assert not ds.may_close(d, who)
        with pytest.raises(DomainError) as e:
            ds.close(d, actor=who, at=T0)
        assert e.value.code == "dossier_not_yours"
        assert "người lập hồ sơ" in e.value.message and str(d.file_code) in e.value.message
    # the admin who opened one may close it (they opened it); a record without opener: văn thư, lãnh đạo
    assert ds.may_close(opened(ADMIN), ADMIN)
    legacy = ds.Dossier(d.file_code, d.title, d.maintenance, d.rights, d.creator, d.opened_at, items=d.items)
    assert [ds.may_close(legacy, w) for w in (SPECIALIST, OTHER, CLERK, LEADER)] == [False, False, True, True]
    # a closed hồ sơ takes no more documents, whoever asks
    closed = ds.close(d, actor=SPECIALIST, at=T0).doc
    for who in (SPECIALIST, CLERK, LEADER):
        with pytest.raises(DomainError) as e:
            ds.add_document(closed, ds.DossierItem("in:9", date(2026, 4, 1), 1), actor=who, at=T0)
        assert e.value.code == "dossier_closed"


def test_opened_by_round_trips_and_old_records_read_with_the_default() -> None:
    d = opened(CLERK)
    assert decode(ds.Dossier, encode(d)) == d
    assert json.loads(encode(d))["opened_by"] == "vanthu"
    old = json.loads(encode(d))
    del old["opened_by"]  # a record saved before the field existed
    assert decode(ds.Dossier, json.dumps(old)).opened_by == ""


def test_the_migration_fills_opened_by_from_the_open_audit_row(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(tmp_path / "node.db").open()
    try:
        clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=T0.tzinfo))
        docs = SqliteDocuments(db, BlobStore(tmp_path / "blobs").open(), clock)
        out = ds.open_from_catalogue(ENTRY, ORGAN, actor=SPECIALIST, at=T0)
        docs.save_dossier(out.doc, tuple(e for e in out.events if isinstance(e, ds.AuditEvent)))
        no_audit = ds.open_from_catalogue(ds.CatalogueEntry(2026, "02TH", "Không có nhật ký", "5 năm"), ORGAN,
                                          actor=CLERK, at=T0).doc
        docs.save_dossier(no_audit, ())
        # as saved before the record kept its opener
        db.write(lambda d: d.execute("UPDATE dossier SET data = json_remove(data, '$.opened_by')"))
        assert {x.opened_by for x in docs.list_dossiers()} == {""}
        db.write(lambda d: dossier_0001_opened_by(SuDatabase(d.conn)))
        got = {x.file_code.notation: x.opened_by for x in docs.list_dossiers()}
        assert got == {"01TH": "chuyenvien", "02TH": ""}
        db.write(lambda d: dossier_0001_opened_by(SuDatabase(d.conn)))  # twice: no change
        assert {x.file_code.notation: x.opened_by for x in docs.list_dossiers()} == got
    finally:
        db.close()
