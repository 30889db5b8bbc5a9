"""Helpers for exchange tests: a real hub process with registered agencies, nodes wired to it,
and edoc packages to send."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from hub.db import HubDB
from node.app import Node, open_node, open_sync, write_secret_file
from node.config import config_from_dict
from node.domain.clock import Clock
from node.domain.exchange import OutgoingPackage, PackageKind
from node.edxml import AttachmentInput, EdocHeader, Organization, build_edoc
from node.sync.engine import SyncEngine
from tests.support.servers import ServerProcess, free_port

VANTHU = [sys.executable, "-m", "node"]
ROOT = Path(__file__).resolve().parents[2]

A = ("000.00.01.H26", "UBND phường Một")
B = ("000.00.02.H26", "UBND phường Hai")
S = ("000.00.00.H26", "UBND Thành phố Thử Nghiệm")


@dataclass
class HubHandle:
    root: Path
    db: Path
    port: int
    secrets: dict[str, Path] = field(default_factory=dict)
    server: ServerProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def process(self) -> ServerProcess:
        return ServerProcess([*VANTHU, "hub", "serve", "--db", str(self.db), "--port", str(self.port)],
                             port=self.port, log_path=self.root / "hub.log", cwd=ROOT)

    def start(self) -> ServerProcess:
        self.server = self.process().start()
        return self.server

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def make_hub(root: Path, agencies: list[tuple[str, str]]) -> HubHandle:
    """Register the agencies and return an unstarted hub (secrets in files, mode 0600)."""
    root.mkdir(parents=True, exist_ok=True)
    handle = HubHandle(root=root, db=root / "hub.db", port=free_port())
    db = HubDB(handle.db)
    try:
        for code, name in agencies:
            secret = root / f"{code}.secret"
            write_secret_file(secret, db.add_agency(code, name).secret + "\n")
            handle.secrets[code] = secret
    finally:
        db.close()
    return handle


def node_config(root: Path, code: str, name: str, hub_url: str, secret: Path, *,
                supervising: tuple[str, str] | None = None, **axis: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"agency_code": code, "agency_name": name, "data_dir": str(root / "data")}
    if supervising:
        node.update(supervising_agency_code=supervising[0], supervising_agency_name=supervising[1])
    axis_cfg = {"url": hub_url, "systemid": code, "secret_file": str(secret), "backoff_base_seconds": 0.01,
                "backoff_cap_seconds": 0.2, "request_timeout_seconds": 5.0, **axis}
    return {"node": node, "axis": axis_cfg}


def write_toml(path: Path, cfg: dict[str, Any]) -> Path:
    lines = []
    for section, values in cfg.items():
        lines.append(f"[{section}]")
        for k, v in values.items():
            if isinstance(v, str):
                lines.append(f'{k} = "{v}"')
            elif isinstance(v, bool):
                lines.append(f"{k} = {'true' if v else 'false'}")
            else:
                lines.append(f"{k} = {v}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class LiveNode:
    node: Node
    engine: SyncEngine

    def close(self) -> None:
        self.engine.close()
        self.node.close()


def open_live(cfg: dict[str, Any], clock: Clock | None = None) -> LiveNode:
    node = open_node(config_from_dict(cfg), clock=clock)
    return LiveNode(node, open_sync(node))


def edoc(sender: tuple[str, str], to: tuple[str, str], n: int, *, payload: bytes = b"",
         day: date = date(2026, 3, 5)) -> tuple[OutgoingPackage, bytes]:
    """Package number ``n`` from ``sender`` to ``to`` (a small PDF-ish attachment)."""
    header = EdocHeader(
        from_=Organization(*sender), to=(Organization(*to),),
        document_id=f"{sender[0]},{day:%Y/%m/%d},{n}/UBND-VP", code_number=str(n), code_notation="UBND-VP",
        promulgation_place="Hà Nội", promulgation_date=day, type=1, type_detail=0, type_name="Công văn",
        subject=f"Về việc thử nghiệm liên thông số {n}")
    data = build_edoc(header, [AttachmentInput(f"vb-{n}.pdf", "application/pdf",
                                               payload or b"%PDF-1.4\n% " + str(n).encode() + b"\n%%EOF\n")])
    pkg = OutgoingPackage(kind=PackageKind.EDOC, blob_sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                          document_id=header.document_id, recipient_code=to[0], subject=header.subject)
    return pkg, data
