"""A document's history timeline: its audit rows, oldest first, as Vietnamese lines.

The văn bản đến and văn bản đi pages each name their actions and the detail keys worth a line;
``shown`` lets a page turn a detail value into words (a username into a name, a code into a
label) or drop it (None); ``links`` lets a row link a file (the draft PDF an edit replaced).
Actions that may land on either kind of document are named here (``SHARED_ACTION_VI``).
tests/web/test_history_labels.py checks that every audit action the code can write on a document
has a Vietnamese name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from node.domain.office import Office

Shown = Callable[[str, Any, Mapping[str, Any]], Any]
Links = Callable[[str, Mapping[str, Any]], list[tuple[str, str]]]

# written on a văn bản đến or đi alike (the subject is whichever document holds the file)
SHARED_ACTION_VI: dict[str, str] = {
    "signature.recheck": "Kiểm tra lại chữ ký số",
}


def _as_is(key: str, value: Any, detail: Mapping[str, Any]) -> Any:
    return value


def timeline(office: Office, ref: str, *, actions: Mapping[str, str], details: Mapping[str, str],
             when: Callable[[str], str], shown: Shown = _as_is,
             names: Mapping[str, str] | None = None,
             headline: Callable[[str, Mapping[str, Any]], str | None] | None = None,
             links: Links | None = None) -> list[dict[str, Any]]:
    """``headline(action, detail)`` may put a line before the details (what a status means);
    ``links(action, detail)`` gives (label, URL) pairs shown after them."""
    out = []
    for row in office.docs.history(ref):
        try:
            detail = json.loads(row["detail"] or "{}")
        except ValueError:
            detail = {}
        parts = []
        for key, label in details.items():
            value = detail.get(key)
            if value in (None, "", []):
                continue
            value = shown(key, value, detail)
            if value is None:
                continue
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            parts.append(f"{label}: {value}")
        actor = str(row["actor"])
        action = str(row["action"])
        head = headline(action, detail) if headline else None
        if head:
            parts.insert(0, head)
        label = actions.get(action) or SHARED_ACTION_VI.get(action, action)
        out.append({"at": when(row["ts"]), "actor": (names or {}).get(actor, actor), "action": action,
                    "label": label, "detail": "; ".join(parts),
                    "links": links(action, detail) if links else []})
    return out
