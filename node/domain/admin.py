"""Administering the office: accounts (roles, unit, title, enabled), units, and their rules.

The admin pages call :class:`AccountAdmin` (the SQLite adapter is
``node.store.users.SqliteUserStore``); every change there writes its audit row in the same
transaction. Passwords are generated here (shown once to the administrator, stored only as an
argon2 hash by the caller) and never logged.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from node.domain.accounts import Role, Unit, User
from node.domain.errors import DomainError


class AdminError(DomainError):
    code = "admin_invalid"


_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
_UNIT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")


@dataclass(frozen=True)
class NewAccount:
    username: str
    full_name: str
    roles: frozenset[Role]
    title: str = ""
    unit_id: int | None = None


def _clean(text: str) -> str:
    return " ".join(text.split())


def new_account(username: str, full_name: str, roles: Iterable[str], *, title: str = "",
                unit_id: int | None = None) -> NewAccount:
    """Check what the administrator typed: a lower-case login name, a name, at least one role."""
    name = username.strip().lower()
    if not _USERNAME_RE.match(name):
        raise AdminError("Tên đăng nhập gồm 2–32 ký tự: chữ thường không dấu, số, dấu chấm, gạch"
                         " dưới hoặc gạch ngang.", code="username_invalid")
    if not _clean(full_name):
        raise AdminError("Chưa nhập họ và tên.", code="full_name_missing")
    return NewAccount(name, _clean(full_name), parse_roles(roles), _clean(title), unit_id)


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    try:
        roles = frozenset(Role(v) for v in values if v)
    except ValueError as e:
        raise AdminError("Vai trò không hợp lệ.", code="role_invalid") from e
    if not roles:
        raise AdminError("Cần chọn ít nhất một vai trò.", code="role_missing")
    return roles


def check_unit(code: str, name: str) -> tuple[str, str]:
    code, name = code.strip(), _clean(name)
    if not _UNIT_CODE_RE.match(code):
        raise AdminError("Mã đơn vị gồm 1–20 ký tự: chữ không dấu, số, dấu chấm, gạch dưới hoặc gạch"
                         " ngang.", code="unit_code_invalid")
    if not name:
        raise AdminError("Chưa nhập tên đơn vị.", code="unit_name_missing")
    return code, name


def new_password() -> str:
    """A one-time password for a new or reset account (16 URL-safe characters)."""
    return secrets.token_urlsafe(12)


class AccountAdmin(Protocol):
    """Accounts and units; each change is one transaction with its audit row."""

    def list_users(self) -> list[User]: ...

    def get(self, user_id: int) -> User | None: ...

    def exists(self, username: str) -> bool: ...

    def add_account(self, account: NewAccount, password_hash: str, *, now: datetime, actor: str) -> int: ...

    def update_account(self, user_id: int, *, roles: frozenset[Role], unit_id: int | None, title: str,
                       full_name: str, now: datetime, actor: str) -> None: ...

    def set_active(self, user_id: int, active: bool, *, now: datetime, actor: str) -> None: ...

    def reset_password(self, user_id: int, password_hash: str, *, now: datetime, actor: str) -> None: ...

    def units(self) -> list[Unit]: ...

    def add_unit(self, code: str, name: str, *, now: datetime, actor: str) -> int: ...

    def rename_unit(self, unit_id: int, name: str, *, now: datetime, actor: str) -> None: ...
