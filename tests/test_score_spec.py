"""The score spec, transforms, labels, confidence and the CLI on hand-built data."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tribescope.score import CreatorNotFound, SpecError, explain, load_spec, score_creators, score_frame

try:  # the tests folder may or may not be a package
    from ._score_fixtures import BAKERY_POSTS, bakery, comment, insert
except ImportError:
    from _score_fixtures import BAKERY_POSTS, bakery, comment, insert  # type: ignore[no-redef]


def test_default_spec_is_complete_and_cited():
    sp = load_spec()
    assert sp.version and sp.tiers[0] == ("creator", 0) and dict(sp.tiers)["mega"] == 1_000_000
    assert "HypeAuditor" in sp.benchmark["source"] and sp.benchmark["url"].startswith(
        "https://hypeauditor.com"
    )
    assert [r["median_er"] for r in sp.benchmark["rows"]] == [0.1699, 0.0645, 0.0376, 0.0263, 0.0257, 0.0256]
    assert all(c.rationale for c in sp.components)
    assert {r.label for r in sp.labels} == {
        "insufficient_data",
        "suspicious",
        "creator",
        "community_influencer",
        "broadcast_influencer",
    }
    # the authenticity issue's components are already wired as optional hooks
    assert {"real_follower_share", "authentic_er_ratio", "comment_authenticity"} <= {
        c.metric for c in sp.components if c.optional
    }
    assert sp.benchmark_er(3_000) == ("1K–5K", 0.0645) and sp.benchmark_er(None) is None


def _frame(**cols):
    n = len(next(iter(cols.values())))
    base = {
        "platform": ["x"] * n,
        "creator_id": [f"c{i}" for i in range(n)],
        "handle": [f"h{i}" for i in range(n)],
        "tier": ["micro"] * n,
        "er_median": [np.nan] * n,
    }
    base.update(cols)
    return pd.DataFrame(base)


MINI_SPEC = """
version = "t1"
[tiers]
creator = 0
nano = 1000
[benchmark]
recompute_min_creators = 1000000
[[benchmark.rows]]
range = "all"
min_followers = 0
median_er = 0.02
average_er = 0.02
[confidence]
full_posts = 4
full_comments = 100
[[component]]
name = "talk"
metric = "interacting_commenter_share"
transform = { kind = "logistic", center = 0.1, scale = 0.05 }
weight = 3
[[component]]
name = "deals"
metric = "sponsored_share"
transform = { kind = "logistic", center = 0.2, scale = 0.1 }
direction = "lower"
weight = 1
[[component]]
name = "hook"
metric = "real_follower_share"
transform = { kind = "logistic", center = 0.7, scale = 0.1 }
weight = 1
optional = true
[[label]]
label = "insufficient_data"
any = ["n_follower_comments < 10"]
[[label]]
label = "suspicious"
at_least = 2
any = ["er_ratio < 0.5", "link_spam_share > 0.03", "audience_real_share < 0.8"]
[[label]]
label = "creator"
any = ["followers < 1000"]
[[label]]
label = "community_influencer"
all = ["community_score >= 50"]
[[label]]
label = "broadcast_influencer"
"""


def test_score_frame_weights_labels_and_confidence(tmp_path):
    path = tmp_path / "mini.toml"
    path.write_text(MINI_SPEC)
    df = _frame(
        followers=[50_000, 50_000, 500, 50_000, 50_000],
        interacting_commenter_share=[0.1, 0.0, 0.3, np.nan, 0.1],
        sponsored_share=[0.2, 0.6, 0.0, 0.2, 0.2],
        n_posts_with_comments=[4, 8, 2, 1, 4],
        n_follower_comments=[100, 400, 25, 5, 100],
        er_median=[0.02, 0.02, 0.02, 0.02, 0.005],
        link_spam_share=[0, 0, 0, 0, 0.05],
    )
    out = score_frame(df, path).set_index("creator_id")
    # c0: both components at their centre → 50; no optional column present → the hook is skipped
    assert out.loc["c0", "community_score"] == pytest.approx(50.0)
    assert "c_hook" not in out.columns
    # c1: talk s = 1/(1+e^2), deals s = 1 − 1/(1+e^−4); weights 3:1
    s_talk, s_deals = 1 / (1 + math.e**2), 1 - 1 / (1 + math.e**-4)
    assert out.loc["c1", "community_score"] == pytest.approx(round(100 * (3 * s_talk + s_deals) / 4, 2))
    # c3: talk missing → only deals counts; coverage 1/4 → low confidence; too few comments → insufficient
    assert out.loc["c3", "community_score"] == pytest.approx(50.0)
    assert out.loc["c3", "coverage"] == pytest.approx(0.25)
    assert out.loc["c3", "label"] == "insufficient_data"
    assert out.loc["c0", "confidence"] == pytest.approx(1.0)
    assert out.loc["c2", "confidence"] == pytest.approx(round(math.sqrt(0.5 * 0.25), 3))
    assert out.loc["c2", "label"] == "creator"
    assert (
        out.loc["c0", "label"] == "community_influencer" and out.loc["c1", "label"] == "broadcast_influencer"
    )
    # c4: ER a quarter of the benchmark and 5 % spam: two red flags → suspicious
    assert out.loc["c4", "er_ratio"] == pytest.approx(0.25) and out.loc["c4", "label"] == "suspicious"
    assert list(out.columns[:7]) == [
        "platform",
        "handle",
        "followers",
        "tier",
        "label",
        "community_score",
        "confidence",
    ]
    # an optional component counts as soon as its column exists (the authenticity hook)
    df["real_follower_share"] = [0.7] * 5
    out2 = score_frame(df, path).set_index("creator_id")
    assert out2.loc["c0", "c_hook"] == pytest.approx(50.0) and out2.loc["c0", "w_hook"] == pytest.approx(0.2)


def test_percentile_transform_within_tier(tmp_path):
    spec = MINI_SPEC.replace(
        'transform = { kind = "logistic", center = 0.1, scale = 0.05 }',
        'transform = { kind = "percentile", min_group = 2 }',
    )
    path = tmp_path / "p.toml"
    path.write_text(spec)
    df = _frame(
        followers=[5_000] * 4,
        interacting_commenter_share=[0.1, 0.2, 0.3, 0.4],
        sponsored_share=[0.2] * 4,
        n_posts_with_comments=[4] * 4,
        n_follower_comments=[100] * 4,
    )
    df["tier"] = ["nano", "nano", "micro", "micro"]
    out = score_frame(df, path).set_index("creator_id")
    assert out["c_talk"].to_dict() == {"c0": 50.0, "c1": 100.0, "c2": 50.0, "c3": 100.0}


def test_bad_spec_files_say_what_is_wrong(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        load_spec(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text(MINI_SPEC.replace('kind = "logistic", center = 0.1', 'kind = "cubic", center = 0.1'))
    with pytest.raises(SpecError, match="transform kind 'cubic'"):
        load_spec(bad)
    bad.write_text(MINI_SPEC.replace('any = ["followers < 1000"]', 'any = ["followers lots"]'))
    with pytest.raises(SpecError, match="column op number"):
        load_spec(bad)


def test_score_creators_writes_table_and_explain_has_evidence(ws):
    bakery(ws)
    tbl = score_creators(ws)
    row = tbl.to_pylist()[0]
    assert row["creator_id"] == "cre" and row["label"] == "insufficient_data"  # 9 audience comments only
    assert row["ff_reply_share"] == pytest.approx(0.4) and 0 <= row["community_score"] <= 100
    assert ws.has_table("creator_scores")
    ex = explain(ws, "@cre")
    assert ex["handle"] == "Cre" and ex["benchmark"]["er_benchmark"] == pytest.approx(0.0645)
    pts = sum(c["contribution"] for c in ex["components"])
    assert pts == pytest.approx(ex["community_score"], abs=0.05)
    conv = ex["evidence"]["conversations"][0]
    assert conv["pair"] == ["alice", "bob"] and conv["posts_together"] == 2 and conv["replies"] == 3
    assert {r["author_id"] for r in ex["evidence"]["returning_commenters"]} == {"alice", "bob"}
    assert [p["post_id"] for p in ex["evidence"]["sponsored_posts"]] == ["p2"]
    with pytest.raises(CreatorNotFound, match="no creator 'nobody'"):
        explain(ws, "nobody")


def test_explain_quotes_a_pairs_first_two_conversations_under_this_creators_posts_only(ws):
    """An example pair's thread shows its two earliest conversations (by their first reply), whatever the comments'
    ids; the same pair talking under another creator's post is neither counted nor quoted."""
    bakery(ws)
    day = 24 * 60
    insert(
        ws,
        "posts",
        [
            dict(BAKERY_POSTS[0], post_id="p3", created_at=BAKERY_POSTS[0]["created_at"] + (BAKERY_POSTS[1]["created_at"] - BAKERY_POSTS[0]["created_at"]) * 3),
            dict(BAKERY_POSTS[0], post_id="q1", creator_id="oth", caption="Someone else's sourdough"),
        ],
    )  # fmt: skip
    insert(
        ws,
        "comments",
        [  # a third, later conversation under p3 whose root's id sorts first; one under the other creator's post
            comment("a0", "p3", "alice", "Going to try rye flour next, any tips for it?", 3 * day),
            comment("a1", "p3", "bob", "@alice rye needs more water, go slowly with it", 3 * day + 5, "a0"),
            comment("o1", "q1", "alice", "This starter looks very lively, how old is it?", 40),
            comment("o2", "q1", "bob", "@alice mine is two years old and still going", 41, "o1"),
        ],
    )
    score_creators(ws)
    conv = explain(ws, "@cre")["evidence"]["conversations"][0]
    assert conv["pair"] == ["alice", "bob"] and conv["posts_together"] == 3 and conv["replies"] == 4
    assert [m["post_id"] for m in conv["thread"]] == ["p1"] * 4 + ["p2"] * 2  # c1's thread, then c9's
    assert conv["thread"][0]["text"] == "I tried the banana bread recipe, so good"


