"""When is a file in a hot folder completely written?

The rule: nobody has it open for writing (as far as inotify told us), and no event arrived and
its size and mtime did not change for ``stable_seconds`` of the injected clock. Paperless-ngx's
``FileStabilityTracker`` polls size and mtime only; here the open/close events of inotify hold a
file back while a slow writer (a scanner writing over SMB, 1 KB at a time) still has it open,
however long it pauses — with a generous cap, in case a close event was lost.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from node.domain.clock import Clock

# Names scanners, copy tools and operating systems use for files that are not finished or not
# documents at all. Matched case-insensitively against the file name.
DEFAULT_IGNORE: tuple[str, ...] = (
    ".*", "~$*", "~*", "*~", "*.part", "*.partial", "*.tmp", "*.temp", "*.crdownload", "*.download",
    "*.swp", "*.lock", "*.filepart", "*.!ut", "*.reason.json", "*.result.json",
    "Thumbs.db", "desktop.ini", ".DS_Store", "*.ini", "*.db",
)


def is_ignored(name: str, patterns: Iterable[str] = DEFAULT_IGNORE) -> bool:
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in patterns)


@dataclass
class _Entry:
    size: int
    mtime_ns: int
    changed_at: datetime
    last_event_at: datetime
    writers: int = 0


class StabilityTracker:
    """Tracks candidate files; :meth:`due` returns those that became stable (and forgets them)."""

    def __init__(self, clock: Clock, *, stable_seconds: float, open_cap_seconds: float = 600.0) -> None:
        self.clock = clock
        self.stable = timedelta(seconds=stable_seconds)
        self.open_cap = timedelta(seconds=max(open_cap_seconds, stable_seconds))
        self._entries: dict[Path, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, path: object) -> bool:
        return path in self._entries

    def _entry(self, path: Path) -> _Entry | None:
        entry = self._entries.get(path)
        if entry is None:
            try:
                st = os.stat(path)
            except OSError:
                return None
            now = self.clock.now()
            entry = _Entry(st.st_size, st.st_mtime_ns, now, now)
            self._entries[path] = entry
        return entry

    def discover(self, path: Path) -> None:
        """A folder scan found the file: track it if new, without restarting its wait."""
        self._entry(path)

    def seen(self, path: Path) -> None:
        """An event (created, modified, moved here) or a rescan found the file: (re)start its wait."""
        existed = path in self._entries
        entry = self._entry(path)
        if entry is not None and existed:
            now = self.clock.now()
            entry.changed_at = entry.last_event_at = now

    def opened(self, path: Path) -> None:
        entry = self._entry(path)
        if entry is not None:
            entry.writers += 1
            entry.last_event_at = self.clock.now()

    def closed(self, path: Path, *, wrote: bool) -> None:
        entry = self._entry(path)
        if entry is not None:
            entry.writers = max(0, entry.writers - 1)
            now = self.clock.now()
            entry.last_event_at = now
            if wrote:
                entry.changed_at = now

    def forget(self, path: Path) -> None:
        self._entries.pop(path, None)

    def due(self) -> list[Path]:
        """Files stable now, oldest change first. Vanished files are dropped silently."""
        now = self.clock.now()
        ready: list[tuple[datetime, Path]] = []
        for path, entry in list(self._entries.items()):
            try:
                st = os.stat(path)
            except OSError:
                del self._entries[path]
                continue
            if (st.st_size, st.st_mtime_ns) != (entry.size, entry.mtime_ns):
                entry.size, entry.mtime_ns, entry.changed_at = st.st_size, st.st_mtime_ns, now
                continue
            if entry.writers > 0 and now - entry.last_event_at < self.open_cap:
                continue
            if now - entry.changed_at >= self.stable:
                ready.append((entry.changed_at, path))
        ready.sort()
        for _, path in ready:
            del self._entries[path]
        return [p for _, p in ready]
