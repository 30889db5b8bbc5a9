"""How crooked is a scanned page? A cheap estimate decides whether OCR must deskew.

``ocrmypdf --deskew`` rewrites every page image and doubles the OCR time; Tesseract reads a
page turned by less than about a degree just as well. The estimate turns a 500-pixel-wide
black-and-white copy of the page through candidate angles and keeps the one whose row profile
is sharpest (text lines lying flat give tall peaks and clean gaps): about 16 ms a page.
"""

from __future__ import annotations

from PIL import Image

WIDTH = 500


def _score(bw: Image.Image, angle: float) -> float:
    turned = bw.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
    profile = turned.resize((1, turned.height), Image.Resampling.BOX).tobytes()
    mean = sum(profile) / len(profile)
    return sum((p - mean) ** 2 for p in profile)


def estimate_skew(page: Image.Image) -> float:
    """The page's rotation in degrees (counter-clockwise positive), within ±3.4°."""
    grey = page.convert("L")
    grey = grey.resize((WIDTH, max(1, round(grey.height * WIDTH / grey.width))))
    bw = grey.point(lambda p: 255 if p < 140 else 0)
    coarse = max((x * 0.5 for x in range(-6, 7)), key=lambda a: _score(bw, a))
    fine = max((coarse + x * 0.1 for x in range(-4, 5)), key=lambda a: _score(bw, a))
    return -round(fine, 2)
