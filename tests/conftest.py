from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
SHARED_DATA = Path(os.environ.get("TRIBESCOPE_SHARED_DATA", ROOT.parent / "shared" / "data"))

os.environ["COLUMNS"] = "200"  # Rich tables in CLI output: no wrapping in assertions
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
# Every Spark JVM the tests start runs with the client JIT only: the local driver and the Connect server (both through
# spark-submit, which reads SPARK_SUBMIT_OPTS) and the standalone cluster's master and worker (SPARK_DAEMON_JAVA_OPTS).
# A test's JVM lives seconds to minutes on small data, where C2's compiler threads took a third of the two cores: the
# Spark modules ran in ~60 % of the time without them. No result depends on the JIT.
for _var in ("SPARK_SUBMIT_OPTS", "SPARK_DAEMON_JAVA_OPTS"):
    os.environ.setdefault(_var, "-XX:TieredStopAtLevel=1")
# compiled SQL (tribescope.store._sqlcache) goes to a folder of this test session, not the user's cache
if "TRIBESCOPE_CACHE_DIR" not in os.environ:
    os.environ["TRIBESCOPE_CACHE_DIR"] = _cache = tempfile.mkdtemp(prefix="tribescope-test-cache-")
    atexit.register(shutil.rmtree, _cache, True)


@pytest.fixture
def ws(tmp_path):
    """A fresh, empty DuckDB workspace."""
    from tribescope.store import connect

    w = connect(tmp_path / "ws.duckdb")
    yield w
    w.close()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def shared(*parts: str) -> Path:
    """A path under ../shared/data; skips the test when it is not there."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared data not available: {p}")
    return p
