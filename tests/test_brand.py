"""Brand profiles, safety flags, fit, organic evangelists and ambassadors on hand-built workspaces, and
ambassadors recovered from the brand community that `tribescope synth` plants."""

from __future__ import annotations

import datetime as dt

import pytest

from tribescope.brand import (
    BrandError,
    add_brand,
    ambassadors,
    brand_fit,
    brand_matcher,
    evangelists,
    get_brand,
    list_brands,
    safety_flags,
)

try:  # tests/ may or may not be a package
    from ._score_fixtures import insert as _put
except ImportError:
    from _score_fixtures import insert as _put  # type: ignore[no-redef]

UTC = dt.UTC
T = dt.datetime(2024, 5, 1, tzinfo=UTC)


@pytest.fixture
def world(ws):
    add_brand(
        ws,
        "Trailco",
        handles=["@TrailCo", "instagram:trailco"],
        keywords="hiking bottle, trail pack",
        description="Bottles and packs for hiking and camping trips",
        competitors="peakgear",
        exclusions="casino",
    )
    _put(
        ws,
        "accounts",
        [
            {"platform": "instagram", "account_id": "hiker", "username": "Hiker", "followers": 20_000},
            {"platform": "instagram", "account_id": "glam", "username": "Glam", "followers": 90_000},
            {"platform": "instagram", "account_id": "trailco", "username": "TrailCo", "followers": 50_000},
            {"platform": "instagram", "account_id": "fan1", "username": "fan1", "followers": 1_000},
            {"platform": "instagram", "account_id": "fan2", "username": "fan2", "followers": 10},
            {"platform": "instagram", "account_id": "fan3", "username": "fan3"},
        ],
    )
    _put(
        ws,
        "posts",
        [
            {
                "platform": "instagram",
                "post_id": "h1",
                "creator_id": "hiker",
                "created_at": T,
                "caption": "Hiking the ridge today, my hiking bottle from @trailco never leaks",
                "mentions": ["trailco"],
            },
            {
                "platform": "instagram",
                "post_id": "h2",
                "creator_id": "hiker",
                "created_at": T,
                "caption": "Camping trip packing list: trail pack, stove, tent",
            },
            {
                "platform": "instagram",
                "post_id": "h3",
                "creator_id": "hiker",
                "created_at": T,
                "caption": "Trailco sent me this #ad",
            },
            {
                "platform": "instagram",
                "post_id": "g1",
                "creator_id": "glam",
                "created_at": T,
                "caption": "Lipstick swatches and a night at the casino",
            },
            {
                "platform": "instagram",
                "post_id": "g2",
                "creator_id": "glam",
                "created_at": T,
                "caption": "Skincare routine vs PeakGear mirror",
            },
            {
                "platform": "instagram",
                "post_id": "b1",
                "creator_id": "trailco",
                "created_at": T,
                "caption": "New trail pack drop. What should we test next?",
            },
        ],
    )
    _put(
        ws,
        "comments",
        [
            {
                "platform": "instagram",
                "comment_id": "c1",
                "post_id": "h1",
                "author_id": "fan1",
                "text": "need that bottle for my next hike",
            },
            {
                "platform": "instagram",
                "comment_id": "c2",
                "post_id": "g1",
                "author_id": "fan2",
                "text": "you look stupid, idiot",
            },
            {
                "platform": "instagram",
                "comment_id": "c3",
                "post_id": "g1",
                "author_id": "fan3",
                "text": "gorgeous",
            },
            # the brand's own post: fan1 starts a conversation, fan2 and fan3 answer, trailco answers too
            {
                "platform": "instagram",
                "comment_id": "b1c1",
                "post_id": "b1",
                "author_id": "fan1",
                "text": "Test it on a winter summit! I love my Trailco pack",
            },
            {
                "platform": "instagram",
                "comment_id": "b1c2",
                "post_id": "b1",
                "author_id": "fan2",
                "parent_comment_id": "b1c1",
                "text": "yes winter please",
            },
            {
                "platform": "instagram",
                "comment_id": "b1c3",
                "post_id": "b1",
                "author_id": "fan3",
                "parent_comment_id": "b1c1",
                "text": "agree",
            },
            {
                "platform": "instagram",
                "comment_id": "b1c4",
                "post_id": "b1",
                "author_id": "trailco",
                "parent_comment_id": "b1c1",
                "text": "noted!",
            },
            {
                "platform": "instagram",
                "comment_id": "b1c5",
                "post_id": "b1",
                "author_id": "fan1",
                "parent_comment_id": "b1c1",
                "text": "thanks all",
            },
        ],
    )
    return ws


