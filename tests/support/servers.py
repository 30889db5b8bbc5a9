"""Start a real server process on a free 127.0.0.1 port, wait for health, stop it cleanly.

Model: Litestar ``testing/client/subprocess_client.py`` and datasette ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerDied(RuntimeError):
    pass


@dataclass
class ServerProcess:
    """A subprocess serving HTTP; ``start()`` returns once ``health_path`` answers."""

    argv: Sequence[str]
    port: int
    log_path: Path
    health_path: str = "/healthz"
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    startup_timeout: float = 30.0
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> ServerProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        logf = self.log_path.open("ab")
        self.proc = subprocess.Popen(list(self.argv), stdout=logf, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(self.env or {})}, cwd=self.cwd,
                                     start_new_session=True)
        logf.close()
        deadline = time.monotonic() + self.startup_timeout
        delay = 0.02
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerDied(f"{self.argv[0]} exited with {self.proc.returncode}:\n{self.log()}")
            try:
                r = httpx.get(self.url + self.health_path, timeout=2.0)
                if r.status_code < 500:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(delay)
            delay = min(delay * 1.5, 0.25)
        self.stop()
        raise ServerDied(f"{self.argv[0]} did not answer {self.health_path} in {self.startup_timeout}s:\n"
                         f"{self.log()}")

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 10.0) -> None:
        """terminate → wait → kill."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
