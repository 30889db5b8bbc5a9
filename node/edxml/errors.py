"""Errors raised when an edXML package cannot be understood."""

from __future__ import annotations


class PackageError(Exception):
    """The package is invalid; ``code`` is stable, ``message`` says what is wrong."""

    code: str = "package_invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message
