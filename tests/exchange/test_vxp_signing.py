"""The node's request signing (node/sync/vxp.py) and the hub's verifier (hub/auth.py) agree."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from hub.auth import VN, parse_timestamp, verify_request
from hub.errors import AuthRefused
from node.sync.vxp import HASH_HEADER, SIGN_HEADER, file_hash, signed_request, vxp_timestamp

NOW = datetime(2026, 3, 5, 14, 3, 27, 123000, tzinfo=VN)
SECRETS = {"000.00.01.H26": "s3cret-one", "000.00.02.H26": "s3cret-two"}


def verify(query: dict[str, str], headers: dict[str, str], *, now: datetime = NOW,
           body: bytes | None = None) -> str:
    return verify_request(headers, query, secret_for=SECRETS.get, now=now, max_skew=timedelta(minutes=15),
                          body=body)


def signed(params: dict[str, str] | None = None, *, systemid: str = "000.00.01.H26",
           secret: str | None = None) -> tuple[dict[str, str], dict[str, str]]:
    return signed_request(params or {"from": systemid, "messagetype": "edoc"}, systemid=systemid,
                          secret=secret or SECRETS[systemid], now=NOW)


def test_timestamp_is_the_sdk_format() -> None:
    assert vxp_timestamp(NOW) == "05032026T140327+0123"
    assert parse_timestamp("05032026T140327+0123") == NOW


def test_hub_accepts_what_the_node_signs() -> None:
    query, headers = signed()
    assert verify(query, headers) == "000.00.01.H26"
    sign_header = json.loads(headers[SIGN_HEADER])
    assert sign_header["XroadVnpt-systemid"] == "000.00.01.H26"
    assert headers["XroadVnpt-sign-header-key"] == "from;messagetype;systemid;timestamp"
    assert len(headers[HASH_HEADER]) == 64 and headers[HASH_HEADER] == headers[HASH_HEADER].lower()


def test_upload_hash_is_checked() -> None:
    body = b"<edXML/>"
    query, headers = signed({"from": "000.00.01.H26", "hash-file": file_hash(body)})
    assert verify(query, headers, body=body)
    with pytest.raises(AuthRefused, match="hash-file"):
        verify(query, headers, body=body + b" ")


@pytest.mark.parametrize("tamper", ["wrong_secret", "unknown_system", "changed_query", "extra_query",
                                    "changed_hash", "missing_headers", "stale", "other_agency_secret"])
def test_tampered_requests_are_refused(tamper: str) -> None:
    query, headers = signed()
    now = NOW
    if tamper == "wrong_secret":
        query, headers = signed(secret="guessed")
    elif tamper == "unknown_system":
        query, headers = signed_request({"from": "x"}, systemid="999.99.99.H99", secret="x", now=NOW)
    elif tamper == "changed_query":
        query["from"] = "000.00.02.H26"
    elif tamper == "extra_query":
        query["docId"] = "abc"
    elif tamper == "changed_hash":
        headers[HASH_HEADER] = "0" * 64
    elif tamper == "missing_headers":
        del headers[SIGN_HEADER]
    elif tamper == "stale":
        now = NOW + timedelta(hours=1)
    elif tamper == "other_agency_secret":
        query, headers = signed(systemid="000.00.01.H26", secret=SECRETS["000.00.02.H26"])
    with pytest.raises(AuthRefused):
        verify(query, headers, now=now)
