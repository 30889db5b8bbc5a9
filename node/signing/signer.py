"""The signing adapter: NĐ 30 personal and agency signatures on a PKCS#11 token with pyHanko.

Implements :class:`node.domain.signing.DocumentSigner`. Bytes in, new bytes out, nothing stored:
the caller keeps blobs and rows. Every token operation runs on the token's worker thread
(:class:`node.signing.token.TokenSession`), with pyHanko's ``async_sign_pdf`` on that thread's loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.stamp import BaseStampStyle

from node.domain.clock import Clock
from node.domain.signing import (
    Box,
    PersonalSigner,
    SignatureLevel,
    TimestampQueue,
    VerificationReport,
    choose_level,
)
from node.errors import (
    CertificateNotValidError,
    KeyNotFoundError,
    PinRequiredError,
    SigningError,
    UnreadablePdfError,
)
from node.signing import appearance, forms, locate
from node.signing.timestamps import HttpxTimeStamper, is_timestamp_failure
from node.signing.token import PinCache, TokenSession, pkcs11_cause, read_pin_file
from node.signing.verify import verify_pdf

log = logging.getLogger(__name__)

PERSONAL_FIELD = "ChuKyCaNhan"
AGENCY_FIELD = "ChuKyCoQuan"
COPY_FIELD = "ChuKyCoQuanBanSao"
TSA_RETRY_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class SignerSettings:
    agency_name: str
    agency_key_label: str = "agency"
    seal_png: Path = appearance.DEMO_SEAL
    timezone: str = "Asia/Ho_Chi_Minh"
    tsa_url: str = ""
    tsa_timeout_seconds: float = 5.0
    agency_pin_file: Path | None = None
    trust_anchors: tuple[Path, ...] = ()
    crl_files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class SignResult:
    pdf: bytes
    field_name: str
    level: SignatureLevel
    timestamp_queued: bool


class Pkcs11DocumentSigner:
    """NĐ 30 signatures with keys on one PKCS#11 token."""

    def __init__(self, token: TokenSession, settings: SignerSettings, *, clock: Clock, pins: PinCache,
                 timestamps: TimestampQueue | None = None) -> None:
        self.token = token
        self.settings = settings
        self.clock = clock
        self.pins = pins
        self.timestamps = timestamps
        self.tz = ZoneInfo(settings.timezone)
        self._token_key = token.spec.label or token.spec.serial
        self._tsa_down_until: datetime | None = None

    # -- number and date -------------------------------------------------------------------------
    def prepare_number_fields(self, pdf: bytes, boxes: dict[str, Box] | None = None) -> bytes:
        """Add empty số / ngày / tháng (/ năm) fields where the page-1 text has blanks for them."""
        if boxes is None:
            with _as_file(pdf) as path:
                found = locate.find_number_date_boxes(path)
            boxes = {forms.NUMBER_FIELD: found.number}
            for name, box in zip(forms.DATE_FIELDS, (found.day, found.month, found.year), strict=True):
                if box is not None:
                    boxes[name] = box
        return forms.add_text_fields(pdf, boxes)

    def fill_number_date(self, pdf: bytes, *, number: str, issued: date) -> bytes:
        return forms.fill_number_date(pdf, number=number, issued=issued)

    def certificate_name(self, key_label: str, *, pin: str | None) -> str:
        """The common name on the certificate of ``key_label`` (the signer's full name)."""
        if not pin:
            raise PinRequiredError("Cần nhập PIN của token để ký.")
        signer = self.token.run(lambda s: self._pkcs11_signer(s, key_label), pin=pin)
        return str(signer.signing_cert.subject.native.get("common_name", ""))

    # -- signatures ------------------------------------------------------------------------------
    def sign_personal(self, pdf: bytes, who: PersonalSigner, *, pin: str | None,
                      box: Box | None = None) -> SignResult:
        pin = self._user_pin(who.user, pin)
        if box is None:
            with _as_file(pdf) as path:
                box = locate.find_signature_box(path, who.full_name)
        style = appearance.personal_style(Path(who.signature_png))
        field = _free_name(pdf, PERSONAL_FIELD)
        result = self._sign(pdf, key_label=who.key_label, field=field, box=box, style=style,
                            params={}, pin=pin, reason="Ký ban hành", name=who.full_name)
        self.pins.put(who.user, self._token_key, pin)
        return result

    def sign_personal_batch(self, items: list[tuple[Path, Path]], who: PersonalSigner, *,
                            pin: str | None, box: Box | None = None) -> int:
        """Sign each (source, output) in order with one PIN entry; outputs are written atomically.

        Stops at the first failure: the outputs already written are complete and valid, the rest
        are untouched; the error says how many were signed.
        """
        done = 0
        for src, out in items:
            try:
                result = self.sign_personal(src.read_bytes(), who, pin=pin if done == 0 else None, box=box)
                write_atomic(out, result.pdf)
            except SigningError as e:
                e.message = (f"{e.message} Đã ký {done}/{len(items)} văn bản; dừng ở {src.name}, "
                             "các văn bản còn lại chưa ký.")
                e.args = (e.message,)
                raise
            done += 1
        return done

    def seal(self, pdf: bytes, *, pin: str | None = None, user: str = "",
             personal_field: str = PERSONAL_FIELD) -> SignResult:
        """The agency signature: the red seal over the left third of the personal signature."""
        pin, cache = self._agency_pin(user, pin)
        personal = _signature_box(pdf, personal_field)
        box = appearance.seal_box(personal, self.settings.seal_png)
        now = self.clock.now().astimezone(self.tz)
        result = self._sign(pdf, key_label=self.settings.agency_key_label,
                            field=_free_name(pdf, AGENCY_FIELD), box=box,
                            style=appearance.seal_style(self.settings.seal_png),
                            params={"agency": self.settings.agency_name, "time": appearance.iso_time(now)},
                            pin=pin, reason="Ký số của cơ quan", name=self.settings.agency_name)
        if cache:
            self.pins.put(user, self._token_key, pin)
        return result

    def stamp_copy(self, pdf: bytes, *, text: str, pin: str | None = None, user: str = "") -> SignResult:
        """Agency signature on an attachment or an electronic copy: text only, top right of page 1."""
        pin, cache = self._agency_pin(user, pin)
        r = PdfFileReader(io.BytesIO(pdf), strict=False)
        x1, y1, x2, y2 = _media_box(_page_refs(r)[0].get_object())
        box = appearance.text_stamp_box(x2 - x1, y2 - y1)
        now = self.clock.now().astimezone(self.tz)
        result = self._sign(pdf, key_label=self.settings.agency_key_label, field=_free_name(pdf, COPY_FIELD),
                            box=box, style=appearance.text_stamp_style(),
                            params={"text": f"{text}\n{appearance.iso_time(now)}"},
                            pin=pin, reason="Ký số của cơ quan", name=self.settings.agency_name)
        if cache:
            self.pins.put(user, self._token_key, pin)
        return result

    def add_document_timestamp(self, pdf: bytes) -> bytes:
        """Upgrade earlier B-B signatures: a document timestamp from the TSA (no token needed).

        Used to drain the :class:`TimestampQueue` once the TSA is reachable again.
        """
        if not self.settings.tsa_url:
            raise SigningError("Chưa cấu hình máy chủ dấu thời gian (signing.tsa_url).",
                               code="tsa_not_configured")
        tsa = HttpxTimeStamper(self.settings.tsa_url, timeout=self.settings.tsa_timeout_seconds)
        out = io.BytesIO()
        try:
            signers.PdfTimeStamper(tsa, field_name=_free_name(pdf, "DauThoiGian")).timestamp_pdf(
                IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), "sha256", output=out)
        except Exception as e:
            if is_timestamp_failure(e):
                raise SigningError("Máy chủ dấu thời gian chưa kết nối được; sẽ thử lại sau.",
                                   code="tsa_unavailable") from e
            raise _translate(e) from e
        return out.getvalue()

    def verify(self, pdf: bytes) -> VerificationReport:
        return verify_pdf(pdf, self.settings.trust_anchors, now=self.clock.now(), tz=self.settings.timezone,
                          crl_files=self.settings.crl_files)

    # -- the same, for callers on an event loop (web handlers, workers) ------------------------
    # PKCS#11 calls, fontTools and pyHanko's own asyncio.run() must not run on the caller's loop:
    # each call runs in a thread, and token work is handed on to the token's worker thread.
    async def asign_personal(self, pdf: bytes, who: PersonalSigner, *, pin: str | None,
                             box: Box | None = None) -> SignResult:
        return await asyncio.to_thread(self.sign_personal, pdf, who, pin=pin, box=box)

    async def afill_number_date(self, pdf: bytes, *, number: str, issued: date) -> bytes:
        return await asyncio.to_thread(self.fill_number_date, pdf, number=number, issued=issued)

    async def aseal(self, pdf: bytes, *, pin: str | None = None, user: str = "") -> SignResult:
        return await asyncio.to_thread(self.seal, pdf, pin=pin, user=user)

    async def astamp_copy(self, pdf: bytes, *, text: str, pin: str | None = None,
                          user: str = "") -> SignResult:
        return await asyncio.to_thread(self.stamp_copy, pdf, text=text, pin=pin, user=user)

    async def aadd_document_timestamp(self, pdf: bytes) -> bytes:
        return await asyncio.to_thread(self.add_document_timestamp, pdf)

    async def averify(self, pdf: bytes) -> VerificationReport:
        return await asyncio.to_thread(self.verify, pdf)

    # -- internals -------------------------------------------------------------------------------
    def _user_pin(self, user: str, pin: str | None) -> str:
        pin = pin or self.pins.get(user, self._token_key)
        if not pin:
            raise PinRequiredError("Cần nhập PIN của token để ký.")
        return pin

    def _agency_pin(self, user: str, pin: str | None) -> tuple[str, bool]:
        if pin:
            return pin, bool(user)
        cached = self.pins.get(user, self._token_key) if user else None
        if cached:
            return cached, True
        if self.settings.agency_pin_file is not None:
            return read_pin_file(self.settings.agency_pin_file), False
        raise PinRequiredError("Cần nhập PIN của khoá cơ quan để ký.")

    def _sign(self, pdf: bytes, *, key_label: str, field: str, box: Box, style: BaseStampStyle,
              params: dict[str, str], pin: str, reason: str, name: str) -> SignResult:
        now = self.clock.now()
        reachable = self._tsa_down_until is None or now >= self._tsa_down_until
        level, queue = choose_level(tsa_configured=bool(self.settings.tsa_url), tsa_reachable=reachable)
        try:
            out = self._sign_once(pdf, key_label, field, box, style, params, pin, reason, name,
                                  with_tsa=level is SignatureLevel.B_T)
        except SigningError:
            raise
        except Exception as e:
            if level is SignatureLevel.B_T and is_timestamp_failure(e):
                log.warning("timestamp authority unreachable; signing B-B and queueing the upgrade")
                self._tsa_down_until = now + TSA_RETRY_AFTER  # don't wait on it for every signature
                level, queue = choose_level(tsa_configured=True, tsa_reachable=False)
                out = self._sign_once(pdf, key_label, field, box, style, params, pin, reason, name,
                                      with_tsa=False)
            else:
                raise _translate(e) from e
        if queue and self.timestamps is not None:
            self.timestamps.enqueue(blob_sha256=hashlib.sha256(out).hexdigest(), field_name=field,
                                    now=self.clock.now())
        return SignResult(out, field, level, queue)

    def _sign_once(self, pdf: bytes, key_label: str, field: str, box: Box, style: BaseStampStyle,
                   params: dict[str, str], pin: str, reason: str, name: str, *, with_tsa: bool) -> bytes:
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        except Exception as e:
            raise UnreadablePdfError(f"Không đọc được tệp PDF: {e}") from e
        meta = signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES,
                                            reason=reason, name=name)
        spec = fields.SigFieldSpec(field, on_page=box.page, box=(box.x1, box.y1, box.x2, box.y2))
        tsa = HttpxTimeStamper(self.settings.tsa_url, timeout=self.settings.tsa_timeout_seconds) \
            if with_tsa else None

        async def run(session: Any) -> bytes:
            signer = self._pkcs11_signer(session, key_label)
            self._check_certificate(signer, key_label)
            pdf_signer = signers.PdfSigner(meta, signer=signer, stamp_style=style, new_field_spec=spec,
                                           timestamper=tsa)
            out = io.BytesIO()
            text = {k: unicodedata.normalize("NFC", v) for k, v in params.items()}
            await pdf_signer.async_sign_pdf(writer, appearance_text_params=text, output=out)
            return out.getvalue()

        return self.token.run_async(run, pin=pin)

    def _check_certificate(self, signer: PKCS11Signer, key_label: str) -> None:
        """NĐ 23/2025 Đ15: the signer's certificate must be valid when signing."""
        validity = signer.signing_cert["tbs_certificate"]["validity"]
        now = self.clock.now()
        not_before, not_after = validity["not_before"].native, validity["not_after"].native
        if now < not_before:
            raise CertificateNotValidError(
                f"Chứng thư số «{key_label}» chưa có hiệu lực (từ "
                f"{not_before.astimezone(self.tz):%d/%m/%Y}); không ký được.")
        if now > not_after:
            raise CertificateNotValidError(
                f"Chứng thư số «{key_label}» đã hết hạn ngày {not_after.astimezone(self.tz):%d/%m/%Y}; "
                "không ký được.")

    def _pkcs11_signer(self, session: Any, key_label: str) -> PKCS11Signer:
        key = f"signer:{key_label}"
        signer = self.token.cache.get(key)
        if signer is None:
            signer = PKCS11Signer(session, key_label=key_label, cert_label=key_label,
                                  other_certs_to_pull=None)
            try:
                signer._load_objects()  # certificates and key handle, once per session
            except Exception as e:
                cause = pkcs11_cause(e)
                if cause is not None and type(cause).__name__ in ("NoSuchKey", "PKCS11Error"):
                    raise KeyNotFoundError(f"Token không có khoá hoặc chứng thư «{key_label}».") from e
                raise
            self.token.cache[key] = signer
        return signer


