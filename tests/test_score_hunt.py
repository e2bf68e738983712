"""Bugs found comparing score-table columns with the same figures computed by hand (pandas over the workspace
tables of ``tribescope synth --scale xs``): each test pins the hand-computed value."""

from __future__ import annotations

import pytest

from tribescope import metrics as M

try:  # the tests folder may or may not be a package
    from ._score_fixtures import T0, comment, insert
except ImportError:
    from _score_fixtures import T0, comment, insert  # type: ignore[no-redef]


def _one(expr) -> dict:
    (row,) = expr.to_pyarrow().to_pylist()
    return row


def _post(pid: str) -> dict:
    return {"platform": "instagram", "post_id": pid, "creator_id": "k", "created_at": T0, "likes": 10}


def test_community_overlap_share_counts_commenters_not_handles(ws):
    """Commenters u1 "Sam", u2 "sam" and u3 "bob" under creator k's post; "SAM" writes in k's Discord server.
    Two of the three commenters (n_commenters = 3) have a handle that writes there: 2/3. Counting distinct
    lower-cased handles instead gave 1/2 (sam of sam, bob)."""
    insert(ws, "posts", [_post("p1")])
    insert(ws, "accounts", [{"platform": "instagram", "account_id": "k", "username": "k", "followers": 1000}])
    rows = [comment("x1", "p1", "u1", "great post", 1), comment("x2", "p1", "u2", "love it", 2)]
    rows += [comment("x3", "p1", "u3", "cool", 3)]
    rows[0]["author_name"], rows[1]["author_name"], rows[2]["author_name"] = "Sam", "sam", "bob"
    insert(ws, "comments", rows)
    insert(
        ws,
        "community_links",
        [{"platform": "discord", "space_id": "g", "creator_platform": "instagram", "creator_id": "k"}],
    )
    insert(
        ws,
        "community_messages",
        [
            {
                "platform": "discord",
                "message_id": "m1",
                "space_id": "g",
                "author_id": "99",
                "author_name": "SAM",
                "created_at": T0,
                "text": "hi all",
            }
        ],
    )
    th = M.threads(ws.table("comments"), ws.table("posts"), ws.table("accounts"))
    assert _one(M.conversation(th, ws.table("posts")))["n_commenters"] == 3
    r = _one(M.offplatform(ws.table("community_links"), ws.table("community_messages"), th))
    assert r["community_overlap_share"] == pytest.approx(2 / 3)
