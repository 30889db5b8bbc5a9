"""Acceptance 2: tampering, unknown CA, expired and not-yet-valid certificates, no signature."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.pkcs11 import PKCS11Signer

from node.domain.signing import CertValidity, PersonalSigner
from node.errors import CertificateNotValidError
from node.signing import appearance
from node.signing.signer import Pkcs11DocumentSigner
from node.signing.softhsm import DemoToken, Identity, ensure_identity
from node.signing.verify import verify_pdf
from tests.conftest import run_cli
from tests.signing.conftest import write_crl

pytestmark = pytest.mark.hsm


@pytest.fixture
def signed(signer: Pkcs11DocumentSigner, draft_pdf: bytes, leader: PersonalSigner,
           softhsm_token: DemoToken) -> bytes:
    return signer.sign_personal(signer.prepare_number_fields(draft_pdf), leader,
                                pin=softhsm_token.user_pin).pdf


def test_one_byte_changed_is_invalid(signed: bytes, softhsm_token: DemoToken, tmp_path: Path) -> None:
    at = signed.index(b"\n", 0) + 2  # the binary comment on line 2: inside the first signed range
    tampered = signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1:]
    assert len(tampered) == len(signed) and tampered != signed
    report = verify_pdf(tampered, [softhsm_token.ca_cert])
    (sig,) = report.signatures
    assert not sig.intact and not sig.ok and not report.all_ok
    assert "KHÔNG TOÀN VẸN" in report.summary_vi()
    path = tmp_path / "tampered.pdf"
    path.write_bytes(tampered)
    proc = run_cli("pdf", "verify", str(path), "--trust", str(softhsm_token.ca_cert),
                   env={"VANTHU_CONFIG": str(tmp_path / "none.toml")})
    assert proc.returncode == 1, proc.stdout + proc.stderr


def _other_ca(tmp_path: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA lạ")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    out = tmp_path / "other-ca.pem"
    out.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return out


def test_unknown_ca_is_not_trusted(signed: bytes, softhsm_token: DemoToken, tmp_path: Path) -> None:
    other = _other_ca(tmp_path)
    report = verify_pdf(signed, [other])
    (sig,) = report.signatures
    assert sig.intact and sig.valid and not sig.trusted and not report.all_ok
    assert "KHÔNG ĐƯỢC TIN CẬY" in sig.summary_vi()
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    env = {"VANTHU_CONFIG": str(tmp_path / "none.toml")}
    assert run_cli("pdf", "verify", str(path), "--trust", str(other), env=env).returncode == 1
    ok = run_cli("pdf", "verify", str(path), "--json", "--trust", str(softhsm_token.ca_cert), env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    doc = json.loads(ok.stdout)
    assert doc["ok"] and doc["signatures"][0]["signer"] == "Nguyễn Văn An"
    assert doc["signatures"][0]["revocation"] == "unknown"


@pytest.mark.parametrize(("label", "key_id", "start_days", "days", "expected"), [
    ("expired", b"\x11", -400, 30, CertValidity.EXPIRED),
    ("future", b"\x12", 30, 365, CertValidity.NOT_YET_VALID),
])
def test_expired_and_not_yet_valid(signer: Pkcs11DocumentSigner, draft_pdf: bytes, softhsm_token: DemoToken,
                                   label: str, key_id: bytes, start_days: int, days: int,
                                   expected: CertValidity) -> None:
    pki = softhsm_token.ca_cert.parent
    ca_key = serialization.load_pem_private_key((pki / "ca-key.pem").read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate(softhsm_token.ca_cert.read_bytes())
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=start_days)

    def make_key(session: object) -> None:
        with session.token.open(rw=True) as rw:  # type: ignore[attr-defined]
            ensure_identity(rw, ca_key, ca_cert,  # type: ignore[arg-type]
                            Identity(label, key_id, f"Người ký {label}", "UBND phường Kiểm Thử"),
                            pki / f"{label}.pem", not_before=start, days=days)

    signer.token.run(make_key, pin=softhsm_token.user_pin)
    who = PersonalSigner(user="u", full_name="Nguyễn Văn An", key_label=label,
                         signature_png=str(appearance.DEMO_SIGNATURE))
    # NĐ 23/2025 Đ15: our signer refuses such a certificate ...
    with pytest.raises(CertificateNotValidError) as err:
        signer.sign_personal(draft_pdf, who, pin=softhsm_token.user_pin)
    assert ("hết hạn" if expected is CertValidity.EXPIRED else "chưa có hiệu lực") in err.value.message
    # ... so the PDF another program would make is produced with bare pyHanko on the same key.
    out = signer.token.run(lambda s: _bare_sign(s, draft_pdf, label), pin=softhsm_token.user_pin)
    (sig,) = verify_pdf(out, [softhsm_token.ca_cert]).signatures
    assert sig.cert_validity is expected and not sig.ok
    assert ("ĐÃ HẾT HẠN" if expected is CertValidity.EXPIRED else "CHƯA CÓ HIỆU LỰC") in sig.summary_vi()


def _bare_sign(session: object, pdf: bytes, label: str) -> bytes:
    signer = PKCS11Signer(session, key_label=label, cert_label=label, other_certs_to_pull=None)
    meta = signers.PdfSignatureMetadata(field_name="Sig", md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
    return out.getvalue()


def test_no_signature(draft_pdf: bytes, softhsm_token: DemoToken, tmp_path: Path) -> None:
    report = verify_pdf(draft_pdf, [softhsm_token.ca_cert])
    assert not report.signed and not report.all_ok
    assert report.summary_vi() == "Tài liệu không có chữ ký số."
    path = tmp_path / "draft.pdf"
    path.write_bytes(draft_pdf)
    env = {"VANTHU_CONFIG": str(tmp_path / "none.toml")}
    proc = run_cli("pdf", "verify", str(path), env=env)
    assert proc.returncode == 1 and "không có chữ ký số" in proc.stdout
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"not a pdf at all")
    bad = run_cli("pdf", "verify", str(garbage), env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_revocation_from_crl_files(signed: bytes, softhsm_token: DemoToken, tmp_path: Path) -> None:
    leader = x509.load_pem_x509_certificate(softhsm_token.leader_cert.read_bytes())
    clean = write_crl(softhsm_token, tmp_path / "clean.crl", [])
    listed = write_crl(softhsm_token, tmp_path / "revoked.crl", [leader.serial_number])
    (sig,) = verify_pdf(signed, [softhsm_token.ca_cert], crl_files=[clean]).signatures
    assert sig.revocation.value == "good" and sig.ok and "chưa bị thu hồi" in sig.summary_vi()
    (sig,) = verify_pdf(signed, [softhsm_token.ca_cert], crl_files=[listed]).signatures
    assert sig.revocation.value == "revoked" and not sig.ok and "ĐÃ BỊ THU HỒI" in sig.summary_vi()
    (sig,) = verify_pdf(signed, [softhsm_token.ca_cert]).signatures
    assert sig.revocation.value == "unknown" and sig.ok  # "chờ dữ liệu thu hồi" is not invalid
    # an unreadable CRL file is ignored (logged), not fatal
    (sig,) = verify_pdf(signed, [softhsm_token.ca_cert, _other_ca(tmp_path)],
                        crl_files=[tmp_path / "nope.crl"]).signatures
    assert sig.revocation.value == "unknown"
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    env = {"VANTHU_CONFIG": str(tmp_path / "none.toml")}
    proc = run_cli("pdf", "verify", str(path), "--trust", str(softhsm_token.ca_cert), "--crl", str(listed),
                   env=env)
    assert proc.returncode == 1 and "THU HỒI" in proc.stdout
