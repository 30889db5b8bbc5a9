"""Fixtures every area reuses: a migrated store, a node directory, the CLI, a SoftHSM2 token,
server processes on free ports, and the artifacts folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from node.config import Config, load_config
from node.signing.softhsm import DemoToken, ensure_demo_token
from node.store.blobs import BlobStore
from node.store.db import Database
from tests.support.tools import require, require_tool

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
ARTIFACTS = ROOT / "tests" / "artifacts"
VANTHU = [sys.executable, "-m", "node"]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite store in tmp_path."""
    database = Database(tmp_path / "node.db").open()
    yield database
    database.close()


@pytest.fixture
def blobs(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs").open()


NODE_TOML = """\
[node]
agency_code = "{code}"
agency_name = "{name}"
data_dir = "data"

[web]
port = {port}
login_max_failures = {max_failures}
lockout_minutes = 15
"""


@dataclass
class NodeDir:
    root: Path
    config_path: Path

    @property
    def config(self) -> Config:
        return load_config(self.config_path)


@pytest.fixture
def make_node(tmp_path: Path) -> Callable[..., NodeDir]:
    """Write a node.toml in a fresh directory (and run `vanthu init` when asked)."""

    def make(name: str = "node", *, code: str = "000.00.01.H26", agency: str = "UBND phường Một",
             port: int = 8080, max_failures: int = 10, init: bool = True, extra: str = "") -> NodeDir:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        cfg = root / "node.toml"
        cfg.write_text(NODE_TOML.format(code=code, name=agency, port=port, max_failures=max_failures)
                       + extra, encoding="utf-8")
        if init:
            run_cli("--config", str(cfg), "init", check=True)
        return NodeDir(root, cfg)

    return make


def run_cli(*args: str, check: bool = False, env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `vanthu ARGS…` in a subprocess, as district IT would."""
    proc = subprocess.run([*VANTHU, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=cwd or ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"vanthu {' '.join(args)} exited {proc.returncode}:\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> DemoToken:
    """A session-wide SoftHSM2 token (demo CA, agency and leader keys), SOFTHSM2_CONF in a temp dir."""
    require_tool("softhsm2-util")
    require(Path("/usr/lib/softhsm/libsofthsm2.so").exists(), "the SoftHSM2 PKCS#11 module")
    root = tmp_path_factory.mktemp("hsm")
    return ensure_demo_token(root, label="test-office", agency_name="UBND phường Kiểm Thử")
