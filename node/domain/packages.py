"""The port that turns workflow events into edXML packages (implemented in ``node.sync.packages``).

The store calls it inside the transaction that commits the change, so a change and the package
announcing it exist together or not at all (``enqueue_outgoing``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from node.domain.documents import DocumentMetadata, OutboxPackage, SendStatus
from node.domain.exchange import OutgoingPackage
from node.domain.outgoing import OutgoingDocument


class PackageFactory(Protocol):
    def status(self, event: SendStatus, *, about: DocumentMetadata,
               at: datetime) -> tuple[OutgoingPackage, bytes]:
        """A status package (QCVN 102 §3) answering the document ``about`` describes."""
        ...

    def edoc(self, doc: OutgoingDocument, event: OutboxPackage, *, files: Sequence[tuple[str, bytes]],
             at: datetime) -> tuple[OutgoingPackage, bytes]:
        """One edoc package of ``doc`` for ``event.recipient`` carrying ``files`` (name, bytes)."""
        ...
