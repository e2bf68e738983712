"""Column types of the score table ``creator_scores``: counts are stored as whole numbers (BIGINT, nullable) whatever
the data, so every reader — the API's JSON, the CLI's table and ``--out`` files, the report — sees integers.

Before, the score frame went through pandas, where an integer column with a missing value (a creator without an
``accounts`` row, without a linked space, …) becomes float: ``creator_scores`` then stored ``followers`` as DOUBLE and
``/api/creators`` answered ``124979.0``."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from tribescope.score import score_creators
from tribescope.score._spec import COUNT_COLUMNS
from tribescope.store import connect

try:  # the tests folder may or may not be a package
    from ._score_fixtures import T0, bakery, comment, insert
except ImportError:
    from _score_fixtures import T0, bakery, comment, insert  # type: ignore[no-redef]

#: every count the score table carries (besides COUNT_COLUMNS, those that were BIGINT only when no creator lacked them)
COUNTS = COUNT_COLUMNS | {
    "n_posts",
    "n_posts_er",
    "n_comments",
    "n_follower_comments",
    "n_commenters",
    "n_posts_with_comments",
    "n_hashtag_uses",
    "n_hashtags",
    "n_sponsored",
}


def _with_an_unknown_creator(ws):
    """The bakery (creator ``cre``, 4,000 followers) and a creator ``ghost`` whose account was never imported: its
    ``followers`` are unknown (null), so pandas turns the column into floats."""
    bakery(ws)
    insert(ws, "posts", [{"platform": "instagram", "post_id": "g1", "creator_id": "ghost", "created_at": T0}])
    insert(ws, "comments", [comment("g1c1", "g1", "alice", "lovely photo of the lake", 5)])
    return ws


def _types(ws) -> dict[str, str]:
    return dict(
        ws.duck.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'creator_scores'"
        ).fetchall()
    )


def test_counts_are_stored_as_bigint_with_nulls_for_unknown(ws):
    tbl = score_creators(_with_an_unknown_creator(ws))
    types = _types(ws)
    have = COUNTS & set(types)
    assert {
        "followers",
        "following",
        "n_pairs",
        "graph_nodes",
        "community_members",
        "audience_profiles",
    } <= have
    assert {c: types[c] for c in have if types[c] != "BIGINT"} == {}
    assert {c: str(tbl.schema.field(c).type) for c in have if tbl.schema.field(c).type != pa.int64()} == {}
    rows = {r["creator_id"]: r for r in tbl.to_pylist()}
    assert rows["cre"]["followers"] == 4000 and type(rows["cre"]["followers"]) is int
    assert rows["ghost"]["followers"] is None and rows["ghost"]["following"] is None
    assert rows["cre"]["community_members"] is None  # no linked space: unknown, not 0
    # shares and rates stay floats
    assert types["er_median"] == "DOUBLE" and types["community_score"] == "DOUBLE"


def test_an_old_score_table_with_double_counts_is_replaced_by_a_rescore(ws):
    _with_an_unknown_creator(ws)
    first = score_creators(ws)
    # what an older tribescope stored: counts as DOUBLE
    cols = ", ".join(
        f'"{c}"::DOUBLE AS "{c}"' if c in COUNT_COLUMNS else f'"{c}"' for c in first.column_names
    )
    ws.duck.execute(f"CREATE OR REPLACE TABLE creator_scores AS SELECT {cols} FROM creator_scores")
    assert _types(ws)["followers"] == "DOUBLE"
    again = score_creators(ws)
    assert _types(ws)["followers"] == "BIGINT"
    assert again.equals(first)
    stored = ws.duck.execute("SELECT * FROM creator_scores").to_arrow_table()
    assert stored.select(["creator_id", "followers"]).equals(first.select(["creator_id", "followers"]))


def test_api_json_gives_counts_as_integers(tmp_path):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from tribescope.web import create_app

    path = tmp_path / "ws.duckdb"
    w = connect(path)
    try:
        score_creators(_with_an_unknown_creator(w))
    finally:
        w.close()
    with TestClient(create_app(path), base_url="http://127.0.0.1") as client:
        r = client.get("/api/creators")
        assert r.status_code == 200
        items = {x["creator_id"]: x for x in r.json()["items"]}
        cre = items["cre"]
        assert type(cre["followers"]) is int and cre["followers"] == 4000
        assert type(cre["following"]) is int and cre["following"] == 300
        assert items["ghost"]["followers"] is None
        assert '"followers":4000,' in r.text.replace(" ", "")
        one = client.get("/api/creators/instagram/cre").json()
        assert json.dumps(one["creator"]["followers"]) == "4000"
