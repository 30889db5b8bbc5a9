"""Building packages in the QCVN 102:2016 form only (``edXML:`` prefix, element order of the VNPT lib).

``write_edoc`` streams to a binary file (a large attachment is Base64-encoded piece by piece);
``build_edoc`` and ``build_status`` return bytes.
"""

from __future__ import annotations

import base64
import io
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import BinaryIO
from xml.sax.saxutils import escape

from node.edxml.errors import PackageError
from node.edxml.model import (
    NS_QCVN,
    AttachmentInput,
    BusinessDocType,
    EdocHeader,
    Organization,
    ResponseFor,
    StaffInfo,
    StatusCode,
    TraceHeader,
)
from node.edxml.values import check_xml_text, format_date, format_timestamp

_ENTITIES = {"\r": "&#13;"}
_B64_CHUNK = 3 * 256 * 1024  # a multiple of 3, so pieces concatenate into one valid Base64 text


class _Writer:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out

    def raw(self, text: str) -> None:
        self.out.write(text.encode("utf-8"))

    def el(self, indent: int, local: str, value: str | int | None, prefix: str = "edXML:") -> None:
        text = "" if value is None else str(value)
        check_xml_text(text, local)
        self.raw(f"{'  ' * indent}<{prefix}{local}>{escape(text, _ENTITIES)}</{prefix}{local}>\n")

    def open(self, indent: int, local: str, attrs: str = "", prefix: str = "edXML:") -> None:
        self.raw(f"{'  ' * indent}<{prefix}{local}{attrs}>\n")

    def close(self, indent: int, local: str, prefix: str = "edXML:") -> None:
        self.raw(f"{'  ' * indent}</{prefix}{local}>\n")


# The shape of the official samples: a default-namespace root, the ``edXML:`` prefix declared on the
# envelope, and an unprefixed AttachmentEncoded whose ContentTransferEncoded redeclares the prefix.
_PROLOG = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<edXML xmlns="{NS_QCVN}">\n')
_ENVELOPE = f' xmlns:edXML="{NS_QCVN}"'
_END = "</edXML>\n"


def _organization(w: _Writer, indent: int, local: str, org: Organization) -> None:
    if not org.organ_id:
        raise PackageError(f"{local} has no OrganId", code="missing_field")
    w.open(indent, local)
    for name, value in (("OrganId", org.organ_id), ("OrganizationInCharge", org.organization_in_charge),
                        ("OrganName", org.organ_name), ("OrganAdd", org.organ_add), ("Email", org.email),
                        ("Telephone", org.telephone), ("Fax", org.fax), ("Website", org.website)):
        w.el(indent + 1, name, value)
    w.close(indent, local)


def _response_for(w: _Writer, indent: int, rf: ResponseFor) -> None:
    w.open(indent, "ResponseFor")
    w.el(indent + 1, "OrganId", rf.organ_id)
    w.el(indent + 1, "Code", rf.code)
    w.el(indent + 1, "PromulgationDate", format_date(rf.promulgation_date))
    w.el(indent + 1, "DocumentId", rf.document_id)
    w.close(indent, "ResponseFor")


def _staff(w: _Writer, indent: int, staff: StaffInfo) -> None:
    w.open(indent, "StaffInfo")
    w.el(indent + 1, "Department", staff.department)
    w.el(indent + 1, "Staff", staff.staff)
    w.el(indent + 1, "Mobile", staff.mobile)
    w.el(indent + 1, "Email", staff.email)
    w.close(indent, "StaffInfo")


