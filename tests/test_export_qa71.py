"""``tribescope export --parquet``: every table back as it was stored, and a folder reached through a symbolic link."""

from __future__ import annotations

import datetime as dt
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tribescope.cli import app

try:
    from ._score_fixtures import BAKERY_COMMENTS
    from ._score_fixtures import insert as _put
except ImportError:  # run as top-level modules (pytest's rootdir on sys.path)
    from _score_fixtures import BAKERY_COMMENTS  # type: ignore[no-redef]
    from _score_fixtures import insert as _put  # type: ignore[no-redef]

T = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def filled(ws):
    _put(
        ws,
        "posts",
        [
            {
                "platform": "instagram",
                "post_id": "p1",
                "creator_id": "cre",
                "created_at": T,
                "hashtags": ["bread", "baking"],
                "mentions": [],
                "likes": 12,
            }
        ],
    )
    _put(ws, "comments", BAKERY_COMMENTS)
    ws.write_table("creator_scores", pa.table({"platform": ["instagram"], "creator_id": ["cre"], "x": [1.5]}))
    return ws


def test_export_round_trips_every_table_with_its_types(filled, tmp_path):
    out = filled.export_parquet(tmp_path / "pq")
    names = sorted(d.name for d in out.iterdir())
    assert names == sorted(filled.list_tables())
    for name in names:
        stored = filled.table(name).to_pyarrow()
        back = pq.read_table(out / name / "part-0.parquet")
        assert back.schema == stored.schema, name
        assert back.equals(stored), name
    posts = pq.read_table(out / "posts" / "part-0.parquet")
    assert posts.schema.field("created_at").type == pa.timestamp("us", "UTC")
    assert posts.schema.field("hashtags").type == pa.list_(pa.string())
    assert posts.to_pylist()[0]["hashtags"] == ["bread", "baking"]
    assert posts.to_pylist()[0]["created_at"] == T


def test_export_into_a_symbolic_link_writes_where_it_points(filled, tmp_path):
    """``ws-parquet`` a link to a mounted volume: the export replaced the link by a folder of that name (the volume
    left as it was, a ``.ws-parquet.old`` link beside it), and the next export failed with a traceback
    (NotADirectoryError)."""
    target = tmp_path / "volume" / "ws"
    target.mkdir(parents=True)
    link = tmp_path / "ws-parquet"
    link.symlink_to(target, target_is_directory=True)
    w = os.fspath(filled.path)
    filled.close()
    for _ in range(2):  # an export, then a re-export over it
        r = CliRunner().invoke(app, ["-w", w, "export", "--parquet", os.fspath(link)])
        assert r.exit_code == 0, r.output
        assert link.is_symlink() and link.resolve() == target.resolve()
        assert pq.read_table(target / "comments" / "part-0.parquet").num_rows == len(BAKERY_COMMENTS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["volume", "ws-parquet", "ws.duckdb"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["ws"]  # no partial or old copy left


def test_export_of_a_pyspark_workspace_says_to_export_the_duckdb_file(tmp_path):
    """``--backend pyspark export`` said "writing needs the duckdb backend; this workspace is pyspark" (export writes
    nothing into the workspace); it says what export reads and what to run."""
    from tribescope.errors import WorkspaceError
    from tribescope.store import Workspace

    sw = Workspace(None, "pyspark", tmp_path / "pq", read_only=True)  # no session needed to refuse
    with pytest.raises(
        WorkspaceError, match=r"export writes a DuckDB workspace as Parquet; .*pq is a pyspark"
    ) as e:
        sw.export_parquet(tmp_path / "again")
    assert "--workspace FILE.duckdb export --parquet DIR" in str(e.value)
    assert not (tmp_path / "again").exists()