def _translate(e: Exception) -> Exception:
    if isinstance(e, SigningError):
        return e
    return SigningError(f"Ký số thất bại: {type(e).__name__}: {e}")


def _free_name(pdf: bytes, base: str) -> str:
    try:
        r = PdfFileReader(io.BytesIO(pdf), strict=False)
        names = {str(f.get_object().get("/T")) for f in r.root["/AcroForm"]["/Fields"]}
    except KeyError:
        return base
    if base not in names:
        return base
    n = 2
    while f"{base}{n}" in names:
        n += 1
    return f"{base}{n}"


def _signature_box(pdf: bytes, field: str) -> Box:
    r = PdfFileReader(io.BytesIO(pdf), strict=False)
    try:
        fields_ = r.root["/AcroForm"]["/Fields"]
    except KeyError as e:
        raise SigningError("Văn bản chưa có chữ ký cá nhân để đóng dấu.",
                           code="personal_signature_missing") from e
    pages = [p.idnum for p in _page_refs(r)]
    for ref in fields_:
        f = ref.get_object()
        if str(f.get("/T")) == field and f.get("/V") is not None:
            x1, y1, x2, y2 = (float(v) for v in f["/Rect"])
            page_ref = f.raw_get("/P")
            page = pages.index(page_ref.idnum) if page_ref is not None and page_ref.idnum in pages else 0
            return Box(page, min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
    raise SigningError("Văn bản chưa có chữ ký cá nhân của lãnh đạo; văn thư chỉ ký số văn bản đã được "
                       "người có thẩm quyền ký.", code="personal_signature_missing")


def _media_box(page: Any) -> tuple[float, ...]:
    node = page
    while node is not None:
        if "/MediaBox" in node:
            return tuple(float(v) for v in node["/MediaBox"])
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None else None
    return (0.0, 0.0, 595.28, 841.89)  # A4


def _page_refs(r: PdfFileReader) -> list[Any]:
    out: list[Any] = []

    def walk(node_ref: Any) -> None:
        node = node_ref.get_object()
        if node.get("/Type") == "/Pages":
            for kid in node["/Kids"]:
                walk(kid)
        else:
            out.append(node_ref)

    walk(r.root.raw_get("/Pages"))
    return out


class _as_file:
    """The PDF bytes as a temporary file (poppler reads files)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._tmp: Any = None

    def __enter__(self) -> Path:
        self._tmp = tempfile.NamedTemporaryFile(suffix=".pdf")
        self._tmp.write(self.data)
        self._tmp.flush()
        return Path(self._tmp.name)

    def __exit__(self, *exc: object) -> None:
        self._tmp.close()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` as a whole or not at all (temp file in the same directory, fsync, rename)."""
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

