"""``vanthu sync …``: exchange with the document axis (status, one pass, foreground workers)."""

from __future__ import annotations

import json
import logging
import signal
import sys
from datetime import datetime
from typing import Any

import click

from node.app import node_heartbeat, open_node, open_sync, sync_supervisor
from node.cli.base import CliState, pass_state
from node.domain.clock import VN_TZ
from node.domain.exchange import ExchangeStatus, Outage


def _t(dt: datetime | None) -> str | None:
    return dt.astimezone(VN_TZ).isoformat(timespec="seconds") if dt else None


def _outage(o: Outage | None) -> dict[str, Any] | None:
    if o is None:
        return None
    return {"id": o.id, "started_at": _t(o.started_at), "ended_at": _t(o.ended_at),
            "duration_seconds": int(o.duration.total_seconds()) if o.duration else None,
            "queued_at_start": o.queued_at_start, "max_queued": o.max_queued,
            "drained_at": _t(o.drained_at),
            "drain_seconds": int(o.time_to_drain.total_seconds()) if o.time_to_drain else None,
            "report": o.report_state, "last_error": o.last_error}


def status_dict(st: ExchangeStatus, now: datetime) -> dict[str, Any]:
    link = "online" if st.link.online else ("offline" if st.link.online is False else "unknown")
    return {
        "link": link, "since": _t(st.link.since), "last_error": st.link.last_error,
        "queued": st.queued,
        "oldest_queued_at": _t(st.oldest_queued_at),
        "oldest_age_seconds": (int((now - st.oldest_queued_at).total_seconds())
                               if st.oldest_queued_at else None),
        "sent": st.sent, "rejected": st.rejected, "received": st.inbox,
        "stuck": [{"id": s.id, "document_id": s.document_id, "to": s.recipient_code,
                   "attempts": s.attempts, "next_attempt_at": _t(s.next_attempt_at),
                   "last_error": s.last_error} for s in st.stuck],
        "last_outage": _outage(st.last_outage),
    }


@click.group()
def sync() -> None:
    """Exchange with the document axis (Trục liên thông văn bản)."""


@sync.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_state
def sync_status(state: CliState, as_json: bool) -> None:
    """Link state, queue depth, oldest item, stuck items and the last outage."""
    node = open_node(state.config())
    try:
        data = status_dict(node.exchange.status(), node.clock.now())
        data["intake_failed"] = [
            {"id": r["id"], "from": r["sender_code"], "document_id": r["document_id"],
             "error": r["intake_error"]}
            for r in node.db.query("SELECT id, sender_code, document_id, intake_error FROM axis_inbox"
                                   " WHERE intake_state = 'failed' ORDER BY id DESC LIMIT 20")]
    finally:
        node.close()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    link = {"online": "TRỰC TUYẾN", "offline": "MẤT KẾT NỐI", "unknown": "chưa rõ"}[data["link"]]
    click.echo(f"Kết nối trục: {link}" + (f" từ {data['since']}" if data["since"] else ""))
    age = f" (cũ nhất {data['oldest_age_seconds']} s)" if data["oldest_age_seconds"] is not None else ""
    click.echo(f"Chờ gửi: {data['queued']}{age}; đã gửi: {data['sent']}; bị từ chối: {data['rejected']};"
               f" đã nhận: {data['received']}")
    for s in data["stuck"]:
        click.echo(f"  #{s['id']} {s['document_id']} → {s['to']}: {s['attempts']} lần thử,"
                   f" thử lại lúc {s['next_attempt_at']}: {s['last_error']}")
    for f in data["intake_failed"]:
        click.echo(f"  gói nhận #{f['id']} từ {f['from']} ({f['document_id']}) chưa đưa vào được:"
                   f" {f['error']}")
    o = data["last_outage"]
    if o:
        end = o["ended_at"] or "đang diễn ra"
        click.echo(f"Sự cố gần nhất #{o['id']}: {o['started_at']} → {end}; chờ gửi lúc đầu"
                   f" {o['queued_at_start']}, nhiều nhất {o['max_queued']}; báo cáo: {o['report']}")


@sync.command("once")
@click.option("--json", "as_json", is_flag=True, help="Print the pass's figures as JSON.")
@pass_state
def sync_once(state: CliState, as_json: bool) -> None:
    """One pass: send what is due, fetch and acknowledge what waits, queue automatic statuses,
    then take the stored packages in (văn bản đến, delivery statuses, recalls, updates)."""
    node = open_node(state.config())
    try:
        engine = open_sync(node)
        try:
            result = engine.once().as_dict()
        finally:
            engine.close()
        taken = node.intake().run_once()
        result.update(taken_in=taken.documents, statuses=taken.statuses, recalls=taken.recalls,
                      updates=taken.updates, intake_failed=taken.failed)
    finally:
        node.close()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        click.echo(" ".join(f"{k}={v}" for k, v in result.items() if v is not None))
    if result["error"]:
        sys.exit(1)


@sync.command("run")
@pass_state
def sync_run(state: CliState) -> None:
    """Run the sync workers in the foreground (for systemd) until SIGTERM or Ctrl-C."""
    logging.getLogger("node.sync").setLevel(logging.DEBUG if state.debug else logging.INFO)
    node = open_node(state.config())
    heartbeat = node_heartbeat(node)
    engine, supervisor = sync_supervisor(node, heartbeat)
    signal.signal(signal.SIGTERM, lambda *_: supervisor.stop_event.set())
    supervisor.start()
    stop_intake = node.intake(heartbeat).start(every=node.config.axis.relay_idle_seconds)
    try:
        while not supervisor.stop_event.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        stop_intake()
        supervisor.stop()
        engine.close()
        heartbeat.stop()
        node.close()


def register(group: click.Group) -> None:
    group.add_command(sync)
