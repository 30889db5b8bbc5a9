"""Schema migrations, applied in order, each in a transaction with its record.

Model: ``sqlite_utils/migrations.py``. Append new migrations at the end; never edit one that
has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("vanthu")


@migrations(name="0001_core")
def m0001_core(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        CREATE TABLE blob (
            sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
            size       INTEGER NOT NULL CHECK (size >= 0),
            media_type TEXT NOT NULL DEFAULT 'application/octet-stream',
            created_at TEXT NOT NULL
        );

        CREATE TABLE audit (
            id        INTEGER PRIMARY KEY,
            ts        TEXT NOT NULL,
            actor     TEXT NOT NULL,
            action    TEXT NOT NULL,
            subject   TEXT NOT NULL DEFAULT '',
            detail    TEXT NOT NULL DEFAULT '{}',
            prev_hash TEXT NOT NULL,
            hash      TEXT NOT NULL UNIQUE
        );
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;

        CREATE TABLE audit_head (
            id        INTEGER PRIMARY KEY CHECK (id = 1),
            last_id   INTEGER NOT NULL,
            last_hash TEXT NOT NULL
        );

        CREATE TABLE unit (
            id        INTEGER PRIMARY KEY,
            code      TEXT NOT NULL UNIQUE,
            name      TEXT NOT NULL,
            parent_id INTEGER REFERENCES unit(id)
        );

        CREATE TABLE user (
            id                  INTEGER PRIMARY KEY,
            username            TEXT NOT NULL UNIQUE COLLATE NOCASE,
            full_name           TEXT NOT NULL,
            title               TEXT NOT NULL DEFAULT '',
            unit_id             INTEGER REFERENCES unit(id),
            password_hash       TEXT NOT NULL,
            active              INTEGER NOT NULL DEFAULT 1,
            failed_logins       INTEGER NOT NULL DEFAULT 0,
            locked_until        TEXT,
            last_login_at       TEXT,
            password_changed_at TEXT NOT NULL,
            created_at          TEXT NOT NULL
        );

        CREATE TABLE user_role (
            user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
            role    TEXT NOT NULL CHECK (role IN ('admin', 'clerk', 'leader', 'specialist')),
            PRIMARY KEY (user_id, role)
        );
        """
    )
