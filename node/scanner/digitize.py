"""Digitize one file: check it, make it a PDF, split batches, OCR, read the fields.

Contract of :meth:`Digitizer.digitize` (model: paperless-ngx ``plugins/base.py``, one step per
concern): it never changes the input file; it writes only into ``workdir``; it returns a
:class:`Digitized` or raises :class:`ScanRejectedError` (the file is bad: stable code and a
Vietnamese message) or :class:`TransientScanError` (try again later). Nothing is stored here.

- JPEG/PNG/TIFF (multi-page too) → PDF with img2pdf, which embeds the image data as it is.
- PDFs are taken as they are. A signed PDF (``/ByteRange`` or a filled ``/Sig`` field) is
  never rewritten and never split; a PDF with a text layer is not OCR'd.
- Scans without text are OCR'd into a PDF/A-2b archive copy (``ocr.ocr_to_pdfa``).
"""

from __future__ import annotations

import errno
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import img2pdf
import pikepdf
from PIL import Image, ImageSequence, UnidentifiedImageError

from node.domain.fields import ExtractedFields, extract_fields
from node.domain.layout import reading_text
from node.domain.scanning import RejectCode, ScanPart, ScanWarning, WarningCode
from node.scanner import separator
from node.scanner.ocr import OcrSettings, ocr_to_pdfa, page_words, pdf_text
from node.scanner.reasons import reject
from node.scanner.skew import estimate_skew

log = logging.getLogger(__name__)

MIN_PIXELS_PER_SIDE = 200  # a page at 200 dpi is ~1650 px wide; 1×1 and thumbnails are not scans
TEXT_CHARS_PER_PAGE = 16  # a PDF with fewer non-blank characters than this per page needs OCR

_MAGIC = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
}


@dataclass(frozen=True)
class DigitizeSettings:
    min_dpi: int = 200
    reject_low_dpi: bool = False
    ocr: OcrSettings = field(default_factory=OcrSettings)
    split_batches: bool = True


@dataclass(frozen=True)
class Digitized:
    media_type: str
    parts: tuple[ScanPart, ...]
    warnings: tuple[ScanWarning, ...]


