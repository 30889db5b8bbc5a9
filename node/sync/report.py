"""The outage report: a "Thông báo" edoc to the supervising agency with a generated PDF.

The PDF states when the link to the axis was lost and restored, how long it lasted and how many
packages were waiting; Vietnamese text with an embedded font (fpdf2).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fpdf import FPDF

from node.domain.clock import VN_TZ, Clock
from node.domain.exchange import PRIORITY_OUTAGE_REPORT, Outage, OutgoingPackage, PackageKind
from node.edxml import AttachmentInput, EdocHeader, Organization, build_edoc

DEFAULT_FONT = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")


@dataclass(frozen=True)
class ReportParties:
    agency_code: str
    agency_name: str
    supervising_code: str
    supervising_name: str


def _when(dt: datetime | None) -> str:
    return dt.astimezone(VN_TZ).strftime("%H giờ %M ngày %d/%m/%Y") if dt else "chưa xác định"


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days} ngày"] * bool(days) + [f"{hours} giờ"] * bool(hours) + [f"{minutes} phút"]
    return " ".join(parts)


def report_subject(outage: Outage) -> str:
    return (f"Thông báo sự cố mất kết nối với Trục liên thông văn bản từ {_when(outage.started_at)}"
            f" đến {_when(outage.ended_at)}")


def report_lines(outage: Outage, parties: ReportParties) -> list[str]:
    duration = outage.duration.total_seconds() if outage.duration else 0.0
    lines = [
        f"Kính gửi: {parties.supervising_name or parties.supervising_code}.",
        "",
        f"{parties.agency_name} (mã định danh {parties.agency_code}) thông báo sự cố mất kết nối"
        " giữa hệ thống quản lý văn bản của cơ quan với Trục liên thông văn bản như sau:",
        f"- Thời điểm mất kết nối: {_when(outage.started_at)}.",
        f"- Thời điểm khôi phục kết nối: {_when(outage.ended_at)}.",
        f"- Thời gian gián đoạn: {_span(duration)}.",
        f"- Số gói tin chờ gửi khi bắt đầu sự cố: {outage.queued_at_start}.",
        f"- Số gói tin chờ gửi nhiều nhất trong thời gian sự cố: {outage.max_queued}.",
    ]
    lines += [
        "",
        "Trong thời gian sự cố, văn bản vẫn được tiếp nhận, đăng ký và xử lý trên hệ thống của cơ quan;"
        " các gói tin chờ gửi được gửi lại theo đúng thứ tự ngay khi kết nối được khôi phục.",
        f"Số hiệu sự cố trong sổ theo dõi: {outage.id}.",
    ]
    return lines


def render_pdf(outage: Outage, parties: ReportParties, *, font: Path = DEFAULT_FONT) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creator("Trạm Văn Thư")
    pdf.set_title(report_subject(outage))
    pdf.add_font("Noto", "", str(font))
    pdf.add_page()
    pdf.set_font("Noto", size=11)
    width = pdf.epw
    pdf.multi_cell(width / 2, 6, parties.agency_name.upper(), align="C", new_x="RIGHT", new_y="TOP")
    pdf.multi_cell(width / 2, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
                   align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Noto", size=14)
    pdf.multi_cell(width, 8, "THÔNG BÁO", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Noto", size=12)
    pdf.multi_cell(width, 7, "Về sự cố mất kết nối với Trục liên thông văn bản", align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Noto", size=12)
    for line in report_lines(outage, parties):
        pdf.multi_cell(width, 7, line or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def build_outage_report(outage: Outage, parties: ReportParties, clock: Clock, *,
                        font: Path = DEFAULT_FONT) -> tuple[OutgoingPackage, bytes]:
    """The report's edoc package and its outbox entry (priority ahead of the backlog)."""
    now = clock.now().astimezone(VN_TZ)
    number, notation = str(outage.id), "TB-SCKN"
    header = EdocHeader(
        from_=Organization(parties.agency_code, parties.agency_name),
        to=(Organization(parties.supervising_code, parties.supervising_name),),
        document_id=f"{parties.agency_code},{now:%Y/%m/%d},{number}/{notation}",
        code_number=number, code_notation=notation, promulgation_place="",
        promulgation_date=now.date(), type=1, type_detail=0, type_name="Thông báo",
        subject=report_subject(outage), content=" ".join(report_lines(outage, parties)[2:8]),
    )
    pdf = render_pdf(outage, parties, font=font)
    data = build_edoc(header, [AttachmentInput(f"thong-bao-su-co-{outage.id}.pdf", "application/pdf", pdf,
                                               "Thông báo sự cố mất kết nối")])
    package = OutgoingPackage(kind=PackageKind.EDOC, blob_sha256=hashlib.sha256(data).hexdigest(),
                              size=len(data), document_id=header.document_id,
                              recipient_code=parties.supervising_code, subject=header.subject,
                              priority=PRIORITY_OUTAGE_REPORT)
    return package, data
