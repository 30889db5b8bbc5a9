"""From the light tree to typed packages: ``parse_package`` and the cheap ``peek``.

Elements are found by namespace URI + local name (any prefix, any order). What the standard
requires for routing (From, To, DocumentId; for a status From, ResponseFor, StatusCode) must be
there; everything else is read leniently, with warnings.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from datetime import datetime

from node.edxml.attachments import Attachment, Payload, looks_like_zip, unwrap_zip
from node.edxml.errors import PackageError
from node.edxml.model import (
    ACCEPTED_NAMESPACES,
    NS_EDOC_OLD,
    NS_GO_EDOC,
    BusinessDocType,
    EdocHeader,
    Limits,
    Organization,
    PackageSummary,
    Receiver,
    ReceiverType,
    ReplacementInfo,
    ResponseFor,
    StaffInfo,
    StatusCode,
    TraceHeader,
)
from node.edxml.reader import Node, ReadResult, Source, read_tree
from node.edxml.values import (
    attachment_name,
    check_code_number,
    check_document_id,
    read_bool,
    read_date,
    read_int,
    read_timestamp,
)

_ROOTS = frozenset({"edXML", "EdXMLEnvelope", "edXMLEnvelope"})
_ZIP_TYPES = frozenset({"application/zip", "application/x-zip-compressed", "application/x-zip"})


@dataclass
class EdocPackage:
    """A document package. Close it (or use ``with``) to drop spooled attachment files early."""

    header: EdocHeader
    attachments: list[Attachment]
    trace_headers: tuple[TraceHeader, ...] = ()
    warnings: list[str] = field(default_factory=list)
    kind: str = "edoc"

    def close(self) -> None:
        for a in self.attachments:
            a.close()

    def __enter__(self) -> EdocPackage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class StatusPackage:
    """A status package: ``from_`` reports ``status_code`` about the document ``response_for``."""

    from_: Organization
    response_for: ResponseFor
    status_code: StatusCode
    description: str
    timestamp: datetime
    staff: StaffInfo | None = None
    warnings: list[str] = field(default_factory=list)
    kind: str = "status"

    def close(self) -> None:
        return None

    def __enter__(self) -> StatusPackage:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


DEFAULT_LIMITS = Limits()


def parse_package(source: Source, *, limits: Limits = DEFAULT_LIMITS) -> EdocPackage | StatusPackage:
    """Read an edoc or status package (bytes, XML text, a path or a binary file).

    Raises :class:`PackageError` (with a stable ``code``) when the package cannot be understood.
    """
    result = read_tree(source, limits)
    kept: set[int] = set()
    try:
        package = _interpret(result, limits)
        if isinstance(package, EdocPackage):
            kept = {id(a._payload) for a in package.attachments}
        return package
    finally:
        for p in result.payloads:  # contents of ignored or refused elements
            if id(p) not in kept:
                p.close()


def peek(source: Source, *, limits: Limits = DEFAULT_LIMITS) -> PackageSummary:
    """The routing facts of a package, reading only up to the end of ``MessageHeader``."""
    result = read_tree(source, limits, decode=False, stop_after="edXMLHeader")
    warnings = list(result.warnings)
    header = _message_header(result.root, warnings)
    from_ = _organization(_required(header, "From"), "From")
    if header.first("StatusCode") is not None:
        rf = _response_for(_required(header, "ResponseFor"), "ResponseFor", warnings)
        code = _status_code(header.text_of("StatusCode"), warnings)
        _require_response_for(rf)
        return PackageSummary(kind="status", document_id=rf.document_id, from_organ_id=from_.organ_id,
                              to_organ_ids=(rf.organ_id,), status_code=code.value,
                              response_for_document_id=rf.document_id, response_for_organ_id=rf.organ_id,
                              code=rf.code, subject="", warnings=tuple(warnings))
    to = _recipients(header, warnings)
    document_id = _document_id(header, warnings)
    code_el = header.first("Code")
    number = code_el.text_of("CodeNumber") if code_el else ""
    notation = code_el.text_of("CodeNotation") if code_el else ""
    rfs = [_response_for(n, "ResponseFor", warnings) for n in header.all("ResponseFor")]
    rfs = [r for r in rfs if r.document_id or r.organ_id]
    return PackageSummary(kind="edoc", document_id=document_id, from_organ_id=from_.organ_id,
                          to_organ_ids=tuple(o.organ_id for o in to), status_code=None,
                          response_for_document_id=rfs[0].document_id if rfs else None,
                          response_for_organ_id=rfs[0].organ_id if rfs else None,
                          code=f"{number}/{notation}" if number and notation else number or notation,
                          subject=header.text_of("Subject"),
                          business_doc_type=int(_business_type(result.root, warnings)),
                          warnings=tuple(warnings))


def _interpret(result: ReadResult, limits: Limits) -> EdocPackage | StatusPackage:
    warnings = list(result.warnings)
    header = _message_header(result.root, warnings)
    if header.first("StatusCode") is not None:
        return _status(header, warnings)
    return _edoc(result.root, header, warnings, result.payloads, limits)


def _message_header(root: Node, warnings: list[str]) -> Node:
    if root.ns not in ACCEPTED_NAMESPACES or root.local not in _ROOTS:
        where = f"{{{root.ns}}}{root.local}" if root.ns else root.local
        raise PackageError(f"the root element {where} is not an edXML element of QCVN 102:2016",
                           code="wrong_namespace")
    if root.ns == NS_EDOC_OLD:
        warnings.append("older edXML namespace http://www.e-doc.vn/Schema/ read as QCVN 102:2016")
    elif root.ns == NS_GO_EDOC:
        warnings.append("namespace http://www.go.vn/eDoc read as QCVN 102:2016")
    for node in root.walk():
        if node.local == "MessageHeader" and node.ours:
            return node
    raise PackageError("the package has no MessageHeader", code="missing_field")


def _required(parent: Node, local: str) -> Node:
    node = parent.first(local)
    if node is None:
        raise PackageError(f"the package has no {local}", code="missing_field")
    return node


def _organization(node: Node, what: str) -> Organization:
    organ_id = node.text_of("OrganId")
    if not organ_id:
        raise PackageError(f"{what} has no OrganId", code="missing_field")
    return Organization(organ_id=organ_id, organ_name=node.text_of("OrganName"),
                        organization_in_charge=node.text_of("OrganizationInCharge"),
                        organ_add=node.text_of("OrganAdd"), email=node.text_of("Email"),
                        telephone=node.text_of("Telephone"), fax=node.text_of("Fax"),
                        website=node.text_of("Website"))


def _recipients(header: Node, warnings: list[str]) -> tuple[Organization, ...]:
    to: list[Organization] = []
    seen: set[str] = set()
    for node in header.all("To"):
        org = _organization(node, "To")
        if org.organ_id in seen:
            warnings.append(f"To {org.organ_id} is listed twice; kept once")
            continue
        seen.add(org.organ_id)
        to.append(org)
    if not to:
        raise PackageError("the package has no recipient (To)", code="missing_field")
    return tuple(to)


def _document_id(header: Node, warnings: list[str]) -> str:
    document_id = header.text_of("DocumentId")
    if not document_id:
        raise PackageError("the package has no DocumentId", code="missing_field")
    check_document_id(document_id, "DocumentId", warnings)
    return document_id


def _response_for(node: Node, what: str, warnings: list[str]) -> ResponseFor:
    return ResponseFor(organ_id=node.text_of("OrganId"), code=node.text_of("Code"),
                       promulgation_date=read_date(node.text_of("PromulgationDate"),
                                                   f"{what}/PromulgationDate", warnings),
                       document_id=node.text_of("DocumentId"))


def _require_response_for(rf: ResponseFor) -> None:
    if not rf.organ_id:
        raise PackageError("ResponseFor has no OrganId", code="missing_field")
    if not rf.document_id:
        raise PackageError("ResponseFor has no DocumentId", code="missing_field")


def _staff(node: Node | None) -> StaffInfo | None:
    if node is None:
        return None
    return StaffInfo(department=node.text_of("Department"), staff=node.text_of("Staff"),
                     mobile=node.text_of("Mobile"), email=node.text_of("Email"))


def _status_code(raw: str, warnings: list[str]) -> StatusCode:
    raw = raw.strip()
    value = raw.zfill(2) if raw.isdigit() and len(raw) < 2 else raw
    try:
        code = StatusCode(value)
    except ValueError:
        raise PackageError(f"StatusCode {raw!r} is not one of "
                           + ", ".join(c.value for c in StatusCode), code="invalid_value") from None
    if value != raw:
        warnings.append(f"StatusCode {raw!r} read as {value!r}")
    return code


def _status(header: Node, warnings: list[str]) -> StatusPackage:
    from_ = _organization(_required(header, "From"), "From")
    rf = _response_for(_required(header, "ResponseFor"), "ResponseFor", warnings)
    _require_response_for(rf)
    code = _status_code(header.text_of("StatusCode"), warnings)
    raw_ts = header.text_of("Timestamp")
    if not raw_ts:
        raise PackageError("the status package has no Timestamp", code="missing_field")
    timestamp = read_timestamp(raw_ts, "Timestamp", warnings)
    if timestamp is None:
        raise PackageError(f"Timestamp {raw_ts!r} is not yyyy/MM/dd HH:mm:ss", code="invalid_value")
    return StatusPackage(from_=from_, response_for=rf, status_code=code,
                         description=header.text_of("Description"), timestamp=timestamp,
                         staff=_staff(header.first("StaffInfo")), warnings=warnings)


def _edoc(root: Node, header: Node, warnings: list[str], payloads: list[Payload],
          limits: Limits) -> EdocPackage:
    from_ = _organization(_required(header, "From"), "From")
    to = _recipients(header, warnings)
    document_id = _document_id(header, warnings)
    code_el = header.first("Code")
    number = code_el.text_of("CodeNumber") if code_el else ""
    notation = code_el.text_of("CodeNotation") if code_el else ""
    check_code_number(number, warnings)
    prom = header.first("PromulgationInfo")
    dtype = header.first("DocumentType")
    signer = header.first("SignerInfo")
    other = header.first("OtherInfo")

    def other_text(local: str) -> str:
        return other.text_of(local) if other else ""

    priority = read_int(other_text("Priority"), "Priority", warnings)
    if not 0 <= priority <= 4:
        warnings.append(f"Priority {priority} is outside 0–4; read as 0")
        priority = 0
    response_for = []
    for node in header.all("ResponseFor"):
        rf = _response_for(node, "ResponseFor", warnings)
        if rf.document_id or rf.organ_id or rf.code:
            response_for.append(rf)
    appendixes = other.first("Appendixes") if other else None
    to_places = header.first("ToPlaces")
    subject = header.text_of("Subject")
    if not subject:
        warnings.append("the package has no Subject")
    trace_list = _trace_list(root)
    traces = tuple(TraceHeader(organ_id=t.text_of("OrganId"),
                               timestamp=read_timestamp(t.text_of("Timestamp"), "TraceHeader/Timestamp",
                                                        warnings))
                   for t in (trace_list.all("TraceHeader") if trace_list else []))
    business = trace_list.first("Bussiness") if trace_list else None
    biz = _business(business, warnings) if business is not None else _Business()
    edoc_header = EdocHeader(
        from_=from_, to=to, document_id=document_id, code_number=number, code_notation=notation,
        promulgation_place=prom.text_of("Place") if prom else "",
        promulgation_date=read_date(prom.text_of("PromulgationDate"), "PromulgationDate", warnings)
        if prom else None,
        type=read_int(dtype.text_of("Type"), "DocumentType/Type", warnings) if dtype else 0,
        type_detail=read_int(dtype.text_of("TypeDetail"), "DocumentType/TypeDetail", warnings)
        if dtype else 0,
        type_name=dtype.text_of("TypeName") if dtype else "",
        subject=subject, content=header.text_of("Content"),
        signer_competence=signer.text_of("Competence") if signer else "",
        signer_position=signer.text_of("Position") if signer else "",
        signer_full_name=signer.text_of("FullName") if signer else "",
        due_date=read_date(header.text_of("DueDate"), "DueDate", warnings),
        priority=priority,
        sphere_of_promulgation=other_text("SphereOfPromulgation"),
        typer_notation=other_text("TyperNotation"),
        promulgation_amount=read_int(other_text("PromulgationAmount"), "PromulgationAmount", warnings),
        page_amount=read_int(other_text("PageAmount"), "PageAmount", warnings),
        direction=read_bool(other_text("Direction"), "Direction", warnings),
        appendixes=tuple(a.text for a in appendixes.all("Appendix")) if appendixes else (),
        response_for=tuple(response_for),
        steering_type=read_int(header.text_of("SteeringType"), "SteeringType", warnings, default=1),
        to_places=tuple(p.text for p in to_places.all("Place")) if to_places else (),
        business_doc_type=biz.doc_type, business_doc_reason=biz.reason,
        business_document_id=biz.document_id, paper=biz.paper, document_info=biz.document_info,
        document_receiver=biz.document_receiver, receivers=biz.receivers, replacements=biz.replacements,
        business_staff=biz.staff,
    )
    attachments = _attachments(root, payloads, limits, warnings)
    return EdocPackage(header=edoc_header, attachments=attachments, trace_headers=traces, warnings=warnings)


def _trace_list(root: Node) -> Node | None:
    for node in root.walk():
        if node.local == "TraceHeaderList" and node.ours:
            return node
    return None


def _business_type(root: Node, warnings: list[str]) -> BusinessDocType:
    trace_list = _trace_list(root)
    business = trace_list.first("Bussiness") if trace_list else None
    return _doc_type(business, warnings) if business else BusinessDocType.NEW


def _doc_type(node: Node, warnings: list[str]) -> BusinessDocType:
    raw_type = node.text_of("BussinessDocType")
    number = read_int(raw_type, "BussinessDocType", warnings)
    try:
        return BusinessDocType(number)
    except ValueError:
        raise PackageError(f"BussinessDocType {raw_type!r} is not 0 (new), 1 (revocation), 2 (update) "
                           "or 3 (replacement)", code="invalid_value") from None


@dataclass(frozen=True)
class _Business:
    doc_type: BusinessDocType = BusinessDocType.NEW
    reason: str = ""
    document_id: str = ""
    paper: int = 0
    document_info: int = 0
    document_receiver: int = 0
    receivers: tuple[Receiver, ...] = ()
    replacements: tuple[ReplacementInfo, ...] = ()
    staff: StaffInfo | None = None


def _business(node: Node, warnings: list[str]) -> _Business:
    doc_type = _doc_type(node, warnings)
    info = node.first("BussinessDocumentInfo")
    receivers: list[Receiver] = []
    if info is not None:
        receiver_list = info.first("ReceiverList")
        for r in receiver_list.all("Receiver") if receiver_list else []:
            rtype = read_int(r.text_of("ReceiverType"), "ReceiverType", warnings)
            if rtype not in (0, 1):
                warnings.append(f"ReceiverType {rtype} of {r.text_of('OrganId')} is not 0 or 1; ignored")
                continue
            receivers.append(Receiver(organ_id=r.text_of("OrganId"), receiver_type=ReceiverType(rtype)))
    replacements: list[ReplacementInfo] = []
    rlist = node.first("ReplacementInfoList")
    for r in rlist.all("ReplacementInfo") if rlist else []:
        ids = r.first("OrganIdList")
        organ_ids = tuple(o.text for o in ids.all("OrganId")) if ids else ()
        replacements.append(ReplacementInfo(document_id=r.text_of("DocumentId"), organ_ids=organ_ids))
    business_document_id = node.text_of("DocumentId")
    if business_document_id:
        check_document_id(business_document_id, "Bussiness/DocumentId", warnings)
    if doc_type is BusinessDocType.UPDATE and not business_document_id:
        warnings.append("an update (BussinessDocType 2) without Bussiness/DocumentId")
    if doc_type is BusinessDocType.REPLACEMENT and not replacements:
        warnings.append("a replacement (BussinessDocType 3) without ReplacementInfoList")
    return _Business(
        doc_type=doc_type, reason=node.text_of("BussinessDocReason"), document_id=business_document_id,
        paper=read_int(node.text_of("Paper"), "Paper", warnings),
        document_info=read_int(info.text_of("DocumentInfo"), "DocumentInfo", warnings) if info else 0,
        document_receiver=read_int(info.text_of("DocumentReceiver"), "DocumentReceiver", warnings)
        if info else 0,
        receivers=tuple(receivers), replacements=tuple(replacements), staff=_staff(node.first("StaffInfo")),
    )


def _attachments(root: Node, payloads: list[Payload], limits: Limits,
                 warnings: list[str]) -> list[Attachment]:
    manifest = {r.text_of("ContentId"): r for r in root.walk() if r.local == "Reference" and r.ours
                and r.first("ContentId") is not None}
    result: list[Attachment] = []
    total = 0
    try:
        for node in root.walk():
            if node.local != "Attachment" or not node.ours:
                continue
            att = _attachment(node, manifest.pop(node.text_of("ContentId"), None), len(result) + 1,
                              payloads, limits, warnings)
            if att is None:
                continue
            result.append(att)
            total += att.size
            if total > limits.max_total_attachment_bytes:
                raise PackageError(f"the attachments together are larger than the limit of "
                                   f"{limits.max_total_attachment_bytes} bytes", code="too_large")
    except BaseException:
        for att in result:
            att.close()
        raise
    for content_id in manifest:
        warnings.append(f"manifest Reference {content_id} has no Attachment")
    return result


def _attachment(node: Node, ref: Node | None, number: int, payloads: list[Payload], limits: Limits,
                warnings: list[str]) -> Attachment | None:
    """One ``Attachment`` (completed from its manifest ``Reference``), unwrapped from a ZIP if need be."""
    content_id = node.text_of("ContentId")
    raw_name = node.text_of("AttachmentName") or (ref.text_of("AttachmentName") if ref else "")
    name = attachment_name(raw_name, warnings) if raw_name else ""
    content_type = (node.text_of("ContentType") or (ref.text_of("ContentType") if ref else "")).lower()
    description = node.text_of("Description") or (ref.text_of("Description") if ref else "")
    what = f"attachment {content_id or '?'} ({name or 'no name'})"
    encoded = node.first("ContentTransferEncoded")
    sink = encoded.sink if encoded is not None else None
    if sink is None or not any(sink.payload is p for p in payloads):
        warnings.append(f"{what} has no ContentTransferEncoded; left out")
        return None
    payload = sink.payload
    if sink.error is not None:
        warnings.append(f"{what} content {sink.error}; left out")
        return None
    if not name:
        name = f"attachment-{number}"
        warnings.append(f"{what} has no AttachmentName; named {name!r}")
    unzipped, member = False, ""
    if looks_like_zip(payload) and (content_type in _ZIP_TYPES or not name.lower().endswith(".zip")):
        inner = unwrap_zip(payload, what=what, max_bytes=limits.max_attachment_bytes,
                           max_members=limits.max_zip_members, spool_bytes=limits.memory_spool_bytes,
                           warnings=warnings)
        if inner is not None:
            payload.close()
            payload, member = inner
            unzipped = True
            if content_type in _ZIP_TYPES:
                content_type = _guess_type(name) or _guess_type(member) or "application/octet-stream"
    return Attachment(content_id=content_id, name=name,
                      content_type=content_type or "application/octet-stream", description=description,
                      size=payload.size, sha256=payload.sha256,
                      original_name=raw_name, unzipped=unzipped, zip_member=member, _payload=payload)


def _guess_type(name: str) -> str | None:
    known = {".doc": "application/msword", ".pdf": "application/pdf",
             ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
    lower = name.lower()
    for ext, ctype in known.items():
        if lower.endswith(ext):
            return ctype
    return mimetypes.guess_type(lower)[0]
