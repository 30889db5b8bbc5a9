"""Default Vietnamese public-holiday table for the working-day calendar (data, not logic).

Rows are ``(date, kind, name, note)``: ``kind`` is ``"holiday"`` (a weekday off) or
``"makeup"`` (a Saturday or Sunday that is worked instead, "làm bù"). Weekend days that fall
inside a break need no row. The office or district IT edits this table every year (the
Government announces the exact days, usually in the autumn of the year before), so the node
keeps it as editable data; these rows are only what a fresh node starts with.

Sources: Bộ luật Lao động 2019 Điều 112 (1/1; 5 days Tết Nguyên đán; 10/3 âm lịch; 30/4; 1/5;
2/9 plus one adjacent day) and the Ministry of Home Affairs' yearly notices for civil servants.
``note`` says how sure each row is: "chắc chắn" (announced and well known), "dự kiến"
(projected from the law and the lunar calendar; check the official notice and edit).
Lunar dates: Tết Ất Tỵ = 2025-01-29, Tết Bính Ngọ = 2026-02-17, Tết Đinh Mùi = 2027-02-06;
Giỗ Tổ Hùng Vương (10/3 âm lịch) = 2025-04-07, 2026-04-26 (a Sunday), 2027-04-16.
"""

from __future__ import annotations

SURE = "chắc chắn"
PROJECTED = "dự kiến — kiểm tra thông báo chính thức"

DEFAULT_HOLIDAY_ROWS: tuple[tuple[str, str, str, str], ...] = (
    # ---- 2025 ----------------------------------------------------------------------------
    ("2025-01-01", "holiday", "Tết Dương lịch", SURE),
    # Tết Ất Tỵ: break Sat 25/01 – Sun 02/02/2025 (26 tháng Chạp – mùng 5), no make-up day.
    ("2025-01-27", "holiday", "Tết Nguyên đán", SURE),
    ("2025-01-28", "holiday", "Tết Nguyên đán", SURE),
    ("2025-01-29", "holiday", "Tết Nguyên đán", SURE),
    ("2025-01-30", "holiday", "Tết Nguyên đán", SURE),
    ("2025-01-31", "holiday", "Tết Nguyên đán", SURE),
    ("2025-04-07", "holiday", "Giỗ Tổ Hùng Vương (10/3 âm lịch)", SURE),
    # 30/4 (Wed) and 1/5 (Thu); Fri 02/05 swapped with Sat 26/04 for civil servants.
    ("2025-04-30", "holiday", "Ngày Giải phóng miền Nam, thống nhất đất nước", SURE),
    ("2025-05-01", "holiday", "Ngày Quốc tế Lao động", SURE),
    ("2025-05-02", "holiday", "Nghỉ hoán đổi (làm bù thứ Bảy 26/4)", SURE),
    ("2025-04-26", "makeup", "Làm bù cho thứ Sáu 02/5", SURE),
    # Quốc khánh 2/9 (Tue) plus the day before (Mon 01/09): break Sat 30/08 – Tue 02/09.
    ("2025-09-01", "holiday", "Quốc khánh (ngày liền kề)", SURE),
    ("2025-09-02", "holiday", "Quốc khánh", SURE),
    # ---- 2026 ----------------------------------------------------------------------------
    # The Ministry proposed swapping Fri 02/01 for a Saturday (a 4-day break 01–04/01); not
    # confirmed here, so only 1/1 is listed.
    ("2026-01-01", "holiday", "Tết Dương lịch", SURE),
    # Tết Bính Ngọ: break Sat 14/02 – Sun 22/02/2026.
    ("2026-02-16", "holiday", "Tết Nguyên đán", SURE),
    ("2026-02-17", "holiday", "Tết Nguyên đán", SURE),
    ("2026-02-18", "holiday", "Tết Nguyên đán", SURE),
    ("2026-02-19", "holiday", "Tết Nguyên đán", SURE),
    ("2026-02-20", "holiday", "Tết Nguyên đán", SURE),
    # 10/3 âm lịch falls on Sunday 26/04/2026: the day off moves to Monday 27/04.
    ("2026-04-27", "holiday", "Giỗ Tổ Hùng Vương (nghỉ bù cho Chủ nhật 26/4)", SURE),
    ("2026-04-30", "holiday", "Ngày Giải phóng miền Nam, thống nhất đất nước", SURE),
    ("2026-05-01", "holiday", "Ngày Quốc tế Lao động", SURE),
    # 2/9 is a Wednesday; which adjacent day (01/09 or 03/09) is not certain, and a 5-day break
    # with a swapped day was proposed by the Ministry of Home Affairs: check the notice.
    ("2026-09-01", "holiday", "Quốc khánh (ngày liền kề)", PROJECTED),
    ("2026-09-02", "holiday", "Quốc khánh", SURE),
    # Ngày Văn hóa Việt Nam (24/11) has been discussed as a paid day off; not included until the
    # office confirms it (add a row here if it applies).
    # ---- 2027 (projected from the law; edit when the notice is out) ------------------------
    ("2027-01-01", "holiday", "Tết Dương lịch", SURE),
    # Tết Đinh Mùi: mùng 1 = Sat 06/02/2027; 5 days, weekend days compensated: projected as
    # Thu 04/02 – Fri 05/02 and Mon 08/02 – Wed 10/02.
    ("2027-02-04", "holiday", "Tết Nguyên đán", PROJECTED),
    ("2027-02-05", "holiday", "Tết Nguyên đán", PROJECTED),
    ("2027-02-08", "holiday", "Tết Nguyên đán", PROJECTED),
    ("2027-02-09", "holiday", "Tết Nguyên đán", PROJECTED),
    ("2027-02-10", "holiday", "Tết Nguyên đán", PROJECTED),
    ("2027-04-16", "holiday", "Giỗ Tổ Hùng Vương (10/3 âm lịch)", PROJECTED),
    ("2027-04-30", "holiday", "Ngày Giải phóng miền Nam, thống nhất đất nước", SURE),
    # 1/5/2027 is a Saturday: the day off moves to Monday 03/05.
    ("2027-05-03", "holiday", "Ngày Quốc tế Lao động (nghỉ bù cho thứ Bảy 1/5)", PROJECTED),
    # 2/9 is a Thursday; adjacent day projected as Friday 03/09.
    ("2027-09-02", "holiday", "Quốc khánh", SURE),
    ("2027-09-03", "holiday", "Quốc khánh (ngày liền kề)", PROJECTED),
)
