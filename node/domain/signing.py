"""Signatures as the office sees them: verdicts per signature, the report, and the ports.

Pure data and rules (NĐ 30 Phụ lục I; DOMAIN.md §6). The PKCS#11 / pyHanko adapter lives in
``node.signing`` and fills these in; the workflow talks to it through :class:`DocumentSigner`.
"Chờ dữ liệu thu hồi" (revocation unknown) is not "invalid": it does not fail a report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from node.domain.documents import AuditEvent, Event, Notify


class Revocation(StrEnum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


class CertValidity(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


class SignatureLevel(StrEnum):
    B_B = "PAdES-B-B"
    B_T = "PAdES-B-T"


REVOCATION_VI = {Revocation.GOOD: "chưa bị thu hồi", Revocation.REVOKED: "ĐÃ BỊ THU HỒI",
                 Revocation.UNKNOWN: "chờ dữ liệu thu hồi"}
VALIDITY_VI = {CertValidity.VALID: "còn hiệu lực", CertValidity.EXPIRED: "ĐÃ HẾT HẠN",
               CertValidity.NOT_YET_VALID: "CHƯA CÓ HIỆU LỰC"}
# Changes after a signature that keep it valid: none, or filling form fields / adding signatures.
ACCEPTED_MODIFICATIONS = frozenset({"NONE", "LTA_UPDATES", "FORM_FILLING"})


@dataclass(frozen=True)
class SignatureCheck:
    """The verdict on one signature of a PDF."""

    field_name: str
    signer: str
    signer_title: str
    issuer: str
    signing_time: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    revocation: Revocation
    cert_validity: CertValidity
    modification_level: str
    coverage: str
    timestamped: bool
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return (self.intact and self.valid and self.trusted
                and self.revocation is not Revocation.REVOKED
                and self.cert_validity is CertValidity.VALID
                and self.modification_level in ACCEPTED_MODIFICATIONS)

    def summary_vi(self) -> str:
        when = self.signing_time.isoformat(timespec="seconds") if self.signing_time else "không rõ"
        parts = [
            f"Chữ ký «{self.field_name}» của {self.signer}" + (f" ({self.signer_title})" if self.signer_title
                                                               else ""),
            f"ký lúc {when}",
            "toàn vẹn" if self.intact and self.valid else "KHÔNG TOÀN VẸN (tài liệu đã bị sửa sau khi ký)",
            "chứng thư tin cậy" if self.trusted else "CHỨNG THƯ KHÔNG ĐƯỢC TIN CẬY",
            f"chứng thư {VALIDITY_VI[self.cert_validity]}",
            REVOCATION_VI[self.revocation],
        ]
        if self.modification_level not in ACCEPTED_MODIFICATIONS:
            parts.append("CÓ THAY ĐỔI KHÔNG ĐƯỢC PHÉP SAU KHI KÝ")
        verdict = "HỢP LỆ" if self.ok else "KHÔNG HỢP LỆ"
        return f"{verdict}: " + "; ".join(parts) + "."

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field_name, "signer": self.signer, "signer_title": self.signer_title,
            "issuer": self.issuer,
            "signing_time": self.signing_time.isoformat(timespec="seconds") if self.signing_time else None,
            "intact": self.intact, "valid": self.valid, "trusted": self.trusted,
            "revocation": self.revocation.value, "certificate": self.cert_validity.value,
            "modification_level": self.modification_level, "coverage": self.coverage,
            "timestamped": self.timestamped, "ok": self.ok, "problems": list(self.problems),
            "summary": self.summary_vi(),
        }


@dataclass(frozen=True)
class VerificationReport:
    """Every signature of one PDF, in signing order."""

    signatures: tuple[SignatureCheck, ...] = field(default_factory=tuple)

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def all_ok(self) -> bool:
        return self.signed and all(s.ok for s in self.signatures)

    @property
    def revocation_pending(self) -> bool:
        return any(s.revocation is Revocation.UNKNOWN for s in self.signatures)

    def summary_vi(self) -> str:
        if not self.signed:
            return "Tài liệu không có chữ ký số."
        head = (f"Tất cả {len(self.signatures)} chữ ký hợp lệ." if self.all_ok
                else f"Có chữ ký không hợp lệ ({sum(not s.ok for s in self.signatures)}"
                     f"/{len(self.signatures)}).")
        return "\n".join([head, *(s.summary_vi() for s in self.signatures)])

    def as_dict(self) -> dict[str, Any]:
        return {"signed": self.signed, "ok": self.all_ok, "summary": self.summary_vi(),
                "signatures": [s.as_dict() for s in self.signatures]}


def choose_level(*, tsa_configured: bool, tsa_reachable: bool) -> tuple[SignatureLevel, bool]:
    """Which PAdES level to produce now, and whether to queue an upgrade to B-T for later."""
    if not tsa_configured:
        return SignatureLevel.B_B, False
    if tsa_reachable:
        return SignatureLevel.B_T, False
    return SignatureLevel.B_B, True


@dataclass(frozen=True)
class PendingTimestamp:
    id: int
    blob_sha256: str
    field_name: str
    queued_at: str
    attempts: int


class TimestampQueue(Protocol):
    """Signatures made B-B while the timestamp authority was unreachable, to upgrade later."""

    def enqueue(self, *, blob_sha256: str, field_name: str, now: datetime) -> None: ...

    def pending(self, limit: int = 100) -> list[PendingTimestamp]: ...

    def mark_done(self, item_id: int, *, new_blob_sha256: str, now: datetime) -> None: ...

    def mark_failed(self, item_id: int, *, error: str, now: datetime) -> None: ...


@dataclass(frozen=True)
class Box:
    """A rectangle on a page in PDF points, origin bottom-left; pages count from 0."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1


