"""A database with pending migrations is copied (verified) before they run; the retention rule;
configs written back as TOML load into the same config."""

from __future__ import annotations

import json
import sqlite3
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlite_utils

from node.app import open_node
from node.config import config_from_dict
from node.domain.clock import FixedClock
from node.domain.retention import RetentionRule, backups_to_keep
from node.store.migrations import migrations
from node.tomlfile import config_to_dict, dumps

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _config(data: Path):  # type: ignore[no-untyped-def]
    return config_from_dict({"node": {"agency_code": "000.00.01.H26", "agency_name": "UBND phường Một",
                                      "data_dir": str(data)}})


def test_pending_migrations_run_after_a_verified_copy(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    names = [m.name for m in migrations._migrations]
    assert len(names) >= 2, "needs at least two migrations to simulate an older database"
    conn = sqlite3.connect(data / "node.db", isolation_level=None)
    migrations.apply(sqlite_utils.Database(conn), stop_before=names[-1])
    conn.execute("INSERT INTO meta (key, value) VALUES ('old', 'yes')")
    conn.close()

    node = open_node(_config(data), clock=FixedClock(NOW))
    node.close()
    (copy,) = sorted(data.glob("pre-upgrade-*"))
    assert copy.name == "pre-upgrade-20261124T030000Z"
    manifest = json.loads((copy / "manifest.json").read_text())
    assert manifest["node"]["pending_migrations"] == [names[-1]]
    assert names[-1] not in manifest["database"]["migrations"]
    assert manifest["database"]["integrity"] == ["ok"]
    old = sqlite3.connect(f"file:{copy / 'node.db'}?mode=ro", uri=True)
    assert old.execute("SELECT value FROM meta WHERE key = 'old'").fetchone() == ("yes",)
    old.close()
    # The live database is migrated now; opening again copies nothing more.
    node = open_node(_config(data), clock=FixedClock(NOW + timedelta(hours=1)))
    node.close()
    assert len(list(data.glob("pre-upgrade-*"))) == 1


def test_a_new_node_is_not_copied(tmp_path: Path) -> None:
    node = open_node(_config(tmp_path / "data"), clock=FixedClock(NOW))
    node.close()
    assert not list((tmp_path / "data").glob("pre-upgrade-*"))


def test_retention_keeps_newest_of_each_day_week_month() -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    # Two backups a day for 120 days.
    times = [NOW - timedelta(hours=12 * i) for i in range(240)]
    keep = backups_to_keep(times, RetentionRule(keep_daily=7, keep_weekly=4, keep_monthly=3), tz)
    kept = sorted((times[i] for i in keep), reverse=True)
    assert kept[0] == NOW
    local_days = {t.astimezone(tz).date() for t in kept}
    assert len(kept) == len(local_days), "one backup per kept day"
    assert 7 <= len(kept) <= 7 + 4 + 3
    assert {(t.astimezone(tz).month) for t in kept} == {9, 10, 11}  # newest of each of 3 months
    assert backups_to_keep([NOW], RetentionRule(0, 0, 0), tz) == {0}  # the newest always stays


def test_config_written_as_toml_loads_back_equal(tmp_path: Path) -> None:
    raw = {"node": {"agency_code": "000.00.09.H13", "agency_name": "UBND \"phường\" Ví Dụ",
                    "data_dir": "data"},
           "web": {"port": 8099, "secure_cookies": True},
           "signing": {"trust_anchors": ["trust/ca.pem"]},
           "axis": {"url": "http://hub:9000", "poll_seconds": 5.5},
           "scanner": {"folders": [{"path": "/srv/scan/in"}, {"path": "scan/copies", "purpose": "copy"}]},
           "backup": {"targets": ["/mnt/usb1", "/mnt/usb2"], "keep_daily": 3}}
    source = tmp_path / "node.toml"
    config = config_from_dict(raw, source=source)
    text = dumps(config_to_dict(config), comment="test")
    again = config_from_dict(tomllib.loads(text), source=source)
    assert again == config
