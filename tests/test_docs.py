"""The docs stay true: every config key is documented, every CLI command is in the README.

Model: datasette ``tests/test_docs.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from node.cli import cli
from node.config import config_keys

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "provisioning" / "node.example.toml"
README = ROOT / "README.md"


def documented_keys() -> set[str]:
    keys: set[str] = set()
    table = ""
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        header = re.match(r"^\s*\[\[?([\w.]+)\]\]?\s*$", line)
        if header:
            table = header.group(1)
            continue
        m = re.match(r"^\s*#?\s*(\w+)\s*=", line)
        if m:
            keys.add(f"{table}.{m.group(1)}" if table else m.group(1))
    return keys


@pytest.mark.parametrize("key", config_keys())
def test_config_key_is_documented(key: str) -> None:
    assert key in documented_keys(), f"{key} is missing from provisioning/node.example.toml"


def commands(group: click.Group, prefix: str = "vanthu") -> list[str]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None
        path = f"{prefix} {name}"
        if isinstance(cmd, click.Group):
            out.extend(commands(cmd, path))
        else:
            out.append(path)
    return out


@pytest.mark.parametrize("command", commands(cli))
def test_command_is_in_readme(command: str) -> None:
    assert command in README.read_text(encoding="utf-8"), f"`{command}` is not documented in README.md"


def test_readme_starts_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first_block = text.split("```", 2)[1]
    assert "make run" in first_block and "make test" in first_block
