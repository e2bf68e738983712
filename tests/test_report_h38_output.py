"""The e-mailed report's campaign section, and ``tribescope score`` / ``explain`` on creator text that is not plain:
hand-built workspaces of a few rows (the bakery thread of ``_score_fixtures``)."""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

import pytest

try:
    from ._score_fixtures import BAKERY_ACCOUNTS, BAKERY_COMMENTS, BAKERY_POSTS, insert, run_cli
except ImportError:
    from _score_fixtures import (  # type: ignore[no-redef]
        BAKERY_ACCOUNTS,
        BAKERY_COMMENTS,
        BAKERY_POSTS,
        insert,
        run_cli,
    )


def _bakery(path: Path, handle: str | None = "Cre") -> str:
    """The bakery thread (creator ``cre`` on Instagram, 2 posts, 10 comments) in a workspace file, the creator named
    ``handle`` (None: the creator has no ``accounts`` row)."""
    from tribescope.store import connect

    accounts = copy.deepcopy(BAKERY_ACCOUNTS)
    accounts[0]["username"] = handle
    if handle is None:
        accounts = accounts[1:]
    ws = connect(path)
    try:
        insert(ws, "posts", BAKERY_POSTS)
        insert(ws, "comments", BAKERY_COMMENTS)
        insert(ws, "accounts", accounts)
    finally:
        ws.close()
    return str(path)


def _headers(table: str) -> list[str]:
    """The column headers of one ``<table>`` of the page, as text (the header filter lets names wrap after "_")."""
    heads = re.findall(r"<th\b[^>]*>(.*?)</th>", table, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", h)).strip() for h in heads]


def _campaign_section(page: str) -> str:
    """The campaign section, without its chart specs."""
    section = page[page.index("<h2>Campaign ROI</h2>") : page.index("</main>")]
    return re.sub(r"<script\b.*?</script>", "", section, flags=re.S)


def _report(path: str, plan: str, tmp: Path) -> str:
    pytest.importorskip("tribescope.campaigns")
    from tribescope.campaigns import import_campaign
    from tribescope.report import render_report
    from tribescope.store import connect

    (tmp / "plan.csv").write_text(
        "campaign_id,brand,creator_platform,creator_id,handle,cost,currency,start,end,promo_code\n" + plan,
        encoding="utf-8",
    )
    ws = connect(path)
    try:
        import_campaign(ws, plan=tmp / "plan.csv")
        return render_report(ws, top=1, evidence=0)
    finally:
        ws.close()


#: sklearn's NMF (the niche groups of the report's Niches section) on a one-creator workspace: not this test's subject
NMF_ONE_CREATOR = pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")

ONE_CAMPAIGN = "spring,Acme,instagram,cre,Cre,100.00,USD,2024-01-01,2024-01-10,CRE15\n"


@NMF_ONE_CREATOR
def test_the_report_campaign_table_shows_what_a_marketer_reads_and_points_to_the_csv(tmp_path):
    """The e-mailed report's per-creator campaign table had every column of the campaign report (37: ``conversions_lo``,
    ``revenue_hi``, ``orders_in_other_currency``, ``impressions_source``, …), and the label table 20; now the columns
    ``tribescope campaign report`` prints, and a note that its ``--out`` CSV holds the rest."""
    page = _report(_bakery(tmp_path / "ws.duckdb"), ONE_CAMPAIGN, tmp_path)
    section = _campaign_section(page)
    tables = re.findall(r"<table\b.*?</table>", section, re.S)
    creators = _headers(tables[-1])
    assert creators == [
        "handle",
        "creator_platform",
        "label_group",
        "cost",
        "clicks",
        "conversions",
        "revenue",
        "cpa",
        "roas",
        "roi",
        "roi_lo",
        "roi_hi",
    ]
    labels = _headers(tables[0])
    assert labels[:3] == ["group", "creators", "cost"] and "median_creator_roi" not in labels
    assert len(labels) <= 13
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", section)).split())
    assert "1 creator rows of campaign spring" in text
    assert "tribescope campaign report --out roi.csv writes every row and column" in text
    # the figures: cost 100.00, nothing sold (no orders imported), ROI -1.00
    cells = [
        html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", tables[-1], re.S)
    ]
    assert cells[3] == "100.00" and cells[5] == "0" and cells[9] == "-1.00"


@NMF_ONE_CREATOR
def test_the_report_campaign_table_names_the_campaign_of_each_row_when_there_are_several(tmp_path):
    plan = ONE_CAMPAIGN + "summer,Acme,instagram,cre,Cre,50.00,USD,2024-01-02,2024-01-09,CRE20\n"
    section = _campaign_section(_report(_bakery(tmp_path / "ws.duckdb"), plan, tmp_path))
    tables = re.findall(r"<table\b.*?</table>", section, re.S)
    assert _headers(tables[-1])[:2] == ["campaign_id", "handle"]
    assert "2 creator rows of 2 campaigns" in " ".join(
        html.unescape(re.sub(r"<[^>]+>", " ", section)).split()
    )


@pytest.mark.parametrize("handle", ["cre[/]", "[bold]cre", "a[/b]c"])
def test_score_table_prints_a_handle_with_square_brackets_as_it_is(tmp_path, handle):
    """A handle holding Rich markup (a CSV or Discord export lets any text through) crashed ``tribescope score`` with a
    MarkupError traceback ("closing tag '[/]' … has nothing to close") after the scores were stored, or printed
    ``[bold]cre`` as a bold "cre"."""
    path = _bakery(tmp_path / "ws.duckdb", handle)
    code, out, err = run_cli(path, "score", "--no-sentiment")
    assert code == 0, out + err
    row = next(line for line in out.splitlines() if "instagram" in line)
    assert handle in row
    code, out, err = run_cli(path, "explain", "cre")
    assert code == 0, out + err
    assert out.splitlines()[0].startswith(f"@{handle} (instagram, cre)")


def test_explain_prints_a_label_of_the_users_spec_that_has_no_colour(tmp_path):
    """A spec may name its own labels (``thin_data`` for ``insufficient_data``): ``score`` printed it, ``explain`` wrote
    ``[]thin data[/]`` and Rich refused it with a MarkupError traceback."""
    from importlib.resources import files

    spec = (files("tribescope.score") / "spec.toml").read_text(encoding="utf-8")
    assert 'label = "insufficient_data"' in spec
    custom = tmp_path / "thin.toml"
    custom.write_text(spec.replace('label = "insufficient_data"', 'label = "thin_data"'), encoding="utf-8")
    path = _bakery(tmp_path / "ws.duckdb")
    code, out, err = run_cli(path, "explain", "cre", "--spec", str(custom))
    assert code == 0, out + err
    assert " · thin data · score " in out.splitlines()[0]
    assert "why thin data: n_follower_comments 9 < 25" in out


def test_explain_of_a_creator_without_an_account_row_says_the_followers_are_unknown(tmp_path):
    """A creator known only from its posts (no ``accounts`` row): ``explain`` printed "– followers · tier None" and
    "ER (median per post) – vs tier benchmark – (None)"."""
    path = _bakery(tmp_path / "ws.duckdb", None)
    code, out, err = run_cli(path, "explain", "cre")
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0].startswith(
        "@cre (instagram, cre) · followers unknown · no tier · too little data · score "
    )
    er = next(line for line in lines if line.startswith("ER (median per post)"))
    assert er == "ER (median per post) – vs tier benchmark – (no benchmark without a follower count)"
    assert "None" not in out


