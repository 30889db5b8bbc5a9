"""Stored signature reports checked again (pure rules): outcome, change, audit row, notification."""

from __future__ import annotations

from dataclasses import replace

from node.domain.documents import AuditEvent, Notify
from node.domain.signing import (
    CertValidity,
    RecheckOutcome,
    RecheckSummary,
    Revocation,
    SignatureCheck,
    VerificationReport,
    recheck,
    recheck_events,
    report_outcome,
    revocation_unknown,
)
from tests.domain.support import T0

SHA = "f" * 64
CHECK = SignatureCheck(field_name="Signature1", signer="Nguyễn Văn An", signer_title="Chủ tịch", issuer="CA",
                       signing_time=T0, intact=True, valid=True, trusted=True, revocation=Revocation.UNKNOWN,
                       cert_validity=CertValidity.VALID, modification_level="NONE", coverage="ENTIRE_FILE",
                       timestamped=False)


def report(revocation: Revocation, **kw: object) -> VerificationReport:
    return VerificationReport((replace(CHECK, revocation=revocation, **kw),))  # type: ignore[arg-type]


def test_outcomes_of_stored_reports() -> None:
    assert report_outcome(report(Revocation.UNKNOWN).as_dict()) is RecheckOutcome.PENDING
    assert report_outcome(report(Revocation.GOOD).as_dict()) is RecheckOutcome.GOOD
    assert report_outcome(report(Revocation.REVOKED).as_dict()) is RecheckOutcome.REVOKED
    assert report_outcome(report(Revocation.UNKNOWN, intact=False).as_dict()) is RecheckOutcome.INVALID
    assert report_outcome(VerificationReport().as_dict()) is RecheckOutcome.INVALID  # no signature
    assert revocation_unknown(report(Revocation.UNKNOWN).as_dict())
    assert not revocation_unknown(report(Revocation.GOOD).as_dict())


def test_a_change_gets_an_audit_row_and_a_revocation_tells_the_clerk() -> None:
    old = report(Revocation.UNKNOWN).as_dict()
    good = recheck(SHA, old, report(Revocation.GOOD))
    assert good.changed and (good.before, good.after) == (RecheckOutcome.PENDING, RecheckOutcome.GOOD)
    (audit,) = recheck_events(good, ["in:4"], actor="cli")
    assert isinstance(audit, AuditEvent) and audit.action == "signature.recheck" and audit.subject == "in:4"
    assert audit.detail["result"] == "Chờ dữ liệu thu hồi → hợp lệ." and audit.detail["actor"] == "cli"

    revoked = recheck(SHA, old, report(Revocation.REVOKED))
    events = recheck_events(revoked, ["in:4", "out:2"], actor="cli", titles={"in:4": "12/SNV-VP Về việc A"})
    notes = [e for e in events if isinstance(e, Notify)]
    assert [(n.to, n.document_ref) for n in notes] == [("role:clerk", "in:4"), ("role:clerk", "out:2")]
    assert "ĐÃ BỊ THU HỒI" in notes[0].message and "12/SNV-VP Về việc A" in notes[0].message

    same = recheck(SHA, old, report(Revocation.UNKNOWN))
    assert not same.changed and recheck_events(same, ["in:4"], actor="cli") == ()
    (pressed,) = recheck_events(same, ["in:4"], actor="vanthu", always=True)  # a person's check is recorded
    assert isinstance(pressed, AuditEvent)
    assert pressed.detail["result"] == "Kết quả không đổi: chờ dữ liệu thu hồi."
    orphan = recheck_events(good, [], actor="cli")
    assert [e.subject for e in orphan if isinstance(e, AuditEvent)] == [f"blob:{SHA}"]


def test_an_unreadable_file_keeps_its_report_and_is_counted() -> None:
    old = report(Revocation.UNKNOWN).as_dict()
    r = recheck(SHA, old, None)
    assert r.after is RecheckOutcome.UNREADABLE and not r.changed and r.report == old
    summary = RecheckSummary()
    summary.add(r)
    summary.add(recheck(SHA, old, report(Revocation.REVOKED)), ["in:1"])
    assert summary.as_dict() == {"checked": 2, "changed": 1, "revoked_documents": ["in:1"], "outcomes": {
        "good": 0, "pending": 0, "revoked": 1, "invalid": 0, "unreadable": 1}}
