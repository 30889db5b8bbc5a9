"""Signing and validation from inside a running event loop (as in a Litestar handler)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from node.domain.signing import PersonalSigner
from node.signing.signer import Pkcs11DocumentSigner
from node.signing.softhsm import DemoToken

pytestmark = pytest.mark.hsm


def test_sign_number_seal_verify_on_event_loop(signer: Pkcs11DocumentSigner, draft_pdf: bytes,
                                               leader: PersonalSigner, softhsm_token: DemoToken) -> None:
    async def flow() -> tuple[bool, int]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.001)

        task = asyncio.create_task(ticker())
        prepared = signer.prepare_number_fields(draft_pdf)
        personal = await signer.asign_personal(prepared, leader, pin=softhsm_token.user_pin)
        numbered = await signer.afill_number_date(personal.pdf, number="3", issued=date(2026, 1, 9))
        sealed = await signer.aseal(numbered)
        report = await signer.averify(sealed.pdf)
        done.set()
        await task
        return report.all_ok, ticks

    ok, ticks = asyncio.run(flow())
    assert ok
    assert ticks > 5  # the loop kept running while the token and pyHanko worked
