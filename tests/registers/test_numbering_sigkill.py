"""Acceptance 3 through the web: 8 clerks, each with their own account and HTTP client, take numbers
for paper documents (POST /so-dang-ky/di/lay-so) from a real `vanthu serve` until the register holds
1,000 numbers, while the server is SIGKILLed at random moments and restarted. The register ends up
holding exactly 1..N, every number a clerk was told is there with that clerk's trích yếu, and the
audit chain verifies."""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from node.domain.accounts import Role
from node.store.db import Database
from tests.conftest import VANTHU, NodeDir, run_cli
from tests.registers.web_support import add_users, log_in
from tests.support.servers import ServerProcess, free_port

TARGET = 1000
CLERKS = 8


@dataclass
class Progress:
    """The highest number any clerk was told, and the stop flag, shared by the threads."""

    cond: threading.Condition = field(default_factory=threading.Condition)
    top: int = 0
    done: bool = False
    failure: str = ""

    def told(self, number: int) -> None:
        with self.cond:
            self.top = max(self.top, number)
            self.done = self.done or self.top >= TARGET
            self.cond.notify_all()

    def fail(self, why: str) -> None:
        with self.cond:
            self.failure = self.failure or why
            self.done = True
            self.cond.notify_all()

    def wait_for(self, number: int, timeout: float) -> None:
        with self.cond:
            self.cond.wait_for(lambda: self.done or self.top >= number, timeout=timeout)


@dataclass
class Clerk:
    """One clerk at their browser: logs in once per session, retries after the server dies."""

    username: str
    password: str
    url: str
    progress: Progress
    up: threading.Event
    told: list[tuple[int, int, str]] = field(default_factory=list)  # (year, number, subject)
    attempted: list[str] = field(default_factory=list)
    transport_errors: int = 0
    logins: int = 0

    def run(self) -> None:
        try:
            self._run()
        except Exception as e:  # the test thread reports it
            self.progress.fail(f"{self.username}: {e!r}")

    def _run(self) -> None:
        token: str | None = None
        with httpx.Client(base_url=self.url, timeout=30.0) as client:
            while not self.progress.done:
                try:
                    if token is None:
                        token = log_in(client, self.username, self.password)
                        self.logins += 1
                    subject = f"Văn bản giấy của {self.username}, lần {len(self.attempted) + 1}"
                    self.attempted.append(subject)
                    r = client.post("/so-dang-ky/di/lay-so",
                                    data={"trich_yeu": subject, "_csrf_token": token},
                                    headers={"accept": "application/json"}, follow_redirects=False)
                except httpx.TransportError:
                    self.transport_errors += 1
                    if self.transport_errors > 200:
                        raise
                    self.up.wait(timeout=60)  # the controller sets it once the server answers again
                    continue
                if r.status_code == 201:
                    got = r.json()
                    assert got["subject"] == subject, got
                    self.told.append((got["year"], got["number"], subject))
                    self.progress.told(got["number"])
                elif r.status_code in (302, 303) and r.headers["location"].startswith("/login"):
                    token = None  # the session was lost: log in again
                else:
                    raise AssertionError(f"unexpected answer {r.status_code}: {r.text[:300]}")


@pytest.mark.slow
def test_eight_clerks_take_1000_numbers_from_a_server_sigkilled_at_random(
        make_node: Callable[..., NodeDir], tmp_path: Path) -> None:
    port = free_port()
    node = make_node(port=port)
    passwords = add_users(node, {f"vanthu{i}": Role.CLERK for i in range(1, CLERKS + 1)})
    server = ServerProcess([*VANTHU, "--config", str(node.config_path), "serve", "--port", str(port)],
                           port=port, log_path=tmp_path / "serve.log")
    rng = random.Random(3_2026)
    progress, up = Progress(), threading.Event()
    clerks = [Clerk(u, p, server.url, progress, up) for u, p in passwords.items()]
    threads = [threading.Thread(target=c.run, name=c.username, daemon=True) for c in clerks]
    kills: list[int] = []
    started = time.monotonic()
    server.start()
    try:
        up.set()
        for t in threads:
            t.start()
        next_kill = rng.randint(100, 250)
        while next_kill < TARGET:
            progress.wait_for(next_kill, timeout=60)
            assert not progress.failure, progress.failure
            assert progress.top >= next_kill, f"no progress past {progress.top}:\n{server.log()[-3000:]}"
            up.clear()
            server.kill()  # SIGKILL while the clerks' requests are in flight
            kills.append(progress.top)
            server.start()
            up.set()
            next_kill = progress.top + rng.randint(100, 250)
        for t in threads:
            t.join(timeout=60)
        assert not progress.failure, progress.failure
        assert all(not t.is_alive() for t in threads), "a clerk is stuck"
        listing_client = httpx.Client(base_url=server.url, timeout=30.0)
        with listing_client:
            log_in(listing_client, clerks[0].username, clerks[0].password)
            listing = listing_client.get("/so-dang-ky").text
    finally:
        progress.fail("test ended")
        up.set()
        server.stop()
    elapsed = time.monotonic() - started

    told = [t for c in clerks for t in c.told]
    years = {y for y, _, _ in told}
    assert len(years) == 1, years
    year = years.pop()
    db = Database(node.config.db_path).open(migrate=False)
    try:
        assert [r[0] for r in db.query("PRAGMA integrity_check")] == ["ok"]
        rows = db.query("SELECT number, actor, subject FROM register_entry"
                        " WHERE register_code = 'di' AND year = ? ORDER BY number", (year,))
    finally:
        db.close()
    numbers = [r["number"] for r in rows]
    n = len(numbers)
    assert n >= TARGET and numbers == list(range(1, n + 1)), "gap or repeat in the register"
    entry = {r["number"]: (r["actor"], r["subject"]) for r in rows}
    # no number was told twice; every number told is in the register with that clerk's trích yếu
    assert [k for k, c in Counter(number for _, number, _ in told).items() if c > 1] == []
    for c in clerks:
        for _, number, subject in c.told:
            assert entry[number] == (c.username, subject), (number, entry[number], c.username, subject)
    # every entry comes from one request a clerk really sent, and no request took two numbers
    attempted = {s: c.username for c in clerks for s in c.attempted}
    assert all(attempted.get(subject) == actor for actor, subject in entry.values())
    assert len({subject for _, subject in entry.values()}) == n
    last = re.search(r'data-register="di">.*?data-last="(\d+)"', listing, re.S)
    assert last and int(last.group(1)) == n

    verify = run_cli("--config", str(node.config_path), "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr

    untold = n - len(told)  # committed while the server died, before the clerk heard back
    print(f"{len(kills)} SIGKILLs at {kills}; N = {n}; {len(told)} numbers told, {untold} committed"
          f" but unanswered; {sum(c.transport_errors for c in clerks)} connection errors,"
          f" {sum(c.logins for c in clerks)} logins; {elapsed:.1f} s")
    assert len(kills) >= 4
    assert {actor for actor, _ in entry.values()} == set(passwords)