def test_json_export_writes_nulls_not_nan(tmp_path):
    import pyarrow as pa

    from tribescope.cli._score import write_scores

    tbl = pa.table({"creator_id": ["a", "b"], "community_score": [61.5, float("nan")]})
    write_scores(tbl, tmp_path / "s.json")
    assert json.loads((tmp_path / "s.json").read_text()) == [
        {"creator_id": "a", "community_score": 61.5},
        {"creator_id": "b", "community_score": None},
    ]


@pytest.mark.slow
def test_cli_score_and_explain(ws, tmp_path):
    from tribescope.cli import app

    bakery(ws)
    path = str(ws.path)
    ws.close()
    runner = CliRunner()
    out = tmp_path / "scores.csv"
    res = runner.invoke(app, ["--workspace", path, "score", "--out", str(out), "--no-sentiment"])
    assert res.exit_code == 0, res.output
    head = out.read_text().splitlines()[0].replace('"', "").split(",")
    assert head[:8] == [
        "platform",
        "creator_id",
        "handle",
        "followers",
        "tier",
        "label",
        "community_score",
        "confidence",
    ]
    res = runner.invoke(app, ["--workspace", path, "score", "--no-sentiment"])
    assert res.exit_code == 0 and "Cre" in res.output
    res = runner.invoke(app, ["--workspace", path, "explain", "cre"])
    assert res.exit_code == 0, res.output
    assert "alice ↔ bob" in res.output and "follower_conversation" in res.output
    res = runner.invoke(app, ["--workspace", path, "score", "--out", str(tmp_path / "x.xlsx")])
    assert res.exit_code == 1 and "use a .csv, .parquet or .json" in res.output


