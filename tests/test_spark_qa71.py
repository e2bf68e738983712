"""The pyspark backend beyond ``score``: what the commands and the Python API give on a Parquet export, against the
same workspace on DuckDB. One local Spark session serves the module (``getOrCreate``)."""

from __future__ import annotations

import csv
import datetime as dt
import os

import pyarrow as pa
import pytest

from tribescope.niche import inner_circle
from tribescope.store import connect

try:
    from ._score_fixtures import BAKERY_COMMENTS, T0, comment
    from ._score_fixtures import insert as _put
    from ._spark_fixtures import require_spark
except ImportError:  # run as top-level modules (pytest's rootdir on sys.path)
    from _score_fixtures import BAKERY_COMMENTS, T0, comment  # type: ignore[no-redef]
    from _score_fixtures import insert as _put  # type: ignore[no-redef]
    from _spark_fixtures import require_spark  # type: ignore[no-redef]

pytestmark = [pytest.mark.spark, pytest.mark.slow]

UTC = pa.timestamp("us", "UTC")


@pytest.fixture(scope="module")
def spark_available():
    require_spark()


@pytest.fixture
def both(spark_available, ws, tmp_path):
    """The bakery thread (creator ``cre``, two posts, ten comments) on DuckDB and, exported, on pyspark."""
    _put(
        ws,
        "posts",
        [
            {"platform": "instagram", "post_id": p, "creator_id": "cre", "created_at": T0, "likes": 10}
            for p in ("p1", "p2")
        ],
    )
    _put(
        ws,
        "accounts",
        [{"platform": "instagram", "account_id": "cre", "username": "cre", "followers": 1000}],
    )
    _put(ws, "comments", BAKERY_COMMENTS)
    return ws, connect(ws.export_parquet(tmp_path / "pq"), backend="pyspark")


def test_spark_results_carry_the_utc_zone_as_duckdbs_do(both):
    """Spark returned the workspace's timestamps as UTC wall time without a zone: ``to_pyarrow()`` had
    ``timestamp[us]`` where DuckDB has ``timestamp[us, tz=UTC]``, ``to_pandas()`` naive datetimes, and ``circle``'s
    first_seen / last_seen (and so ``circle --out``) lost their ``+00:00``."""
    duck, spark = both
    for w in (duck, spark):
        c = w.table("comments")
        got = c.select("comment_id", "created_at").order_by("comment_id").to_pyarrow()
        assert got.schema.field("created_at").type == UTC, w.backend
        assert got.column("created_at")[0].as_py() == T0 + dt.timedelta(minutes=10)  # c1, an aware instant
        assert str(c.created_at.to_pyarrow().type) == "timestamp[us, tz=UTC]", w.backend
        df = c.select("created_at").to_pandas()
        assert str(df["created_at"].dt.tz) == "UTC", w.backend
        assert c.created_at.max().execute() == max(x["created_at"] for x in BAKERY_COMMENTS), w.backend
        batches = c.select("created_at").to_pyarrow_batches()
        assert batches.schema.field("created_at").type == UTC, w.backend
        assert sum(b.num_rows for b in batches) == len(BAKERY_COMMENTS)
    d, s = (inner_circle(w, ("instagram", "cre")) for w in both)
    assert s.schema == d.schema
    assert (
        s.select(["member_id", "first_seen", "last_seen"]).to_pylist()
        == d.select(["member_id", "first_seen", "last_seen"]).to_pylist()
    )
    alice = next(r for r in s.to_pylist() if r["member_id"] == "alice")
    assert alice["first_seen"] == T0 + dt.timedelta(minutes=10)


def test_an_unscored_export_says_how_to_get_scores_on_spark(both):
    """An export written before ``tribescope score`` holds no scores, and ``tribescope score`` on pyspark stores none:
    ``status``, ``plan`` (and the report's note) told the user to run `tribescope score`, which changed nothing."""
    from typer.testing import CliRunner

    from tribescope.campaigns import plan_budget
    from tribescope.cli import app
    from tribescope.errors import WorkspaceError

    duck, spark = both
    want = "score the DuckDB workspace, then export it again"
    notes = plan_budget(spark, 1000.0).summary["notes"]
    assert any(want in n and "default tier priors" in n for n in notes), notes
    assert any("(run `tribescope score`)" in n for n in plan_budget(duck, 1000.0).summary["notes"])
    with pytest.raises(WorkspaceError, match=want):
        spark.table("creator_scores")
    r = CliRunner().invoke(app, ["-w", os.fspath(spark.location), "--backend", "pyspark", "status"])
    assert r.exit_code == 0, r.output
    flat = " ".join(r.output.split())
    assert "creator scores: none in this export" in flat and want in flat, flat
    assert "`tribescope score` scores every creator" not in flat


def test_circle_out_writes_the_zone_on_spark(both, tmp_path):
    from typer.testing import CliRunner

    from tribescope.cli import app

    _, spark = both
    out = tmp_path / "circle.csv"
    r = CliRunner().invoke(
        app,
        ["-w", os.fspath(spark.location), "--backend", "pyspark", "circle", "cre", "--out", os.fspath(out)],
    )
    assert r.exit_code == 0, r.output
    with out.open(encoding="utf-8") as f:
        rows = {x["member_id"]: x for x in csv.DictReader(f)}
    assert rows["alice"]["first_seen"] == "2024-01-01T12:10:00+00:00"


