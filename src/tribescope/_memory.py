"""The Arrow memory pool of a ``tribescope`` command: jemalloc, unless the user chose one.

pyarrow's default pool on Linux is mimalloc, which hands freed pages back to the system within milliseconds (its
purge delay) and takes them again on the next batch: every Arrow array the score's text features, models and
metric results build lands on pages the kernel must fault in and zero again (transparent huge pages make each fault
a 2 MiB clear). Measured 2026-12-04 on the 2-core machine (interleaved runs, fresh workspaces): at synth m the
score took 12.5–14.2 s with 5.9–6.2 s of system time under mimalloc, 8.1–8.7 s with 1.8–2.3 s under jemalloc (peak
RSS 1.59–1.65 → 1.49 GB); at the issue's 190k YouTube comments 3.5–4.1 → 3.0–3.7 s, system time 0.8–1.3 → 0.5–0.7
s. The system allocator sat between them. Arrow's jemalloc returns pages after about a second of disuse.

A process-wide choice, so the CLI makes it (:func:`tribescope.cli.main`), not the library: a program calling the
Python API keeps its own pool (``ARROW_DEFAULT_MEMORY_POOL=jemalloc`` in its environment gives it this one).
"""

from __future__ import annotations

import contextlib
import os

__all__ = ["POOL_ENV", "use_command_pool"]

#: Arrow's own variable naming the default pool (``jemalloc``, ``mimalloc``, ``system``); when set, it is obeyed
POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"


def use_command_pool() -> str:
    """Make jemalloc pyarrow's default memory pool unless :data:`POOL_ENV` names one or this pyarrow was built
    without it (then the default stays). Returns the pool's backend name."""
    import pyarrow as pa

    if not os.environ.get(POOL_ENV):
        with contextlib.suppress(NotImplementedError):  # a build without jemalloc (e.g. Windows wheels)
            pa.set_memory_pool(pa.jemalloc_memory_pool())
    return str(pa.default_memory_pool().backend_name)
