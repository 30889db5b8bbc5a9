"""``VxpAxisClient``: the axis API over httpx, every request signed (``node.sync.vxp``).

Failures become the node's axis errors, classified for the relay:

* ``AxisUnavailableError``: transient, nothing reached the hub (connection refused, 429, …);
* ``AxisOutcomeUnknownError``: transient, but the hub may have acted (timeout or connection cut
  after the request was written, a 5xx from a gateway) — a send is reconciled before any re-send;
* ``AxisRejectedError``: permanent, with the hub's ``ErrorCode`` and ``ErrorDesc``;
* ``AxisAuthError``: the hub refused our systemid/secret.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from node.domain.clock import Clock, SystemClock
from node.errors import (
    AxisAuthError,
    AxisError,
    AxisOutcomeUnknownError,
    AxisRejectedError,
    AxisUnavailableError,
)
from node.sync.vxp import file_hash, signed_request

log = logging.getLogger(__name__)

NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@dataclass
class LinkObserver:
    """Told about every exchange, so link state follows real traffic."""

    ok: Callable[[], None] = lambda: None
    failed: Callable[[AxisError], None] = lambda e: None


class VxpAxisClient:
    def __init__(self, url: str, systemid: str, secret: str, *, timeout: float = 30.0,
                 wall_clock: Clock | None = None, observer: LinkObserver | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        if not url:
            raise AxisAuthError("axis.url is not configured", code="axis_not_configured")
        self.url = url.rstrip("/")
        self.systemid = systemid
        self._secret = secret
        self.wall_clock = wall_clock or SystemClock()
        self.observer = observer or LinkObserver()
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport,
                                  limits=httpx.Limits(max_keepalive_connections=2))

    def __repr__(self) -> str:  # never show the secret
        return f"VxpAxisClient({self.url!r}, systemid={self.systemid!r})"

    def close(self) -> None:
        self._http.close()

    # -- the API -------------------------------------------------------------------------------
    def send(self, messagetype: str, data: bytes, *, sender: str) -> str:
        """``/sendEdoc``: returns the axis DocId."""
        params = {"from": sender, "servicetype": "eDoc", "messagetype": messagetype,
                  "hash-file": file_hash(data)}
        answer = self._call("/sendEdoc", params,
                            files={"file_doc": ("package.edxml", data, "application/octet-stream")})
        doc_id = str(answer.get("DocId") or "")
        if not doc_id:
            raise AxisOutcomeUnknownError("the axis answered OK without a DocId")
        return doc_id

    def received(self, messagetype: str, *, limit: int = 500) -> list[dict[str, Any]]:
        answer = self._call("/getReceivedEdocList", {"servicetype": "eDoc", "messagetype": messagetype,
                                                     "limit": str(limit)})
        return list(answer.get("data") or [])

    def fetch(self, doc_id: str) -> bytes:
        answer = self._call("/getEdoc", {"docId": doc_id})
        try:
            return base64.b64decode(str(answer.get("data") or ""), validate=True)
        except (binascii.Error, ValueError) as e:
            raise AxisOutcomeUnknownError(f"getEdoc {doc_id}: the answer is not Base64") from e

    def ack(self, doc_id: str, status: str = "done") -> None:
        self._call("/updateStatus", {"docId": doc_id, "status": status})

    def sent(self, *, document_id: str = "", to_code: str = "", messagetype: str = "",
             doc_id: str = "", limit: int = 50) -> list[dict[str, Any]]:
        params = {k: v for k, v in (("documentId", document_id), ("toCode", to_code),
                                    ("messagetype", messagetype), ("docId", doc_id)) if v}
        answer = self._call("/getSentEdocList", {**params, "limit": str(limit)})
        return list(answer.get("data") or [])

    def agencies(self) -> list[dict[str, Any]]:
        return list(self._call("/getAgenciesList", {}).get("data") or [])

    def probe(self) -> None:
        """A light request that proves the link and our credentials."""
        self._call("/getReceivedEdocList", {"servicetype": "eDoc", "messagetype": "status", "limit": "1"})

    # -- transport -----------------------------------------------------------------------------
    def _call(self, path: str, params: dict[str, str], *,
              files: dict[str, tuple[str, bytes, str]] | None = None) -> dict[str, Any]:
        try:
            answer = self._request(path, params, files)
        except (AxisUnavailableError, AxisAuthError) as e:
            self.observer.failed(e)
            raise
        self.observer.ok()
        return answer

    def _request(self, path: str, params: dict[str, str],
                 files: dict[str, tuple[str, bytes, str]] | None) -> dict[str, Any]:
        query, headers = signed_request(params, systemid=self.systemid, secret=self._secret,
                                        now=self.wall_clock.now())
        try:
            r = self._http.post(self.url + path, params=query, headers=headers, files=files)
        except NOT_SENT as e:
            raise AxisUnavailableError(f"{path}: axis unreachable ({type(e).__name__}: {e})") from e
        except httpx.TransportError as e:
            raise AxisOutcomeUnknownError(f"{path}: no answer ({type(e).__name__}: {e})") from e
        if r.status_code == 429:
            raise AxisUnavailableError(f"{path}: axis busy (429)")
        if r.status_code >= 500:
            raise AxisOutcomeUnknownError(f"{path}: axis error {r.status_code}")
        try:
            body = r.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if r.status_code >= 400:
                raise AxisRejectedError(f"{path}: HTTP {r.status_code}: {r.text[:200]}")
            raise AxisOutcomeUnknownError(f"{path}: the answer is not JSON (HTTP {r.status_code})")
        if r.status_code == 401:
            raise AxisAuthError(f"{path}: {body.get('ErrorDesc') or 'credentials refused'}")
        if r.status_code >= 400 or str(body.get("status", "OK")).upper() != "OK":
            code = str(body.get("ErrorCode") or r.status_code)
            desc = str(body.get("ErrorDesc") or body.get("detail") or "refused")
            raise AxisRejectedError(f"{desc} [{code}]", code="axis_rejected")
        return body
