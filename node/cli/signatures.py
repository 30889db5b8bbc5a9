"""``vanthu signatures …``: the stored signature reports of received PDFs, checked again.

District IT drops CRL files in later (``signing.crl_files``); a report made without them says "chờ
dữ liệu thu hồi". ``recheck`` verifies those files again against the trust anchors and CRLs
configured now and stores what changed (an audit row each; văn thư told of a revoked certificate).
"""

from __future__ import annotations

import json

import click

from node.app import open_node
from node.cli.base import CliState, pass_state
from node.domain.signing import RECHECK_VI, RecheckOutcome


@click.group()
def signatures() -> None:
    """Signature reports of received documents."""


@signatures.command("recheck")
@click.option("--all", "everything", is_flag=True,
              help="Every stored report, not only those waiting for revocation data.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_state
def recheck_cmd(state: CliState, everything: bool, as_json: bool) -> None:
    """Verify again the reports "chờ dữ liệu thu hồi" (or all) with the current trust anchors and CRLs."""
    node = open_node(state.config())
    try:
        summary = node.office.recheck_signatures(everything=everything, actor="cli")
    finally:
        node.close()
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"Đã kiểm tra lại {summary.checked} báo cáo chữ ký số; {summary.changed} thay đổi.")
    for outcome in RecheckOutcome:
        click.echo(f"  {RECHECK_VI[outcome]}: {summary.outcomes[outcome.value]}")
    for ref in summary.revoked_documents:
        click.echo(f"  CHỨNG THƯ ĐÃ BỊ THU HỒI: {ref}")


def register(group: click.Group) -> None:
    group.add_command(signatures)
