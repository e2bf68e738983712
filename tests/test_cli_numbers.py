"""How the marketer's commands show numbers: one format per kind of column (a share as a percentage, as the score table
shows it; a count with thousands separators; a ratio, a score and a weight with fixed decimals), the same figure with
the same rounding wherever it appears, and raw numbers in ``--json``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests._score_fixtures import run_cli as _run
from tests._score_fixtures import scored_synth_path


@pytest.fixture(scope="module")
def synth_ws(tmp_path_factory: pytest.TempPathFactory) -> str:
    """``tribescope synth --scale xs --seed 3`` imported and scored (with the models)."""
    return scored_synth_path(tmp_path_factory.mktemp("numbers"), 3)


SHARE = re.compile(r"\d{1,3}\.\d%")
COUNT = re.compile(r"\d{1,3}(,\d{3})*")
FIXED2 = re.compile(r"\d[\d,]*\.\d\d")


def _kind(metric: str) -> re.Pattern[str]:
    share = metric.endswith("_share") or metric in ("reciprocity", "retention", "comment_authenticity")
    return SHARE if share else COUNT if metric == "followers" or metric.startswith("n_") else FIXED2


def _components(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        m = re.match(r"\s*(\w+) \((\w+)\)\s*│(.*)$", line)
        if m:
            rows.append([m.group(1), m.group(2), *(c.strip() for c in m.group(3).split("│"))])
    return rows


# ------------------------------------------------------------------------------------------------------ explain
def test_explain_components_show_one_format_per_kind_of_column(synth_ws):
    """`explain wandersbymaya` showed spec weights "0.13", "0.1", "0.04", values "0.43" beside "1" and "0", and a tier
    median of followers "34,048.50": a share is now a percentage with one decimal, a count whole with separators,
    a ratio / index / score / spec weight with two decimals, the weight used a percentage."""
    code, out, _ = _run(synth_ws, "explain", "wandersbymaya")
    assert code == 0, out
    rows = _components(out)
    assert len(rows) >= 15, out
    for name, metric, value, median, score, spec_w, used, points in rows:
        for cell in (value, median):
            assert cell == "–" or _kind(metric).fullmatch(cell), (name, metric, cell)
        assert FIXED2.fullmatch(score) and FIXED2.fullmatch(points), (name, score, points)
        assert re.fullmatch(r"\d\.\d\d", spec_w), (name, spec_w)
        assert used == "–" or SHARE.fullmatch(used), (name, used)
    by_metric = {r[1]: r for r in rows}
    assert by_metric["real_follower_share"][2] == "100.0%"
    assert by_metric["sponsored_share"][2] == "0.0%"
    assert by_metric["followers"][2] == "16,570" and COUNT.fullmatch(by_metric["followers"][3])
    assert by_metric["returning_commenter_share"][5] == "0.10"  # spec weight 0.1, as 0.13 beside it


def test_explain_shows_a_share_as_the_score_table_does(synth_ws):
    """The score table shows follower talk "42.9%"; explain showed the same figure as "0.43"."""
    _, table, _ = _run(synth_ws, "score", "--no-models")
    row = next(line for line in table.splitlines() if re.search(r"│ wandersbymaya\s+│", line))
    cells = [c.strip() for c in row.split("│")]
    _, out, _ = _run(synth_ws, "explain", "wandersbymaya")
    by_metric = {r[1]: r for r in _components(out)}
    assert by_metric["interacting_commenter_share"][2] == cells[8], (
        row,
        by_metric["interacting_commenter_share"],
    )
    assert by_metric["returning_commenter_share"][2] == cells[9]
    assert by_metric["substantive_share"][2] == cells[10]
    assert f"confidence {cells[7]}" in out.splitlines()[0]


def test_explain_label_reasons_show_value_and_threshold_alike(synth_ws):
    """The label lines said "real_follower_share 1 < 0.50" beside "comment_authenticity 0.94 < 0.40": every value is
    shown in its threshold's format."""
    _, out, _ = _run(synth_ws, "explain", "wandersbymaya")
    lines = [ln for ln in out.splitlines() if ln.startswith(("why ", "not "))]
    assert lines, out
    text = " ".join(lines)
    assert "real_follower_share 100.0% < 50.0%" in text, text
    assert "community_score 89.66 >= 50.00" in text, text
    assert "confidence 0.95 < 0.20" in text and "followers 16,570 < 1,000" in text, text
    assert "er_ratio 1.36 < 0.50" in text, text
    found = re.findall(r"(\w+) (–|-?\d[\d,]*(?:\.\d+)?%?) (?:<|<=|>|>=|==) (\d[\d,]*(?:\.\d+)?%?)", text)
    assert len(found) >= 10, text
    for col, value, threshold in found:
        pattern = re.compile(r"\d[\d,]*(\.\d+)?%") if threshold.endswith("%") else None
        if pattern:
            assert pattern.fullmatch(value), (col, value, threshold)
        elif "." in threshold:
            assert re.fullmatch(r"\d[\d,]*\.\d{2,}", value), (col, value, threshold)
        else:
            assert COUNT.fullmatch(value), (col, value, threshold)


