"""Separator sheets: one printed page with a QR code splits a batch scan into documents.

``vanthu print-separator OUT.pdf`` makes the sheet (segno draws the QR, Pillow the text, img2pdf
wraps it without re-encoding). Detection renders each page small (about 100 dpi: the QR is
7 cm wide, so that is plenty) and looks for the code with zxing-cpp.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import img2pdf
import pikepdf
import pypdfium2
import segno
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

PAYLOAD = "VANTHU-SEPARATOR:1"
DETECT_DPI = 100
_FONT = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")
_FONT_BOLD = Path("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf")


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        return ImageFont.load_default()


def separator_pdf(dpi: int = 200) -> bytes:
    """An A4 separator sheet as PDF bytes."""
    w, h = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.new("L", (w, h), 255)
    qr = segno.make(PAYLOAD, error="h")
    buf = io.BytesIO()
    module = max(1, round(7 / 2.54 * dpi / (qr.symbol_size(border=0)[0])))
    qr.save(buf, kind="png", scale=module, border=4)
    code = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    page.paste(code, ((w - code.width) // 2, (h - code.height) // 2))
    draw = ImageDraw.Draw(page)
    big, small = _font(_FONT_BOLD, dpi // 4), _font(_FONT, dpi // 9)
    lines = [(big, "TỜ PHÂN CÁCH VĂN BẢN"),
             (small, "Đặt tờ này giữa hai văn bản khi quét chung một lần."),
             (small, "Trạm Văn Thư tách tệp quét tại đây; tờ này không được lưu.")]
    y = dpi
    for font, text in lines:
        tw = draw.textlength(text, font=font)
        draw.text(((w - tw) / 2, y), text, font=font, fill=0)
        y += int(dpi * (0.45 if font is big else 0.25))
    draw.text(((w - draw.textlength(PAYLOAD, font=small)) / 2, (h + code.height) / 2 + dpi // 6),
              PAYLOAD, font=small, fill=0)
    png = io.BytesIO()
    page.convert("1").save(png, format="PNG", dpi=(dpi, dpi))
    out = img2pdf.convert(png.getvalue())
    assert out is not None
    return bytes(out)


def is_separator(image: Image.Image) -> bool:
    img = image
    scale = 1200 / max(img.size)
    if scale < 1:
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))))
    if img.mode not in ("L", "RGB"):
        img = img.convert("L")
    try:
        codes = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
    except (ValueError, RuntimeError):  # an image zxing cannot take: not a separator
        return False
    return any(c.text == PAYLOAD for c in codes)


def _jpeg_page(page: pikepdf.Page, dpi: int) -> Image.Image | None:
    """A scanner's page is often one JPEG: decode it at reduced size (DCT scaling, very fast)."""
    resources = page.obj.get("/Resources") or pikepdf.Dictionary()
    xobjects = resources.get("/XObject") or pikepdf.Dictionary()
    images = [x for x in xobjects.values() if x.get("/Subtype") == "/Image"]
    if len(images) != 1 or images[0].get("/Filter") != "/DCTDecode":
        return None
    img = Image.open(io.BytesIO(images[0].read_raw_bytes()))
    width_pt = float(page.mediabox[2] - page.mediabox[0])
    target = max(1, round(width_pt / 72 * dpi))
    img.draft("L", (target, round(img.height * target / img.width)))
    return img.convert("L")


def pdf_page_images(path: Path, dpi: int = DETECT_DPI) -> Iterator[Image.Image]:
    """Each page as a small greyscale image (about ``dpi``), for separator and skew detection."""
    with pikepdf.open(path) as pdf:
        quick = []
        for page in pdf.pages:
            try:
                quick.append(_jpeg_page(page, dpi))
            except (pikepdf.PdfError, OSError, ValueError):
                quick.append(None)
    if all(img is not None for img in quick):
        yield from (img for img in quick if img is not None)
        return
    doc = pypdfium2.PdfDocument(str(path))
    try:
        for i in range(len(doc)):
            if quick[i] is not None:
                yield quick[i]  # type: ignore[misc]
                continue
            page = doc[i]
            try:
                yield page.render(scale=dpi / 72, grayscale=True).to_pil()
            finally:
                page.close()
    finally:
        doc.close()


def separator_pages(images: Iterable[Image.Image]) -> list[int]:
    """Indexes (0-based) of the pages that are separator sheets."""
    return [i for i, img in enumerate(images) if is_separator(img)]


def split_ranges(page_count: int, separators: list[int]) -> list[range]:
    """Page ranges of the documents between separator pages (empty ones dropped)."""
    ranges: list[range] = []
    start = 0
    for sep in [*sorted(separators), page_count]:
        if sep > start:
            ranges.append(range(start, sep))
        start = sep + 1
    return ranges
