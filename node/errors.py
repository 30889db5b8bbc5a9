"""One error family for the node.

Every error the node raises on purpose has a stable ``code`` (used in logs, JSON answers and
tests) and a ``message`` a person can act on. The web layer turns them into pages, the CLI
into one line and exit code 2. Adapters translate foreign exceptions with ``raise … from e``.

``node.domain`` and ``node.edxml`` import nothing of ours, so they keep their own bases
(:class:`node.domain.errors.DomainError`, :class:`node.edxml.errors.PackageError`) with the same
two attributes; :data:`HANDLED` lists every base the entry points catch.
"""

from __future__ import annotations

from node.domain.errors import DomainError
from node.edxml.errors import PackageError


class NodeError(Exception):
    """Base of every error the node raises on purpose."""

    code: str = "node_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigError(NodeError):
    code = "config_invalid"


class StoreError(NodeError):
    code = "store_error"


class BlobMissingError(StoreError):
    code = "blob_missing"


class BlobCorruptError(StoreError):
    code = "blob_corrupt"


class AuditChainError(StoreError):
    code = "audit_chain_broken"


class AuthError(NodeError):
    code = "auth_failed"


class AccountLockedError(AuthError):
    code = "account_locked"


class SigningError(NodeError):
    code = "signing_error"


class TokenUnavailableError(SigningError):
    """The token (or its PKCS#11 module) is missing, unplugged or failing; retry when it is back."""

    code = "token_unavailable"


class WrongPinError(SigningError):
    """The token refused the PIN; ``tries_left`` is set when the token reports it."""

    code = "wrong_pin"

    def __init__(self, message: str, *, tries_left: str | None = None) -> None:
        super().__init__(message)
        self.tries_left = tries_left


class PinLockedError(SigningError):
    code = "pin_locked"


class PinRequiredError(SigningError):
    code = "pin_required"


class KeyNotFoundError(SigningError):
    code = "key_not_found"


class CertificateNotValidError(SigningError):
    """The signer's certificate is expired or not yet valid: signing is refused (NĐ 23/2025 Đ15)."""

    code = "certificate_not_valid"


class PlacementError(SigningError):
    """Where to put a visible signature or a form field could not be found."""

    code = "placement_not_found"


class UnreadablePdfError(SigningError):
    code = "pdf_unreadable"


class ScanRejectedError(NodeError):
    code = "scan_rejected"


class AxisError(NodeError):
    code = "axis_error"


class AxisUnavailableError(AxisError):
    """Transient: network down, 5xx, 429. Retried without limit."""

    code = "axis_unavailable"


class AxisRejectedError(AxisError):
    """Permanent: the hub refused the request; retrying will not help."""

    code = "axis_rejected"


class AxisOutcomeUnknownError(AxisUnavailableError):
    """The request may have reached the hub (timeout or connection cut after sending)."""

    code = "axis_outcome_unknown"


class AxisAuthError(AxisError):
    """The hub refused our credentials (systemid/secret): fix the configuration; items wait."""

    code = "axis_auth_failed"


HANDLED: tuple[type[Exception], ...] = (NodeError, DomainError, PackageError)


def error_code(exc: BaseException) -> str:
    return str(getattr(exc, "code", "internal_error"))


class BackupError(StoreError):
    """A backup could not be written or did not verify; nothing that looks complete was left."""

    code = "backup_failed"


class BackupTargetError(BackupError):
    """A backup medium is missing, not mounted, full or read-only."""

    code = "backup_target_unavailable"


class RestoreError(StoreError):
    code = "restore_failed"


class ProvisionError(NodeError):
    """A provisioning bundle or office list is wrong or incomplete; nothing was changed."""

    code = "provision_invalid"