def test_the_duckdb_caches_an_export_copies_are_not_opened_on_spark(spark_available, ws, tmp_path):
    """``export`` copies the DuckDB workspace's own state (``_score_cache_*``, ``_comment_features_state``); Spark
    takes a folder named ``_…`` for a hidden one: opening the export logged "All paths were ignored" for each and
    registered an empty view in its name. The tables beside them open as before."""
    _put(ws, "comments", BAKERY_COMMENTS)
    ws.write_table("_score_cache_state", pa.table({"stage": ["reach"], "creator_id": ["cre"]}))
    ws.write_table("_comment_features_state", pa.table({"signature": ["10:1"], "model_version": ["v"]}))
    pq = ws.export_parquet(tmp_path / "pq")
    assert (pq / "_score_cache_state" / "part-0.parquet").is_file()  # exported, as every table is
    sw = connect(pq, backend="pyspark")
    tables = set(sw.list_tables())
    assert not {"_score_cache_state", "_comment_features_state"} & tables, tables
    assert {"comments", "posts", "accounts"} <= tables
    assert sw.table("comments").count().execute() == len(BAKERY_COMMENTS)


def test_float_literals_are_doubles_on_spark_as_on_duckdb(both):
    """Spark SQL reads ``13.0`` as ``DECIMAL(3,1)``: a whole number over it was a decimal division rounded to 6
    decimals (``3 / 13.0`` = 0.230769), where DuckDB divides in double. ``inner_circle``'s decay ``0.5 ^ (weeks /
    13.0)`` gave love 4e-8 off DuckDB's, and members tied on DuckDB came out in another order."""
    import ibis

    duck, spark = both
    t = ibis.memtable({"n": [1, 3, 7, 250]})
    expr = t.select(
        "n", q=t.n / 13.0, g=ibis.greatest(t.n, 0.0) / 13.0, p=ibis.literal(0.5).pow(t.n / 13.0)
    ).order_by("n")
    want = duck.con.to_pyarrow(expr).to_pylist()
    assert want[1]["q"] == 3 / 13 and want[1]["p"] == 0.5 ** (3 / 13)
    got = spark.con.to_pyarrow(expr).to_pylist()
    assert [(r["n"], r["q"], r["g"]) for r in got] == [
        (r["n"], r["q"], r["g"]) for r in want
    ]  # IEEE division
    assert [r["p"] for r in got] == pytest.approx([r["p"] for r in want], rel=1e-14)  # two libms' pow
    # two members active in the same weeks, 0 to 5 weeks before the last: tied on both engines, same love
    weeks = [0, 1, 3, 5]
    extra = [
        comment(f"w{who}{k}", "p2", who, "still baking every week", 60 * 24 * 7 * k + i)
        for k in weeks
        for i, who in enumerate(("gus", "hal"))
    ]
    _put(duck, "comments", extra)
    sw = connect(duck.export_parquet(duck.path.parent / "pq2"), backend="pyspark")
    d, s = (
        {r["member_id"]: r for r in inner_circle(w, ("instagram", "cre")).to_pylist()} for w in (duck, sw)
    )
    love = sum(0.5 ** ((5 - k) / 13.0) for k in weeks)
    assert d["gus"]["love"] == pytest.approx(love, rel=1e-14) and s["gus"]["love"] == pytest.approx(
        love, rel=1e-14
    )
    assert s.keys() == d.keys()
    for m in d:
        assert s[m]["love"] == pytest.approx(d[m]["love"], rel=1e-14), m


def test_a_workspace_opened_later_in_the_session_does_not_see_an_earlier_ones_tables(
    spark_available, tmp_path
):
    """Spark hands the one session of a process to every ``connect``: a second export opened after one with scores
    listed the first one's ``creator_scores`` view as its own (``plan`` calibrated on the other workspace's
    campaigns; a notebook's second workspace read the first one's scores). Its own tables only, now."""

    first = connect(tmp_path / "a.duckdb")
    _put(first, "posts", [{"platform": "instagram", "post_id": "p1", "creator_id": "cre", "created_at": T0}])
    first.duck.execute(
        "CREATE TABLE creator_scores AS SELECT 'instagram' AS platform, 'cre' AS creator_id, 50.0 AS community_score"
    )
    second = connect(tmp_path / "b.duckdb")
    _put(second, "posts", [{"platform": "instagram", "post_id": "p9", "creator_id": "zed", "created_at": T0}])
    a = connect(first.export_parquet(tmp_path / "pa"), backend="pyspark")
    assert a.has_table("creator_scores")
    b = connect(second.export_parquet(tmp_path / "pb"), backend="pyspark")
    assert not b.has_table("creator_scores")
    assert b.table("posts").to_pyarrow()["creator_id"].to_pylist() == ["zed"]
