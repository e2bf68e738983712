"""A workspace moved to another machine: ``tribescope export --parquet DIR`` imported into a new workspace gives the
same data (every data table's rows, ``status`` counts) and, scored again, the same scores; the export's import log and
derived tables are recognised and not imported, with notes saying so."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from tribescope import schema
from tribescope.ingest import import_paths

try:  # tests/ may or may not be a package
    from ._score_fixtures import assert_same_rows, run_cli, scored_synth_path
except ImportError:
    from _score_fixtures import assert_same_rows, run_cli, scored_synth_path  # type: ignore[no-redef]


def _data(path: str, table: str) -> pa.Table:
    import duckdb

    con = duckdb.connect(path, read_only=True)
    try:
        t = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetch_arrow_table()
        return t.drop_columns(["import_id"]) if "import_id" in t.column_names else t
    finally:
        con.close()


def test_parquet_export_reimported_gives_the_same_data_and_scores(tmp_path):
    src = scored_synth_path(tmp_path / "a", 1)
    out = tmp_path / "export"
    code, text, err = run_cli(src, "export", "--parquet", str(out))
    assert code == 0, text + err
    assert (out / "imports" / "part-0.parquet").is_file() and (
        out / "creator_scores" / "part-0.parquet"
    ).is_file()

    dst = str(tmp_path / "b.duckdb")
    code, text, err = run_cli(dst, "import", str(out))
    assert code == 0, text + err
    assert "imports and rejects of a tribescope export not imported" in text
    assert "derived tables of a tribescope export not imported (comment_features, creator_" in text
    for table in schema.DATA_TABLES:
        assert_same_rows(_data(src, table), _data(dst, table), table)
    # the new workspace logs the five data files it read, and quarantined nothing
    import duckdb

    con = duckdb.connect(dst, read_only=True)
    try:
        assert con.execute("SELECT count(*), sum(rejected) FROM imports").fetchone() == (5, 0)
    finally:
        con.close()

    code, text, err = run_cli(dst, "score")
    assert code == 0, text + err
    assert_same_rows(_data(src, "creator_scores"), _data(dst, "creator_scores"), "creator_scores")


def test_parquet_text_keeps_its_spaces_and_csv_cells_are_trimmed(ws, tmp_path):
    cols = {
        "platform": ["youtube"],
        "post_id": ["v1"],
        "creator_id": ["UCa"],
        "caption": ["My packing list. "],
    }
    pq.write_table(pa.table(cols), tmp_path / "posts.parquet")
    (tmp_path / "more.csv").write_text(
        "platform,post_id,creator_id,caption\nyoutube,v2,UCa,  Padded cell  \n"
    )
    import_paths(ws, [tmp_path / "posts.parquet", tmp_path / "more.csv"])
    got = dict(ws.duck.execute("SELECT post_id, caption FROM posts").fetchall())
    assert got == {"v1": "My packing list. ", "v2": "Padded cell"}
