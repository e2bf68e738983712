"""End to end in real headless Chromium (Debian's package, driven by Python Playwright).

A uvicorn server runs the dashboard on a free loopback port in a thread; the tests load the
leaderboard, filter it, open a creator, wait for vega-embed to draw every chart, and check that the
XSS comment is shown as text on every page that shows comments. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make setup installs it)"),
]
sync_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")

try:  # tests/ may or may not be a package
    from ._web_fixtures import (
        XSS,
        LiveServer,
        pipeline_workspace,
        unscored_pipeline_workspace,
        with_posts,
        workspace,
    )
except ImportError:
    from _web_fixtures import (  # type: ignore[no-redef]
        XSS,
        LiveServer,
        pipeline_workspace,
        unscored_pipeline_workspace,
        with_posts,
        workspace,
    )

from tribescope.web import create_app  # noqa: E402

XSS_SCRIPT_TEXT = "<script>window.__xss=1</script>"
CHARTS_DONE = (
    "() => window.__tribescopeCharts && "
    "window.__tribescopeCharts.rendered + window.__tribescopeCharts.failed === window.__tribescopeCharts.total"
)


@pytest.fixture(scope="module")
def scored():
    try:
        import tribescope.score  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory, scored):
    return workspace(tmp_path_factory, scored=scored)


@pytest.fixture(scope="module")
def server(ws_path):
    app = create_app(ws_path)
    with LiveServer(app) as s:
        yield s
    app.state.store.close()


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.errors.append("dialog: " + d.message), d.dismiss()))  # type: ignore[attr-defined]
    yield pg
    ctx.close()


def _charts_drawn(pg, minimum: int) -> int:
    pg.wait_for_function(CHARTS_DONE, timeout=30_000)
    state = pg.evaluate("window.__tribescopeCharts")
    assert state["failed"] == 0, state
    assert state["rendered"] == state["total"] >= minimum, state
    drawn = pg.locator(".chart[data-rendered='1'] svg.marks").count()
    assert drawn == state["total"]  # vega-embed drew an SVG into every chart element
    return drawn


def _no_xss(pg) -> None:
    assert pg.evaluate("typeof window.__xss") == "undefined"
    assert pg.locator("img[src='x']").count() == 0
    assert pg.errors == []


def test_leaderboard_filter_and_creator(page, server, scored):
    page.goto(server.url + "/")
    rows = page.locator("#leaderboard tbody tr")
    assert rows.count() == 3
    if scored:
        _charts_drawn(page, 1)
    page.screenshot(path=str(ARTIFACTS / "leaderboard.png"), full_page=True)

    page.select_option("#f-platform", "instagram")
    page.click("#apply")
    page.wait_for_url("**/?*platform=instagram*")
    assert rows.count() == 2
    assert sorted(rows.locator("a.creator-link").all_inner_texts()) == ["Alice_Bakes", "MegaStar"]
    page.screenshot(path=str(ARTIFACTS / "leaderboard-filtered.png"), full_page=True)

    page.click("a.creator-link:text('Alice_Bakes')")
    page.wait_for_url("**/creator/instagram/alice_bakes")
    # engagement, network, sponsored-vs-organic always; score components once scored
    n = _charts_drawn(page, 4 if scored else 3)
    assert page.locator("#chart-c-network svg.marks").count() == 1
    assert page.locator("#chart-c-engagement svg.marks").count() == 1
    if scored:
        assert page.locator("#chart-c-components svg.marks").count() == 1
    assert n >= 3
    _no_xss(page)
    page.screenshot(path=str(ARTIFACTS / "creator.png"), full_page=True)


@pytest.mark.parametrize("creator", ["alice_bakes", "megastar"])
def test_xss_comment_is_text_on_creator_pages(page, server, creator):
    page.goto(f"{server.url}/creator/instagram/{creator}")
    page.wait_for_function(CHARTS_DONE, timeout=30_000)
    texts = page.locator("td.comment-text").all_text_contents()
    assert XSS in texts  # shown, as the literal text
    assert XSS_SCRIPT_TEXT in page.locator("main").text_content()
    _no_xss(page)
    if creator == "megastar":  # the bio holds a script tag too
        assert "<script>window.__xss=3</script>Official account" in page.locator(".bio").text_content()


def test_shortlist_is_kept_in_the_browser(page, server):
    page.goto(server.url + "/creator/instagram/alice_bakes")
    page.click("button.sl-toggle")
    assert page.locator("button.sl-toggle").inner_text() == "✓ shortlisted"
    page.goto(server.url + "/")
    page.click("button.sl-toggle[data-id='megastar']")
    page.goto(server.url + "/shortlist")
    names = page.locator("#shortlist-table tbody a").all_inner_texts()
    assert sorted(names) == ["Alice_Bakes", "MegaStar"]
    assert page.locator("#shortlist-count").inner_text() == "2"
    page.screenshot(path=str(ARTIFACTS / "shortlist.png"), full_page=True)
    _no_xss(page)


def test_static_report_draws_offline(page, ws_path, tmp_path):
    from tribescope.report import write_report
    from tribescope.store import connect

    ws = connect(ws_path, read_only=True)
    try:
        out = write_report(ws, tmp_path / "report.html", evidence=0)
    finally:
        ws.close()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(out.as_uri())
    _charts_drawn(page, 9)
    assert XSS in page.locator("td.comment-text").all_text_contents()
    _no_xss(page)
    assert [u for u in requests if not u.startswith("file:")] == []  # nothing fetched
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)


def _import_through_the_form(page, url: str, upload: Path, records: int) -> None:
    """Upload ``upload`` with the jobs page's import form and wait for the job: done, progress full, ``records``
    imported."""
    page.goto(url + "/jobs")
    page.set_input_files("#import-file", str(upload))
    page.click("#import-form button[type=submit]")
    page.wait_for_function("document.getElementById('job-status').textContent === 'done'", timeout=30_000)
    assert page.locator("#job-progress").evaluate("e => e.value") == 1
    assert f"imported {records} records" in page.locator("#job-message").inner_text()


def test_import_from_the_ui_shows_progress(page, ws_path, tmp_path):
    w = tmp_path / "rw.duckdb"
    shutil.copy(ws_path, w)
    upload = tmp_path / "tiktok_posts.csv"
    upload.write_text(
        "platform,post_id,creator_id,created_at,likes,comments_count\n"
        "tiktok,t1,dancer,2024-03-01T00:00:00Z,10,0\n"
    )
    app = create_app(w, read_only=False)
    with LiveServer(app) as s:
        _import_through_the_form(page, s.url, upload, 1)
        page.screenshot(path=str(ARTIFACTS / "import-job.png"))
        assert page.evaluate("fetch('/api/summary').then(r => r.json())")["posts"] == 10
    app.state.store.close()


def test_a_platforms_zip_download_imported_from_the_ui(page, ws_path, tmp_path):
    """An Instagram "Download your information" ZIP uploaded as it comes: the owner's account and posts are in the
    workspace, the job's progress full."""
    import zipfile

    from tribescope.store import connect

    w = tmp_path / "rw.duckdb"
    shutil.copy(ws_path, w)
    sample = Path(__file__).parent / "format_samples" / "instagram_archive"
    upload = tmp_path / "instagram-kiln.club-2024-03-05.zip"
    with zipfile.ZipFile(upload, "w") as z:
        for f in sorted(sample.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(sample).as_posix())
    app = create_app(w, read_only=False)
    with LiveServer(app) as s:
        _import_through_the_form(page, s.url, upload, 6)
    app.state.store.close()
    ws = connect(w, read_only=True)
    try:
        got = ws.duck.execute(
            "SELECT (SELECT followers FROM accounts WHERE account_id = 'kiln.club'), "
            "(SELECT count(*) FROM posts WHERE creator_id = 'kiln.club')"
        ).fetchone()
        logged = ws.duck.execute("SELECT path FROM imports WHERE format = 'instagram-archive'").fetchall()
    finally:
        ws.close()
    assert got == (5, 3)
    assert logged and all(
        "instagram-kiln.club-2024-03-05.zip" in p and "tribescope-zip" not in p for (p,) in logged
    )


