"""Command-line interface (Typer + Rich): a thin shell over the library API.

Each topic registers its commands in its own module; importing it here adds them to ``app``.
"""

from __future__ import annotations

import os
import sys

# OpenBLAS (NumPy's and SciPy's each) starts a thread per core as it loads, and each spins ~0.1 CPU-s waiting for
# work that a command never gives it: the engine (DuckDB) keeps the cores busy and the models' few matrix products
# are small. Read by OpenBLAS when it loads, so set before anything imports NumPy (``import tribescope`` does not);
# a value the user set is kept. Measured on the notebook route's one command: 6.61 → 6.24 CPU-s (docs/perf-rounds.md).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from tribescope._gc import fewer_collections, freeze_for_exit
from tribescope._interrupt import EXIT_STATUS, is_interrupt, said
from tribescope._interrupt import installed as sigint_remembered
from tribescope._memory import use_command_pool

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
from tribescope.cli._app import app, state
from tribescope.errors import TribescopeError
from tribescope.store._workspace import DISK_FULL

__all__ = ["INTERRUPTED", "SWITCH_INTERVAL", "app", "main"]

#: seconds a thread holding the GIL runs before a waiting thread gets it (:func:`sys.setswitchinterval`; Python's
#: default is 5 ms). A command's threads give the GIL up at every engine statement, file read and system call and
#: then wait for it behind the threads running Python (the import's reader parsing records, the score's other side
#: building expressions). At 1 ms, alternating with the default on synth m: the import −0.47 s median (fourteen
#: pairs, ten faster, two even), the score −0.30 s mean (six pairs, all faster); `score PATHS` −0.25 s median (ten
#: pairs: noise); the issue's size unchanged (docs/perf-rounds.md, forty-ninth round).
SWITCH_INTERVAL = 0.001


#: the exit status of a command stopped by Ctrl-C (SIGINT), as a shell gives it (128 + 2) and Click exits with
INTERRUPTED = EXIT_STATUS

_INTERRUPTED_MESSAGE = "interrupted (Ctrl-C): the unfinished write was not stored (an interrupted import leaves the workspace as it was)"


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from or while handling, outermost first."""
    seen: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in seen:
        seen.append(e)
        e = e.__cause__ or e.__context__
    return seen


def _disk_full(exc: BaseException) -> str | None:
    """What to tell when ``exc`` is DuckDB failing to write the workspace (or its temporary files) for want of space;
    ``None`` for any other error. DuckDB rolls the statement (an import: its transaction) back; a commit whose
    checkpoint failed is a "FATAL Error", which left a traceback that said nothing of the workspace."""
    for e in _chain(exc):
        text = str(e)
        if type(e).__module__.startswith(("duckdb", "_duckdb")) and any(s in text for s in DISK_FULL):
            return (
                f"the workspace could not be written, the disk is full or a file-size limit was reached ({text}). "
                "The unfinished write was not stored (an import that fails leaves the workspace as it was); free "
                "some space and run the command again"
            )
    return None


def main() -> None:
    """The ``tribescope`` command. The command's modules load and its work runs with fewer cyclic collections
    (:func:`tribescope._gc.fewer_collections`); once it is done, the workspaces it opened are closed and its objects
    frozen so that the interpreter's shutdown does not walk them (:func:`tribescope._gc.freeze_for_exit`; frozen
    objects in a reference cycle are never finalised, hence the explicit close). A command that fails removes the
    workspace file it created (:meth:`State.remove_created`). Arrow allocates from jemalloc
    (:func:`tribescope._memory.use_command_pool`); its threads hand the GIL over after :data:`SWITCH_INTERVAL`."""
    use_command_pool()
    sys.setswitchinterval(SWITCH_INTERVAL)
    ok = False
    try:
        with fewer_collections(), sigint_remembered():  # a Ctrl-C the engine swallows still stops a commit
            app()
        ok = True
    except SystemExit as exc:  # how Click ends every command, 0 when it succeeded
        ok = exc.code in (0, None)
        if exc.code == INTERRUPTED and not said():  # Ctrl-C in Python code: Click exits 130 without a word
            print(f"error: {_INTERRUPTED_MESSAGE}", file=sys.stderr)
        raise
    except TribescopeError as exc:  # anything a command did not catch itself
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except (
        Exception
    ) as exc:  # the engine's own errors for a Ctrl-C or a full disk; any other is a bug: traceback
        if is_interrupt(exc):
            print(f"error: {_INTERRUPTED_MESSAGE}", file=sys.stderr)
            sys.exit(INTERRUPTED)
        if (full := _disk_full(exc)) is not None:
            print(f"error: {full}", file=sys.stderr)
            sys.exit(1)
        raise
    finally:
        state.close_all()
        if not ok:  # a failed command leaves no workspace it created (the import's "nothing changed" holds)
            state.remove_created()
        freeze_for_exit()
