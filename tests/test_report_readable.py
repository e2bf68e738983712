"""The e-mailed report reads as the CLI does: the evidence as prose and tables with handles (not explain's raw keys),
component charts with shares in percent, the same label names and the same note on too-little-data creators as
``tribescope score``, and each card's heading once."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from tests._score_fixtures import run_cli as _run
from tests._score_fixtures import scored_synth_path

YOUTUBE_ID = re.compile(r"\bUC[\w-]{22}\b")
#: one name per label, as the score table, the report and the dashboard show it (the stored value is unchanged)
DISPLAY = {"community influencer", "broadcast influencer", "creator", "suspicious", "too little data"}
NOTE = "come after the judged ones, whatever their score"


@pytest.fixture(scope="module")
def synth_ws(tmp_path_factory: pytest.TempPathFactory) -> str:
    """``tribescope synth --scale xs --seed 3`` imported and scored (with the models)."""
    return scored_synth_path(tmp_path_factory.mktemp("readable"), 3)


@pytest.fixture(scope="module")
def report(synth_ws: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    code, o, e = _run(synth_ws, "report", "-o", str(out), "--top", "14", "--evidence", "14")
    assert code == 0, o + e
    return Path(out).read_text(encoding="utf-8")


def _sections(page: str) -> list[str]:
    """Each creator's section of the report."""
    body = page[: page.index("<h2>Niches</h2>")]
    return body.split('<section class="report-creator"')[1:]


def _evidence(section: str) -> str:
    i = section.index("<h3>Evidence</h3>")
    return section[i : section.index("<h3>Recent comments</h3>", i)]


