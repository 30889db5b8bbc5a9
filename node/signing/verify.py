"""Check every signature of a PDF against the configured trust anchors (offline).

Per signature: signer, signing time, intact, chain trusted, revocation good / revoked / unknown,
certificate validity at signing time, modification level and coverage. The node is offline, so
revocation comes from CRL files district IT drops in (``signing.crl_files``, each checked against
the trust anchors) or from the PDF's own DSS; without either the verdict is "chờ dữ liệu thu hồi"
(unknown), which is not a failure. Runs synchronously: callers on an event loop use ``asyncio.to_thread``.
"""

from __future__ import annotations

import dataclasses
import io
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509 as cx509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import load_certs_from_pemder
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext

from node.domain.signing import (
    CertValidity,
    Revocation,
    SignatureCheck,
    VerificationReport,
)
from node.errors import SigningError, UnreadablePdfError

log = logging.getLogger(__name__)


def load_trust_anchors(paths: tuple[Path, ...] | list[Path]) -> list[asn1_x509.Certificate]:
    certs: list[asn1_x509.Certificate] = []
    for p in paths:
        try:
            data = p.read_bytes()
        except OSError as e:
            raise SigningError(f"Không đọc được chứng thư tin cậy {p}: {e.strerror}",
                               code="trust_anchor_unreadable") from e
        if pem.detect(data):
            certs.extend(load_certs_from_pemder([str(p)]))
        else:
            certs.append(asn1_x509.Certificate.load(data))
    return certs


def load_crls(paths: tuple[Path, ...] | list[Path], roots: list[asn1_x509.Certificate],
              now: datetime) -> list[cx509.CertificateRevocationList]:
    """CRLs signed by one of the trust anchors and still current; others are ignored (logged)."""
    anchors = [cx509.load_der_x509_certificate(r.dump()) for r in roots]
    out: list[cx509.CertificateRevocationList] = []
    for p in paths:
        try:
            data = p.read_bytes()
            crl = (cx509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----")
                   else cx509.load_der_x509_crl(data))
        except (OSError, ValueError) as e:
            log.warning("CRL %s unreadable: %s", p, e)
            continue
        issuer = next((a for a in anchors if a.subject == crl.issuer), None)
        if issuer is None or not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
            log.warning("CRL %s is not signed by a trust anchor; ignored", p)
            continue
        if crl.next_update_utc is not None and crl.next_update_utc < now:
            log.warning("CRL %s is out of date (next update %s); ignored", p, crl.next_update_utc)
            continue
        out.append(crl)
    return out


def verify_pdf(data: bytes, trust_anchors: tuple[Path, ...] | list[Path], *,
               now: datetime | None = None, tz: str = "Asia/Ho_Chi_Minh",
               crl_files: tuple[Path, ...] | list[Path] = ()) -> VerificationReport:
    roots = load_trust_anchors(trust_anchors)
    crls = load_crls(crl_files, roots, now or datetime.now(UTC)) if crl_files else []
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = list(reader.embedded_signatures)
    except Exception as e:
        raise UnreadablePdfError(f"Không đọc được tệp PDF: {type(e).__name__}: {e}") from e
    now = now or datetime.now(UTC)
    checks = (_check(sig, roots, now, crls) for sig in sigs)
    zone = ZoneInfo(tz)
    return VerificationReport(tuple(
        dataclasses.replace(c, signing_time=c.signing_time.astimezone(zone)) if c.signing_time else c
        for c in checks))


