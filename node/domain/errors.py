"""Errors raised by the pure domain rules (the node's error family, without importing it)."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the office was broken; ``code`` is stable, ``message`` is Vietnamese."""

    code: str = "domain_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message
