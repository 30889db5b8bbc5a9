"""placeholder: filled in the next commit."""

from __future__ import annotations

from typing import Any

handlers: list[Any] = []
