"""The dashboard reads campaigns and engagement as the library does: a campaign of one brand is marked by that
brand's stored words only (not another stored brand's), and per-post engagement is the metrics' one definition
(:func:`tribescope.metrics.post_engagement`)."""

from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from tribescope.web import create_app
from tribescope.web._data import clear_cache

try:  # tests/ may or may not be a package
    from ._score_fixtures import insert as put
    from ._score_fixtures import two_brands
    from .test_campaigns_hunt import PLAN
except ImportError:
    from _score_fixtures import insert as put  # type: ignore[no-redef]
    from _score_fixtures import two_brands  # type: ignore[no-redef]
    from test_campaigns_hunt import PLAN  # type: ignore[no-redef]

BASE = "http://127.0.0.1"


def _api(path, url: str):
    clear_cache()  # results are cached per workspace path; each test builds its own
    with TestClient(create_app(path), base_url=BASE) as c:
        try:
            return c.get(url).json()
        finally:
            c.app.state.store.close()


def test_the_dashboard_marks_a_campaign_by_its_own_brands_words_only(tmp_path):
    """Two stored brands, Acme and Lumera. During Acme's campaign alice posts about Lumera (no code, no link): the
    dashboard counted it as an Acme campaign post (9,000 views of it in Acme's impressions), since it flattened the
    stored terms into one list and so lost which brand each word belongs to. The CLI and library did not."""
    from tribescope.brand._text import stored_brand_terms
    from tribescope.campaigns import campaign_report, import_campaign
    from tribescope.store import connect

    path = tmp_path / "ws.duckdb"
    ws = connect(path)
    try:
        two_brands(ws)
        t = dt.datetime(2026, 4, 3, 12, tzinfo=dt.UTC)
        put(
            ws,
            "posts",
            [
                {"platform": "instagram", "post_id": "a1", "creator_id": "alice", "created_at": t,
                 "caption": "my new Lumera serum routine", "likes": 500, "views": 9_000},
                {"platform": "instagram", "post_id": "a2", "creator_id": "alice", "created_at": t,
                 "caption": "my anvil is here", "likes": 100, "views": 1_000},
                {"platform": "instagram", "post_id": "b1", "creator_id": "bob", "created_at": t,
                 "caption": "thanks @acmeco", "likes": 40, "views": 400},
            ],
        )  # fmt: skip
        (tmp_path / "plan.csv").write_text(PLAN)
        import_campaign(ws, plan=tmp_path / "plan.csv")
        lib = (
            campaign_report(ws, brand_terms=stored_brand_terms(ws))
            .creators.to_pandas()
            .set_index("creator_id")
        )
    finally:
        ws.close()
    assert lib.loc["alice", ["posts", "impressions"]].tolist() == [1, 1_000.0]
    rows = {r["creator_id"]: r for r in _api(path, "/api/campaigns")["items"]}
    assert (rows["alice"]["posts"], rows["alice"]["impressions"]) == (1, 1_000.0)  # a2 only, not a1's 9,000
    assert (rows["bob"]["posts"], rows["bob"]["impressions"]) == (1, 400.0)
    assert rows["alice"]["emv"] == pytest.approx(lib.loc["alice", "emv"])


def test_the_sponsored_vs_organic_split_uses_the_metrics_per_post_engagement(tmp_path):
    """Per post, engagement is the metrics' definition (post_engagement): likes + comments, where comments are the
    platform's comments_count, else the comment rows under the post; a post whose likes are unknown has no
    engagement (unknown, not its comments alone). The dashboard used likes + (comments_count or 0): o1 (100 likes,
    no count, 3 comment rows) read 100, not 103, and o2 (likes hidden, 5 comments) read 5, pulling the organic
    median to 52.5."""
    from tribescope.metrics import post_engagement
    from tribescope.store import connect

    path = tmp_path / "ws.duckdb"
    ws = connect(path)
    t = dt.datetime(2026, 4, 3, 12, tzinfo=dt.UTC)
    try:
        put(
            ws,
            "accounts",
            [{"platform": "instagram", "account_id": "cara", "username": "cara", "followers": 1_000}],
        )
        put(
            ws,
            "posts",
            [
                {"platform": "instagram", "post_id": "o1", "creator_id": "cara", "created_at": t,
                 "caption": "sunday bake", "likes": 100, "comments_count": None},
                {"platform": "instagram", "post_id": "o2", "creator_id": "cara", "created_at": t,
                 "caption": "rye again", "likes": None, "comments_count": 5},
                {"platform": "instagram", "post_id": "s1", "creator_id": "cara", "created_at": t,
                 "caption": "new flour #ad", "likes": 50, "comments_count": 2},
            ],
        )  # fmt: skip
        put(
            ws,
            "comments",
            [
                {"platform": "instagram", "comment_id": f"c{i}", "post_id": "o1", "author_id": f"u{i}",
                 "author_name": f"u{i}", "created_at": t, "text": "lovely"}
                for i in range(3)
            ],
        )  # fmt: skip
        pe = post_engagement(ws.table("posts"), ws.table("accounts"), ws.table("comments")).to_pyarrow()
        er = {r["post_id"]: r["er"] for r in pe.to_pylist()}
    finally:
        ws.close()
    assert er == {"o1": pytest.approx(0.103), "o2": None, "s1": pytest.approx(0.052)}
    j = _api(path, "/api/creators/instagram/cara")
    split = {r["kind"]: r for r in j["sponsored"]["data"]}
    assert split["organic"]["posts"] == 2 and split["sponsored"]["posts"] == 1
    assert split["organic"]["median_engagement"] == 103.0  # o1 only: o2's likes are unknown
    assert split["sponsored"]["median_engagement"] == 52.0
    assert split["organic"]["median_er"] == pytest.approx(
        0.103
    )  # the score's sponsored_er_ratio reads this ER
    assert split["sponsored"]["median_er"] == pytest.approx(0.052)
    posts = {p["post_id"]: p for p in j["posts"]}
    assert (posts["o1"]["engagement"], posts["o2"]["engagement"], posts["s1"]["engagement"]) == (
        103,
        None,
        52,
    )
