"""Per-creator metrics recomputed by hand on small threads (QA round 72)."""

from __future__ import annotations

import pytest

from tribescope import metrics as M

try:  # the tests folder may or may not be a package
    from ._score_fixtures import comment, insert
except ImportError:
    from _score_fixtures import comment, insert  # type: ignore[no-redef]


def _one(expr):
    rows = expr.to_pyarrow().to_pylist()
    assert len(rows) == 1
    return rows[0]


def test_a_creator_reply_timed_before_the_comment_gives_no_negative_delay(ws):
    """A creator reply whose time is before the comment it answers (a wrong clock, an export in local time) still
    answers the comment, but gives no delay; a later creator reply in the thread with a sound time gives it. The
    median was taken over 0.5, 1, −2 and −1 h (−0.25 h: a negative reply latency); it is over 0.5, 1 and 1.5 h."""
    insert(ws, "posts", [{"platform": "instagram", "post_id": "p1", "creator_id": "ivy"}])
    rows = [
        comment("k1", "p1", "u1", "which moss did you use for the bottom layer", 60),
        comment("r1", "p1", "ivy", "@u1 sheet moss from the garden centre", 90, "k1"),  # +0.5 h
        comment("k2", "p1", "u2", "my jar keeps fogging up every single morning", 120),
        comment("r2", "p1", "ivy", "@u2 crack the lid open for an hour", 180, "k2"),  # +1 h
        comment("k3", "p1", "u3", "the charcoal layer seems thick in this build", 300),
        comment("r3", "p1", "ivy", "@u3 about one centimetre is plenty", 180, "k3"),  # −2 h: a wrong time
        comment("k4", "p1", "u4", "how often do you water a closed terrarium", 400),
        comment("r4", "p1", "ivy", "@u4 almost never, it waters itself", 340, "k4"),  # −1 h: a wrong time
        comment("r5", "p1", "ivy", "@u4 maybe once a year at most", 490, "k4"),  # +1.5 h: the first sound one
    ]
    insert(ws, "comments", rows)
    th = M.threads(ws.table("comments"), ws.table("posts"))
    r = _one(M.conversation(th, ws.table("posts")))
    assert r["creator_reply_share"] == pytest.approx(1.0)  # every comment answered, whatever the times
    assert r["creator_reply_delay_h"] == pytest.approx(1.0)  # median of 0.5, 1 and 1.5 h; k3's delay unknown


def test_a_comment_without_text_has_no_sentiment_in_the_mean(ws):
    """A comment without text (null, empty or blank: a deleted text, a GIF or sticker alone) is no neutral opinion:
    VADER gives its nothing 0, and ``sentiment_mean`` counted it — two texted comments and three text-less ones gave
    2/5 of their mean. Both the score's ``sentiment`` stage and ``conversation`` now skip it, as they skip a comment
    without a score."""
    from tribescope.authenticity import comment_scores
    from tribescope.features.sentiment import sentiment_scores
    from tribescope.score import score_creators

    insert(ws, "posts", [{"platform": "instagram", "post_id": "p1", "creator_id": "ivy"}])
    texts = {"k1": "I love this, wonderful work", "k2": "so happy with how this jar turned out"}
    rows = [comment(k, "p1", f"u{i}", t, i) for i, (k, t) in enumerate(texts.items())]
    rows += [comment(k, "p1", f"v{i}", t, 10 + i) for i, (k, t) in enumerate({"k3": "", "k4": "  "}.items())]
    rows += [{**comment("k5", "p1", "w1", "", 20), "text": None}]
    rows += [comment("k6", "p1", "ivy", "thank you all so much", 30, "k1")]  # the creator's: never counted
    insert(ws, "comments", rows)
    expected = float(sentiment_scores(list(texts.values())).mean())
    assert abs(expected) > 0.1  # the two texts are not neutral: counting 0s would move the mean

    (row,) = score_creators(ws, write=False).to_pylist()
    assert row["n_follower_comments"] == 5
    assert row["sentiment_mean"] == pytest.approx(expected, abs=1e-4)

    feats = comment_scores(ws).select(_p="platform", _c="comment_id", sentiment="sentiment")
    th = M.threads(ws.table("comments"), ws.table("posts"))
    th = th.left_join(feats, [th.platform == feats._p, th.comment_id == feats._c]).drop("_p", "_c")
    conv = _one(M.conversation(th, ws.table("posts")))
    assert conv["sentiment_mean"] == pytest.approx(expected, abs=1e-4)