def test_profiles_normalised_and_listed(world):
    b = get_brand(world, "trailco")
    assert b.handles == ["trailco", "instagram:trailco"] and b.bare_handles == ["trailco", "trailco"]
    assert b.keywords == ["hiking bottle", "trail pack"] and b.exclusions == ["casino"]
    add_brand(world, "Trailco", keywords="bottle")  # replace
    assert [x.name for x in list_brands(world)] == ["Trailco"] and get_brand(world, "Trailco").handles == []
    with pytest.raises(BrandError, match="known: Trailco"):
        get_brand(world, "nope")
    with pytest.raises(BrandError, match="at least one --handle or --keyword"):
        add_brand(world, "Empty")
    for bad in ("bogus:foo", ":", "youtube:", "acme shoes"):  # would never match a post: refused, not saved
        with pytest.raises(BrandError, match="is not a handle"):
            add_brand(world, "Bad", handles=[bad])
    assert [x.name for x in list_brands(world)] == ["Trailco"]


def test_brand_matcher():
    from tribescope.brand import Brand

    pat = brand_matcher(Brand("Trailco", handles=["trailco"], keywords=["trail pack"]))
    assert pat.search("love my @TrailCo bottle") and pat.search("new Trail Pack!")
    assert not pat.search("trailcompany") and not pat.search("trail packs")


def test_safety_flags(world):
    t = {r["creator_id"]: r for r in safety_flags(world, "Trailco").to_pylist()}
    g = t["glam"]
    assert g["posts_gambling"] == 1 and g["posts_exclusions"] == 1 and g["posts_competitors"] == 1
    assert g["excluded"] and set(g["flags"]) == {
        "gambling",
        "toxic_audience",
        "brand_exclusion",
        "competitor_mention",
    }
    assert g["toxic_comment_share"] == pytest.approx(0.5) and g["audience_comments"] == 2
    assert any("casino" in e for e in g["evidence"])
    assert t["hiker"]["flags"] == [] and not t["hiker"]["excluded"]
    flagged = safety_flags(world, "Trailco", flagged_only=True).column("creator_id").to_pylist()
    assert flagged == ["glam"]


def test_brand_fit_prefers_the_hiker_with_evidence(world):
    t = brand_fit(world, "Trailco").to_pylist()
    order = [r["creator_id"] for r in t]
    assert order.index("hiker") < order.index("glam")
    hiker = next(r for r in t if r["creator_id"] == "hiker")
    assert hiker["fit"] == pytest.approx(
        0.7 * hiker["content_similarity"] + 0.3 * hiker["audience_similarity"]
    )
    assert hiker["content_similarity"] > 0 and "hiking bottle" in hiker["evidence"][0]


def test_brand_fit_without_audience_comments_is_the_content_alone(world):
    """A creator whose posts carry no comments in the workspace: its audience similarity is unknown, not 0, and its fit
    is its content similarity (it lost 30 % of its fit, ranking below a creator of the same posts with any audience)."""
    _put(
        world,
        "accounts",
        [{"platform": "instagram", "account_id": "quiet", "username": "Quiet", "followers": 5_000}],
    )
    _put(
        world,
        "posts",
        [
            {
                "platform": "instagram",
                "post_id": "q1",
                "creator_id": "quiet",
                "created_at": T,
                "caption": "Hiking the ridge today, my hiking bottle never leaks",
            }
        ],
    )
    t = {r["creator_id"]: r for r in brand_fit(world, "Trailco").to_pylist()}
    q = t["quiet"]
    assert q["audience_similarity"] is None
    assert q["content_similarity"] > 0.2
    assert q["fit"] == pytest.approx(q["content_similarity"])
    assert q["evidence"][-1] == "no audience comments: fit is the content similarity alone"
    # a creator with an audience keeps the weighted fit
    h = t["hiker"]
    assert h["fit"] == pytest.approx(0.7 * h["content_similarity"] + 0.3 * h["audience_similarity"])


def test_evangelists_organic_only(world):
    t = {r["account_id"]: r for r in evangelists(world, "Trailco").to_pylist()}
    assert "trailco" not in t  # the brand itself
    assert t["hiker"]["post_mentions"] == 2  # h1 (@trailco) and h2 ("trail pack"); h3 is disclosed (#ad)
    assert t["fan1"]["comment_mentions"] == 1 and t["fan1"]["is_creator"] is False
    assert any("never leaks" in e for e in t["hiker"]["evidence"])


