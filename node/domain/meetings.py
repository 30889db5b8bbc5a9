"""Giấy mời họp: date, time and place, the meeting papers, postponing and moving (R16).

A meeting belongs to a giấy mời (outgoing at the organiser, incoming at the invited office).
Postponing ("hoãn") or moving ("dời" — a new time or a new place) the meeting is sent as an
update (BussinessDocType 2) of the invitation: :func:`change_outcome` turns a change into the
outgoing update packages; at the receiver :func:`apply_change` changes the dashboard entry.
Seed 001 §2, seed 002 §2: meeting invitations and their documents travel electronically.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from node.domain.clock import VN_TZ
from node.domain.documents import Actor, InvalidInput, Outcome, as_aware
from node.domain.errors import DomainError
from node.domain.outgoing import OutgoingDocument, issue_update

WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


class MeetingError(DomainError):
    code = "meeting_invalid"


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    POSTPONED = "postponed"  # hoãn, no new time yet
    CANCELLED = "cancelled"


MEETING_STATUS_VI: dict[MeetingStatus, str] = {
    MeetingStatus.SCHEDULED: "Đã lên lịch",
    MeetingStatus.POSTPONED: "Hoãn họp",
    MeetingStatus.CANCELLED: "Hủy họp",
}


class ChangeKind(StrEnum):
    POSTPONE = "postpone"  # hoãn họp
    MOVE = "move"  # dời họp: new time and/or new place
    CANCEL = "cancel"


@dataclass(frozen=True)
class MeetingChange:
    kind: ChangeKind
    at: datetime
    reason: str
    old_start: datetime | None
    new_start: datetime | None
    old_place: str
    new_place: str


@dataclass(frozen=True)
class Meeting:
    document_ref: str  # the giấy mời
    title: str
    start: datetime | None
    place: str
    end: datetime | None = None
    chair: str = ""  # chủ trì
    documents: tuple[str, ...] = ()  # refs / blobs of the meeting papers
    status: MeetingStatus = MeetingStatus.SCHEDULED
    changes: tuple[MeetingChange, ...] = ()

    @property
    def revision(self) -> int:
        return len(self.changes)

    @property
    def status_label(self) -> str:
        return MEETING_STATUS_VI[self.status]


def _check_times(start: datetime | None, end: datetime | None) -> None:
    if start is not None:
        as_aware(start)
    if end is not None:
        as_aware(end)
        if start is None or end <= start:
            raise MeetingError("Giờ kết thúc phải sau giờ bắt đầu.", code="meeting_end_before_start")


def schedule(document_ref: str, title: str, *, start: datetime, place: str, end: datetime | None = None,
             chair: str = "", documents: tuple[str, ...] = ()) -> Meeting:
    _check_times(start, end)
    if not place.strip():
        raise MeetingError("Giấy mời họp phải ghi địa điểm.", code="meeting_place_missing")
    if not title.strip():
        raise MeetingError("Giấy mời họp phải ghi nội dung cuộc họp.", code="meeting_title_missing")
    return Meeting(document_ref, " ".join(title.split()), start, " ".join(place.split()), end, chair,
                   documents)


def when_text(at: datetime | None) -> str:
    """``14 giờ 00, thứ Tư, ngày 25/11/2026`` (Vietnam time)."""
    if at is None:
        return "chưa xác định"
    local = at.astimezone(VN_TZ)
    return f"{local:%H} giờ {local:%M}, {WEEKDAYS_VI[local.weekday()]}, ngày {local:%d/%m/%Y}"


def summary(m: Meeting) -> str:
    """The line that travels in the invitation's description and appears on the dashboard."""
    head = f"[{m.status_label}] " if m.status is not MeetingStatus.SCHEDULED else ""
    return f"{head}{m.title} — Thời gian: {when_text(m.start)}; Địa điểm: {m.place}"


def postpone(m: Meeting, reason: str, *, at: datetime, new_start: datetime | None = None) -> MeetingChange:
    """Hoãn họp, with or without a new time."""
    if m.status is MeetingStatus.CANCELLED:
        raise MeetingError("Cuộc họp đã hủy.", code="meeting_cancelled")
    if new_start is not None and m.start is not None and new_start <= m.start:
        raise MeetingError("Hoãn họp phải sang thời điểm sau thời điểm cũ.", code="meeting_postpone_earlier")
    return MeetingChange(ChangeKind.POSTPONE, as_aware(at), " ".join(reason.split()), m.start, new_start,
                         m.place, m.place)


