"""Files written whole or not at all: every output a user opens (scores, reports, tables, campaign reports)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path

from tribescope.errors import TribescopeError

__all__ = ["FORMULA_START", "INERT_SIGNED_WORD", "is_formula_cell", "write_whole"]

#: a CSV text cell a spreadsheet would run as a formula starts with one of these (OWASP "CSV Injection") …
FORMULA_START = r"^[=+\-@\t\r]"
#: … unless it is a sign and a bare word (letters, digits, ``_ . -``): an id such as YouTube's ``-vwGAKh1yNs`` or a
#: number, which can call no function nor reach another program; prefixing it with ``'`` broke joins on the id
INERT_SIGNED_WORD = r"^[+\-][A-Za-z0-9_.\-]*$"
_FORMULA_START = re.compile(FORMULA_START)
_INERT = re.compile(INERT_SIGNED_WORD)


def is_formula_cell(v: str) -> bool:
    """Whether a spreadsheet opening a CSV would run the text cell ``v`` as a formula (``=HYPERLINK(…)``, ``@SUM(…)``,
    ``-2+3+cmd|…``): such a cell is written prefixed with ``'``. The same test as :data:`FORMULA_START` and
    :data:`INERT_SIGNED_WORD` in the engine."""
    return _FORMULA_START.match(v) is not None and _INERT.match(v) is None


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
