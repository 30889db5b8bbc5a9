"""PINs: kept in memory for a while per user, never in files with loose modes; tries-left wording."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pkcs11 import TokenFlag

from node.domain.clock import VN_TZ, FixedClock
from node.errors import PinRequiredError, SigningError
from node.signing.token import PinCache, describe_tries, read_pin_file


def test_pin_cache_expires_per_user() -> None:
    clock = FixedClock(datetime(2026, 3, 5, 9, 0, tzinfo=VN_TZ))
    cache = PinCache(clock, minutes=15)
    cache.put("lanhdao", "tok", "123456")
    assert cache.get("lanhdao", "tok") == "123456"
    assert cache.get("vanthu", "tok") is None and cache.get("lanhdao", "other") is None
    clock.advance(timedelta(minutes=14, seconds=59))
    assert cache.get("lanhdao", "tok") == "123456"
    clock.advance(timedelta(seconds=1))
    assert cache.get("lanhdao", "tok") is None
    cache.put("lanhdao", "tok", "123456")
    cache.forget("lanhdao")
    assert cache.get("lanhdao", "tok") is None
    off = PinCache(clock, minutes=0)
    off.put("lanhdao", "tok", "1")
    assert off.get("lanhdao", "tok") is None


def test_tries_left_from_token_flags() -> None:
    assert describe_tries(int(TokenFlag.USER_PIN_COUNT_LOW)) == "còn ít lần thử"
    assert describe_tries(int(TokenFlag.USER_PIN_FINAL_TRY | TokenFlag.USER_PIN_COUNT_LOW)) == "còn 1 lần thử"
    assert describe_tries(int(TokenFlag.USER_PIN_LOCKED)) == "PIN đã bị khoá"
    assert describe_tries(int(TokenFlag.LOGIN_REQUIRED)) is None


def test_pin_file_must_be_0600(tmp_path: Path) -> None:
    f = tmp_path / "pin"
    f.write_text("123456\n")
    os.chmod(f, 0o644)
    with pytest.raises(SigningError) as err:
        read_pin_file(f)
    assert err.value.code == "pin_file_mode" and "123456" not in err.value.message
    os.chmod(f, 0o600)
    assert read_pin_file(f) == "123456"
    with pytest.raises(PinRequiredError):
        read_pin_file(tmp_path / "missing")
