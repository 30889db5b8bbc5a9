"""Property: whatever mix of registers, years and failed transactions, every series is 1..n."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.store.db import Database
from node.store.registers import allocate_number

VN = timezone(timedelta(hours=7))
# instants around new year in Vietnam, in several zones
INSTANTS = [datetime(2026, 12, 31, 23, 59, 59, tzinfo=VN), datetime(2027, 1, 1, 0, 0, tzinfo=VN),
            datetime(2026, 12, 31, 16, 59, tzinfo=UTC), datetime(2026, 12, 31, 17, 1, tzinfo=UTC),
            datetime(2026, 6, 1, 9, tzinfo=VN)]
step = st.tuples(st.sampled_from(["den", "di", "di-mat", "den-mat", "sao"]), st.sampled_from(INSTANTS),
                 st.booleans())


class Boom(Exception):
    pass


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=40))
def test_every_series_is_gapless(steps: list[tuple[str, datetime, bool]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "n.db").open()
        try:
            expected: Counter[tuple[str, int]] = Counter()
            for code, at, fails in steps:
                def tx(d, code=code, at=at, fails=fails):  # type: ignore[no-untyped-def]
                    n = allocate_number(d, code, at=at, actor="p", subject="x")
                    if fails:
                        raise Boom  # the document could not be saved: the number must not stay taken
                    return n

                try:
                    got = db.write(tx)
                except Boom:
                    continue
                year = (at.astimezone(UTC) + timedelta(hours=7)).year
                expected[(code, year)] += 1
                assert (got.year, got.number) == (year, expected[(code, year)])
            rows = db.query("SELECT register_code, year, number FROM register_entry ORDER BY 1, 2, 3")
            series: dict[tuple[str, int], list[int]] = {}
            for r in rows:
                series.setdefault((r["register_code"], r["year"]), []).append(r["number"])
            assert {k: len(v) for k, v in series.items()} == dict(expected)
            for numbers in series.values():
                assert numbers == list(range(1, len(numbers) + 1))
        finally:
            db.close()
