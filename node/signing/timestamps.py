"""RFC 3161 timestamps: an httpx client for pyHanko, and the B-B → B-T decision.

Model: pyHanko's ``sign/timestamps/requests_client.py`` — the transport is a small adapter that
turns transport errors into ``TimestampRequestError``. When no TSA is configured the node signs
PAdES B-B; when one is configured but unreachable it signs B-B and queues the document for a
later document timestamp (see :func:`node.domain.signing.choose_level`).
"""

from __future__ import annotations

import logging

import httpx
from asn1crypto import tsp
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, set_tsp_headers

log = logging.getLogger(__name__)


class HttpxTimeStamper(TimeStamper):
    """A timestamp authority over HTTP(S), called synchronously on the token's worker thread."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        super().__init__()
        self.url = url
        self.timeout = timeout

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            resp = httpx.post(self.url, content=req.dump(), headers=set_tsp_headers({}),
                              timeout=self.timeout)
        except httpx.HTTPError as e:
            raise TimestampRequestError(f"timestamp authority unreachable: {type(e).__name__}") from e
        if resp.status_code != 200 or resp.headers.get("Content-Type") != "application/timestamp-reply":
            raise TimestampRequestError(f"timestamp authority answered {resp.status_code}")
        return tsp.TimeStampResp.load(resp.content)


def is_timestamp_failure(exc: BaseException) -> bool:
    cur: BaseException | None = exc
    seen = 0
    while cur is not None and seen < 10:
        if isinstance(cur, TimestampRequestError):
            return True
        cur, seen = cur.__cause__ or cur.__context__, seen + 1
    return False
