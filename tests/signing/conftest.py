"""Fixtures for the signing tests: a token session on the demo SoftHSM2 token and a signer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

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


def write_crl(token: DemoToken, path: Path, revoked: list[int]) -> Path:
    """A CRL of the demo CA (its key is beside its certificate) listing ``revoked`` serials, current
    for a week — what district IT drops in as ``signing.crl_files``."""
    pki = token.ca_cert.parent
    ca_key = serialization.load_pem_private_key((pki / "ca-key.pem").read_bytes(), password=None)
    ca = x509.load_pem_x509_certificate(token.ca_cert.read_bytes())
    now = dt.datetime.now(dt.UTC)
    b = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
         .last_update(now - dt.timedelta(hours=1)).next_update(now + dt.timedelta(days=7)))
    for serial in revoked:
        b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(serial)
                                      .revocation_date(now - dt.timedelta(minutes=30)).build())
    crl = b.sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    return path
