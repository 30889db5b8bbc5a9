"""Components the suite needs: skip locally when missing, fail in CI (never a silent skip there)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

IN_CI = bool(os.environ.get("CI"))


def require(ok: bool, what: str) -> None:
    if ok:
        return
    message = f"missing component: {what} (run `make test`, which installs it)"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"the `{name}` command")
    assert path is not None
    return path


def require_file(path: Path, what: str) -> Path:
    require(path.exists(), f"{what} ({path})")
    return path


@contextmanager
def tmpfs(mountpoint: Path, options: str, what: str) -> Iterator[Path]:
    """Mount a small tmpfs (as root, as CI runs) for the test's lifetime; unmount afterwards."""
    mountpoint.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mountpoint)],
                          capture_output=True, text=True)
    require(proc.returncode == 0, f"{what} ({proc.stderr.strip()})")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)
