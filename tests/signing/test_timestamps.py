"""PAdES B-T decision and the upgrade queue (no local TSA: an unreachable one is tested for real)."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import datetime

import pytest

from node.domain.clock import VN_TZ, FixedClock
from node.domain.signing import PersonalSigner, SignatureLevel, choose_level
from node.signing.signer import Pkcs11DocumentSigner, SignerSettings
from node.signing.softhsm import DemoToken
from node.signing.token import PinCache, TokenSession, TokenSpec
from node.store.db import Database
from node.store.signing import SqliteTimestampQueue
from tests.signing.tsa import local_tsa


def test_choose_level() -> None:
    assert choose_level(tsa_configured=False, tsa_reachable=False) == (SignatureLevel.B_B, False)
    assert choose_level(tsa_configured=True, tsa_reachable=True) == (SignatureLevel.B_T, False)
    assert choose_level(tsa_configured=True, tsa_reachable=False) == (SignatureLevel.B_B, True)


def test_queue_roundtrip(db: Database) -> None:
    q = SqliteTimestampQueue(db)
    now = datetime(2026, 3, 5, 14, 3, 27, tzinfo=VN_TZ)
    q.enqueue(blob_sha256="ab" * 32, field_name="ChuKyCaNhan", now=now)
    q.enqueue(blob_sha256="ab" * 32, field_name="ChuKyCaNhan", now=now)  # idempotent
    (item,) = q.pending()
    q.mark_failed(item.id, error="TSA down", now=now)
    assert q.pending()[0].attempts == 1
    q.mark_done(item.id, new_blob_sha256="cd" * 32, now=now)
    assert q.pending() == []


@pytest.mark.hsm
def test_unreachable_tsa_signs_bb_and_queues(softhsm_token: DemoToken, db: Database, draft_pdf: bytes,
                                             leader: PersonalSigner, clock: FixedClock) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    queue = SqliteTimestampQueue(db)
    session = TokenSession(TokenSpec(softhsm_token.module, label=softhsm_token.label))
    signer = Pkcs11DocumentSigner(
        session, SignerSettings(agency_name="UBND phường Kiểm Thử", tsa_url=f"http://127.0.0.1:{port}/tsa",
                                tsa_timeout_seconds=1.0, trust_anchors=(softhsm_token.ca_cert,)),
        clock=clock, pins=PinCache(clock, 15), timestamps=queue)
    try:
        result = signer.sign_personal(draft_pdf, leader, pin=softhsm_token.user_pin)
        # while the TSA is known to be down, later signatures do not wait for it
        later = signer.sign_personal(prepared := signer.prepare_number_fields(draft_pdf), leader, pin=None)
        assert later.level is SignatureLevel.B_B and later.timestamp_queued and prepared
    finally:
        session.close()
    assert result.level is SignatureLevel.B_B and result.timestamp_queued
    assert signer.verify(result.pdf).all_ok
    first, second = queue.pending()
    assert first.field_name == second.field_name == "ChuKyCaNhan"


@pytest.mark.hsm
def test_reachable_tsa_signs_bt_and_upgrades_queued(softhsm_token: DemoToken, db: Database,
                                                    draft_pdf: bytes, leader: PersonalSigner,
                                                    clock: FixedClock) -> None:
    queue = SqliteTimestampQueue(db)
    with local_tsa(softhsm_token.ca_cert.parent) as url:
        session = TokenSession(TokenSpec(softhsm_token.module, label=softhsm_token.label))
        settings = SignerSettings(agency_name="UBND phường Kiểm Thử", tsa_url=url,
                                  agency_pin_file=softhsm_token.pin_file,
                                  trust_anchors=(softhsm_token.ca_cert,))
        signer = Pkcs11DocumentSigner(session, settings, clock=clock, pins=PinCache(clock, 15),
                                      timestamps=queue)
        try:
            result = signer.sign_personal(draft_pdf, leader, pin=softhsm_token.user_pin)
            assert result.level is SignatureLevel.B_T and not result.timestamp_queued
            (sig,) = signer.verify(result.pdf).signatures
            assert sig.timestamped and sig.ok, sig.summary_vi()

            # a B-B signature made while the TSA was away gets a document timestamp later
            offline = Pkcs11DocumentSigner(session, replace(settings, tsa_url=""), clock=clock,
                                           pins=PinCache(clock, 15))
            bb = offline.sign_personal(draft_pdf, leader, pin=softhsm_token.user_pin).pdf
            upgraded = signer.add_document_timestamp(bb)
        finally:
            session.close()
    report = signer.verify(upgraded)
    assert report.all_ok, report.summary_vi()
    personal, stamp = report.signatures
    assert not personal.timestamped and stamp.timestamped and stamp.signer.startswith("Dấu thời gian")
    assert queue.pending() == []
