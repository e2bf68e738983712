"""Lookalikes, niche groups, audience overlap and the budget plan against figures worked out by hand on tiny
hand-written workspaces (all names invented)."""

from __future__ import annotations

import datetime as dt

import pytest
from tests import _niche_world as W

from tribescope.brand import add_brand
from tribescope.campaigns._plan import plan_budget
from tribescope.niche import creator_graph, niche_groups, similar, topics

IG = "instagram"

#: two creators per niche; the gym and the yoga creator share no word, the two bakers share most of theirs
TEXTS = {
    "lifter": [
        "barbell squat deadlift #powerlifting",
        "deadlift form cues barbell",
        "squat depth powerlifting meet",
    ],
    "yogi": [
        "sunrise vinyasa flow breathwork #yoga",
        "vinyasa mat stretches breathwork",
        "meditation flow mat #yoga",
    ],
    "baker": [
        "sourdough starter bread flour #baking",
        "bread crumb sourdough oven",
        "flour hydration starter bread",
    ],
    "cook": [
        "sourdough pizza dough flour oven #baking",
        "bread rolls oven flour",
        "pasta dough flour sourdough",
    ],
}


def _creators(ws, followers: dict[str, int], texts: dict[str, list[str]] | None = None) -> None:
    W.insert(
        ws,
        "accounts",
        [{"platform": IG, "account_id": c, "username": c, "followers": f} for c, f in followers.items()],
    )
    posts = []
    for c in followers:
        for i, text in enumerate((texts or {}).get(c, ["hi"])):
            tags = [w[1:] for w in text.split() if w.startswith("#")]
            posts.append(
                {
                    "platform": IG,
                    "post_id": f"{c}-p{i}",
                    "creator_id": c,
                    "created_at": W.T0 + dt.timedelta(days=i),
                    "caption": text,
                    "hashtags": tags,
                }
            )
    W.insert(ws, "posts", posts)


def _commenters(ws, audiences: dict[str, list[str]]) -> None:
    W.insert(
        ws,
        "comments",
        [
            {
                "platform": IG,
                "comment_id": f"{c}-{m}",
                "post_id": f"{c}-p0",
                "author_id": m,
                "created_at": W.T0,
                "text": "yes",
            }
            for c, members in audiences.items()
            for m in members
        ],
    )


def test_creators_sharing_no_word_are_not_similar_however_coarse_the_topics(ws):
    # four creators → two NMF topics: powerlifting and yoga land in one topic (topic mixes cos 1) without one word in
    # common; text similarity √(cos_topic · cos_words) is 0 for them, and stays high for the two bakers
    _creators(ws, dict.fromkeys(TEXTS, 3000), TEXTS)
    assert topics(ws).n_topics == 2
    lifter = {r["creator_id"]: r for r in similar(ws, (IG, "lifter")).to_pylist()}
    assert lifter["yogi"]["topic"] == 0.0 and "topics" not in lifter["yogi"]["reasons"]
    assert lifter["yogi"]["similarity"] == pytest.approx(0.3)  # the profile part only (identical profiles)
    baker = similar(ws, (IG, "baker")).to_pylist()
    assert baker[0]["creator_id"] == "cook" and baker[0]["topic"] > 0.5
    assert baker[0]["similarity"] > 0.5 and "words cos" in baker[0]["reasons"]
    # the creator graph ties no creators by topic that share no word
    g = creator_graph(ws)
    ties = {frozenset((g.keys[a][1], g.keys[b][1])) for a, b in zip(g.src, g.dst, strict=True)}
    assert ties == {frozenset(("baker", "cook"))}


def test_text_similarity_is_the_geometric_mean_of_topic_and_word_cosines(ws):
    _creators(ws, dict.fromkeys(TEXTS, 3000), TEXTS)
    m = topics(ws)
    i = {k[1]: n for n, k in enumerate(m.keys)}
    rows = [i["lifter"], i["baker"]]
    t, w, s = m.topic_cosine(rows), m.word_cosine(rows), m.similarity(rows)
    assert t[0][i["yogi"]] == pytest.approx(1.0) and w[0][i["yogi"]] == 0.0 and s[0][i["yogi"]] == 0.0
    assert s[1][i["cook"]] == pytest.approx((t[1][i["cook"]] * w[1][i["cook"]]) ** 0.5)
    assert s[1][i["cook"]] > 0.5
    assert s[0][i["lifter"]] == pytest.approx(1.0)  # a creator is its own perfect match


