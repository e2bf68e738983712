"""The leaderboard's filter form in headless Chromium, as a marketer uses it: Apply keeps the page size of the URL
(a shared link's, or the pager's), and after Back the form shows the filters of the list under it."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make setup installs it)"),
]
sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")

try:  # tests/ may or may not be a package
    from ._web_fixtures import LiveServer, pipeline_workspace
except ImportError:
    from _web_fixtures import LiveServer, pipeline_workspace  # type: ignore[no-redef]

from tribescope.web import create_app  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app = create_app(pipeline_workspace(tmp_path_factory))
    with LiveServer(app) as s:
        yield s
    app.state.store.close()


@pytest.fixture(scope="module")
def browser():
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
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert errors == []


def _rows(pg) -> int:
    return pg.locator("#leaderboard tbody tr").count()


def _total(server, query: str) -> int:
    with urllib.request.urlopen(f"{server.url}/api/creators?{query}") as r:
        return int(json.load(r)["total"])


def test_apply_keeps_the_page_size_of_the_url(page, server):
    broadcasters = _total(server, "label=broadcast_influencer")
    on_youtube = _total(server, "label=broadcast_influencer&platform=youtube")
    assert 10 >= broadcasters - 5 > 0 and on_youtube > 5  # synth xs: two pages of 5, YouTube's too
    page.goto(server.url + "/?label=broadcast_influencer&page_size=5")
    assert _rows(page) == 5
    page.click("#next-page")
    page.wait_for_url("**&page=2")
    assert _rows(page) == min(broadcasters - 5, 5)
    page.select_option("#f-platform", "youtube")
    page.click("#apply")
    page.wait_for_url("**platform=youtube*")
    assert "page_size=5" in page.url  # Apply dropped it: the list went back to 50 a page
    assert "page=2" not in page.url  # a new filter starts at its first page
    assert _rows(page) == 5
    # the default page size is not written into the URL
    page.goto(server.url + "/?platform=tiktok")
    page.click("#apply")
    page.wait_for_url("**platform=tiktok*")
    assert "page_size" not in page.url


def test_after_back_the_form_shows_the_filters_of_the_list(page, server):
    page.goto(server.url + "/")
    everyone = _rows(page)
    page.fill("input[name=q]", "cook")
    page.select_option("#f-platform", "youtube")
    page.click("#apply")
    page.wait_for_url("**q=cook*")
    assert _rows(page) == 1
    page.go_back()
    page.wait_for_url(server.url + "/")
    assert _rows(page) == everyone  # the list of the URL: every creator
    # and so does the form: it said "cook" on YouTube over the unfiltered list
    assert page.input_value("input[name=q]") == ""
    assert page.input_value("#f-platform") == ""


CHARTS_DONE = (
    "() => window.__tribescopeCharts && "
    "window.__tribescopeCharts.rendered + window.__tribescopeCharts.failed === window.__tribescopeCharts.total"
)


def test_a_creator_without_a_tier_draws_its_charts_without_console_warnings(page, server):
    # synth xs: cora_travels (YouTube) has no follower count, so no tier and no tier medians
    with urllib.request.urlopen(f"{server.url}/api/creators?q=cora_travels") as r:
        (row,) = json.load(r)["items"]
    assert row["tier"] is None and row["followers"] is None
    said: list[str] = []
    page.on(
        "console", lambda m: said.append(f"{m.type}: {m.text}") if m.type in ("warning", "error") else None
    )
    page.goto(f"{server.url}/creator/youtube/{row['creator_id']}")
    page.wait_for_function(CHARTS_DONE, timeout=30_000)
    state = page.evaluate("window.__tribescopeCharts")
    assert state["failed"] == 0 and state["rendered"] == state["total"] >= 1, state
    assert page.locator("#chart-c-components svg.marks").count() == 1
    # each component without a tier median warned 'Infinite extent for field "benchmark"'
    assert said == []
