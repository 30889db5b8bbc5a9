"""VXP request signing (the ``XroadVnpt-*`` headers of the national axis SDK).

How the SDK signs every request (vn-standards §4.1): the caller's parameters plus ``systemid`` and
``timestamp`` (``ddMMyyyy'T'HHmmss+SSSS``) are sent as URL query parameters and, each, as a header
``XroadVnpt-<name>``; ``XroadVnpt-sign-header-key`` lists the names joined by ``;``;
``XroadVnpt-sign-header`` is the compact JSON object of those headers; ``XroadVnpt-hash-header`` is
the lowercase hex HMAC-SHA256 of that JSON string, keyed with the agency's secret.

The reference hub verifies with its own mirror of this code (``hub/auth.py``, the hub may import
only ``node.edxml``); ``tests/exchange/test_vxp_signing.py`` checks the two against each other.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime

HEADER_PREFIX = "XroadVnpt-"
SIGN_KEYS = "XroadVnpt-sign-header-key"
SIGN_HEADER = "XroadVnpt-sign-header"
HASH_HEADER = "XroadVnpt-hash-header"
VERSION_HEADER = "XroadVnpt-version"
SDK_VERSION = "3.0.201608"
USER_AGENT = "vanthu-node XRoad/VPCP"


def vxp_timestamp(when: datetime) -> str:
    """``ddMMyyyy'T'HHmmss+SSSS`` as the Java SDK formats it (SSSS = milliseconds, 4 digits)."""
    return when.strftime("%d%m%YT%H%M%S") + f"+{when.microsecond // 1000:04d}"


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sign_params(params: Mapping[str, str], secret: str) -> dict[str, str]:
    """The headers that sign ``params`` (which must already hold ``systemid`` and ``timestamp``)."""
    for k, v in params.items():
        if not k or ";" in k or not k.isascii() or not isinstance(v, str) or not v.isascii():
            raise ValueError(f"VXP parameter {k!r} must be an ASCII name and value")
    signed = {HEADER_PREFIX + k: v for k, v in params.items()}
    sign_header = json.dumps(signed, separators=(",", ":"), ensure_ascii=True)
    digest = hmac.new(secret.encode("utf-8"), sign_header.encode("utf-8"), hashlib.sha256).hexdigest()
    return {
        **signed,
        SIGN_KEYS: ";".join(params),
        SIGN_HEADER: sign_header,
        HASH_HEADER: digest,
        VERSION_HEADER: SDK_VERSION,
        "User-Agent": USER_AGENT,
    }


def signed_request(params: Mapping[str, str], *, systemid: str, secret: str,
                   now: datetime) -> tuple[dict[str, str], dict[str, str]]:
    """Return ``(query_params, headers)`` for one request."""
    full = {**params, "systemid": systemid, "timestamp": vxp_timestamp(now)}
    return full, sign_params(full, secret)
