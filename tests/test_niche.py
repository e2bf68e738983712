"""Niches on a tiny hand-written world (tests/_niche_world.py): overlap, topics, groups, leaders, circle, lookalikes."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests import _niche_world as W

import tribescope.niche as niche
from tribescope.niche import (
    CreatorNotFound,
    NicheError,
    audience,
    audience_sketches,
    community_profile,
    estimate_jaccard,
    inner_circle,
    niche_groups,
    overlap,
    overlap_list,
    post_topics,
    resolve_creators,
    similar,
    topics,
)

IG = "instagram"


@pytest.fixture
def world(ws):
    W.build(ws)
    return ws


def test_public_names():
    assert len(niche.__all__) == len(set(niche.__all__))
    assert set(niche.__all__) == {
        "CATEGORIES",
        "LEVELS",
        "CategoryModel",
        "CreatorGraph",
        "CreatorNotFound",
        "NicheError",
        "NicheGroups",
        "TopicModel",
        "activity",
        "audience",
        "audience_sketches",
        "community_profile",
        "creator_documents",
        "creator_graph",
        "estimate_jaccard",
        "fit_topics",
        "inner_circle",
        "load_category_model",
        "niche_groups",
        "overlap",
        "overlap_list",
        "pairwise_overlap",
        "post_documents",
        "post_topics",
        "predict_niche_category",
        "resolve_creators",
        "similar",
        "topics",
    }
    assert all(hasattr(niche, n) for n in niche.__all__)


def test_pairwise_overlap_exact(world):
    t = overlap(world, [(IG, "fa"), (IG, "fb"), (IG, "fc")]).to_pylist()
    by = {(r["a_id"], r["b_id"]): r for r in t}
    ab = by[("fa", "fb")]
    # fa: m1..m6, fb, fc (8); fb: m1..m3 (3); shared 3
    assert (ab["size_a"], ab["size_b"], ab["shared"]) == (8, 3, 3)
    assert ab["jaccard"] == pytest.approx(3 / 8)
    assert ab["overlap_min"] == pytest.approx(1.0)
    assert ab["cosine"] == pytest.approx(3 / math.sqrt(24))
    ac = by[("fa", "fc")]
    assert (ac["shared"], ac["jaccard"], ac["overlap_min"]) == (2, pytest.approx(2 / 9), pytest.approx(2 / 3))
    assert by[("fb", "fc")]["shared"] == 0 and by[("fb", "fc")]["jaccard"] == 0.0


def test_unique_vs_shared_audience_of_a_list(world):
    per, totals = overlap_list(world, [(IG, "fa"), (IG, "fb"), (IG, "fc")])
    rows = {r["creator_id"]: (r["audience"], r["unique"], r["shared"]) for r in per.to_pylist()}
    assert rows == {"fa": (8, 3, 5), "fb": (3, 0, 3), "fc": (3, 1, 2)}
    assert totals == {"reach": 9, "sum_audiences": 14, "duplicated": 5}
    # a creator named twice is one creator: its audience is not counted twice
    per, totals = overlap_list(world, [(IG, "fa"), (IG, "fb"), (IG, "fa")])
    assert totals == {"reach": 8, "sum_audiences": 11, "duplicated": 3}


def test_audience_excludes_the_creator_own_comments(world):
    W.insert(
        world,
        "comments",
        [
            {
                "platform": IG,
                "comment_id": "own1",
                "post_id": "fb-p0",
                "author_id": "fb",
                "created_at": W.T0,
                "text": "thanks all",
            }
        ],
    )
    a = audience(world, [(IG, "fb")]).to_pyarrow()
    assert sorted(a["member_id"].to_pylist()) == ["m1", "m2", "m3"]


def test_resolve_creators_by_id_username_and_platform(world):
    assert resolve_creators(world, ["fa", "FB", "instagram:fc", "@KA"]) == [
        (IG, "fa"),
        (IG, "fb"),
        (IG, "fc"),
        (IG, "ka"),
    ]
    with pytest.raises(CreatorNotFound, match=r"no creator 'nobody' in this workspace"):
        resolve_creators(world, ["nobody"])


def test_resolve_creators_takes_the_spellings_explain_takes(world):
    """`circle 'Instagram:fa'` and `similar ' fa'` were "no creator" while `explain` found both: the platform prefix
    was case-sensitive and spaces were kept. Now one rule for both (strip, platform case-insensitive, leading @)."""
    spellings = [" fa", "fa ", "Instagram:fa", "INSTAGRAM:FA", " instagram : @fa ", "@instagram:fa", "@FA"]
    assert resolve_creators(world, spellings) == [(IG, "fa")] * len(spellings)
    with pytest.raises(CreatorNotFound, match=r"no creator 'TikTok:fa'"):
        resolve_creators(world, ["TikTok:fa"])  # a known platform still restricts the search


def test_unknown_creators_and_names_instead_of_pairs_are_errors(world):
    """``similar`` of an unknown creator returned 10 arbitrary creators at similarity 0 and ``inner_circle`` an empty
    table; ``overlap`` of names unpacked each string into a made-up pair (``('f', 'a')``), ``resolve_creators`` of one
    name looked up its letters. Now: CreatorNotFound, TypeError, and one name taken as a list of it."""
    for call in (lambda: similar(world, (IG, "nobody")), lambda: inner_circle(world, (IG, "nobody"))):
        with pytest.raises(CreatorNotFound, match="instagram:nobody has no posts"):
            call()
    for call in (
        lambda: overlap(world, ["fa", "fb"]),
        lambda: overlap_list(world, ["fa", "fb"]),
        lambda: audience(world, "fa"),
        lambda: similar(world, "fa"),
        lambda: inner_circle(world, "fa"),
    ):
        with pytest.raises(TypeError, match="resolve_creators"):
            call()
    assert resolve_creators(world, "FA") == [(IG, "fa")]
    assert similar(world, (IG, "fa")).num_rows > 0  # a known creator as before


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ws: similar(ws, (IG, "fa"), n=-1), r"similar: n=-1 is out of range; .*1 or more"),
        (lambda ws: similar(ws, (IG, "fa"), n=0), r"similar: n=0 is out of range"),
        (
            lambda ws: inner_circle(ws, (IG, "fa"), half_life_weeks=0),
            r"inner_circle: half_life_weeks=0 is out of range; .*above 0",
        ),
        (
            lambda ws: inner_circle(ws, (IG, "fa"), half_life_weeks=-13),
            r"half_life_weeks=-13 is out of range",
        ),
        (lambda ws: inner_circle(ws, (IG, "fa"), half_life_weeks=math.nan), r"half_life_weeks=nan is out"),
        (
            lambda ws: niche_groups(ws, resolution=-1),
            r"niche_groups: resolution=-1 is out of range; .*above 0",
        ),
        (
            lambda ws: niche_groups(ws, resolutions=(1.0, 0.0)),
            r"niche_groups: resolutions=0.0 is out of range",
        ),
        (lambda ws: niche_groups(ws, alpha=2), r"niche_groups: alpha=2 is out of range; it is 0 .* to 1"),
        (lambda ws: niche_groups(ws, alpha=-0.5), r"alpha=-0.5 is out of range"),
    ],
)
def test_niche_functions_refuse_out_of_range_parameters(world, call, message):
    """The CLI bounds these options, the functions took anything: similar(n=-1) listed all creators but one,
    inner_circle(half_life_weeks=0) gave NaN love (negative: old weeks weighed most), niche_groups ran with a
    negative resolution or alpha=2. Now a NicheError naming the parameter and its range."""
    with pytest.raises(NicheError, match=message):
        call(world)


def test_niche_parameters_of_the_wrong_type_are_type_errors(world):
    with pytest.raises(TypeError, match="similar takes n as an int"):
        similar(world, (IG, "fa"), n=2.5)
    with pytest.raises(TypeError, match="niche_groups takes alpha as a number"):
        niche_groups(world, alpha="0.5")


def test_overlap_of_an_unknown_creator_is_an_error_not_an_empty_audience(world):
    """An unknown creator read as an empty audience: ``overlap`` gave it zero-overlap rows, ``overlap_list`` a
    0-account audience. Now CreatorNotFound naming every unknown one (one query for all)."""
    with pytest.raises(CreatorNotFound, match=r"overlap: instagram:ghost, tiktok:fa have no posts"):
        overlap(world, [(IG, "fa"), (IG, "ghost"), ("tiktok", "fa")])
    with pytest.raises(CreatorNotFound, match=r"overlap_list: instagram:ghost has no posts"):
        overlap_list(world, [(IG, "fa"), (IG, "ghost")])


def test_minhash_is_exact_for_small_sets_and_close_for_large():
    a, b = np.arange(0, 100), np.arange(50, 150)
    assert estimate_jaccard(a, b, 256) == pytest.approx(50 / 150)
    rng = np.random.default_rng(0)
    universe = np.unique(rng.integers(0, 2**62, 6000))[:5999]  # stand-ins for 64-bit hashes of member keys
    universe = universe[rng.permutation(len(universe))][:6000]
    sa, sb = universe[:4000], universe[2000:]
    k = 256
    est = estimate_jaccard(np.sort(sa)[:k], np.sort(sb)[:k], k)
    truth = 2000 / len(universe)
    assert abs(est - truth) < 0.1  # standard error √(J(1−J)/k) ≈ 0.03


def test_minhash_of_two_empty_audiences_is_unknown_as_the_exact_jaccard():
    """Two empty sketches gave 0.0 where the exact Jaccard of two empty audiences is null; now None as well."""
    empty = np.array([], dtype=np.int64)
    assert estimate_jaccard(empty, empty, 64) is None
    assert estimate_jaccard(empty, np.array([7]), 64) == 0.0  # one empty audience: a measured 0


def test_audience_sketch_keeps_k_smallest_hashes(world):
    sk = audience_sketches(audience(world), k=2).to_pyarrow().to_pylist()
    per: dict[str, list[int]] = {}
    for r in sk:
        per.setdefault(r["creator_id"], []).append(r["h"])
    assert all(len(v) == 2 for v in per.values()) and set(per) == set(W.AUDIENCE)


def test_topics_have_readable_terms_per_creator_and_post(world):
    m = topics(world)
    assert m.n_topics == 2
    ct = {r["creator_id"]: r for r in m.creator_table().to_pylist()}
    assert ct["fa"]["topic"] == ct["fb"]["topic"] != ct["ka"]["topic"]
    assert "#fitness" in ct["fa"]["topic_terms"] and "recipe" in ct["ka"]["topic_terms"]
    pt = {r["post_id"]: r for r in post_topics(world, m).to_pylist()}
    assert pt["kb-p1"]["topic"] == ct["ka"]["topic"] and pt["fc-p2"]["topic"] == ct["fa"]["topic"]


def test_niche_groups_leaders_and_bridges(world):
    res = niche_groups(world, seed=0)
    c = {r["creator_id"]: r for r in res.creators.to_pylist()}
    assert {c[x]["group"] for x in ("fa", "fb", "fc")} != {c[x]["group"] for x in ("ka", "kb", "kc")}
    assert len({c[x]["group"] for x in ("fa", "fb", "fc")}) == 1
    assert res.groups.num_rows == 2
    # leaders: the creator holding the niche's regulars and its interaction hub
    assert c["fa"]["leader_rank"] == 1 and c["ka"]["leader_rank"] == 1
    assert c["fa"]["is_leader"] and not c["fb"]["is_leader"]
    assert c["fa"]["reach"] == 1.0 and c["fb"]["reach"] == 0.0
    # fc and ka share member x: the only path between the niches
    assert {x for x, r in c.items() if r["is_bridge"]} == {"fc", "ka"}
    assert c["fc"]["betweenness"] == pytest.approx(c["ka"]["betweenness"]) and c["fc"]["betweenness"] > 0
    g = {r["group"]: r for r in res.groups.to_pylist()}
    assert g[c["fa"]["group"]]["leaders"] == "FA"
    assert "#fitness" in g[c["fa"]["group"]]["label"]
    assert res.sweep.column("chosen").to_pylist().count(True) == 1
    assert res.resolution in res.sweep.column("resolution").to_pylist()


def test_niche_groups_with_a_fixed_resolution(world):
    res = niche_groups(world, resolution=1.0)
    assert res.resolution == 1.0 and res.sweep.num_rows == 1 and res.groups.num_rows == 2


def test_topic_only_graph_when_no_audiences_are_shared(ws):
    W.build(ws)
    ws.duck.execute("DELETE FROM comments")
    res = niche_groups(ws)
    assert res.alpha == 0.0 and any("no creators share" in n for n in res.notes)
    c = {r["creator_id"]: r["group"] for r in res.creators.to_pylist()}
    assert c["fa"] == c["fb"] == c["fc"] != c["ka"] == c["kb"] == c["kc"]


def _circle_world(ws):
    W.insert(
        ws,
        "posts",
        [
            {
                "platform": IG,
                "post_id": f"p{i}",
                "creator_id": "cr",
                "created_at": W.T0 + dt.timedelta(weeks=i),
            }
            for i in range(30)
        ],
    )
    rows = []
    # loyal: one comment in each of weeks 25..29 (the last five weeks)
    rows += [
        {
            "comment_id": f"l{w}",
            "post_id": f"p{w}",
            "author_id": "loyal",
            "created_at": W.T0 + dt.timedelta(weeks=w),
        }
        for w in range(25, 30)
    ]
    # fan: weeks 28 and 29, and replies once to loyal
    rows += [
        {
            "comment_id": f"f{w}",
            "post_id": f"p{w}",
            "author_id": "fan",
            "created_at": W.T0 + dt.timedelta(weeks=w),
        }
        for w in (28, 29)
    ]
    rows.append(
        {
            "comment_id": "f-r",
            "post_id": "p29",
            "author_id": "fan",
            "parent_comment_id": "l29",
            "created_at": W.T0 + dt.timedelta(weeks=29, hours=1),
        }
    )
    # old: one comment 26 weeks before the last week
    rows.append(
        {"comment_id": "o3", "post_id": "p3", "author_id": "old", "created_at": W.T0 + dt.timedelta(weeks=3)}
    )
    W.insert(ws, "comments", [{"platform": IG, "text": "hi", **r} for r in rows])
    W.insert(ws, "accounts", [{"platform": IG, "account_id": "loyal", "username": "Loyal", "followers": 999}])


def test_inner_circle_orbit_levels_exact(ws):
    _circle_world(ws)
    t = {r["member_id"]: r for r in inner_circle(ws, (IG, "cr")).to_pylist()}
    h = 13.0
    loyal_love = sum(0.5 ** (a / h) for a in range(5))
    assert t["loyal"]["active_weeks"] == 5 and t["loyal"]["love"] == pytest.approx(loyal_love)
    assert (t["loyal"]["level"], t["loyal"]["level_name"]) == (1, "advocate")
    assert t["loyal"]["reach"] == pytest.approx(3.0) and t["loyal"]["reach_source"] == "followers"
    assert t["loyal"]["replied_by"] == 1
    assert t["loyal"]["gravity"] == pytest.approx(loyal_love * 4.0)
    assert t["fan"]["love"] == pytest.approx(1 + 0.5 ** (1 / h))
    assert (t["fan"]["level"], t["fan"]["level_name"], t["fan"]["reach_source"]) == (
        3,
        "participant",
        "replies",
    )
    assert t["old"]["love"] == pytest.approx(0.25) and t["old"]["level"] == 4
    order = [r["member_id"] for r in inner_circle(ws, (IG, "cr")).to_pylist()]
    assert order == ["loyal", "fan", "old"]
    assert [r["member_id"] for r in inner_circle(ws, (IG, "cr")).to_pylist() if r["inner_circle"]] == [
        "loyal"
    ]


def test_inner_circle_levels_are_configurable(ws):
    _circle_world(ws)
    levels = {1: ("core", 1.5), 2: ("rest", 0.0)}
    t = {r["member_id"]: r["level_name"] for r in inner_circle(ws, (IG, "cr"), levels=levels).to_pylist()}
    assert t == {"loyal": "core", "fan": "core", "old": "rest"}


def test_inner_circle_keeps_members_whose_engagement_is_undated(ws):
    """`circle` dropped every act without a timestamp, so a member who only wrote undated comments was missing and
    its count contradicted `overlap` / `niches`. Now undated acts count with weight 0 (the oldest possible, no
    recency credit): the member is listed with its acts, love 0, and a dated member's love is unchanged."""
    _circle_world(ws)
    undated = [("u1", "nodate", "p1"), ("u2", "nodate", "p2"), ("u3", "nodate", "p3"), ("u4", "loyal", "p4")]
    W.insert(
        ws,
        "comments",
        [
            {"platform": IG, "comment_id": c, "post_id": p, "author_id": a, "text": "hi"}
            for c, a, p in undated
        ],
    )
    t = {r["member_id"]: r for r in inner_circle(ws, (IG, "cr")).to_pylist()}
    assert (
        set(t) == {"loyal", "fan", "old", "nodate"} == set(audience(ws).to_pyarrow()["member_id"].to_pylist())
    )
    n = t["nodate"]
    assert (n["acts"], n["active_weeks"], n["love"], n["level"], n["first_seen"]) == (3, 0, 0.0, 4, None)
    assert t["loyal"]["acts"] == 6 and t["loyal"]["active_weeks"] == 5
    assert t["loyal"]["love"] == pytest.approx(sum(0.5 ** (a / 13.0) for a in range(5)))
    assert t["old"]["love"] == pytest.approx(0.25)  # the latest dated week is still the reference