def test_explain_er_line_agrees_with_er_ratio(synth_ws):
    """The ER line rounded to one decimal ("5.1% vs 3.8%": 1.34) beside er_ratio 1.36 in the table: two decimals, and
    the ratio named on the line."""
    _, out, _ = _run(synth_ws, "explain", "wandersbymaya")
    m = re.search(
        r"ER \(median per post\) (\d+\.\d\d)% vs tier benchmark (\d+\.\d\d)% .* er_ratio (\d+\.\d\d)", out
    )
    assert m, out
    er, bench, ratio = (float(x) for x in m.groups())
    assert abs(er / bench - ratio) < 0.01, m.group(0)


def test_explain_json_keeps_the_raw_numbers(synth_ws):
    _, out, _ = _run(synth_ws, "explain", "wandersbymaya", "--json")
    ex = json.loads(out)
    comp = {c["metric"]: c for c in ex["components"]}
    assert isinstance(comp["interacting_commenter_share"]["value"], float)
    assert 0 < comp["interacting_commenter_share"]["value"] < 1
    assert comp["followers"]["value"] == 16570 and comp["returning_commenter_share"]["spec_weight"] == 0.1


def test_a_share_next_to_its_threshold_shows_the_digits_that_tell_them_apart():
    from tribescope.cli._score import _num_text, _vs

    assert _vs(0.304, 0.3, "pod_share") == "30.4%" and _vs(0.2999, 0.3, "pod_share") == "29.99%"
    assert _vs(1.0, 0.5, "real_follower_share") == "100.0%" and _vs(0.5, 0.5, "pod_share") == "50.0%"
    assert _vs(0.4999, 0.5, "er_ratio") == "0.4999" and _vs(1.0, 0.5, "er_ratio") == "1.00"
    assert _vs(8.0, 2.0, "n_posts_with_comments") == "8" and _vs(16570.0, 1000.0, "followers") == "16,570"
    assert _num_text(-1e-12, "pod_share") == "0.0%" and _num_text(-1e-12, "er_ratio") == "0.00"
    assert _num_text(None, "pod_share") == "–" and _num_text(float("nan"), "followers") == "–"


def test_explain_says_a_missing_value_rather_than_a_dash_against_a_threshold(synth_ws):
    """ "real_follower_share – < 50.0%" for a YouTube creator without the account model's figure: the condition is
    false because the value is missing, and the line says so."""
    _, out, _ = _run(synth_ws, "explain", "haribakes")
    assert "real_follower_share < 50.0% (no value)" in out, out
    assert not re.search(r"\w+ – [<>=]", out), out


# ------------------------------------------------------------------------------------------------- handles, not ids
YOUTUBE_ID = re.compile(r"\bUC[\w-]{22}\b")


def _youtube_handles(wsfile: str) -> dict[str, str]:
    from tribescope.store import connect

    ws = connect(wsfile, read_only=True)
    try:
        sql = "SELECT account_id, username FROM accounts WHERE platform = 'youtube' AND username IS NOT NULL"
        return dict(ws.duck.execute(sql).fetchall())
    finally:
        ws.close()


def test_explain_names_commenters_by_handle(synth_ws):
    """The evidence of a YouTube creator listed channel ids ("UCga6hh6…: @owen.south agreed") while the replies it
    quotes address people by handle: the handle the workspace knows, as `similar` and `overlap` name creators."""
    _, out, _ = _run(synth_ws, "explain", "haribakes")
    evidence = out[out.index("Followers talking to each other") :]
    # an id is left only for an account the workspace knows no handle of (which threads explain quotes may vary)
    assert not set(YOUTUBE_ID.findall(evidence)) & set(_youtube_handles(synth_ws)), evidence
    assert len(YOUTUBE_ID.findall(evidence)) < 3, evidence
    assert re.search(r"Returning commenters: [\w.-]+ \(\d+ posts\)", evidence), evidence
    handles = set(_youtube_handles(synth_ws).values())
    returning = re.findall(r"([\w.-]+) \(\d+ posts?\)", evidence)
    assert returning and set(returning) <= handles, returning


def test_pods_name_accounts_by_handle_and_not_the_workspace_path(synth_ws):
    _, out, _ = _run(synth_ws, "pods")
    assert "engagement pods in ws.duckdb: " in out, out
    assert str(Path(synth_ws).parent) not in out, out
    assert "youtube" in out and not YOUTUBE_ID.search(out), out
    assert re.search(r"│\s+\d+ │\s+\d+ min │", out), out  # posts and the delay right-aligned, as counts are


# ------------------------------------------------------------------------------------------------- score, status
def test_score_says_why_too_little_data_comes_after_lower_scores(synth_ws):
    """The table "by community score" listed 23.24 at #32, then 64.25 at #33 (insufficient_data comes last): the
    table now says why, and its header spells out confidence."""
    _, out, _ = _run(synth_ws, "score", "--no-models")
    assert "come after the judged ones, whatever their score" in out, out
    assert re.search(r"┃ confidence ┃", out), out


