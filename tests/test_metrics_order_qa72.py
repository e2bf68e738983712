"""Engagement figures that do not depend on the order the engine meets the rows in."""

from __future__ import annotations

import random
from fractions import Fraction

import ibis
import pyarrow as pa
import pytest

from tribescope import metrics as M


def test_er_mean_and_likes_cv_are_the_same_whatever_order_the_posts_come_in():
    """``er_mean`` (a float mean) and ``likes_cv`` (a float standard deviation over a float mean) followed the order
    the engine's threads added the posts in: a score that recomputed a few creators after `forget` gave three of
    synth s's creators other last bits than a score of the same data from scratch (likes_cv 0.5921692664936102 vs
    …101). Summed in fixed point now: one figure for any order, the exact mean ER and the exact sample CV of the
    likes within 1e-15."""
    rng = random.Random(3)
    followers = 48_213
    posts = [
        {
            "platform": "instagram",
            "post_id": f"p{i}",
            "creator_id": "cre",
            "likes": rng.randint(0, 2_000_000_000) if i % 50 else rng.randint(0, 40),
            "comments_count": rng.randint(0, 900),
            "views": None,
        }
        for i in range(3_000)
    ]
    accounts = ibis.memtable(
        pa.table({"platform": ["instagram"], "account_id": ["cre"], "followers": [followers]})
    )
    schema = pa.schema(
        [
            ("platform", pa.string()),
            ("post_id", pa.string()),
            ("creator_id", pa.string()),
            ("likes", pa.int64()),
            ("comments_count", pa.int64()),
            ("views", pa.int64()),
        ]
    )
    con = ibis.duckdb.connect()
    got = set()
    for order in (posts, posts[::-1], sorted(posts, key=lambda p: p["likes"] % 997)):
        t = ibis.memtable(pa.Table.from_pylist(order, schema=schema))
        (r,) = con.execute(M.engagement(t, accounts)).to_dict("records")
        got.add((r["er_mean"], r["likes_cv"]))
    assert len(got) == 1
    er_mean, likes_cv = got.pop()
    likes = [p["likes"] for p in posts]
    n = len(likes)
    exact_er = sum(Fraction(p["likes"] + p["comments_count"], followers) for p in posts) / n
    assert er_mean == pytest.approx(float(exact_er), rel=1e-15)
    var = Fraction(n * sum(x * x for x in likes) - sum(likes) ** 2, n * (n - 1))
    exact_cv = float(var) ** 0.5 / float(Fraction(sum(likes), n))
    assert likes_cv == pytest.approx(exact_cv, rel=1e-15)


def test_likes_cv_needs_two_posts_with_likes_and_some_likes():
    """As before: null with fewer than two posts whose likes are known, and when every post has 0 likes (no mean to
    divide by); 0 when every post has the same likes."""
    accounts = ibis.memtable(
        pa.table({"platform": ["x"] * 3, "account_id": ["a", "b", "c"], "followers": [10] * 3})
    )
    rows = [
        ("a", 5),
        ("a", None),
        ("b", 0),
        ("b", 0),
        ("c", 7),
        ("c", 7),
        ("c", 7),
    ]
    t = ibis.memtable(
        pa.table(
            {
                "platform": ["x"] * len(rows),
                "post_id": [f"p{i}" for i in range(len(rows))],
                "creator_id": [c for c, _ in rows],
                "likes": pa.array([v for _, v in rows], pa.int64()),
                "comments_count": pa.array([0] * len(rows), pa.int64()),
                "views": pa.array([None] * len(rows), pa.int64()),
            }
        )
    )
    out = {
        r["creator_id"]: r["likes_cv"]
        for r in ibis.duckdb.connect().execute(M.engagement(t, accounts)).to_dict("records")
    }
    assert out["a"] is None or out["a"] != out["a"]  # null (NaN in pandas)
    assert out["b"] is None or out["b"] != out["b"]
    assert out["c"] == 0.0