def _message_header(w: _Writer, h: EdocHeader) -> None:
    if not h.to:
        raise PackageError("the package has no recipient (To)", code="missing_field")
    if not h.document_id:
        raise PackageError("the package has no DocumentId", code="missing_field")
    w.open(3, "MessageHeader")
    _organization(w, 4, "From", h.from_)
    for org in h.to:
        _organization(w, 4, "To", org)
    w.el(4, "DocumentId", h.document_id)
    w.open(4, "Code")
    w.el(5, "CodeNumber", h.code_number)
    w.el(5, "CodeNotation", h.code_notation)
    w.close(4, "Code")
    w.open(4, "PromulgationInfo")
    w.el(5, "Place", h.promulgation_place)
    w.el(5, "PromulgationDate", format_date(h.promulgation_date))
    w.close(4, "PromulgationInfo")
    w.open(4, "DocumentType")
    w.el(5, "Type", h.type)
    w.el(5, "TypeDetail", h.type_detail)
    w.el(5, "TypeName", h.type_name)
    w.close(4, "DocumentType")
    w.el(4, "Subject", h.subject)
    w.el(4, "Content", h.content)
    w.open(4, "SignerInfo")
    w.el(5, "Competence", h.signer_competence)
    w.el(5, "Position", h.signer_position)
    w.el(5, "FullName", h.signer_full_name)
    w.close(4, "SignerInfo")
    w.el(4, "DueDate", format_date(h.due_date))
    w.open(4, "OtherInfo")
    w.el(5, "Priority", h.priority)
    w.el(5, "SphereOfPromulgation", h.sphere_of_promulgation)
    w.el(5, "TyperNotation", h.typer_notation)
    w.el(5, "PromulgationAmount", h.promulgation_amount)
    w.el(5, "PageAmount", h.page_amount)
    w.el(5, "Direction", "true" if h.direction else "false")
    if h.appendixes:
        w.open(5, "Appendixes")
        for a in h.appendixes:
            w.el(6, "Appendix", a)
        w.close(5, "Appendixes")
    w.close(4, "OtherInfo")
    for rf in h.response_for:
        _response_for(w, 4, rf)
    w.el(4, "SteeringType", h.steering_type)
    if h.to_places:
        w.open(4, "ToPlaces")
        for p in h.to_places:
            w.el(5, "Place", p)
        w.close(4, "ToPlaces")
    w.close(3, "MessageHeader")


def _trace_header_list(w: _Writer, h: EdocHeader, trace: Iterable[TraceHeader]) -> None:
    w.open(3, "TraceHeaderList")
    for t in trace:
        w.open(4, "TraceHeader")
        w.el(5, "OrganId", t.organ_id)
        w.el(5, "Timestamp", format_timestamp(t.timestamp) if t.timestamp else "")
        w.close(4, "TraceHeader")
    w.open(4, "Bussiness")
    if h.business_document_id:
        w.el(5, "DocumentId", h.business_document_id)
    w.el(5, "BussinessDocType", int(h.business_doc_type))
    w.el(5, "BussinessDocReason", h.business_doc_reason)
    w.el(5, "Paper", h.paper)
    if h.business_doc_type is BusinessDocType.UPDATE or h.receivers:
        w.open(5, "BussinessDocumentInfo")
        w.el(6, "DocumentInfo", h.document_info)
        w.el(6, "DocumentReceiver", h.document_receiver)
        w.open(6, "ReceiverList")
        for r in h.receivers:
            w.open(7, "Receiver")
            w.el(8, "OrganId", r.organ_id)
            w.el(8, "ReceiverType", int(r.receiver_type))
            w.close(7, "Receiver")
        w.close(6, "ReceiverList")
        w.close(5, "BussinessDocumentInfo")
    if h.replacements:
        w.open(5, "ReplacementInfoList")
        for rep in h.replacements:
            w.open(6, "ReplacementInfo")
            w.el(7, "DocumentId", rep.document_id)
            w.open(7, "OrganIdList")
            for organ_id in rep.organ_ids:
                w.el(8, "OrganId", organ_id)
            w.close(7, "OrganIdList")
            w.close(6, "ReplacementInfo")
        w.close(5, "ReplacementInfoList")
    if h.business_staff is not None:
        _staff(w, 5, h.business_staff)
    w.close(4, "Bussiness")
    w.close(3, "TraceHeaderList")