@pytest.mark.parametrize(
    ("shared", "smaller", "bound"),
    [(0, 5, 0.0), (1, 3, 0.0783), (3, 3, 0.5258), (20, 60, 0.2423), (1000, 3000, 0.3193), (0, 0, 0.0)],
)
def test_overlap_bound_is_the_wilson_lower_bound(shared, smaller, bound):
    from tribescope.campaigns._plan import overlap_bound

    # (p + z²/2n − z√(p(1−p)/n + z²/4n²)) / (1 + z²/n), z = 1.6449 (one-sided 95 %); worked out by hand for 1 of 3:
    # (0.3333 + 0.4510 − 1.6449 · √(0.0741 + 0.0752)) / 1.9020 = 0.0783
    assert overlap_bound(shared, smaller) == pytest.approx(bound, abs=1e-4)
    assert overlap_bound(shared, smaller, 0.5) == pytest.approx(shared / smaller if smaller else 0.0)
    with pytest.raises(ValueError, match="overlap confidence"):
        overlap_bound(shared, smaller, 1.0)


def _plan_world(ws, audiences: dict[str, list[str]]):
    # alice and bella are alike (8,000 followers, fee 100, 3.84 expected conversions by the default nano prior:
    # 0.4 × 1.2 × 8); carla is the next best (6,000 followers, 2.88); a budget of 200 buys two
    _creators(ws, {"alice": 8000, "bella": 8000, "carla": 6000})
    _commenters(ws, audiences)
    add_brand(ws, "Acme", keywords="acme")
    return plan_budget(ws, 200, brand="Acme", min_community_share=0.0, min_roi=None)


def test_plan_does_not_read_one_shared_of_three_commenters_as_a_third_of_the_audience(ws):
    # 1 shared of 3 known commenters: overlap_min 1/3 took bella's value to 2.56 < carla's 2.88; its 95 % lower
    # bound 0.078 leaves 3.54
    res = _plan_world(
        ws, {"alice": ["u1", "u2", "s"], "bella": ["v1", "v2", "s"], "carla": ["w1", "w2", "w3"]}
    )
    assert res.picks.column("creator_id").to_pylist() == ["alice", "bella"]
    assert res.picks.column("max_overlap").to_pylist() == pytest.approx([0.0, 0.0783], abs=1e-4)
    assert (
        "≥ 7.8% audience overlap with earlier picks (95% lower bound"
        in res.picks.column("rationale")[1].as_py()
    )
    # the headline expected conversions are the picks' 7.68 less bella's overlap: 3.84 + 3.84 × (1 − 0.0783)
    assert res.summary["expected_conversions_before_overlap"] == pytest.approx(7.68)
    assert res.summary["expected_conversions"] == pytest.approx(3.84 + 3.84 * (1 - 0.078266), abs=1e-4)
    assert any("7.4 are the picks' 7.7 less their audience overlap" in n for n in res.summary["notes"])


def test_plan_still_discounts_an_overlap_the_audiences_show(ws):
    # 30 shared of 40 known commenters each: lower bound 0.62, bella worth 1.46 < carla's 2.88
    shared = [f"s{i}" for i in range(30)]
    res = _plan_world(
        ws,
        {
            "alice": shared + [f"a{i}" for i in range(10)],
            "bella": shared + [f"b{i}" for i in range(10)],
            "carla": [f"c{i}" for i in range(40)],
        },
    )
    assert res.picks.column("creator_id").to_pylist() == ["alice", "carla"]


def test_niche_groups_say_why_text_ties_are_missing_when_texts_share_no_word(ws):
    # three creators of disjoint vocabularies whose audiences overlap: the graph is audience-only, and the note says
    # the texts are unlike, not that there is no text (there is)
    texts = {c: TEXTS[c] for c in ("lifter", "yogi", "baker")}
    _creators(ws, dict.fromkeys(texts, 3000), texts)
    _commenters(ws, {"lifter": ["m1", "m2", "m3"], "yogi": ["m1", "m2", "m4"], "baker": ["m3", "m5"]})
    res = niche_groups(ws)
    assert res.alpha == 1.0
    assert res.notes == [
        "audience weight α=1 (asked 0.5): no two creators' texts are alike (they share too few words)"
    ]