def _visible(page: str) -> str:
    """The text a reader sees: no scripts (chart specs), no tags."""
    page = re.sub(r"<script\b.*?</script>", " ", page, flags=re.S)
    page = re.sub(r"<style\b.*?</style>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _youtube_handles(wsfile: str) -> dict[str, str]:
    from tribescope.store import connect

    ws = connect(wsfile, read_only=True)
    try:
        sql = "SELECT account_id, username FROM accounts WHERE platform = 'youtube' AND username IS NOT NULL"
        return dict(ws.duck.execute(sql).fetchall())
    finally:
        ws.close()


def test_report_evidence_is_written_for_a_reader(report, synth_ws):
    """The Evidence card printed explain's dict: "er_median 0.0513", headers "posts_ together" and "author_ id", thread
    items "post_id: …, author_id: …, text: …" and YouTube channel ids (UC…) for commenters."""
    sections = _sections(report)
    assert len(sections) == 14
    evidence = [_evidence(s) for s in sections]
    assert not any("evidence-note" in e for e in evidence), "every creator of --evidence 14 has its evidence"
    youtube = [e for s, e in zip(sections, evidence, strict=True) if "youtube · " in s]
    assert youtube, "a YouTube creator among the 14 (their commenters have UC… ids)"
    handles = _youtube_handles(synth_ws)
    for e in evidence:
        text = _visible(e)
        for raw in (
            "er_median",
            "er_benchmark",
            "posts_together",
            "author_id",
            "post_id:",
            "returning_commenters",
        ):
            assert raw not in text, (raw, text[:2000])
        assert "posts_<wbr>together" not in e and "author_<wbr>id" not in e
        assert re.search(
            r"Engagement rate \(median per post\) \d+\.\d\d% vs tier benchmark \d+\.\d\d%", text
        ), text
    for e in youtube:
        text = _visible(e)
        assert not set(YOUTUBE_ID.findall(text)) & set(handles), (
            text
        )  # an id only for an account without a handle
        assert re.search(r"\S+ ↔ \S+ : \d+ repl(y|ies) under \d+ posts?", text), text


def test_report_component_charts_show_shares_in_percent(report):
    """The component bars read 0–1 for a share where `explain` prints "13.1%": each row now has its metric's format
    (a share's axis in percent) and the tooltip shows the value as explain prints it."""
    specs = {
        m.group(1): json.loads(html.unescape(m.group(2)))
        for m in re.finditer(
            r'<script type="application/json" id="spec-(c\d+-components)">(.*?)</script>', report
        )
    }
    assert specs
    shares = 0
    for spec in specs.values():
        for r in spec["data"]["values"]:
            metric = r.get("metric") or ""
            if metric.endswith("_share") or metric in ("reciprocity", "retention", "comment_authenticity"):
                shares += 1
                assert re.fullmatch(r"\d{1,3}\.\d%", r["value_text"]), r
        # each row's axis: a share in percent
        rows = spec["vconcat"]
        for row in rows:
            comp = row["transform"][0]["filter"]["equal"]
            metric = next(v["metric"] for v in spec["data"]["values"] if v["component"] == comp)
            axis = row["layer"][0]["encoding"]["x"]["axis"]
            if metric.endswith("_share"):
                assert axis.get("format") == "~%", (comp, axis)
    assert shares


def test_report_heading_of_the_components_card_appears_once(report):
    """ "Score components vs tier benchmark" was both the card's heading and the chart's title."""
    for s in _sections(report):
        assert s.count("Score components vs tier benchmark") == 1
    assert "Score components vs tier benchmark" not in re.sub(r"<h3>[^<]*</h3>", "", report)


def test_report_leaderboard_says_why_too_little_data_comes_last_as_score_does(report, synth_ws):
    """The leaderboard listed the too-little-data creators after lower scores with no word; `tribescope score` says
    why, and the report now says it in the same words."""
    _, out, _ = _run(synth_ws, "score", "--no-models")
    cli_note = next(ln for ln in out.splitlines() if NOTE in ln).strip()
    i = report.index('id="leaderboard"')
    after = _visible(report[i : report.index('class="report-creator"', i)])
    assert NOTE in after
    page_note = " ".join(after[after.index("reators with too little data") - 1 :].split())
    assert page_note.lower().startswith(cli_note.lower()), (page_note, cli_note)


def test_one_name_per_label_in_the_report_the_score_table_and_explain(report, synth_ws):
    """ "too little data" in the score table, "insufficient data" in the report, "insufficient_data" in explain, a
    legend "community_influencer" beside a table "community influencer": each label now has one name everywhere."""
    labels = set(re.findall(r'<span class="label label-\w+">([^<]+)</span>', report))
    assert "too little data" in labels and labels <= DISPLAY, labels
    text = _visible(report)
    assert "insufficient data" not in text and "insufficient_data" not in text
    # the leaderboard chart's legend (the label field's values and its colour domain)
    m = re.search(r'<script type="application/json" id="spec-board">(.*?)</script>', report)
    assert m
    spec = json.loads(html.unescape(m.group(1)))
    assert {v["label"] for v in spec["data"]["values"]} <= DISPLAY | {"not scored"}
    assert set(spec["encoding"]["color"]["scale"]["domain"][:5]) == DISPLAY
    # the score table
    _, out, _ = _run(synth_ws, "score", "--no-models")
    rows = [ln for ln in out.splitlines() if re.match(r"\s*\d+ │", ln)]
    shown = {ln.split("│")[5].strip() for ln in rows}
    assert shown <= DISPLAY and "too little data" in shown, shown
    # explain: the display name, the stored name only beside it in a rule line
    _, out, _ = _run(synth_ws, "explain", "linakitchen")
    head = out.splitlines()[0]
    assert "· too little data ·" in head, head
    assert "insufficient_data" not in out.replace("too little data (insufficient_data)", ""), out


def test_the_evidence_card_names_commenters_by_handle_and_says_what_is_missing():
    """The shared creator template (dashboard page and report section) renders explain's evidence with handles where
    the workspace knows them (the id otherwise), the counts in words, and says what was not found."""
    from tribescope.web._data import Section
    from tribescope.web._render import env

    yt_a, yt_b, yt_c = "UC" + "a" * 22, "UC" + "b" * 22, "UC" + "c" * 22
    data = {
        "evidence": {
            "conversations": [
                {
                    "pair": [yt_a, yt_b],
                    "posts_together": 1,
                    "replies": 2,
                    "thread": [
                        {"post_id": "p1", "author_id": yt_a, "text": "love <this>"},
                        {"post_id": "p1", "author_id": yt_b, "text": "@ana.sun same"},
                    ],
                }
            ],
            "returning_commenters": [{"author_id": yt_c, "posts": 3, "comments": 1234}],
            "sponsored_posts": [],
            "suspicious_signals": [],
        },
        "benchmark": {"er_median": 0.0513, "er_benchmark": 0.0376, "source": "HypeAuditor", "url": None},
        "spec": {"name": "tribescope-default", "version": "1.2.0", "hash": "abc", "path": "x"},
        "er_ratio": 1.3643,
        "names": {yt_a: "ana.sun", yt_b: "bo.rain", yt_c: yt_c},
    }
    tpl = env().from_string('{% from "_macros.html" import evidence %}{{ evidence(x) }}')
    page = tpl.render(x=Section(data).data)
    text = _visible(page)
    assert "ana.sun ↔ bo.rain : 2 replies under 1 post" in text, text
    assert "ana.sun: love <this>" in text and "&lt;this&gt;" in page, text  # escaped
    assert yt_a not in text and yt_b not in text and yt_c in text  # an id only where no handle is known
    assert "Engagement rate (median per post) 5.13% vs tier benchmark 3.76% (ratio 1.36)" in text, text
    assert "1,234" in text
    assert "No sponsored posts found." in text and "Suspicious signals None found." in text
    for raw in ("er_median", "posts_together", "author_id", "post_id", "returning_commenters"):
        assert raw not in text


def test_the_dashboard_leaderboard_says_why_and_names_labels_as_the_report(synth_ws):
    """The dashboard's default ranking puts the too-little-data creators last too: it says why, as the score table
    and the report do, and names the labels as they do (also for the shortlist page's script)."""
    from fastapi.testclient import TestClient

    from tribescope.web import create_app

    app = create_app(synth_ws)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as c:
            board = c.get("/?page_size=100").text
            by_followers = c.get("/?page_size=100&sort=followers").text
    finally:
        app.state.store.close()
    assert NOTE in board and NOTE not in by_followers
    labels = set(re.findall(r'<span class="label label-\w+">([^<]+)</span>', board))
    assert "too little data" in labels and labels <= DISPLAY, labels
    names = re.search(r'data-label-names="([^"]*)"', board)
    assert names and json.loads(html.unescape(names.group(1)))["insufficient_data"] == "too little data"


def test_evidence_made_with_another_spec_than_the_stored_score_says_so(synth_ws, tmp_path):
    """A workspace scored with the analyst's own spec: the report's evidence is explain's under the default spec (the
    workspace keeps the spec's hash, not its file), and it said nothing about it. It now carries explain's warning,
    as `tribescope explain` prints it, naming the stored spec; under the default spec the evidence has no warning."""
    import shutil
    from importlib import resources

    default = resources.files("tribescope.score").joinpath("spec.toml").read_text("utf-8")
    mine = default.replace('version = "', 'version = "mine-', 1)
    assert mine != default
    spec = tmp_path / "mine.toml"
    spec.write_text(mine, encoding="utf-8")
    ws = str(tmp_path / "ws.duckdb")
    shutil.copy(synth_ws, ws)
    code, o, e = _run(ws, "score", "--spec", str(spec))
    assert code == 0, o + e
    out = tmp_path / "r.html"
    code, o, e = _run(ws, "report", "-o", str(out), "--top", "1", "--evidence", "1")
    assert code == 0, o + e
    ev = _visible(_evidence(_sections(out.read_text(encoding="utf-8"))[0]))
    assert re.search(
        r"the stored score was computed with spec mine-\S+ \(\w+\); this explanation uses spec", ev
    ), ev
    plain = tmp_path / "plain.html"
    code, o, e = _run(synth_ws, "report", "-o", str(plain), "--top", "1", "--evidence", "1")
    assert code == 0, o + e
    assert "stored score" not in _visible(_evidence(_sections(plain.read_text(encoding="utf-8"))[0]))
