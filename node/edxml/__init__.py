"""edXML (QCVN 102:2016) packages: parse untrusted ``edoc``/``status`` packages, build QCVN ones.

This package imports nothing of the node but itself (it is shared with ``hub/``). The contract:

* :func:`parse_package` — bytes, XML text, a path or a binary file → :class:`EdocPackage` or
  :class:`StatusPackage`; raises :class:`PackageError` (stable ``code``: ``xml_malformed``,
  ``xml_forbidden``, ``wrong_namespace``, ``missing_field``, ``invalid_value``, ``too_large``,
  ``attachment_invalid``, ``unreadable``). Messy values become ``warnings``.
* :func:`peek` — the routing facts (:class:`PackageSummary`), reading only the header.
* :func:`build_edoc`, :func:`write_edoc` (streaming), :func:`build_status` — QCVN form only.
"""

from node.edxml.attachments import Attachment
from node.edxml.build import AttachmentSource, build_edoc, build_status, write_edoc
from node.edxml.errors import PackageError
from node.edxml.model import (
    NS_EDOC_OLD,
    NS_GO_EDOC,
    NS_QCVN,
    VN_TZ,
    AttachmentInput,
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
from node.edxml.parse import EdocPackage, StatusPackage, parse_package, peek

__all__ = [
    "NS_EDOC_OLD",
    "NS_GO_EDOC",
    "NS_QCVN",
    "VN_TZ",
    "Attachment",
    "AttachmentInput",
    "AttachmentSource",
    "BusinessDocType",
    "EdocHeader",
    "EdocPackage",
    "Limits",
    "Organization",
    "PackageError",
    "PackageSummary",
    "Receiver",
    "ReceiverType",
    "ReplacementInfo",
    "ResponseFor",
    "StaffInfo",
    "StatusCode",
    "StatusPackage",
    "TraceHeader",
    "build_edoc",
    "build_status",
    "parse_package",
    "peek",
    "write_edoc",
]
