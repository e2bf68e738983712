"""The spec → score → explain path as an analyst who edits the spec meets it: every edit works as documented or fails
with an error naming the file, the key and what was expected; every score is reproduced by the parts `explain` lists;
a stored score says which spec made it."""

from __future__ import annotations

import json
import math
import re
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tribescope.score import SpecError, explain, load_spec, score_creators, score_frame

try:  # the tests folder may or may not be a package
    from ._score_fixtures import bakery, imported_synth
except ImportError:
    from _score_fixtures import bakery, imported_synth  # type: ignore[no-redef]

DEFAULT = resources.files("tribescope.score").joinpath("spec.toml").read_text("utf-8")

MINI = """
version = "m1"
[tiers]
creator = 0
nano = 1000
[benchmark]
recompute_min_creators = 1000000
[[benchmark.rows]]
range = "all"
min_followers = 0
median_er = 0.02
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
[[label]]
label = "insufficient_data"
any = ["n_follower_comments < 10"]
[[label]]
label = "community_influencer"
all = ["community_score >= 50"]
[[label]]
label = "broadcast_influencer"
"""


def _frame(**cols):
    n = len(next(iter(cols.values())))
    base = {
        "platform": ["x"] * n,
        "creator_id": [f"c{i}" for i in range(n)],
        "handle": [f"h{i}" for i in range(n)],
        "tier": ["nano"] * n,
        "followers": [5_000] * n,
        "er_median": [0.02] * n,
        "n_posts_with_comments": [4] * n,
        "n_follower_comments": [100] * n,
    }
    base.update(cols)
    return pd.DataFrame(base)


