"""Signing benchmark on SoftHSM2: our NĐ 30 personal signature vs a bare pyHanko PKCS#11 signature.

Measures, on a 10-page draft, in the same run and process:
- ``personal_ms``: ``Pkcs11DocumentSigner.sign_personal`` (visible blue signature, box given),
  through the token worker thread;
- ``raw_pyhanko_ms``: a bare ``PdfSigner.sign_pdf`` with ``PKCS11Signer`` on the same token, same
  file, same appearance and box — the reference; ``ratio = personal / raw``;
- ``locate_ms``: finding the box from the signer's name (pdftotext), when the caller gives none;
- ``sequence_ms``: the whole sign → number/date → agency seal sequence.

``python benchmarks/sign.py [--pages N] [--runs N]``
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pkcs11
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.pkcs11 import PKCS11Signer

from benchmarks.common import median_ms, write_result
from node.domain.clock import SystemClock
from node.domain.signing import PersonalSigner
from node.signing import appearance, locate
from node.signing.sample import DraftSpec, make_draft
from node.signing.signer import Pkcs11DocumentSigner, SignerSettings
from node.signing.softhsm import ensure_demo_token
from node.signing.token import PinCache, TokenSession, TokenSpec


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--runs", type=int, default=15)
    args, _ = ap.parse_known_args(argv)  # `python -m benchmarks sign` leaves its own argv

    root = Path(tempfile.mkdtemp(prefix="vanthu-bench-sign-"))
    tok = ensure_demo_token(root, label="bench", agency_name="UBND phường Đo Lường")
    clock = SystemClock()
    session = TokenSession(TokenSpec(tok.module, label=tok.label))
    ours = Pkcs11DocumentSigner(session, SignerSettings(agency_name="UBND phường Đo Lường",
                                                        agency_pin_file=tok.pin_file,
                                                        trust_anchors=(tok.ca_cert,)),
                                clock=clock, pins=PinCache(clock, 15))
    draft = make_draft(DraftSpec(pages=args.pages))
    prepared = ours.prepare_number_fields(draft)
    draft_file = root / "draft.pdf"
    draft_file.write_bytes(prepared)
    box = locate.find_signature_box(draft_file, "Nguyễn Văn An")
    who = PersonalSigner("lanhdao", "Nguyễn Văn An", "leader", str(appearance.DEMO_SIGNATURE))
    ours.sign_personal(prepared, who, pin=tok.user_pin, box=box)  # logs in; the PIN is now cached

    # The bare reference: another session on the same (already logged-in) token, same key and look.
    raw_session = pkcs11.lib(str(tok.module)).get_token(token_label=tok.label).open()
    raw_signer = PKCS11Signer(raw_session, key_label="leader", cert_label="leader", other_certs_to_pull=None)

    def raw() -> bytes:
        meta = signers.PdfSignatureMetadata(field_name="ChuKyCaNhan", md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES)
        spec = fields.SigFieldSpec("ChuKyCaNhan", on_page=box.page, box=(box.x1, box.y1, box.x2, box.y2))
        pdf_signer = signers.PdfSigner(meta, signer=raw_signer, new_field_spec=spec,
                                       stamp_style=appearance.personal_style(appearance.DEMO_SIGNATURE))
        out = io.BytesIO()
        pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(prepared)), output=out)
        return out.getvalue()

    def personal() -> bytes:
        return ours.sign_personal(prepared, who, pin=None, box=box).pdf

    def sequence() -> bytes:
        signed = ours.sign_personal(prepared, who, pin=None, box=box).pdf
        numbered = ours.fill_number_date(signed, number="12", issued=date(2026, 3, 5))
        return ours.seal(numbered).pdf

    # interleave so that drift hits both equally
    raw_ms, ours_ms = [], []
    for _ in range(3):
        raw_ms.append(median_ms(raw, runs=args.runs, warmup=2))
        ours_ms.append(median_ms(personal, runs=args.runs, warmup=2))
    raw_med, ours_med = sorted(raw_ms)[1], sorted(ours_ms)[1]
    locate_ms = median_ms(lambda: locate.find_signature_box(draft_file, "Nguyễn Văn An"), runs=args.runs)
    seq_ms = median_ms(sequence, runs=max(5, args.runs // 2))
    assert ours.verify(sequence()).all_ok
    raw_session.close()
    session.close()
    print(f"{args.pages}-page PDF, visible personal signature on SoftHSM2:")
    print(f"  ours (token worker)      {ours_med:7.1f} ms")
    print(f"  bare pyHanko PKCS#11     {raw_med:7.1f} ms   ratio {ours_med / raw_med:.3f}")
    print(f"  locate the name box      {locate_ms:7.1f} ms   (only when no box is given)")
    print(f"  sign → number → seal     {seq_ms:7.1f} ms")
    write_result("sign", {"pages": args.pages, "runs": args.runs,
                          "personal_ms": round(ours_med, 1), "raw_pyhanko_ms": round(raw_med, 1),
                          "ratio": round(ours_med / raw_med, 3), "locate_ms": round(locate_ms, 1),
                          "sequence_ms": round(seq_ms, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
