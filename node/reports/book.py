"""A long register book as one PDF, laid out a few hundred rows at a time.

WeasyPrint lays out a table at ~10 ms a row on the 2-core box and holds every page box of the
document until it is written: a year of 10,000 văn bản đến took 1.7 GB (benchmarks/reports.py), and
a bigger office's year would not fit a small node. The book is instead
laid out in parts of ``CHUNK_ROWS`` rows, each its own WeasyPrint document with the same page box,
running header (agency, book, year) and table head with its column numbers; the heading opens the
first part and the certification closes the last one only. A part's last page is usually half
full: its rows (every row carries an anchor ``r<n>``, so the layout says which rows reached that
page) open the next part instead, so the joined book has full pages like a single layout. The
parts are written to files, joined with pikepdf (qpdf) and "Trang X / Y" is laid over every page
from a blank WeasyPrint document of the book's page count: numbers continuous over the whole book.
Memory stays that of one part; the time is that of one document plus ~10 %.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from node.reports.render import environment, render_print

log = logging.getLogger(__name__)

# Rows of a part: WeasyPrint's cost per row is flat up to a few thousand rows and its memory grows
# with them; each part costs a fixed ~0.3 s more (a document, its fonts subset, one page laid out
# twice), so parts of 500 rows keep that near 10 % and a part's memory near 200 MB.
CHUNK_ROWS = 500


def book_rows(context: dict[str, Any]) -> int:
    return len(context["table"].rows)


def _part_html(context: dict[str, Any], start: int, end: int, *, last: bool) -> str:
    table = context["table"]
    refs = table.refs[start:end] if table.refs else ()
    part = dataclasses.replace(table, rows=table.rows[start:end], refs=refs)
    return render_print("reports/_register_part.html", {
        **context, "table": part, "first": start == 0, "last": last, "row_from": start,
        "book_rows": len(table.rows), "stamped": True})


def _first_row_on(page: Any) -> int | None:
    marks = [int(name[1:]) for name in page.anchors if name.startswith("r") and name[1:].isdigit()]
    return min(marks) if marks else None


def write_book_pdf(context: dict[str, Any], out: Path, *, chunk_rows: int = CHUNK_ROWS,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Write the register book of ``context`` (``ReportService.register_book``) to ``out`` (replaced
    atomically); return its page count. ``progress(rows_done, rows)`` after each part."""
    import pikepdf
    from weasyprint import HTML

    from node.reports import files  # noqa: F401  (quiets WeasyPrint's CSS warnings)

    rows = book_rows(context)
    out.parent.mkdir(parents=True, exist_ok=True)
    if rows <= chunk_rows:  # one part: one document numbers its own pages
        doc = HTML(string=render_print("reports/_register.html", context)).render()
        target = out.with_name(out.name + ".tmp")
        doc.write_pdf(target)
        target.replace(out)
        if progress is not None:
            progress(rows, rows)
        return len(doc.pages)
    with tempfile.TemporaryDirectory(prefix=".book-", dir=out.parent) as tmp:
        parts: list[Path] = []
        start, pages = 0, 0
        while True:
            end = min(rows, start + chunk_rows)
            last = end >= rows
            doc = HTML(string=_part_html(context, start, end, last=last)).render()
            kept = doc.pages
            if not last and len(kept) > 1:
                first = _first_row_on(kept[-1])
                if first is not None and start < first < end:  # the rows of the half page open the next part
                    kept, end = kept[:-1], first
            for page in kept:
                page.anchors.clear()  # no named destination per row in the file
            part = Path(tmp) / f"part-{len(parts):04d}.pdf"
            doc.copy(kept).write_pdf(part)
            parts.append(part)
            pages += len(kept)
            del doc, kept
            if progress is not None:
                progress(end, rows)
            if last:
                break
            start = end
        numbers = Path(tmp) / "numbers.pdf"
        html = environment().get_template("reports/page_numbers.html").render(
            pages=pages, orientation=context.get("orientation", "landscape"))
        HTML(string=html).write_pdf(numbers)
        joined = pikepdf.new()
        sources = [pikepdf.open(p) for p in parts]
        try:
            for src in sources:
                joined.pages.extend(src.pages)
            with pikepdf.open(numbers) as stamp:
                if len(stamp.pages) != len(joined.pages):
                    raise RuntimeError(f"{len(stamp.pages)} page numbers for {len(joined.pages)} pages")
                for page, number in zip(joined.pages, stamp.pages, strict=True):
                    page.add_overlay(number)
                joined.docinfo["/Title"] = f"{context['title']} · {context['agency_name']}"
                joined.docinfo["/Producer"] = "Trạm Văn Thư (WeasyPrint, pikepdf)"
                target = out.with_name(out.name + ".tmp")
                joined.save(target)
        finally:
            for src in sources:
                src.close()
            joined.close()
        target.replace(out)
    log.info("register book %s: %d rows, %d pages in %d parts", out.name, rows, pages, len(parts))
    return pages
