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
