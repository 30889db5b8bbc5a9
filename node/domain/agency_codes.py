"""Agency codes (mã định danh): QCVN 102 form ``AAA.BB.CC.XNN`` or a newer QĐ 20/2020 code.

QĐ 20/2020 codes are hierarchical, dot-separated, at most 35 characters (level 1 first).
"""

from __future__ import annotations

import re

QCVN102 = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
QD20 = re.compile(r"^[A-Z0-9]+(?:\.[A-Z0-9]+)+$")
MAX_LEN = 35


def agency_code_problem(code: str) -> str | None:
    """None when ``code`` is a well-formed agency code, else what is wrong (English, one phrase)."""
    if not code:
        return "empty"
    if len(code) > MAX_LEN:
        return f"longer than {MAX_LEN} characters"
    if QCVN102.match(code) or QD20.match(code):
        return None
    return "not of the form AAA.BB.CC.XNN (QCVN 102) nor a dot-separated QĐ 20/2020 code"
