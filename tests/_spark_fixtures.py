"""Helpers shared by the Spark test modules: availability, DuckDB-vs-Spark table comparison, servers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest


def require_spark() -> Path:
    """pyspark's home (its ``bin/`` and ``jars/``); skips when pyspark or Java is missing."""
    pyspark = pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed")
    return Path(pyspark.__file__).parent


def spark_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SPARK_LOCAL_IP="127.0.0.1",
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
        COLUMNS="200",
    )
    env.pop("SPARK_REMOTE", None)
    env.update(extra)
    return env


def assert_same_table(
    duck: pa.Table, spark: pa.Table, key: tuple[str, ...] = ("platform", "creator_id")
) -> None:
    """Same rows by ``key``, same columns; floats within 1e-6 (relative) — nothing else may differ.

    Timestamps are compared as instants (Spark returns UTC wall time without a zone, DuckDB with one).
    """
    a, b = duck.to_pandas(), spark.to_pandas()
    assert list(a.columns) == list(b.columns)
    a = a.sort_values(list(key)).reset_index(drop=True)
    b = b.sort_values(list(key)).reset_index(drop=True)
    assert a[list(key)].equals(b[list(key)])
    for c in a.columns:
        x, y = a[c], b[c]
        if pd.api.types.is_datetime64_any_dtype(x) or pd.api.types.is_datetime64_any_dtype(y):
            x, y = (pd.to_datetime(v, utc=True) for v in (x, y))
            assert (x.isna() == y.isna()).all() and (x[x.notna()] == y[y.notna()]).all(), c
        elif pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
            fx, fy = x.astype("float64").to_numpy(), y.astype("float64").to_numpy()
            ok = np.isclose(fx, fy, rtol=1e-6, atol=1e-9, equal_nan=True)
            assert ok.all(), (
                c,
                list(zip(a.loc[~ok, list(key)].values.tolist(), fx[~ok], fy[~ok], strict=True))[:5],
            )
        else:
            bad = ~((x == y) | (x.isna() & y.isna()))
            assert not bad.any(), (c, x[bad].head().tolist(), y[bad].head().tolist())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 600) -> None:
    """Wait until something listens on ``port``; fail with the server's log if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    pytest.fail(f"nothing listened on port {port} after {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def start(cmd: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    fh = log.open("wb")
    try:
        return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    finally:
        fh.close()


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started by :func:`start` (its own process group: the JVM it may have forked too)."""
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