@dataclass(frozen=True)
class PersonalSigner:
    """Who signs personally: the key on the token and what the signature block shows."""

    user: str
    full_name: str
    key_label: str
    signature_png: str
    title: str = ""


class DocumentSigner(Protocol):
    """What the workflow asks of the signing adapter (bytes in, new bytes out; nothing stored).

    ``sign_personal`` first leaves empty số / ngày fields where page 1 has the blanks for them;
    ``fill_number_date`` fills them (a PDF without them comes back unchanged).
    """

    def sign_personal(self, pdf: bytes, who: PersonalSigner, *, pin: str | None) -> bytes: ...

    def fill_number_date(self, pdf: bytes, *, number: str, issued: date) -> bytes: ...

    def seal(self, pdf: bytes, *, pin: str | None = None, user: str = "") -> bytes: ...

    def verify(self, pdf: bytes) -> VerificationReport: ...


# -- re-checking stored reports (revocation data that came later) ---------------------------------


class RecheckOutcome(StrEnum):
    """What a stored report says, in the words of the recheck's count."""

    GOOD = "good"  # every signature valid, revocation known
    PENDING = "pending"  # valid, but some revocation still unknown ("chờ dữ liệu thu hồi")
    REVOKED = "revoked"  # a signer's certificate is on a CRL
    INVALID = "invalid"  # not valid for another reason (changed, untrusted, expired, unsigned)
    UNREADABLE = "unreadable"  # the file could not be read or parsed again: the old report stays


RECHECK_VI = {RecheckOutcome.GOOD: "hợp lệ", RecheckOutcome.PENDING: "chờ dữ liệu thu hồi",
              RecheckOutcome.REVOKED: "chứng thư đã bị thu hồi", RecheckOutcome.INVALID: "không hợp lệ",
              RecheckOutcome.UNREADABLE: "không đọc được tệp"}


