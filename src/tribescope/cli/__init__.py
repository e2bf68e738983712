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

__all__ = ["SWITCH_INTERVAL", "app", "main"]

#: seconds a thread holding the GIL runs before a waiting thread gets it (:func:`sys.setswitchinterval`; Python's
#: default is 5 ms). A command's threads give the GIL up at every engine statement, file read and system call and
#: then wait for it behind the threads running Python (the import's reader parsing records, the score's other side
#: building expressions). At 1 ms, alternating with the default on synth m: the import −0.47 s median (fourteen
#: pairs, ten faster, two even), the score −0.30 s mean (six pairs, all faster); `score PATHS` −0.25 s median (ten
#: pairs: noise); the issue's size unchanged (docs/perf-rounds.md, forty-ninth round).
SWITCH_INTERVAL = 0.001


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
        with fewer_collections():
            app()
        ok = True
    except SystemExit as exc:  # how Click ends every command, 0 when it succeeded
        ok = exc.code in (0, None)
        raise
    except TribescopeError as exc:  # anything a command did not catch itself
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    finally:
        state.close_all()
        if not ok:  # a failed command leaves no workspace it created (the import's "nothing changed" holds)
            state.remove_created()
        freeze_for_exit()
