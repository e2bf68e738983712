"""Brand safety figures (QA round 71)."""

from __future__ import annotations

import pytest

try:  # tests/ may or may not be a package
    from ._score_fixtures import insert as _put
except ImportError:
    from _score_fixtures import insert as _put  # type: ignore[no-redef]


def test_a_creator_without_audience_comments_has_no_toxic_share_not_zero(ws):
    """bob has posts and no comment under them: his toxic share is unknown — `brand show` printed 0.00 beside alice's
    measured 0.50, as if his audience had been read and found clean."""
    from tribescope.brand import add_brand, safety_flags

    _put(
        ws,
        "posts",
        [
            {"platform": "instagram", "post_id": "a1", "creator_id": "alice", "caption": "morning run"},
            {"platform": "instagram", "post_id": "b1", "creator_id": "bob", "caption": "evening run"},
        ],
    )
    _put(
        ws,
        "comments",
        [
            {
                "platform": "instagram",
                "comment_id": "c1",
                "post_id": "a1",
                "author_id": "x",
                "text": "what a shit run",
            },
            {
                "platform": "instagram",
                "comment_id": "c2",
                "post_id": "a1",
                "author_id": "y",
                "text": "nice pace",
            },
        ],
    )
    add_brand(ws, "Acme", keywords="bottle")
    got = {r["creator_id"]: r for r in safety_flags(ws, "Acme").to_pylist()}
    assert (got["alice"]["audience_comments"], got["alice"]["toxic_comment_share"]) == (2, pytest.approx(0.5))
    assert got["alice"]["flags"] == ["toxic_audience"]
    assert (got["bob"]["audience_comments"], got["bob"]["toxic_comment_share"]) == (0, None)
    assert got["bob"]["flags"] == []
