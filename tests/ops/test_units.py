"""The systemd units: provisioning/ holds them rendered with the defaults, and
`systemd-analyze verify` accepts them (in a temp root holding the vanthu binary path)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from node.units import UnitSettings, render_units
from tests.conftest import ROOT
from tests.support.tools import require_file, require_tool

UNITS = ["vanthu-node.service", "vanthu-backup.service", "vanthu-backup.timer",
         "vanthu-verify.service", "vanthu-verify.timer"]


def test_provisioning_units_are_the_rendered_defaults() -> None:
    rendered = render_units()
    assert sorted(rendered) == sorted(UNITS)
    for name, text in rendered.items():
        assert (ROOT / "provisioning" / name).read_text(encoding="utf-8") == text, (
            f"provisioning/{name} is stale: regenerate it from node.units.render_units()")
    node = rendered["vanthu-node.service"]
    for line in ("ExecStart=/opt/vanthu/.venv/bin/vanthu --config /etc/vanthu/node.toml serve",
                 "User=vanthu", "ProtectSystem=strict", "PrivateTmp=yes", "NoNewPrivileges=yes",
                 "ProtectHome=yes", "Environment=TZ=Asia/Ho_Chi_Minh", "Restart=on-failure",
                 "ReadWritePaths=/var/lib/vanthu -/srv/scan"):
        assert line in node.splitlines()
    verify = rendered["vanthu-verify.service"].splitlines()
    assert any(x.endswith(" verify") and "audit" not in x for x in verify if x.startswith("ExecStart="))
    assert any(x.endswith(" audit verify") for x in verify if x.startswith("ExecStart="))


def analyze(tmp_path: Path, units: dict[str, str], vanthu_bin: Path) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify --root` over a temp root: the system units, the binary, our units."""
    tool = require_tool("systemd-analyze")
    system_units = require_file(Path("/lib/systemd/system/sysinit.target"), "systemd's own units").parent
    root = tmp_path / "root"
    shutil.copytree(system_units, root / "usr/lib/systemd/system", symlinks=True)
    exe = root / vanthu_bin.relative_to("/")
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    unit_dir = root / "etc/systemd/system"
    unit_dir.mkdir(parents=True)
    for name, text in units.items():
        (unit_dir / name).write_text(text, encoding="utf-8")
    return subprocess.run([tool, "verify", f"--root={root}", "--man=no", *units], capture_output=True,
                          text=True, cwd=unit_dir, timeout=60)


def test_systemd_analyze_accepts_the_units(tmp_path: Path) -> None:
    units = {n: (ROOT / "provisioning" / n).read_text(encoding="utf-8") for n in UNITS}
    proc = analyze(tmp_path, units, Path("/opt/vanthu/.venv/bin/vanthu"))
    assert proc.returncode == 0 and proc.stderr.strip() == "", proc.stderr


def test_units_rendered_for_an_office_verify_too(tmp_path: Path) -> None:
    settings = UnitSettings(config_path=Path("/etc/vanthu/node.toml"), data_dir=Path("/srv/vanthu/data"),
                            scanner_dirs=(Path("/srv/scan/in"), Path("/srv/scan/copies")),
                            backup_dirs=(Path("/mnt/usb1"), Path("/mnt/usb2")),
                            softhsm2_conf=Path("/srv/vanthu/data/token/softhsm2.conf"))
    units = render_units(settings)
    assert "Environment=SOFTHSM2_CONF=/srv/vanthu/data/token/softhsm2.conf" in units["vanthu-node.service"]
    assert "ReadWritePaths=/srv/vanthu/data -/mnt/usb1 -/mnt/usb2" in units["vanthu-backup.service"]
    proc = analyze(tmp_path, units, Path("/opt/vanthu/.venv/bin/vanthu"))
    assert proc.returncode == 0 and proc.stderr.strip() == "", proc.stderr


@pytest.mark.parametrize("breakage", ["binary", "setting"])
def test_systemd_analyze_catches_a_broken_unit(tmp_path: Path, breakage: str) -> None:
    units = render_units()
    if breakage == "binary":
        units["vanthu-node.service"] = units["vanthu-node.service"].replace(
            "/opt/vanthu/.venv/bin/vanthu", "/opt/vanthu/missing/vanthu")
    else:
        units["vanthu-node.service"] = units["vanthu-node.service"].replace(
            "ProtectSystem=strict", "ProtectSystem=sometimes")
    proc = analyze(tmp_path, units, Path("/opt/vanthu/.venv/bin/vanthu"))
    assert proc.returncode != 0 or proc.stderr.strip(), "a broken unit must not pass"
