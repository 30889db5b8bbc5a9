"""People and logins: roles, the lockout rule and the login use case."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from node.domain.clock import Clock
from node.domain.errors import DomainError


class Role(StrEnum):
    ADMIN = "admin"
    CLERK = "clerk"
    LEADER = "leader"
    SPECIALIST = "specialist"


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "Quản trị",
    Role.CLERK: "Văn thư",
    Role.LEADER: "Lãnh đạo",
    Role.SPECIALIST: "Chuyên viên",
}


class LoginFailed(DomainError):
    code = "login_failed"


class AccountLocked(DomainError):
    code = "account_locked"


class AccountDisabled(DomainError):
    code = "account_disabled"


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 10
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class UserLogin:
    """What the login rule needs to know about an account."""

    id: int
    username: str
    full_name: str
    password_hash: str
    active: bool
    failed_logins: int
    locked_until: datetime | None
    roles: frozenset[Role]


def is_locked(user: UserLogin, now: datetime) -> bool:
    return user.locked_until is not None and now < user.locked_until


def after_failure(user: UserLogin, now: datetime, policy: LockoutPolicy) -> UserLogin:
    """Count one failure; the ``max_failures``-th in a row locks the account."""
    failures = user.failed_logins + 1
    if failures >= policy.max_failures:
        return replace(user, failed_logins=0, locked_until=now + policy.lockout)
    return replace(user, failed_logins=failures, locked_until=None)


def after_success(user: UserLogin) -> UserLogin:
    return replace(user, failed_logins=0, locked_until=None)


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def dummy_verify(self) -> None:
        """Spend the time of one verification (so unknown names cost the same)."""
        ...


class UserLogins(Protocol):
    def get_login(self, username: str) -> UserLogin | None: ...

    def save_login_result(self, user: UserLogin, *, success: bool, now: datetime,
                          reason: str) -> None:
        """Persist the failure counter and lock, with an audit row, in one transaction."""
        ...


def _remaining(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds() + 59) // 60)


def authenticate(users: UserLogins, hasher: PasswordHasher, clock: Clock, policy: LockoutPolicy,
                 username: str, password: str) -> UserLogin:
    """Check a username and password. Raises a DomainError with a Vietnamese message."""
    now = clock.now()
    user = users.get_login(username.strip())
    if user is None:
        hasher.dummy_verify()
        raise LoginFailed("Tên đăng nhập hoặc mật khẩu không đúng.")
    if not user.active:
        hasher.dummy_verify()
        raise AccountDisabled("Tài khoản đã bị vô hiệu hóa. Liên hệ quản trị hệ thống.")
    if is_locked(user, now):
        assert user.locked_until is not None
        raise AccountLocked(
            f"Tài khoản tạm khóa do đăng nhập sai nhiều lần. Thử lại sau"
            f" {_remaining(user.locked_until, now)} phút."
        )
    if not hasher.verify(user.password_hash, password):
        failed = after_failure(user, now, policy)
        users.save_login_result(failed, success=False, now=now, reason="wrong_password")
        if failed.locked_until is not None:
            raise AccountLocked(
                f"Sai mật khẩu {policy.max_failures} lần liên tiếp: tài khoản bị tạm khóa"
                f" {_remaining(failed.locked_until, now)} phút."
            )
        left = policy.max_failures - failed.failed_logins
        raise LoginFailed(f"Tên đăng nhập hoặc mật khẩu không đúng. Còn {left} lần thử"
                          f" trước khi tài khoản bị tạm khóa.")
    ok = after_success(user)
    users.save_login_result(ok, success=True, now=now, reason="ok")
    return ok


@dataclass(frozen=True)
class User:
    """A person as the rest of the node sees them."""

    id: int
    username: str
    full_name: str
    title: str
    unit_id: int | None
    active: bool
    roles: frozenset[Role]

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def role_labels(self) -> list[str]:
        return [ROLE_LABELS[r] for r in Role if r in self.roles]


class UserDirectory(Protocol):
    def get(self, user_id: int) -> User | None: ...


@dataclass(frozen=True)
class Unit:
    """A unit (phòng, ban) of the agency: documents are assigned to a unit or to a person."""

    id: int
    code: str
    name: str


class PeopleDirectory(Protocol):
    """Who can be chosen in a form: leaders to present to, people and units to assign to."""

    def active_users(self, role: Role | None = None) -> list[User]:
        """Active accounts (holding ``role`` when given), by full name."""
        ...

    def units(self) -> list[Unit]: ...
