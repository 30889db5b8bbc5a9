"""A demo office token on SoftHSM2: a demo CA, an agency key and a leader key with certificates.

Used by ``vanthu init --demo``, by ``provisioning/make-demo-token.sh`` and by the test suite.
Idempotent: a token that already holds the keys is left alone. Keys are generated on the token;
only the demo CA's key lives in a file (0600), so more demo certificates can be issued later.

SoftHSM2 reads ``SOFTHSM2_CONF`` when the module is first loaded in a process, so callers set it
(``token_env``) before anything loads the module.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pkcs11
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pkcs11 import Attribute, KeyType, ObjectClass
from pkcs11.util.rsa import encode_rsa_public_key
from pkcs11.util.x509 import decode_x509_certificate

SOFTHSM_MODULE_CANDIDATES = (
    Path("/usr/lib/softhsm/libsofthsm2.so"),
    Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
    Path("/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"),
)

AGENCY_KEY = "agency"
LEADER_KEY = "leader"
CA_LABEL = "ca"


@dataclass(frozen=True)
class DemoToken:
    conf: Path
    module: Path
    label: str
    user_pin: str
    pin_file: Path
    ca_cert: Path
    agency_cert: Path
    leader_cert: Path


@dataclass(frozen=True)
class Identity:
    label: str
    key_id: bytes
    common_name: str
    organization: str
    title: str = ""


def find_softhsm_module() -> Path:
    for p in SOFTHSM_MODULE_CANDIDATES:
        if p.exists():
            return p
    raise FileNotFoundError("libsofthsm2.so not found: install the softhsm2 package "
                            "(provisioning/install-system-deps.sh)")


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_conf(token_dir: Path) -> Path:
    tokens = token_dir / "tokens"
    tokens.mkdir(parents=True, exist_ok=True, mode=0o700)
    conf = token_dir / "softhsm2.conf"
    text = (f"directories.tokendir = {tokens}\n"
            "objectstore.backend = file\n"
            "log.level = ERROR\n"
            "slots.removable = false\n")
    if not conf.exists() or conf.read_text() != text:
        conf.write_text(text)
    return conf


def token_env(conf: Path) -> dict[str, str]:
    return {**os.environ, "SOFTHSM2_CONF": str(conf)}


def _token_exists(conf: Path, label: str) -> bool:
    out = subprocess.run(["softhsm2-util", "--show-slots"], env=token_env(conf), capture_output=True,
                         text=True, check=True).stdout
    return any(line.strip() == f"Label:            {label}" or line.split(":", 1)[-1].strip() == label
               for line in out.splitlines() if line.strip().startswith("Label:"))


def _init_token(conf: Path, label: str, user_pin: str) -> None:
    so_pin = secrets.token_hex(8)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label,
                    "--pin", user_pin, "--so-pin", so_pin],
                   env=token_env(conf), capture_output=True, text=True, check=True)


def _make_ca(pki: Path, agency_name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key_path, cert_path = pki / "ca-key.pem", pki / "ca.pem"
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Trạm Văn Thư (demo)"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"CA thử nghiệm - {agency_name}"),
    ])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     key_cert_sign=True, crl_sign=True, encipher_only=False,
                                     decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pki.mkdir(parents=True, exist_ok=True)
    _write_private(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def issue_certificate(ca_key: rsa.RSAPrivateKey, ca_cert: x509.Certificate, public_key_der: bytes,
                      ident: Identity, *, not_before: dt.datetime | None = None,
                      days: int = 1095) -> x509.Certificate:
    start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
             x509.NameAttribute(NameOID.ORGANIZATION_NAME, ident.organization)]
    if ident.title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, ident.title))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, ident.common_name))
    public_key = serialization.load_der_public_key(public_key_der)
    return (
        x509.CertificateBuilder().subject_name(x509.Name(attrs)).issuer_name(ca_cert.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     key_cert_sign=False, crl_sign=False, encipher_only=False,
                                     decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)  # type: ignore[arg-type]
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _store_cert(session: pkcs11.Session, cert: x509.Certificate, label: str, key_id: bytes) -> None:
    attrs = decode_x509_certificate(cert.public_bytes(serialization.Encoding.DER))
    attrs.update({Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: key_id})
    session.create_object(attrs)


def _has_object(session: pkcs11.Session, label: str, cls: ObjectClass) -> bool:
    return any(True for _ in session.get_objects({Attribute.LABEL: label, Attribute.CLASS: cls}))


def ensure_identity(session: pkcs11.Session, ca_key: rsa.RSAPrivateKey, ca_cert: x509.Certificate,
                    ident: Identity, cert_out: Path, **cert_opts: object) -> None:
    """Make sure the token holds a key pair and certificate for ``ident``; write the cert PEM."""
    if _has_object(session, ident.label, ObjectClass.PRIVATE_KEY) and \
            _has_object(session, ident.label, ObjectClass.CERTIFICATE):
        if not cert_out.exists():
            obj = next(iter(session.get_objects({Attribute.LABEL: ident.label,
                                                 Attribute.CLASS: ObjectClass.CERTIFICATE})))
            der = bytes(obj[Attribute.VALUE])
            cert_out.write_bytes(x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM))
        return
    pub, _ = session.generate_keypair(KeyType.RSA, 2048, store=True, label=ident.label, id=ident.key_id)
    spki = asn1_keys.PublicKeyInfo({
        "algorithm": {"algorithm": "rsa"},
        "public_key": asn1_keys.RSAPublicKey.load(encode_rsa_public_key(pub)),
    })
    cert = issue_certificate(ca_key, ca_cert, spki.dump(), ident, **cert_opts)  # type: ignore[arg-type]
    _store_cert(session, cert, ident.label, ident.key_id)
    cert_out.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ensure_demo_token(root: Path, *, label: str = "vanthu-demo", agency_name: str = "Cơ quan thử nghiệm",
                      leader_name: str = "Nguyễn Văn An", leader_title: str = "Chủ tịch",
                      module: Path | None = None) -> DemoToken:
    """Create (or find) the demo token under ``root``: ``token/``, ``pki/``, ``secrets/token-pin``."""
    module = module or find_softhsm_module()
    conf = write_conf(root / "token")
    pin_file = root / "secrets" / "token-pin"
    if pin_file.exists():
        user_pin = pin_file.read_text().strip()
    else:
        user_pin = f"{secrets.randbelow(10**6):06d}"
        _write_private(pin_file, user_pin.encode())
    if os.environ.get("SOFTHSM2_CONF") != str(conf):
        os.environ["SOFTHSM2_CONF"] = str(conf)
    if not _token_exists(conf, label):
        _init_token(conf, label, user_pin)
    pki = root / "pki"
    ca_key, ca_cert = _make_ca(pki, agency_name)
    lib = pkcs11.lib(str(module))
    token = lib.get_token(token_label=label)
    # Look first without logging in (public objects only): a complete token is left untouched.
    with token.open() as session:
        complete = all(_has_object(session, lbl, cls) for lbl, cls in (
            (CA_LABEL, ObjectClass.CERTIFICATE),
            (AGENCY_KEY, ObjectClass.PUBLIC_KEY), (AGENCY_KEY, ObjectClass.CERTIFICATE),
            (LEADER_KEY, ObjectClass.PUBLIC_KEY), (LEADER_KEY, ObjectClass.CERTIFICATE)))
    result = DemoToken(conf=conf, module=module, label=label, user_pin=user_pin, pin_file=pin_file,
                       ca_cert=pki / "ca.pem", agency_cert=pki / "agency.pem", leader_cert=pki / "leader.pem")
    if complete and result.agency_cert.exists() and result.leader_cert.exists():
        return result
    with token.open(rw=True, user_pin=user_pin) as session:
        if not _has_object(session, CA_LABEL, ObjectClass.CERTIFICATE):
            _store_cert(session, ca_cert, CA_LABEL, b"\xca")
        ensure_identity(session, ca_key, ca_cert,
                        Identity(AGENCY_KEY, b"\x01", agency_name, agency_name), pki / "agency.pem")
        ensure_identity(session, ca_key, ca_cert,
                        Identity(LEADER_KEY, b"\x02", leader_name, agency_name, leader_title),
                        pki / "leader.pem")
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Create or check a SoftHSM2 demo office token.")
    ap.add_argument("dir", type=Path)
    ap.add_argument("--label", default="vanthu-demo")
    ap.add_argument("--agency-name", default="Cơ quan thử nghiệm")
    args = ap.parse_args(argv)
    t = ensure_demo_token(args.dir.resolve(), label=args.label, agency_name=args.agency_name)
    print(f"SOFTHSM2_CONF={t.conf}")
    print(f"token label: {t.label}; PIN file: {t.pin_file}; CA: {t.ca_cert}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