@pytest.mark.slow
def test_synth_pipeline_dashboard(page, tmp_path_factory):
    """synth xs → import → score → campaign import, then every dashboard page in the browser."""
    w = pipeline_workspace(tmp_path_factory)
    app = create_app(w)
    with LiveServer(app) as s:
        page.goto(s.url + "/?label=community_influencer")
        _charts_drawn(page, 1)
        labels = page.locator("#leaderboard tbody .label").all_inner_texts()
        assert labels and set(labels) == {"community influencer"}
        page.screenshot(path=str(ARTIFACTS / "xs-leaderboard.png"), full_page=True)
        page.click("#leaderboard tbody a.creator-link >> nth=0")
        page.wait_for_url("**/creator/**")
        # all six: components, engagement, quality mix, network, authenticity, sponsored vs organic
        assert _charts_drawn(page, 6) == 6
        _no_xss(page)
        page.screenshot(path=str(ARTIFACTS / "xs-creator.png"), full_page=True)
        page.goto(s.url + "/niches")
        _charts_drawn(page, 1)
        assert page.locator("table.data").first.locator("tbody tr").count() >= 2
        page.screenshot(path=str(ARTIFACTS / "xs-niches.png"), full_page=True)
        page.goto(s.url + "/campaigns")
        _charts_drawn(page, 2)  # community vs broadcast, ROI per creator
        assert "community" in page.locator("#chart-campaign-cmp").inner_text()
        page.screenshot(path=str(ARTIFACTS / "xs-campaigns.png"), full_page=True)
    app.state.store.close()


