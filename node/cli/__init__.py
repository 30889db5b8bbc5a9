"""``vanthu``: the node's command line. Errors become one line and exit code 2, never a traceback."""

from __future__ import annotations

import logging
import sys

import click

from node.cli.backup import register as _register_backup
from node.cli.base import cli
from node.cli.core import register as _register_core
from node.cli.edxml import register as _register_edxml
from node.cli.hub import register as _register_hub
from node.cli.pdf import register as _register_pdf
from node.cli.provision import register as _register_provision
from node.cli.scan import register as _register_scan
from node.cli.sync import register as _register_sync
from node.errors import HANDLED

_register_core(cli)
_register_scan(cli)
_register_backup(cli)
_register_provision(cli)
_register_edxml(cli)
_register_hub(cli)
_register_sync(cli)
_register_pdf(cli)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="vanthu", standalone_mode=True)
    except HANDLED as e:
        click.echo(f"vanthu: {getattr(e, 'message', e)} [{getattr(e, 'code', 'error')}]", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # a bug: one line for the clerk, the traceback in the log for IT
        logging.getLogger("node.cli").debug("unhandled error", exc_info=True)
        click.echo(f"vanthu: internal error: {type(e).__name__}: {e} (run with --debug for details)",
                   err=True)
        sys.exit(70)
