"""The web templates rendered outside a request, for the PDF: the same partials as the screen."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

import node.web

TEMPLATES = Path(next(iter(node.web.__path__))) / "templates"


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                              autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True,
                              lstrip_blocks=True)


def render_print(body: str, context: dict[str, Any]) -> str:
    """A standalone print document (reports/print.html) around the body partial ``body``."""
    return environment().get_template("reports/print.html").render(body=body, links=False, **context)
