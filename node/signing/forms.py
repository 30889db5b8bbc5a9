"""The số / ngày / tháng / năm text fields: created before the personal signature, filled after it.

Both steps are incremental updates. Filling sets ``/V`` and writes a real appearance stream
(``/AP /N``) with the embedded Vietnamese font, so every viewer and every printout shows the
value, not only viewers that honour ``/NeedAppearances``. pyHanko's difference analysis accepts
such an update as form filling, so the personal signature stays valid (modification level
FORM_FILLING).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import init_xobject_dictionary

from node.domain.signing import Box
from node.errors import SigningError
from node.signing.appearance import SERIF

NUMBER_FIELD = "SoVanBan"
DAY_FIELD = "NgayBanHanh"
MONTH_FIELD = "ThangBanHanh"
YEAR_FIELD = "NamBanHanh"
DATE_FIELDS = (DAY_FIELD, MONTH_FIELD, YEAR_FIELD)
FONT_SIZE = 11


def add_text_fields(pdf: bytes, boxes: Mapping[str, Box]) -> bytes:
    """An incremental update adding empty text fields (``/FT /Tx``) at the given boxes."""
    w = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    root = w.root
    if "/AcroForm" in root:
        form = root["/AcroForm"]
        form_ref = root.raw_get("/AcroForm")
        if isinstance(form_ref, generic.IndirectObject):
            w.mark_update(form_ref)
        else:
            w.update_root()
    else:
        form = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        root[pdf_name("/AcroForm")] = w.add_object(form)
        w.update_root()
    fields = form.setdefault(pdf_name("/Fields"), generic.ArrayObject())
    existing = {str(f.get_object().get("/T")) for f in fields}
    for name, box in boxes.items():
        if name in existing:
            continue
        page_ref = w.find_page_for_modification(box.page)[0]
        widget = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/FT"): pdf_name("/Tx"), pdf_name("/T"): pdf_string(name),
            pdf_name("/F"): generic.NumberObject(4), pdf_name("/Ff"): generic.NumberObject(0),
            pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in
                                                   (box.x1, box.y1, box.x2, box.y2)),
            pdf_name("/P"): page_ref,
            pdf_name("/DA"): pdf_string("/Helv 12 Tf 0 g"),
        })
        ref = w.add_object(widget)
        fields.append(ref)
        w.register_annotation(page_ref, ref)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def day_month(d: date) -> tuple[str, str, str]:
    """NĐ 30: days below 10 and months 1 and 2 are written with a leading zero."""
    return f"{d.day:02d}", (f"{d.month:02d}" if d.month < 3 else str(d.month)), str(d.year)


def fill_number_date(pdf: bytes, *, number: str, issued: date) -> bytes:
    """Fill the số field and whichever of the ngày / tháng / năm fields the document has."""
    names = field_names(pdf)
    if NUMBER_FIELD not in names:
        raise SigningError("Văn bản chưa có ô số/ngày (cần tạo trước khi lãnh đạo ký).",
                           code="number_fields_missing")
    values = {NUMBER_FIELD: number}
    for name, value in zip(DATE_FIELDS, day_month(issued), strict=True):
        if name in names:
            values[name] = value
    return fill_text_fields(pdf, values)


def field_names(pdf: bytes) -> set[str]:
    r = PdfFileReader(io.BytesIO(pdf), strict=False)
    try:
        fields = r.root["/AcroForm"]["/Fields"]
    except KeyError:
        return set()
    return {str(f.get_object().get("/T")) for f in fields}


def fill_text_fields(pdf: bytes, values: Mapping[str, str]) -> bytes:
    """An incremental update setting ``/V`` and a real appearance stream for each named field."""
    w = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    try:
        fields = w.root["/AcroForm"]["/Fields"]
    except KeyError as e:
        raise SigningError("Văn bản chưa có ô số/ngày (cần tạo trước khi lãnh đạo ký).",
                           code="number_fields_missing") from e
    by_name = {str(ref.get_object().get("/T")): ref for ref in fields}
    missing = [n for n in values if n not in by_name]
    if missing:
        raise SigningError(f"Văn bản không có ô {', '.join(missing)} để điền.", code="number_fields_missing")
    engine = GlyphAccumulatorFactory(str(SERIF), font_size=FONT_SIZE).create_font_engine(w)  # one subset
    for name, value in values.items():
        ref = by_name[name]
        widget = ref.get_object()
        if widget.get("/V") not in (None, ""):
            raise SigningError(f"Ô {name} đã được điền.", code="number_already_filled")
        x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        widget[pdf_name("/V")] = pdf_string(value)
        widget[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): w.add_object(
            value_appearance(engine, value, x2 - x1, y2 - y1, align_right=(name == NUMBER_FIELD)))})
        w.mark_update(ref)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def value_appearance(engine: Any, value: str, width: float, height: float, *,
                     font_size: int = FONT_SIZE, align_right: bool = False) -> generic.StreamObject:
    """A form XObject: white background (hides the blank), the value in the embedded serif font."""
    shaped = engine.shape(unicodedata.normalize("NFC", value))
    text_width = shaped.x_advance * font_size
    x = width - text_width - 1 if align_right else (width - text_width) / 2
    y = (height - font_size * 0.7) / 2 - 0.5
    ops = b"q 1 g 0 0 %g %g re f Q BT /F1 %d Tf 0 g %g %g Td %s ET" % (
        width, height, font_size, max(0.0, x), max(0.0, y), shaped.graphics_ops)
    resources = generic.DictionaryObject({pdf_name("/Font"): generic.DictionaryObject(
        {pdf_name("/F1"): engine.as_resource()})})
    return init_xobject_dictionary(command_stream=ops, box_width=width, box_height=height,
                                   resources=resources)
