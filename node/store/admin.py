"""Accounts and units as the admin pages change them (implements ``node.domain.admin.AccountAdmin``).

Each change runs in one write transaction together with its audit row. The last active
administrator cannot be disabled or lose the role (the office would lock itself out).
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database as SuDatabase

from node.domain.accounts import Role, User
from node.domain.admin import AdminError, NewAccount, check_unit
from node.store.audit import append_audit
from node.store.users import SqliteUserStore, create_user


def _last_admin_left(db: SuDatabase, user_id: int) -> bool:
    """Would ``user_id`` losing its admin role (or being disabled) leave no active admin?"""
    row = db.execute("SELECT count(*) FROM user u JOIN user_role r ON r.user_id = u.id"
                     " WHERE r.role = 'admin' AND u.active = 1 AND u.id <> ?", (user_id,)).fetchone()
    return int(row[0]) == 0


def _require_user(db: SuDatabase, user_id: int) -> str:
    row = db.execute("SELECT username FROM user WHERE id = ?", (user_id,)).fetchone()
    if row is None:
        raise AdminError(f"Không có tài khoản số {user_id}.", code="user_not_found")
    return str(row[0])


class SqliteAccountAdmin(SqliteUserStore):
    """Accounts and units for the admin pages: each change and its audit row in one transaction."""

    def list_users(self) -> list[User]:
        rows = self.db.query("SELECT id, username, full_name, title, unit_id, active FROM user"
                             " ORDER BY username")
        roles: dict[int, set[Role]] = {}
        for r in self.db.query("SELECT user_id, role FROM user_role"):
            roles.setdefault(int(r["user_id"]), set()).add(Role(r["role"]))
        return [User(id=r["id"], username=r["username"], full_name=r["full_name"], title=r["title"],
                     unit_id=r["unit_id"], active=bool(r["active"]), roles=frozenset(roles.get(r["id"], ())))
                for r in rows]

    def add_account(self, account: NewAccount, password_hash: str, *, now: datetime, actor: str) -> int:
        def tx(db: SuDatabase) -> int:
            if db.execute("SELECT 1 FROM user WHERE username = ?", (account.username,)).fetchone():
                raise AdminError(f"Tên đăng nhập “{account.username}” đã có.", code="user_exists")
            if account.unit_id is not None and not db.execute("SELECT 1 FROM unit WHERE id = ?",
                                                              (account.unit_id,)).fetchone():
                raise AdminError("Đơn vị không tồn tại.", code="unit_not_found")
            return create_user(db, username=account.username, full_name=account.full_name,
                               password_hash=password_hash, roles=account.roles, now=now, actor=actor,
                               title=account.title, unit_id=account.unit_id)

        return self.db.write(tx)

    def update_account(self, user_id: int, *, roles: frozenset[Role], unit_id: int | None, title: str,
                       full_name: str, now: datetime, actor: str) -> None:
        def tx(db: SuDatabase) -> None:
            username = _require_user(db, user_id)
            if Role.ADMIN not in roles and _last_admin_left(db, user_id):
                raise AdminError("Phải còn ít nhất một tài khoản quản trị đang hoạt động.", code="last_admin")
            if unit_id is not None and not db.execute("SELECT 1 FROM unit WHERE id = ?",
                                                      (unit_id,)).fetchone():
                raise AdminError("Đơn vị không tồn tại.", code="unit_not_found")
            db.execute("UPDATE user SET full_name = ?, title = ?, unit_id = ? WHERE id = ?",
                       (full_name, title, unit_id, user_id))
            db.execute("DELETE FROM user_role WHERE user_id = ?", (user_id,))
            for role in sorted(roles):
                db.execute("INSERT INTO user_role (user_id, role) VALUES (?, ?)", (user_id, role.value))
            append_audit(db, now=now, actor=actor, action="user.update", subject=f"user:{user_id}",
                         detail={"username": username, "roles": sorted(r.value for r in roles),
                                 "unit_id": unit_id, "title": title, "full_name": full_name})

        self.db.write(tx)

    def set_active(self, user_id: int, active: bool, *, now: datetime, actor: str) -> None:
        def tx(db: SuDatabase) -> None:
            username = _require_user(db, user_id)
            if not active and _last_admin_left(db, user_id) and db.execute(
                    "SELECT 1 FROM user_role WHERE user_id = ? AND role = 'admin'", (user_id,)).fetchone():
                raise AdminError("Không thể vô hiệu hóa tài khoản quản trị cuối cùng.", code="last_admin")
            db.execute("UPDATE user SET active = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
                       (int(active), user_id))
            append_audit(db, now=now, actor=actor, action="user.enable" if active else "user.disable",
                         subject=f"user:{user_id}", detail={"username": username})

        self.db.write(tx)

    def reset_password(self, user_id: int, password_hash: str, *, now: datetime, actor: str) -> None:
        def tx(db: SuDatabase) -> None:
            username = _require_user(db, user_id)
            db.execute("UPDATE user SET password_hash = ?, password_changed_at = ?, failed_logins = 0,"
                       " locked_until = NULL WHERE id = ?",
                       (password_hash, now.isoformat(timespec="seconds"), user_id))
            append_audit(db, now=now, actor=actor, action="user.password_reset", subject=f"user:{user_id}",
                         detail={"username": username})

        self.db.write(tx)

    def add_unit(self, code: str, name: str, *, now: datetime, actor: str) -> int:
        code, name = check_unit(code, name)

        def tx(db: SuDatabase) -> int:
            if db.execute("SELECT 1 FROM unit WHERE code = ?", (code,)).fetchone():
                raise AdminError(f"Mã đơn vị “{code}” đã có.", code="unit_exists")
            cur = db.execute("INSERT INTO unit (code, name) VALUES (?, ?)", (code, name))
            unit_id = int(cur.lastrowid or 0)
            append_audit(db, now=now, actor=actor, action="unit.create", subject=f"unit:{unit_id}",
                         detail={"code": code, "name": name})
            return unit_id

        return self.db.write(tx)

    def rename_unit(self, unit_id: int, name: str, *, now: datetime, actor: str) -> None:
        name = " ".join(name.split())
        if not name:
            raise AdminError("Chưa nhập tên đơn vị.", code="unit_name_missing")

        def tx(db: SuDatabase) -> None:
            row = db.execute("SELECT name FROM unit WHERE id = ?", (unit_id,)).fetchone()
            if row is None:
                raise AdminError(f"Không có đơn vị số {unit_id}.", code="unit_not_found")
            db.execute("UPDATE unit SET name = ? WHERE id = ?", (name, unit_id))
            append_audit(db, now=now, actor=actor, action="unit.rename", subject=f"unit:{unit_id}",
                         detail={"from": row[0], "to": name})

        self.db.write(tx)
