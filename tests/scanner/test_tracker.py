"""The stability rule with an injected clock (no watcher threads)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from node.domain.clock import VN_TZ, FixedClock
from node.scanner.tracker import StabilityTracker, is_ignored


def test_stable_after_quiet_period_and_held_while_open(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ))
    t = StabilityTracker(clock, stable_seconds=2.0)
    f = tmp_path / "a.pdf"
    f.write_bytes(b"%PDF-1.4 part")
    t.seen(f)
    t.opened(f)
    clock.advance(timedelta(seconds=30))
    assert t.due() == [], "open for writing: not stable however long it is quiet"
    with f.open("ab") as h:
        h.write(b" more")
    t.closed(f, wrote=True)
    clock.advance(timedelta(seconds=1))
    assert t.due() == []  # size changed (the wait restarts now), and only 1 s since the close
    clock.advance(timedelta(seconds=1.5))
    assert t.due() == []
    clock.advance(timedelta(seconds=0.5))
    assert t.due() == [f]
    assert t.due() == [] and len(t) == 0


def test_vanished_files_are_dropped(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ))
    t = StabilityTracker(clock, stable_seconds=1.0)
    f = tmp_path / "b.pdf"
    f.write_bytes(b"x")
    t.discover(f)
    f.unlink()
    clock.advance(timedelta(seconds=5))
    assert t.due() == [] and len(t) == 0


def test_ignore_patterns() -> None:
    for name in (".hidden.pdf", "x.PART", "a.tmp", "~$doc.pdf", "Thumbs.db", "desktop.ini", ".DS_Store",
                 "x.pdf.reason.json"):
        assert is_ignored(name), name
    for name in ("scan 001.pdf", "IMG_0001.JPG", "page.tiff"):
        assert not is_ignored(name), name
