"""`tribescope --backend pyspark score` against real servers on localhost, started from pyspark's own jars:

* a standalone cluster (``spark-class …deploy.master.Master`` + one ``Worker``) reached by
  ``--spark-master spark://127.0.0.1:PORT`` — executors are separate JVMs, as on a real cluster;
* a Spark Connect server (``spark-submit --class …connect.service.SparkConnectServer``, jar shipped in
  pyspark 4.0's wheel) reached by ``--spark-remote sc://127.0.0.1:PORT``.

Each uses a fresh driver (a subprocess) on the small hand-written workspace. The standalone test stays
light (counts, and a derived table written by the executors and read back); the Connect test runs the
whole `score` and must give DuckDB's scores (the local-mode parity on xs is in test_spark_backend.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tribescope.score import score_creators
from tribescope.score._enrich import enrich
from tribescope.store import connect
from tribescope.store._workspace import DERIVED_DIR

try:
    from ._spark_fixtures import (
        assert_same_table,
        free_port,
        require_spark,
        spark_env,
        start,
        stop,
        wait_for_port,
    )
    from ._web_fixtures import workspace
except ImportError:  # run as top-level modules (pytest's rootdir on sys.path)
    from _spark_fixtures import (  # type: ignore[no-redef]
        assert_same_table,
        free_port,
        require_spark,
        spark_env,
        start,
        stop,
        wait_for_port,
    )
    from _web_fixtures import workspace  # type: ignore[no-redef]

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark_home() -> Path:
    return require_spark()


@pytest.fixture(scope="module")
def data(spark_home, tmp_path_factory):
    """The small hand-written workspace as Parquet, DuckDB's full-pipeline scores and its row counts."""
    src = workspace(tmp_path_factory, scored=False)
    ws = connect(src)
    out = ws.export_parquet(src.parent / "parquet")
    counts = ws.counts()
    enrich(ws)
    duck = score_creators(ws, write=False)
    ws.close()
    return out, duck, counts


def _score(parquet: Path, tmp: Path, *options: str) -> pa.Table:
    out, timings = tmp / "scores.parquet", tmp / "timings.json"
    cmd = [sys.executable, "-m", "tribescope.cli", "--backend", "pyspark", "-w", str(parquet), *options]
    cmd += ["--spark-conf", "spark.sql.shuffle.partitions=2", "score", "--out", str(out)]
    cmd += ["--timings", str(timings)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=spark_env(), timeout=1800)
    assert r.returncode == 0, r.stderr[-4000:]
    # on Spark every stage runs on the score's own thread, for every creator (no incremental cache: creators unknown)
    stages = json.loads(timings.read_text())
    assert {"pods", "authenticity", "niches", "conversation"} <= {s["stage"] for s in stages}
    assert {s["thread"] for s in stages} == {"main"} and {s["creators"] for s in stages} == {None}
    assert all(s["seconds"] >= 0 for s in stages)
    return pq.read_table(out)


_PROBE = """
import json, sys
import pyarrow as pa
from tribescope.store import connect
from tribescope.store._workspace import DERIVED_DIR
ws = connect(sys.argv[1], backend="pyspark", master=sys.argv[2], spark_conf={"spark.executor.memory": "512m"})
assert ws.con._session.sparkContext.master == sys.argv[2]
ws.write_table("cluster_probe", pa.table({"platform": ["x", "y"], "n": [1, 2]}))
again = connect(sys.argv[1], backend="pyspark", master=sys.argv[2])
n = again.table("cluster_probe").n.sum().execute()
print(json.dumps({"counts": again.counts(), "probe": int(n)}))
"""


def test_standalone_cluster_master_url(spark_home, data, tmp_path):
    parquet, _, counts = data
    spark_class = str(spark_home / "bin" / "spark-class")
    port = free_port()
    env = spark_env(SPARK_HOME=str(spark_home), SPARK_WORKER_DIR=str(tmp_path / "work"))
    master = start(
        [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
         "--webui-port", str(free_port())],
        tmp_path / "master.log",
        env,
    )  # fmt: skip
    worker = None
    try:
        wait_for_port(port, master, tmp_path / "master.log")
        worker = start(
            [spark_class, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "1",
             "--memory", "1g", "--webui-port", str(free_port()), f"spark://127.0.0.1:{port}"],
            tmp_path / "worker.log",
            env,
        )  # fmt: skip
        probe = tmp_path / "probe.py"
        probe.write_text(_PROBE)
        r = subprocess.run(
            [sys.executable, str(probe), str(parquet), f"spark://127.0.0.1:{port}"],
            capture_output=True, text=True, env=spark_env(), timeout=1800,
        )  # fmt: skip
    finally:
        for p in (worker, master):
            if p is not None:
                stop(p)
        shutil.rmtree(parquet / DERIVED_DIR / "cluster_probe", ignore_errors=True)
    assert r.returncode == 0, r.stderr[-4000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["probe"] == 3
    assert got["counts"] == counts
    assert "Launching executor" in (tmp_path / "master.log").read_text()


def test_spark_connect_remote(spark_home, data, tmp_path):
    pytest.importorskip("grpc", reason="Spark Connect needs grpcio (the [spark] extra)")
    if not list((spark_home / "jars").glob("spark-connect_*.jar")):
        pytest.skip("this pyspark ships no Spark Connect server jar")
    parquet, duck, _ = data
    port = free_port()
    env = spark_env(SPARK_HOME=str(spark_home))
    server = start(
        [str(spark_home / "bin" / "spark-submit"), "--class",
         "org.apache.spark.sql.connect.service.SparkConnectServer", "--master", "local[1]",
         "--conf", f"spark.connect.grpc.binding.port={port}",
         "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
         "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1"],
        tmp_path / "connect.log",
        env,
    )  # fmt: skip
    try:
        wait_for_port(port, server, tmp_path / "connect.log")
        spark = _score(parquet, tmp_path, "--spark-remote", f"sc://127.0.0.1:{port}")
    finally:
        stop(server)
    assert_same_table(duck, spark)
