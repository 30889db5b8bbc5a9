"""``vanthu pdf``: sign PDFs with the office token and verify signed PDFs.

Exit codes of ``verify``: 0 every signature valid and trusted, 1 any is not (or none at all),
2 unreadable file. Signing writes OUT atomically: on any failure no OUT file appears.
"""

from __future__ import annotations

import contextlib
import json
import sys
from datetime import date, datetime
from pathlib import Path

import click

from node.cli.base import CliState, pass_state
from node.config import Config
from node.domain.clock import SystemClock
from node.domain.signing import Box, PersonalSigner
from node.errors import PlacementError, UnreadablePdfError
from node.signing import appearance, forms
from node.signing.service import open_signer
from node.signing.signer import Pkcs11DocumentSigner, SignResult, write_atomic
from node.signing.token import read_pin_file
from node.signing.verify import verify_pdf


def _parse_box(text: str) -> Box:
    """``PAGE:x1,y1,x2,y2`` (page from 1, points from the bottom-left corner)."""
    try:
        page, coords = text.split(":", 1)
        x1, y1, x2, y2 = (float(v) for v in coords.split(","))
        return Box(int(page) - 1, x1, y1, x2, y2)
    except ValueError as e:
        raise click.BadParameter("expected PAGE:x1,y1,x2,y2, e.g. 2:350,140,500,210") from e


def _read_pdf(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UnreadablePdfError(f"cannot read {path}: {e.strerror}") from e
    if not data.startswith(b"%PDF"):
        raise UnreadablePdfError(f"{path} is not a PDF file")
    return data


def _pin(pin_file: Path | None, prompt: str) -> str | None:
    if pin_file is not None:
        return read_pin_file(pin_file)
    if sys.stdin.isatty():
        return str(click.prompt(prompt, hide_input=True))
    return None


@click.group()
def pdf() -> None:
    """Sign PDFs with the office token (NĐ 30) and verify signatures."""


@pdf.command("sign")
@click.argument("src", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--as", "role", type=click.Choice(["person", "agency", "copy"]), required=True,
              help="person: leader's visible signature; agency: the seal over it; "
                   "copy: text-only agency stamp (attachments, electronic copies).")
@click.option("--field-box", help="Where to put the signature: PAGE:x1,y1,x2,y2 in points "
                                  "(default: found from the signer's name / the personal signature).")
@click.option("--pin-file", type=click.Path(path_type=Path, dir_okay=False),
              help="Read the PIN from this 0600 file instead of asking.")
@click.option("--key", "key_label", help="Key label on the token (default: signing.personal_key_label).")
@click.option("--name", "full_name", help="Signer's full name as printed (default: the certificate's CN).")
@click.option("--signature-png", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Blue transparent PNG of the signature (default: signing.signature_png).")
@click.option("--text", "stamp_text", help="--as copy: the stamp text (số/ký hiệu, or 'SAO Y' + agency).")
@pass_state
def sign(state: CliState, src: Path, out: Path, role: str, field_box: str | None, pin_file: Path | None,
         key_label: str | None, full_name: str | None, signature_png: Path | None,
         stamp_text: str | None) -> None:
    """Sign SRC and write OUT (personal signature, agency seal, or text stamp)."""
    config = state.config()
    data = _read_pdf(src)
    signer = open_signer(config, SystemClock())
    box = _parse_box(field_box) if field_box else None
    try:
        if role == "person":
            result = _sign_person(config, signer, data, box, pin_file, key_label, full_name, signature_png)
        elif role == "agency":
            pin = _agency_pin(config, pin_file)
            result = signer.seal(data, pin=pin)
        else:
            if not stamp_text:
                raise click.UsageError("--as copy needs --text")
            result = signer.stamp_copy(data, text=stamp_text, pin=_agency_pin(config, pin_file))
        write_atomic(out, result.pdf)
    finally:
        signer.token.close()
    queued = " (timestamp queued)" if result.timestamp_queued else ""
    click.echo(f"signed {out} [{result.field_name}, {result.level.value}{queued}]")


def _agency_pin(config: Config, pin_file: Path | None) -> str | None:
    if pin_file is not None:
        return read_pin_file(pin_file)
    if config.signing.agency_pin_file is not None:
        return None  # the signer reads it
    return _pin(None, "PIN khoá cơ quan")


def _sign_person(config: Config, signer: Pkcs11DocumentSigner, data: bytes, box: Box | None,
                 pin_file: Path | None, key_label: str | None, full_name: str | None,
                 signature_png: Path | None) -> SignResult:
    pin = _pin(pin_file, "PIN token")
    key = key_label or config.signing.personal_key_label
    name = full_name or signer.certificate_name(key, pin=pin)
    png = signature_png or config.signing.signature_png or appearance.DEMO_SIGNATURE
    if forms.NUMBER_FIELD not in forms.field_names(data):
        # leave the số / ngày fields for the clerk, when page 1 has the blanks for them
        with contextlib.suppress(PlacementError):
            data = signer.prepare_number_fields(data)
    who = PersonalSigner(user="cli", full_name=name, key_label=key, signature_png=str(png))
    return signer.sign_personal(data, who, pin=pin, box=box)


@pdf.command("number")
@click.argument("src", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--number", required=True, help="Số văn bản, e.g. 12.")
@click.option("--date", "issued", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Ngày ban hành, YYYY-MM-DD.")
@pass_state
def number(state: CliState, src: Path, out: Path, number: str, issued: datetime) -> None:
    """Fill the số / ngày fields left before the personal signature (incremental update)."""
    assert isinstance(issued, datetime)
    data = _read_pdf(src)
    d: date = issued.date()
    write_atomic(out, forms.fill_number_date(data, number=number, issued=d))
    click.echo(f"numbered {out}: {number}, {d.isoformat()}")


@pdf.command("verify")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--trust", "trust", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="PEM/DER certificate of a trusted CA (repeatable; added to signing.trust_anchors).")
@click.option("--crl", "crls", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="CRL file of a trusted CA (repeatable; added to signing.crl_files).")
@pass_state
def verify(state: CliState, path: Path, as_json: bool, trust: tuple[Path, ...],
           crls: tuple[Path, ...]) -> None:
    """Check every signature of PATH: exit 0 all valid and trusted, 1 otherwise, 2 unreadable."""
    anchors, crl_files, tz = list(trust), list(crls), "Asia/Ho_Chi_Minh"
    if state.config_path.exists():
        config = state.config()
        anchors += list(config.signing.trust_anchors)
        crl_files += list(config.signing.crl_files)
        tz = config.node.timezone
    report = verify_pdf(_read_pdf(path), anchors, crl_files=crl_files, tz=tz)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(report.summary_vi())
    sys.exit(0 if report.all_ok else 1)


def register(group: click.Group) -> None:
    group.add_command(pdf)
