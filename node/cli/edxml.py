"""``vanthu edxml inspect``: what is inside an edXML package (read safely; nothing is stored)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from node.edxml import EdocPackage, Organization, StatusPackage, parse_package


def _org(o: Organization) -> dict[str, str]:
    return {"organ_id": o.organ_id, "organ_name": o.organ_name}


def describe(pkg: EdocPackage | StatusPackage) -> dict[str, Any]:
    """The package as plain data (the ``--json`` answer)."""
    if isinstance(pkg, StatusPackage):
        rf = pkg.response_for
        return {
            "kind": pkg.kind, "document_id": rf.document_id, "from": _org(pkg.from_),
            "to": [{"organ_id": rf.organ_id, "organ_name": ""}], "code": rf.code, "subject": "",
            "status_code": pkg.status_code.value, "description": pkg.description,
            "timestamp": pkg.timestamp.isoformat(), "attachments": [], "warnings": pkg.warnings,
        }
    h = pkg.header
    return {
        "kind": pkg.kind, "document_id": h.document_id, "from": _org(h.from_),
        "to": [_org(o) for o in h.to], "code": h.code, "subject": h.subject, "status_code": None,
        "business_doc_type": int(h.business_doc_type), "business_doc_type_name": h.business_doc_type.name,
        "promulgation_date": h.promulgation_date.isoformat() if h.promulgation_date else None,
        "attachments": [{"name": a.name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256,
                         "unzipped": a.unzipped} for a in pkg.attachments],
        "warnings": pkg.warnings,
    }


def _print_text(d: dict[str, Any]) -> None:
    click.echo(f"Kind:        {d['kind']}")
    click.echo(f"DocumentId:  {d['document_id']}")
    click.echo(f"From:        {d['from']['organ_id']}  {d['from']['organ_name']}".rstrip())
    click.echo("To:          " + (", ".join(t["organ_id"] for t in d["to"]) or "-"))
    for t in d["to"]:
        if t["organ_name"]:
            click.echo(f"             {t['organ_id']}  {t['organ_name']}")
    click.echo(f"Code:        {d['code'] or '-'}")
    click.echo(f"Subject:     {d['subject'] or '-'}")
    click.echo(f"StatusCode:  {d['status_code'] or '-'}")
    if d["kind"] == "edoc":
        click.echo(f"Business:    {d['business_doc_type']} ({d['business_doc_type_name'].lower()})")
    else:
        click.echo(f"Description: {d['description']}")
        click.echo(f"Timestamp:   {d['timestamp']}")
    click.echo(f"Attachments: {len(d['attachments'])}")
    for a in d["attachments"]:
        click.echo(f"  {a['name']}  {a['size']} bytes  sha256 {a['sha256']}"
                   + ("  (unzipped)" if a["unzipped"] else ""))
    click.echo(f"Warnings:    {len(d['warnings'])}")
    for w in d["warnings"]:
        click.echo(f"  - {w}")


@click.group("edxml")
def edxml_group() -> None:
    """edXML (QCVN 102:2016) packages."""


@edxml_group.command("inspect")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the package as JSON.")
def inspect(path: Path, as_json: bool) -> None:
    """Show a package's kind, DocumentId, From, To, Code, Subject, StatusCode, attachments, warnings.

    An invalid package exits with code 2 and one line saying what is wrong.
    """
    with parse_package(path) as pkg:
        d = describe(pkg)
    if as_json:
        click.echo(json.dumps(d, ensure_ascii=False, indent=2))
    else:
        _print_text(d)


def register(group: click.Group) -> None:
    group.add_command(edxml_group)