def test_similar_ranks_same_niche_first_with_reasons(world):
    t = similar(world, (IG, "fa"), n=3).to_pylist()
    assert [r["creator_id"] for r in t] == ["fb", "fc", "ka"]
    assert t[0]["shared_accounts"] == 3 and t[0]["topic"] == pytest.approx(1.0)
    assert "3 shared engaged accounts (100.0% of the smaller audience)" in t[0]["reasons"]
    assert "#fitness" in t[0]["reasons"]
    assert t[2]["topic"] == pytest.approx(0.0) and t[2]["audience"] == 0.0


def test_missing_follower_count_is_a_missing_size_and_skipped_in_profiles(world):
    # kc without a follower count (as every Reddit creator): size must be null, not min(NULL, 1) = 1
    world.duck.execute("UPDATE accounts SET followers = NULL WHERE account_id = 'kc'")
    prof = {r["creator_id"]: r for r in community_profile(world).to_pyarrow().to_pylist()}
    assert prof["kc"]["followers"] is None and prof["kc"]["size"] is None
    assert prof["fa"]["size"] == pytest.approx(math.log10(5001) / 7)
    # fa vs kc: size skipped; reply_share 0/0, returning_share 2/8 (m1, m2) vs 0/2, responsiveness 0/0,
    # community 0/0 → profile = 1 − 0.25/4
    t = {r["creator_id"]: r for r in similar(world, (IG, "fa"), n=10).to_pylist()}
    assert t["kc"]["profile"] == pytest.approx(1 - 0.25 / 4)


