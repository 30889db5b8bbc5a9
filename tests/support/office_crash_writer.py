"""Child process for the workflow crash test: takes documents in and through their workflow
(receive → accept with số đến → present → assign → start → complete), each step one transaction
with its audit row, its register entry and its status package, until it is killed."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

from node.app import open_node
from node.config import load_config
from node.domain.accounts import Role
from node.domain.documents import Actor, DocumentMetadata, Organ
from node.domain.incoming import Assignee, IncomingState

SENDER = Organ("000.00.09.H13", "Sở Nội vụ")
CLERK = Actor("vanthu", frozenset({Role.CLERK}), "Văn Thư")
LEADER = Actor("lanhdao", frozenset({Role.LEADER}), "Lãnh Đạo")
SPECIALIST = Actor("chuyenvien", frozenset({Role.SPECIALIST}), "Chuyên Viên")


def main(config_path: Path) -> None:
    node = open_node(load_config(config_path))
    office = node.office
    n = int(node.db.query_one("SELECT count(*) FROM doc_in")[0])
    while True:
        # finish what an earlier life left half-way, then take a new document in
        for row in node.db.query("SELECT ref, state FROM doc_in WHERE state NOT IN ('done', 'rejected')"):
            ref, state = row["ref"], IncomingState(row["state"])
            if state is IncomingState.RECEIVED:
                office.accept(ref, CLERK)
            elif state is IncomingState.ACCEPTED:
                office.present(ref, "lanhdao", CLERK)
            elif state is IncomingState.PRESENTED:
                office.assign(ref, LEADER, lead=Assignee("user", "chuyenvien", "Chuyên Viên",
                                                         date.today() + timedelta(days=10)))
            elif state is IncomingState.ASSIGNED:
                office.start(ref, SPECIALIST)
            elif state is IncomingState.PROCESSING:
                office.complete(ref, SPECIALIST, "Đã xử lý")
            sys.stdout.write("step\n")
            sys.stdout.flush()
        n += 1
        meta = DocumentMetadata(type_name="Công văn", subject=f"Văn bản thử số {n}", issuer=SENDER,
                                code_number=str(n), code_notation="SNV-VP",
                                document_id=f"{SENDER.organ_id},2026/11/20,{n}/SNV-VP")
        office.receive_electronic(meta, SENDER, (), inbox_id=None, text="", integrity_ok=True)
        sys.stdout.write("new\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
