"""Fixtures for the signing tests: a token session on the demo SoftHSM2 token and a signer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from node.domain.clock import VN_TZ, FixedClock
from node.domain.signing import PersonalSigner
from node.signing import appearance
from node.signing.sample import DraftSpec, make_draft
from node.signing.signer import Pkcs11DocumentSigner, SignerSettings
from node.signing.softhsm import DemoToken
from node.signing.token import Opener, PinCache, TokenSession, TokenSpec
from tests.support.tools import require_tool

AGENCY = "UBND phường Kiểm Thử"


@pytest.fixture(scope="session")
def draft_pdf() -> bytes:
    return make_draft(DraftSpec(issuer="PHƯỜNG KIỂM THỬ", pages=2))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(VN_TZ).replace(microsecond=0))


def make_signer(token: DemoToken, clock: FixedClock, *, opener: Opener | None = None,
                label: str | None = None, trust: tuple[Path, ...] | None = None) -> Pkcs11DocumentSigner:
    session = TokenSession(TokenSpec(token.module, label=label or token.label), opener=opener)
    settings = SignerSettings(agency_name=AGENCY, agency_pin_file=token.pin_file,
                              trust_anchors=trust if trust is not None else (token.ca_cert,))
    return Pkcs11DocumentSigner(session, settings, clock=clock, pins=PinCache(clock, 15))


@pytest.fixture
def signer(softhsm_token: DemoToken, clock: FixedClock) -> Iterator[Pkcs11DocumentSigner]:
    require_tool("pdftotext")
    s = make_signer(softhsm_token, clock)
    yield s
    s.token.close()


@pytest.fixture
def leader() -> PersonalSigner:
    return PersonalSigner(user="lanhdao", full_name="Nguyễn Văn An", key_label="leader",
                          signature_png=str(appearance.DEMO_SIGNATURE), title="Chủ tịch")


def node_toml(tmp_path: Path, token: DemoToken, label: str) -> Path:
    cfg = tmp_path / "node.toml"
    cfg.write_text(f"""[node]
agency_code = "000.00.01.H26"
agency_name = "UBND phường Kiểm Thử"
data_dir = "data"

[signing]
token_label = "{label}"
softhsm2_conf = "{token.conf}"
agency_pin_file = "{token.pin_file}"
trust_anchors = ["{token.ca_cert}"]
""", encoding="utf-8")
    return cfg
