"""Token probe for ``vanthu doctor``: is the configured token present, does the PIN work, which
certificates does it hold. Opens its own short session and closes it; never logs or shows the PIN."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pkcs11 import Attribute, ObjectClass
from pkcs11 import exceptions as p11e

from node.errors import TokenUnavailableError
from node.signing.token import TokenSession, TokenSpec, _Module


@dataclass
class TokenProbe:
    logged_in: bool
    certificates: list[tuple[str, bytes]] = field(default_factory=list)  # (label, DER)


def _certs(session: Any) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        try:
            label = str(obj[Attribute.LABEL])
        except p11e.PKCS11Error:
            label = "?"
        out.append((label, bytes(obj[Attribute.VALUE])))
    return out


def probe_token(spec: TokenSpec, pin: str | None) -> TokenProbe:
    """Log in with ``pin`` (when given) and list the certificates; raises SigningError subclasses."""
    if pin is not None:
        session = TokenSession(spec)
        try:
            return TokenProbe(True, session.run(_certs, pin=pin))
        finally:
            session.close()
    lib = _Module.get(Path(spec.module)).lib()
    try:
        kwargs: dict[str, Any] = {"token_label": spec.label} if spec.label else {
            "token_serial": spec.serial.encode()}
        token = lib.get_token(**kwargs)
        with token.open() as s:
            return TokenProbe(False, _certs(s))
    except p11e.PKCS11Error as e:
        raise TokenUnavailableError(
            f"Không tìm thấy token {spec.describe()} ({type(e).__name__}).") from e