def move(m: Meeting, reason: str, *, at: datetime, new_start: datetime | None = None,
         new_place: str | None = None) -> MeetingChange:
    """Dời họp: a new time, a new place, or both."""
    if m.status is MeetingStatus.CANCELLED:
        raise MeetingError("Cuộc họp đã hủy.", code="meeting_cancelled")
    if new_start is None and not (new_place and new_place.strip()):
        raise MeetingError("Dời họp cần thời gian hoặc địa điểm mới.", code="meeting_move_empty")
    if new_start is not None:
        as_aware(new_start)
    place = " ".join(new_place.split()) if new_place else m.place
    return MeetingChange(ChangeKind.MOVE, as_aware(at), " ".join(reason.split()), m.start,
                         new_start or m.start, m.place, place)


def cancel(m: Meeting, reason: str, *, at: datetime) -> MeetingChange:
    if not reason.strip():
        raise InvalidInput("Cần nêu lý do hủy họp.", code="reason_required")
    return MeetingChange(ChangeKind.CANCEL, as_aware(at), " ".join(reason.split()), m.start, None,
                         m.place, m.place)


def apply_change(m: Meeting, change: MeetingChange) -> Meeting:
    """The entry after the change (the same at the organiser and at every invited office)."""
    if change.kind is ChangeKind.CANCEL:
        return replace(m, status=MeetingStatus.CANCELLED, changes=(*m.changes, change))
    if change.kind is ChangeKind.POSTPONE and change.new_start is None:
        return replace(m, status=MeetingStatus.POSTPONED, changes=(*m.changes, change))
    duration = (m.end - m.start) if (m.end and m.start) else None
    start = change.new_start
    end = start + duration if (start is not None and duration is not None) else None
    return replace(m, start=start, end=end, place=change.new_place, status=MeetingStatus.SCHEDULED,
                   changes=(*m.changes, change))


def change_note(change: MeetingChange) -> str:
    verb = {ChangeKind.POSTPONE: "Hoãn họp", ChangeKind.MOVE: "Dời họp", ChangeKind.CANCEL: "Hủy họp"}
    parts = [verb[change.kind]]
    if change.kind is not ChangeKind.CANCEL and change.new_start != change.old_start:
        parts.append(f"sang {when_text(change.new_start)}")
    if change.new_place != change.old_place:
        parts.append(f"tại {change.new_place}")
    text = " ".join(parts)
    return f"{text}. Lý do: {change.reason}" if change.reason else text


def change_outcome(invitation: OutgoingDocument, m: Meeting, change: MeetingChange, *, actor: Actor,
                   at: datetime) -> tuple[Meeting, Outcome[OutgoingDocument]]:
    """Apply the change and send it as an update (BussinessDocType 2) of the published invitation."""
    new = apply_change(m, change)
    meta = replace(invitation.meta, description=summary(new))
    return new, issue_update(invitation, meta, change_note(change), actor=actor, at=at)


def upcoming(meetings: Iterable[Meeting], *, now: datetime,
             within: timedelta = timedelta(days=7)) -> list[Meeting]:
    """The dashboard list: scheduled or postponed meetings that have not ended, soonest first."""
    as_aware(now)
    horizon = now + within
    out = []
    for m in meetings:
        if m.status is MeetingStatus.CANCELLED:
            continue
        if m.start is None:  # postponed sine die: keep showing it
            out.append(m)
            continue
        ends = m.end or (m.start + timedelta(hours=2))
        if ends >= now and m.start <= horizon:
            out.append(m)
    far = datetime.max.replace(tzinfo=VN_TZ)
    return sorted(out, key=lambda x: (x.start or far, x.document_ref))


_SUMMARY_RE = re.compile(r"^(?:\[(?P<status>[^\]]+)\] )?(?P<title>.+?) — Thời gian: (?P<when>.+?);"
                         r" Địa điểm: (?P<place>.+)$", re.DOTALL)
_WHEN_RE = re.compile(r"(\d{1,2}) giờ (\d{2}), [^,]+, ngày (\d{1,2})/(\d{1,2})/(\d{4})")


def from_summary(document_ref: str, text: str) -> Meeting | None:
    """The meeting a received giấy mời describes (the line :func:`summary` wrote), if it has one."""
    m = _SUMMARY_RE.match(" ".join(text.split()))
    if m is None:
        return None
    by_label = {v: k for k, v in MEETING_STATUS_VI.items()}
    status = by_label.get(m.group("status") or "", MeetingStatus.SCHEDULED)
    w = _WHEN_RE.search(m.group("when"))
    start = None
    if w:
        hour, minute, day, month, year = (int(x) for x in w.groups())
        try:
            start = datetime(year, month, day, hour, minute, tzinfo=VN_TZ)
        except ValueError:
            start = None
    if start is None and status is MeetingStatus.SCHEDULED:
        return None
    return Meeting(document_ref, m.group("title").strip(), start, m.group("place").strip(), status=status)
