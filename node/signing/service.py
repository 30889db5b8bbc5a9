"""Build the signing adapter from the node configuration (used by ``node.app`` and the CLI)."""

from __future__ import annotations

import os

from node.config import Config
from node.domain.clock import Clock
from node.domain.signing import TimestampQueue
from node.signing import appearance
from node.signing.signer import Pkcs11DocumentSigner, SignerSettings
from node.signing.token import PinCache, TokenSession, TokenSpec


def signer_settings(config: Config) -> SignerSettings:
    s = config.signing
    return SignerSettings(
        agency_name=config.node.agency_name, agency_key_label=s.agency_key_label,
        seal_png=s.seal_png or appearance.DEMO_SEAL, timezone=config.node.timezone,
        tsa_url=s.tsa_url, tsa_timeout_seconds=s.tsa_timeout_seconds,
        agency_pin_file=s.agency_pin_file, trust_anchors=s.trust_anchors, crl_files=s.crl_files)


def open_signer(config: Config, clock: Clock, *, timestamps: TimestampQueue | None = None
                ) -> Pkcs11DocumentSigner:
    """The node's signer on its configured token (the session opens at the first signature)."""
    s = config.signing
    if s.softhsm2_conf is not None:
        # SoftHSM2 reads its configuration from the process environment when the module loads.
        os.environ["SOFTHSM2_CONF"] = str(s.softhsm2_conf)
    token = TokenSession(TokenSpec(s.module, label=s.token_label, serial=s.token_serial))
    return Pkcs11DocumentSigner(token, signer_settings(config), clock=clock,
                                pins=PinCache(clock, s.pin_cache_minutes), timestamps=timestamps)