class AttachmentSource:
    """An attachment read from a binary file while writing (for packages too large to hold as bytes)."""

    def __init__(self, name: str, content_type: str, stream: BinaryIO, description: str = "") -> None:
        self.name = name
        self.content_type = content_type
        self.stream = stream
        self.description = description


def write_edoc(out: BinaryIO, header: EdocHeader,
               attachments: Sequence[AttachmentSource] = (), *, trace: Sequence[TraceHeader] = ()) -> None:
    """Write an edoc package to ``out``; attachments are streamed and Base64-encoded piece by piece."""
    w = _Writer(out)
    ids = [f"cid:{uuid.uuid4()}" for _ in attachments]
    w.raw(_PROLOG)
    w.open(1, "edXMLEnvelope", _ENVELOPE)
    w.open(2, "edXMLHeader")
    _message_header(w, header)
    _trace_header_list(w, header, trace)
    w.close(2, "edXMLHeader")
    w.open(2, "edXMLBody")
    w.open(3, "edXMLManifest", ' version="1.0"')
    for cid, a in zip(ids, attachments, strict=True):
        w.open(4, "Reference")
        w.el(5, "ContentId", cid)
        w.el(5, "ContentType", a.content_type)
        w.el(5, "Description", a.description)
        w.el(5, "AttachmentName", a.name)
        w.close(4, "Reference")
    w.close(3, "edXMLManifest")
    w.close(2, "edXMLBody")
    w.close(1, "edXMLEnvelope")
    w.open(1, "AttachmentEncoded", prefix="")
    for cid, a in zip(ids, attachments, strict=True):
        w.open(2, "Attachment", prefix="")
        w.el(3, "ContentId", cid, prefix="")
        w.el(3, "AttachmentName", a.name, prefix="")
        w.el(3, "Description", a.description, prefix="")
        w.el(3, "ContentType", a.content_type, prefix="")
        w.raw(f"      <edXML:ContentTransferEncoded{_ENVELOPE}>")
        while chunk := a.stream.read(_B64_CHUNK):
            out.write(base64.b64encode(chunk))
        w.raw("</edXML:ContentTransferEncoded>\n")
        w.close(2, "Attachment", prefix="")
    w.close(1, "AttachmentEncoded", prefix="")
    w.raw(_END)


def build_edoc(header: EdocHeader, attachments: Sequence[AttachmentInput] = (), *,
               trace: Sequence[TraceHeader] = ()) -> bytes:
    """The edoc package for ``header`` with ``attachments`` (QCVN 102:2016 form), as bytes."""
    out = io.BytesIO()
    sources = [AttachmentSource(a.name, a.content_type, io.BytesIO(a.data), a.description)
               for a in attachments]
    write_edoc(out, header, sources, trace=trace)
    return out.getvalue()


def build_status(from_: Organization, response_for: ResponseFor, status_code: StatusCode | str,
                 description: str, timestamp: datetime, staff: StaffInfo | None = None) -> bytes:
    """A status package: ``from_`` reports ``status_code`` about ``response_for`` at ``timestamp``."""
    if not response_for.organ_id or not response_for.document_id:
        raise PackageError("ResponseFor needs the OrganId and DocumentId of the document",
                           code="missing_field")
    code = StatusCode(status_code)
    out = io.BytesIO()
    w = _Writer(out)
    w.raw(_PROLOG)
    w.open(1, "edXMLEnvelope", _ENVELOPE)
    w.open(2, "edXMLHeader")
    w.open(3, "MessageHeader")
    _organization(w, 4, "From", from_)
    _response_for(w, 4, response_for)
    if staff is not None:
        _staff(w, 4, staff)
    w.el(4, "StatusCode", code.value)
    w.el(4, "Description", description)
    w.el(4, "Timestamp", format_timestamp(timestamp))
    w.close(3, "MessageHeader")
    w.close(2, "edXMLHeader")
    w.close(1, "edXMLEnvelope")
    w.raw(_END)
    return out.getvalue()