def test_similar_gives_no_profile_likeness_from_two_creators_without_a_community_alone(ws):
    """Two creators whose only comparable profile feature was that neither runs a community got "profile 1.00" (0.3 of
    the similarity). Now that profile part is missing (null, adding 0) with no profile reason; a creator that runs a
    space against one that does not is still a compared (opposite) profile."""
    W.insert(
        ws,
        "posts",
        [
            {
                "platform": IG,
                "post_id": f"{c}-p",
                "creator_id": c,
                "created_at": W.T0,
                "caption": text,
            }
            for c, text in (("pa", "pottery glaze kiln"), ("pb", "pottery wheel clay"), ("pc", "glaze mugs"))
        ],
    )
    t = {r["creator_id"]: r for r in similar(ws, (IG, "pa")).to_pylist()}
    assert t["pb"]["profile"] is None and "profile" not in t["pb"]["reasons"]
    assert t["pb"]["similarity"] == pytest.approx(0.4 * t["pb"]["topic"])
    W.insert(
        ws,
        "community_links",
        [{"platform": "discord", "space_id": "s", "creator_platform": IG, "creator_id": "pc"}],
    )
    t = {r["creator_id"]: r for r in similar(ws, (IG, "pa")).to_pylist()}
    assert t["pc"]["profile"] == 0.0 and "profile 0.00" in t["pc"]["reasons"]
    assert t["pb"]["profile"] is None


