"""Dashboard follow-ups: the plan's notes and summary (page and ``/api/plan``, with or without a brand), the
sponsored-vs-organic counts, stored handles on the campaigns page, one wording for the import notes (CLI and web)."""

from __future__ import annotations

import html
import re
import shutil

import pytest

pytest.importorskip("fastapi")

try:  # tests/ may or may not be a package
    from ._web_fixtures import import_job, pipeline_workspace, workspace
except ImportError:
    from _web_fixtures import import_job, pipeline_workspace, workspace  # type: ignore[no-redef]
from fastapi.testclient import TestClient

from tribescope.web import create_app

BASE = "http://127.0.0.1"


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.fixture(scope="module")
def pipeline_path(tmp_path_factory):
    pytest.importorskip("tribescope.score")
    return pipeline_workspace(tmp_path_factory)


@pytest.fixture(scope="module")
def pipeline(pipeline_path):
    from tribescope.web._data import clear_cache

    clear_cache()
    with TestClient(create_app(pipeline_path), base_url=BASE) as c:
        yield c
        c.app.state.store.close()


# ------------------------------------------------------------------------------------------------ plan


def test_the_plan_page_and_api_give_the_notes_and_summary_tribescope_plan_prints(pipeline, pipeline_path):
    """The synth workspace's plan for 5,000 leaves a creator without followers out, 9 creators below break-even and
    discounts overlap: `tribescope plan` says so under the picks; the dashboard and /api/plan gave the picks only."""
    from tribescope.campaigns import plan_budget
    from tribescope.store import connect

    ws = connect(pipeline_path, read_only=True)
    try:
        lib = plan_budget(ws, 5000.0)
    finally:
        ws.close()
    assert lib.summary["notes"], "the fixture's plan has notes"
    j = pipeline.get("/api/plan", params={"budget": 5000}).json()
    assert j["total"] == lib.picks.num_rows
    assert j.get("notes", [])[1:] == lib.summary["notes"]
    assert j["notes"][0].startswith("no brand chosen: no creator is left out by a brand's exclusions")
    assert j["brand"] is None
    s = j["summary"]
    assert s["spent"] == lib.summary["spent"] and s["creators"] == lib.summary["creators"]
    assert s["text"].startswith(
        f"spent {lib.summary['spent']:,.0f} of 5,000 on {lib.summary['creators']} creators;"
    )
    assert s["text"].endswith(f"expected conversions {lib.summary['expected_conversions']:.1f}")
    page = pipeline.get("/campaigns", params={"budget": 5000}).text
    notes = page[page.index('id="plan-notes"') :]
    shown = [_text(n).strip() for n in re.findall(r"<li>(.*?)</li>", notes[: notes.index("</ul>")], re.S)]
    assert shown == [n.replace("`", "") for n in j["notes"]]  # code spans shown as code
    summary = page[page.index('id="plan-summary">') + len('id="plan-summary">') :]
    assert _text(summary[: summary.index("</p>")]) == s["text"]


def test_a_plan_for_a_brand_leaves_its_accounts_out_and_without_one_says_nobody_is(tmp_path, pipeline_path):
    """What the plan needs a brand for: its exclusions and its own accounts. A plan without one is allowed (the
    dashboard's "(none)"), and says that nobody was left out for a brand; a plan for a brand leaves its account out."""
    from tribescope.brand import add_brand
    from tribescope.store import connect
    from tribescope.web._data import clear_cache

    path = tmp_path / "ws.duckdb"
    shutil.copy(pipeline_path, path)
    ws = connect(path)
    try:
        add_brand(ws, "Brightfold", handles=["youtube:cookswithmax"], keywords=["gadget"])
    finally:
        ws.close()
    clear_cache()
    with TestClient(create_app(path), base_url=BASE) as c:
        try:
            none = c.get("/api/plan", params={"budget": 20000}).json()
            mine = c.get("/api/plan", params={"budget": 20000, "brand": "Brightfold"}).json()
        finally:
            c.app.state.store.close()
    assert none.get("notes", [""])[0].startswith("no brand chosen:")
    assert "youtube:UCCGAkTk9AT0okwx5ZFeQvhA" in " ".join(mine["notes"])  # the brand's own account, left out
    assert mine["brand"] == "Brightfold" and not any(n.startswith("no brand chosen") for n in mine["notes"])
    assert "cookswithmax" not in {r["handle"] for r in mine["items"]}


# -------------------------------------------------------------------------------------- sponsored split