def test_status_shows_the_import_log_as_import_does(synth_ws):
    """`status` printed the rows an import wrote as the stored JSON ({"accounts": 1678, "comments": 5422}) where
    `import` prints "accounts 1,678, comments 5,422"; it showed the last 30 imports under "import log" without saying
    that there are more, and said nothing of the scores."""
    _, out, _ = _run(synth_ws, "status")
    assert "{" not in out and '"accounts"' not in out, out
    assert re.search(r"accounts 1,\d{3}, comments 5,\d{3}, posts \d+", out), out
    assert re.search(r"import log \(the last 30 of \d+\)", out), out
    assert "creator scores: 40 creators scored (spec " in out, out


def test_status_of_an_unscored_workspace_says_how_to_score(tmp_path):
    from tests import _niche_world as W

    from tribescope.store import connect

    ws = connect(tmp_path / "w.duckdb")
    W.build(ws)
    ws.close()
    _, out, _ = _run(str(tmp_path / "w.duckdb"), "status")
    assert "creator scores: none yet; `tribescope score` scores every creator" in out, out


def test_status_rows_text():
    from tribescope.cli._ingest import _rows_text

    assert _rows_text('{"comments": 5422, "accounts": 1678, "posts": 0}') == "accounts 1,678, comments 5,422"
    assert _rows_text(None) == "-" and _rows_text("not json") == "not json"


# ------------------------------------------------------------------------------------------------- niches and audiences
@pytest.fixture(scope="module")
def niche_ws(tmp_path_factory: pytest.TempPathFactory) -> str:
    from tests import _niche_world as W

    from tribescope.store import connect

    path = tmp_path_factory.mktemp("niche") / "w.duckdb"
    ws = connect(path)
    W.build(ws)
    ws.close()
    return str(path)


def test_overlap_shows_shares_as_percentages_and_numbers_right_aligned(niche_ws):
    """overlap_min "1.000" and unique_share "0.375" beside `similar`'s "4% of the smaller audience": shares are
    percentages; the counts and figures are right-aligned, as in every other table."""
    code, out, _ = _run(niche_ws, "overlap", "fa", "fb", "fc")
    assert code == 0, out
    fa_fb = next(line for line in out.splitlines() if re.search(r"│ fa\s+│ FA\s+│ instagram\s+│ fb ", line))
    assert "│      8 │      3 │      3 │   0.375 │      100.0% │  0.612" in fa_fb, fa_fb
    fa = next(line for line in out.splitlines() if re.match(r"\s*instagram │ fa\s+│ FA\s+│\s+8 ", line))
    assert fa.rstrip().endswith("37.5%"), fa


def test_niches_show_a_flag_as_yes_or_no(niche_ws):
    _, out, _ = _run(niche_ws, "niches")
    sweep = out[: out.index("chosen resolution")]
    assert "True" not in sweep and "False" not in sweep and "│ yes" in sweep, sweep
    assert "100.0%" in out, out  # topic_share


def test_circle_counts_its_levels_in_the_plural(niche_ws):
    _, out, _ = _run(niche_ws, "circle", "fa")
    head = out.splitlines()[0]
    assert re.search(r"— (\d+ \w+, )*\d+ \w+$", head), head
    for n, level in re.findall(r"(\d+) (\w+)", head.split("—")[1]):
        assert level.endswith("s") == (n != "1"), head


def test_similar_shows_its_figures_with_the_decimals_of_its_reasons(synth_ws):
    """`similar` showed topic "0.922" beside its reason "topics 0.92": the same figure with two roundings."""
    _, out, _ = _run(synth_ws, "similar", "wandersbymaya", "-n", "5")
    rows = [line for line in out.splitlines() if re.search(r"│ topics \d", line)]
    assert rows, out
    for line in rows:
        cells = [c.strip() for c in line.split("│")]
        assert all(re.fullmatch(r"\d\.\d\d", c) for c in cells[3:7]), cells
        assert f"topics {cells[4]} " in cells[7], cells


def test_score_with_out_does_not_tell_to_pass_out(synth_ws, tmp_path):
    """`score --out s.csv` ended with "… 38 more; --out FILE.csv writes them all", advice to a user who had just
    followed it; `--limit 0` printed an empty table's header."""
    out = tmp_path / "s.csv"
    _, text, _ = _run(synth_ws, "score", "--no-models", "--limit", "2", "--out", str(out))
    assert "--out FILE.csv" not in text and f"… 38 more in {out}, with every column" in text, text
    _, text, _ = _run(synth_ws, "score", "--no-models", "--limit", "0", "--out", str(out))
    assert "┃" not in text and "more" not in text and "wrote 40 creators" in text, text
    _, text, _ = _run(synth_ws, "score", "--no-models", "--limit", "2")
    assert "… 38 more; --out FILE.csv writes them all with every column" in text, text


def test_spec_weights_keep_the_decimals_of_the_finest():
    from tribescope.cli._score import _weight_digits

    assert _weight_digits([0.13, 0.1, 0.04]) == 2 and _weight_digits([0.125, 0.1]) == 3