def sniff(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(1024)
    if not head:
        raise reject(RejectCode.EMPTY)
    if b"%PDF-" in head:
        return "application/pdf"
    for magic, media_type in _MAGIC.items():
        if head.startswith(magic):
            return media_type
    if path.suffix.lower() == ".pdf":
        raise reject(RejectCode.NOT_A_PDF)
    raise reject(RejectCode.UNSUPPORTED)


def _has_text(text: str, pages: int) -> bool:
    return sum(1 for c in text if not c.isspace()) >= TEXT_CHARS_PER_PAGE * max(pages, 1)


def first_page(text: str) -> str:
    return text.split("\f", 1)[0]


class Digitizer:
    def __init__(self, settings: DigitizeSettings) -> None:
        self.settings = settings

    def digitize(self, path: Path, workdir: Path, *, progress: Callable[[], None] | None = None) -> Digitized:
        """``progress`` is called after each page examined and each part OCR'd: a 200-page batch is
        one long file, and the watcher's heartbeat must not go stale while it works."""
        beat = progress or _nothing
        media_type = sniff(path)
        workdir.mkdir(parents=True, exist_ok=True)
        if media_type == "application/pdf":
            return self._pdf(path, workdir, beat)
        return self._image(path, media_type, workdir, beat)

    # -- images ------------------------------------------------------------------------------
    def _image(self, path: Path, media_type: str, workdir: Path, beat: Callable[[], None]) -> Digitized:
        notes: list[ScanWarning] = []
        dpis: list[int] = []
        frames = 0
        separators: list[int] = []
        skews: dict[int, float] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                with Image.open(path) as img:
                    for i, frame in enumerate(ImageSequence.Iterator(img)):
                        beat()
                        frames += 1
                        if min(frame.size) < MIN_PIXELS_PER_SIDE:
                            raise reject(RejectCode.IMAGE_TOO_SMALL,
                                         f"Ảnh quá nhỏ ({frame.width}×{frame.height} điểm ảnh) để là"
                                         " một trang tài liệu quét.")
                        frame.load()
                        dpi = frame.info.get("dpi")
                        if dpi and min(dpi) > 1:
                            dpis.append(round(min(float(dpi[0]), float(dpi[1]))))
                        if frame.mode in ("1", "L", "LA", "I", "I;16", "P") and not notes_has(
                                notes, WarningCode.NOT_COLOUR) and frame.mode != "P":
                            notes.append(ScanWarning.of(WarningCode.NOT_COLOUR))
                        if self.settings.split_batches and separator.is_separator(frame):
                            separators.append(i)
                        elif self.settings.ocr.deskew == "auto":
                            skews[i] = estimate_skew(frame)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
                raise reject(RejectCode.IMAGE_BOMB) from e
            except UnidentifiedImageError as e:
                raise reject(RejectCode.CORRUPT_IMAGE) from e
            except (OSError, SyntaxError, ValueError, EOFError) as e:
                if isinstance(e, OSError) and _transient_os_error(e):
                    raise
                raise reject(RejectCode.CORRUPT_IMAGE, f"Tệp ảnh bị hỏng, không đọc được ({e}).") from e
        dpi = min(dpis) if dpis else None
        notes += self._dpi_notes(dpi, frames=frames, measured=len(dpis))
        pdf = workdir / "digitized.pdf"
        pdf.write_bytes(self.image_to_pdf(path, workdir))
        return self._scanned_pdf(pdf, media_type, workdir, dpi, notes, separators, skews, beat)

    def image_to_pdf(self, path: Path, workdir: Path) -> bytes:
        """The image (every frame of a TIFF) as PDF pages; JPEG/PNG/TIFF data embedded as is."""
        try:
            out = img2pdf.convert(str(path), rotation=img2pdf.Rotation.ifvalid)
        except img2pdf.AlphaChannelError:
            # PDF images cannot carry an alpha channel: flatten losslessly onto white.
            flat = workdir / "flattened.tiff"
            with Image.open(path) as img:
                frames = [self._flatten(f) for f in ImageSequence.Iterator(img)]
                dpi = img.info.get("dpi", (self.settings.min_dpi, self.settings.min_dpi))
            frames[0].save(flat, format="TIFF", compression="tiff_deflate", save_all=True,
                           append_images=frames[1:], dpi=dpi)
            out = img2pdf.convert(str(flat))
        except (img2pdf.ImageOpenError, ValueError, TypeError) as e:
            raise reject(RejectCode.CORRUPT_IMAGE, f"Không chuyển được ảnh sang PDF ({e}).") from e
        assert out is not None
        return bytes(out)

    @staticmethod
    def _flatten(frame: Image.Image) -> Image.Image:
        rgba = frame.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg

    def _dpi_notes(self, dpi: int | None, *, frames: int, measured: int) -> list[ScanWarning]:
        min_dpi = self.settings.min_dpi
        if dpi is not None and dpi < min_dpi:
            if self.settings.reject_low_dpi:
                raise reject(RejectCode.LOW_DPI, f"Độ phân giải {dpi} dpi thấp hơn mức tối thiểu"
                                                 f" {min_dpi} dpi. Hãy quét lại.")
            return [ScanWarning.of(WarningCode.LOW_DPI, dpi=dpi, min_dpi=min_dpi)]
        if measured < frames:
            return [ScanWarning.of(WarningCode.UNKNOWN_DPI, min_dpi=min_dpi)]
        return []

    # -- PDFs --------------------------------------------------------------------------------
    def _pdf(self, path: Path, workdir: Path, beat: Callable[[], None]) -> Digitized:
        notes: list[ScanWarning] = []
        try:
            with pikepdf.open(path) as pdf:
                if pdf.is_encrypted:
                    raise reject(RejectCode.ENCRYPTED_PDF)
                pages = len(pdf.pages)
                if pages == 0:
                    raise reject(RejectCode.NO_PAGES)
                if pdf.pdf_version < "1.4":
                    notes.append(ScanWarning.of(WarningCode.OLD_PDF_VERSION, version=pdf.pdf_version))
                if pdf.get_warnings():
                    notes.append(ScanWarning.of(WarningCode.PDF_REPAIRED))
                signed = _is_signed(path, pdf)
                dpi = None if signed else _min_image_dpi(pdf)
        except pikepdf.PasswordError as e:
            raise reject(RejectCode.ENCRYPTED_PDF) from e
        except pikepdf.PdfError as e:
            raise reject(RejectCode.CORRUPT_PDF, f"Tệp PDF bị hỏng, không đọc được ({e}).") from e
        text = pdf_text(path)
        if signed or _has_text(text, pages):
            # Taken as it is: never rewritten (a signature would break), text from its own layer.
            if signed and not _has_text(text, pages):
                notes.append(ScanWarning.of(WarningCode.SIGNED_NO_TEXT))
            part = ScanPart(index=0, pdf=path, pdf_is_original=True, pages=pages, text=text,
                            fields=_fields(path, text), ocr=False, signed=signed, dpi=dpi,
                            warnings=tuple(notes))
            return Digitized("application/pdf", (part,), ())
        notes += self._dpi_notes(dpi, frames=1, measured=1) if dpi is not None else []
        seps: list[int] = []
        skews: dict[int, float] = {}
        if self.settings.split_batches or self.settings.ocr.deskew == "auto":
            try:
                for i, page in enumerate(separator.pdf_page_images(path)):
                    beat()
                    if self.settings.split_batches and separator.is_separator(page):
                        seps.append(i)
                    elif self.settings.ocr.deskew == "auto":
                        skews[i] = estimate_skew(page)
            except Exception:  # pdfium could not render: no batch split, OCR will tell
                log.debug("page rendering failed for %s", path, exc_info=True)
        return self._scanned_pdf(path, "application/pdf", workdir, dpi, notes, seps, skews, beat)

    def _scanned_pdf(self, pdf: Path, media_type: str, workdir: Path, dpi: int | None,
                     notes: list[ScanWarning], separators: list[int],
                     skews: dict[int, float] | None = None,
                     beat: Callable[[], None] | None = None) -> Digitized:
        """OCR a PDF without text (whole, or per document between separator sheets)."""
        with pikepdf.open(pdf) as doc:
            count = len(doc.pages)
        ranges = separator.split_ranges(count, separators) if separators else [range(count)]
        if not ranges:
            raise reject(RejectCode.NO_PAGES, "Tệp chỉ có tờ phân cách, không có trang văn bản nào.")
        parts: list[ScanPart] = []
        for index, pages in enumerate(ranges):
            src = pdf if len(ranges) == 1 and not separators else _extract(pdf, pages,
                                                                        workdir / f"part-{index}.pdf")
            out, sidecar = workdir / f"part-{index}.pdfa.pdf", workdir / f"part-{index}.txt"
            worst = max((abs(skews.get(i, 0.0)) for i in pages), default=0.0) if skews else 0.0
            deskewed = self.settings.ocr.wants_deskew(worst)
            (beat or _nothing)()
            text = ocr_to_pdfa(src, out, sidecar, self.settings.ocr, skew=worst)
            part_notes = list(notes)
            if not _has_text(text, 1):
                part_notes.append(ScanWarning.of(WarningCode.NO_TEXT))
            # The text layer follows the page image unless OCR straightened it.
            first_skew = 0.0 if deskewed or not skews else skews.get(pages.start, 0.0)
            parts.append(ScanPart(index=index, pdf=out, pdf_is_original=False, pages=len(pages),
                                  text=text, fields=_fields(out, text, first_skew), ocr=True,
                                  signed=False, dpi=dpi,
                                  warnings=tuple(part_notes)))
        return Digitized(media_type, tuple(parts), ())


def _nothing() -> None:
    pass


def notes_has(notes: list[ScanWarning], code: WarningCode) -> bool:
    return any(n.code == code for n in notes)


def _fields(pdf: Path, text: str, skew: float = 0.0) -> ExtractedFields:
    """Fields from page 1, read in column order from its word boxes (plain text as a fallback)."""
    width, words = page_words(pdf, 1)
    if width > 0 and words:
        return extract_fields(reading_text(words, width, skew_degrees=skew))
    return extract_fields(first_page(text))


def _extract(src: Path, pages: range, dst: Path) -> Path:
    """Copy some pages into a new PDF (page objects copied, images not re-encoded)."""
    with pikepdf.open(src) as doc, pikepdf.new() as out:
        for i in pages:
            out.pages.append(doc.pages[i])
        out.save(dst)
    return dst


def _is_signed(path: Path, pdf: pikepdf.Pdf) -> bool:
    if _contains(path, b"/ByteRange"):
        return True
    acro = pdf.Root.get("/AcroForm")
    if acro is None:
        return False
    for fld in acro.get("/Fields", []):
        try:
            if fld.get("/FT") == "/Sig" and "/V" in fld:
                return True
        except (AttributeError, pikepdf.PdfError):
            continue
    return False


def _contains(path: Path, needle: bytes, size: int = 1 << 20) -> bool:
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(size):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle):]
    return False


def _min_image_dpi(pdf: pikepdf.Pdf) -> int | None:
    """Resolution of the page images of a scanned PDF (the smallest), when pages are one image."""
    found: list[int] = []
    for page in pdf.pages:
        try:
            resources = page.obj.get("/Resources") or pikepdf.Dictionary()
            xobjects = resources.get("/XObject") or pikepdf.Dictionary()
            images = [x for x in xobjects.values() if x.get("/Subtype") == "/Image"]
            if len(images) != 1:
                continue
            box = page.mediabox
            width_in = float(box[2] - box[0]) / 72
            height_in = float(box[3] - box[1]) / 72
            img = images[0]
            w, h = int(img.get("/Width", 0)), int(img.get("/Height", 0))
            if width_in <= 0 or height_in <= 0 or not w or not h:
                continue
            if w < h and width_in > height_in:
                w, h = h, w
            found.append(round(min(w / width_in, h / height_in)))
        except (pikepdf.PdfError, KeyError, ValueError, TypeError):
            continue
    return min(found) if found else None


def _transient_os_error(e: OSError) -> bool:
    return e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EAGAIN, errno.ENOMEM)
