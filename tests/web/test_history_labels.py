"""The history timeline of văn bản đến / đi names every action in Vietnamese: every audit action the
code can write on a document is collected from the source (the ``_audit(doc, "<name>")`` helpers of
node/domain/incoming.py and outgoing.py, every ``AuditEvent("<action>", …)`` and every
``append_audit(action="<action>", subject=…)`` whose subject is not another kind's) and must have a
label on the page that shows it — so a new action without one fails here. And a replaced draft PDF
("Thay tệp dự thảo") links "bản trước" to /tep/<sha> for those who may read the document only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from litestar.testing import TestClient

from node.domain.documents import Channel, Secrecy
from node.domain.office import DraftInput
from node.domain.outgoing import Recipient
from node.web import incoming as incoming_pages
from node.web import outgoing as outgoing_pages
from node.web.history import SHARED_ACTION_VI
from tests.web import office_support as support
from tests.web.office_support import ACTORS, SENDER, Office_, login_as, office_of, pdf_bytes

office_template, office_dir = support.office_template, support.office_dir
clock, client = support.clock, support.client

NODE = Path(__file__).resolve().parents[2] / "node"
# subjects that are not a document (f"user:{…}", f"scan:{…}", "outbox:…"): never on a timeline
OTHER_SUBJECT = re.compile(r"^(?!in:|out:)[a-z_]+:")
# written with a variable subject that is never a document ref
NOT_ON_DOCUMENTS = {"scan.rejected": "the subject is the refused file's name"}


def _prefix_of_audit_helper(tree: ast.Module) -> str | None:
    """``def _audit(doc, action, …): return AuditEvent(f"<prefix>{action}", doc.ref, …)`` → prefix."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "_audit":
            for call in ast.walk(node):
                if (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "AuditEvent"
                        and isinstance(call.args[0], ast.JoinedStr)):
                    head = call.args[0].values[0]
                    subject = ast.unparse(call.args[1])
                    if isinstance(head, ast.Constant) and subject == "doc.ref":
                        return str(head.value)
    return None


def _subject_text(node: ast.expr | None) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    return ""  # a variable: it may be a document


def document_actions() -> set[str]:
    """Every audit action the code can write with a document (or a variable) as its subject."""
    actions: set[str] = set()
    for path in sorted(NODE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        prefix = _prefix_of_audit_helper(tree)
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = getattr(call.func, "id", "") or getattr(call.func, "attr", "")
            args = call.args
            if (name == "_audit" and prefix and len(args) >= 2 and isinstance(args[1], ast.Constant)
                    and isinstance(args[1].value, str)):
                actions.add(prefix + args[1].value)
            elif name == "AuditEvent" and args and isinstance(args[0], ast.Constant):
                subject = args[1] if len(args) > 1 else None
                if not OTHER_SUBJECT.match(_subject_text(subject)):
                    actions.add(str(args[0].value))
            elif name == "append_audit":
                kw = {k.arg: k.value for k in call.keywords}
                action = kw.get("action")
                subject = _subject_text(kw.get("subject"))
                if isinstance(action, ast.Constant) and not OTHER_SUBJECT.match(subject):
                    actions.add(str(action.value))
    return actions - set(NOT_ON_DOCUMENTS)


def test_every_document_action_has_a_vietnamese_label() -> None:
    actions = document_actions()
    # the collection finds the known ones (it is not vacuous) …
    assert {"incoming.receive", "incoming.replaced", "outgoing.edit", "outgoing.status_stale",
            "signature.recheck"} <= actions, sorted(actions)
    assert not any(a.startswith(("user.", "scan.", "axis.", "register.")) for a in actions), sorted(actions)
    # … and every one is named on the page(s) where it can appear
    incoming = {**SHARED_ACTION_VI, **incoming_pages.ACTION_VI}
    outgoing = {**SHARED_ACTION_VI, **outgoing_pages.ACTION_VI}
    missing = []
    for action in sorted(actions):
        pages = ([incoming] if action.startswith("incoming.")
                 else [outgoing] if action.startswith("outgoing.") else [incoming, outgoing])
        missing += [action for labels in pages if not labels.get(action, "").strip()]
    assert not missing, f"audit actions without a Vietnamese label in the history timeline: {missing}"
    # and no label is left over for an action nothing writes any more
    assert set(incoming_pages.ACTION_VI) | set(outgoing_pages.ACTION_VI) | set(SHARED_ACTION_VI) <= actions


def test_a_replaced_draft_links_the_earlier_pdf_for_its_readers(client: TestClient,
                                                                office_dir: Office_) -> None:
    office = office_of(client)
    cv = ACTORS["chuyenvien"]
    on_paper = (Recipient(SENDER, Channel.PAPER),)  # mật: never over the axis
    secret = office.draft(cv, DraftInput("Công văn", "Về việc bảo vệ bí mật", unit_abbr="VP",
                                         recipients=on_paper, secrecy=Secrecy.SECRET),
                          pdf_bytes(1) + b"% first")
    plain = office.draft(cv, DraftInput("Công văn", "Về việc kiểm tra công vụ", unit_abbr="VP",
                                        recipients=(Recipient(SENDER),)), pdf_bytes(1) + b"% first plain")
    for doc in (secret, plain):
        office.edit_draft(doc.ref, cv, pdf=pdf_bytes(2) + doc.ref.encode())
    link = re.compile(r'<a href="/tep/([0-9a-f]{64})\?ten=ban-truoc.pdf" target="_blank"'
                      r' data-testid="history-link">bản trước</a>')
    for username in ("chuyenvien", "lanhdao"):  # the drafter and a leader read the secret one
        login_as(client, office_dir, username)
        page = client.get(f"/van-ban-di/{secret.ref.partition(':')[2]}")
        history = page.text.split('data-testid="history"')[1]
        assert link.findall(history) == [secret.pdf_blob], username
        assert "Sửa dự thảo" in history
        earlier = client.get(f"/tep/{secret.pdf_blob}?ten=ban-truoc.pdf")
        assert earlier.status_code == 200 and earlier.content == office.blobs.read(secret.pdf_blob)
    # the IT administrator may not read the secret document: neither its page nor its earlier PDF
    login_as(client, office_dir, "quantri")
    assert client.get(f"/van-ban-di/{secret.ref.partition(':')[2]}").status_code == 403
    assert client.get(f"/tep/{secret.pdf_blob}").status_code == 403
    page = client.get(f"/van-ban-di/{plain.ref.partition(':')[2]}").text  # … but a plain one's, yes
    assert link.findall(page) == [plain.pdf_blob] and client.get(f"/tep/{plain.pdf_blob}").status_code == 200