def test_negative_follower_count_is_unknown_in_circle_and_profiles(ws):
    """A follower count of -1 (what scrapers write for "unknown") failed `circle` and `similar` on log10(0) ("cannot
    take logarithm of zero"). Now a negative count is a missing one: reach from replies, no size."""
    _circle_world(ws)
    ws.duck.execute("UPDATE accounts SET followers = -1 WHERE account_id = 'loyal'")
    t = {r["member_id"]: r for r in inner_circle(ws, (IG, "cr")).to_pylist()}
    assert t["loyal"]["followers"] is None and t["loyal"]["reach_source"] == "replies"
    assert t["loyal"]["reach"] == pytest.approx(math.log10(2))  # replied to by fan
    W.insert(ws, "accounts", [{"platform": IG, "account_id": "cr", "username": "cr", "followers": -1}])
    prof = {r["creator_id"]: r for r in community_profile(ws).to_pyarrow().to_pylist()}
    assert prof["cr"]["followers"] is None and prof["cr"]["size"] is None


def test_creator_alone_on_its_platform_in_a_group_gets_neutral_centrality(world):
    # a Reddit gym creator with no interaction joins the fitness group through its topic only; alone on reddit
    # there, its PageRank and core percentiles are the neutral 0.5 (rank/n over one creator would give it 1.0)
    W.insert(
        world,
        "posts",
        [
            {
                "platform": "reddit",
                "post_id": f"rz-p{i}",
                "creator_id": "rz",
                "created_at": W.T0 + dt.timedelta(days=7 * i),
                "caption": text,
            }
            for i, text in enumerate(W.FIT)
        ],
    )
    res = niche_groups(world, seed=0)
    c = {r["creator_id"]: r for r in res.creators.to_pylist()}
    assert c["rz"]["group"] == c["fa"]["group"] == c["fb"]["group"] == c["fc"]["group"]
    assert c["rz"]["reach"] == 0.0 and c["rz"]["core"] == 0
    # pct(reach), mid-rank (rank − ½) / n: fa first, fb, fc, rz tied at 0 → rank 2 of 4 → 0.375 (rank / n gave 0.5)
    assert c["rz"]["leader_score"] == pytest.approx(0.25 * 0.5 + 0.25 * 0.5 + 0.5 * 0.375)
    assert c["fa"]["leader_rank"] == 1 and c["rz"]["leader_rank"] > c["fb"]["leader_rank"]
    assert not c["rz"]["is_leader"]


