"""The numbers of `circle`, `similar` and the niche leaders are the score spec's (`[circle]`, `[similar]`,
`[leaders]`, spec v1.3.0), and the campaign planner's tiers are its `[tiers]`: they were constants in the code, which a
`--spec FILE` did not move. The packaged spec gives what the constants gave."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

pytest.importorskip("tribescope.niche")

from tests import _niche_world as W

from tribescope.campaigns._tiers import tier_of
from tribescope.metrics import DEFAULT_TIERS
from tribescope.niche import inner_circle, niche_groups, similar
from tribescope.score import SpecError, load_spec

try:  # the tests folder may or may not be a package
    from ._score_fixtures import run_cli
    from .test_niche import _circle_world
except ImportError:
    from _score_fixtures import run_cli  # type: ignore[no-redef]
    from test_niche import _circle_world  # type: ignore[no-redef]

IG = "instagram"
DEFAULT = resources.files("tribescope.score").joinpath("spec.toml").read_text("utf-8")


def _spec(tmp_path: Path, old: str, new: str) -> Path:
    assert DEFAULT.count(old) == 1, old
    p = tmp_path / f"edited-{len(list(tmp_path.glob('edited-*')))}.toml"
    p.write_text(DEFAULT.replace(old, new), encoding="utf-8")
    return p


def test_the_packaged_spec_holds_what_the_code_held():
    sp = load_spec()
    assert sp.circle_half_life_weeks == 13.0
    assert sp.circle_levels == {
        1: ("advocate", 4.0),
        2: ("contributor", 2.0),
        3: ("participant", 1.0),
        4: ("explorer", 0.0),
    }
    assert sp.similar_weights == (0.4, 0.3, 0.3)
    assert sp.leader_weights == (0.25, 0.25, 0.5)
    assert sp.tiers == tuple(DEFAULT_TIERS)  # the metrics' default tiers are the spec's


def test_a_spec_copied_before_the_tables_takes_the_packaged_values(tmp_path):
    text = re.sub(r"(?ms)^\[(circle|similar|leaders)\]\n.*?\n\n", "", DEFAULT)
    assert "[circle]" not in text and "[leaders]" not in text
    p = tmp_path / "old.toml"
    p.write_text(text, encoding="utf-8")
    sp, packaged = load_spec(p), load_spec()
    assert (sp.circle_levels, sp.similar_weights, sp.leader_weights) == (
        packaged.circle_levels,
        packaged.similar_weights,
        packaged.leader_weights,
    )


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        (
            "contributor = 2.0\n",
            "contributor = 4.0\n",
            r"\[circle\]: advocate = 4 must be above contributor = 4",
        ),
        ("participant = 1.0\n", "participant = 0\n", r"\[circle\]: participant = 0 must be above 0"),
        (
            "half_life_weeks = 13\n",
            "half_life_weeks = 0\n",
            r"\[circle\]: 'half_life_weeks' must be a number > 0",
        ),
        ("topic = 0.4\n", "topic = -0.4\n", r"\[similar\]: 'topic' must be a number >= 0"),
        ("reach = 0.5\n", "reach = 0.5\nhops = 2\n", r"\[leaders\]: unknown key 'hops'"),
        ("profile = 0.3\n", "", r"\[similar\]: 'profile' is missing"),
    ],
)
def test_a_bad_audience_table_is_an_error_naming_it(tmp_path, old, new, error):
    with pytest.raises(SpecError, match=error):
        load_spec(_spec(tmp_path, old, new))


def test_circle_spec_moves_the_levels(ws, tmp_path):
    _circle_world(ws)
    # fan: love 1 + 0.5^(1/13) = 1.947, a participant by the packaged spec; a contributor at 1.9
    edited = _spec(tmp_path, "contributor = 2.0\n", "contributor = 1.9\n")
    before = {r["member_id"]: r["level_name"] for r in inner_circle(ws, (IG, "cr")).to_pylist()}
    after = {r["member_id"]: r["level_name"] for r in inner_circle(ws, (IG, "cr"), spec=edited).to_pylist()}
    assert before == {"loyal": "advocate", "fan": "participant", "old": "explorer"}
    assert after == {"loyal": "advocate", "fan": "contributor", "old": "explorer"}
    # a longer half-life: old's one comment 26 weeks back weighs 0.5^(26/52) = 0.71, still an explorer; fan 1.987
    longer = _spec(tmp_path, "half_life_weeks = 13\n", "half_life_weeks = 52\n")
    t = {r["member_id"]: r for r in inner_circle(ws, (IG, "cr"), spec=longer).to_pylist()}
    assert t["old"]["love"] == pytest.approx(0.5**0.5)

    path = str(tmp_path / "ws.duckdb")  # the `ws` fixture's file
    ws.close()
    code, out, err = run_cli(path, "circle", "instagram:cr", "--spec", str(edited))
    assert code == 0, out + err
    assert "3 engaged members — 1 advocate, 1 contributor, 1 explorer" in out, out
    code, out, err = run_cli(path, "circle", "instagram:cr")
    assert "3 engaged members — 1 advocate, 1 participant, 1 explorer" in out, out
    code, out, err = run_cli(
        path, "circle", "instagram:cr", "--spec", str(_spec(tmp_path, "advocate = 4.0\n", "advocate = 1.0\n"))
    )
    assert code == 1 and "[circle]: advocate = 1 must be above contributor = 2" in out + err, out + err


@pytest.fixture
def world(ws):
    W.build(ws)
    return ws


def test_similar_spec_moves_the_weights(world, tmp_path):
    before = {r["creator_id"]: r for r in similar(world, (IG, "fa"), n=10).to_pylist()}
    # the audience alone: the similarity is the audience cosine (weights are relative: 5 is as good as 1)
    only_audience = tmp_path / "aud.toml"
    only_audience.write_text(
        DEFAULT.replace("topic = 0.4\n", "topic = 0\n")
        .replace("audience = 0.3\n", "audience = 5\n")
        .replace("profile = 0.3\n", "profile = 0\n"),
        encoding="utf-8",
    )
    after = {r["creator_id"]: r for r in similar(world, (IG, "fa"), n=10, spec=only_audience).to_pylist()}
    for r in before.values():
        p = r["profile"] or 0.0
        assert r["similarity"] == pytest.approx(0.4 * r["topic"] + 0.3 * r["audience"] + 0.3 * p)
    for cid, r in after.items():
        assert r["similarity"] == pytest.approx(r["audience"]), cid
    assert after["fb"]["similarity"] == pytest.approx(before["fb"]["audience"])
    assert "ka" not in after  # no shared account: nothing alike by the audience alone (topic 0, audience 0)


def test_leader_spec_moves_the_leader_score(world, tmp_path):
    before = niche_groups(world, seed=0).creators.to_pylist()
    reach_only = tmp_path / "reach.toml"
    reach_only.write_text(
        DEFAULT.replace("pagerank = 0.25\n", "pagerank = 0\n").replace("core = 0.25\n", "core = 0\n"),
        encoding="utf-8",
    )
    after = {
        (r["platform"], r["creator_id"]): r
        for r in niche_groups(world, seed=0, spec=reach_only).creators.to_pylist()
    }
    assert before and len(after) == len(before)
    moved = 0
    for r in before:
        a = after[(r["platform"], r["creator_id"])]
        assert a["group"] == r["group"]  # the groups are the graph's; only the leaders' score moves
        moved += a["leader_score"] != pytest.approx(r["leader_score"])
    assert moved


def test_campaign_tiers_are_the_spec_tiers(tmp_path):
    assert [tier_of(x) for x in (500, 5_000, 50_000, 200_000, 600_000, 2_000_000)] == [
        "creator",
        "nano",
        "micro",
        "mid",
        "macro",
        "mega",
    ]
    own = _spec(tmp_path, "micro = 10_000\n", "micro = 20_000\n")
    assert tier_of(15_000) == "micro" and tier_of(15_000, own) == "nano"
    assert tier_of(25_000, own) == "micro" and tier_of(999, own) == "creator"
    assert tier_of(None) is None and tier_of(float("nan")) is None
