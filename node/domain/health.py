"""Diagnostic checks: green / yellow / red, each with a Vietnamese line and what to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Protocol


class Level(IntEnum):
    GREEN = 0
    YELLOW = 1
    RED = 2

    @property
    def label(self) -> str:
        return {Level.GREEN: "green", Level.YELLOW: "yellow", Level.RED: "red"}[self]


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    message: str
    action: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "level": self.level.label, "message": self.message,
                "action": self.action, "data": self.data}


def worst(checks: list[Check]) -> Level:
    return max((c.level for c in checks), default=Level.GREEN)


def free_disk_check(free_bytes: int, min_free_mb: int) -> Check:
    free_mb = free_bytes // (1024 * 1024)
    data = {"free_mb": free_mb, "min_free_mb": min_free_mb}
    if free_mb < min_free_mb:
        return Check("disk", Level.RED, f"Ổ đĩa dữ liệu gần đầy: còn {free_mb} MB.",
                     "Giải phóng dung lượng hoặc chuyển bản sao lưu cũ sang phương tiện khác.", data)
    if free_mb < 2 * min_free_mb:
        return Check("disk", Level.YELLOW, f"Ổ đĩa dữ liệu sắp đầy: còn {free_mb} MB.",
                     "Lên kế hoạch giải phóng dung lượng.", data)
    return Check("disk", Level.GREEN, f"Ổ đĩa dữ liệu còn {free_mb} MB trống.", "", data)


class Heartbeat(Protocol):
    """Where a background worker says it is alive, once a pass (the store keeps it in the data
    directory, so ``vanthu doctor`` in another process can tell whether the workers run)."""

    def beat(self, worker: str) -> None: ...

    def crashed(self, worker: str, error: str) -> None: ...


class NoHeartbeat:
    """A heartbeat that records nothing (one-shot commands, tests of the loops)."""

    def beat(self, worker: str) -> None:
        pass

    def crashed(self, worker: str, error: str) -> None:
        pass
