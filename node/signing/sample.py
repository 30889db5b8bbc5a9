"""Draft documents laid out like a Vietnamese administrative document (NĐ 30 Phụ lục I).

Used by ``vanthu init --demo``, the tests and the benchmarks: Quốc hiệu and Tiêu ngữ, the issuer,
"Số: …/QĐ-UBND" and "<place>, ngày … tháng … năm …" left blank for the clerk, the title, the body,
and the signer block (authority line, position title, room for the signature, full name).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

NOTO = Path("/usr/share/fonts/truetype/noto")
BODY = ("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; căn cứ Nghị định số "
        "30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư; xét đề nghị của "
        "Văn phòng, Ủy ban nhân dân phường quyết định các nội dung dưới đây về việc ứng dụng chữ ký "
        "số trong quản lý văn bản điện tử, bảo đảm tính toàn vẹn, xác thực và chống chối bỏ.")


@dataclass(frozen=True)
class DraftSpec:
    issuer_parent: str = "ỦY BAN NHÂN DÂN"
    issuer: str = "PHƯỜNG KIỂM THỬ"
    number_suffix: str = "/QĐ-UBND"
    place: str = "Hà Nội"
    year: int = 2026
    kind: str = "QUYẾT ĐỊNH"
    subject: str = "Về việc áp dụng chữ ký số trên văn bản điện tử"
    authority: str = "TM. ỦY BAN NHÂN DÂN"
    title: str = "CHỦ TỊCH"
    full_name: str = "Nguyễn Văn An"
    pages: int = 1


def make_draft(spec: DraftSpec = DraftSpec()) -> bytes:
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.add_font("serif", "", str(NOTO / "NotoSerif-Regular.ttf"))
    pdf.add_font("serif", "B", str(NOTO / "NotoSerif-Bold.ttf"))
    pdf.add_font("serif", "I", str(NOTO / "NotoSerif-Italic.ttf"))
    for page in range(spec.pages):
        pdf.add_page()
        if page == 0:
            _header(pdf, spec)
        else:
            pdf.set_y(25)
        pdf.set_font("serif", "", 12)
        for i in range(4 if page in (0, spec.pages - 1) else 7):
            pdf.set_x(25)
            pdf.multi_cell(165, 6.5, f"Điều {page * 10 + i + 1}. {BODY}", align="J")
            pdf.ln(2)
        pdf.set_font("serif", "I", 9)
        pdf.set_xy(25, 285)
        pdf.cell(165, 5, f"Trang {page + 1}/{spec.pages}", align="C")
    _signer_block(pdf, spec)
    return bytes(pdf.output())


def _header(pdf: FPDF, spec: DraftSpec) -> None:
    pdf.set_font("serif", "", 12)
    pdf.set_xy(15, 15)
    pdf.cell(70, 6, spec.issuer_parent, align="C")
    pdf.set_font("serif", "B", 12)
    pdf.set_xy(85, 15)
    pdf.cell(115, 6, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C")
    pdf.set_xy(15, 21)
    pdf.cell(70, 6, spec.issuer, align="C")
    pdf.set_xy(85, 21)
    pdf.cell(115, 6, "Độc lập - Tự do - Hạnh phúc", align="C")
    pdf.line(40, 28, 60, 28)
    pdf.line(117, 28, 168, 28)
    pdf.set_font("serif", "", 12)
    pdf.set_xy(15, 32)
    pdf.cell(70, 6, f"Số:            {spec.number_suffix}", align="C")
    pdf.set_font("serif", "I", 12)
    pdf.set_xy(85, 32)
    pdf.cell(115, 6, f"{spec.place}, ngày       tháng       năm {spec.year}", align="C")
    pdf.set_font("serif", "B", 13)
    pdf.set_xy(15, 46)
    pdf.cell(180, 7, spec.kind, align="C")
    pdf.set_xy(15, 53)
    pdf.cell(180, 7, spec.subject, align="C")
    pdf.set_y(66)


def _signer_block(pdf: FPDF, spec: DraftSpec) -> None:
    y = 210
    pdf.set_font("serif", "B", 11)
    pdf.set_xy(25, y)
    pdf.cell(60, 6, "Nơi nhận:")
    pdf.set_font("serif", "", 10)
    for i, line in enumerate(("- Như Điều 3;", "- Lưu: VT.")):
        pdf.set_xy(25, y + 6 + i * 5)
        pdf.cell(60, 5, line)
    pdf.set_font("serif", "B", 12)
    pdf.set_xy(110, y)
    pdf.cell(80, 6, spec.authority, align="C")
    pdf.set_xy(110, y + 6)
    pdf.cell(80, 6, spec.title, align="C")
    pdf.set_xy(110, y + 40)
    pdf.cell(80, 6, spec.full_name, align="C")