def test_brand_fit_leaves_out_the_brands_own_account(world):
    """The brand's own account (handle ``@TrailCo``: its username) posts about its products and fitted best, ranked
    as a creator the brand could hire; it is not ranked, on any platform its handle names."""
    t = brand_fit(world, "Trailco").to_pylist()
    assert [r["creator_id"] for r in t] == ["hiker", "glam"]
    add_brand(
        world, "Other", handles=["youtube:trailco"], keywords="trail pack"
    )  # another platform's account
    assert "trailco" in [r["creator_id"] for r in brand_fit(world, "Other").to_pylist()]


def test_evangelists_leave_out_paid_creators_and_promotion_under_their_own_sponsored_posts(world):
    """A creator's comment under its own disclosed post ("use code …") is the promotion, not an unprompted mention;
    a creator of the brand's campaign plan is paid, whatever it writes (posts, comments, community messages)."""
    _put(
        world,
        "comments",
        [
            {
                "platform": "instagram",
                "comment_id": "h3c1",
                "post_id": "h3",  # hiker's own "#ad" post
                "author_id": "hiker",
                "text": "use code HIKE10 for my Trailco pack",
            },
            {
                "platform": "instagram",
                "comment_id": "h1c9",
                "post_id": "g1",  # under someone else's post: unprompted
                "author_id": "hiker",
                "text": "my trail pack goes everywhere",
            },
        ],
    )
    t = {r["account_id"]: r for r in evangelists(world, "Trailco").to_pylist()}
    assert t["hiker"]["post_mentions"] == 2 and t["hiker"]["comment_mentions"] == 1
    assert not any("HIKE10" in e for e in t["hiker"]["evidence"])
    world.duck.execute(
        "CREATE TABLE campaign_plan (campaign_id VARCHAR, brand VARCHAR, creator_platform VARCHAR, "
        "creator_id VARCHAR)"
    )
    world.duck.execute("INSERT INTO campaign_plan VALUES ('k1', 'Trailco', 'instagram', 'fan1')")
    t = {r["account_id"]: r for r in evangelists(world, "Trailco").to_pylist()}
    assert "fan1" not in t  # paid: its comment c1 no longer counts
    assert t["hiker"]["mentions"] == 3


def test_evangelists_leave_out_a_platform_handle_only_on_its_platform(world):
    """``youtube:hiker`` is the brand's YouTube account: the Instagram creator ``hiker`` still counts (it was left
    out on every platform, unlike in the budget plan)."""
    add_brand(world, "Packs", handles=["youtube:hiker"], keywords="trail pack")
    t = {r["account_id"]: r for r in evangelists(world, "Packs").to_pylist()}
    assert t["hiker"]["post_mentions"] == 1  # h2 ("trail pack")


def test_ambassadors_rank_by_reach_activity_and_conversation(world):
    t = ambassadors(world, "Trailco").to_pylist()
    assert next(r["member_id"] for r in t) == "fan1"
    fan1 = t[0]
    # fan1: 2 comments; replies from fan2, fan3 (trailco's own reply and fan1's self-reply do not count)
    assert (fan1["activity"], fan1["sparked"], fan1["repliers"]) == (2, 2, 2)
    assert fan1["influence"] == pytest.approx(100.0)  # top on reach, activity and sparked
    assert "trailco" not in {r["member_id"] for r in t}
    assert fan1["evidence"][0].startswith("b1c1 (2 replies)")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 5])
def test_ambassadors_recover_the_planted_ones_on_synth(ws, tmp_path, seed):
    import csv

    from tribescope.ingest import import_paths
    from tribescope.synth import generate

    generate(tmp_path / "xs", "xs", seed)
    with open(tmp_path / "xs" / "truth" / "brand_community.csv", newline="") as f:
        truth = list(csv.DictReader(f))
    planted = {r["account_id"] for r in truth if r["role"] == "ambassador"}
    broadcaster = next(r["account_id"] for r in truth if r["role"] == "broadcaster")
    assert len(planted) == 4 and len(truth) == 60
    import_paths(ws, [tmp_path / "xs" / "reddit"])  # the brand subreddit sits with the creators' ones
    add_brand(ws, "Brightfold", handles="brightfold")
    t = ambassadors(ws, "Brightfold", limit=None).to_pylist()
    ranked = [r["member_id"] for r in t]
    # the planted ambassadors are exactly the top 4; the broadcaster (as active, never answered) is far below
    assert set(ranked[:4]) == planted
    assert ranked.index(broadcaster) >= 8
    # only the brand's space is read: the brand account and the creators' subreddit members are not listed
    assert "brightfold" not in ranked and set(ranked) <= {r["account_id"] for r in truth}
    assert t[0]["sparked"] >= 30 and t[0]["repliers"] >= 20 and t[0]["evidence"]


