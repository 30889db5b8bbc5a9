"""Synthetic scans of Vietnamese administrative documents (NĐ 30 layout) for OCR tests and benchmarks.

Each :class:`DocSpec` holds the fields a clerk would register and a few body lines; ``render``
draws page 1 as a scanner would deliver it: two-column header (agency and số on the left, motto
and place/date on the right), title and subject, body text, then paper tint, noise, speckles
and a slight rotation. Texts come from the seeds in ``../shared/seeds/`` and new ones in the
same style.
"""

from __future__ import annotations

import random
import textwrap
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/noto")
REGULAR = FONT_DIR / "NotoSerif-Regular.ttf"
BOLD = FONT_DIR / "NotoSerif-Bold.ttf"
ITALIC = FONT_DIR / "NotoSerif-Italic.ttf"


@dataclass(frozen=True)
class DocSpec:
    parent: tuple[str, ...]  # cơ quan chủ quản lines (may be empty)
    issuer: tuple[str, ...]  # cơ quan ban hành lines
    number: int
    notation: str
    place: str
    issued: date
    type_name: str  # "Công văn" or a title type
    subject: str  # as printed (without "V/v")
    body: tuple[str, ...]
    date_style: str = "words"  # or "slash"

    @property
    def expected(self) -> dict[str, object]:
        return {"code_number": self.number, "code_notation": self.notation,
                "issued_date": self.issued.isoformat(), "issuer": " ".join(self.issuer),
                "type_name": self.type_name, "subject": self.subject}

    @property
    def date_text(self) -> str:
        d = self.issued
        if self.date_style == "slash":
            return f"{self.place}, {d.day}/{d.month}/{d.year}"
        day = f"{d.day:02d}"
        month = f"{d.month:02d}" if d.month < 3 else str(d.month)
        return f"{self.place}, ngày {day} tháng {month} năm {d.year}"


BODY_GENERIC = (
    "Thực hiện Quyết định số 28/2018/QĐ-TTg ngày 12 tháng 7 năm 2018 của Thủ tướng Chính phủ về việc "
    "gửi, nhận văn bản điện tử giữa các cơ quan trong hệ thống hành chính nhà nước;",
    "Nhằm tăng cường ứng dụng công nghệ thông tin, nâng cao hiệu quả công tác chỉ đạo, điều hành, "
    "giảm giấy tờ, văn bản hành chính, đề nghị các cơ quan, đơn vị thực hiện một số nội dung sau:",
    "1. Sử dụng văn bản điện tử có chữ ký số thay thế văn bản giấy trong trao đổi giữa các cơ quan.",
    "2. Hằng ngày kiểm tra, tiếp nhận văn bản đến trên hệ thống và xử lý kịp thời theo quy định.",
)

