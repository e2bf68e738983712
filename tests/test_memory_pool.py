"""The Arrow memory pool a ``tribescope`` command runs with (:mod:`tribescope._memory`): jemalloc unless the user's
environment names one. Each case runs in a fresh interpreter: the pool is process-wide."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pytest

from tribescope._memory import POOL_ENV

try:
    pa.jemalloc_memory_pool()
    HAS_JEMALLOC = True
except NotImplementedError:
    HAS_JEMALLOC = False

#: a stand-in command run through ``tribescope.cli.main``: the default pool's name, and whether the ~100 kB of
#: Arrow data the command's work builds came from jemalloc
PROBE = """
import pyarrow as pa
import tribescope.cli as cli
def app():
    arr = pa.array(["x" * 100] * 1000)
    from_jemalloc = {check} and pa.jemalloc_memory_pool().bytes_allocated() >= arr.nbytes
    print(pa.default_memory_pool().backend_name, from_jemalloc)
    raise SystemExit(0)
cli.app = app
cli.main()
"""


def _env(pool: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != POOL_ENV}
    if pool is not None:
        env[POOL_ENV] = pool
    return env


def _run(code: str, pool: str | None = None) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", code], env=_env(pool), capture_output=True, text=True, check=True
    )
    return out.stdout.split()


@pytest.mark.skipif(not HAS_JEMALLOC, reason="this pyarrow build has no jemalloc")
def test_a_command_allocates_from_jemalloc_by_default():
    assert _run(PROBE.format(check=True)) == ["jemalloc", "True"]


def test_the_users_choice_of_pool_is_kept():
    check = HAS_JEMALLOC  # without jemalloc in this build, nothing can come from it
    assert _run(PROBE.format(check=check), "system") == ["system", "False"]
    assert _run(PROBE.format(check=check), "mimalloc") == ["mimalloc", "False"]


def test_the_library_leaves_the_pool_alone():
    """Importing tribescope and opening a workspace (the Python API) does not change a program's pool."""
    code = (
        "import pyarrow as pa; before = pa.default_memory_pool().backend_name\n"
        "import tribescope\n"
        "from tribescope.store import connect\n"
        "connect(':memory:').close()\n"
        "print(before == pa.default_memory_pool().backend_name)"
    )
    assert _run(code) == ["True"]