def _signatures(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    sigs = report.get("signatures") or []
    return [s for s in sigs if isinstance(s, Mapping)]


def revocation_unknown(report: Mapping[str, Any]) -> bool:
    """A stored report (``VerificationReport.as_dict``) with a signature "chờ dữ liệu thu hồi"."""
    return any(s.get("revocation") == Revocation.UNKNOWN.value for s in _signatures(report))


def report_outcome(report: Mapping[str, Any]) -> RecheckOutcome:
    sigs = _signatures(report)
    if any(s.get("revocation") == Revocation.REVOKED.value for s in sigs):
        return RecheckOutcome.REVOKED
    if not report.get("ok"):
        return RecheckOutcome.INVALID
    if revocation_unknown(report):
        return RecheckOutcome.PENDING
    return RecheckOutcome.GOOD


_VERDICT_KEYS = ("field", "ok", "revocation", "certificate", "trusted", "intact", "valid",
                 "modification_level")


def _verdict(report: Mapping[str, Any]) -> tuple[Any, ...]:
    sigs = tuple(tuple(s.get(k) for k in _VERDICT_KEYS) for s in _signatures(report))
    return (bool(report.get("ok")), sigs)


@dataclass(frozen=True)
class Recheck:
    """One stored report checked again: what it said, what it says now."""

    sha256: str
    before: RecheckOutcome
    after: RecheckOutcome
    report: dict[str, Any]  # the new report (the old one when the file was unreadable)
    changed: bool

    @property
    def ok(self) -> bool:
        return bool(self.report.get("ok"))


def recheck(sha256: str, old: Mapping[str, Any], new: VerificationReport | None) -> Recheck:
    """``new`` None: the file could not be verified again (the stored report is kept as it is)."""
    before = report_outcome(old)
    if new is None:
        return Recheck(sha256, before, RecheckOutcome.UNREADABLE, dict(old), False)
    fresh = new.as_dict()
    return Recheck(sha256, before, report_outcome(fresh), fresh, _verdict(fresh) != _verdict(old))


def recheck_message(r: Recheck) -> str:
    """The history line of a report checked again."""
    if not r.changed:
        return f"Kết quả không đổi: {RECHECK_VI[r.after]}."
    return f"{RECHECK_VI[r.before].capitalize()} → {RECHECK_VI[r.after]}."


@dataclass
class RecheckSummary:
    """The count per outcome of a recheck run, how many reports changed, and the documents whose
    signer's certificate turned out revoked."""

    checked: int = 0
    changed: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in RecheckOutcome})
    revoked_documents: list[str] = field(default_factory=list)

    def add(self, r: Recheck, holders: Sequence[str] = ()) -> None:
        self.checked += 1
        self.changed += int(r.changed)
        self.outcomes[r.after.value] += 1
        if r.changed and r.after is RecheckOutcome.REVOKED:
            self.revoked_documents += [h for h in holders if h not in self.revoked_documents]

    def as_dict(self) -> dict[str, Any]:
        return {"checked": self.checked, "changed": self.changed, "outcomes": dict(self.outcomes),
                "revoked_documents": list(self.revoked_documents)}


def recheck_events(r: Recheck, holders: Sequence[str], *, actor: str, titles: Mapping[str, str] | None = None,
                   always: bool = False) -> tuple[Event, ...]:
    """The audit row of a report checked again (subject: the first document holding the file, else the
    file), written when it changed — or ``always`` (a person pressed "Kiểm tra lại chữ ký"); when a
    signer's certificate turned out revoked, văn thư is told for each document holding the file."""
    if not (r.changed or always):
        return ()
    subject = holders[0] if holders else f"blob:{r.sha256}"
    events: list[Event] = [AuditEvent("signature.recheck", subject, {
        "actor": actor, "sha256": r.sha256, "before": r.before.value, "after": r.after.value,
        "changed": r.changed, "result": recheck_message(r), "documents": list(holders)})]
    if r.changed and r.after is RecheckOutcome.REVOKED:
        events += [Notify("role:clerk", "Kiểm tra lại chữ ký số: chứng thư của người ký ĐÃ BỊ THU HỒI — "
                          + ((titles or {}).get(h) or h), h) for h in holders]
    return tuple(events)