def test_ambassadors_need_the_brands_accounts(ws):
    add_brand(ws, "Ghost", handles="ghostbrand")
    with pytest.raises(BrandError, match="import the brand's own posts"):
        ambassadors(ws, "Ghost")


def test_ambassadors_find_the_brands_posts_without_an_accounts_row(ws):
    """The brand's posts were in the workspace (``posts.creator_id`` = its handle) but without an ``accounts`` row
    `ambassadors` said none of its accounts was there. Its posts' creator is its account now."""
    add_brand(ws, "Acme", handles="acme")
    _put(ws, "posts", [{"platform": "instagram", "post_id": "a1", "creator_id": "acme", "created_at": T}])
    _put(
        ws,
        "comments",
        [
            {
                "platform": "instagram",
                "comment_id": "c1",
                "post_id": "a1",
                "author_id": "fan",
                "text": "love the mug",
            }
        ],
    )
    from tribescope.brand import brand_accounts

    assert brand_accounts(ws, get_brand(ws, "Acme")) == [("instagram", "acme")]
    assert ambassadors(ws, "Acme").column("member_id").to_pylist() == ["fan"]


def test_ambassadors_and_evangelists_refuse_a_negative_limit(world):
    """`--limit` is 0 or more on the CLI; the functions took -1: ambassadors returned 1 row, evangelists all but
    the last. Now a BrandError naming the limit and its range; a bool is a TypeError."""
    with pytest.raises(BrandError, match=r"ambassadors: limit=-1 is out of range; .*0 or more"):
        ambassadors(world, "Trailco", limit=-1)
    with pytest.raises(BrandError, match=r"evangelists: limit=-1 is out of range; .*0 or more"):
        evangelists(world, "Trailco", limit=-1)
    with pytest.raises(TypeError, match="ambassadors takes limit as an int or None"):
        ambassadors(world, "Trailco", limit=True)
    assert ambassadors(world, "Trailco", limit=1).num_rows == 1  # in range: as before


def test_cli_brand_commands(world, tmp_path):
    from typer.testing import CliRunner

    from tribescope.cli import app

    path = str(world.path)
    world.close()
    r = CliRunner()
    res = r.invoke(app, ["-w", path, "brand", "list"])
    assert res.exit_code == 0 and "Trailco" in res.output
    res = r.invoke(
        app,
        [
            "-w",
            path,
            "brand",
            "show",
            "Trailco",
            "--section",
            "safety",
            "--flagged",
            "--out",
            str(tmp_path / "safety.csv"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "glam" in (tmp_path / "safety.csv").read_text()
    res = r.invoke(
        app, ["-w", path, "ambassadors", "--brand", "Trailco", "--out", str(tmp_path / "amb.json")]
    )
    assert res.exit_code == 0, res.output
    assert '"fan1"' in (tmp_path / "amb.json").read_text()
    res = r.invoke(app, ["-w", path, "posts", "--creator", "hiker", "--out", str(tmp_path / "posts.csv")])
    assert res.exit_code == 0, res.output
    lines = (tmp_path / "posts.csv").read_text().splitlines()
    assert lines[0].startswith('"platform","post_id","creator_id"') and len(lines) == 4
    assert any('"disclosed"' in x and '"#ad"' in x for x in lines)


def test_brand_fit_audience_leaves_out_the_brands_own_replies(world):
    """The brand replying under glam's post with its product words is not glam's audience: it raised glam's
    audience similarity (and fit) above 0 although no follower of glam ever spoke of bottles or packs."""
    before = {r["creator_id"]: r for r in brand_fit(world, "Trailco").to_pylist()}
    _put(
        world,
        "comments",
        [
            {
                "platform": "instagram",
                "comment_id": "brand-reply",
                "post_id": "g1",
                "author_id": "trailco",
                "author_name": "TrailCo",
                "text": "our hiking bottle and trail pack would suit your hiking and camping trips",
            }
        ],
    )
    after = {r["creator_id"]: r for r in brand_fit(world, "Trailco").to_pylist()}
    assert after["glam"]["audience_similarity"] == pytest.approx(before["glam"]["audience_similarity"])
    assert after["glam"]["fit"] == pytest.approx(before["glam"]["fit"], abs=1e-9)
