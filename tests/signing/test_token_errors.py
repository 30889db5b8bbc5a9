"""Acceptance 3 and 4: wrong PIN, missing token, and a token that dies in the middle of a batch."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pkcs11.exceptions as p11e
import pytest

from node.domain.clock import FixedClock
from node.domain.signing import PersonalSigner
from node.errors import TokenUnavailableError, WrongPinError
from node.signing.sample import DraftSpec, make_draft
from node.signing.signer import Pkcs11DocumentSigner
from node.signing.softhsm import DemoToken
from node.signing.verify import verify_pdf
from tests.conftest import run_cli
from tests.signing.conftest import make_signer, node_toml

pytestmark = pytest.mark.hsm


def test_wrong_pin_is_clear_and_writes_nothing(signer: Pkcs11DocumentSigner, draft_pdf: bytes,
                                                leader: PersonalSigner, softhsm_token: DemoToken,
                                                tmp_path: Path) -> None:
    with pytest.raises(WrongPinError) as err:
        signer.sign_personal(draft_pdf, leader, pin="000000" if softhsm_token.user_pin != "000000" else "1")
    assert "PIN không đúng" in err.value.message and err.value.code == "wrong_pin"
    assert "lần thử" in err.value.message  # tries left, or that the token does not say
    assert "000000" not in err.value.message
    # the right PIN afterwards works (the session is reopened)
    assert signer.sign_personal(draft_pdf, leader, pin=softhsm_token.user_pin).pdf
    signer.token.close()  # one login per token and process: the CLI below is another process anyway

    src = tmp_path / "draft.pdf"
    src.write_bytes(draft_pdf)
    bad_pin = tmp_path / "bad-pin"
    bad_pin.write_text("999999" if softhsm_token.user_pin != "999999" else "1")
    os.chmod(bad_pin, 0o600)
    cfg = node_toml(tmp_path, softhsm_token, softhsm_token.label)
    out = tmp_path / "out.pdf"
    proc = run_cli("-c", str(cfg), "pdf", "sign", str(src), str(out), "--as", "person",
                   "--pin-file", str(bad_pin))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "PIN không đúng" in proc.stderr and "[wrong_pin]" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.pdf.*"))


def test_missing_token_is_clear_and_writes_nothing(softhsm_token: DemoToken, clock: FixedClock,
                                                   draft_pdf: bytes, leader: PersonalSigner,
                                                   tmp_path: Path) -> None:
    s = make_signer(softhsm_token, clock, label="khong-co-token")
    try:
        with pytest.raises(TokenUnavailableError) as err:
            s.sign_personal(draft_pdf, leader, pin=softhsm_token.user_pin)
        assert "Không tìm thấy token 'khong-co-token'" in err.value.message
    finally:
        s.token.close()
    src = tmp_path / "draft.pdf"
    src.write_bytes(draft_pdf)
    cfg = node_toml(tmp_path, softhsm_token, "khong-co-token")
    out = tmp_path / "out.pdf"
    proc = run_cli("-c", str(cfg), "pdf", "sign", str(src), str(out), "--as", "copy", "--text", "SAO Y")
    assert proc.returncode == 2 and "[token_unavailable]" in proc.stderr, proc.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.pdf.*"))


class DyingToken:
    """A port-level fake of an unplugged token: the real session, whose keys stop signing on cue."""

    def __init__(self, fail_after: int) -> None:
        self.fail_after = fail_after
        self.signatures = 0

    def __call__(self, token: Any, pin: str) -> Any:
        return _Session(token.open(user_pin=pin), self)


class _Session:
    def __init__(self, inner: Any, state: DyingToken) -> None:
        self._inner, self._state = inner, state

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def get_objects(self, attrs: Any = None) -> Any:
        for obj in self._inner.get_objects(attrs):
            yield _Key(obj, self._state) if hasattr(obj, "sign") else obj

    def close(self) -> None:
        self._inner.close()


class _Key:
    def __init__(self, inner: Any, state: DyingToken) -> None:
        self._inner, self._state = inner, state

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __getitem__(self, key: Any) -> Any:
        return self._inner[key]

    def sign(self, data: bytes, **kwargs: Any) -> bytes:
        if self._state.signatures >= self._state.fail_after:
            raise p11e.DeviceRemoved()
        self._state.signatures += 1
        return bytes(self._inner.sign(data, **kwargs))


@pytest.mark.slow
def test_batch_of_50_one_pin_token_dies_halfway(softhsm_token: DemoToken, clock: FixedClock,
                                                leader: PersonalSigner, tmp_path: Path) -> None:
    dying = DyingToken(fail_after=25)
    s = make_signer(softhsm_token, clock, opener=dying)
    draft = make_draft(DraftSpec(pages=1))
    items = []
    for i in range(50):
        src = tmp_path / f"in-{i:02d}.pdf"
        src.write_bytes(draft)
        items.append((src, tmp_path / f"out-{i:02d}.pdf"))
    try:
        with pytest.raises(TokenUnavailableError) as err:
            s.sign_personal_batch(items, leader, pin=softhsm_token.user_pin)
    finally:
        s.token.close()
    assert "Đã ký 25/50" in err.value.message and "bị rút" in err.value.message
    done = sorted(tmp_path.glob("out-*.pdf"))
    assert [p.name for p in done] == [f"out-{i:02d}.pdf" for i in range(25)]
    for p in done:
        assert verify_pdf(p.read_bytes(), [softhsm_token.ca_cert]).all_ok
    assert all(src.read_bytes() == draft for src, _ in items)
    assert not list(tmp_path.glob(".out-*"))  # nothing half-written


def test_batch_of_50_with_one_pin_entry(softhsm_token: DemoToken, clock: FixedClock,
                                        leader: PersonalSigner, tmp_path: Path) -> None:
    counting = DyingToken(fail_after=10**6)
    logins: list[str] = []

    def opener(token: Any, pin: str) -> Any:
        logins.append("login")
        return counting(token, pin)

    s = make_signer(softhsm_token, clock, opener=opener)
    draft = make_draft(DraftSpec(pages=1))
    items = []
    for i in range(50):
        (tmp_path / f"in-{i}.pdf").write_bytes(draft)
        items.append((tmp_path / f"in-{i}.pdf", tmp_path / f"out-{i}.pdf"))
    try:
        assert s.sign_personal_batch(items, leader, pin=softhsm_token.user_pin) == 50
    finally:
        s.token.close()
    assert logins == ["login"] and counting.signatures == 50
    assert verify_pdf((tmp_path / "out-49.pdf").read_bytes(), [softhsm_token.ca_cert]).all_ok


def test_token_unplugged_then_replugged(softhsm_token: DemoToken, clock: FixedClock, draft_pdf: bytes,
                                        leader: PersonalSigner, tmp_path: Path) -> None:
    """The real thing: SoftHSM2's token directory disappears (unplugged) and comes back."""
    s = make_signer(softhsm_token, clock)
    tokens = softhsm_token.conf.parent / "tokens"
    away = softhsm_token.conf.parent / "tokens.unplugged"
    try:
        assert s.sign_personal(draft_pdf, leader, pin=softhsm_token.user_pin).pdf
        tokens.rename(away)
        try:
            with pytest.raises(TokenUnavailableError) as err:
                s.sign_personal(draft_pdf, leader, pin=None)
            assert "cắm lại token" in err.value.message or "cắm token" in err.value.message
        finally:
            away.rename(tokens)
        again = s.sign_personal(draft_pdf, leader, pin=softhsm_token.user_pin).pdf  # reopened
        assert verify_pdf(again, [softhsm_token.ca_cert]).all_ok
    finally:
        s.token.close()
