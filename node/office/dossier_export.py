"""A hồ sơ as one PDF: a cover page with the Phụ lục VI fields and the index, then every member's
PDF in time order (the order of ``doc_ordinal``).

The cover (and a placeholder page for each member whose content was destroyed by a recall) is
HTML printed by WeasyPrint with the Noto/DejaVu faces embedded; the members' pages are copied
as they are with pikepdf. Signatures inside the members stay in their own files: the bundle is a
reading copy for the archive hand-over, not a signed document.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from html import escape

import pikepdf

from node.domain.dossier import Dossier, DossierItem, fields

log = logging.getLogger(__name__)
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)

FIELD_LABELS = (
    ("OrganId", "Mã định danh cơ quan"), ("FileCatalog", "Năm hình thành hồ sơ"),
    ("FileNotation", "Số và ký hiệu hồ sơ"), ("Title", "Tiêu đề hồ sơ"),
    ("Maintenance", "Thời hạn bảo quản"), ("Rights", "Chế độ sử dụng"), ("Creator", "Người lập hồ sơ"),
    ("Language", "Ngôn ngữ"), ("StartDate", "Thời gian bắt đầu"), ("EndDate", "Thời gian kết thúc"),
    ("DocTotal", "Tổng số văn bản"), ("PageTotal", "Tổng số trang"), ("Description", "Ghi chú"),
)
CSS = """
@page { size: A4; margin: 20mm 18mm; @bottom-center { content: counter(page); font-size: 9pt; } }
body { font-family: "Noto Serif", "DejaVu Serif", serif; font-size: 11pt; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 4mm; }
.agency { text-align: center; font-weight: bold; margin-bottom: 8mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 6mm; }
th, td { border: 0.5pt solid #555; padding: 1.5mm 2mm; vertical-align: top; text-align: left; }
th { background: #eee; }
.fields th { width: 38%; }
.placeholder { page-break-after: always; padding-top: 60mm; text-align: center; }
.placeholder:last-child { page-break-after: auto; }
.placeholder p { font-size: 12pt; }
"""


def _html(body: str) -> str:
    return f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>{CSS}</style></head>' \
           f"<body>{body}</body></html>"


def _print(html: str) -> bytes:
    from weasyprint import HTML  # ~0.5 s to import; only exports need it

    data: bytes = HTML(string=html).write_pdf()
    return data


DESTROYED = "Nội dung đã hủy (thu hồi)"
UNREADABLE = "Không đọc được tệp PDF"


def cover_html(d: Dossier, agency_name: str, missing: dict[str, str]) -> str:
    f = fields(d)
    rows = "".join(f"<tr><th>{escape(label)}</th><td>{escape(f[key])}</td></tr>"
                   for key, label in FIELD_LABELS)
    items = "".join(
        f"<tr><td>{i.doc_ordinal}</td><td>{escape(i.code)}</td><td>{i.issued_date:%d/%m/%Y}</td>"
        f"<td>{escape(i.subject)}</td><td>{i.page_amount}</td>"
        f"<td>{escape(missing.get(i.doc_ref, ''))}</td></tr>" for i in d.items)
    return _html(
        f'<div class="agency">{escape(agency_name)}</div>'
        f"<h1>HỒ SƠ {escape(str(d.file_code))}</h1>"
        f'<table class="fields">{rows}</table>'
        "<h2>Mục lục văn bản</h2>"
        "<table><thead><tr><th>STT</th><th>Số, ký hiệu</th><th>Ngày</th><th>Trích yếu</th><th>Số trang</th>"
        f"<th>Ghi chú</th></tr></thead><tbody>{items}</tbody></table>")


def placeholder_html(items: Sequence[tuple[DossierItem, str]]) -> str:
    why = {DESTROYED: "Nội dung văn bản đã bị hủy do cơ quan ban hành thu hồi; thông tin văn bản được giữ lại"
                      " trong hồ sơ.",
           UNREADABLE: "Tệp PDF của văn bản không đọc được; xem văn bản trên hệ thống."}
    pages = "".join(
        f'<div class="placeholder"><p><strong>Văn bản số {i.doc_ordinal}'
        f"{' — ' + escape(i.code) if i.code else ''}</strong></p><p>{escape(i.subject)}</p>"
        f"<p>{escape(why[reason])}</p></div>" for i, reason in items)
    return _html(pages)


def bundle_pdf(d: Dossier, files: Sequence[tuple[DossierItem, bytes | None]], *, agency_name: str) -> bytes:
    """The cover, then each member's pages in time order (a placeholder page when destroyed)."""
    files = sorted(files, key=lambda f: f[0].doc_ordinal)
    opened: dict[str, pikepdf.Pdf] = {}
    missing: list[tuple[DossierItem, str]] = []
    for item, data in files:
        if data is None:
            missing.append((item, DESTROYED))
            continue
        try:
            opened[item.doc_ref] = pikepdf.open(io.BytesIO(data))
        except pikepdf.PdfError:
            log.warning("hồ sơ %s: the PDF of %s cannot be read; a placeholder stands in", d.file_code,
                        item.doc_ref)
            missing.append((item, UNREADABLE))
    gone = {item.doc_ref: reason for item, reason in missing}
    holder_page = {item.doc_ref: n for n, (item, _) in enumerate(missing)}
    out = pikepdf.open(io.BytesIO(_print(cover_html(d, agency_name, gone))))
    holders = pikepdf.open(io.BytesIO(_print(placeholder_html(missing)))) if missing else None
    try:
        for item, _ in files:
            if item.doc_ref in opened:
                out.pages.extend(opened[item.doc_ref].pages)
            elif holders is not None:
                out.pages.append(holders.pages[holder_page[item.doc_ref]])
        out.docinfo["/Title"] = f"Hồ sơ {d.file_code} — {d.title}"
        buf = io.BytesIO()
        out.save(buf)
        return buf.getvalue()
    finally:
        for pdf in opened.values():
            pdf.close()
        if holders is not None:
            holders.close()
        out.close()
