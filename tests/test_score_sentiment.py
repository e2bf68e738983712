"""``sentiment_mean`` has one definition (:func:`tribescope.metrics.sentiment_mean`): the mean VADER compound of the
audience comments that have a score, a comment without one being unknown — skipped, not counted as a neutral 0.

Before, the score's ``sentiment`` stage counted a comment without a ``comment_features`` sentiment as 0 while
:func:`tribescope.metrics.conversation` skipped it: on the bakery below the score said 0.6 · 2/9 ≈ 0.13 and
``conversation`` 0.6."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest

from tribescope import metrics as M
from tribescope.score import score_creators

try:  # the tests folder may or may not be a package
    from ._score_fixtures import bakery
except ImportError:
    from _score_fixtures import bakery  # type: ignore[no-redef]

#: the bakery's audience comments (c4 is the creator's): two scored, seven without a sentiment
SCORED = {"c1": 0.8, "c2": 0.4}
AUDIENCE = ["c1", "c2", "c3", "c5", "c6", "c7", "c8", "c9", "c10"]


def _features(ws) -> pa.Table:
    """A ``comment_features``-like table: every comment, a sentiment for c1 and c2 only (c4, the creator's, -0.9:
    not audience, never counted)."""
    ids = ws.duck.execute("SELECT comment_id FROM comments ORDER BY comment_id").fetchall()
    sent = {**SCORED, "c4": -0.9}
    return pa.table(
        {
            "platform": pa.array(["instagram"] * len(ids), pa.string()),
            "comment_id": pa.array([i for (i,) in ids], pa.string()),
            "sentiment": pa.array([sent.get(i) for (i,) in ids], pa.float64()),
        }
    )


def test_score_and_conversation_skip_a_comment_without_sentiment(ws, monkeypatch):
    bakery(ws)
    feats = _features(ws)
    assert sorted(feats["comment_id"].to_pylist()) == sorted([*AUDIENCE, "c4"])
    expected = sum(SCORED.values()) / len(SCORED)  # 0.6: the unscored seven are unknown, not 0

    # the metric family, on thread rows carrying the sentiment
    th = M.threads(ws.table("comments"), ws.table("posts"), ws.table("accounts"))
    s = ibis.memtable(feats.rename_columns(["_p", "_c", "sentiment"]))
    th = th.left_join(s, [th.platform == s._p, th.comment_id == s._c]).drop("_p", "_c")
    (conv,) = M.conversation(th, ws.table("posts")).to_pyarrow().to_pylist()
    assert conv["sentiment_mean"] == pytest.approx(expected)

    # the score's sentiment stage, reading comment_features
    import tribescope.authenticity as auth

    monkeypatch.setattr(auth, "comment_scores", lambda w: w.con.create_table("_cf_test", feats, temp=True))
    tbl = score_creators(ws, write=False)
    (row,) = [r for r in tbl.to_pylist() if r["creator_id"] == "cre"]
    assert row["sentiment_mean"] == pytest.approx(expected)
    assert row["sentiment_mean"] == pytest.approx(conv["sentiment_mean"])


def test_no_scored_comment_gives_no_sentiment(ws, monkeypatch):
    bakery(ws)
    feats = _features(ws)
    feats = feats.set_column(2, "sentiment", pa.nulls(feats.num_rows, pa.float64()))
    import tribescope.authenticity as auth

    monkeypatch.setattr(auth, "comment_scores", lambda w: w.con.create_table("_cf_test", feats, temp=True))
    (row,) = [r for r in score_creators(ws, write=False).to_pylist() if r["creator_id"] == "cre"]
    assert row["sentiment_mean"] is None  # unknown, not a neutral 0.0
