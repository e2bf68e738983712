"""Exact metric values on the hand-built bakery thread (tests/_score_fixtures.py).

The thread: creator ``cre`` posts p1 and p2; 10 comments. Follower↔follower replies: c2 (bob→alice),
c3 (alice→bob), c7 (erin→dave, a bare tag) and c10 (bob→alice on p2) — 4 of 10 comments; three of them
are substantive (0.3). alice and bob talk under two posts (a recurring, reciprocal pair).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tribescope import metrics as M
from tribescope.graph import commenter_graph_stats

try:  # the tests folder may or may not be a package
    from ._score_fixtures import T0, bakery, comment, insert
except ImportError:
    from _score_fixtures import T0, bakery, comment, insert  # type: ignore[no-redef]


@pytest.fixture
def bws(ws):
    return bakery(ws)


def _one(expr):
    rows = expr.to_pyarrow().to_pylist()
    assert len(rows) == 1
    return rows[0]


def test_reply_targets_follow_mentions_then_parent(bws):
    th = M.threads(bws.table("comments"), bws.table("posts"), bws.table("accounts"))
    rows = {r["comment_id"]: r for r in th.to_pyarrow().to_pylist()}
    assert rows["c2"]["target_id"] == "alice" and rows["c3"]["target_id"] == "bob"
    assert rows["c7"]["target_id"] == "dave" and rows["c1"]["target_id"] is None
    assert rows["c4"]["is_creator"] and not rows["c4"]["is_ff_reply"]
    assert [k for k, r in sorted(rows.items()) if r["is_ff_reply"]] == ["c10", "c2", "c3", "c7"]
    assert [k for k, r in sorted(rows.items()) if r["is_tie"]] == ["c10", "c2", "c3"]  # c7 is a bare tag


def test_connectedness_exact(bws):
    th = M.threads(bws.table("comments"), bws.table("posts"), bws.table("accounts"))
    r = _one(M.connectedness(th))
    assert r["ff_reply_share"] == pytest.approx(0.4)
    assert r["ff_substantive_share"] == pytest.approx(0.3)
    assert r["interacting_commenter_share"] == pytest.approx(2 / 6)
    assert r["n_pairs"] == 1 and r["recurring_pairs"] == 1
    assert r["reciprocity"] == pytest.approx(1.0)
    assert r["friend_commenter_share"] == pytest.approx(2 / 6)
    assert r["returning_commenter_share"] == pytest.approx(2 / 6)
    assert r["retention"] == pytest.approx(2 / 6)


def test_three_of_ten_follower_replies_give_point_three(ws):
    insert(ws, "posts", [{"platform": "instagram", "post_id": "q", "creator_id": "k"}])
    rows = [comment(f"t{i}", "q", f"u{i}", "top level comment here", i) for i in range(7)]
    rows += [
        comment(f"r{i}", "q", f"u{i + 1}", "I agree with you on that", 10 + i, f"t{i}") for i in range(3)
    ]
    insert(ws, "comments", rows)
    th = M.threads(ws.table("comments"), ws.table("posts"))
    assert _one(M.connectedness(th))["ff_reply_share"] == pytest.approx(0.3)


def test_conversation_exact(bws):
    th = M.threads(bws.table("comments"), bws.table("posts"), bws.table("accounts"))
    r = _one(M.conversation(th, bws.table("posts")))
    assert r["n_comments"] == 10 and r["n_follower_comments"] == 9 and r["n_commenters"] == 6
    assert r["creator_comment_share"] == pytest.approx(0.1)
    assert r["substantive_share"] == pytest.approx(5 / 9)
    assert r["emoji_only_share"] == pytest.approx(1 / 9)
    assert r["mention_only_share"] == pytest.approx(2 / 9)
    assert r["generic_share"] == pytest.approx(1 / 9)
    assert r["action_intent_share"] == pytest.approx(2 / 9)  # "I tried…", "I used…"
    assert r["comments_per_post"] == pytest.approx(4.5)
    assert r["creator_reply_share"] == pytest.approx(1 / 5)  # 5 audience top-level comments, c1 answered
    assert r["creator_reply_delay_h"] == pytest.approx(1.0)


def test_a_creator_reply_in_the_thread_or_without_a_time_answers_the_comment(ws):
    """`creator_reply_share` counts the audience's top-level comments "with ≥ 1 creator reply in their thread": a
    creator reply to a reply under k5 did not answer k5, and a creator reply without a time did not answer k3
    (the answered flag was the first reply's time)."""
    insert(ws, "posts", [{"platform": "instagram", "post_id": "p1", "creator_id": "ivy"}])
    rows = [
        comment("k1", "p1", "u1", "which moss did you use for the bottom layer", 60),
        comment("k3", "p1", "u3", "my jar keeps fogging up every single morning", 180),
        comment("k5", "p1", "u5", "the charcoal layer seems thick in this build", 300),
        comment("k6", "p1", "u6", "@u5 charcoal thickness depends on the jar size", 360, "k5"),
        comment("k7", "p1", "ivy", "@u5 about one centimetre is plenty for this jar", 480, "k6"),
        {
            **comment("k8", "p1", "ivy", "@u3 crack the lid open for an hour each day", 0, "k3"),
            "created_at": None,
        },
    ]
    insert(ws, "comments", rows)
    th = M.threads(ws.table("comments"), ws.table("posts"))
    r = _one(M.conversation(th, ws.table("posts")))
    assert r["creator_reply_share"] == pytest.approx(2 / 3)  # k3 and k5 of k1, k3, k5
    assert r["creator_reply_delay_h"] == pytest.approx(3.0)  # k5 05:00 → k7 08:00; k8 has no time


def test_engagement_reach_niche_brand_audience_exact(bws):
    P, A, C = bws.table("posts"), bws.table("accounts"), bws.table("comments")
    e = _one(M.engagement(P, A, C))
    assert e["er_median"] == pytest.approx(((90 + 8) / 4000 + (110 + 2) / 4000) / 2)
    assert e["er_likes_median"] == pytest.approx(100 / 4000)
    assert e["likes_cv"] == pytest.approx(0.1414213, rel=1e-5)
    r = _one(M.reach(P, A))
    assert (r["handle"], r["followers"], r["tier"], r["n_posts"]) == ("Cre", 4000, "nano", 2)
    n = _one(M.niche(P))
    # uses: baking ×2, bananabread, ad → H = −(.5 ln .5 + 2 · .25 ln .25); focus = 1 − H / ln 4 = 0.25
    assert n["niche_focus"] == pytest.approx(0.25)
    b = _one(M.brand_deals(P, A))
    assert b["sponsored_share"] == pytest.approx(0.5) and b["disclosed_share"] == pytest.approx(0.5)
    assert b["sponsored_er_ratio"] == pytest.approx((112 / 4000) / (98 / 4000))
    assert b["mentions_per_post"] == pytest.approx(1.0)
    th = M.threads(C, P, A)
    a = _one(M.audience_quality(th, A))
    # profiles: alice real, bob suspicious (no pic, no posts, 7,600 following), carol influencer, dave mass follower
    assert a["audience_profiles"] == 4
    assert a["audience_real_share"] == pytest.approx(0.5)
    assert a["audience_suspicious_share"] == pytest.approx(0.25)
    assert a["audience_mass_follower_share"] == pytest.approx(0.25)


def test_tier_boundaries():
    import ibis

    t = ibis.memtable({"f": [0, 999, 1000, 9999, 10_000, 100_000, 499_999, 500_000, 1_000_000, None]})
    got = t.select(tier=M.tier_of(t.f)).to_pyarrow()["tier"].to_pylist()
    assert got == ["creator", "creator", "nano", "nano", "micro", "mid", "mid", "macro", "mega", None]


def test_graph_stats_on_the_bakery_and_a_triangle(bws):
    import pyarrow as pa

    from tribescope.graph import graph_stats_from_edges

    th = M.threads(bws.table("comments"), bws.table("posts"), bws.table("accounts"))
    g = commenter_graph_stats(th).to_pylist()[0]
    assert (g["graph_nodes"], g["graph_edges"]) == (6, 1)
    assert g["graph_lcc_share"] == pytest.approx(2 / 6)
    assert g["graph_density"] == pytest.approx(1.0) and g["graph_clustering"] is None
    e = pa.table(
        {"platform": ["x"] * 4, "creator_id": ["c"] * 4, "a": ["a", "a", "b", "d"], "b": ["b", "c", "c", "e"]}
    )
    r = graph_stats_from_edges(
        e, pa.table({"platform": ["x"], "creator_id": ["c"], "n_commenters": [10]})
    ).to_pylist()[0]
    assert r["graph_lcc_share"] == pytest.approx(0.3)  # triangle a-b-c of 10 commenters
    assert r["graph_clustering"] == pytest.approx(1.0)  # every degree-2 node closes its triangle
    assert r["graph_density"] == pytest.approx(4 / 10)  # 4 edges among 5 interacting commenters


def _link(bws, *, members: int) -> None:
    """Creator ``cre`` (instagram) links the Discord space ``g1`` of ``members`` members."""
    insert(
        bws,
        "community_links",
        [
            {
                "platform": "discord",
                "space_id": "g1",
                "creator_platform": "instagram",
                "creator_id": "cre",
                "members": members,
            }
        ],
    )


def test_offplatform_community(bws):
    _link(bws, members=50)
    insert(
        bws,
        "community_messages",
        [
            {
                "platform": "discord",
                "message_id": "m1",
                "space_id": "g1",
                "author_id": "1",
                "author_name": "Alice",
                "created_at": T0,
                "text": "hi",
            },
            {
                "platform": "discord",
                "message_id": "m2",
                "space_id": "g1",
                "author_id": "2",
                "author_name": "zed",
                "reply_to": "m1",
                "created_at": T0,
                "text": "hey",
            },
        ],
    )
    th = M.threads(bws.table("comments"), bws.table("posts"), bws.table("accounts"))
    r = _one(M.offplatform(bws.table("community_links"), bws.table("community_messages"), th))
    assert r["community_members"] == 50 and r["community_active_members"] == 2
    assert r["community_reply_share"] == pytest.approx(0.5)
    assert r["community_overlap_share"] == pytest.approx(1 / 6)  # alice of 6 commenters


def test_reply_targets_with_names_scopes_and_parents(ws):
    """The parent and @-mention lookups keep only what replies can match; every case resolves as documented."""
    insert(
        ws,
        "posts",
        [
            {"platform": "instagram", "post_id": "q", "creator_id": "k"},
            {"platform": "instagram", "post_id": "q2", "creator_id": "k"},
        ],
    )
    insert(ws, "accounts", [{"platform": "instagram", "account_id": "k", "username": "Kay.Bakes"}])

    def named(cid, post, author, name, text, m, parent=None):
        return {**comment(cid, post, author, text, m, parent), "author_name": name}

    rows = [
        named("t1", "q", "u1", "Anna", "first!", 0),
        named("t2", "q", "u2", "Bob", "nice one", 1),
        named("t9", "q", "u9", "ANNA", "me too", 2),  # a second "anna" under q: the least id wins
        named("z1", "q2", "u5", "Zed", "other post", 3),
        named("r1", "q", "u3", "Cat", "@anna. thanks for asking", 4, "t1"),
        named("r2", "q", "u3", "Cat", "@zed hi", 5, "t2"),  # zed commented under q2 only: the parent's author
        named("r3", "q", "u4", "Dan", "@KAY.BAKES thanks!", 6, "t1"),  # the creator's handle
        named("r4", "q", "u1", "Anna", "@anna me", 7, "t2"),  # herself: the parent's author
        named("r5", "q", "u4", "Dan", "hi @bob", 8, "gone"),  # the mentioned commenter; the parent is unknown
        named("r6", "q", "u4", "Dan", "no mention", 9, "gone"),  # neither: no target
        named("t3", "q", "u6", "Eve", "@bob top level", 10),  # not a reply: no target
        named("r7", "q", None, None, "@anna anonymous", 11, "t2"),  # no author: a target, not a follower tie
    ]
    insert(ws, "comments", rows)
    c, p, a = ws.table("comments"), ws.table("posts"), ws.table("accounts")
    th = {r["comment_id"]: r for r in M.threads(c, p, a).to_pyarrow().to_pylist()}
    got = {k: th[k]["target_id"] for k in sorted(th)}
    assert got == {
        "r1": "u1",
        "r2": "u2",
        "r3": "k",
        "r4": "u2",
        "r5": "u2",
        "r6": None,
        "r7": "u1",
        "t1": None,
        "t2": None,
        "t3": None,
        "t9": None,
        "z1": None,
    }
    assert [k for k in sorted(th) if th[k]["is_ff_reply"]] == ["r1", "r2", "r4", "r5"]
    # a scope (incremental scoring): names are looked up in the scope, parents in every comment
    scope = c.filter(c.comment_id.isin(["r1", "r2", "r4"]))
    sth = {r["comment_id"]: r for r in M.threads(scope, p, a, parents=c).to_pyarrow().to_pylist()}
    assert {k: (r["target_id"], r["is_ff_reply"]) for k, r in sth.items()} == {
        "r1": ("u1", True),  # "anna" is r4's author, in the scope
        "r2": ("u2", True),
        "r4": ("u2", True),
    }
    # parents looked up in the scope first, the others in every comment: t2 (r2's and r4's) is in this scope, t1
    # (r1's) is not, "gone" (r6's) nowhere; one row per comment of the scope, the targets of the whole table's
    scope = c.filter(c.comment_id.isin(["t2", "r1", "r2", "r4", "r6"]))
    rows = M.threads(scope, p, a, parents=c).to_pyarrow().to_pylist()
    assert sorted(r["comment_id"] for r in rows) == ["r1", "r2", "r4", "r6", "t2"]
    assert {r["comment_id"]: r["target_id"] for r in rows} == {
        "r1": "u1",
        "r2": "u2",
        "r4": "u2",
        "r6": None,
        "t2": None,
    }


def test_graph_stats_keep_each_creators_commenters_apart():
    """Two creators whose commenters share names (and edges listed in either order): each creator's graph is its own
    (a triangle under one, a single edge under the other), whatever order the rows come in."""
    import pyarrow as pa

    from tribescope.graph import graph_stats_from_edges

    rows = [
        ("x", "c2", "b", "a"),
        ("x", "c1", "a", "b"),
        ("y", "c1", "a", "b"),  # another platform: a third graph
        ("x", "c1", "c", "b"),
        ("x", "c1", "a", "c"),
        ("x", "c1", "b", "a"),  # the same pair again, reversed
        ("x", "c2", "a", "a"),  # a self loop: no edge
    ]
    for order in (rows, rows[::-1]):
        e = pa.table({k: [r[i] for r in order] for i, k in enumerate(("platform", "creator_id", "a", "b"))})
        got = {(r["platform"], r["creator_id"]): r for r in graph_stats_from_edges(e).to_pylist()}
        assert sorted(got) == [("x", "c1"), ("x", "c2"), ("y", "c1")]
        tri, one, other = got[("x", "c1")], got[("x", "c2")], got[("y", "c1")]
        assert (tri["graph_nodes"], tri["graph_edges"], tri["graph_clustering"]) == (3, 3, 1.0)
        assert (one["graph_nodes"], one["graph_edges"], one["graph_clustering"]) == (2, 1, None)
        assert (other["graph_nodes"], other["graph_edges"], other["graph_density"]) == (2, 1, 1.0)
        assert tri["graph_lcc_share"] == one["graph_lcc_share"] == 1.0
    empty = graph_stats_from_edges(e.slice(0, 0))
    assert empty.num_rows == 0 and empty.schema == graph_stats_from_edges(e).schema


@settings(max_examples=60, deadline=None)
@given(
    edges=st.lists(
        st.tuples(st.sampled_from(["c1", "c2", "c3"]), st.integers(0, 14), st.integers(0, 14)), max_size=120
    ),
    hub=st.integers(0, 40),
)
def test_graph_stats_equal_networkx_on_random_graphs(edges, hub):
    """Every creator's graph statistics against networkx on random commenter graphs (repeated pairs, both orders, self
    loops; ``hub`` more edges from one commenter of c1, the case the triangle count orders edges by degree for):
    nodes, edges, largest component share, density, and the mean local clustering over commenters with two or more
    neighbours (Watts & Strogatz); and bit for bit the same figures for the rows in other orders."""
    import networkx as nx
    import pyarrow as pa

    from tribescope.graph import graph_stats_from_edges

    rows = [(c, f"u{a}", f"u{b}") for c, a, b in edges] + [("c1", "u0", f"h{i}") for i in range(hub)]
    rows += [("c1", f"h{i}", f"h{i + 1}") for i in range(0, hub - 1, 2)]  # triangles through the hub
    e = pa.table(
        {
            "platform": ["youtube"] * len(rows),
            "creator_id": [r[0] for r in rows],
            "a": [r[1] for r in rows],
            "b": [r[2] for r in rows],
        },
        schema=pa.schema([(k, pa.string()) for k in ("platform", "creator_id", "a", "b")]),
    )
    stats = graph_stats_from_edges(e)
    # the same figures, to the last bit, whatever order the rows come in (the engine returns them in any order)
    for order in (list(range(e.num_rows))[::-1], sorted(range(e.num_rows), key=lambda i: (rows[i][2], i))):
        assert graph_stats_from_edges(e.take(pa.array(order, pa.int64()))).equals(stats)
    got = {r["creator_id"]: r for r in stats.to_pylist()}
    for c in sorted({r[0] for r in rows}):
        g = nx.Graph([(a, b) for cc, a, b in rows if cc == c and a != b])
        if g.number_of_edges() == 0:
            assert c not in got
            continue
        r = got[c]
        n, m = g.number_of_nodes(), g.number_of_edges()
        assert (r["graph_nodes"], r["graph_edges"]) == (n, m)
        assert r["graph_lcc_share"] == pytest.approx(max(len(x) for x in nx.connected_components(g)) / n)
        assert r["graph_density"] == pytest.approx(nx.density(g))
        local = nx.clustering(g)
        two = [local[v] for v in g if g.degree(v) >= 2]
        assert r["graph_clustering"] == (pytest.approx(sum(two) / len(two)) if two else None)


def test_offplatform_stage_without_links_has_the_expressions_columns(bws):
    """No community link: the score's offplatform stage is empty with the columns the expression gives; with a link
    it is the expression's result."""
    from tribescope.score._cache import ScoreRun
    from tribescope.score._score import _part
    from tribescope.score._spec import load_spec

    def stage():
        sc = ScoreRun.open(bws, write=False, full=True).scope(set())
        return _part(bws, "offplatform", sc, spec=load_spec(None))

    th = M.threads(bws.table("comments"), bws.table("posts"), bws.table("accounts"))
    off = M.offplatform(bws.table("community_links"), bws.table("community_messages"), th)
    got, want = stage(), off.to_pyarrow()
    assert got.num_rows == want.num_rows == 0
    assert got.schema.equals(want.schema, check_metadata=True)
    assert "community_overlap_share" in got.schema.names
    _link(bws, members=7)
    rows = stage().to_pylist()
    assert [(r["creator_id"], r["community_members"], r["community_messages"]) for r in rows] == [
        ("cre", 7, 0)
    ]


def test_sponsored_share_counts_the_classifiers_signals_not_ordinary_captions(ws):
    """``sponsored_share`` counts what docs/scoring.md and the post classifier count — the platform flag, disclosure
    hashtags (title or caption), a promo code, an affiliate link — not "link in bio", "thanks to @mum", "20% off" or
    "code review", which ordinary captions say."""
    import datetime as dt

    t0 = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    captions = [
        ("I1", None, "new recipe up! link in bio"),
        ("I2", None, "thanks to @mum for this photo"),
        ("I3", None, "my grandma's discount store find: 20% off vintage plates"),
        ("I4", None, "sunday code review, then code and a bit of laptop"),
        ("I5", None, "sunset walk"),
        ("S1", None, "new palette! use code ANNA15 for 15% off"),
        ("S2", "My skincare routine #ad", "what I use every morning"),
        ("S3", None, "the lamp: amzn.to/3xYz"),
    ]
    insert(
        ws, "accounts", [{"platform": "instagram", "account_id": "ig1", "username": "ig1", "followers": 5000}]
    )
    insert(
        ws,
        "posts",
        [
            {
                "platform": "instagram",
                "post_id": pid,
                "creator_id": "ig1",
                "created_at": t0,
                "title": title,
                "caption": cap,
                "likes": 100,
                "comments_count": 5,
            }
            for pid, title, cap in captions
        ],
    )
    rows = {r["post_id"]: r for r in M.sponsored_posts(ws.table("posts")).to_pyarrow().to_pylist()}
    assert [p for p, r in sorted(rows.items()) if r["sponsored_disclosed"] or r["sponsored_likely"]] == [
        "S1",
        "S2",
        "S3",
    ]
    assert rows["S2"]["sponsored_disclosed"] and rows["S1"]["sponsored_likely"]
    b = _one(M.brand_deals(ws.table("posts"), ws.table("accounts")))
    assert b["sponsored_share"] == pytest.approx(3 / 8)


@pytest.mark.parametrize(
    "text",
    [
        "use code LUMERA15 for 15% off",
        "use code for 20% off",
        "code: ABC10",
        "PETAL13 gets you a discount",
        "code review day",
        "Use my code SAVE today",
        "use my code save today",
        "with code ab",
        "with code a1b",
        "with code 1ab",
        "with code ab1",
        "code AB",
        "Code: XY9-",
        "promo code “GLOW20”",
        "discount code sunny",
        "my code SUNNY!",
        "CODE x1",
        "code abc1",
        "shop amzn.to/xyz",
        "page?ref=abc",
        "utm_medium=affiliate",
        "link in bio",
        "thanks to @brand",
        "20% off",
        "in partnership with @acme",
        "SUMMER20 for 20% off",
    ],
)
def test_the_engine_commercial_signal_pattern_agrees_with_the_classifier(text):
    import re

    import duckdb

    from tribescope.sponsored._disclosure import COMMERCIAL_SIGNAL_PATTERN, commercial_signals

    want = bool(commercial_signals(text))
    assert bool(re.search(COMMERCIAL_SIGNAL_PATTERN, text)) == want
    con = duckdb.connect()
    assert con.execute("SELECT regexp_matches(?, ?)", [text, COMMERCIAL_SIGNAL_PATTERN]).fetchone()[0] == want


def test_niche_focus_stays_within_zero_and_one():
    """Every use a different tag is 1 − ln N / ln N: floating point gave −4.4e-16 (shown as "-0.00")."""
    import ibis
    import pyarrow as pa

    rows = [
        {"platform": "instagram", "creator_id": f"c{n}", "post_id": f"p{n}_{i}", "hashtags": [f"t{i}"]}
        for n in range(2, 40)
        for i in range(n)
    ]
    out = M.niche(ibis.memtable(pa.Table.from_pylist(rows))).to_pyarrow().to_pylist()
    assert len(out) == 38 and all(0.0 <= r["niche_focus"] <= 1.0 for r in out)
    assert max(r["niche_focus"] for r in out) < 1e-12  # all spread: 0


def test_sentiment_mean_is_exact_whatever_order_the_rows_come_in():
    """The mean VADER compound over a creator's comments, summed in fixed point: the same figure for the rows in any
    order (a float sum depends on the order the engine adds them in), the exact mean of the four-decimal scores,
    nulls skipped."""
    import random
    from fractions import Fraction

    import ibis

    rng = random.Random(7)
    vals = [round(rng.uniform(-1, 1), 4) for _ in range(2000)] + [None] * 5
    exact = float(sum(Fraction(str(v)) for v in vals if v is not None) / 2000)
    con = ibis.duckdb.connect()
    got = set()
    for order in (vals, vals[::-1], sorted(vals, key=lambda v: (v is None, abs(v or 0)))):
        t = ibis.memtable({"s": order}, schema={"s": "float64"})
        got.add(con.execute(t.aggregate(m=M.sentiment_mean(t.s))).m[0])
    assert len(got) == 1
    assert got.pop() == pytest.approx(exact, abs=1e-15)


def test_niche_focus_is_the_same_whatever_order_the_rows_come_in():
    """The hashtag entropy behind ``niche_focus``, summed in fixed point: the same figure for the posts in any order
    (a float sum of the tags' terms depends on the order the engine adds them in; two scores of the same workspace
    differed in its last bit), within 1e-15 of the entropy summed exactly."""
    import math
    import random

    import ibis
    import pyarrow as pa

    rng = random.Random(11)
    counts = [rng.randint(1, 40) for _ in range(300)]  # 300 tags, each used on 1–40 posts
    rows = [
        {"platform": "instagram", "creator_id": "c", "post_id": f"p{t}_{i}", "hashtags": [f"tag{t}"]}
        for t, k in enumerate(counts)
        for i in range(k)
    ]
    n = sum(counts)
    h = -math.fsum(k / n * math.log(k / n) for k in counts)
    exact = 1 - h / math.log(n)
    con = ibis.duckdb.connect()
    got = set()
    for order in (rows, rows[::-1], sorted(rows, key=lambda r: (len(r["post_id"]), r["post_id"][::-1]))):
        (r,) = con.execute(M.niche(ibis.memtable(pa.Table.from_pylist(order)))).to_dict("records")
        got.add(r["niche_focus"])
    assert len(got) == 1
    assert got.pop() == pytest.approx(exact, abs=1e-15)


def test_a_creator_whose_posts_carry_no_hashtag_used_none():
    """``n_hashtag_uses`` and ``n_hashtags`` are 0 for a creator with posts but no hashtag (were null, shown as an
    unknown count beside creators' real counts); ``niche_focus`` stays null (fewer than 2 uses)."""
    import ibis
    import pyarrow as pa

    rows = [
        {"platform": "instagram", "creator_id": "tagged", "post_id": "p1", "hashtags": ["bake", "bread"]},
        {"platform": "instagram", "creator_id": "tagged", "post_id": "p2", "hashtags": ["bake"]},
        {"platform": "instagram", "creator_id": "plain", "post_id": "p3", "hashtags": None},
        {"platform": "instagram", "creator_id": "plain", "post_id": "p4", "hashtags": []},
        {"platform": "instagram", "creator_id": None, "post_id": "p5", "hashtags": ["orphan"]},
    ]
    t = ibis.memtable(
        pa.Table.from_pylist(
            rows,
            schema=pa.schema(
                [
                    ("platform", pa.string()),
                    ("creator_id", pa.string()),
                    ("post_id", pa.string()),
                    ("hashtags", pa.list_(pa.string())),
                ]
            ),
        )
    )
    out = {r["creator_id"]: r for r in M.niche(t).to_pyarrow().to_pylist()}
    assert set(out) == {"tagged", "plain"}
    assert (out["tagged"]["n_hashtag_uses"], out["tagged"]["n_hashtags"]) == (3, 2)
    assert (out["plain"]["n_hashtag_uses"], out["plain"]["n_hashtags"]) == (0, 0)
    assert out["plain"]["niche_focus"] is None
