"""Between the workflow's records and edXML: build the packages events ask for, read arrivals.

:class:`EdxmlPackageFactory` implements :class:`node.domain.packages.PackageFactory` (the store
calls it inside the transaction of the change). :func:`incoming_metadata` turns the header of a
received edoc into the domain's :class:`~node.domain.documents.DocumentMetadata`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from node.domain.documents import (
    BusinessDocType,
    DocumentMetadata,
    Organ,
    OutboxPackage,
    Priority,
    SendStatus,
    StatusCode,
)
from node.domain.exchange import OutgoingPackage, PackageKind
from node.domain.outgoing import OutgoingDocument
from node.edxml import (
    AttachmentInput,
    EdocHeader,
    Organization,
    ReplacementInfo,
    ResponseFor,
    build_edoc,
    build_status,
)
from node.edxml import BusinessDocType as EdxmlBusinessType

STATUS_SUBJECT = "Trạng thái {code}: {what}"


def _package(kind: PackageKind, data: bytes, *, document_id: str, to: str, subject: str) -> OutgoingPackage:
    return OutgoingPackage(kind=kind, blob_sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                           document_id=document_id, recipient_code=to, subject=subject[:300])


def _content_type(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".pdf"):
        return "application/pdf"
    if lower.endswith((".doc", ".docx")):
        return "application/msword"
    if lower.endswith((".xls", ".xlsx")):
        return "application/vnd.ms-excel"
    return "application/octet-stream"


class EdxmlPackageFactory:
    def __init__(self, agency: Organ) -> None:
        self.agency = Organization(agency.organ_id, agency.name)

    def status(self, event: SendStatus, *, about: DocumentMetadata,
               at: datetime) -> tuple[OutgoingPackage, bytes]:
        if event.code is StatusCode.RECALL_REQUESTED:
            return self._revocation(event, about)
        rf = ResponseFor(about.issuer.organ_id, about.code, about.issued_date, event.document_id)
        data = build_status(self.agency, rf, event.code.value, event.description, at)
        subject = STATUS_SUBJECT.format(code=event.code.value, what=about.code or about.subject)
        return _package(PackageKind.STATUS, data, document_id=event.document_id, to=event.to.organ_id,
                        subject=subject), data

    def _revocation(self, event: SendStatus, m: DocumentMetadata) -> tuple[OutgoingPackage, bytes]:
        """The issuer's recall (13) travels as a revocation edoc (BussinessDocType 1) addressed to
        the recipient: a status package is routed to the document's issuer, which is us."""
        header = EdocHeader(
            from_=self.agency, to=(Organization(event.to.organ_id, event.to.name),),
            document_id=m.document_id, code_number=m.code_number, code_notation=m.code_notation,
            promulgation_place="", promulgation_date=m.issued_date, type=1, type_detail=0,
            type_name=m.type_name, subject=m.subject, business_doc_type=EdxmlBusinessType.REVOCATION,
            business_doc_reason=event.description, business_document_id=m.document_id)
        data = build_edoc(header)
        return _package(PackageKind.EDOC, data, document_id=m.document_id, to=event.to.organ_id,
                        subject="[Thu hồi] " + m.subject), data

    def edoc(self, doc: OutgoingDocument, event: OutboxPackage, *, files: Sequence[tuple[str, bytes]],
             at: datetime) -> tuple[OutgoingPackage, bytes]:
        m = doc.meta
        btype = EdxmlBusinessType(int(event.business_type))
        replacements: tuple[ReplacementInfo, ...] = ()
        if event.business_type is BusinessDocType.REPLACEMENT and event.related_document_id:
            replacements = (ReplacementInfo(event.related_document_id, (event.recipient.organ_id,)),)
        header = EdocHeader(
            from_=self.agency,
            to=(Organization(event.recipient.organ_id, event.recipient.name),),
            document_id=m.document_id, code_number=m.code_number, code_notation=m.code_notation,
            promulgation_place="", promulgation_date=m.issued_date, type=1, type_detail=0,
            type_name=m.type_name, subject=m.subject, content=m.description,
            signer_position=m.signer_position, signer_full_name=m.signer_full_name, due_date=m.due_date,
            priority=int(m.priority), page_amount=m.page_amount,
            to_places=tuple(r.organ.name or r.organ.organ_id for r in doc.recipients),
            business_doc_type=btype, business_doc_reason=event.note,
            business_document_id=event.related_document_id if btype is EdxmlBusinessType.UPDATE else "",
            document_info=1 if btype is EdxmlBusinessType.UPDATE else 0,
            replacements=replacements,
        )
        data = build_edoc(header, [AttachmentInput(name, _content_type(name), content)
                                   for name, content in files])
        what = {BusinessDocType.NEW: "", BusinessDocType.UPDATE: "[Cập nhật] ",
                BusinessDocType.REPLACEMENT: "[Thay thế] ", BusinessDocType.REVOCATION: "[Thu hồi] "}
        return _package(PackageKind.EDOC, data, document_id=m.document_id, to=event.recipient.organ_id,
                        subject=what[event.business_type] + m.subject), data


def incoming_metadata(header: EdocHeader) -> DocumentMetadata:
    """The Phụ lục VI fields of a received edoc, in the domain's words."""
    priority = Priority(header.priority) if 0 <= header.priority <= 4 else Priority.NORMAL
    return DocumentMetadata(
        type_name=header.type_name or "Công văn", subject=header.subject,
        issuer=Organ(header.from_.organ_id, header.from_.organ_name), code_number=header.code_number,
        code_notation=header.code_notation, issued_date=header.promulgation_date,
        document_id=header.document_id, page_amount=header.page_amount, description=header.content,
        signer_position=header.signer_position, signer_full_name=header.signer_full_name,
        priority=priority, due_date=header.due_date)
