"""Where the pyspark backend runs: master URL, Spark Connect address, settings (no JVM needed)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tribescope.cli import app
from tribescope.cli._app import state
from tribescope.errors import WorkspaceError
from tribescope.store._workspace import SparkOptions, parse_spark_conf


@pytest.fixture(autouse=True)
def _no_spark_env(monkeypatch):
    for var in ("TRIBESCOPE_SPARK_MASTER", "TRIBESCOPE_SPARK_REMOTE", "TRIBESCOPE_SPARK_CONF"):
        monkeypatch.delenv(var, raising=False)


def test_defaults_run_locally():
    o = SparkOptions.resolve()
    assert (o.master, o.remote, o.conf, o.local) == (None, None, (), True)


@pytest.mark.parametrize(
    ("master", "local"),
    [("local[4]", True), ("local-cluster[1,1,1024]", True), ("spark://h:7077", False), ("yarn", False)],
)
def test_master_urls(master, local):
    o = SparkOptions.resolve(master=master)
    assert (o.master, o.remote, o.local) == (master, None, local)


def test_sc_master_is_a_connect_address():
    o = SparkOptions.resolve(master="sc://h:15002")
    assert (o.master, o.remote, o.local) == (None, "sc://h:15002", False)


def test_environment_is_the_fallback(monkeypatch):
    monkeypatch.setenv("TRIBESCOPE_SPARK_REMOTE", "sc://env:15002")
    assert SparkOptions.resolve().remote == "sc://env:15002"
    assert SparkOptions.resolve(master="local[1]") == SparkOptions("local[1]", None, ())


def test_master_and_remote_together_is_an_error():
    with pytest.raises(WorkspaceError, match="not both"):
        SparkOptions.resolve(master="spark://h:7077", remote="sc://h:15002")
    with pytest.raises(WorkspaceError, match="sc://"):
        SparkOptions.resolve(remote="h:15002")


def test_conf_pairs():
    assert parse_spark_conf(["spark.executor.memory=4g", " a.b = x=y "]) == (
        ("spark.executor.memory", "4g"),
        ("a.b", "x=y"),
    )
    assert SparkOptions.resolve(conf={"k": 1}).conf == (("k", "1"),)
    with pytest.raises(WorkspaceError, match="KEY=VALUE"):
        parse_spark_conf(["spark.executor.memory"])


def test_cli_global_options_reach_the_workspace(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIBESCOPE_SPARK_CONF", "spark.a=1 spark.b=2")
    r = CliRunner().invoke(
        app, ["--backend", "pyspark", "--spark-master", "local[3]", "-w", str(tmp_path), "formats"]
    )
    assert r.exit_code == 0, r.output
    assert (state.backend, state.master, state.remote) == ("pyspark", "local[3]", None)
    assert state.spark_conf == (("spark.a", "1"), ("spark.b", "2"))
    r = CliRunner().invoke(app, ["--spark-remote", "sc://h:1", "--spark-conf", "x", "formats"])
    assert r.exit_code == 2
    assert "KEY=VALUE" in r.output
