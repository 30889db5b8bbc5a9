"""A replacement (BussinessDocType 3) taken in by the store: the old văn bản đến marked in the same
transaction; a replacement that comes first, or names a document never received, is only a new one."""

from __future__ import annotations

from datetime import datetime

from node.domain.clock import VN_TZ, FixedClock
from node.domain.documents import DocumentMetadata, Organ
from node.domain.incoming import IncomingState
from node.domain.office import Office
from node.office.wiring import BlobAdapter
from node.store.blobs import BlobStore
from node.store.db import Database
from node.store.documents import SqliteDocuments
from node.store.registers import SqliteRegisters

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=VN_TZ)
SENDER = Organ("000.00.09.H13", "Sở Nội vụ")
OTHER = Organ("000.00.07.H13", "Sở Tài chính")
OLD_ID, NEW_ID = "000.00.09.H13,2026/11/20,15/SNV-VP", "000.00.09.H13,2026/11/25,17/SNV-VP"


def _office(db: Database, blobs: BlobStore) -> tuple[Office, SqliteDocuments]:
    clock = FixedClock(T0)
    docs = SqliteDocuments(db, blobs, clock)
    return Office(clock=clock, docs=docs, blobs=BlobAdapter(blobs), registers=SqliteRegisters(db),
                  agency=Organ("000.00.01.H26", "UBND phường Một"), agency_abbr="UBND"), docs


def _meta(document_id: str, number: str, subject: str) -> DocumentMetadata:
    return DocumentMetadata(type_name="Công văn", subject=subject, issuer=SENDER, code_number=number,
                            code_notation="SNV-VP", document_id=document_id)


def _arrive(office: Office, blobs: BlobStore, document_id: str, number: str, subject: str, *,
            sender: Organ = SENDER, replaces: tuple[str, ...] = ()) -> str:
    sha = blobs.put_bytes(f"%PDF-1.7 {subject}".encode()).sha256
    return office.receive_electronic(_meta(document_id, number, subject), sender, (sha,), inbox_id=None,
                                     text="", integrity_ok=True, replaces=replaces).ref


def _audit_count(db: Database) -> int:
    return int(db.query_one("SELECT count(*) FROM audit")[0])


def test_the_old_one_is_marked_in_the_same_transaction(db: Database, blobs: BlobStore) -> None:
    office, docs = _office(db, blobs)
    old = _arrive(office, blobs, OLD_ID, "15", "Về việc lịch trực")
    # another sender's document with the same DocumentId is not touched
    stranger = _arrive(office, blobs, OLD_ID, "15", "Của nơi khác", sender=OTHER)
    before = _audit_count(db)
    new = _arrive(office, blobs, NEW_ID, "17", "Về việc lịch trực (thay thế)", replaces=(OLD_ID,))
    # the new one's receipt and link, the old one's single "replaced" row: all in one commit
    assert _audit_count(db) == before + 3
    gone = docs.incoming.require(old)
    assert gone.state is IncomingState.REPLACED and gone.replaced_by == new
    assert docs.incoming.require(new).replaces == (old,)
    assert docs.incoming.require(stranger).state is IncomingState.RECEIVED
    row = db.query_one("SELECT state FROM doc_in WHERE ref = ?", (old,))
    assert row is not None and row["state"] == "replaced"  # the list column follows: out of the queues
    assert [r["action"] for r in docs.history(old)] == ["incoming.receive", "incoming.replaced"]
    assert blobs.exists(gone.blobs[0])


def test_a_replacement_that_comes_first_is_a_new_document_with_a_note(db: Database, blobs: BlobStore) -> None:
    office, docs = _office(db, blobs)
    new = _arrive(office, blobs, NEW_ID, "17", "Thay thế, đến trước", replaces=(OLD_ID,))
    doc = docs.incoming.require(new)
    assert doc.state is IncomingState.RECEIVED and doc.replaces == ()
    assert doc.replaces_document_ids == (OLD_ID,)
    history = docs.history(new)
    assert [r["action"] for r in history] == ["incoming.receive", "incoming.replace_unmatched"]
    assert OLD_ID in history[-1]["detail"]
    # a replacement naming nothing we hold: an ordinary văn bản đến
    other = _arrive(office, blobs, "000.00.09.H13,2026/11/26,18/SNV-VP", "18", "Không rõ",
                    replaces=("000.00.09.H13,2025/01/01,1/SNV-VP",))
    assert docs.incoming.require(other).state is IncomingState.RECEIVED

    # the old one arriving afterwards is "Đã bị thay thế" from the start, linked both ways
    before = int(db.query_one("SELECT count(*) FROM audit")[0])
    old = _arrive(office, blobs, OLD_ID, "15", "Văn bản cũ, đến sau")
    late = docs.incoming.require(old)
    assert late.state is IncomingState.REPLACED and late.replaced_by == new
    assert docs.incoming.require(new).replaces == (old,)
    assert [r["action"] for r in docs.history(old)] == ["incoming.receive", "incoming.replaced"]
    assert [r["action"] for r in docs.history(new)][-1] == "incoming.replaces"
    assert int(db.query_one("SELECT count(*) FROM audit")[0]) == before + 3  # one transaction
    # the same document id from another sender is not the one replaced
    stranger = _arrive(office, blobs, OLD_ID, "15", "Của nơi khác", sender=OTHER)
    assert docs.incoming.require(stranger).state is IncomingState.RECEIVED

    # a second replacement of it: the first link stays, the new one notes why it did not mark it
    third = _arrive(office, blobs, "000.00.09.H13,2026/11/28,20/SNV-VP", "20", "Thay thế lần hai",
                    replaces=(OLD_ID, OLD_ID))
    assert docs.incoming.require(old).replaced_by == new and docs.incoming.require(third).replaces == ()
    assert [r["action"] for r in docs.history(third)][-1] == "incoming.replace_skipped"
    assert docs.incoming.require(old).replaced_at == T0
