"""Components the suite needs: skip locally when missing, fail in CI (never a silent skip there)."""

from __future__ import annotations

import os
import shutil
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