def test_audience_reachability_is_shown_as_the_share_it_is():
    """``audience_reachability`` is a share (profiled commenters following < 1,500 / profiled, docs/scoring.md) but was
    shown as "0.80" where every other share reads "80.0%" (a spec condition or component on it in ``explain``)."""
    from tribescope.score._spec import metric_text

    assert metric_text(0.8, "audience_reachability") == "80.0%"
    assert metric_text(0.8, "audience_real_share") == "80.0%"


def _packaged_spec() -> str:
    from importlib.resources import files

    return (files("tribescope.score") / "spec.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'min_support = ["n_commenters", 10]',
            'min_support = ["n_commenters", nan]',
            r"component 'follower_conversation' .*the minimum of 'min_support' \(its second item\) must be a number >= 0, "
            r"not float nan",
        ),
        (
            'real_follower_share = ["profiled_commenters", 20]',
            'real_follower_share = ["profiled_commenters", -inf]',
            r"label_evidence\.real_follower_share: the minimum of 'label_evidence\.real_follower_share' \(its second "
            r"item\) must be a number >= 0, not float -inf",
        ),
    ],
)
def test_a_support_minimum_that_is_no_bar_is_a_spec_error(tmp_path, old, new, message):
    """``min_support = ["n_commenters", nan]`` was accepted and the component was never left out for too little data
    (``n < nan`` never holds); a ``[label_evidence]`` minimum of ``-inf`` let one profiled commenter decide a label.
    Every other number of the spec (a weight, a centre) is refused when it is nan or infinite."""
    from tribescope.score._spec import SpecError, load_spec

    text = _packaged_spec()
    assert old in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SpecError, match=message):
        load_spec(bad)


def test_support_minimums_stay_whole_numbers_as_the_spec_writes_them():
    """``explain --json`` gave ``"min_support": ["n_commenters", 10.0]`` for the spec's ``10`` (and ``20.0`` for the
    evidence bar)."""
    from tribescope.score._spec import load_spec

    sp = load_spec()
    got = {c.name: c.min_support for c in sp.components if c.min_support}
    assert got["follower_conversation"] == ("n_commenters", 10)
    assert all(isinstance(n, int) for _, n in got.values())
    assert all(isinstance(n, int) for _, n in sp.label_evidence.values())
