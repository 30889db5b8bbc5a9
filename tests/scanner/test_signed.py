"""Acceptance 3: a signed PDF from the hot folder is stored byte for byte and still validates."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tests.scanner.conftest import ScanEnv, text_pdf_bytes, wait_until


def throwaway_signer() -> tuple[signers.SimpleSigner, asn1_x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "UBND phường Thử Ký"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         key_cert_sign=True, crl_sign=True, encipher_only=False,
                                         decipher_only=False),
                           critical=True)
            .sign(key, hashes.SHA256()))
    a_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    a_key = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    signer = signers.SimpleSigner(signing_cert=a_cert, signing_key=a_key,
                                  cert_registry=SimpleCertificateStore.from_certs([a_cert]))
    return signer, a_cert


def signed_pdf(text: str) -> tuple[bytes, asn1_x509.Certificate]:
    signer, cert = throwaway_signer()
    writer = IncrementalPdfFileWriter(io.BytesIO(text_pdf_bytes(text)))
    out = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="ChuKy1"), signer=signer)
    return out.getvalue(), cert


def validates(data: bytes, cert: asn1_x509.Certificate) -> bool:
    reader = PdfFileReader(io.BytesIO(data))
    (sig,) = reader.embedded_signatures
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[cert]))
    return bool(status.intact and status.valid and status.bottom_line)


def test_signed_pdf_is_stored_byte_identical_and_still_validates(scan_env: ScanEnv) -> None:
    data, cert = signed_pdf("Số: 15/QĐ-UBND\nHà Nội, ngày 02 tháng 3 năm 2026\nQUYẾT ĐỊNH\n"
                            "Về việc ban hành quy chế văn thư điện tử\n" + "Nội dung quyết định. " * 20)
    assert validates(data, cert)
    scan_env.watcher(stable=1.0)
    (scan_env.hot / "da-ky.pdf").write_bytes(data)
    assert wait_until(lambda: len(scan_env.done()) == 1, clock=scan_env.clock, advance=0.5)
    (f,) = scan_env.store.files()
    (scan,) = scan_env.store.scans_of(f.id)
    assert scan.signed and scan.pdf_is_original and not scan.ocr
    assert f.sha256 == scan.pdf_sha256 == hashlib.sha256(data).hexdigest()
    stored = scan_env.blobs.read_bytes(scan.pdf_sha256)
    assert stored == data
    assert validates(stored, cert)
    assert (scan_env.done()[0]).read_bytes() == data
    assert "quy chế văn thư điện tử" in scan.text
    assert scan.fields["code_number"]["value"] == 15
