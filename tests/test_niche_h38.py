"""One definition of "the creator's own accounts" for the metrics and the engaged audiences of the niches, and the
off-platform members keyed by platform, on a tiny hand-built workspace.

Creator ``maya`` (Instagram, handle "wandersbymaya") posts p1 and p2. Her account also comments under its numeric id
``9001`` (username "WandersByMaya"): c2 answers alice, and bob's c3 answers c2. She links a Discord server and a
subreddit; her Discord account ``d1`` ("wandersbymaya") writes in the server.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tribescope import metrics as M
from tribescope.niche import audience, community_profile

try:  # the tests folder may or may not be a package
    from ._score_fixtures import T0, comment, insert
except ImportError:
    from _score_fixtures import T0, comment, insert  # type: ignore[no-redef]

IG = "instagram"


def _message(
    platform: str, mid: str, space: str, author: str, name: str, reply_to: str | None = None
) -> dict:
    return {
        "platform": platform,
        "message_id": mid,
        "space_id": space,
        "author_id": author,
        "author_name": name,
        "reply_to": reply_to,
        "created_at": T0 + timedelta(hours=1),
        "text": "hello everyone",
    }


@pytest.fixture
def mws(ws):
    insert(
        ws,
        "accounts",
        [
            {"platform": IG, "account_id": "maya", "username": "wandersbymaya", "followers": 5000},
            {"platform": IG, "account_id": "9001", "username": "WandersByMaya"},
            {"platform": "discord", "account_id": "d1", "username": "wandersbymaya"},
        ],
    )
    insert(
        ws,
        "posts",
        [
            {"platform": IG, "post_id": f"p{i}", "creator_id": "maya", "created_at": T0 + timedelta(days=i)}
            for i in (1, 2)
        ],
    )
    insert(
        ws,
        "comments",
        [
            comment("c1", "p1", "alice", "I tried this itinerary last spring, loved it", 10),
            comment("c2", "p1", "9001", "@alice so happy the itinerary worked for you", 20, "c1"),
            comment("c3", "p1", "bob", "the ferry tip saved our whole trip too", 30, "c2"),
            comment("c4", "p2", "alice", "which train did you take after the ferry", 24 * 60),
        ],
    )
    return ws


def _link(ws, platform: str, space: str) -> None:
    insert(
        ws,
        "community_links",
        [
            {
                "platform": platform,
                "space_id": space,
                "creator_platform": IG,
                "creator_id": "maya",
                "members": 10,
            }
        ],
    )


def _threads(ws):
    return M.threads(ws.table("comments"), ws.table("posts"), ws.table("accounts"))


def test_the_creators_comments_under_another_id_are_the_creators_in_the_metrics(mws):
    th = {r["comment_id"]: r for r in _threads(mws).to_pyarrow().to_pylist()}
    assert th["c2"]["is_creator"] is True  # "9001" is @wandersbymaya's own account
    assert th["c3"]["is_ff_reply"] is False  # bob answers the creator, not a follower
    (m,) = (
        M.creator_metrics(mws.table("posts"), mws.table("comments"), mws.table("accounts"))
        .to_pyarrow()
        .to_pylist()
    )
    assert m["n_commenters"] == 2  # alice and bob; was 3 with "9001"
    assert m["creator_comment_share"] == pytest.approx(1 / 4)  # c2 of 4 comments; was 0
    assert m["creator_reply_share"] == pytest.approx(1 / 2)  # c1 answered by her, c4 not; was 0
    assert m["n_ff_replies"] == 0  # was 2 (9001→alice, bob→9001)


def test_the_metrics_and_the_niche_audience_agree_on_who_is_the_creator(mws):
    th = _threads(mws)
    aud_metrics = set(th.filter(~th.is_creator).author_id.to_pyarrow().to_pylist())
    a = audience(mws, [(IG, "maya")])
    aud_niche = set(a.filter(a.member_platform == IG).member_id.to_pyarrow().to_pylist())
    assert aud_metrics == aud_niche == {"alice", "bob"}


def test_community_profile_counts_the_creators_own_comments(mws):
    (p,) = community_profile(mws).to_pyarrow().to_pylist()
    assert p["responsiveness"] == pytest.approx(1 / 4)  # c2 of 4 comments; was 0
    assert p["returning_share"] == pytest.approx(1 / 2)  # alice of alice, bob; was 1 of 3


def test_community_members_are_keyed_by_platform(mws):
    _link(mws, "discord", "g1")
    _link(mws, "reddit", "r1")
    insert(
        mws,
        "community_messages",
        [
            _message("discord", "m1", "g1", "42", "ann"),
            _message("discord", "m2", "g1", "42", "ann"),
            _message("reddit", "m3", "r1", "42", "42"),  # Reddit user "42" is not Discord user 42
        ],
    )
    th = _threads(mws)
    (r,) = (
        M.offplatform(mws.table("community_links"), mws.table("community_messages"), th)
        .to_pyarrow()
        .to_pylist()
    )
    assert r["community_messages"] == 3
    assert r["community_active_members"] == 2  # was 1
    assert r["community_messages_per_member"] == pytest.approx(3 / 2)  # was 3


def test_the_creators_own_account_in_their_space_is_not_a_member(mws):
    _link(mws, "discord", "g1")
    insert(
        mws,
        "community_messages",
        [
            _message("discord", "m1", "g1", "d1", "wandersbymaya"),  # the creator's Discord account
            _message("discord", "m2", "g1", "d1", "wandersbymaya"),
            _message("discord", "m3", "g1", "7", "alice", reply_to="m1"),
        ],
    )
    t = {n: mws.table(n) for n in ("posts", "comments", "accounts", "community_links", "community_messages")}
    m = M.creator_metrics(
        t["posts"], t["comments"], t["accounts"], links=t["community_links"], messages=t["community_messages"]
    )
    (r,) = m.to_pyarrow().to_pylist()
    assert r["community_messages"] == 3  # every message of the space, hers included
    assert r["community_active_members"] == 1  # "7" only; was 2
    assert r["community_messages_per_member"] == pytest.approx(1.0)  # the member's 1 message; was 3 / 2
    assert r["community_reply_share"] == pytest.approx(1 / 3)
    # alice comments and writes in the server as a member: 1 of the 2 commenters (alice, bob)
    assert r["community_overlap_share"] == pytest.approx(1 / 2)
    # the same member set as the niche audience's community part
    a = audience(mws, [(IG, "maya")])
    assert set(a.filter(a.member_platform == "discord").member_id.to_pyarrow().to_pylist()) == {"7"}
    # without accounts only the ids can tell the creator: d1's handle is unknown
    (r2,) = (
        M.offplatform(t["community_links"], t["community_messages"], _threads(mws)).to_pyarrow().to_pylist()
    )
    assert r2["community_active_members"] == 2


@pytest.fixture
def lonely(mws):
    """``mws`` plus creator ``solo`` (Instagram): one post, no comment by anybody else (one of her own)."""
    insert(mws, "posts", [{"platform": IG, "post_id": "s1", "creator_id": "solo", "created_at": T0}])
    insert(mws, "comments", [comment("s1c1", "s1", "solo", "new post is up", 5)])
    return mws


def test_a_share_of_an_empty_audience_is_unknown_not_zero(lonely):
    from tribescope.niche import overlap, overlap_list

    (r,) = overlap(lonely, [(IG, "maya"), (IG, "solo")]).to_pylist()
    assert (r["size_a"], r["size_b"], r["shared"]) == (2, 0, 0)
    assert r["jaccard"] == 0.0  # 0 of the 2 accounts either reaches
    assert (
        r["overlap_min"] is None and r["cosine"] is None
    )  # was 0.0: "0.0% of the smaller audience" of nobody
    per, totals = overlap_list(lonely, [(IG, "maya"), (IG, "solo")])
    rows = {x["creator_id"]: x for x in per.to_pylist()}
    assert rows["maya"]["unique_share"] == 1.0
    assert rows["solo"]["audience"] == 0 and rows["solo"]["unique_share"] is None  # was 0.0
    assert totals == {"reach": 2, "sum_audiences": 2, "duplicated": 0}


def test_circle_of_a_creator_without_members_says_so(lonely, tmp_path):
    from typer.testing import CliRunner

    from tribescope.cli import app

    path = lonely.path
    lonely.close()
    r = CliRunner().invoke(app, ["--workspace", str(path), "circle", "solo"])
    assert r.exit_code == 0, r.output
    assert "no engaged members" in r.output and "0 engaged members" not in r.output
    assert "inner circle" not in r.output  # no empty table


def test_the_score_reads_the_creators_own_accounts_as_the_metrics_do(mws):
    """``tribescope score``'s table agrees with :func:`creator_metrics`: the creator's Discord account in her own
    server is not one of its active members (it said 2), and the creator's comment under her other id ("so happy …",
    positive) is not part of her audience's ``sentiment_mean`` (it was averaged in)."""
    from tribescope.features import sentiment_scores
    from tribescope.score import score_creators

    _link(mws, "discord", "g1")
    insert(
        mws,
        "community_messages",
        [
            _message("discord", "m1", "g1", "d1", "wandersbymaya"),
            _message("discord", "m3", "g1", "7", "alice", reply_to="m1"),
        ],
    )
    (r,) = [r for r in score_creators(mws).to_pylist() if r["creator_id"] == "maya"]
    assert r["community_active_members"] == 1
    audience_texts = [
        "I tried this itinerary last spring, loved it",
        "the ferry tip saved our whole trip too",
        "which train did you take after the ferry",
    ]
    scores = [s for s in sentiment_scores(audience_texts, processes=1).tolist()]
    assert r["sentiment_mean"] == pytest.approx(sum(scores) / len(scores), abs=1e-4)


