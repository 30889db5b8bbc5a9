"""Users, roles and units in SQLite."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlite_utils import Database as SuDatabase

from node.domain.accounts import Role, Unit, User, UserLogin
from node.domain.clock import Clock
from node.store.audit import append_audit
from node.store.db import Database


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def create_user(db: SuDatabase, *, username: str, full_name: str, password_hash: str,
                roles: Iterable[Role], now: datetime, actor: str, title: str = "",
                unit_id: int | None = None) -> int:
    """Insert a user with roles and its audit row (inside a write transaction)."""
    ts = now.isoformat(timespec="seconds")
    cur = db.execute(
        "INSERT INTO user (username, full_name, title, unit_id, password_hash,"
        " password_changed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (username, full_name, title, unit_id, password_hash, ts, ts),
    )
    user_id = int(cur.lastrowid or 0)
    role_list = sorted({Role(r) for r in roles})
    for role in role_list:
        db.execute("INSERT INTO user_role (user_id, role) VALUES (?, ?)", (user_id, role.value))
    append_audit(db, now=now, actor=actor, action="user.create", subject=f"user:{user_id}",
                 detail={"username": username, "roles": [r.value for r in role_list]})
    return user_id


class SqliteUserStore:
    """Implements the domain's ``UserLogins``, ``UserDirectory`` and ``PeopleDirectory`` ports."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def _roles(self, user_id: int) -> frozenset[Role]:
        rows = self.db.query("SELECT role FROM user_role WHERE user_id = ?", (user_id,))
        return frozenset(Role(r["role"]) for r in rows)

    def get_login(self, username: str) -> UserLogin | None:
        row = self.db.query_one(
            "SELECT id, username, full_name, password_hash, active, failed_logins, locked_until"
            " FROM user WHERE username = ?", (username,))
        if row is None:
            return None
        return UserLogin(
            id=row["id"], username=row["username"], full_name=row["full_name"],
            password_hash=row["password_hash"], active=bool(row["active"]),
            failed_logins=row["failed_logins"], locked_until=_dt(row["locked_until"]),
            roles=self._roles(row["id"]),
        )

    def save_login_result(self, user: UserLogin, *, success: bool, now: datetime, reason: str) -> None:
        locked = user.locked_until.isoformat() if user.locked_until else None

        def tx(db: SuDatabase) -> None:
            db.execute(
                "UPDATE user SET failed_logins = ?, locked_until = ?,"
                " last_login_at = CASE WHEN ? THEN ? ELSE last_login_at END WHERE id = ?",
                (user.failed_logins, locked, success, now.isoformat(timespec="seconds"), user.id),
            )
            action = "login.ok" if success else ("login.locked" if locked else "login.failed")
            append_audit(db, now=now, actor=user.username, action=action, subject=f"user:{user.id}",
                         detail={"reason": reason})

        self.db.write(tx)

    def get(self, user_id: int) -> User | None:
        row = self.db.query_one(
            "SELECT id, username, full_name, title, unit_id, active FROM user WHERE id = ?", (user_id,))
        if row is None:
            return None
        return User(id=row["id"], username=row["username"], full_name=row["full_name"],
                          title=row["title"], unit_id=row["unit_id"], active=bool(row["active"]),
                          roles=self._roles(row["id"]))

    def count(self) -> int:
        row = self.db.query_one("SELECT count(*) AS n FROM user")
        return int(row["n"]) if row else 0

    def exists(self, username: str) -> bool:
        return self.db.query_one("SELECT 1 FROM user WHERE username = ?", (username,)) is not None

    def active_users(self, role: Role | None = None) -> list[User]:
        sql = "SELECT id, username, full_name, title, unit_id FROM user WHERE active = 1"
        params: tuple[str, ...] = ()
        if role is not None:
            sql += " AND id IN (SELECT user_id FROM user_role WHERE role = ?)"
            params = (role.value,)
        rows = self.db.query(sql + " ORDER BY full_name, username", params)
        roles: dict[int, set[Role]] = {}
        for r in self.db.query("SELECT user_id, role FROM user_role"):
            roles.setdefault(r["user_id"], set()).add(Role(r["role"]))
        return [User(id=r["id"], username=r["username"], full_name=r["full_name"], title=r["title"],
                     unit_id=r["unit_id"], active=True, roles=frozenset(roles.get(r["id"], ())))
                for r in rows]

    def units(self) -> list[Unit]:
        return [Unit(r["id"], r["code"], r["name"])
                for r in self.db.query("SELECT id, code, name FROM unit ORDER BY name")]