SPECS: tuple[DocSpec, ...] = (
    DocSpec(("ỦY BAN NHÂN DÂN", "THÀNH PHỐ HỒ CHÍ MINH"), ("SỞ VĂN HÓA VÀ THỂ THAO",), 1768, "SVHTT-VP",
            "Thành phố Hồ Chí Minh", date(2023, 4, 14), "Công văn",
            "tăng cường, nâng cao chất lượng trao đổi, sử dụng văn bản điện tử giữa các cơ quan hành chính"
            " nhà nước",
            ("Kính gửi: Các phòng chức năng; Các đơn vị sự nghiệp trực thuộc Sở.", *BODY_GENERIC)),
    DocSpec((), ("ỦY BAN NHÂN DÂN", "THÀNH PHỐ HỒ CHÍ MINH"), 226, "UBND-TTTH", "Thành phố Hồ Chí Minh",
            date(2014, 1, 16), "Công văn",
            "tăng cường trao đổi, sử dụng văn bản điện tử trong công tác văn phòng",
            ("Kính gửi: Ủy ban nhân dân quận, huyện; Các Sở, ban, ngành Thành phố.", *BODY_GENERIC)),
    DocSpec(("ỦY BAN NHÂN DÂN", "TỈNH THANH HÓA"), ("ỦY BAN NHÂN DÂN", "THỊ XÃ BỈM SƠN"), 950, "UBND-VP",
            "Bỉm Sơn", date(2019, 5, 28), "Công văn",
            "phát hành văn bản điện tử trên hệ thống phần mềm quản lý văn bản và hồ sơ công việc",
            ("Kính gửi: Trưởng các phòng, ban, đơn vị trực thuộc UBND Thị xã.", *BODY_GENERIC),
            date_style="slash"),
    DocSpec((), ("ỦY BAN NHÂN DÂN", "THÀNH PHỐ CẦN THƠ"), 1637, "QĐ-UBND", "Cần Thơ", date(2019, 7, 8),
            "Quyết định",
            "Ban hành Quy chế tiếp nhận, xử lý, phát hành và quản lý văn bản điện tử",
            ("ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ",
             "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
             "Căn cứ Luật Giao dịch điện tử ngày 29 tháng 11 năm 2005;",
             "Xét đề nghị của Giám đốc Sở Thông tin và Truyền thông tại Tờ trình số 758/TTr-STTTT.")),
    DocSpec(("ỦY BAN NHÂN DÂN", "THÀNH PHỐ ĐÀ NẴNG"), ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG",), 45, "KH-STTTT",
            "Đà Nẵng", date(2024, 3, 5), "Kế hoạch",
            "Triển khai gửi, nhận văn bản điện tử qua Trục liên thông văn bản năm 2024",
            ("Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
             *BODY_GENERIC[1:])),
    DocSpec(("UBND QUẬN ĐỐNG ĐA",), ("VĂN PHÒNG HĐND VÀ UBND",), 312, "TB-VP", "Đống Đa",
            date(2025, 11, 20), "Thông báo",
            "Lịch tiếp công dân của Chủ tịch Ủy ban nhân dân quận tháng 12 năm 2025",
            ("Văn phòng HĐND và UBND quận thông báo lịch tiếp công dân định kỳ như sau:", *BODY_GENERIC[2:])),
    DocSpec((), ("ỦY BAN NHÂN DÂN", "PHƯỜNG NGUYỄN TRÃI"), 7, "GM-UBND", "Hà Đông", date(2026, 2, 9),
            "Giấy mời", "Dự hội nghị sơ kết công tác chuyển đổi số quý I năm 2026",
            ("Ủy ban nhân dân phường trân trọng kính mời đại diện lãnh đạo các đơn vị dự hội nghị.",
             "Thời gian: 08 giờ 00, thứ Ba, ngày 10 tháng 3 năm 2026.", *BODY_GENERIC[2:])),
    DocSpec(("BỘ NỘI VỤ",), ("CỤC VĂN THƯ VÀ LƯU TRỮ NHÀ NƯỚC",), 1029, "BC-VTLTNN", "Hà Nội",
            date(2025, 12, 15), "Báo cáo",
            "Kết quả công tác văn thư, lưu trữ năm 2025 và phương hướng nhiệm vụ năm 2026",
            ("Thực hiện chương trình công tác năm 2025, Cục Văn thư và Lưu trữ nhà nước báo cáo như sau:",
             *BODY_GENERIC[2:]), date_style="slash"),
    DocSpec(("SỞ NỘI VỤ",), ("CHI CỤC VĂN THƯ LƯU TRỮ",), 88, "TTr-CCVTLT", "Quảng Nam", date(2024, 9, 23),
            "Tờ trình", "Đề nghị phê duyệt danh mục hồ sơ năm 2025",
            ("Kính gửi: Giám đốc Sở Nội vụ.", *BODY_GENERIC)),
    DocSpec(("ỦY BAN NHÂN DÂN", "TỈNH NGHỆ AN"), ("SỞ TÀI CHÍNH",), 2154, "STC-NS", "Nghệ An",
            date(2023, 10, 2), "Công văn", "hướng dẫn lập dự toán ngân sách nhà nước năm 2024",
            ("Kính gửi: Các sở, ban, ngành cấp tỉnh; UBND các huyện, thành phố, thị xã.", *BODY_GENERIC)),
)


def _font(path: Path, pt: float, dpi: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), round(pt * dpi / 72))


def _centered(draw: ImageDraw.ImageDraw, cx: float, y: float, text: str,
              font: ImageFont.FreeTypeFont) -> float:
    w = draw.textlength(text, font=font)
    draw.text((cx - w / 2, y), text, font=font, fill=(20, 20, 25))
    return y + font.size * 1.35


