"""Accounts and logins for the register page tests (in-process account creation: `vanthu user add`
costs a second of interpreter start per account)."""

from __future__ import annotations

import re
import secrets

import httpx

from node.app import open_node
from node.domain.accounts import Role
from node.store.users import create_user
from node.web.passwords import Argon2Hasher
from tests.conftest import NodeDir

CSRF_RE = re.compile(r'name="_csrf_token" value="([^"]+)"')


def add_users(node: NodeDir, accounts: dict[str, Role]) -> dict[str, str]:
    """Create the accounts (username → role) with real argon2 hashes; returns username → password."""
    opened = open_node(node.config)
    hasher = Argon2Hasher()
    passwords: dict[str, str] = {}
    try:
        for username, role in accounts.items():
            password = secrets.token_urlsafe(12)
            digest = hasher.hash(password)
            opened.db.write(lambda db, u=username, r=role, d=digest: create_user(
                db, username=u, full_name=f"Người dùng {u}", password_hash=d, roles=[r],
                now=opened.clock.now(), actor="test"))
            passwords[username] = password
    finally:
        opened.close()
    return passwords


def csrf_token(client: httpx.Client) -> str:
    page = client.get("/login")
    m = CSRF_RE.search(page.text)
    assert m, page.text[:500]
    return m.group(1)


def log_in(client: httpx.Client, username: str, password: str) -> str:
    """Log in through the form; returns the CSRF token for later posts (it is the cookie's)."""
    token = csrf_token(client)
    r = client.post("/login", data={"username": username, "password": password, "next": "/",
                                    "_csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:500])
    return token