def test_explain_takes_platform_colon_id_like_the_niche_commands(ws):
    bakery(ws)
    score_creators(ws)
    assert explain(ws, "instagram:cre")["creator_id"] == "cre"
    with pytest.raises(CreatorNotFound):
        explain(ws, "youtube:cre")  # another platform's creator of that id: none


def test_the_python_api_says_what_to_pass(ws, tmp_path):
    from tribescope.ingest import import_paths

    for call in (
        lambda: import_paths("ws.duckdb", ["exports"]),
        lambda: score_creators(str(tmp_path / "ws.duckdb")),
        lambda: explain("ws.duckdb", "ann"),
    ):
        with pytest.raises(TypeError, match=r"takes a Workspace \(tribescope.connect\(path\)\), not str"):
            call()
    with pytest.raises(TypeError, match="not None"):
        explain(ws, None)
    f = tmp_path / "accounts.csv"
    f.write_text("platform,account_id,username,followers\ninstagram,1,ann,100\n")
    assert import_paths(ws, f).records == 1  # one path alone, not its characters one by one


def test_audience_label_conditions_need_their_evidence(tmp_path):
    """``[label_evidence]``: one profiled bot among the commenters is no audience — a creator is `suspicious` on its
    follower share only with the profiled commenters the spec asks for behind it (the default spec: 20)."""
    assert load_spec().label_evidence["real_follower_share"] == ("profiled_commenters", 20.0)
    path = tmp_path / "ev.toml"
    path.write_text(
        MINI_SPEC.replace(
            '[[label]]\nlabel = "creator"',
            '[[label]]\nlabel = "suspicious"\nany = ["real_follower_share < 0.5"]\n[[label]]\nlabel = "creator"',
        ).replace(
            "[[label]]", '[label_evidence]\nreal_follower_share = ["profiled_commenters", 20]\n[[label]]', 1
        )
    )
    df = _frame(
        followers=[20_000, 20_000],
        interacting_commenter_share=[0.3, 0.3],
        sponsored_share=[0.0, 0.0],
        n_posts_with_comments=[6, 6],
        n_follower_comments=[120, 120],
        real_follower_share=[0.0, 0.0],
        profiled_commenters=[1, 20],
    )
    out = score_frame(df, path).set_index("creator_id")
    assert out.loc["c0", "label"] == "community_influencer" and out.loc["c1", "label"] == "suspicious"
    bad = tmp_path / "bad.toml"
    bad.write_text(
        MINI_SPEC.replace(
            "[[label]]", '[label_evidence]\nreal_follower_share = "profiled_commenters"\n[[label]]', 1
        )
    )
    with pytest.raises(SpecError, match=r"label_evidence\.real_follower_share must be"):
        load_spec(bad)


def test_explain_says_which_label_rule_held(ws):
    bakery(ws)
    score_creators(ws)
    why = explain(ws, "@cre")["label_reasons"]
    assert why["rule"] == "insufficient_data" and why["rationale"].startswith("Too little observed")
    assert {"column": "n_follower_comments", "op": "<", "threshold": 25.0, "value": 9.0} in why["conditions"]
