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

#: the pool a command's work allocates from, printed by a stand-in command run through ``tribescope.cli.main``
PROBE = """
import pyarrow as pa
import tribescope.cli as cli
def app():
    arr = pa.array(["x" * 100] * 1000)  # allocated by the command's work
    print(pa.default_memory_pool().backend_name, arr.nbytes > 0)
    raise SystemExit(0)
cli.app = app
cli.main()
"""


def _run(env_pool: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != POOL_ENV}
    if env_pool is not None:
        env[POOL_ENV] = env_pool
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()[0]


@pytest.mark.skipif(not HAS_JEMALLOC, reason="this pyarrow build has no jemalloc")
def test_a_command_allocates_from_jemalloc_by_default():
    assert _run(None) == "jemalloc"


def test_the_users_choice_of_pool_is_kept():
    assert _run("system") == "system"
    assert _run("mimalloc") == "mimalloc"


def test_the_library_leaves_the_pool_alone():
    """Importing tribescope and opening a workspace (the Python API) does not change a program's pool."""
    env = {k: v for k, v in os.environ.items() if k != POOL_ENV}
    code = (
        "import pyarrow as pa; before = pa.default_memory_pool().backend_name\n"
        "import tribescope\n"
        "from tribescope.store import connect\n"
        "connect(':memory:').close()\n"
        "print(before == pa.default_memory_pool().backend_name)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
