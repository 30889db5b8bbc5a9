"""A fault-injecting HTTP/1.1 proxy for exchange tests.

Each request read from a client is, at random (seeded): forwarded; delayed then forwarded;
answered 502 without reaching the upstream; dropped (connection closed, nothing forwarded); or
forwarded and then *cut* — the upstream processes it, the client never sees the answer. Requests
are forwarded with ``Connection: close`` on a fresh upstream connection, so every fault applies
to exactly one request.
"""

from __future__ import annotations

import random
import socket
import socketserver
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

FAULTS = ("ok", "delay", "502", "drop", "cut")


@dataclass
class FaultPlan:
    delay: float = 0.1
    bad_gateway: float = 0.05
    drop: float = 0.05
    cut: float = 0.05
    max_delay_seconds: float = 0.3
    seed: int = 1

    def chooser(self) -> random.Random:
        return random.Random(self.seed)


@dataclass
class FaultProxy:
    upstream_port: int
    plan: FaultPlan = field(default_factory=FaultPlan)
    counts: Counter[str] = field(default_factory=Counter)
    enabled: bool = True

    def __post_init__(self) -> None:
        self._rng = self.plan.chooser()
        self._lock = threading.Lock()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._serve(self.request)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="fault-proxy")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _choose(self) -> str:
        with self._lock:
            if not self.enabled:
                return "ok"
            x = self._rng.random()
            p = self.plan
            for name, share in (("delay", p.delay), ("502", p.bad_gateway), ("drop", p.drop), ("cut", p.cut)):
                if x < share:
                    return name
                x -= share
            return "ok"

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(30)
        buf = b""
        try:
            while True:
                request, buf = _read_request(client, buf)
                if request is None:
                    return
                fault = self._choose()
                with self._lock:
                    self.counts[fault] += 1
                if fault == "drop":
                    return
                if fault == "502":
                    client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 11\r\n"
                                   b"Content-Type: text/plain\r\n\r\nBad Gateway")
                    continue
                if fault == "delay":
                    time.sleep(self._rng.uniform(0, self.plan.max_delay_seconds))
                answer = self._forward(request)
                if fault == "cut" or answer is None:
                    return
                client.sendall(answer)
                if b"\r\nconnection: close" in answer.split(b"\r\n\r\n", 1)[0].lower():
                    return
        except OSError:
            return
        finally:
            client.close()

    def _forward(self, request: bytes) -> bytes | None:
        try:
            with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30) as up:
                up.sendall(request)
                chunks = []
                while True:
                    data = up.recv(65536)
                    if not data:
                        break
                    chunks.append(data)
        except OSError:
            return None
        return b"".join(chunks) or None


def _read_request(sock: socket.socket, buf: bytes) -> tuple[bytes | None, bytes]:
    """One request (head with ``Connection: close`` forced, plus its Content-Length body)."""
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            return None, b""
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    length = 0
    kept = [lines[0]]
    for line in lines[1:]:
        name = line.split(b":", 1)[0].strip().lower()
        if name == b"content-length":
            length = int(line.split(b":", 1)[1])
        if name in (b"connection", b"keep-alive"):
            continue
        kept.append(line)
    kept.append(b"Connection: close")
    while len(rest) < length:
        data = sock.recv(65536)
        if not data:
            return None, b""
        rest += data
    body, rest = rest[:length], rest[length:]
    return b"\r\n".join(kept) + b"\r\n\r\n" + body, rest