def test_sponsored_vs_organic_says_how_many_posts_its_medians_read(pipeline, pipeline_path):
    """youtube:UCMkVgmCcecOFEAuJILoRtUg has 7 posts, one without likes: the note said "sponsored 4 posts" while the
    sponsored median read 3 of them; each group now says how many posts with likes its median reads."""
    import duckdb

    con = duckdb.connect(str(pipeline_path), read_only=True)
    try:
        n, with_likes = con.execute(
            "select count(*), count(likes) from posts where platform = 'youtube' "
            "and creator_id = 'UCMkVgmCcecOFEAuJILoRtUg'"
        ).fetchone()
    finally:
        con.close()
    assert (n, with_likes) == (7, 6)
    page = pipeline.get("/creator/youtube/UCMkVgmCcecOFEAuJILoRtUg").text
    note = _text(page[page.index("sponsored-by") : page.index("</p>", page.index("sponsored-by"))])
    groups = re.findall(r"(organic|sponsored) (\d+) posts(?: \(medians of the (\d+) with likes\))?", note)
    assert len(groups) == 2, note
    assert sum(int(p) for _, p, _ in groups) == n
    assert sum(int(w or p) for _, p, w in groups) == with_likes, note


# ------------------------------------------------------------------------------------------- campaigns


def test_the_campaigns_table_names_a_creator_as_the_leaderboard_does(pipeline):
    """The plan file writes "MaxGadget"; the workspace (and the leaderboard) has "maxgadget". (The API and its CSV
    keep the campaign report's column, as ``tribescope campaign report`` writes it.)"""
    cid = "UCGN-489Z6bEMMSAaQKhxEDw"
    board = {
        r["creator_id"]: r["handle"]
        for r in pipeline.get("/api/creators", params={"q": "gadget"}).json()["items"]
    }
    assert board[cid] == "maxgadget"
    page = pipeline.get("/campaigns").text
    table = page[page.index('id="campaign-creators"') :]
    table = table[: table.index("</table>")]
    assert ">maxgadget</a>" in table and "MaxGadget" not in table
    chart = page[page.index("spec-campaign-roi") :]
    chart = chart[: chart.index("</script>")]
    assert '"maxgadget"' in chart and "MaxGadget" not in chart  # the ROI chart names it so too


def test_the_reports_campaign_table_names_a_creator_as_the_leaderboard_does(pipeline_path):
    """The HTML report names campaign creators as the dashboard's campaigns page does (stored handle, not the plan
    file's "MaxGadget")."""
    from tribescope.report import render_report
    from tribescope.store import connect

    ws = connect(pipeline_path, read_only=True)
    try:
        page = render_report(ws, top=5, evidence=1)
    finally:
        ws.close()
    table = page[page.index("ROI per creator") :]
    assert "maxgadget" in table and "MaxGadget" not in table


# ---------------------------------------------------------------------------------------- import notes

POSTS = (
    "platform,post_id,creator_id,created_at,likes,mood\n"
    "instagram,q1,zed,2024-01-01T00:00:00Z,3,happy\n"
    "instagram,q2,zed,not a date,x,sad\n"
)


@pytest.fixture()
def writable(tmp_path_factory, tmp_path):
    w = tmp_path / "rw.duckdb"
    shutil.copy(workspace(tmp_path_factory, scored=False), w)
    with TestClient(create_app(w, read_only=False), base_url=BASE) as c:
        yield c
        c.app.state.store.close()


_import = import_job  # the dashboard's import job, waited for (_web_fixtures)


def test_a_skipped_upload_says_why_without_the_list_of_every_format(writable):
    job = _import(writable, "notes.txt", b"hello\nthis is no export\n", skip_bad="true")
    assert job["status"] == "done", job
    assert job["result"]["notes"] == [
        'not imported: format not recognised (the "format" field lists what is read)'
    ]
    assert "Expected one of" not in writable.get("/jobs").text


def test_the_import_notes_are_the_clis_words(writable, tmp_path):
    """A column no canonical column takes and a quarantined record: the dashboard's job lists what the CLI prints."""
    from typer.testing import CliRunner

    from tribescope.cli import app

    job = _import(writable, "posts.csv", POSTS.encode(), skip_bad="true")
    assert job["status"] == "done", job
    assert job["result"]["notes"] == [
        "posts.csv: column(s) 'mood' not imported (no canonical column takes them; see docs/data-model.md)",
        "1 bad records quarantined; see `tribescope status --rejects`",
    ]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "posts.csv").write_text(POSTS, encoding="utf-8")
    out = CliRunner().invoke(
        app,
        ["-w", str(tmp_path / "cli.duckdb"), "import", str(tmp_path / "in"), "--skip-bad"],
        env={"COLUMNS": "300"},
    )
    assert out.exit_code == 0, out.output
    lines = [line.strip() for line in out.output.splitlines()]
    for note in job["result"]["notes"]:
        assert note in lines
