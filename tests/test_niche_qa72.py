"""QA 72: `niches`, `similar`, `overlap`, `circle` on small hand-written workspaces whose answers are known."""

from __future__ import annotations

import csv

import pytest
from tests import _niche_world as W
from typer.testing import CliRunner

from tribescope.cli import app
from tribescope.store import connect


@pytest.fixture
def wsfile(tmp_path):
    path = tmp_path / "w.duckdb"
    ws = connect(path)
    W.build(ws)
    ws.close()
    return str(path)


def _run(wsfile, *args):
    r = CliRunner().invoke(app, ["--workspace", wsfile, *args])
    assert r.exit_code == 0, r.output
    return r.output


def test_overlap_out_file_names_each_creator_by_its_handle_as_the_table_does(wsfile, tmp_path):
    """`overlap --out` wrote the pairs without the a_handle / b_handle columns the printed table (and the API's
    /api/overlap.csv) give beside each id. fa: m1..m6, fb, fc (8); fb: m1..m3 (3): 3 shared, Jaccard 3/8."""
    out = tmp_path / "o.csv"
    _run(wsfile, "overlap", "fa", "fb", "--out", str(out))
    with out.open(newline="") as fh:
        (r,) = list(csv.DictReader(fh))
    assert (r["a_id"], r["a_handle"], r["b_id"], r["b_handle"]) == ("fa", "FA", "fb", "FB")
    assert (r["size_a"], r["size_b"], r["shared"]) == ("8", "3", "3") and float(r["jaccard"]) == 3 / 8


def _posts_only(tmp_path, captions: dict[str, str]):
    ws = connect(tmp_path / "p.duckdb")
    W.insert(
        ws,
        "posts",
        [
            {"platform": "instagram", "post_id": f"{c}-p", "creator_id": c, "caption": text}
            for c, text in captions.items()
        ],
    )
    return ws


@pytest.mark.parametrize(
    ("captions", "why"),
    [
        ({"ann": None, "bob": None}, "there is no usable text for topics"),
        ({"ann": "sourdough bread", "bob": "chess gambit"}, "no two creators' texts are alike"),
    ],
)
def test_niches_without_any_tie_says_so_not_that_the_graph_is_topics_only(tmp_path, captions, why):
    """Two creators nobody commented under and whose texts share nothing: `niches` said `audience weight α=0 (asked
    0.5): no creators share engaged accounts` (topics only), of a graph without a single tie of either kind."""
    from tribescope.niche import niche_groups

    ws = _posts_only(tmp_path, captions)
    res = niche_groups(ws)
    assert res.groups.column("size").to_pylist() == [1, 1]
    assert res.notes == [
        f"no ties between creators: no creators share engaged accounts and {why}; "
        "every creator is a niche group of its own"
    ]
    ws.close()


NFC, NFD = "zo\u00eb_strickt", "zoe\u0308_strickt"  # "zoë_strickt" composed, and with a combining diaeresis


@pytest.mark.parametrize(("stored", "typed"), [(NFC, NFD), (NFD, NFC), (NFC, "@Zo\u00cb_STRICKT")])
def test_a_creator_is_found_whichever_unicode_form_its_name_is_typed_or_stored_in(tmp_path, stored, typed):
    """A handle typed with a combining diaeresis (NFD, as macOS file names and some tools write text) named no
    creator: `similar`, `overlap`, `circle` said "no creator 'zoë_strickt' … did you mean 'Zoë_Strickt'?" — the
    same name on the screen."""
    from tribescope.niche import resolve_creators

    ws = _posts_only(tmp_path, {stored: "knitting yarn", "bob": "chess"})
    W.insert(ws, "accounts", [{"platform": "instagram", "account_id": stored, "username": stored.title()}])
    assert resolve_creators(ws, [typed, f"instagram:{typed}"]) == [("instagram", stored)] * 2
    ws.close()


def test_explain_finds_a_creator_typed_in_another_unicode_form():
    """`explain` reads a creator's name by the same rule (score._score._find)."""
    import pandas as pd

    from tribescope.score._score import _find

    df = pd.DataFrame(
        {"platform": ["instagram", "instagram"], "creator_id": [NFC, "bob"], "handle": ["Zoë", "Bob"]}
    )
    assert _find(df, NFD)["creator_id"] == NFC
    assert _find(df, "zoe\u0308")["creator_id"] == NFC  # the handle, decomposed


