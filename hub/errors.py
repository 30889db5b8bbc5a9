"""The hub's own errors: each becomes a VXP answer ``{status: FAIL, ErrorCode, ErrorDesc}``.

``http_status`` tells the client how to classify it: 4xx answers are permanent (retrying the same
request will not help), 401 means the credentials are wrong, 5xx/429 are transient.
"""

from __future__ import annotations


class HubError(Exception):
    code: str = "hub_error"
    http_status: int = 400

    def __init__(self, message: str, *, code: str | None = None, http_status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if http_status is not None:
            self.http_status = http_status

    def __str__(self) -> str:
        return self.message


class AuthRefused(HubError):
    """Unknown systemid, bad or missing HMAC, stale timestamp: the request is refused."""

    code = "auth_failed"
    http_status = 401


class SenderMismatch(HubError):
    """The package claims to come from another agency than the caller's registered code."""

    code = "sender_mismatch"
    http_status = 403


class BadRequest(HubError):
    code = "bad_request"
    http_status = 400


class UnknownRecipient(HubError):
    code = "unknown_recipient"
    http_status = 400


class NotFound(HubError):
    code = "not_found"
    http_status = 404


class PackageRefused(HubError):
    """The package cannot be understood (``code`` is the edXML PackageError code)."""

    http_status = 400
