"""Files written whole or not at all: every output a user opens (scores, reports, tables, campaign reports)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from tribescope.errors import TribescopeError

__all__ = ["write_whole"]


def write_whole(out: Path, write: Callable[[Path], object], *, name: str | None = None) -> Path:
    """Write ``out`` whole or not at all: ``write`` fills a hidden ``.NAME.partial`` beside it, renamed over ``out``
    when complete, so a reader never sees a torn file. Missing parent folders are created (and removed again if the
    write fails); an OS error becomes a :class:`TribescopeError` naming ``name`` (default: the path)."""
    missing = [p for p in out.parents if not p.exists()]
    tmp = out.with_name(f".{out.name}.partial")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        tmp.replace(out)
    except BaseException as exc:
        with contextlib.suppress(OSError):  # never there when its folder could not be made
            tmp.unlink()
        for p in missing:  # innermost first; a folder something else wrote into stays
            try:
                p.rmdir()
            except OSError:
                break
        if isinstance(exc, OSError):
            raise TribescopeError(f"{name or out}: cannot write ({exc.strerror or exc})") from exc
        raise
    return out
