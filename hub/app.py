"""The hub's HTTP API (VXP style), as a Litestar app. Its OpenAPI schema is served at /schema.

Every call is a POST whose parameters travel as signed query parameters (``hub.auth``). Answers
are ``{status: OK|FAIL, ErrorCode, ErrorDesc, …}``; a FAIL carries an HTTP status that tells the
client whether to retry (4xx: permanent, 401: credentials, 5xx/429: transient).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.openapi.config import OpenAPIConfig
from litestar.params import Parameter

from hub.auth import VN, verify_request
from hub.db import Agency, HubDB
from hub.errors import (
    AuthRefused,
    BadRequest,
    HubError,
    NotFound,
    PackageRefused,
    SenderMismatch,
    UnknownRecipient,
)
from node.edxml import BusinessDocType, EdocPackage, Limits, PackageError, StatusPackage, parse_package

log = logging.getLogger(__name__)

MESSAGE_TYPES = ("edoc", "status")
ACK_STATUSES = ("done", "fail", "processing")


@dataclass
class HubSettings:
    db_path: Path
    max_skew_seconds: float = 900.0
    max_package_bytes: int = 64 * 1024 * 1024


@dataclass
class Answer:
    status: str = "OK"
    ErrorCode: str = "0"
    ErrorDesc: str = ""


@dataclass
class SendAnswer(Answer):
    DocId: str = ""


@dataclass
class ListAnswer(Answer):
    data: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class EdocAnswer(Answer):
    data: str = ""


class Hub:
    """The rules of the axis, over :class:`HubDB`."""

    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self.db = HubDB(settings.db_path)
        self.limits = Limits(max_package_bytes=settings.max_package_bytes)

    async def caller(self, request: Request[Any, Any, Any], body: bytes | None = None) -> Agency:
        query = {k: v for k, v in request.query_params.items()}
        headers = {k: v for k, v in request.headers.items()}
        # Header names arrive lower-cased; the signing scheme spells them XroadVnpt-*.
        headers = {("XroadVnpt-" + k[len("xroadvnpt-"):] if k.startswith("xroadvnpt-") else k): v
                   for k, v in headers.items()}

        def secret_for(systemid: str) -> str | None:
            agency = self.db.agency_by_systemid(systemid)
            return agency.secret if agency else None

        systemid = await asyncio.to_thread(
            verify_request, headers, query, secret_for=secret_for, now=datetime.now(VN),
            max_skew=timedelta(seconds=self.settings.max_skew_seconds), body=body)
        agency = self.db.agency_by_systemid(systemid)
        if agency is None:  # deleted between the two reads
            raise AuthRefused(f"unknown systemid {systemid!r}")
        claimed = query.get("from")
        if claimed and self.db.agency_by_code(claimed) != agency:
            raise SenderMismatch(f"Don vi gui {claimed} khong dung voi ma da dang ky: {agency.code}")
        return agency

    def accept(self, sender: Agency, messagetype: str, data: bytes) -> str:
        """Validate, route and store one package; return its DocId (the original one on re-send)."""
        try:
            package = parse_package(data, limits=self.limits)
        except PackageError as e:
            raise PackageRefused(f"package refused: {e.message}", code=e.code) from e
        with package:
            return self._route(sender, messagetype, package, data)

    def _route(self, sender: Agency, messagetype: str, package: EdocPackage | StatusPackage,
               data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        if package.kind != messagetype:
            raise BadRequest(f"messagetype={messagetype} but the package is a {package.kind} package",
                             code="messagetype_mismatch")
        if isinstance(package, EdocPackage):
            header = package.header
            from_code, document_id = header.from_.organ_id, header.document_id
            targets = [o.organ_id for o in header.to]
            status_code = None
            title, notation = header.subject, f"{header.code_number}/{header.code_notation}"
            key = f"edoc:{document_id}"
            if header.business_doc_type not in (BusinessDocType.NEW, BusinessDocType.REPLACEMENT):
                # a revocation or an update names the document it concerns: its own package
                key += f":{int(header.business_doc_type)}:{sha}"
        else:
            from_code, document_id = package.from_.organ_id, package.response_for.document_id
            targets = [package.response_for.organ_id]
            status_code = str(package.status_code)
            title, notation = package.description, package.response_for.code
            key = f"status:{sha}"
        if self.db.agency_by_code(from_code) != sender:
            raise SenderMismatch(f"Don vi gui {from_code} khong dung voi ma da dang ky: {sender.code}")
        recipients: list[tuple[str, str]] = []
        for target in dict.fromkeys(targets):
            agency = self.db.agency_by_code(target)
            if agency is None:
                raise UnknownRecipient(f"recipient {target!r} is not registered on this axis")
            recipients.append((agency.code, f"{sender.code}|{key}"))
        if not recipients:
            raise UnknownRecipient("the package names no recipient")
        doc_id, created = self.db.store_message(
            sender=sender.code, messagetype=messagetype, document_id=document_id,
            status_code=status_code, title=title, notation=notation, data=data, sha256=sha,
            recipients=recipients)
        log.info("%s %s from %s to %s: DocId %s", "stored" if created else "re-send of",
                 messagetype, sender.code, ",".join(r for r, _ in recipients), doc_id)
        return doc_id


def _param(request: Request[Any, Any, Any], name: str, *, required: bool = True,
           choices: tuple[str, ...] = ()) -> str:
    value = request.query_params.get(name, "")
    if required and not value:
        raise BadRequest(f"parameter {name!r} is required", code="missing_parameter")
    if value and choices and value not in choices:
        raise BadRequest(f"parameter {name}={value!r} must be one of {', '.join(choices)}",
                         code="bad_parameter")
    return value


def create_hub_app(settings: HubSettings) -> Litestar:
    hub = Hub(settings)

    @post("/sendEdoc", summary="Send an edoc or status package", status_code=200)
    async def send_edoc(request: Request[Any, Any, Any],
                        messagetype: str = Parameter(query="messagetype", default="edoc"),
                        from_: str = Parameter(query="from", default="")) -> SendAnswer:
        """Multipart part ``file_doc`` = the .edxml; ``hash-file`` = its SHA-256 (signed)."""
        sender = await hub.caller(request)  # refuse strangers before reading the upload
        form = await request.form()
        upload = form.get("file_doc")
        if not isinstance(upload, UploadFile):
            raise BadRequest("multipart part 'file_doc' is required", code="missing_file")
        data = await upload.read()
        if not hmac.compare_digest(_param(request, "hash-file").lower(),
                                   hashlib.sha256(data).hexdigest()):
            raise AuthRefused("hash-file is not the SHA-256 of file_doc")
        kind = _param(request, "messagetype", choices=MESSAGE_TYPES)
        doc_id = await asyncio.to_thread(hub.accept, sender, kind, data)
        return SendAnswer(DocId=doc_id)

    @post("/getReceivedEdocList", summary="Packages waiting in the caller's mailbox", status_code=200)
    async def received(request: Request[Any, Any, Any],
                       messagetype: str = Parameter(query="messagetype", default="edoc"),
                       limit: int = Parameter(query="limit", default=1000)) -> ListAnswer:
        agency = await hub.caller(request)
        kind = _param(request, "messagetype", required=False, choices=MESSAGE_TYPES) or "edoc"
        rows = await asyncio.to_thread(hub.db.mailbox, agency.code, kind, max(1, min(limit, 5000)))
        return ListAnswer(data=[{
            "docId": r["doc_id"], "from": r["sender"], "to": r["recipient"], "serviceType": "eDoc",
            "messageType": r["messagetype"], "status": r["status"], "status_desc": r["status"],
            "created_time": r["created_at"], "updated_time": r["updated_at"]} for r in rows])

    @post("/getEdoc", summary="One package of the caller's mailbox, Base64", status_code=200)
    async def get_edoc(request: Request[Any, Any, Any],
                       doc_id: str = Parameter(query="docId", default="")) -> EdocAnswer:
        agency = await hub.caller(request)
        data = await asyncio.to_thread(hub.db.package_for, agency.code, _param(request, "docId"))
        if data is None:
            raise NotFound(f"no package {doc_id!r} for {agency.code}")
        return EdocAnswer(data=base64.b64encode(data).decode("ascii"))

    @post("/updateStatus", summary="Transport acknowledgement: done | fail | processing",
          status_code=200)
    async def update_status(request: Request[Any, Any, Any],
                            doc_id: str = Parameter(query="docId", default=""),
                            status: str = Parameter(query="status", default="")) -> Answer:
        agency = await hub.caller(request)
        new = _param(request, "status", choices=ACK_STATUSES)
        ok = await asyncio.to_thread(hub.db.update_status, agency.code, _param(request, "docId"), new)
        if not ok:
            raise NotFound(f"no package {doc_id!r} for {agency.code}")
        return Answer()

    @post("/getSentEdocList", summary="What the caller sent, per recipient, newest first",
          status_code=200)
    async def sent(request: Request[Any, Any, Any],
                   messagetype: str = Parameter(query="messagetype", default=""),
                   doc_id: str = Parameter(query="docId", default=""),
                   document_id: str = Parameter(query="documentId", default=""),
                   to_code: str = Parameter(query="toCode", default=""),
                   limit: int = Parameter(query="limit", default=1000)) -> ListAnswer:
        agency = await hub.caller(request)
        rows = await asyncio.to_thread(
            hub.db.sent, agency.code, messagetype=messagetype or None, doc_id=doc_id or None,
            document_id=document_id or None, to_code=to_code or None, limit=max(1, min(limit, 5000)))
        return ListAnswer(data=[{
            "senderDocId": r["doc_id"], "receiverDocId": r["doc_id"], "fromCode": r["sender"],
            "toCode": r["recipient"], "documentId": r["document_id"], "sha256": r["sha256"],
            "title": r["title"], "notation": r["notation"], "serviceType": "eDoc",
            "messageType": r["messagetype"], "sentTime": r["created_at"], "receivedTime": r["done_at"],
            "sendStatus": "done", "sendStatusDesc": "Đã gửi lên trục",
            "receiveStatus": r["status"], "receiveStatusDesc": r["status"]} for r in rows])

    @post("/getAgenciesList", summary="The agency directory", status_code=200)
    async def agencies(request: Request[Any, Any, Any]) -> ListAnswer:
        await hub.caller(request)
        rows = await asyncio.to_thread(hub.db.agencies)
        return ListAnswer(data=[{
            "id": r["code"], "pid": r["pid"], "code": r["code"], "code102": r["code102"],
            "oldCode": r["old_code"], "name": r["name"], "mail": r["mail"], "isAgency": True,
            "deleted": bool(r["deleted"]), "version": r["version"]} for r in rows])

    @get("/healthz", summary="Liveness and counts")
    async def healthz() -> dict[str, Any]:
        counts = await asyncio.to_thread(hub.db.counts)
        return {"status": "ok", **counts}

    def on_hub_error(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, str]]:
        assert isinstance(exc, HubError)
        if exc.http_status >= 500:
            log.error("hub error %s: %s", exc.code, exc.message)
        else:
            log.info("refused (%s): %s", exc.code, exc.message)
        return Response({"status": "FAIL", "ErrorCode": exc.code, "ErrorDesc": exc.message},
                        status_code=exc.http_status)

    async def close_db() -> None:
        hub.db.close()

    app = Litestar(
        route_handlers=[send_edoc, received, get_edoc, update_status, sent, agencies, healthz],
        exception_handlers={HubError: on_hub_error},
        openapi_config=OpenAPIConfig(title="Trục liên thông văn bản (reference hub)", version="1.0",
                                     path="/schema"),
        request_max_body_size=settings.max_package_bytes + 1024 * 1024,
        on_shutdown=[close_db],
    )
    app.state.hub = hub
    return app
