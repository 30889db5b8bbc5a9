"""Verify ``XroadVnpt-*`` request signatures: the hub's mirror of ``node/sync/vxp.py``.

The hub recomputes the HMAC over the received ``XroadVnpt-sign-header`` string with the secret of
the agency whose ``systemid`` it names, then checks that the signed values are exactly the query
parameters the request carries (nothing unsigned slips in), that the timestamp is fresh, and, for
uploads, that the signed ``hash-file`` is the SHA-256 of the uploaded bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone

from hub.errors import AuthRefused

PREFIX = "XroadVnpt-"
VN = timezone(timedelta(hours=7))


def parse_timestamp(value: str) -> datetime:
    """``ddMMyyyy'T'HHmmss+SSSS`` (Vietnam time) → aware datetime."""
    try:
        main, _, millis = value.partition("+")
        when = datetime.strptime(main, "%d%m%YT%H%M%S").replace(tzinfo=VN)
        return when + timedelta(milliseconds=int(millis or "0"))
    except ValueError as e:
        raise AuthRefused(f"timestamp {value!r} is not ddMMyyyy'T'HHmmss+SSSS") from e


def hmac_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def verify_request(headers: Mapping[str, str], query: Mapping[str, str], *,
                   secret_for: Callable[[str], str | None], now: datetime,
                   max_skew: timedelta, body: bytes | None = None) -> str:
    """Check the signature of one request; return the caller's systemid or raise AuthRefused."""
    sign_header = headers.get(PREFIX + "sign-header")
    sign_keys = headers.get(PREFIX + "sign-header-key")
    given = headers.get(PREFIX + "hash-header")
    if not sign_header or not sign_keys or not given:
        raise AuthRefused("missing XroadVnpt-sign-header, -sign-header-key or -hash-header")
    try:
        signed = json.loads(sign_header)
    except ValueError as e:
        raise AuthRefused("XroadVnpt-sign-header is not JSON") from e
    if not isinstance(signed, dict) or not all(isinstance(v, str) for v in signed.values()):
        raise AuthRefused("XroadVnpt-sign-header must be a JSON object of strings")
    names = sign_keys.split(";")
    if sorted(PREFIX + n for n in names) != sorted(signed):
        raise AuthRefused("XroadVnpt-sign-header-key does not list the signed headers")
    params = {n: signed[PREFIX + n] for n in names}
    systemid = str(params.get("systemid", ""))
    secret = secret_for(systemid) if systemid else None
    if secret is None:
        raise AuthRefused(f"unknown systemid {systemid!r}")
    if not hmac.compare_digest(hmac_hex(secret, sign_header), given.strip().lower()):
        raise AuthRefused("XroadVnpt-hash-header does not match (wrong secret or altered request)")
    if dict(query) != params:
        raise AuthRefused("query parameters differ from the signed parameters")
    when = parse_timestamp(params.get("timestamp", ""))
    if abs(now - when) > max_skew:
        raise AuthRefused(f"timestamp {params['timestamp']} is outside the allowed clock skew"
                          f" ({int(max_skew.total_seconds())} s)")
    if body is not None:
        expected = params.get("hash-file", "")
        if not hmac.compare_digest(expected.lower(), hashlib.sha256(body).hexdigest()):
            raise AuthRefused("hash-file is missing or is not the SHA-256 of file_doc")
    return systemid
