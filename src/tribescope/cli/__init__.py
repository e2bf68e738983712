"""Command-line interface (Typer + Rich): a thin shell over the library API.

Each topic registers its commands in its own module; importing it here adds them to ``app``.
"""

from __future__ import annotations

import sys

# Each module registers its commands on `app` when imported.
from tribescope.cli import (  # noqa: F401
    _authenticity,  # accounts, comments, pods, eval/train accounts|comments
    _brand,  # brand, ambassadors, posts, campaign, plan, eval sponsored
    _ingest,  # import, status, formats, export
    _niche,  # niches, overlap, circle, similar, eval niches
    _privacy,  # forget
    _score,  # score, explain
    _synth,  # synth
    _web,  # serve, report
)
from tribescope.cli._app import app
from tribescope.errors import TribescopeError

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except TribescopeError as exc:  # anything a command did not catch itself
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
