"""The reference hub over HTTP: signing, sender rules, mailboxes, dedupe, routing, hostile input."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from node.domain.clock import SystemClock
from node.edxml import Organization, ResponseFor, StatusCode, build_status
from node.errors import AxisAuthError, AxisRejectedError
from node.sync.client import VxpAxisClient
from node.sync.vxp import file_hash, signed_request
from tests.conftest import run_cli
from tests.support.edxml_hostile import hostile_packages
from tests.support.exchange import A, B, HubHandle, S, edoc

pytestmark = pytest.mark.hub


def client(hub: HubHandle, code: str, *, secret: str | None = None,
           systemid: str | None = None) -> VxpAxisClient:
    key = secret if secret is not None else hub.secrets[code].read_text().strip()
    return VxpAxisClient(hub.url, systemid or code, key, timeout=10)


def counts(hub: HubHandle) -> dict[str, Any]:
    return dict(httpx.get(hub.url + "/healthz").json())


def raw_send(hub: HubHandle, caller: str, params: dict[str, str], data: bytes) -> httpx.Response:
    secret = hub.secrets[caller].read_text().strip()
    query, headers = signed_request({**params, "hash-file": file_hash(data)}, systemid=caller, secret=secret,
                                    now=SystemClock().now())
    return httpx.post(hub.url + "/sendEdoc", params=query, headers=headers,
                      files={"file_doc": ("p.edxml", data, "application/octet-stream")})


def test_send_list_fetch_ack(hub: HubHandle) -> None:
    a, b = client(hub, A[0]), client(hub, B[0])
    _, data = edoc(A, B, 101)
    doc_id = a.send("edoc", data, sender=A[0])
    listed = [it for it in b.received("edoc") if it["docId"] == doc_id]
    assert listed and listed[0]["from"] == A[0]
    assert b.fetch(doc_id) == data
    b.ack(doc_id, "processing")
    assert any(it["docId"] == doc_id for it in b.received("edoc")), "listed until done"
    b.ack(doc_id, "done")
    assert all(it["docId"] != doc_id for it in b.received("edoc"))
    sent = a.sent(document_id=f"{A[0]},2026/03/05,101/UBND-VP")
    assert sent[0]["senderDocId"] == doc_id and sent[0]["receiveStatus"] == "done"
    with pytest.raises(AxisRejectedError, match="not_found"):
        a.fetch(doc_id)  # not A's mailbox


def test_resend_returns_the_original_docid_and_delivers_once(hub: HubHandle) -> None:
    a, b = client(hub, A[0]), client(hub, B[0])
    _, data = edoc(A, B, 102)
    first = a.send("edoc", data, sender=A[0])
    _, rebuilt = edoc(A, B, 102, payload=b"%PDF-1.4 another rendering")  # same DocumentId
    assert a.send("edoc", data, sender=A[0]) == first
    assert a.send("edoc", rebuilt, sender=A[0]) == first
    assert [it["docId"] for it in b.received("edoc")].count(first) == 1


def test_status_goes_to_the_issuer(hub: HubHandle) -> None:
    a, b = client(hub, A[0]), client(hub, B[0])
    _, data = edoc(A, B, 103)
    a.send("edoc", data, sender=A[0])
    concerned = ResponseFor(A[0], "103/UBND-VP", None, f"{A[0]},2026/03/05,103/UBND-VP")
    status = build_status(Organization(*B), concerned, StatusCode.ACCEPTED, "Đã tiếp nhận",
                          SystemClock().now())
    doc_id = b.send("status", status, sender=B[0])
    assert any(it["docId"] == doc_id for it in a.received("status"))
    assert all(it["docId"] != doc_id for it in b.received("status"))


def test_spoofing_is_refused(hub: HubHandle) -> None:
    before = counts(hub)["messages"]
    _, as_a = edoc(A, B, 104)
    b = client(hub, B[0])
    # B signs correctly but claims to be A (query `from`), or sends a package whose From is A.
    with pytest.raises(AxisRejectedError, match="sender_mismatch"):
        b.send("edoc", as_a, sender=A[0])
    with pytest.raises(AxisRejectedError, match="sender_mismatch"):
        b.send("edoc", as_a, sender=B[0])
    # Bad HMAC: A's systemid with a guessed secret; an unknown systemid; B's secret for A.
    for bad in (client(hub, A[0], secret="guess"), client(hub, A[0], systemid="999.99.99.H99"),
                client(hub, A[0], secret=hub.secrets[B[0]].read_text().strip())):
        with pytest.raises(AxisAuthError):
            bad.send("edoc", as_a, sender=A[0])
        with pytest.raises(AxisAuthError):
            bad.received("edoc")
    # A file that is not the signed one.
    secret = hub.secrets[A[0]].read_text().strip()
    query, headers = signed_request({"from": A[0], "messagetype": "edoc", "hash-file": file_hash(b"other")},
                                    systemid=A[0], secret=secret, now=SystemClock().now())
    r = httpx.post(hub.url + "/sendEdoc", params=query, headers=headers,
                   files={"file_doc": ("p.edxml", as_a, "application/octet-stream")})
    assert r.status_code == 401 and r.json()["status"] == "FAIL"
    assert counts(hub)["messages"] == before


def test_unknown_recipient_is_permanent(hub: HubHandle) -> None:
    before = counts(hub)["messages"]
    _, data = edoc(A, ("000.00.77.H26", "Không tồn tại"), 105)
    r = raw_send(hub, A[0], {"from": A[0], "messagetype": "edoc"}, data)
    assert r.status_code == 400
    body = r.json()
    assert body["status"] == "FAIL" and body["ErrorCode"] == "unknown_recipient"
    assert "000.00.77.H26" in body["ErrorDesc"]
    assert counts(hub)["messages"] == before


def test_hostile_packages_are_refused_and_the_hub_keeps_running(hub: HubHandle) -> None:
    before = counts(hub)["messages"]
    answers = {}
    for name, (data, code) in hostile_packages().items():
        r = raw_send(hub, A[0], {"from": A[0], "messagetype": "edoc"}, data)
        assert r.status_code == 400, (name, r.text)
        body = r.json()
        assert body["status"] == "FAIL" and body["ErrorCode"] == code and body["ErrorDesc"], (name, body)
        answers[name] = body["ErrorCode"]
    assert counts(hub)["messages"] == before
    assert httpx.get(hub.url + "/healthz").json()["status"] == "ok"
    _, ok = edoc(A, B, 106)
    assert client(hub, A[0]).send("edoc", ok, sender=A[0])


def test_oversized_upload_is_refused(hub: HubHandle) -> None:
    secret = hub.secrets[A[0]].read_text().strip()
    query, headers = signed_request({"from": A[0], "messagetype": "edoc", "hash-file": "0" * 64},
                                    systemid=A[0], secret=secret, now=SystemClock().now())
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    target = "/sendEdoc?" + urlencode(query)
    with socket.create_connection(("127.0.0.1", hub.port), timeout=10) as sock:
        sock.sendall(f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
                     "Content-Type: multipart/form-data; boundary=x\r\n"
                     f"Content-Length: {3 * 1024**3}\r\n\r\n--x\r\n".encode())  # a claimed 3 GB upload
        answer = sock.recv(4096).decode("latin-1")
    status = int(answer.split(" ", 2)[1])
    assert status == 413, answer
    assert httpx.get(hub.url + "/healthz").json()["status"] == "ok"


def test_messagetype_mismatch_and_bad_parameters(hub: HubHandle) -> None:
    _, data = edoc(A, B, 107)
    r = raw_send(hub, A[0], {"from": A[0], "messagetype": "status"}, data)
    assert r.status_code == 400 and r.json()["ErrorCode"] == "messagetype_mismatch"
    r = raw_send(hub, A[0], {"from": A[0], "messagetype": "fax"}, data)
    assert r.status_code == 400 and r.json()["ErrorCode"] == "bad_parameter"


def test_agencies_and_openapi(hub: HubHandle) -> None:
    rows = client(hub, B[0]).agencies()
    assert {r["code"] for r in rows} >= {A[0], B[0], S[0]}
    assert all("secret" not in json.dumps(r) for r in rows)
    schema = httpx.get(hub.url + "/schema/openapi.json").json()
    assert {"/sendEdoc", "/getReceivedEdocList", "/getEdoc", "/updateStatus", "/getSentEdocList",
            "/getAgenciesList"} <= set(schema["paths"])


def test_getedoc_is_base64(hub: HubHandle) -> None:
    a, b = client(hub, A[0]), client(hub, B[0])
    _, data = edoc(A, B, 108)
    doc_id = a.send("edoc", data, sender=A[0])
    secret = hub.secrets[B[0]].read_text().strip()
    query, headers = signed_request({"docId": doc_id}, systemid=B[0], secret=secret, now=SystemClock().now())
    r = httpx.post(hub.url + "/getEdoc", params=query, headers=headers)
    assert base64.b64decode(r.json()["data"]) == data
    b.ack(doc_id)


def test_add_agency_cli(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    out = run_cli("hub", "add-agency", "000.00.05.H26", "UBND phường Năm", "--db", str(db), check=True)
    assert "systemid=000.00.05.H26" in out.stdout and "secret=" in out.stdout
    secret_file = tmp_path / "s.secret"
    again = run_cli("hub", "add-agency", "000.00.05.H26", "UBND phường Năm", "--db", str(db),
                    "--secret-file", str(secret_file), check=True)
    assert "secret=" not in again.stdout
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert out.stdout.split("secret=")[1].strip() == secret_file.read_text().strip()  # idempotent
