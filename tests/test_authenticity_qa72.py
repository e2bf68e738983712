"""The audience the authenticity components judge is the metrics' audience: not the creator's own accounts (QA 72)."""

from __future__ import annotations

import pytest

from tribescope.authenticity import creator_audience_authenticity
from tribescope.authenticity._pods import PodParams, find_pods, pod_members

try:  # the tests folder may or may not be a package
    from ._score_fixtures import T0, comment, insert
except ImportError:
    from _score_fixtures import T0, comment, insert  # type: ignore[no-redef]


def _creator_answering_under_its_numeric_id(ws) -> None:
    """ivy posts four times; her regulars u1 and u2 comment within the hour on each, and ivy answers both, each time
    within the hour, from her account 9999 (username "ivy": one of her own accounts, as the metrics see it)."""
    insert(
        ws,
        "accounts",
        [
            {"platform": "instagram", "account_id": "ivy", "username": "ivy", "followers": 4000},
            {"platform": "instagram", "account_id": "9999", "username": "ivy"},
        ],
    )
    posts = [f"p{i}" for i in range(4)]
    insert(
        ws,
        "posts",
        [
            {
                "platform": "instagram",
                "post_id": p,
                "creator_id": "ivy",
                "created_at": T0.replace(day=1 + 7 * i),
            }
            for i, p in enumerate(posts)
        ],
    )
    rows = []
    for i, p in enumerate(posts):
        m = 7 * 24 * 60 * i
        rows += [
            comment(f"{p}a", p, "u1", "which moss did you use for the bottom layer", m + 5),
            comment(f"{p}b", p, "u2", "my jar keeps fogging up every single morning", m + 10),
            comment(f"{p}c", p, "9999", "@u1 sheet moss from the garden centre", m + 20, f"{p}a"),
            comment(f"{p}d", p, "9999", "@u2 crack the lid open for an hour", m + 25, f"{p}b"),
        ]
    insert(ws, "comments", rows)


def test_the_creator_answering_under_another_id_is_no_pod_and_not_its_own_audience(ws):
    """The pods and the authenticity components excluded the creator by id alone: ivy's replies from 9999 — her
    own account by the metrics' rule (``own_account``: n_follower_comments 8) — counted as 16 audience comments,
    and 9999, u1 and u2, early together on every post, were an engagement pod: comment_authenticity 0 (every
    comment a pod's), pod share 1."""
    _creator_answering_under_its_numeric_id(ws)
    assert pod_members(find_pods(ws, PodParams())) == []
    (row,) = creator_audience_authenticity(ws).to_pyarrow().to_pylist()
    assert row["comments"] == 8  # u1's and u2's, as n_follower_comments counts them
    assert row["comment_authenticity"] == pytest.approx(1.0)
    assert row["pod_engagement_share"] == pytest.approx(0.0)