def render(spec: DocSpec, *, dpi: int = 300, seed: int = 0, rotate: float | None = None,
           noise: float = 12.0) -> Image.Image:
    """Page 1 of ``spec`` as an RGB scan at ``dpi``."""
    rnd = random.Random(seed)
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.new("RGB", (width, height), (250, 248, 240))
    draw = ImageDraw.Draw(page)
    cm = dpi / 2.54
    reg, bold, ital = _font(REGULAR, 12.5, dpi), _font(BOLD, 12.5, dpi), _font(ITALIC, 12, dpi)
    small_bold, small = _font(BOLD, 11.5, dpi), _font(REGULAR, 11.5, dpi)
    left_cx, right_cx = 5.6 * cm, width - 1.8 * cm - 5.0 * cm
    y = 1.8 * cm
    for line in spec.parent:
        y = _centered(draw, left_cx, y, line, reg)
    for line in spec.issuer:
        y = _centered(draw, left_cx, y, line, bold)
    draw.line((left_cx - 1.2 * cm, y + 2, left_cx + 1.2 * cm, y + 2), fill=(20, 20, 25),
              width=max(1, dpi // 150))
    y = _centered(draw, left_cx, y + 0.3 * cm, f"Số: {spec.number:02d}/{spec.notation}", reg)
    if spec.type_name == "Công văn":
        for chunk in textwrap.wrap("V/v " + spec.subject, width=38):
            y = _centered(draw, left_cx, y, chunk, small)
    ry = 1.8 * cm
    ry = _centered(draw, right_cx, ry, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", small_bold)
    ry = _centered(draw, right_cx, ry, "Độc lập - Tự do - Hạnh phúc", bold)
    draw.line((right_cx - 2.2 * cm, ry + 2, right_cx + 2.2 * cm, ry + 2), fill=(20, 20, 25),
              width=max(1, dpi // 150))
    _centered(draw, right_cx, ry + 0.5 * cm, spec.date_text, ital)
    y = max(y, ry + 1.6 * cm) + 0.6 * cm
    if spec.type_name != "Công văn":
        y = _centered(draw, width / 2, y, spec.type_name.upper(), _font(BOLD, 14, dpi))
        for chunk in textwrap.wrap(spec.subject, width=60):
            y = _centered(draw, width / 2, y, chunk, bold)
        draw.line((width / 2 - 2 * cm, y + 4, width / 2 + 2 * cm, y + 4), fill=(20, 20, 25),
                  width=max(1, dpi // 150))
        y += 0.6 * cm
    text_w = width - 5 * cm
    for para in spec.body:
        words, line = para.split(), ""
        lines: list[str] = []
        for w in words:
            trial = f"{line} {w}".strip()
            if draw.textlength(trial, font=reg) > text_w and line:
                lines.append(line)
                line = w
            else:
                line = trial
        lines.append(line)
        for i, ln in enumerate(lines):
            x = 3 * cm + (1.0 * cm if i == 0 else 0)
            if para.isupper():
                _centered(draw, width / 2, y, ln, bold)
            else:
                draw.text((x, y), ln, font=reg, fill=(20, 20, 25))
            y += reg.size * 1.45
        y += reg.size * 0.4
    return degrade(page, rnd, rotate=rotate, noise=noise)


def degrade(page: Image.Image, rnd: random.Random, *, rotate: float | None, noise: float) -> Image.Image:
    angle = rnd.uniform(-0.8, 0.8) if rotate is None else rotate
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(250, 248, 240))
    page = page.filter(ImageFilter.GaussianBlur(radius=0.5 * page.width / 2480))
    if noise:
        grain = Image.effect_noise(page.size, noise).convert("RGB")
        page = Image.blend(page, grain, 0.06)
    draw = ImageDraw.Draw(page)
    scale = page.width / 2480
    for _ in range(400):
        x, y = rnd.randrange(page.width), rnd.randrange(page.height)
        r = max(1, round(rnd.choice((1, 1, 2)) * scale))
        draw.ellipse((x, y, x + r, y + r), fill=(90, 90, 90))
    return page


def save_scan(img: Image.Image, path: Path, *, dpi: int, quality: int = 88) -> Path:
    fmt = "JPEG" if path.suffix.lower() in (".jpg", ".jpeg") else None
    if fmt:
        img.save(path, format="JPEG", quality=quality, dpi=(dpi, dpi))
    else:
        img.save(path, dpi=(dpi, dpi))
    return path
