"""Register books (NĐ 30 Phụ lục IV) and the exchange report (R13; seed 002 §4, seed 004).

The system-kept register must be printable in the register layout (Điều 16.2.b, 22.3.b): these
functions give the rows, in number order, with the Phụ lục IV columns; the web layer renders
them (HTML / PDF). The monthly report counts electronic and paper documents sent and received
(e.g. 1,787 electronic of 2,321 = 77 %) and is due before the 3rd of the next month.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from node.domain.calendar import vn_date
from node.domain.documents import Channel
from node.domain.incoming import IncomingDocument, IncomingState
from node.domain.outgoing import DeliveryState, OutgoingDocument, OutgoingState


@dataclass(frozen=True)
class IncomingRegisterRow:
    """Sổ đăng ký văn bản đến (Phụ lục IV): 10 columns."""

    arrival_date: date  # Ngày đến
    arrival_number: int  # Số đến
    author: str  # Tác giả (cơ quan ban hành)
    code: str  # Số, ký hiệu văn bản
    issued_date: date | None  # Ngày tháng văn bản
    type_and_subject: str  # Tên loại và trích yếu nội dung
    receiver: str  # Đơn vị hoặc người nhận
    handed_over: date | None  # Ngày chuyển
    signature: str  # Ký nhận (left blank for the printed book)
    note: str  # Ghi chú


@dataclass(frozen=True)
class OutgoingRegisterRow:
    """Sổ đăng ký văn bản đi (Phụ lục IV): 10 columns."""

    code: str  # Số, ký hiệu văn bản
    issued_date: date | None  # Ngày tháng văn bản
    type_and_subject: str  # Tên loại và trích yếu nội dung
    signer: str  # Người ký
    recipients: str  # Nơi nhận văn bản
    archive_copy: str  # Đơn vị, người nhận bản lưu
    copies: int  # Số lượng bản
    sent: date | None  # Ngày chuyển
    signature: str  # Ký nhận
    note: str  # Ghi chú


def incoming_register(docs: Iterable[IncomingDocument], *, register_code: str,
                      year: int) -> list[IncomingRegisterRow]:
    rows = []
    for d in docs:
        if d.register_code != register_code or d.arrival_year != year or d.arrival_number is None:
            continue
        assert d.arrival_date is not None
        receiver = d.assignment.lead.name if d.assignment else d.presented_to
        handed = d.assignment.assigned_at if d.assignment else d.presented_at
        note = "Đã thu hồi theo yêu cầu của nơi gửi" if d.state is IncomingState.RECALLED else (
            "Bản giấy" if d.channel is Channel.PAPER else "")
        rows.append(IncomingRegisterRow(
            vn_date(d.arrival_date), d.arrival_number, d.meta.issuer.name or d.meta.issuer.organ_id,
            d.meta.code, d.meta.issued_date, f"{d.meta.type_name}: {d.meta.subject}", receiver,
            vn_date(handed) if handed else None, "", note))
    return sorted(rows, key=lambda r: r.arrival_number)


def outgoing_register(docs: Iterable[OutgoingDocument], *, register_code: str,
                      year: int) -> list[OutgoingRegisterRow]:
    rows = []
    numbered = {OutgoingState.NUMBERED, OutgoingState.SEALED, OutgoingState.PUBLISHED, OutgoingState.RECALLED,
                OutgoingState.REPLACED}
    for d in docs:
        if d.register_code != register_code or d.number_year != year or d.state not in numbered:
            continue
        note = {OutgoingState.RECALLED: f"Đã thu hồi: {d.recall_reason}",
                OutgoingState.REPLACED: f"Đã bị thay thế bởi {d.replaced_by}"}.get(d.state, "")
        signer = " ".join(x for x in (d.meta.signer_position, d.meta.signer_full_name) if x)
        rows.append(OutgoingRegisterRow(
            d.meta.code, d.meta.issued_date, f"{d.meta.type_name}: {d.meta.subject}", signer,
            "; ".join(r.organ.name or r.organ.organ_id for r in d.recipients), "Lưu: VT",
            len(d.recipients) + 1, vn_date(d.published_at) if d.published_at else None, "", note))
    return sorted(rows, key=_code_order)


def _code_order(row: OutgoingRegisterRow) -> tuple[int, str]:
    num = row.code.split("/")[0]
    return (int(num) if num.isdigit() else 0, row.code)


@dataclass(frozen=True)
class ExchangeReport:
    year: int
    month: int
    received_electronic: int
    received_paper: int
    sent_electronic: int
    sent_paper: int

    @staticmethod
    def _share(e: int, p: int) -> int | None:
        return round(100 * e / (e + p)) if e + p else None

    @property
    def received_share(self) -> int | None:
        """Percent of received documents that were electronic (1,787 / 2,321 → 77)."""
        return self._share(self.received_electronic, self.received_paper)

    @property
    def sent_share(self) -> int | None:
        return self._share(self.sent_electronic, self.sent_paper)

    @property
    def due(self) -> date:
        """The report goes out before the 3rd of the next month (seed 002 §4): by the 2nd."""
        y, m = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return date(y, m, 2)


def exchange_report(incoming: Iterable[IncomingDocument], outgoing: Iterable[OutgoingDocument], *, year: int,
                    month: int) -> ExchangeReport:
    """Counts by month of arrival (accepted or rejected alike) and of publication (per recipient)."""
    re_ = rp = se = sp = 0
    for d in incoming:
        day = vn_date(d.received_at)
        if (day.year, day.month) == (year, month):
            if d.channel is Channel.AXIS:
                re_ += 1
            else:
                rp += 1
    for o in outgoing:
        if o.published_at is None:
            continue
        day = vn_date(o.published_at)
        if (day.year, day.month) != (year, month):
            continue
        for dl in o.deliveries:
            if dl.state is DeliveryState.PAPER:
                sp += 1
            else:
                se += 1
    return ExchangeReport(year, month, re_, rp, se, sp)
