"""Command-line interface (Typer + Rich): a thin shell over the library API.

Each topic registers its commands in its own module; importing it here adds them to ``app``.
"""

from __future__ import annotations

import sys

from tribescope.cli import _ingest  # noqa: F401  (registers import/status/formats/export)
from tribescope.cli import _niche  # noqa: F401  (registers niches/overlap/circle/similar/eval niches)
from tribescope.cli import _synth  # noqa: F401  (registers synth)
from tribescope.cli import _web  # noqa: F401  (registers serve/report)
from tribescope.cli._app import app
from tribescope.errors import TribescopeError

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except TribescopeError as exc:  # anything a command did not catch itself
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
