"""Child process of the numbering test: a clerk taking numbers until the register holds TARGET.

Prints each number after its transaction committed, so the parent knows which numbers were
handed out (a number printed must be in the register after any crash).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import sqlite_utils

from node.domain.clock import VN_TZ
from node.domain.numbering import AllocatedNumber
from node.store.db import Database
from node.store.registers import allocate_number

AT = datetime(2026, 6, 1, 9, 0, tzinfo=VN_TZ)


def main(path: Path, clerk: str, register: str, target: int) -> None:
    db = Database(path, busy_timeout_ms=30_000).open(migrate=False)

    def tx(d: sqlite_utils.Database) -> AllocatedNumber | None:
        last = d.execute("SELECT COALESCE(max(number), 0) FROM register_entry"
                         " WHERE register_code = ? AND year = 2026", (register,)).fetchone()[0]
        if last >= target:
            return None
        return allocate_number(d, register, at=AT, actor=clerk, subject=f"doc by {clerk}")

    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        got = db.write(tx)
        if got is None:
            break
        sys.stdout.write(f"{got.number}\n")
        sys.stdout.flush()
    db.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]))