def _own_space_world(ws):
    """reddit:rr runs r/rrspace and writes in it; f1 and f2 are its members (f2 replies to rr)."""
    W.insert(
        ws,
        "posts",
        [{"platform": "reddit", "post_id": "rr-p0", "creator_id": "rr", "created_at": W.T0, "caption": "hi"}],
    )
    W.insert(
        ws,
        "community_links",
        [{"platform": "reddit", "space_id": "rrspace", "creator_platform": "reddit", "creator_id": "rr"}],
    )
    msgs = [
        ("q1", "rr", None, 0),
        ("q2", "f1", "q1", 1),
        ("q3", "rr", "q2", 2),
        ("q4", "f2", "q3", 3),
        ("q5", "rr", None, 8),
        ("q6", "f1", "q5", 9),
    ]
    W.insert(
        ws,
        "community_messages",
        [
            {
                "platform": "reddit",
                "message_id": mid,
                "space_id": "rrspace",
                "author_id": author,
                "reply_to": reply_to,
                "created_at": W.T0 + dt.timedelta(days=day),
                "text": "hello",
            }
            for mid, author, reply_to, day in msgs
        ],
    )


def test_creator_writing_in_its_own_space_is_not_its_audience(ws):
    _own_space_world(ws)
    a = audience(ws, [("reddit", "rr")]).to_pyarrow()
    assert sorted(zip(a["member_platform"].to_pylist(), a["member_id"].to_pylist(), strict=True)) == [
        ("reddit", "f1"),
        ("reddit", "f2"),
    ]
    circle = {r["member_id"]: r for r in inner_circle(ws, ("reddit", "rr")).to_pylist()}
    assert set(circle) == {"f1", "f2"}
    assert circle["f1"]["acts"] == 2 and circle["f2"]["acts"] == 1


@settings(max_examples=20, deadline=None)
@given(
    st.sets(st.integers(0, 300), min_size=1, max_size=120),
    st.sets(st.integers(0, 300), min_size=1, max_size=120),
)
def test_minhash_with_full_sketches_equals_jaccard(a, b):
    """Property: when both sets fit in the sketch, the estimate is the exact Jaccard index."""
    a_, b_ = np.array(sorted(a)), np.array(sorted(b))
    assert estimate_jaccard(a_, b_, 256) == pytest.approx(len(a & b) / len(a | b))
