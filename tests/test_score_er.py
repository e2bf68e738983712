"""One engagement rate: the brand-deal ``sponsored_er_ratio`` compares the per-post ER of ``er_median``
(:func:`tribescope.metrics.post_engagement`: ``(likes + comments) / followers``, comments = the platform's
``comments_count``, else the comment rows imported under the post, else 0).

Before, ``brand_deals`` computed its own ER with a missing ``comments_count`` counting 0, so a post whose comments
were imported as rows (a Reddit or YouTube export without counts) had a lower ER there than in ``er_median``."""

from __future__ import annotations

import pytest

from tribescope import metrics as M
from tribescope.score import score_creators

try:  # the tests folder may or may not be a package
    from ._score_fixtures import T0, comment, insert
except ImportError:
    from _score_fixtures import T0, comment, insert  # type: ignore[no-redef]


def _post(pid: str, likes: int | None, count: int | None, caption: str) -> dict:
    return {
        "platform": "instagram",
        "post_id": pid,
        "creator_id": "k",
        "created_at": T0,
        "likes": likes,
        "comments_count": count,
        "caption": caption,
        "hashtags": ["ad"] if "#ad" in caption else [],
        "mentions": [],
        "tagged_users": [],
    }


@pytest.fixture
def kws(ws):
    """Creator k, 1,000 followers.

    * s1, sponsored (#ad): 50 likes, no comments_count, 10 comment rows → ER (50 + 10) / 1000 = 0.06
    * s2, sponsored (#ad): 30 likes, comments_count 10 → 0.04
    * o1: 80 likes, comments_count 20 → 0.10
    * o2: 100 likes, no comments_count, no rows → 0.10
    * o3: likes hidden (unknown), 5 comment rows → no ER

    Sponsored median ER 0.05, organic 0.10 → sponsored_er_ratio 0.5; er_median over s1, s2, o1, o2 = 0.08.
    (Counting the missing comments_count as 0 gave s1 0.05, a sponsored median of 0.045 and a ratio of 0.45.)"""
    insert(
        ws,
        "posts",
        [
            _post("s1", 50, None, "New blender #ad"),
            _post("s2", 30, 10, "Partnered with acme #ad"),
            _post("o1", 80, 20, "Morning run"),
            _post("o2", 100, None, "Evening swim"),
            _post("o3", None, None, "Rest day"),
        ],
    )
    insert(ws, "accounts", [{"platform": "instagram", "account_id": "k", "username": "k", "followers": 1000}])
    rows = [comment(f"s1c{i}", "s1", f"fan{i}", "looks great", i) for i in range(10)]
    rows += [comment(f"o3c{i}", "o3", f"fan{i}", "nice rest", i) for i in range(5)]
    insert(ws, "comments", rows)
    return ws


def _one(expr) -> dict:
    (row,) = expr.to_pyarrow().to_pylist()
    return row


def test_sponsored_er_ratio_uses_the_main_er(kws):
    P, A, C = kws.table("posts"), kws.table("accounts"), kws.table("comments")
    e = _one(M.engagement(P, A, C))
    assert e["n_posts_er"] == 4
    assert e["er_median"] == pytest.approx(0.08)
    b = _one(M.brand_deals(P, A, C))
    assert b["n_sponsored"] == 2
    assert b["sponsored_er_ratio"] == pytest.approx(0.05 / 0.10)
    # the same ER: er_median of the sponsored posts alone / of the others
    sp = _one(M.engagement(P.filter(P.post_id.startswith("s")), A, C))["er_median"]
    org = _one(M.engagement(P.filter(P.post_id.startswith("o")), A, C))["er_median"]
    assert b["sponsored_er_ratio"] == pytest.approx(sp / org)


def test_the_score_table_has_the_same_sponsored_er_ratio(kws):
    (row,) = score_creators(kws, write=False, sentiment=False).to_pylist()
    assert row["er_median"] == pytest.approx(0.08)
    assert row["sponsored_er_ratio"] == pytest.approx(0.5)


def test_per_post_er_by_hand(kws):
    P, A, C = kws.table("posts"), kws.table("accounts"), kws.table("comments")
    got = {r["post_id"]: r for r in M.post_engagement(P, A, C).to_pyarrow().to_pylist()}
    assert {k: r["n_comments_post"] for k, r in got.items()} == {
        "s1": 10,
        "s2": 10,
        "o1": 20,
        "o2": 0,
        "o3": 5,
    }
    assert {k: r["er"] for k, r in got.items()} == pytest.approx(
        {"s1": 0.06, "s2": 0.04, "o1": 0.10, "o2": 0.10, "o3": None}
    )
    # without the comment rows a missing comments_count counts 0 (as the brand ER did)
    assert _one(M.brand_deals(P, A))["sponsored_er_ratio"] == pytest.approx(0.045 / 0.10)
