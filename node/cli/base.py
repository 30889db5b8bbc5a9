"""The root command group and what every command shares (config loading, opening the node)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from node.config import Config, load_config

DEFAULT_CONFIG = Path("/etc/vanthu/node.toml")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliState:
    config_path: Path
    debug: bool

    def config(self) -> Config:
        return load_config(self.config_path)


# Each command lives in the module that registers it; the module is imported only when one of its
# commands runs (or when --help lists them all), so `vanthu edxml inspect` does not load the web stack.
LAZY_COMMANDS: dict[str, str] = {
    **dict.fromkeys(("serve", "init", "verify", "audit", "doctor", "user"), "node.cli.core"),
    **dict.fromkeys(("scan", "print-separator", "scanner"), "node.cli.scan"),
    **dict.fromkeys(("backup", "restore"), "node.cli.backup"),
    "provision": "node.cli.provision",
    "edxml": "node.cli.edxml",
    "hub": "node.cli.hub",
    "sync": "node.cli.sync",
    "pdf": "node.cli.pdf",
    "report": "node.cli.report",
    "signatures": "node.cli.signatures",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(LAZY_COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            importlib.import_module(LAZY_COMMANDS[cmd_name]).register(self)
        return self.commands.get(cmd_name)


@click.group(cls=LazyGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "-c", "config_path", type=click.Path(path_type=Path), envvar="VANTHU_CONFIG",
              default=DEFAULT_CONFIG, show_default=True, help="Node configuration file (TOML).")
@click.option("--debug", is_flag=True, help="Log debug details, including tracebacks of internal errors.")
@click.version_option(package_name="vanthu-node", prog_name="vanthu")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, debug: bool) -> None:
    """Trạm Văn Thư: the document node of one office."""
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = CliState(config_path=config_path, debug=debug)


pass_state = click.make_pass_decorator(CliState)