def test_leaders_rest_on_every_shared_audience_tie_of_the_group_whatever_alpha(tmp_path, monkeypatch):
    """Four knitters tied by topic, all but kc–kd (as when neither is among the other's 10 most similar creators);
    only kc and kd share commenters. At `--alpha 0` their audience tie weighed 0 in the creator graph and was left
    out of the group's interaction graph as well — which the docs say is the shared-audience ties and creator →
    creator engagement, topics left out: core 0 and the same PageRank for all four, as if none shared an audience."""
    from tribescope.niche import _groups, niche_groups

    names = ["ka", "kb", "kc", "kd"]
    ws = _posts_only(tmp_path, dict.fromkeys(names, "knitting yarn wool sweater cable pattern"))
    W.insert(
        ws,
        "comments",
        [
            {
                "platform": "instagram",
                "comment_id": f"{c}-{m}",
                "post_id": f"{c}-p",
                "author_id": m,
                "text": "hi",
            }
            for c in ("kc", "kd")
            for m in ("m1", "m2", "m3")
        ],
    )
    ties = {(i, j): 0.9 for i in range(4) for j in range(i + 1, 4) if (i, j) != (2, 3)}
    monkeypatch.setattr(_groups, "_topic_edges", lambda *a: dict(ties))
    for alpha in (0.0, 0.5):
        res = niche_groups(ws, alpha=alpha, resolution=0.25)
        assert res.alpha == alpha
        c = {r["creator_id"]: r for r in res.creators.to_pylist()}
        assert len({r["group"] for r in c.values()}) == 1, alpha
        assert c["kc"]["core"] == c["kd"]["core"] == 1 and c["ka"]["core"] == 0, alpha
        assert c["kc"]["pagerank"] > c["ka"]["pagerank"], alpha
        assert {c["kc"]["leader_rank"], c["kd"]["leader_rank"]} == {1, 2}, alpha
    ws.close()


def test_circle_table_says_each_members_platform(tmp_path):
    """@sam comments under @cr's Instagram posts and writes in cr's Discord server as "sam" too: two members. The
    `circle` table listed "sam" twice with nothing to tell the Instagram account from the Discord one."""
    ws = _posts_only(tmp_path, {"cr": "knitting yarn"})
    W.insert(
        ws,
        "comments",
        [{"platform": "instagram", "comment_id": "c1", "post_id": "cr-p", "author_id": "sam", "text": "hi"}],
    )
    W.insert(
        ws,
        "community_links",
        [{"platform": "discord", "space_id": "srv", "creator_platform": "instagram", "creator_id": "cr"}],
    )
    W.insert(
        ws,
        "community_messages",
        [
            {
                "platform": "discord",
                "message_id": "m1",
                "space_id": "srv",
                "author_id": "4242",
                "text": "hello",
            }
        ],
    )
    W.insert(
        ws,
        "accounts",
        [
            {"platform": "instagram", "account_id": "sam", "username": "sam"},
            {"platform": "discord", "account_id": "4242", "username": "sam"},
        ],
    )
    ws.close()
    text = _run(str(tmp_path / "p.duckdb"), "circle", "cr", "--all")
    rows = [
        [c.strip() for c in line.split("│")] for line in text.splitlines() if "sam" in line and "│" in line
    ]
    assert sorted((r[2], r[3], r[4]) for r in rows) == [
        ("discord", "4242", "sam"),
        ("instagram", "sam", "sam"),
    ]


def test_leader_percentiles_are_neutral_for_ties_and_do_not_favour_small_platforms():
    """`rank / n` gave creators all tied on a platform 0.67 (three) or 0.75 (two), above the 0.5 of a creator alone
    there, and the better of two creators 1.0, as much as the best of ten: a group's leader could be the better of its
    two TikTok creators, ahead of the creator with the most PageRank and regulars (synth xs seed 1, food)."""
    import numpy as np

    from tribescope.niche._groups import _pct

    assert _pct(np.array([7.0])).tolist() == [0.5]
    assert _pct(np.array([2.0, 2.0, 2.0])).tolist() == [0.5, 0.5, 0.5]
    assert _pct(np.array([1.0, 3.0])).tolist() == [0.25, 0.75]
    assert _pct(np.arange(10.0)).tolist()[-1] == 0.95  # the best of ten outranks the better of two
    assert _pct(np.zeros(0)).tolist() == []


