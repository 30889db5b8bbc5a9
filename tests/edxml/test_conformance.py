"""Every official sample package is read by `vanthu edxml inspect`, repairs reported as warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.edxml import NS_EDOC_OLD, NS_GO_EDOC, NS_QCVN, BusinessDocType, StatusCode, parse_package, peek
from tests.conftest import SHARED, run_cli

SAMPLES = SHARED / "conformance" / "edxml"
FILES = sorted(SAMPLES.glob("*.edxml"))


def test_samples_exist() -> None:
    assert len(FILES) >= 15, f"conformance samples missing in {SAMPLES}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_inspect_reads_every_sample(path: Path) -> None:
    proc = run_cli("edxml", "inspect", "--json", str(path))
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["kind"] == ("status" if path.name.startswith("status") else "edoc")
    assert d["document_id"] and d["from"]["organ_id"] and d["to"]
    if d["kind"] == "status":
        assert d["status_code"] in {c.value for c in StatusCode}
    for a in d["attachments"]:
        assert a["size"] > 0 and len(a["sha256"]) == 64


def test_inspect_text_output() -> None:
    proc = run_cli("edxml", "inspect", str(SAMPLES / "edoc_update.edxml"))
    assert proc.returncode == 0, proc.stderr
    for label in ("Kind:", "DocumentId:", "From:", "To:", "Code:", "Subject:", "StatusCode:", "Attachments:",
                  "Warnings:"):
        assert label in proc.stdout
    assert "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT" in proc.stdout
    assert "1896_QD-TTg_m_294779.doc" in proc.stdout


def test_junk_before_declaration_is_repaired_with_a_warning() -> None:
    with parse_package(SAMPLES / "edoc_new.edxml") as pkg:
        assert pkg.kind == "edoc"
        assert any("stray" in w and "1212" in w for w in pkg.warnings)
        assert any("CodeNumber" in w for w in pkg.warnings)  # "74fass22"
        assert any("2014/02/30" in w for w in pkg.warnings)  # impossible date in Bussiness/DocumentId
        [att] = pkg.attachments
        assert att.unzipped and att.name == "1896_QD-TTg_m_294779.doc"
        data = att.read_bytes()
        assert not data.startswith(b"PK") and data.startswith(b"<?xml")  # a Word XML .doc out of its ZIP
        assert att.size == len(data)


def test_undeclared_prefix_is_repaired_with_a_warning() -> None:
    pkg = parse_package(SAMPLES / "edoc.edxml")
    assert any("xlink:" in w for w in pkg.warnings)
    assert any("UUID" in w for w in pkg.warnings)
    assert any("Base64" in w for w in pkg.warnings)  # "${__StringFromFile(test.txt,,,)}" is no content
    assert pkg.header.document_id == "9fbfbad2-f1f8-4256-a2eb-50fb1061cddb"
    assert pkg.header.response_for == ()  # the sample's empty ResponseFor is no reference


def test_business_types_of_the_samples() -> None:
    kinds = {name: parse_package(SAMPLES / f"edoc_{name}.edxml").header for name in
             ("new", "revocation", "update", "replacement")}
    assert kinds["new"].business_doc_type is BusinessDocType.NEW
    assert kinds["revocation"].business_doc_type is BusinessDocType.REVOCATION
    assert kinds["revocation"].response_for[0].document_id == "000.00.04.G14,2012/08/06,267/VPCP-TTĐT"
    upd = kinds["update"]
    assert upd.business_doc_type is BusinessDocType.UPDATE
    assert [(r.organ_id, int(r.receiver_type)) for r in upd.receivers] == [("000.00.00.H41", 0),
                                                                          ("000.00.00.H14", 1)]
    rep = kinds["replacement"]
    assert rep.business_doc_type is BusinessDocType.REPLACEMENT
    assert rep.replacements[0].organ_ids == ("000.00.00.H41", "000.00.00.H14")


def test_status_sample() -> None:
    pkg = parse_package(SAMPLES / "status_cancellation_13.edxml")
    assert pkg.kind == "status"
    assert pkg.status_code is StatusCode.RECALL_REQUESTED
    assert pkg.timestamp.utcoffset() is not None and pkg.timestamp.hour == 11
    summary = peek(SAMPLES / "status_cancellation_13.edxml")
    assert summary.to_organ_ids == (pkg.response_for.organ_id,)


@pytest.mark.parametrize("ns", [NS_EDOC_OLD, NS_GO_EDOC])
def test_older_namespaces_are_read(ns: str) -> None:
    data = (SAMPLES / "edoc_update.edxml").read_bytes().replace(NS_QCVN.encode(), ns.encode())
    pkg = parse_package(data)
    assert pkg.kind == "edoc" and pkg.header.business_doc_type is BusinessDocType.UPDATE
    assert any("namespace" in w for w in pkg.warnings)


def test_peek_reads_routing_facts() -> None:
    s = peek(SAMPLES / "edoc_update.edxml")
    assert s.kind == "edoc" and s.from_organ_id == "000.00.00.G22"
    assert s.to_organ_ids == ("000.00.00.H41", "000.00.00.H14", "000.00.00.G17")
    assert s.code == "7816/VPCP-TTĐT" and s.business_doc_type == 2
