"""``vanthu``: the node's command line. Errors become one line and exit code 2, never a traceback."""

from __future__ import annotations

import logging
import sys

import click

from node.cli.base import cli
from node.errors import HANDLED


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
