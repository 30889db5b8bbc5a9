"""Build the office's use cases (:class:`node.domain.office.Office`) from the node's adapters."""

from __future__ import annotations

import contextlib
import io
import logging
import threading
from collections.abc import Callable
from datetime import date

import pypdfium2

from node.config import Config
from node.domain.clock import Clock
from node.domain.documents import Actor, Organ
from node.domain.office import Office
from node.domain.signing import PersonalSigner, VerificationReport
from node.errors import PlacementError, UnreadablePdfError
from node.signing import appearance, forms
from node.signing.service import open_signer
from node.signing.signer import Pkcs11DocumentSigner
from node.signing.verify import verify_pdf
from node.store.blobs import BlobStore
from node.store.db import Database
from node.store.documents import SqliteDocuments
from node.store.registers import SqliteRegisters
from node.store.signing import SqliteTimestampQueue
from node.sync.packages import EdxmlPackageFactory

log = logging.getLogger(__name__)


class BlobAdapter:
    def __init__(self, blobs: BlobStore) -> None:
        self.blobs = blobs

    def put(self, data: bytes) -> str:
        return self.blobs.put_bytes(data).sha256

    def read(self, sha256: str) -> bytes:
        return self.blobs.read_bytes(sha256)


class TokenSigner:
    """The PKCS#11 signer as the workflow's DocumentSigner port (bytes in, bytes out)."""

    def __init__(self, signer: Pkcs11DocumentSigner) -> None:
        self.signer = signer

    def sign_personal(self, pdf: bytes, who: PersonalSigner, *, pin: str | None) -> bytes:
        # leave the số / ngày fields for the clerk when page 1 has the blanks for them
        with contextlib.suppress(PlacementError):
            pdf = self.signer.prepare_number_fields(pdf)
        return self.signer.sign_personal(pdf, who, pin=pin).pdf

    def fill_number_date(self, pdf: bytes, *, number: str, issued: date) -> bytes:
        if forms.NUMBER_FIELD not in forms.field_names(pdf):
            return pdf  # no số field on this document: the number lives in the record only
        return self.signer.fill_number_date(pdf, number=number, issued=issued)

    def seal(self, pdf: bytes, *, pin: str | None = None, user: str = "") -> bytes:
        return self.signer.seal(pdf, pin=pin, user=user).pdf

    def verify(self, pdf: bytes) -> VerificationReport:
        return self.signer.verify(pdf)


def pdf_text(data: bytes, *, max_pages: int = 50) -> str:
    """The text layer of a PDF (for search); empty when it has none or cannot be read."""
    try:
        doc = pypdfium2.PdfDocument(io.BytesIO(data))
    except Exception:  # a broken PDF is still stored; it is just not searchable
        return ""
    try:
        parts = []
        for i in range(min(len(doc), max_pages)):
            page = doc[i]
            parts.append(page.get_textpage().get_text_range())
        return "\n".join(parts)
    finally:
        doc.close()


def page_count(data: bytes) -> int:
    try:
        doc = pypdfium2.PdfDocument(io.BytesIO(data))
    except Exception:
        return 0
    try:
        return len(doc)
    finally:
        doc.close()


def verifier(config: Config, clock: Clock) -> Callable[[bytes], VerificationReport]:
    s = config.signing

    def verify(data: bytes) -> VerificationReport:
        return verify_pdf(data, s.trust_anchors, now=clock.now(), tz=config.node.timezone,
                          crl_files=s.crl_files)

    return verify


def reverifier(config: Config, clock: Clock) -> Callable[[bytes], VerificationReport | None]:
    """The verifier of the signature recheck: None for a PDF that cannot be parsed again (its stored
    report is kept); a configuration error (an unreadable trust anchor) stops the recheck."""
    verify = verifier(config, clock)

    def run(data: bytes) -> VerificationReport | None:
        try:
            return verify(data)
        except UnreadablePdfError:
            log.warning("a stored PDF could not be verified again", exc_info=True)
            return None

    return run


def build_office(config: Config, clock: Clock, db: Database,
                 blobs: BlobStore) -> tuple[Office, SqliteDocuments]:
    agency = Organ(config.node.agency_code, config.node.agency_name)
    docs = SqliteDocuments(db, blobs, clock, EdxmlPackageFactory(agency))
    lock = threading.Lock()
    opened: list[TokenSigner] = []

    def signer() -> TokenSigner:  # the token session opens at the first signature
        with lock:
            if not opened:
                opened.append(TokenSigner(open_signer(config, clock, timestamps=SqliteTimestampQueue(db))))
            return opened[0]

    def close() -> None:  # log out: PKCS#11 allows one logged-in session set per process
        with lock:
            while opened:
                opened.pop().signer.token.close()

    png = config.signing.signature_png or appearance.DEMO_SIGNATURE

    def personal(actor: Actor) -> PersonalSigner:
        return PersonalSigner(user=actor.username, full_name=actor.full_name,
                              key_label=config.signing.personal_key_label,
                              signature_png=str(png), title="")

    office = Office(clock=clock, docs=docs, blobs=BlobAdapter(blobs), registers=SqliteRegisters(db),
                    agency=agency, agency_abbr=config.node.agency_abbr, signer=signer,
                    personal_signer=personal,
                    pdf_text=pdf_text, page_count=page_count, on_close=close,
                    verify=reverifier(config, clock))
    office.agency_pin_stored = config.signing.agency_pin_file is not None
    return office, docs