def test_the_sentiment_stage_reads_kept_thread_rows_as_it_reads_the_comments(lonely):
    """The score's ``sentiment`` stage takes its audience from the scope's thread rows while they are kept (the
    metric lane's, after the thread-row stages) and from the comments and posts otherwise: the same creators and
    means either way — maya's comment under her other id is not audience, solo has no audience at all."""
    from tribescope.features import sentiment_scores
    from tribescope.score import _score
    from tribescope.score._cache import Scope

    p, c, a = lonely.table("posts"), lonely.table("comments"), lonely.table("accounts")
    sc = Scope(set(), True, p, c, a, c, None, None)
    fresh = _score._sentiment_rows(lonely, sc)
    th = _score._thread_rows(sc)  # kept on the scope, as the lane's thread-row stages leave it
    assert getattr(sc, "_threads", None) is th
    try:
        kept = _score._sentiment_rows(lonely, sc)
    finally:
        th.release()
    key = [("platform", "ascending"), ("creator_id", "ascending")]
    assert kept.sort_by(key).to_pylist() == fresh.sort_by(key).to_pylist()
    got = {r["creator_id"]: r["sentiment_mean"] for r in kept.to_pylist()}
    scores = sentiment_scores(
        [
            "I tried this itinerary last spring, loved it",
            "the ferry tip saved our whole trip too",
            "which train did you take after the ferry",
        ],
        processes=1,
    ).tolist()
    assert got["maya"] == pytest.approx(sum(scores) / len(scores), abs=1e-4)
    assert got.get("solo") is None  # only her own comment: no audience, no mean
