"""Visible appearances of NĐ 30 signatures (Phụ lục I §II.7–8; DOMAIN.md §6).

- personal signature: the signer's blue transparent PNG, centred in its box, nothing else;
- agency signature: the red transparent seal PNG at real size, with the agency name and the
  signing time (ISO 8601, +07:00) under it;
- text-only stamp (separate attachments, electronic copies of paper): Times-like serif, size 10,
  black, top right of page 1;
- filled số / ngày / tháng form fields: the value in the embedded Vietnamese font.

The fonts are subsets made once at build time (``make_assets.py``); the images are decoded once
per process and kept (PIL images are immutable here).
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path

from PIL import Image
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import StaticStampStyle, TextStampStyle

from node.domain.signing import Box

ASSETS = Path(__file__).resolve().parent / "assets"
SANS = ASSETS / "NotoSans-VN.ttf"
SERIF = ASSETS / "NotoSerif-VN.ttf"
DEMO_SIGNATURE = ASSETS / "demo-signature.png"
DEMO_SEAL = ASSETS / "demo-seal.png"
SEAL_TEXT_HEIGHT = 20.0  # two lines of 6.5 pt text under the seal


def iso_time(when: datetime) -> str:
    """``2026-03-05T14:03:27+07:00``."""
    return when.isoformat(timespec="seconds")


@functools.lru_cache(maxsize=16)
def load_png(path: str) -> Image.Image:
    img = Image.open(path)
    img.load()
    if img.mode != "RGBA":
        img = img.convert("RGBA")
    return img


def png_size_pt(path: Path) -> tuple[float, float]:
    """Real size of an image in points, from its dpi (300 dpi assumed when it has none)."""
    with Image.open(path) as img:
        dpi = img.info.get("dpi", (300, 300))
        return img.width / float(dpi[0]) * 72, img.height / float(dpi[1]) * 72


def _image(path: Path) -> PdfImage:
    return PdfImage(load_png(str(path)))


def personal_style(signature_png: Path) -> StaticStampStyle:
    return StaticStampStyle(
        background=_image(signature_png), background_opacity=1.0, border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0)))


def seal_style(seal_png: Path) -> TextStampStyle:
    """Seal on top at real size, then the agency name and time (``%(agency)s``, ``%(time)s``)."""
    return TextStampStyle(
        stamp_text="%(agency)s\n%(time)s",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(SANS), font_size=6),
                                    text_color=(0.75, 0.05, 0.1), leading=8),
        background=_image(seal_png), background_opacity=1.0, border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins(0, 0, 0, 0)),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins(0, 0, 1, 0)))


def seal_box(personal: Box, seal_png: Path) -> Box:
    """The seal at real size, its right third over the left third of the personal signature."""
    w, h = png_size_pt(seal_png)
    x2 = personal.x1 + personal.width / 3
    cy = (personal.y1 + personal.y2) / 2
    return Box(personal.page, x2 - w - 1, cy - h / 2 - SEAL_TEXT_HEIGHT, x2, cy + h / 2 + 1)


def text_stamp_style() -> TextStampStyle:
    return TextStampStyle(
        stamp_text="%(text)s",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(SERIF), font_size=10),
                                    text_color=(0, 0, 0), leading=11),
        border_width=0,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX, y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins(0, 0, 0, 0), inner_content_scaling=layout.InnerScaling.NO_SCALING))


def text_stamp_box(page_width: float, page_height: float, *, width: float = 240.0,
                   height: float = 30.0, margin: float = 28.0, top: float = 3.0) -> Box:
    """Top right of page 1, in the top margin (above the Quốc hiệu of a standard layout)."""
    return Box(0, page_width - margin - width, page_height - top - height,
               page_width - margin, page_height - top)