def _check(sig: Any, roots: list[asn1_x509.Certificate], now: datetime,
           crls: list[cx509.CertificateRevocationList]) -> SignatureCheck:
    vc = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    if sig.sig_object_type == "/DocTimeStamp":
        return _check_timestamp(sig, vc, crls)
    problems: list[str] = []
    try:
        status = validate_pdf_signature(sig, signer_validation_context=vc)
    except (SignatureValidationError, ValueError, KeyError) as e:
        return _broken(sig, f"{type(e).__name__}: {e}")
    cert = status.signing_cert
    subject = cert.subject.native
    when = status.signer_reported_dt
    ts = status.timestamp_validity
    if ts is not None:
        when = ts.timestamp
    validity = _cert_validity(cert, when, now, timestamped=ts is not None)
    revocation = _crl_verdict(cert, crls)
    if status.revoked:
        revocation = Revocation.REVOKED
    elif revocation is Revocation.UNKNOWN and status.trusted and _has_revinfo(sig):
        revocation = Revocation.GOOD
    trusted = status.trusted
    if not trusted and validity is not CertValidity.VALID and status.validation_path is not None:
        trusted = True  # the chain is fine; the dates are reported separately
    if status.trust_problem_indic is not None:
        problems.append(str(status.trust_problem_indic.name))
    mod = status.modification_level.name if status.modification_level is not None else "UNKNOWN"
    cov = status.coverage.name if status.coverage is not None else "UNKNOWN"
    return SignatureCheck(
        field_name=sig.field_name, signer=str(subject.get("common_name", "")),
        signer_title=str(subject.get("title", "")), issuer=str(cert.issuer.native.get("common_name", "")),
        signing_time=when, intact=status.intact, valid=status.valid, trusted=trusted,
        revocation=revocation, cert_validity=validity, modification_level=mod, coverage=cov,
        timestamped=ts is not None, problems=tuple(problems))


def _check_timestamp(sig: Any, vc: ValidationContext,
                     crls: list[cx509.CertificateRevocationList]) -> SignatureCheck:
    """A document timestamp (the B-T upgrade of earlier B-B signatures)."""
    try:
        status = validate_pdf_timestamp(sig, validation_context=vc)
    except (SignatureValidationError, ValueError, KeyError) as e:
        return _broken(sig, f"{type(e).__name__}: {e}")
    cert = status.signing_cert
    subject = cert.subject.native
    mod = status.modification_level.name if status.modification_level is not None else "UNKNOWN"
    cov = status.coverage.name if status.coverage is not None else "UNKNOWN"
    return SignatureCheck(
        field_name=sig.field_name, signer=f"Dấu thời gian: {subject.get('common_name', '')}",
        signer_title="", issuer=str(cert.issuer.native.get("common_name", "")),
        signing_time=status.timestamp, intact=status.intact, valid=status.valid, trusted=status.trusted,
        revocation=_crl_verdict(cert, crls),
        cert_validity=_cert_validity(cert, status.timestamp, status.timestamp, timestamped=True),
        modification_level=mod, coverage=cov, timestamped=True)


def _cert_validity(cert: asn1_x509.Certificate, when: datetime | None, now: datetime, *,
                   timestamped: bool) -> CertValidity:
    nb = cert["tbs_certificate"]["validity"]["not_before"].native
    na = cert["tbs_certificate"]["validity"]["not_after"].native
    ref = when or now
    if ref < nb:
        return CertValidity.NOT_YET_VALID
    if ref > na or (not timestamped and now > na):
        return CertValidity.EXPIRED
    return CertValidity.VALID


def _crl_verdict(cert: asn1_x509.Certificate, crls: list[cx509.CertificateRevocationList]) -> Revocation:
    issuer = cx509.load_der_x509_certificate(cert.dump()).issuer
    relevant = [c for c in crls if c.issuer == issuer]
    if not relevant:
        return Revocation.UNKNOWN
    for crl in relevant:
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:  # B-B has no trusted signing time, so any listing counts
            return Revocation.REVOKED
    return Revocation.GOOD


def _has_revinfo(sig: Any) -> bool:
    try:
        dss = sig.reader.root.get("/DSS")
    except Exception:
        return False
    return dss is not None and ("/OCSPs" in dss or "/CRLs" in dss)


def _broken(sig: Any, why: str) -> SignatureCheck:
    return SignatureCheck(
        field_name=str(getattr(sig, "field_name", "?")), signer="", signer_title="", issuer="",
        signing_time=None, intact=False, valid=False, trusted=False, revocation=Revocation.UNKNOWN,
        cert_validity=CertValidity.VALID, modification_level="UNKNOWN", coverage="UNKNOWN",
        timestamped=False, problems=(why,))
