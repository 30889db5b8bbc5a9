"""Hostile packages are refused with a clear code and text, fast, without files or large allocations."""

from __future__ import annotations

import os
import struct
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest

from node.edxml import AttachmentInput, Limits, PackageError, parse_package, peek
from tests.conftest import run_cli
from tests.support.edxml_hostile import (
    ClaimedHugeStream,
    hostile_packages,
    valid_package,
    zip_bomb,
    zip_bomb_plain,
)

HOSTILE = hostile_packages()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_package_is_refused(name: str) -> None:
    data, code = HOSTILE[name]
    with pytest.raises(PackageError) as err:
        parse_package(data)
    assert err.value.code == code, err.value.message
    assert err.value.message and "\n" not in err.value.message


@pytest.mark.parametrize("name", ["external_entity", "billion_laughs", "wrong_namespace", "missing_from",
                                  "missing_to", "missing_document_id", "attachment_path_name"])
def test_inspect_refuses_with_one_line_and_exit_2(name: str, tmp_path: Path) -> None:
    data, code = HOSTILE[name]
    path = tmp_path / f"{name}.edxml"
    path.write_bytes(data)
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    proc = run_cli("edxml", "inspect", str(path), cwd=work)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"[{code}]" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["a", "b", path.name])  # no ../../x written


def test_external_entity_is_not_resolved() -> None:
    data, _ = HOSTILE["external_entity"]
    with pytest.raises(PackageError) as err:
        parse_package(data)
    assert "root:" not in err.value.message  # /etc/passwd never read into the message


def test_doctype_after_a_long_prolog_is_still_refused() -> None:
    data, _ = HOSTILE["billion_laughs"]
    decl, rest = data.split(b"\n", 1)
    padded = decl + b"\n<!--" + b" " * 200_000 + b"-->\n" + rest
    with pytest.raises(PackageError) as err:
        parse_package(padded)
    assert err.value.code == "xml_forbidden"


def test_peek_refuses_hostile_packages_too() -> None:
    for name in ("external_entity", "billion_laughs", "wrong_namespace", "missing_to"):
        data, code = HOSTILE[name]
        with pytest.raises(PackageError) as err:
            peek(data)
        assert err.value.code == code


def test_claimed_multi_gigabyte_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.edxml"
    with path.open("wb") as f:  # sparse: claims 5 GiB, occupies nothing
        f.write(valid_package()[:200])
        f.truncate(5 * 1024**3)
    t0 = time.perf_counter()
    with pytest.raises(PackageError) as err:
        parse_package(path)
    assert err.value.code == "too_large"
    assert time.perf_counter() - t0 < 1
    proc = run_cli("edxml", "inspect", str(path))
    assert proc.returncode == 2 and "[too_large]" in proc.stderr


def test_claimed_multi_gigabyte_stream_is_refused_at_the_attachment_limit() -> None:
    stream = ClaimedHugeStream(claimed=4 * 1024**3)
    limits = Limits(max_attachment_bytes=16 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(PackageError) as err:
            parse_package(stream, limits=limits)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.value.code == "too_large" and "attachment" in err.value.message
    assert stream.produced < 32 * 1024 * 1024  # stopped near the limit, not at 4 GiB
    assert peak < 24 * 1024 * 1024  # spooled to disk beyond memory_spool_bytes, never held whole


def test_claimed_stream_is_refused_by_the_package_limit() -> None:
    stream = ClaimedHugeStream(claimed=4 * 1024**3)
    with pytest.raises(PackageError) as err:
        parse_package(stream, limits=Limits(max_package_bytes=8 * 1024 * 1024))  # type: ignore[arg-type]
    assert err.value.code == "too_large" and "package" in err.value.message


def test_zip_bomb_is_refused() -> None:
    bomb = zip_bomb(64 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    data = valid_package((AttachmentInput("qd.doc", "application/zip", bomb),))
    with pytest.raises(PackageError) as err:
        parse_package(data, limits=Limits(max_attachment_bytes=8 * 1024 * 1024))
    assert err.value.code == "too_large" and "unpacks" in err.value.message


def test_zip_bomb_with_a_lying_header_never_unpacks_more_than_it_claims() -> None:
    bomb = bytearray(zip_bomb_plain(16 * 1024 * 1024))
    lie = struct.pack("<I", 1000)
    local = bomb.index(b"PK\x03\x04")
    central = bomb.index(b"PK\x01\x02")
    bomb[local + 22:local + 26] = lie  # uncompressed size in the local header
    bomb[central + 24:central + 28] = lie  # and in the central directory
    data = valid_package((AttachmentInput("qd.doc", "application/zip", bytes(bomb)),))
    with parse_package(data, limits=Limits(max_attachment_bytes=4 * 1024 * 1024)) as pkg:
        [att] = pkg.attachments
        assert not att.unzipped and att.size == len(bomb)  # CRC fails after 1000 bytes: kept as the ZIP
        assert any("damaged ZIP" in w for w in pkg.warnings)


def test_too_many_attachments() -> None:
    atts = tuple(AttachmentInput(f"a{i}.txt", "text/plain", b"x") for i in range(5))
    with pytest.raises(PackageError) as err:
        parse_package(valid_package(atts), limits=Limits(max_attachments=3))
    assert err.value.code == "too_large"


def test_no_temporary_file_is_left_after_a_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    stream = ClaimedHugeStream(claimed=64 * 1024 * 1024)
    with pytest.raises(PackageError):
        parse_package(stream, limits=Limits(max_attachment_bytes=8 * 1024 * 1024,  # type: ignore[arg-type]
                                            memory_spool_bytes=1024 * 1024))
    assert os.listdir(tmp_path) == []


def test_bare_ampersand_is_malformed_not_forbidden() -> None:
    data = valid_package().replace(b"<edXML:Content>", "<edXML:Content>Sở Kế hoạch & Đầu tư".encode())
    with pytest.raises(PackageError) as err:
        parse_package(data)
    assert err.value.code == "xml_malformed"


def test_stray_content_after_the_document_is_repaired_with_a_warning() -> None:
    pkg = parse_package(valid_package() + b"1212\n")
    assert pkg.kind == "edoc" and any("after the end" in w for w in pkg.warnings)


def test_empty_and_whitespace_packages_are_malformed() -> None:
    for data in (b"", b"   \n", b"<"):
        with pytest.raises(PackageError) as err:
            parse_package(data)
        assert err.value.code == "xml_malformed"
