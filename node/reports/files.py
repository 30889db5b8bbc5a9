"""The report tables as files: PDF from the HTML (WeasyPrint), XLSX (openpyxl), CSV.

The PDF carries its fonts: WeasyPrint embeds (subsets of) the faces fontconfig picks for the
CSS font families — Noto Serif / Noto Sans from fonts-noto-core, DejaVu as the fallback — so the
Vietnamese marks print on any machine.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from node.domain.report_tables import ReportTable

log = logging.getLogger(__name__)

# WeasyPrint logs every CSS property it ignores at WARNING; the report CSS is ours and known.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


def pdf_from_html(html: str, *, base_url: Path | None = None) -> bytes:
    from weasyprint import HTML  # imported on first use: it costs ~0.5 s and most requests need no PDF

    data: bytes = HTML(string=html, base_url=str(base_url) if base_url else None).write_pdf()
    return data


def xlsx_bytes(tables: Sequence[ReportTable], *, heading: Sequence[str] = ()) -> bytes:
    """One sheet per table: the heading lines, the table title, the header row, the rows."""
    wb = Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    used: set[str] = set()
    for t in tables:
        name = (t.sheet or t.title)[:31]
        while name in used:
            name = name[:28] + f"_{len(used)}"
        used.add(name)
        ws = wb.create_sheet(name)
        r = 1
        for line in heading:
            ws.cell(row=r, column=1, value=line).font = Font(bold=True)
            r += 1
        ws.cell(row=r, column=1, value=t.title).font = Font(bold=True, size=13)
        r += 2
        header_row = r
        for c, h in enumerate(t.headers, 1):
            cell = ws.cell(row=r, column=c, value=h)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            cell.border = border
        for row in t.rows:
            r += 1
            for c, v in enumerate(row, 1):
                cell = ws.cell(row=r, column=c, value=v)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                cell.border = border
        widths = t.widths or tuple(12 for _ in t.headers)
        for c, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(c)].width = max(8, w * 1.6)
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        ws.print_options.gridLines = False
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.print_title_rows = f"{header_row}:{header_row}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(table: ReportTable) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads the Vietnamese marks right), comma-separated."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(table.headers)
    w.writerows(table.rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
