"""Fewer cyclic garbage collections while batch work runs (``import_paths``, ``enrich``, ``score_creators``, and the
whole of a ``tribescope`` command: :func:`tribescope.cli.main`), and none at the command's exit.

CPython runs a young collection every 700 container allocations, and every tenth of those a middle one, every
tenth of those a full one that walks every object of the process while holding the GIL. An import allocates a few
containers per record (parsed objects, row dicts, row tuples) and a score builds large Ibis / pandas / model heaps:
at synth m the collector ran ~1,400 times per import and ~950 per score, for 0.6–0.7 s and 0.6–0.8 s, mostly full
passes, stalling every Python thread of the command (the reader and the import's thread; the models and the metric
lane). With the young threshold at :data:`BATCH_GC_THRESHOLD`, ~0.1 s per import and ~0.3 s per ``tribescope score``
(most of it while the command loaded its modules, before the CLI raised the threshold too). Memory is not held longer:
what is not in a reference cycle (records, rows, Arrow data) is freed by reference counting as before; only cyclic
garbage waits a little longer for its collection (peak RSS at m unchanged).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["BATCH_GC_THRESHOLD", "fewer_collections", "freeze_for_exit"]

#: the young generation's threshold while batch work runs (CPython's default: 700)
BATCH_GC_THRESHOLD = 50_000

_LOCK = threading.Lock()
#: batch calls running (on any thread) and the thresholds before the first of them started
_state: dict[str, Any] = {"running": 0, "saved": None}


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the young generation's threshold to :data:`BATCH_GC_THRESHOLD` inside; the thresholds are restored
    when the last concurrent (or nested) use ends. A collector the application disabled (threshold 0) stays so."""
    with _LOCK:
        if _state["running"] == 0:
            saved = _state["saved"] = gc.get_threshold()
            if saved[0]:
                gc.set_threshold(max(saved[0], BATCH_GC_THRESHOLD), *saved[1:])
        _state["running"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _state["running"] -= 1
            if _state["running"] == 0:
                gc.set_threshold(*_state["saved"])


def freeze_for_exit() -> None:
    """The command is done: move every tracked object to the permanent generation (``gc.freeze``).

    CPython's shutdown runs full collections while it clears the modules, and each walks every object the command
    left (its Ibis, pandas, numba and model heaps): ~0.5 s of a YouTube m ``tribescope score``, after its output was
    written. Frozen objects are not walked; they are still freed by reference counting, and atexit handlers run.
    Called by the CLI's :func:`~tribescope.cli.main` only — a library caller's process goes on.
    """
    gc.disable()
    gc.freeze()