@pytest.mark.slow
def test_synth_xs_seed_1_planted_leaders_lead_their_groups(tmp_path, ws):
    """synth xs seed 1: the planted food leader (youtube, most PageRank of its group and 58 % of its regulars) ranked
    2nd behind the better of the food group's two TikTok creators; every planted leader now ranks 1st."""
    from tribescope.ingest import import_paths
    from tribescope.ingest._run import expand_paths
    from tribescope.niche import niche_groups
    from tribescope.synth import generate

    out = tmp_path / "synth"
    generate(out, "xs", 1)
    import_paths(ws, expand_paths([out]))
    with (out / "truth" / "creators.csv").open(newline="") as fh:
        truth = {(r["platform"], r["creator_id"]): r for r in csv.DictReader(fh)}
    rows = niche_groups(ws, seed=0).creators.to_pylist()
    ranks = [r["leader_rank"] for r in rows if truth[(r["platform"], r["creator_id"])]["is_leader"] == "true"]
    assert ranks == [1] * 6


def test_similar_lists_no_creator_with_nothing_alike(tmp_path):
    """ann (sourdough), bob (chess) and cat (sourdough): nobody commented, no follower counts. `similar ann` listed bob
    as a lookalike with similarity 0.00 and no reason; now only cat is listed, and a creator like nobody says so."""
    from tribescope.niche import similar

    ws = _posts_only(tmp_path, {"ann": "sourdough bread", "bob": "chess gambit", "cat": "sourdough bread"})
    t = similar(ws, ("instagram", "ann")).to_pylist()
    assert [r["creator_id"] for r in t] == ["cat"] and t[0]["similarity"] > 0 and "topics" in t[0]["reasons"]
    assert similar(ws, ("instagram", "bob")).num_rows == 0
    ws.close()
    text = " ".join(_run(str(tmp_path / "p.duckdb"), "similar", "bob").split())
    assert text == (
        "no creator is like instagram:bob: no other creator shares a word of its texts or an engaged account with it, "
        "or has a community profile like it"
    )


def test_similar_out_writes_the_lookalikes_the_table_shows(wsfile, tmp_path):
    """`niches`, `overlap` and `circle` write --out; `similar` had none (only the API's /api/similar.csv)."""
    out = tmp_path / "s.csv"
    text = _run(wsfile, "similar", "instagram:fa", "-n", "2", "--out", str(out))
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["creator_id"] for r in rows] == ["fb", "fc"] and [r["handle"] for r in rows] == ["FB", "FC"]
    assert all(f"{float(r['similarity']):.2f}" in text for r in rows)
    assert rows[0]["shared_accounts"] == "3" and "3 shared engaged accounts" in rows[0]["reasons"]


def test_circle_of_one_explorer_says_there_is_no_inner_circle_yet(tmp_path):
    """One commenter, one comment: `circle` printed "1 engaged members — 1 explorer" over an empty "inner circle"
    table."""
    ws = _posts_only(tmp_path, {"ann": "knitting yarn"})
    W.insert(
        ws,
        "comments",
        [
            {
                "platform": "instagram",
                "comment_id": "c1",
                "post_id": "ann-p",
                "author_id": "zed",
                "text": "nice",
            }
        ],
    )
    ws.close()
    out = tmp_path / "c.csv"
    text = " ".join(_run(str(tmp_path / "p.duckdb"), "circle", "ann", "--out", str(out)).split())
    assert text == (
        "instagram:ann: 1 engaged member — 1 explorer no inner circle yet: no advocate or contributor (levels 1–2); "
        "`--all` lists every level"
    )
    with out.open(newline="") as fh:
        assert [r["member_id"] for r in csv.DictReader(fh)] == ["zed"]
    assert "zed" in _run(str(tmp_path / "p.duckdb"), "circle", "ann", "--all")


