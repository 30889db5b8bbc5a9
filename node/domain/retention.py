"""Which backups to keep: the newest of each recent day, ISO week and month (grandfather-father-son).

A backup kept by any of the three rules stays; the newest backup always stays, whatever the
rule says, so pruning can never leave a medium without a copy.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo


@dataclass(frozen=True)
class RetentionRule:
    keep_daily: int = 7
    keep_weekly: int = 5
    keep_monthly: int = 12


def _newest_per_period(times: Sequence[datetime], count: int,
                       period: Callable[[datetime], Hashable]) -> set[int]:
    """Indexes of the newest time in each of the ``count`` most recent periods that have one."""
    kept: set[int] = set()
    seen: list[Hashable] = []
    for i in sorted(range(len(times)), key=lambda j: times[j], reverse=True):
        key = period(times[i])
        if key in seen:
            continue
        if len(seen) >= count:
            break
        seen.append(key)
        kept.add(i)
    return kept


def backups_to_keep(times: Sequence[datetime], rule: RetentionRule, tz: tzinfo) -> set[int]:
    """Indexes (into ``times``) of the backups the rule keeps; periods are counted in ``tz``."""
    if not times:
        return set()
    local = [t.astimezone(tz) for t in times]
    keep = _newest_per_period(local, rule.keep_daily, lambda t: t.date())
    keep |= _newest_per_period(local, rule.keep_weekly, lambda t: t.isocalendar()[:2])
    keep |= _newest_per_period(local, rule.keep_monthly, lambda t: (t.year, t.month))
    keep.add(max(range(len(times)), key=lambda j: times[j]))
    return keep
