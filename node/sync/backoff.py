"""Retry delays: exponential backoff with full jitter (tenacity), capped by configuration."""

from __future__ import annotations

from datetime import timedelta

import tenacity


def backoff_delay(attempt: int, *, base: float, cap: float) -> timedelta:
    """Delay before retry number ``attempt`` (1 = the first retry): uniform in [0, min(cap, base·2ⁿ)]."""
    state = tenacity.RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = max(1, attempt)
    seconds = tenacity.wait_random_exponential(multiplier=base, max=cap)(state)
    return timedelta(seconds=max(0.0, float(seconds)))
