"""The systemd units of a node, rendered for its paths.

``provisioning/*.service|*.timer`` are these units rendered with the defaults (a test keeps them
identical); ``vanthu provision apply`` renders them with the office's config path, data directory,
scanner folders and backup media, so the sandbox opens exactly those paths for writing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BIN = Path("/opt/vanthu/.venv/bin/vanthu")
DEFAULT_CONFIG = Path("/etc/vanthu/node.toml")
DEFAULT_DATA = Path("/var/lib/vanthu")


@dataclass(frozen=True)
class UnitSettings:
    vanthu_bin: Path = DEFAULT_BIN
    config_path: Path = DEFAULT_CONFIG
    data_dir: Path = DEFAULT_DATA
    user: str = "vanthu"
    scanner_dirs: Sequence[Path] = (Path("/srv/scan"),)
    backup_dirs: Sequence[Path] = field(default=(Path("/mnt"), Path("/media")))
    softhsm2_conf: Path | None = None
    timezone: str = "Asia/Ho_Chi_Minh"


def _paths(paths: Sequence[Path], *, optional: bool) -> str:
    # "-" lets the unit start when an optional path (a medium not mounted) is missing.
    return " ".join(("-" if optional else "") + str(p) for p in paths)


def _sandbox(s: UnitSettings, writable: str) -> str:
    return f"""\
UMask=0027
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes
ReadOnlyPaths={s.config_path.parent}
ReadWritePaths={writable}
"""


def _env(s: UnitSettings) -> str:
    hsm = (f"Environment=SOFTHSM2_CONF={s.softhsm2_conf}\n" if s.softhsm2_conf is not None else
           "# Only with a SoftHSM2 token (demo/test): where its configuration is.\n"
           f"#Environment=SOFTHSM2_CONF={s.data_dir}/token/softhsm2.conf\n")
    return f"Environment=TZ={s.timezone}\nEnvironment=PYTHONUNBUFFERED=1\n{hsm}"


def render_units(s: UnitSettings = UnitSettings()) -> dict[str, str]:
    cmd = f"{s.vanthu_bin} --config {s.config_path}"
    data = str(s.data_dir)
    node_rw = " ".join([data, _paths(s.scanner_dirs, optional=True)]).strip()
    backup_rw = " ".join([data, _paths(s.backup_dirs, optional=True)]).strip()
    return {
        "vanthu-node.service": f"""\
# Trạm Văn Thư: the node (web UI, scanner and sync workers) of one office.
[Unit]
Description=Trạm Văn Thư document node
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User={s.user}
Group={s.user}
ExecStart={cmd} serve
Restart=on-failure
RestartSec=5s
{_env(s)}{_sandbox(s, node_rw)}
[Install]
WantedBy=multi-user.target
""",
        "vanthu-backup.service": f"""\
# Trạm Văn Thư: online backup to every medium in backup.targets (two independent media).
[Unit]
Description=Trạm Văn Thư backup
After=local-fs.target

[Service]
Type=oneshot
User={s.user}
Group={s.user}
ExecStart={cmd} backup
Nice=10
IOSchedulingClass=idle
{_env(s)}{_sandbox(s, backup_rw)}""",
        "vanthu-backup.timer": """\
# Daily backup; a missed run (node switched off) runs at the next boot.
[Unit]
Description=Daily Trạm Văn Thư backup

[Timer]
OnCalendar=*-*-* 18:30:00
RandomizedDelaySec=15min
Persistent=true

[Install]
WantedBy=timers.target
""",
        "vanthu-verify.service": f"""\
# Trạm Văn Thư: nightly integrity check (every blob re-hashed, the audit chain walked).
[Unit]
Description=Trạm Văn Thư nightly integrity check

[Service]
Type=oneshot
User={s.user}
Group={s.user}
ExecStart={cmd} verify
ExecStart={cmd} audit verify
Nice=10
IOSchedulingClass=idle
{_env(s)}{_sandbox(s, data)}""",
        "vanthu-verify.timer": """\
# Nightly integrity check; a missed run runs at the next boot.
[Unit]
Description=Nightly Trạm Văn Thư integrity check

[Timer]
OnCalendar=*-*-* 02:30:00
RandomizedDelaySec=15min
Persistent=true

[Install]
WantedBy=timers.target
""",
    }