FILLED_BARS = """(sel) => Array.from(document.querySelectorAll(sel + ' g.mark-rect path'))
  .filter(p => { const f = p.getAttribute('fill'); return f && f !== 'none' && f !== 'transparent'; }).length"""
FILLED_POINTS = """(sel) => Array.from(document.querySelectorAll(sel + ' g.mark-symbol path'))
  .filter(p => { const f = p.getAttribute('fill'); return f && f !== 'none' && f !== 'transparent'; }).length"""


@pytest.mark.parametrize("scored_ws", [True, False], ids=["scored", "unscored"])
def test_campaign_charts_draw_every_row(page, tmp_path_factory, scored_ws):
    """Every creator gets a coloured bar and every label group a point, labelled or not."""
    w = pipeline_workspace(tmp_path_factory) if scored_ws else unscored_pipeline_workspace(tmp_path_factory)
    app = create_app(w)
    with LiveServer(app) as s:
        page.goto(s.url + "/campaigns")
        _charts_drawn(page, 2)
        assert page.evaluate(FILLED_BARS, "#chart-campaign-roi") == 8
        assert page.evaluate(FILLED_POINTS, "#chart-campaign-cmp") == (3 if scored_ws else 1)
        note = page.locator(".label-note")
        if scored_ws:
            assert note.count() == 0
        else:
            assert "tribescope score" in note.inner_text()
        page.screenshot(
            path=str(ARTIFACTS / f"campaigns-{'scored' if scored_ws else 'unscored'}.png"), full_page=True
        )
    app.state.store.close()


def test_creator_with_a_slash_in_its_id_opens_from_leaderboard_and_shortlist(page, ws_path, tmp_path, scored):
    w = tmp_path / "w.duckdb"
    shutil.copy(ws_path, w)
    with_posts(w, tmp_path, "tiktok,s1,<b>x</b>,2024-03-01T00:00:00Z,video,hi,5,0,,false\n", score=scored)
    app = create_app(w)
    with LiveServer(app) as s:
        page.goto(s.url + "/")
        page.locator("a.creator-link", has_text="<b>x</b>").click()
        page.wait_for_load_state()
        assert page.locator("h1.handle").inner_text() == "<b>x</b>"
        page.click("button.sl-toggle")
        page.goto(s.url + "/shortlist")
        page.click("#shortlist-table tbody a")
        page.wait_for_load_state()
        assert page.locator("h1.handle").inner_text() == "<b>x</b>"
        _no_xss(page)
    app.state.store.close()


def test_shortlist_overlap_says_what_it_left_out(page, server):
    items = {
        f"instagram:{cid}": {
            "platform": "instagram",
            "creator_id": cid,
            "handle": cid,
            "followers": 1,
            "label": None,
            "score": None,
        }
        for cid in ["alice_bakes", "megastar", "ghost creator", *[f"fake{i:02d}" for i in range(19)]]
    }
    page.goto(server.url + "/shortlist")
    page.evaluate("v => window.localStorage.setItem('tribescope.shortlist.v1', JSON.stringify(v))", items)
    page.reload()
    page.click("#shortlist-overlap")
    page.wait_for_selector("#overlap-out table, #overlap-out .overlap-error", timeout=30_000)
    limit = page.locator(".overlap-limit").inner_text()
    assert (
        "the first 20 of the 22 shortlisted are compared" in limit
        and "instagram:fake17, instagram:fake18" in limit
    )
    rejected = page.locator(".overlap-rejected").inner_text()
    assert "instagram:'ghost creator': no such creator" in rejected
    assert page.locator("#overlap-out table.overlap-pairs tr").count() == 2  # header + alice_bakes × megastar
    # the list's unique vs shared audience, as `tribescope overlap` prints it
    assert page.locator("#overlap-out table.overlap-audience tr").count() == 3  # header + the two compared
    totals = page.locator(".overlap-totals").inner_text()
    assert "reaches 4 distinct engaged accounts; 3 of 7 audience slots are duplicates" in totals
    _no_xss(page)
