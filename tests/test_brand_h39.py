"""Bug hunt (brand safety, brand show, ambassadors): each test reproduces a bug found on a tiny hand-built
workspace and asserts the figure computed by hand.

The workspace: the brand Acme owns youtube ``UCacme`` (stored username ``acme``) and instagram ``acme``; alice
(youtube ``UCalice``, username ``alice``) is a creator; tiktok ``acme`` is somebody else (the brand's handles pin
instagram and youtube) who runs a Discord server."""

from __future__ import annotations

import datetime as dt

import pytest

try:  # tests/ may or may not be a package
    from ._score_fixtures import insert as _put
except ImportError:
    from _score_fixtures import insert as _put  # type: ignore[no-redef]

T = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)


@pytest.fixture()
def acme(ws):
    from tribescope.brand import add_brand

    _put(
        ws,
        "accounts",
        [
            {"platform": "youtube", "account_id": "UCacme", "username": "acme", "followers": 100_000},
            {"platform": "youtube", "account_id": "UCalice", "username": "alice", "followers": 20_000},
            {"platform": "instagram", "account_id": "acme", "username": "acme", "followers": 5_000},
            {"platform": "tiktok", "account_id": "acme", "username": "acme", "followers": 300},
        ],
    )
    posts = [
        ("youtube", "v1", "UCalice", "sunset hike with my trail pack"),
        ("youtube", "v2", "UCacme", "our new trail pack, better than hydroflask, beer"),
        ("instagram", "i1", "acme", "the trail pack is here"),
        ("tiktok", "t1", "acme", "trail pack dance"),
    ]
    _put(
        ws,
        "posts",
        [{"platform": p, "post_id": i, "creator_id": c, "created_at": T, "title": t} for p, i, c, t in posts],
    )
    comments = [
        ("youtube", "y1", "v1", "UCfan", "fan", "you stupid idiot"),
        ("youtube", "y2", "v1", "UCfan2", "fan2", "lovely view"),
        # the brand's channel, writing under its display name, not its handle
        ("youtube", "y3", "v1", "UCacme", "Acme Outdoors", "thanks for the love"),
        ("instagram", "c1", "i1", "igfan", "igfan", "love it"),
        ("tiktok", "k1", "t1", "tkfan", "tkfan", "nice moves"),
    ]
    _put(
        ws,
        "comments",
        [
            {"platform": p, "comment_id": i, "post_id": post, "author_id": a, "author_name": n, "text": t}
            for p, i, post, a, n, t in comments
        ],
    )
    _put(
        ws,
        "community_links",
        [{"platform": "discord", "space_id": "999", "creator_platform": "tiktok", "creator_id": "acme"}],
    )
    _put(
        ws,
        "community_messages",
        [
            {
                "platform": "discord",
                "message_id": "m1",
                "space_id": "999",
                "author_id": "dfan",
                "text": "hi all",
            }
        ],
    )
    add_brand(
        ws,
        "Acme",
        handles=["instagram:acme", "youtube:acme"],
        keywords="trail pack",
        competitors="hydroflask",
    )
    return ws


def test_brand_safety_leaves_out_the_brands_own_accounts_and_replies(acme):
    """Safety listed the brand's own channel UCacme (flagged alcohol and competitor_mention for its own "beer …
    hydroflask" post) and instagram acme, which brand fit does not rank; and it counted the brand's reply under
    alice's video (author UCacme, display name "Acme Outdoors") as alice's audience: 1 toxic of 3 = 0.33 instead of
    1 of 2 = 0.5."""
    from tribescope.brand import brand_fit, safety_flags

    got = {(r["platform"], r["creator_id"]): r for r in safety_flags(acme, "Acme").to_pylist()}
    fit = {(r["platform"], r["creator_id"]) for r in brand_fit(acme, "Acme").to_pylist()}
    assert set(got) == fit == {("youtube", "UCalice"), ("tiktok", "acme")}
    alice = got[("youtube", "UCalice")]
    assert (alice["audience_comments"], alice["toxic_comment_share"]) == (2, pytest.approx(0.5))
    assert alice["flags"] == ["toxic_audience"]


def test_brand_fit_audience_leaves_out_the_brands_account_under_another_name(acme):
    """The one audience rule (brand fit reads it too): alice's audience is fan and fan2, not the brand's channel."""
    from tribescope.brand import get_brand
    from tribescope.brand._text import audience_comments

    j = audience_comments(acme, get_brand(acme, "Acme"))
    ids = sorted(j.filter(j.c_creator == "UCalice").comment_id.to_pyarrow().to_pylist())
    assert ids == ["y1", "y2"]


def test_brand_show_names_creators_by_handle(acme, tmp_path):
    """`brand show` printed alice as UCalice (her channel id) in the fit and safety tables; the leaderboard names
    her alice. The files keep creator_id and add handle."""
    from typer.testing import CliRunner

    from tribescope.cli import app

    path = acme.path
    acme.close()
    out = tmp_path / "acme.csv"
    res = CliRunner().invoke(app, ["-w", str(path), "brand", "show", "Acme", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "UCalice" not in res.output  # the fit and the safety tables printed it; evangelists name alice
    import csv

    for section in ("fit", "safety"):
        with open(tmp_path / f"acme_{section}.csv", newline="") as f:
            rows = {(r["platform"], r["creator_id"]): r["handle"] for r in csv.DictReader(f)}
        assert rows == {("youtube", "UCalice"): "alice", ("tiktok", "acme"): "acme"}, section
    res = CliRunner().invoke(app, ["-w", str(path), "brand", "show", "Acme", "--section", "fit"])
    assert res.exit_code == 0, res.output
    assert [line.split()[:3] for line in res.output.splitlines() if line.startswith(" youtube")] == [
        ["youtube", "│", "alice"]
    ]


def test_ambassadors_read_a_space_on_its_creators_platform(acme):
    """A Discord server linked to tiktok acme (another account) was taken for the brand's because instagram acme is
    the brand's: its writer dfan came out as an ambassador, and so did tkfan, commenting under tiktok acme's post.
    The brand's community is igfan alone (under instagram acme's post; the youtube channel's post has no comments)."""
    from tribescope.brand import ambassadors

    got = [(r["platform"], r["member_id"]) for r in ambassadors(acme, "Acme").to_pylist()]
    assert got == [("instagram", "igfan")]
