"""Regenerate the committed signing assets: Vietnamese font subsets and demo images.

Run once at build time (``python -m node.signing.make_assets``), not per signature: subsetting a
full Noto font costs about 120 ms, most of a visible signature. The subsets carry no OpenType
layout tables (pyHanko drops them from the embedded subset anyway, and keeping them makes each
embedding ~4x slower); Vietnamese renders from the precomposed glyphs, so callers NFC-normalise
text before drawing it. The outputs are committed under
``node/signing/assets/``:

- ``NotoSans-VN.ttf``: NotoSans Regular, Latin + Vietnamese (visible signature text, form values);
- ``NotoSerif-VN.ttf``: NotoSerif Regular, the Times-like face of the text-only stamp;
- ``demo-signature.png`` / ``demo-seal.png``: a blue handwritten-style signature and a red round seal,
  transparent, for the demo office and the tests.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ASSETS = Path(__file__).resolve().parent / "assets"
NOTO_DIR = Path("/usr/share/fonts/truetype/noto")
# Basic Latin, Latin-1, Latin Extended-A, ơ/ư block, combining marks, Vietnamese block,
# general punctuation, the đồng sign.
UNICODES = "U+0020-007E,U+00A0-00FF,U+0100-017F,U+01A0-01B0,U+0300-0323,U+1EA0-1EF9,U+2000-206F,U+20AB"
FONTS = {"NotoSans-VN.ttf": "NotoSans-Regular.ttf", "NotoSerif-VN.ttf": "NotoSerif-Regular.ttf"}
SEAL_MM = 36.0  # a common round seal diameter; drawn at 300 dpi, placed at real size


def subset_fonts(out_dir: Path = ASSETS, noto_dir: Path = NOTO_DIR) -> list[Path]:
    out: list[Path] = []
    for target, source in FONTS.items():
        dest = out_dir / target
        subprocess.run([sys.executable, "-m", "fontTools.subset", str(noto_dir / source),
                        f"--unicodes={UNICODES}", "--layout-features=", "--no-hinting",
                        "--desubroutinize", f"--output-file={dest}"], check=True)
        out.append(dest)
    return out


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(NOTO_DIR / "NotoSerif-Bold.ttf"), size)


def make_signature_png(dest: Path, *, seed_text: str = "An") -> Path:
    """A blue, handwriting-like scribble on a transparent background (demo only)."""
    w, h = 600, 240
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    blue = (20, 40, 170, 255)
    pts = []
    for i in range(400):
        t = i / 399
        x = 40 + t * 500
        y = 120 - 55 * math.sin(t * 3 * math.pi) * math.exp(-1.2 * t) + 18 * math.sin(t * 23)
        pts.append((x, y))
    d.line(pts, fill=blue, width=7, joint="curve")
    d.line([(90, 190), (520, 160)], fill=blue, width=5)
    d.text((230, 60), seed_text, font=_font(90), fill=blue)
    img.save(dest, optimize=True)
    return dest


def make_seal_png(dest: Path, *, agency: str = "UBND PHƯỜNG THỬ NGHIỆM", dpi: int = 300) -> Path:
    """A red round seal, transparent background, SEAL_MM across at ``dpi``."""
    size = round(SEAL_MM / 25.4 * dpi)
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    red = (205, 20, 30, 235)
    c = size / 2
    for r, wdt in ((c - 4, 12), (c - 40, 5), (c * 0.42, 5)):
        d.ellipse((c - r, c - r, c + r, c + r), outline=red, width=wdt)
    font = _font(round(size * 0.075))
    text = agency.upper()
    radius = c - 78
    span = math.pi * 1.45
    for i, ch in enumerate(text):
        a = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(text)
        x, y = c + radius * math.cos(a), c + radius * math.sin(a)
        glyph = Image.new("RGBA", (font.size * 2, font.size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((font.size, font.size), ch, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.Resampling.BICUBIC)
        img.alpha_composite(glyph, (round(x - font.size), round(y - font.size)))
    star = [(c + (c * 0.3 if k % 2 == 0 else c * 0.12) * math.cos(-math.pi / 2 + k * math.pi / 5),
             c + (c * 0.3 if k % 2 == 0 else c * 0.12) * math.sin(-math.pi / 2 + k * math.pi / 5))
            for k in range(10)]
    d.polygon(star, fill=red)
    img.info["dpi"] = (dpi, dpi)
    img.save(dest, optimize=True, dpi=(dpi, dpi))
    return dest


def make_demo_images(out_dir: Path = ASSETS, *, agency: str = "UBND PHƯỜNG THỬ NGHIỆM") -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return [make_signature_png(out_dir / "demo-signature.png"),
            make_seal_png(out_dir / "demo-seal.png", agency=agency)]


def ensure_demo_images(out_dir: Path, *, agency: str) -> tuple[Path, Path]:
    """The demo office's signature and seal (with its own agency name); kept if already there."""
    out_dir.mkdir(parents=True, exist_ok=True)
    signature, seal = out_dir / "leader-signature.png", out_dir / "seal.png"
    if not signature.exists():
        make_signature_png(signature)
    if not seal.exists():
        make_seal_png(seal, agency=agency)
    return signature, seal


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ASSETS)
    ap.add_argument("--images-only", action="store_true")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    made = make_demo_images(args.out)
    if not args.images_only:
        made += subset_fonts(args.out)
    for p in made:
        print(f"{p} ({p.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
