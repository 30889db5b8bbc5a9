"""Attachments: Base64 streamed into a spool, ZIP unwrapped only when it wraps one file, names as metadata."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile

from node.edxml import AttachmentInput, AttachmentSource, Limits, parse_package, peek, write_edoc
from tests.support.edxml_hostile import header, valid_package


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_around_one_file_is_unwrapped() -> None:
    doc = "Quyết định số 12/QĐ-UBND".encode() * 100
    data = valid_package((AttachmentInput("qd12.doc", "application/zip", _zip({"qd12.doc": doc})),))
    with parse_package(data) as pkg:
        [a] = pkg.attachments
        assert a.unzipped and a.zip_member == "qd12.doc" and a.content_type == "application/msword"
        assert a.read_bytes() == doc and a.size == len(doc) and a.sha256 == hashlib.sha256(doc).hexdigest()


def test_zip_with_several_files_is_kept_as_a_zip() -> None:
    z = _zip({"a.doc": b"a", "b.doc": b"b"})
    with parse_package(valid_package((AttachmentInput("hoso.zip", "application/zip", z),))) as pkg:
        [a] = pkg.attachments
        assert not a.unzipped and a.read_bytes() == z
        assert any("2 files" in w for w in pkg.warnings)


def test_a_real_zip_file_named_zip_with_another_type_is_left_alone() -> None:
    z = _zip({"a.doc": b"a"})
    with parse_package(valid_package((AttachmentInput("hoso.zip", "application/octet-stream", z),))) as pkg:
        assert pkg.attachments[0].read_bytes() == z


def test_invalid_base64_is_a_warning_not_a_failure() -> None:
    data = valid_package().replace(b"JVBERi0xLjQgeA==", b"JVBERi0x!!!LjQgeA==")
    pkg = parse_package(data)
    assert pkg.attachments == [] and any("Base64" in w for w in pkg.warnings)


def test_base64_with_line_breaks_is_decoded() -> None:
    payload = os.urandom(5000)
    data = valid_package((AttachmentInput("x.bin", "application/octet-stream", payload),))
    start = data.index(b">", data.index(b"<edXML:ContentTransferEncoded")) + 1
    end = data.index(b"</edXML:ContentTransferEncoded>")
    b64 = data[start:end]
    wrapped = b"\r\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))
    pkg = parse_package(data[:start] + b"\n" + wrapped + b"\n  " + data[end:])
    assert pkg.attachments[0].read_bytes() == payload


def test_names_with_separators_are_kept_as_metadata_with_a_warning() -> None:
    pkg = parse_package(valid_package((AttachmentInput("1768/SVHTT-VP.pdf", "application/pdf", b"%PDF"),)))
    assert pkg.attachments[0].name == "1768_SVHTT-VP.pdf"
    assert pkg.attachments[0].original_name == "1768/SVHTT-VP.pdf"
    assert any("not a plain file name" in w for w in pkg.warnings)


def test_large_attachment_is_spooled_and_streamed(tmp_path: os.PathLike[str]) -> None:
    big = os.urandom(12 * 1024 * 1024)
    path = os.path.join(tmp_path, "big.edxml")
    with open(path, "wb") as out:
        write_edoc(out, header(), [AttachmentSource("big.pdf", "application/pdf", io.BytesIO(big))])
    with parse_package(path, limits=Limits(memory_spool_bytes=1024 * 1024)) as pkg:
        [a] = pkg.attachments
        assert a.size == len(big) and a.sha256 == hashlib.sha256(big).hexdigest()
        r1, r2 = a.open(), a.open()  # independent readers
        assert r1.read(10) == big[:10] and r2.read(20) == big[:20] and r1.read(10) == big[10:20]
        assert a.read_bytes() == big



def test_sources_bytes_text_path_and_file(tmp_path: os.PathLike[str]) -> None:
    data = valid_package()
    path = os.path.join(tmp_path, "p.edxml")
    with open(path, "wb") as f:
        f.write(data)
    with open(path, "rb") as f:
        from_file = parse_package(f)
    for pkg in (parse_package(data), parse_package(data.decode()), parse_package(path), from_file):
        assert pkg.kind == "edoc" and pkg.attachments[0].read_bytes() == b"%PDF-1.4 x"


def test_utf16_and_bom_packages_are_read() -> None:
    text = valid_package().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert parse_package(text.encode("utf-16")).header.subject == header().subject
    pkg = parse_package(b"\xef\xbb\xbf" + valid_package())
    assert pkg.header.subject == header().subject and not pkg.warnings


def test_peek_stops_after_the_header() -> None:
    big = io.BytesIO()
    write_edoc(big, header(), [AttachmentSource("x.pdf", "application/pdf", io.BytesIO(b"\0" * 8_000_000))])
    big.seek(0)
    summary = peek(big)
    assert summary.document_id == header().document_id
    assert big.tell() < 2 * 1024 * 1024  # read the header chunk, not the 10 MB of Base64
