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


def _segment(context: dict[str, Any], start: int, stop: int, tmp: str, tag: str,
             progress: Callable[[int, int], None] | None = None) -> list[tuple[str, int]]:
    """Lay out rows ``start``…``stop`` of the book in parts, each written to ``tmp``; the half page
    at the end of a part opens the next one (not at ``stop``: the segment after it is laid out
    elsewhere). Returns (file, pages) per part."""
    from weasyprint import HTML

    from node.reports import files  # noqa: F401  (quiets WeasyPrint's CSS warnings)

    if "vn" not in context:  # a context sent to another process travels without its functions
        from node.reports.service import print_helpers

        context = {**context, **print_helpers()}
    chunk_rows = int(context.get("_chunk_rows", CHUNK_ROWS))
    rows = book_rows(context)
    parts: list[tuple[str, int]] = []
    while True:
        end = min(stop, start + chunk_rows)
        doc = HTML(string=_part_html(context, start, end, last=end >= rows)).render()
        kept = doc.pages
        if end < stop and len(kept) > 1:
            first = _first_row_on(kept[-1])
            if first is not None and start < first < end:  # the rows of the half page open the next part
                kept, end = kept[:-1], first
        for page in kept:
            page.anchors.clear()  # no named destination per row in the file
        part = Path(tmp) / f"part-{tag}-{len(parts):04d}.pdf"
        doc.copy(kept).write_pdf(part)
        parts.append((str(part), len(kept)))
        del doc, kept
        if progress is not None:
            progress(end, rows)
        if end >= stop:
            return parts
        start = end


def write_book_pdf(context: dict[str, Any], out: Path, *, chunk_rows: int = CHUNK_ROWS, workers: int = 1,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Write the register book of ``context`` (``ReportService.register_book``) to ``out`` (replaced
    atomically); return its page count. ``progress(rows_done, rows)`` after each part.

    ``workers`` > 1 (the CLI): the book is cut in that many runs of rows laid out side by side in
    processes; the page where one run ends is not carried into the next, so it may be half full."""
    import pikepdf
    from weasyprint import HTML

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
        runs = max(1, min(workers, rows // chunk_rows))
        if runs == 1:
            laid = _segment({**context, "_chunk_rows": chunk_rows}, 0, rows, tmp, "0", progress)
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            sendable = {k: v for k, v in context.items() if not callable(v)} | {"_chunk_rows": chunk_rows}
            cuts = [rows * i // runs for i in range(runs + 1)]
            with ProcessPoolExecutor(runs, mp_context=multiprocessing.get_context("spawn")) as pool:
                futures = [pool.submit(_segment, sendable, cuts[i], cuts[i + 1], tmp, f"{i:02d}")
                           for i in range(runs)]
                laid = [part for f in futures for part in f.result()]
            if progress is not None:
                progress(rows, rows)
        parts = [Path(p) for p, _ in laid]
        pages = sum(n for _, n in laid)
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
