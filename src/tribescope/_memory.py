"""The Arrow memory pool of a ``tribescope`` command: jemalloc, unless the user chose one.

pyarrow's default pool on Linux, mimalloc, hands freed pages back to the system within milliseconds and takes them
again for the next batch, so the score's Arrow work (text features, models, metric results) kept faulting in and
zeroing fresh pages: under jemalloc synth m's score spends ~2 s of system time instead of ~6 s, and the issue-size
score ~0.4 s less (docs/perf-rounds.md, twenty-eighth round).

A process-wide choice, so the CLI makes it (:func:`tribescope.cli.main`), not the library: a program calling the
Python API keeps its own pool (``ARROW_DEFAULT_MEMORY_POOL=jemalloc`` in its environment gives it this one).
"""

from __future__ import annotations

import contextlib
import os

__all__ = ["POOL_ENV", "use_command_pool"]

#: Arrow's own variable naming the default pool (``jemalloc``, ``mimalloc``, ``system``); when set, it is obeyed
POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"


def use_command_pool() -> None:
    """Make jemalloc pyarrow's default memory pool unless :data:`POOL_ENV` names one or this pyarrow was built
    without it (then the default stays)."""
    if os.environ.get(POOL_ENV):
        return
    import pyarrow as pa

    with contextlib.suppress(NotImplementedError):  # a build without jemalloc (e.g. Windows wheels)
        pa.set_memory_pool(pa.jemalloc_memory_pool())
