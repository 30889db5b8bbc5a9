"""Fixtures for the operations tests: a writer child process and a tiny full medium."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.tools import tmpfs


class Writer:
    """tests/support/crash_writer.py as a child: blob + row + audit row in a loop."""

    def __init__(self, data_dir: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.support.crash_writer", str(data_dir)],
                                     stdout=subprocess.PIPE, text=True, cwd=ROOT)
        self.count = 0

    def wait_for(self, rows: int, timeout: float = 60) -> int:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while self.count < rows and time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"writer exited with {self.proc.wait()}")
            self.count = int(line)
        assert self.count >= rows, f"writer reached only {self.count} rows"
        return self.count

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture
def writer_factory() -> Iterator[type[Writer]]:
    started: list[Writer] = []

    class _W(Writer):
        def __init__(self, data_dir: Path) -> None:
            super().__init__(data_dir)
            started.append(self)

    yield _W
    for w in started:
        w.stop()


@pytest.fixture
def full_medium(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs: a backup medium that fills up (needs root and mount, as in the CI container)."""
    with tmpfs(tmp_path / "tiny-medium", "size=1m", "mounting a 1 MB tmpfs") as mnt:
        yield mnt
