"""Fixtures for exchange tests: a real hub process on a free 127.0.0.1 port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.exchange import A, B, HubHandle, S, make_hub


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubHandle]:
    """A running hub with agencies A, B and the supervising agency S registered."""
    handle = make_hub(tmp_path_factory.mktemp("hub"), [A, B, S])
    handle.start()
    yield handle
    handle.stop()


@pytest.fixture
def fresh_hub(tmp_path: Path) -> Iterator[HubHandle]:
    """A hub of its own, not started (the test starts and stops it)."""
    handle = make_hub(tmp_path / "hub", [A, B, S])
    yield handle
    handle.stop()
