"""Valid and hostile edXML packages for tests of the node and the hub.

``hostile_packages()`` gives ``name → (bytes, expected PackageError code)``; every one must be refused.
``ClaimedHugeStream`` is a file-like package whose attachment claims gigabytes without existing.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import date

from node.edxml import AttachmentInput, EdocHeader, Organization, build_edoc

SENDER = Organization("000.00.01.H26", "UBND phường Một", organ_add="Số 1 phố Tràng Tiền, Hà Nội")
RECEIVER = Organization("000.00.02.H26", "UBND phường Hai")


def header(**changes: object) -> EdocHeader:
    base = EdocHeader(from_=SENDER, to=(RECEIVER,), document_id="000.00.01.H26,2026/11/24,15/UBND-VP",
                      code_number="15", code_notation="UBND-VP", promulgation_place="Hà Nội",
                      promulgation_date=date(2026, 11, 24), type=1, type_detail=0, type_name="Công văn",
                      subject="V/v kiểm tra gói tin độc hại")
    return dataclasses.replace(base, **changes)


def valid_package(attachments: tuple[AttachmentInput, ...] = ()) -> bytes:
    return build_edoc(header(), attachments or (AttachmentInput("cv.pdf", "application/pdf", b"%PDF-1.4 x"),))


def _without(xml: bytes, start: bytes, end: bytes) -> bytes:
    i = xml.index(start)
    j = xml.index(end, i) + len(end)
    return xml[:i] + xml[j:]


def _with_doctype(xml: bytes, doctype: bytes, subject: bytes) -> bytes:
    body = xml.split(b"?>\n", 1)[1]
    body = body.replace(header().subject.encode(), subject)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + doctype + b"\n" + body


def zip_bomb(uncompressed: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf, \
            zf.open("bomb.doc", "w", force_zip64=True) as member:
        block = b"\0" * (1 << 20)
        for _ in range(uncompressed >> 20):
            member.write(block)
    return buf.getvalue()


def zip_bomb_plain(uncompressed: int) -> bytes:
    """A ZIP without zip64 extras (sizes in the plain header fields, easy to falsify)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("bomb.doc", b"\0" * uncompressed)
    return buf.getvalue()


def many_member_zip(members: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(members):
            zf.writestr(f"f{i}.txt", b"x")
    return buf.getvalue()


def hostile_packages() -> dict[str, tuple[bytes, str]]:
    ok = valid_package()
    laughs = (b'<!DOCTYPE edXML:edXML [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i else b"&lol;") * 10)
                         for i in range(10)) + b"]>")
    return {
        "external_entity": (_with_doctype(ok, b'<!DOCTYPE edXML:edXML [<!ENTITY xxe SYSTEM '
                                              b'"file:///etc/passwd">]>', b"&xxe;"), "xml_forbidden"),
        "external_dtd": (_with_doctype(ok, b'<!DOCTYPE edXML:edXML SYSTEM "http://127.0.0.1:9/evil.dtd">',
                                       b"x"), "xml_forbidden"),
        "billion_laughs": (_with_doctype(ok, laughs, b"&lol9;"), "xml_forbidden"),
        "undefined_entity": (ok.replace(b"<edXML:Content>", b"<edXML:Content>&xxe;"), "xml_forbidden"),
        "wrong_namespace": (ok.replace(b"http://www.mic.gov.vn/TBT/QCVN_102_2016",
                                       b"http://example.org/not-edxml"), "wrong_namespace"),
        "no_namespace": (ok.replace(b' xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"', b"")
                         .replace(b' xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"', b"")
                         .replace(b"edXML:", b""), "wrong_namespace"),
        "missing_from": (_without(ok, b"<edXML:From>", b"</edXML:From>"), "missing_field"),
        "missing_to": (_without(ok, b"<edXML:To>", b"</edXML:To>"), "missing_field"),
        "missing_document_id": (_without(ok, b"<edXML:DocumentId>", b"</edXML:DocumentId>"),
                                "missing_field"),
        "attachment_path_name": (valid_package((AttachmentInput("../../x", "application/pdf", b"%PDF"),)),
                                 "attachment_invalid"),
        "attachment_absolute_name": (valid_package((AttachmentInput("/etc/cron.d/x", "text/plain", b"x"),)),
                                     "attachment_invalid"),
        "attachment_windows_name": (valid_package((AttachmentInput("..\\..\\x.exe", "text/plain", b"x"),)),
                                    "attachment_invalid"),
        "zip_many_members": (valid_package((AttachmentInput("a.doc", "application/zip",
                                                            many_member_zip(5000)),)), "too_large"),
        "not_xml": (b"MZ\x90\x00 this is not a package", "xml_malformed"),
        "truncated": (ok[: len(ok) // 2], "xml_malformed"),
        "deep_nesting": (ok.replace(b"<edXML:Content>", b"<edXML:Content>" + b"<a>" * 200 + b"</a>" * 200),
                         "too_large"),
    }


class ClaimedHugeStream(io.RawIOBase):
    """A package whose one attachment is ``claimed`` bytes of Base64, produced on demand (never stored)."""

    def __init__(self, claimed: int) -> None:
        ok = valid_package((AttachmentInput("huge.pdf", "application/pdf", b"ABC"),))
        head, _, tail = ok.partition(b"QUJD")  # Base64 of b"ABC"
        self._parts = [head]
        self._tail = tail
        self._left = claimed
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._parts:
            data = self._parts.pop(0)
        elif self._left > 0:
            n = min(len(buffer), self._left, 1 << 20)
            n -= n % 4 or 0
            data = b"QUJD" * (max(n, 4) // 4)
            self._left -= len(data)
        elif self._tail:
            data, self._tail = self._tail, b""
        else:
            return 0
        data = data[: len(buffer)] if len(data) <= len(buffer) else self._push_back(data, len(buffer))
        buffer[: len(data)] = data
        self.produced += len(data)
        return len(data)

    def _push_back(self, data: bytes, n: int) -> bytes:
        self._parts.insert(0, data[n:])
        return data[:n]
