"""Process-wide settings a ``tribescope`` command makes before its modules load (:mod:`tribescope.cli`), and what a
command loads before it starts. Each case runs in a fresh interpreter: what it checks is decided when NumPy's OpenBLAS
loads, or by the modules a command's parse imports."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

import pytest

#: ``import tribescope``, then the CLI's modules, then NumPy and SciPy's linear algebra (each wheel brings its own
#: OpenBLAS): whether the first import loaded NumPy, the package's names loaded on first use, and the threads each
#: OpenBLAS runs with
PROBE = """
import json, sys
import tribescope
numpy_first = "numpy" in sys.modules
import tribescope.cli
import numpy, scipy.linalg
connect = tribescope.connect
from threadpoolctl import threadpool_info
print(json.dumps({
    "numpy_at_import": numpy_first,
    "lazy": [connect is tribescope.store.connect, tribescope.Workspace.__name__, tribescope.import_paths.__name__],
    "openblas": sorted({i["num_threads"] for i in threadpool_info() if i["internal_api"] == "openblas"}),
}))
"""


@functools.cache  # one interpreter per setting, whichever test asks first
def _probe(openblas_threads: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if openblas_threads is not None:
        env["OPENBLAS_NUM_THREADS"] = openblas_threads
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_import_tribescope_loads_no_numpy_and_its_names_load_on_first_use():
    got = _probe(None)
    assert got["numpy_at_import"] is False
    assert got["lazy"] == [True, "Workspace", "import_paths"]


def test_the_package_modules_load_on_first_use_after_import_tribescope():
    """``import tribescope`` then ``tribescope.store.connect(…)`` (as docs/scale-out.md names it) or
    ``tribescope.score.register_metric_family`` works without importing the module first; a name that is neither
    is an AttributeError, and a module that fails to import says why."""
    code = """
import sys
import tribescope
assert tribescope.store.connect is tribescope.connect
assert tribescope.score.register_metric_family.__name__ == "register_metric_family"
try:
    tribescope.no_such_thing
except AttributeError as exc:
    print(exc)
sys.modules["fastapi"] = None  # as without the web extra
try:
    tribescope.web
except ModuleNotFoundError as exc:
    print(exc.name)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["module 'tribescope' has no attribute 'no_such_thing'", "fastapi"]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS runs one thread on one core anyway")
def test_a_command_runs_openblas_on_one_thread_unless_the_user_says_otherwise():
    got = _probe(None)["openblas"]
    if not got:
        pytest.skip("this NumPy/SciPy build has no OpenBLAS")
    assert got == [1]  # without the CLI's setting: one thread per core
    assert _probe("2")["openblas"] == [2]


def test_a_command_parses_its_options_without_loading_pydantic(tmp_path):
    """typer 0.29 builds every parameter's coercion with pydantic when a command is parsed, ~0.1 s before any command
    starts (docs/perf-rounds.md, forty-second round); the project keeps a typer that does not. ``score`` parses its
    path, ``--limit`` and ``--out`` and stops at the missing export (exit 1, nothing created) with pydantic never
    imported."""
    code = """
import sys
from tribescope.cli import main
sys.argv = ["tribescope", "--workspace", sys.argv[1], "score", sys.argv[2], "--limit", "3", "--out", sys.argv[3]]
try:
    main()
except SystemExit as exc:
    print(exc.code)
print("pydantic" in sys.modules)
"""
    ws, out_file = tmp_path / "ws.duckdb", tmp_path / "scores.csv"
    args = [str(ws), str(tmp_path / "no-such-export.json"), str(out_file)]
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "False"], out.stderr
    assert "no such file or directory" in out.stderr
    assert not ws.exists() and not out_file.exists()


def test_a_command_hands_the_gil_over_after_a_millisecond():
    """``tribescope`` (its ``main``) sets the interpreter's switch interval for the command's threads; importing the
    CLI (a test's in-process runner, a library user) leaves the interpreter's own."""
    code = """
import sys
from tribescope import cli
imported = sys.getswitchinterval()
sys.argv = ["tribescope", "--help"]
try:
    cli.main()
except SystemExit:
    pass
print(imported, sys.getswitchinterval())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported, command = map(float, out.stdout.split()[-2:])
    assert imported == pytest.approx(0.005)
    assert command == pytest.approx(0.001)
