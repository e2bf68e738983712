"""When the text features run the compiled kernels of :mod:`tribescope.features._text_numba`, and when their
numpy forms (:mod:`tribescope.features._text_arrow`, :mod:`tribescope.features._vader_arrow`).

Both give the same figures (``tests/test_comment_features.py``). The kernels are cheaper per text, but loading
them costs ~1.4 CPU-s once per process — numba itself (~0.3 s), its compiler's set-up, which imports SciPy's
linear algebra (~0.5 s), and the cached machine code of eight kernels (~0.6 s) — nearly all of it holding the GIL,
at the start of a score, when the other threads need it too. So a batch of texts runs the kernels when it holds at
least :data:`MIN_TEXTS` texts, or once they are loaded anyway; a smaller batch (a small workspace, an incremental
re-score, ~140k distinct comment texts at YouTube-only scale m) runs the numpy forms, and numba is never imported.

The choice is per thread (:func:`using`): :func:`tribescope.features._text_arrow.in_pieces` makes it once per
batch (:func:`wanted`) and runs every piece of the batch under it. Outside a batch the kernels run whenever numba
is installed (:func:`on`).
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

__all__ = ["MIN_TEXTS", "available", "kernels", "loaded", "on", "using", "wanted"]

#: distinct texts from which a batch loads the kernels. Measured 2026-12-01 (``tribescope score``, alternating
#: with numba blocked, docs/perf-rounds.md): the numpy forms were 0.5 s faster on 5k texts and 0.3 s faster on
#: 141k (YouTube-only m), the kernels 0.35 s faster on 235k (synth m); the crossover lies near 180k.
MIN_TEXTS = 180_000

_lock = threading.Lock()
_module: ModuleType | None = None
_state = threading.local()
_installed = importlib.util.find_spec("numba") is not None


def available() -> bool:
    """numba is installed (looked up without importing it) and, once loaded, imported cleanly."""
    return _installed and (_module is None or bool(_module.ENABLED))


def loaded() -> bool:
    """The kernels are loaded in this process."""
    return _module is not None


def kernels() -> ModuleType:
    """:mod:`tribescope.features._text_numba`, loaded on first use (numba and the kernels' cached machine code)."""
    global _module
    if _module is None:
        with _lock:
            if _module is None:
                from tribescope.features import _text_numba

                _module = _text_numba
    return _module


def on() -> bool:
    """Whether the calling thread runs the kernels: as :func:`using` set it, else whenever numba is installed."""
    choice: bool | None = getattr(_state, "on", None)
    return available() if choice is None else choice and available()


@contextmanager
def using(choice: bool) -> Iterator[None]:
    """Run the text features of the calling thread with the kernels (``True``) or the numpy forms (``False``)."""
    before = getattr(_state, "on", None)
    _state.on = choice
    try:
        yield
    finally:
        _state.on = before


def wanted(n: int) -> bool:
    """Whether a batch of ``n`` texts runs the kernels (see the module docstring); they are loaded when it does."""
    if not available() or not (loaded() or n >= MIN_TEXTS):
        return False
    kernels()
    return available()