def _write(tmp_path, text, name="spec.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


# ------------------------------------------------------------------------------------------ labels at the boundary
def test_the_label_follows_the_score_as_it_is_shown(tmp_path):
    """``community_score >= 50`` is checked on the score stored and shown (2 decimals): a creator shown with 50.00 is
    a community influencer, and `explain` gives the rule that held (before: 49.996 was labelled broadcast while shown,
    stored and explained as 50.00 >= 50)."""
    path = _write(tmp_path, MINI)

    def talk_for(score):  # deals sits at its centre (s = 0.5); talk's s such that 100·(3 s + 0.5)/4 = score
        s = (4 * score / 100 - 0.5) / 3
        return 0.1 + 0.05 * math.log(s / (1 - s))

    df = _frame(interacting_commenter_share=[talk_for(49.996), talk_for(49.994)], sponsored_share=[0.2, 0.2])
    out = score_frame(df, path).set_index("creator_id")
    assert out.loc["c0", "community_score"] == 50.0 and out.loc["c0", "label"] == "community_influencer"
    assert out.loc["c1", "community_score"] == 49.99 and out.loc["c1", "label"] == "broadcast_influencer"


def test_a_label_condition_on_a_component_compares_its_score_as_shown(tmp_path):
    """``c_<component>`` is stored and shown 0–100 (2 decimals), and a label condition on it compares that number:
    ``c_talk >= 50`` labels the creators shown with c_talk >= 50 (before: the rules saw 0…1, and the condition held
    for nobody), and `explain` lists the rule that held with the value shown."""
    from tribescope.score._score import _label_reasons

    sp = load_spec(
        _write(tmp_path, MINI.replace('all = ["community_score >= 50"]', 'all = ["c_talk >= 50"]'))
    )
    s = 0.499996  # c_talk shown (rounded) as 50.00
    df = _frame(
        interacting_commenter_share=[0.2, 0.1 + 0.05 * math.log(s / (1 - s)), 0.05],
        sponsored_share=[0.2, 0.2, 0.2],
    )
    out = score_frame(df, sp, check=True)
    by = out.set_index("creator_id")
    assert by["c_talk"].tolist() == [pytest.approx(88.08), 50.0, pytest.approx(26.89)]
    assert by["label"].tolist() == ["community_influencer", "community_influencer", "broadcast_influencer"]
    for _, row in out.iterrows():
        why = _label_reasons(row, sp)
        assert why["rule"] == row["label"]
        if row["label"] == "community_influencer":
            assert why["conditions"] == [
                {"column": "c_talk", "op": ">=", "threshold": 50.0, "value": row["c_talk"]}
            ]
        else:
            assert why["not_before"][-1]["failed"][0]["value"] == row["c_talk"] < 50


def test_weights_are_relative_and_a_zero_weight_has_no_say(tmp_path):
    """Documented: score = 100 · Σ w·s / Σ w over the components present — scaling every weight changes nothing; a
    weight of 0 keeps the component's c_ column and gives it no say."""
    df = _frame(interacting_commenter_share=[0.0, 0.3], sponsored_share=[0.5, 0.0])
    base = score_frame(df, _write(tmp_path, MINI)).set_index("creator_id")
    scaled = score_frame(
        df,
        _write(
            tmp_path, MINI.replace("weight = 3", "weight = 30").replace("weight = 1", "weight = 10"), "b.toml"
        ),
    ).set_index("creator_id")
    assert scaled["community_score"].tolist() == base["community_score"].tolist()
    zero = score_frame(df, _write(tmp_path, MINI.replace("weight = 3", "weight = 0"), "c.toml")).set_index(
        "creator_id"
    )
    assert zero["c_talk"].notna().all() and (zero["w_talk"] == 0).all()
    assert zero["community_score"].tolist() == base["c_deals"].tolist()


# ------------------------------------------------------------------------------------------ spec edits that must fail
def _edit(old, new, count=1):
    def f(text):
        assert old in text, old
        return text.replace(old, new, count)

    return f


BAD_EDITS = [
    # (edit of the default spec, what the error must say)
    (
        _edit("weight = 0.13", "wieght = 0.13"),
        r"component 'follower_conversation'.*unknown key 'wieght' \(did you mean 'weight'\?\)",
    ),
    (
        _edit("weight = 0.13", 'weight = "heavy"'),
        r"component 'follower_conversation'.*'weight' must be a number >= 0, not str 'heavy'",
    ),
    (_edit("weight = 0.13", "weight = nan"), r"'weight' must be a number >= 0, not float nan"),
    (
        _edit("full_posts = 6", "fullposts = 6"),
        r"\[confidence\]: unknown key 'fullposts' \(did you mean 'full_posts'\?\)",
    ),
    (
        _edit('\ndirection = "lower"', '\ndirction = "lower"'),
        r"component 'organic_feed'.*unknown key 'dirction'",
    ),
    (
        _edit("center = 0.10, scale = 0.04", "centre = 0.10, scale = 0.04"),
        r"transform \(logistic\): unknown key 'centre' \(did you mean 'center'\?\)",
    ),
    (_edit("center = 0.10, scale = 0.04", "scale = 0.04"), r"transform \(logistic\): 'center' is missing"),
    (
        _edit('transform = { kind = "logistic", center = 0.10, scale = 0.04 }', 'transform = "logistic"'),
        r"transform: must be a table, not str 'logistic'",
    ),
    (
        _edit("[label_evidence]", "[label_evidense]"),
        r"top level: unknown key 'label_evidense' \(did you mean 'label_evidence'\?\)",
    ),
    (lambda t: re.sub(r'^version = ".*"$', "", t, flags=re.M), r"top level: 'version' is missing"),
    (
        lambda t: re.sub(r'^version = ".*"$', "version = 2", t, flags=re.M),
        r"'version' must be a non-empty string, not int 2",
    ),
    (
        _edit('"followers < 1000"', '"followers < 1..0"'),
        r"\[\[label\]\] #4 \(creator\): condition 'followers < 1..0' is not 'column op number'",
    ),
    (
        _edit("at_least = 2", "at_least = 5"),
        r"'at_least' = 5 but 'any' has only 4 conditions: it never holds",
    ),
    (
        _edit('pod_share = ["comments", 20]', 'pod_shar = ["comments", 20]'),
        r"label_evidence.pod_shar: no \[\[label\]\] condition uses the column 'pod_shar'",
    ),
    (
        _edit("median_er = 0.1699", "median_er = 0"),
        r"\[\[benchmark.rows\]\] #1: 'median_er' must be a number > 0",
    ),
    (
        _edit('name = "retention"', 'name = "Reciprocity"'),
        r"component 'Reciprocity' \(\[\[component\]\] #6\): its name differs only in case from component "
        r"'reciprocity': the score table's column names ignore case \(DuckDB\), so c_Reciprocity and c_reciprocity "
        r"would be one column",
    ),
    (
        _edit('name = "retention"', 'name = "reciprocity"'),
        r"component 'reciprocity' \(\[\[component\]\] #6\): a component of that name is defined twice",
    ),
    (_edit("mid = 100_000", "mid = 10_000"), r"\[tiers\]: 'micro' and 'mid' both start at 10,000 followers"),
    (
        _edit("full_comments = 150\n", "full_comments = 150\nmin_comments = 50\n"),
        r"\[confidence\] min_comments: min_comments = 50 is not what decides: the insufficient_data \[\[label\]\] rule does \(it has 'n_follower_comments < 25'\)",
    ),
    (
        lambda t: re.sub(r"^weight = [0-9.]+$", "weight = 0", t, flags=re.M),
        r"the weights of the components that are not optional sum to 0",
    ),
    (
        _edit('text = "{:.0%} of comments are emoji only"', 'text = "{share} of comments are emoji only"'),
        r"\[\[signal\]\] #5: 'text' must format one number with \{\}",
    ),
    (_edit('when = "likes_cv > 1.5"', 'wen = "likes_cv > 1.5"'), r"\[\[signal\]\] #6: unknown key 'wen'"),
    (
        _edit('when = "pod_share > 0.1"', 'when = "pod_share is high"'),
        r"\[\[signal\]\] #9: condition 'pod_share is high' is not 'column op number'",
    ),
]


@pytest.mark.parametrize("edit, says", BAD_EDITS, ids=[str(i) for i in range(len(BAD_EDITS))])
def test_a_broken_spec_edit_names_the_file_the_key_and_what_was_expected(tmp_path, edit, says):
    path = _write(tmp_path, edit(DEFAULT), "mine.toml")
    with pytest.raises(SpecError, match=re.escape(str(path)) + ".*" + says):
        load_spec(path)


def test_a_label_rule_that_can_never_hold_is_refused(tmp_path):
    """The spec promises that a rule that can never hold is an error naming it: a rule without conditions (it holds for
    everyone) before other rules, which then never hold; `all` conditions on one column no value meets together; a
    threshold outside the range of a score (0–100), a confidence or a weight (0–1), or a condition no value of it
    meets (c_talk > 100)."""
    default_last = '[[label]]\nlabel = "community_influencer"\nall = ["community_score >= 50"]\n'
    assert default_last in MINI
    for old, new, says in [
        (
            default_last,
            '[[label]]\nlabel = "everyone"\n' + default_last,
            r"\[\[label\]\] #2 \(everyone\): has no conditions, so it holds for every creator and the rules after it "
            r"\(#3 \(community_influencer\), #4 \(broadcast_influencer\)\) never hold",
        ),
        (
            '"community_score >= 50"',
            '"community_score >= 50", "community_score < 40"',
            r"\[\[label\]\] #2 \(community_influencer\): 'all' conditions 'community_score >= 50' and "
            r"'community_score < 40' never hold together",
        ),
        (
            '"community_score >= 50"',
            '"followers > 5000", "community_score >= 50", "followers <= 5000"',
            r"'followers > 5000' and 'followers <= 5000' never hold together",
        ),
        (
            '"community_score >= 50"',
            '"community_score >= 150"',
            r"#2 \(community_influencer\): condition 'community_score >= 150': community_score is between 0 and 100",
        ),
        ('"community_score >= 50"', '"c_talk < -5"', r"condition 'c_talk < -5': c_talk is between 0 and 100"),
        ('"community_score >= 50"', '"c_talk > 100"', r"condition 'c_talk > 100' never holds"),
        (
            '"n_follower_comments < 10"',
            '"n_follower_comments < 10", "confidence < 20"',
            r"#1 \(insufficient_data\): condition 'confidence < 20': confidence is between 0 and 1",
        ),
    ]:
        text = MINI.replace(old, new)
        assert text != MINI
        path = _write(tmp_path, text)
        with pytest.raises(SpecError, match=re.escape(str(path)) + ": .*" + says):
            load_spec(path)
    # conditions that can hold stay allowed: a band, an equality at a bound, the range's own ends
    for ok in (
        '"community_score >= 50", "community_score < 90"',
        '"community_score >= 50", "community_score <= 50"',
        '"c_talk >= 0", "c_deals <= 100", "confidence > 0.5"',
    ):
        load_spec(_write(tmp_path, MINI.replace('"community_score >= 50"', ok)))
    load_spec()


def test_empty_and_non_text_spec_files(tmp_path):
    with pytest.raises(SpecError, match=r"empty.toml is empty"):
        load_spec(_write(tmp_path, "", "empty.toml"))
    binary = tmp_path / "logo.toml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    with pytest.raises(SpecError, match=r"logo.toml is not a UTF-8 text file"):
        load_spec(binary)
    with pytest.raises(SpecError, match=r"is a folder; give the spec's .toml file"):  # was "does not exist"
        load_spec(tmp_path)


def test_old_spec_copies_with_the_confidence_minimums_still_load(tmp_path):
    """Copies of spec ≤ 1.1.0 carry [confidence] min_posts / min_comments / min_confidence: accepted when they say what
    the insufficient_data rule says (they never decided anything)."""
    old = DEFAULT.replace(
        "full_comments = 150\n",
        "full_comments = 150\nmin_posts = 2\nmin_comments = 25\nmin_confidence = 0.2\n",
    )
    assert load_spec(_write(tmp_path, old)).confidence["min_comments"] == 25
    assert "min_comments" not in load_spec().confidence


def test_every_column_a_spec_names_must_exist(tmp_path):
    """A typo'd metric, support or label column fails when the score is computed (with the spec file named and the
    near column suggested) instead of a component or rule that silently never counts; the model tables' columns
    may be missing (a workspace scored with --no-models)."""
    df = _frame(interacting_commenter_share=[0.2], sponsored_share=[0.1])
    for old, new, says in [
        (
            'metric = "interacting_commenter_share"',
            'metric = "interacting_comenter_share"',
            r"component 'talk': metric: 'interacting_comenter_share' is not a column of the score table \(did you mean 'interacting_commenter_share'\?\)",
        ),
        (
            'all = ["community_score >= 50"]',
            'all = ["comunity_score >= 50"]',
            r"condition 'comunity_score >= 50': 'comunity_score' is not a column .*did you mean 'community_score'",
        ),
        (
            "weight = 3\n",
            'weight = 3\nmin_support = ["n_comenters", 10]\n',
            r"min_support: 'n_comenters' is not a column",
        ),
    ]:
        path = _write(tmp_path, MINI.replace(old, new))
        with pytest.raises(SpecError, match=re.escape(str(path)) + ".*" + says):
            score_frame(df, path, check=True)
    ok = MINI.replace(
        'label = "broadcast_influencer"',
        'label = "suspicious"\nany = ["pod_share > 0.3"]\n[[label]]\nlabel = "broadcast_influencer"',
    )
    out = score_frame(df, _write(tmp_path, ok), check=True)
    assert out["label"].tolist() == ["community_influencer"]


def test_a_component_cannot_score_what_is_computed_from_the_components(tmp_path):
    """confidence, coverage, community_score and the components' c_ / w_ columns are computed after the components: a
    metric or min_support naming one passed the column check and was always missing, silently nulling the component.
    It is an error when the spec is loaded, naming the file, the component and the key; label conditions and signals
    (checked after) may still name them."""
    for old, new, says in [
        (
            'metric = "sponsored_share"',
            'metric = "confidence"',
            r"component 'deals' \(\[\[component\]\] #2\): 'metric' names 'confidence', which is computed from the components, after them",
        ),
        ('metric = "sponsored_share"', 'metric = "community_score"', r"'metric' names 'community_score'"),
        (
            'metric = "sponsored_share"',
            'metric = "c_talk"',
            r"component 'deals' .*'metric' names 'c_talk', the score of component 'talk', computed after every component's metric",
        ),
        (
            "weight = 3\n",
            'weight = 3\nmin_support = ["w_deals", 0.1]\n',
            r"component 'talk' .*'min_support' names 'w_deals', the effective weight of component 'deals'",
        ),
        ("weight = 3\n", 'weight = 3\nmin_support = ["coverage", 0.5]\n', r"'min_support' names 'coverage'"),
    ]:
        text = MINI.replace(old, new)
        assert text != MINI
        path = _write(tmp_path, text)
        with pytest.raises(SpecError, match=re.escape(str(path)) + ".*" + says):
            load_spec(path)
    ok = MINI.replace(
        'all = ["community_score >= 50"]', 'all = ["c_deals >= 10", "w_talk > 0", "coverage >= 0.5"]'
    )
    df = _frame(interacting_commenter_share=[0.2], sponsored_share=[0.1])
    assert score_frame(df, _write(tmp_path, ok), check=True)["label"].tolist() == ["community_influencer"]


def test_a_spec_naming_a_text_or_time_column_is_refused(ws, tmp_path):
    """A condition on `tier` (text) compared nothing and never held; a component on `first_post_at` (a time) would
    have ranked nanoseconds. Both are errors naming the spec file, the rule and the column, on a frame and on a real
    workspace; numeric columns with nulls (object dtype) stay allowed."""
    df = _frame(
        interacting_commenter_share=[0.2], sponsored_share=[0.1], seen=[pd.Timestamp("2025-01-01", tz="UTC")]
    )
    for old, new, says in [
        (
            'all = ["community_score >= 50"]',
            'all = ["tier >= 1"]',
            r"condition 'tier >= 1': 'tier' holds text or times, not numbers",
        ),
        (
            'metric = "sponsored_share"',
            'metric = "seen"',
            r"component 'deals': metric: 'seen' holds text or times",
        ),
    ]:
        path = _write(tmp_path, MINI.replace(old, new))
        with pytest.raises(SpecError, match=re.escape(str(path)) + ".*" + says):
            score_frame(df, path, check=True)
    nulls = _frame(interacting_commenter_share=[None], sponsored_share=[None])
    assert nulls["sponsored_share"].dtype == object
    assert score_frame(nulls, _write(tmp_path, MINI), check=True)["label"].tolist() == [
        "broadcast_influencer"
    ]
    bakery(ws)
    bad = DEFAULT.replace('metric = "sponsored_share"', 'metric = "handle"', 1)
    assert bad != DEFAULT
    with pytest.raises(SpecError, match=r"metric: 'handle' holds text or times"):
        score_creators(ws, _write(tmp_path, bad, "ws.toml"), write=False)


def test_an_optional_components_metric_is_checked_too(ws, tmp_path):
    """``optional = true`` lets a metric be null for a creator (no linked space, no model table); a typo'd optional
    metric was silently never counted. Only the model tables' columns may be absent (scored with --no-models)."""
    bakery(ws)  # no community space and no model tables: the optional metrics are null, their columns present
    assert score_creators(ws, write=False).num_rows
    bad = DEFAULT.replace('metric = "community_overlap_share"', 'metric = "comunity_overlap_share"')
    path = _write(tmp_path, bad, "opt.toml")
    with pytest.raises(
        SpecError,
        match=re.escape(str(path))
        + r".*component 'offplatform_community': metric: 'comunity_overlap_share' is not a column .*"
        + r"did you mean 'community_overlap_share'",
    ):
        score_creators(ws, path, write=False)


# ------------------------------------------------------------------------------------------ the CLI
def test_cli_spec_errors_keep_their_brackets_and_fail_before_the_models(ws, tmp_path):
    """The spec error names `[[component]] #1` / `[confidence]` as written (the CLI printed its errors as Rich markup,
    where they vanished: "[] #1 is missing 'weight'"), with no traceback (a wrong type was a ValueError), and before
    the models run."""
    from tribescope.cli import app
    from tribescope.cli._app import state

    bakery(ws)
    path = str(ws.path)
    ws.close()
    runner = CliRunner()
    bad = _write(tmp_path, DEFAULT.replace("weight = 0.13", 'weight = "heavy"'), "bad.toml")
    res = runner.invoke(app, ["--workspace", path, "score", "--spec", str(bad)])
    assert (res.exit_code == 1 and res.exception is None) or isinstance(res.exception, SystemExit), res.output
    assert "([[component]] #1): 'weight' must be a number" in res.output, res.output
    state.close_all()  # as `tribescope` does when a command ends (CliRunner runs commands in this process)
    bad.write_text(DEFAULT.replace("full_posts = 6", "fullposts = 6"))
    res = runner.invoke(app, ["--workspace", path, "explain", "cre", "--spec", str(bad)])
    assert res.exit_code == 1 and "[confidence]: unknown key 'fullposts'" in res.output, res.output
    state.close_all()
    from tribescope.store import connect

    with connect(path, read_only=True) as again:
        assert not again.has_table("creator_audience_authenticity")  # failed before the models ran


def test_a_spec_naming_no_column_fails_before_the_models(ws, tmp_path):
    """`score_workspace` (`tribescope score`) checked the spec's columns only once the models and metrics had run; a
    typo'd metric now fails first, naming the file and the component. A column of a model table the workspace holds
    is accepted there although the score table's usual columns lack it."""
    from tribescope.score import score_workspace

    bakery(ws)
    typo = _write(tmp_path, DEFAULT.replace('metric = "retention"', 'metric = "retension"'), "typo.toml")
    with pytest.raises(
        SpecError,
        match=re.escape(str(typo))
        + r": component 'retention': metric: 'retension' is not a column .*'retention'",
    ):
        score_workspace(ws, typo)
    assert not ws.has_table("creator_audience_authenticity") and not ws.has_table("creator_scores")
    ws.duck.execute(
        "CREATE TABLE creator_pods AS SELECT 'instagram' AS platform, 'cre' AS creator_id, 2 AS pods"
    )
    pods = _write(
        tmp_path,
        DEFAULT.replace('when = "likes_cv > 1.5"', 'when = "pods > 1"').replace(
            "likes vary {:.1f}x their mean across posts (spiky likes)", "in {:.0f} pods"
        ),
        "pods.toml",
    )
    assert score_workspace(ws, pods, models=False).num_rows == 1


def test_cli_explain_prints_what_people_wrote_verbatim(ws, tmp_path):
    """Comment text is printed as written: `[/x]` was read as a Rich closing tag (MarkupError traceback), and in
    --json every "NaN" inside text became "null"; the sponsored post's kind ([disclosed] / [likely]) was eaten as a
    style tag."""
    from tribescope.cli import app

    bakery(ws)
    ws.duck.execute("UPDATE comments SET text = text || ' [/x] NaNa' WHERE comment_id = 'c2'")
    path = str(ws.path)
    ws.close()
    runner = CliRunner()
    assert runner.invoke(app, ["--workspace", path, "score", "--no-sentiment"]).exit_code == 0
    res = runner.invoke(app, ["--workspace", path, "explain", "cre"])
    assert res.exit_code == 0, res.output
    assert "[/x] NaNa" in res.output and re.search(r"p2 \[(disclosed|likely)\]", res.output), res.output
    res = runner.invoke(app, ["--workspace", path, "explain", "cre", "--json"])
    assert res.exit_code == 0, res.output
    ex = json.loads(res.output)
    texts = [m["text"] for c in ex["evidence"]["conversations"] for m in c["thread"]]
    assert any(t.endswith("[/x] NaNa") for t in texts), texts
    assert ex["metrics"]["first_post_at"].startswith("2024-01-01")  # a timestamp, not null


# ------------------------------------------------------------------------------------------ explain on synth data
@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    d = tmp_path_factory.mktemp("synth_xs_3")
    ws = imported_synth(d, 3)
    tbl = score_creators(ws, sentiment=False)
    yield ws, tbl.to_pandas()
    ws.close()


def _by_hand(c, x):
    """Component score 0…1 from the spec's transform, as docs/scoring.md states it."""
    tr = c.transform
    if tr["kind"] == "log_logistic":
        x = math.log10(x)
    elif tr["kind"] == "ratio_logistic":
        if x == 0:
            return 0.0 if c.direction == "higher" else 1.0
        x = math.log2(x)
    s = 1 / (1 + math.exp(-(x - tr["center"]) / tr["scale"]))
    return 1 - s if c.direction == "lower" else s


@pytest.mark.slow
def test_explain_parts_reproduce_the_stored_score(scored):
    """For a creator of every label: the spec's transform of the stored metric is the stored c_ column; the stored
    w_ column is the spec weight re-normalised over the components present; the points add up to the stored
    community_score exactly (before: rounded products off by up to 0.03); the label is the stored one; every
    component left out says why; the stored score names the spec (spec_hash)."""
    ws, df = scored
    sp = load_spec()
    picks = [df[df["label"] == lab].iloc[0]["creator_id"] for lab in sorted(set(df["label"]))]
    assert {
        "community_influencer",
        "broadcast_influencer",
        "insufficient_data",
        "suspicious",
        "creator",
    } <= set(df["label"])
    picks += [
        "ben_arcade",
        "kaitravels",
        "gadgetwithpia",
        "juliagains",
    ]  # whose rounded products did not add up
    for cid in picks:
        ex = explain(ws, cid)
        row = df[(df["creator_id"] == ex["creator_id"])].iloc[0]
        assert ex["community_score"] == row["community_score"] and ex["label"] == row["label"]
        assert round(sum(c["contribution"] for c in ex["components"]), 2) == row["community_score"], cid
        present = [c for c in ex["components"] if c["score"] is not None]
        wsum = sum(c["spec_weight"] for c in present)
        for c, comp in zip(ex["components"], sp.components, strict=True):
            assert c["name"] == comp.name and c["spec_weight"] == comp.weight
            if c["score"] is None:
                assert c["weight"] == 0 and c["contribution"] == 0, c
                assert c["missing"], c  # why it was left out: too little data, no value, no column
                continue
            assert (
                c["score"]
                == row[f"c_{comp.name}"]
                == pytest.approx(100 * _by_hand(comp, c["value"]), abs=0.006)
            )
            assert c["weight"] == pytest.approx(comp.weight / wsum) and c["weight"] == pytest.approx(
                row[f"w_{comp.name}"]
            )
            assert abs(c["contribution"] - c["score"] * c["weight"]) <= 0.011
        if ex["label_reasons"]["rule"] is not None:
            assert ex["label_reasons"]["rule"] == ex["label"]
        assert ex["warnings"] == [] and ex["stored"]["spec_hash"] == sp.hash
    assert set(df["spec_hash"]) == {sp.hash} and set(df["spec_version"]) == {sp.version}


@pytest.mark.slow
def test_a_score_from_another_spec_is_explained_with_a_warning(scored, tmp_path):
    """`tribescope score --spec FILE` stores the spec's hash; `explain` without that file says the stored score came
    from another spec, and with it explains the stored score. The edited weight changes the score as the formula
    says."""
    ws, df = scored
    mine = _write(tmp_path, DEFAULT.replace("weight = 0.13", "weight = 0.5"), "mine.toml")
    try:
        other = score_creators(ws, spec=mine, sentiment=False).to_pandas()
        cid = df[df["label"] == "community_influencer"].iloc[0]["creator_id"]
        ex = explain(ws, cid)
        assert len(ex["warnings"]) == 1 and "stored score was computed with spec" in ex["warnings"][0]
        assert load_spec(mine).hash in ex["warnings"][0]
        ex2 = explain(ws, cid, spec=mine)
        row = other[other["creator_id"] == cid].iloc[0]
        assert ex2["warnings"] == [] and ex2["community_score"] == row["community_score"]
        w = {c["name"]: c for c in ex2["components"] if c["score"] is not None}
        expect = (
            100
            * sum(c["spec_weight"] * c["score"] / 100 for c in w.values())
            / sum(c["spec_weight"] for c in w.values())
        )
        assert row["community_score"] == pytest.approx(expect, abs=0.01)
        assert row["community_score"] != df[df["creator_id"] == cid].iloc[0]["community_score"]
        assert set(other["spec_hash"]) == {load_spec(mine).hash}
    finally:
        score_creators(ws, sentiment=False)  # the module's workspace back to the default spec


def test_json_values_have_no_nan():
    from tribescope.cli._out import json_safe

    assert json_safe({"a": [float("nan"), 1.5, "NaN"], "b": float("inf")}) == {
        "a": [None, 1.5, "NaN"],
        "b": None,
    }
    assert np.isnan(float("nan"))


def test_label_reasons_say_why_not_the_rules_before(tmp_path):
    """A broadcast creator is told which condition of each earlier rule failed, with its value (community_score
    41.2 >= 50); a condition whose value passes but whose [label_evidence] support falls short says so."""
    from tribescope.score._score import _label_reasons

    text = MINI.replace(
        '[[label]]\nlabel = "community_influencer"',
        '[[label]]\nlabel = "suspicious"\nany = ["real_follower_share < 0.5"]\n[[label]]\nlabel = "community_influencer"',
    ).replace(
        "[[label]]", '[label_evidence]\nreal_follower_share = ["profiled_commenters", 20]\n[[label]]', 1
    )
    sp = load_spec(_write(tmp_path, text))
    df = _frame(
        interacting_commenter_share=[0.05],
        sponsored_share=[0.2],
        real_follower_share=[0.1],
        profiled_commenters=[3],
    )
    row = score_frame(df, sp).iloc[0]
    assert row["label"] == "broadcast_influencer"
    why = _label_reasons(row, sp)
    assert why["rule"] == "broadcast_influencer"
    by = {r["rule"]: r for r in why["not_before"]}
    assert by["community_influencer"]["failed"] == [
        {"column": "community_score", "op": ">=", "threshold": 50.0, "value": row["community_score"]}
    ]
    assert by["suspicious"]["failed"][0]["evidence"] == {
        "column": "profiled_commenters",
        "minimum": 20.0,
        "value": 3.0,
    }


def test_a_value_next_to_its_threshold_shows_the_digits_that_tell_them_apart():
    """`explain` printed "pod_share 0.30 > 0.30" for 0.304 (the creator labelled suspicious by it)."""
    from tribescope.cli._score import _vs

    assert _vs(0.304, 0.3) == "0.304" and _vs(0.2999, 0.3) == "0.2999" and _vs(0.31, 0.3) == "0.31"
    assert _vs(41.04, 50.0) == "41.04" and _vs(None, 0.5) == "–"


def test_explain_of_a_creator_never_scored_says_so(ws):
    bakery(ws)
    ex = explain(ws, "cre")
    assert ex["stored"] is None and ex["warnings"] and "no stored score" in ex["warnings"][0]
    score_creators(ws, sentiment=False)
    ex = explain(ws, "cre")
    assert ex["warnings"] == [] and ex["stored"]["community_score"] == ex["community_score"]
    ws.duck.execute(
        "UPDATE creator_scores SET community_score = community_score + 1"
    )  # as if the data changed since
    assert "the workspace changed since the last `tribescope score`" in explain(ws, "cre")["warnings"][0]


def test_explain_of_a_never_scored_workspace_says_it_leaves_the_models_out(ws):
    """`explain` on a workspace `tribescope score` never ran computes a score without the model-based components (it
    runs no model): its note said only "this explanation computes it now", as if it were what `score` gives. It names
    the components left out until `tribescope score` runs the models, and its score is what `--no-models` gives."""
    from tribescope.score import score_workspace

    bakery(ws)
    ex = explain(ws, "cre")
    (note,) = ex["warnings"]
    assert "has not scored it" in note
    model_based = ["real_followers", "authentic_engagement", "comment_authenticity"]
    assert f"without the model-based components ({', '.join(model_based)})" in note, note
    assert "left out until `tribescope score` runs the models" in note, note
    assert {c["name"] for c in ex["components"] if c["score"] is None} >= set(model_based)
    plain = score_workspace(ws, models=False).to_pylist()[0]
    assert plain["community_score"] == ex["community_score"]
    ws.duck.execute("DELETE FROM creator_scores")  # scored once with the models: their tables are there
    score_workspace(ws)
    ws.duck.execute("DELETE FROM creator_scores")
    (note,) = explain(ws, "cre")["warnings"]
    assert "has not scored it" in note and "model-based" not in note, note


def test_suspicious_signals_are_the_specs_not_constants_in_the_code(scored, tmp_path):
    """`explain`'s suspicious signals were thresholds written in the code (er_ratio < 0.35, generic_share > 0.6, …);
    they are the spec's [[signal]] tables: an edited threshold or sentence changes what explain lists, a spec without
    them lists none, and a signal on a column the score table lacks is an error naming it."""
    ws, df = scored
    cid = df.iloc[0]["creator_id"]
    gen = float(df.iloc[0]["generic_share"])
    loose = DEFAULT.replace('when = "generic_share > 0.6"', 'when = "generic_share >= 0"').replace(
        'text = "{:.0%} of comments are generic praise"', 'text = "generic praise: {:.3f}"'
    )
    ex = explain(ws, cid, spec=_write(tmp_path, loose, "loose.toml"))
    assert f"generic praise: {gen:.3f}" in ex["evidence"]["suspicious_signals"]
    bare = DEFAULT[
        : DEFAULT.index(
            "# ----------------------------------------------------------------------------------------- signals"
        )
    ]
    assert load_spec(_write(tmp_path, bare, "bare.toml")).signals == ()
    assert explain(ws, cid, spec=tmp_path / "bare.toml")["evidence"]["suspicious_signals"] == []
    typo = DEFAULT.replace('when = "likes_cv > 1.5"', 'when = "like_cv > 1.5"')
    with pytest.raises(
        SpecError, match=r"\[\[signal\]\] #6: condition 'like_cv > 1.5': 'like_cv' is not a column"
    ):
        explain(ws, cid, spec=_write(tmp_path, typo, "typo.toml"))


def test_creators_with_too_little_data_rank_after_the_judged_ones(tmp_path):
    """A score measured on a handful of comments (insufficient_data, confidence 0.06) was ranked among the others: at
    synth xs five such creators sat between community influencers. Best score first, then the unjudged ones."""
    df = _frame(
        interacting_commenter_share=[0.3, 0.12, 0.05],
        sponsored_share=[0.2, 0.2, 0.2],
        n_follower_comments=[5, 100, 100],
    )
    out = score_frame(df, _write(tmp_path, MINI))
    assert out["creator_id"].tolist() == ["c1", "c2", "c0"]
    assert out["label"].tolist()[-1] == "insufficient_data"
    assert out.loc[2, "community_score"] > out.loc[0, "community_score"]


def test_explain_refuses_a_handle_on_two_platforms_naming_both():
    """``explain "a b"`` with ``a b`` on Instagram and TikTok explained the Instagram one without a word (similar,
    circle and overlap refuse it); ``PLATFORM:ID`` picks one."""
    from tribescope.errors import CreatorNotFound
    from tribescope.score._score import _find

    df = pd.DataFrame(
        {
            "platform": ["tiktok", "instagram", "youtube"],
            "creator_id": ["a b", "a b", "UC1"],
            "handle": ["a b"] * 2 + ["x"],
        }
    )
    with pytest.raises(CreatorNotFound) as e:
        _find(df, "@A B")
    assert str(e.value) == (
        "creator '@A B' is ambiguous in this workspace: instagram:a b, tiktok:a b. Name it as PLATFORM:ID."
    )
    assert _find(df, "tiktok:a b")["platform"] == "tiktok" and _find(df, "x")["creator_id"] == "UC1"
