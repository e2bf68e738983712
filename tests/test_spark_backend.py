"""The PySpark backend: the same canonical tables from Parquet, and the full scoring pipeline (metrics, models
applied in the engine, graph reductions, the niche classifier and pods on the driver) giving DuckDB's results.

One local Spark session serves the whole module (``getOrCreate``); the pipeline runs once in a fixture.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import ibis
import pytest

from tribescope.ingest import import_paths
from tribescope.score import score_creators
from tribescope.score._enrich import ENRICHMENTS, enrich
from tribescope.store import connect
from tribescope.store._workspace import DERIVED_DIR

try:
    from ._spark_fixtures import assert_same_table, require_spark
    from ._web_fixtures import pipeline_workspace
except ImportError:  # run as top-level modules (pytest's rootdir on sys.path)
    from _spark_fixtures import assert_same_table, require_spark  # type: ignore[no-redef]
    from _web_fixtures import pipeline_workspace  # type: ignore[no-redef]

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark_available():
    require_spark()


def _files(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() and DERIVED_DIR not in p.parts
    }


@pytest.fixture(scope="module")
def pipeline(spark_available, tmp_path_factory):
    """synth xs (seed 1) → DuckDB → Parquet; then the full pipeline on each backend."""
    src = pipeline_workspace(tmp_path_factory)
    ws = connect(src)
    pq = ws.export_parquet(src.parent / "parquet")  # before DuckDB's models: Spark must compute its own
    before = _files(pq)
    duck_counts = enrich(ws)
    duck = score_creators(ws, write=False)
    duck_models = {n: ws.table(n).to_pyarrow() for n in ENRICHMENTS}
    ws.close()
    sw = connect(pq, backend="pyspark")
    spark_counts = enrich(sw)
    spark = score_creators(sw, write=False)
    spark_models = {n: sw.table(n).to_pyarrow() for n in ENRICHMENTS}
    return SimpleNamespace(
        src=src,
        pq=pq,
        before=before,
        duck=duck,
        spark=spark,
        duck_counts=duck_counts,
        spark_counts=spark_counts,
        duck_models=duck_models,
        spark_models=spark_models,
    )


def test_enrichment_tables_equal_duckdb(pipeline):
    assert pipeline.spark_counts == pipeline.duck_counts
    assert set(pipeline.spark_counts) == set(ENRICHMENTS)
    for name in ENRICHMENTS:
        assert_same_table(pipeline.duck_models[name], pipeline.spark_models[name])


def test_full_pipeline_scores_equal_duckdb(pipeline):
    duck, spark = pipeline.duck, pipeline.spark
    assert spark.column_names == duck.column_names
    for c in ("comment_authenticity", "authentic_er", "pod_share", "niche_category", "niche_confidence"):
        assert c in spark.column_names
        assert spark[c].null_count < spark.num_rows, f"{c} is empty: the models did not run on Spark"
    assert_same_table(duck, spark)


def test_models_go_to_a_derived_folder_and_the_export_is_untouched(pipeline):
    pq = pipeline.pq
    assert _files(pq) == pipeline.before
    for name in ENRICHMENTS:
        assert not (pq / name).exists()
        assert any((pq / DERIVED_DIR / name).glob("*.parquet"))
    again = connect(pq, backend="pyspark")  # a later session (`score --no-models`, `explain`) sees them
    assert set(ENRICHMENTS) <= set(again.list_tables())
    assert again.table("creator_niches").count().execute() == pipeline.spark_counts["creator_niches"]


def _same(a, b, where="explain"):
    """``a == b`` for nested dicts and lists, floats within 1e-6 (relative)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert isinstance(b, list | tuple) and len(a) == len(b), (where, a, b)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert b == pytest.approx(a, rel=1e-6, abs=1e-9, nan_ok=True), where
    else:
        assert a == b, (where, a, b)


def test_explain_on_spark_gives_duckdbs_components_and_evidence(pipeline):
    """`explain` (the CLI command, the dashboard's evidence, `report --evidence`) of the creator whose followers talk
    to each other most: the same components, points and evidence — example conversations quoted, returning
    commenters, sponsored posts — from the Parquet export on Spark as from the DuckDB workspace."""
    from tribescope.score import explain

    duck = pipeline.duck.to_pylist()
    top = max(duck, key=lambda r: (r["interacting_commenter_share"] or 0.0, r["creator_id"]))
    who = f"{top['platform']}:{top['creator_id']}"
    ws = connect(pipeline.src, read_only=True)
    try:
        d = explain(ws, who)
    finally:
        ws.close()
    s = explain(connect(pipeline.pq, backend="pyspark"), who)
    assert d["evidence"]["conversations"], "the creator chosen has no conversation to quote"
    assert d["evidence"]["returning_commenters"]
    _same(d, s)


def test_strip_trims_whitespace_like_duckdb(spark_available, tmp_path):
    # ibis 12 compiles strip() for Spark as TRIM(' \t\n\r\v\f' FROM s): the letters f and v went too.
    t = ibis.memtable({"s": [" #spf \t", "fv\n", "\x0bvif\x0c", None]})
    expr = t.select(a=t.s.strip(), l=t.s.lstrip(), r=t.s.rstrip())
    sw = connect(tmp_path, backend="pyspark")  # an empty folder: no tables, just the session
    assert sw.con.to_pyarrow(expr).to_pylist() == ibis.duckdb.connect().to_pyarrow(expr).to_pylist()


def test_pyspark_reads_exported_workspace(spark_available, ws, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text("account_id,username,followers\n1,ann,100\n2,ben,2500\n")
    import_paths(ws, [f], options={"platform": "instagram"})
    out = ws.export_parquet(tmp_path / "pq")
    sw = connect(out, backend="pyspark")
    t = sw.table("accounts")
    assert set(t.columns) >= {"platform", "account_id", "followers"}
    total = t.aggregate(n=t.count(), f=t.followers.sum()).to_pyarrow().to_pylist()[0]
    assert (total["n"], total["f"]) == (2, 2600)
    assert sw.counts()["accounts"] == 2