def test_niches_of_a_workspace_of_one_creator(tmp_path):
    """One creator: `niches` noted "audience weight α=0 (asked 0.5): no creators share engaged accounts" under
    "1 niche groups"."""
    ws = _posts_only(tmp_path, {"ann": "knitting yarn"})
    ws.close()
    r = CliRunner().invoke(app, ["--workspace", str(tmp_path / "p.duckdb"), "niches"])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "note: one creator in this workspace: there is nobody to group it with" in text
    assert "1 niche group " in text and "niche groups" not in text and "α=0" not in text


def test_dashboard_similar_page_finds_a_creator_by_its_handle_as_the_api_does(wsfile):
    """`/api/similar?creator=instagram:@FA` and `tribescope similar @FA` find fa by its handle; the dashboard's
    `/similar` page, the same question, answered 404 "no creator instagram:@FA in this workspace"."""
    from fastapi.testclient import TestClient

    from tribescope.web import create_app

    with TestClient(create_app(wsfile, rate_limit=None), base_url="http://127.0.0.1") as c:
        try:
            for name in ("instagram:fa", "instagram:@FA", "Instagram:Fa"):
                assert c.get("/api/similar", params={"creator": name, "n": 2}).status_code == 200, name
                r = c.get("/similar", params={"creator": name, "n": 2})
                assert r.status_code == 200 and "FB" in r.text, name
            assert c.get("/similar", params={"creator": "instagram:ghost"}).status_code == 404
        finally:
            c.app.state.store.close()


def test_circle_orders_members_of_one_id_on_several_platforms_by_platform(tmp_path):
    """User "42" writes once in cr's spaces on Reddit, Discord, Patreon and YouTube: four members of the same gravity,
    listed in the engine's order (patreon, reddit, youtube, discord), not by a rule — `circle` of the same data could
    list them otherwise on another engine or run."""
    from tribescope.niche import inner_circle

    ws = _posts_only(tmp_path, {"cr": "knitting"})
    plats = ["reddit", "discord", "patreon", "youtube"]
    W.insert(
        ws,
        "community_links",
        [
            {"platform": p, "space_id": "s", "creator_platform": "instagram", "creator_id": "cr"}
            for p in plats
        ],
    )
    W.insert(
        ws,
        "community_messages",
        [
            {"platform": p, "message_id": f"m-{p}", "space_id": "s", "author_id": "42", "created_at": W.T0}
            for p in plats
        ],
    )
    rows = inner_circle(ws, ("instagram", "cr")).to_pylist()
    assert len({r["gravity"] for r in rows}) == 1
    assert [r["member_platform"] for r in rows] == sorted(plats)
    ws.close()


def test_handles_with_square_brackets_are_printed_as_written(tmp_path):
    """Handles are text, not Rich markup: a commenter "[/b]zed" crashed `circle` with a MarkupError traceback, and
    "[red]kim" was printed as a red "kim"; a creator "[/i]ann" crashed its header line."""
    ws = _posts_only(tmp_path, {"ann": "knitting yarn wool", "bob": "knitting yarn wool"})
    W.insert(
        ws,
        "accounts",
        [
            {"platform": "instagram", "account_id": a, "username": u}
            for a, u in (("ann", "[/i]ann"), ("bob", "bob"), ("zed", "[/b]zed"), ("kim", "[red]kim"))
        ],
    )
    W.insert(
        ws,
        "comments",
        [
            {
                "platform": "instagram",
                "comment_id": f"{c}-{m}",
                "post_id": f"{c}-p",
                "author_id": m,
                "text": "hi",
            }
            for c in ("ann", "bob")
            for m in ("zed", "kim")
        ],
    )
    ws.close()
    path = str(tmp_path / "p.duckdb")
    text = _run(path, "circle", "ann", "--all")
    assert "instagram:ann (@[/i]ann): 2 engaged members" in text and "[/b]zed" in text and "[red]kim" in text
    assert "creators like instagram:ann (@[/i]ann)" in _run(path, "similar", "ann")
    assert "[/i]ann" in _run(path, "overlap", "ann", "bob")
