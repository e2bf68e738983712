"""Ctrl-C (SIGINT) that the engine would swallow.

DuckDB's Python client stops a running statement on Ctrl-C by calling Python's signal handler, and when the statement
ends before it notices (a prepared statement, a short one), the KeyboardInterrupt is dropped: the command went on as
if nothing had been pressed (a ``forget`` interrupted while it looked the account up deleted it all and exited 0).
The command line's handler (:func:`installed`) raises the KeyboardInterrupt as Python's own does and also remembers
the key was pressed; :meth:`tribescope.store.Workspace.transaction` asks (:func:`check`) before it commits, so a
Ctrl-C the engine swallowed still rolls the write back. Outside the command line (a library caller, the dashboard's
threads) nothing is installed and :func:`check` never raises.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["EXIT_STATUS", "check", "deferred", "installed", "is_interrupt", "pressed", "said", "told"]

#: the exit status of a command stopped by Ctrl-C (SIGINT), as a shell gives it (128 + 2) and Click exits with
EXIT_STATUS = 130

_pressed = False
_active = False
_defer = 0
_told = False


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _handler(signum: int, frame: FrameType | None) -> None:
    global _pressed
    _pressed = True
    if not _defer:
        raise KeyboardInterrupt


@contextmanager
def installed() -> Iterator[None]:
    """Within: Ctrl-C is remembered (:func:`pressed`) as well as raised. Only in the main thread and only over
    Python's own handler (a caller that ignores SIGINT or handles it itself keeps its handler)."""
    global _pressed, _told, _active
    _told = False
    if not _main_thread() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    _pressed, _active = False, True
    signal.signal(signal.SIGINT, _handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _pressed, _active = False, False


@contextmanager
def deferred() -> Iterator[None]:
    """Within: Ctrl-C is only remembered, not raised (a commit, the clean-up after it); ask :func:`pressed` after."""
    global _defer
    if not _main_thread():
        yield
        return
    _defer += 1
    try:
        yield
    finally:
        _defer -= 1


def pressed() -> bool:
    """Whether Ctrl-C was pressed since :func:`installed` began (raised, swallowed or deferred)."""
    return _active and _pressed and _main_thread()


def told() -> None:
    """The command has said itself what a Ctrl-C left done (``forget``: the deletion stored, the file not rewritten):
    the command line's general word for it ("the unfinished write was not stored") would be wrong."""
    global _told
    _told = True


def said() -> bool:
    """Whether the command said itself what the Ctrl-C left done (:func:`told`)."""
    return _told


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed (:func:`pressed`), also when the engine swallowed it."""
    if pressed():
        raise KeyboardInterrupt


def is_interrupt(exc: BaseException) -> bool:
    """``exc`` is a Ctrl-C: a KeyboardInterrupt, or DuckDB's word for one that came while it ran a statement ("Query
    interrupted" raised from the KeyboardInterrupt, or a Python function the statement called, a text model's UDF,
    stopped by one), anywhere in its chain of causes."""
    seen: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in seen:
        seen.append(e)
        if isinstance(e, KeyboardInterrupt):
            return True
        text = str(e)
        if type(e).__module__.startswith(("duckdb", "_duckdb")) and (
            "Query interrupted" in text or "executing the UDF: KeyboardInterrupt" in text
        ):
            return True
        e = e.__cause__ or e.__context__
    return False
