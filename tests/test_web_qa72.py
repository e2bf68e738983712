"""The creator page tells the creator's own comments as the score does (QA round 72)."""

from __future__ import annotations

from tribescope.web import _data

try:  # the tests folder may or may not be a package
    from ._score_fixtures import creator_answering_under_another_id
except ImportError:
    from _score_fixtures import creator_answering_under_another_id  # type: ignore[no-redef]


def test_the_creator_page_knows_the_creators_replies_under_another_id(ws):
    """ivy answers u1 and u2 under each of her four posts from her account 9999 (username "ivy": her own account
    by the score's rule). The page marked none of her 8 replies "creator reply", drew 9999 as a follower and said
    8 of 8 drawn links were "between two followers"; the score counts none of those replies as her audience's."""
    creator_answering_under_another_id(ws)
    d = _data.creator_detail(ws, "instagram", "ivy", evidence=False)
    by = {c["comment_id"]: c["by_creator"] for c in d["comments"]}
    assert sorted(k for k, v in by.items() if v) == sorted(f"p{i}{x}" for i in range(4) for x in "cd")
    net = d["network"].data
    assert {n["id"]: n["role"] for n in net["nodes"]}["9999"] == "creator"
    assert net["follower_links"] == 0 and net["links_total"] == 2
