"""Reading untrusted edXML bytes safely and in one streaming pass.

The bytes are fed in chunks to a hardened lxml parser (no DTD, no entity expansion, no network,
no huge-tree mode) whose SAX-style *target* builds a small tree of the header elements and
streams the text of every ``ContentTransferEncoded`` straight into a Base64 decoder. So a 100 MB
attachment is never held as text, as a tree node, or twice: only its decoded bytes are kept,
spooled to an anonymous temporary file.

Two repairs that real packages need are made and reported as warnings: stray bytes before the
first ``<`` are skipped, and an undeclared namespace prefix is tolerated (lxml's target parser
reads such a name without a namespace). A DOCTYPE is refused outright.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from node.edxml.attachments import Base64Sink, Payload
from node.edxml.errors import PackageError
from node.edxml.model import ACCEPTED_NAMESPACES, Limits

Source = bytes | bytearray | memoryview | str | os.PathLike[str] | BinaryIO
"""bytes, an XML text (a ``str`` containing ``<``), a path (``str`` or ``PathLike``) or a binary file."""

_CHUNK = 1024 * 1024
_HEAD = 64 * 1024
_NAME_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_DOCTYPE = "the package has a DOCTYPE; DTDs and entities are not allowed"


@dataclass
class Node:
    """An element of the light tree: namespace, local name, stripped text and children."""

    ns: str
    local: str
    attrib: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    text: str = ""
    sink: Base64Sink | None = None
    _parts: list[str] = field(default_factory=list, repr=False)
    _chars: int = 0

    @property
    def ours(self) -> bool:
        """In an edXML namespace, or in none (an undeclared ``edXML:`` prefix, repaired)."""
        return self.ns in ACCEPTED_NAMESPACES or not self.ns

    def all(self, local: str) -> list[Node]:
        """Children in an edXML namespace with this local name (prefixes never matter)."""
        return [c for c in self.children if c.local == local and c.ours]

    def first(self, local: str) -> Node | None:
        for c in self.children:
            if c.local == local and c.ours:
                return c
        return None

    def text_of(self, local: str) -> str:
        c = self.first(local)
        return c.text if c is not None else ""

    def walk(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            yield from c.walk()


class _Stop(Exception):
    """Raised by the target to end a bounded read (``peek``) early."""


class _Target:
    """lxml parser target: builds the light tree under the limits, streams attachment text."""

    def __init__(self, limits: Limits, *, decode: bool, stop_after: str | None) -> None:
        self.limits = limits
        self.decode = decode
        self.stop_after = stop_after
        self.stack: list[Node] = []
        self.root: Node | None = None
        self.elements = 0
        self.attachments = 0
        self.declared: set[str] = {"xml", "xmlns"}
        self.payloads: list[Payload] = []
        self.unqualified = 0
        self.finished = False

    def start_ns(self, prefix: str | None, uri: str) -> None:
        if prefix:
            self.declared.add(prefix)

    def end_ns(self, prefix: str | None) -> None:
        return None

    def doctype(self, name: str | None, pubid: str | None, system: str | None) -> None:
        raise PackageError(_DOCTYPE, code="xml_forbidden")

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > self.limits.max_elements:
            raise PackageError(f"the package has more than {self.limits.max_elements} elements",
                               code="too_large")
        if len(self.stack) >= self.limits.max_depth:
            raise PackageError(f"the package nests elements deeper than {self.limits.max_depth}",
                               code="too_large")
        ns, local = _split(tag)
        node = Node(ns, local, dict(attrib))
        if not self.stack:
            self.root = node
        else:
            if not ns:
                self.unqualified += 1
            parent = self.stack[-1]
            parent.children.append(node)
            if local == "ContentTransferEncoded" and parent.local == "Attachment":
                self._open_sink(node)
            elif local == "Attachment" and node.ours:
                self.attachments += 1
                if self.attachments > self.limits.max_attachments:
                    raise PackageError(f"the package has more than {self.limits.max_attachments} "
                                       "attachments", code="too_large")
        self.stack.append(node)

    def _open_sink(self, node: Node) -> None:
        if not self.decode:
            node.sink = Base64Sink(_Discard())
            return
        payload = Payload(spool_bytes=self.limits.memory_spool_bytes,
                          max_bytes=self.limits.max_attachment_bytes,
                          what=f"attachment no. {self.attachments}")
        self.payloads.append(payload)
        node.sink = Base64Sink(payload)

    def data(self, text: str) -> None:
        node = self.stack[-1]
        if node.sink is not None:
            if self.decode:
                node.sink.feed(text)
            return
        if node.children:
            return  # whitespace between children
        node._chars += len(text)
        if node._chars > self.limits.max_text_chars:
            raise PackageError(f"the text of <{node.local}> is longer than {self.limits.max_text_chars} "
                               "characters", code="too_large")
        node._parts.append(text)

    def end(self, tag: str) -> None:
        node = self.stack.pop()
        self.finished = not self.stack
        node.text = "".join(node._parts).strip()
        node._parts = []
        if node.sink is not None and self.decode:
            node.sink.finish()
        if self.stop_after is not None and node.local == self.stop_after and node.ours:
            raise _Stop

    def close(self) -> Node | None:
        return self.root


class _Discard(Payload):
    """A payload that only counts (``peek`` skips attachment contents)."""

    def __init__(self) -> None:
        super().__init__(spool_bytes=0, max_bytes=0, what="")

    def write(self, data: bytes) -> None:
        return None


class _PrefixScanner:
    """Finds the namespace prefixes used in tags (``<p:x``, `` p:a=``); lxml's target drops undeclared ones.

    Base64 text contains no ``:``, so the scan costs a ``find`` per chunk for attachment data.
    """

    def __init__(self) -> None:
        self.used: set[str] = set()
        self._carry = b""

    def scan(self, chunk: bytes) -> None:
        buf = self._carry + chunk
        i = buf.find(b":")
        while i != -1:
            self._look(buf, i)
            i = buf.find(b":", i + 1)
        self._carry = buf[-128:]

    def _look(self, buf: bytes, i: int) -> None:
        s = i
        while s > 0 and buf[s - 1] in _NAME_BYTES:
            s -= 1
        if s == i or s == 0 or buf[s - 1] not in b" \t\r\n<":
            return
        e = i + 1
        while e < len(buf) and buf[e] in _NAME_BYTES:
            e += 1
        if e == i + 1:
            return
        if buf[s - 1] != ord("<"):
            rest = buf[e:e + 16].lstrip()
            if not rest.startswith(b"="):
                return
        self.used.add(buf[s:i].decode("ascii"))


@dataclass
class ReadResult:
    root: Node
    warnings: list[str]
    payloads: list[Payload]
    stopped_early: bool


def read_tree(source: Source, limits: Limits, *, decode: bool = True,
              stop_after: str | None = None) -> ReadResult:
    """Parse ``source`` into a light tree; attachment texts are decoded into payloads (``decode``)."""
    stream, close = _open(source, limits)
    target = _Target(limits, decode=decode, stop_after=stop_after)
    warnings: list[str] = []
    stopped = False
    try:
        _feed(stream, target, limits, warnings)
    except _Stop:
        stopped = True
    except BaseException as e:
        _close_all(target.payloads)
        if isinstance(e, etree.LxmlError):
            raise _syntax_error(e) from None
        if isinstance(e, OSError):
            raise PackageError(f"cannot read the package: {e}", code="unreadable") from e
        raise
    finally:
        if close:
            stream.close()
    if target.root is None:
        raise PackageError("the package contains no XML element", code="xml_malformed")
    return ReadResult(target.root, warnings, target.payloads, stopped)


def _feed(stream: BinaryIO, target: _Target, limits: Limits, warnings: list[str]) -> None:
    parser = etree.XMLParser(target=target, resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True, remove_pis=True)
    scanner = _PrefixScanner()
    head = _read_head(stream, limits, warnings)
    total = len(head)
    chunk = head
    try:
        while chunk:
            scanner.scan(chunk)
            parser.feed(chunk)
            chunk = stream.read(_CHUNK)
            total += len(chunk)
            if total > limits.max_package_bytes:
                raise PackageError(f"the package is larger than the limit of {limits.max_package_bytes} "
                                   "bytes", code="too_large")
        parser.close()
    except etree.XMLSyntaxError:
        if not target.finished:
            raise
        warnings.append("repaired: ignored stray content after the end of the XML document")
    undeclared = sorted(scanner.used - target.declared)
    if undeclared:
        warnings.append("repaired: undeclared namespace prefix " + ", ".join(f"{p}:" for p in undeclared)
                        + " tolerated (read without a namespace)")
    if target.unqualified:
        warnings.append(f"repaired: {target.unqualified} element(s) without a namespace (an undeclared "
                        "prefix out of scope?) read as edXML elements")


def _read_head(stream: BinaryIO, limits: Limits, warnings: list[str]) -> bytes:
    head = b""
    while len(head) < _HEAD:
        more = stream.read(_HEAD - len(head))
        if not more:
            break
        head += more
    if head.startswith(_UTF16_BOMS):
        return head  # libxml2 decodes it; a DOCTYPE is still refused by the target
    if head.startswith(_BOM):
        head = head[len(_BOM):]
    start = head.find(b"<", 0, limits.max_junk_bytes + 1)
    if start == -1:
        if not head.strip():
            raise PackageError("the package is empty", code="xml_malformed")
        raise PackageError("the package does not start with XML", code="xml_malformed")
    if start:
        junk = head[:start]
        warnings.append(f"repaired: skipped {len(junk)} stray byte(s) {junk[:16]!r} before the XML")
        head = head[start:]
    first = _FIRST_ELEMENT.search(head)
    prolog = head[: first.start()] if first else head
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
        raise PackageError(_DOCTYPE, code="xml_forbidden")
    return head


def _open(source: Source, limits: Limits) -> tuple[BinaryIO, bool]:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        _check_size(len(data), limits)
        return io.BytesIO(data), True
    if isinstance(source, str) and "<" in source:
        data = source.encode("utf-8")
        _check_size(len(data), limits)
        return io.BytesIO(data), True
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            size = path.stat().st_size
            _check_size(size, limits)
            return path.open("rb"), True
        except OSError as e:
            raise PackageError(f"cannot read {path}: {e.strerror or e}", code="unreadable") from e
    try:
        size = os.fstat(source.fileno()).st_size - source.tell()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        size = 0
    _check_size(size, limits)
    return source, False


def _check_size(size: int, limits: Limits) -> None:
    if size > limits.max_package_bytes:
        raise PackageError(f"the package is {size} bytes, larger than the limit of "
                           f"{limits.max_package_bytes} bytes", code="too_large")


def _syntax_error(e: etree.LxmlError) -> PackageError:
    msg = str(e.msg if hasattr(e, "msg") and e.msg else e)
    if "ntity" in msg and ("not defined" in msg or "loop" in msg or "amplification" in msg):
        return PackageError(f"the package uses an entity ({msg}); entities are not allowed",
                            code="xml_forbidden")
    return PackageError(f"the package is not well-formed XML: {msg}", code="xml_malformed")


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _close_all(payloads: list[Payload]) -> None:
    for p in payloads:
        p.close()
