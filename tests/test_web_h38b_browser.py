"""The lookalikes page on a phone, in real headless Chromium: each lookalike's reasons wrap to the screen instead of
sitting in a table row wider than the screen (read by scrolling sideways)."""

from __future__ import annotations

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

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app = create_app(pipeline_workspace(tmp_path_factory))
    with LiveServer(app) as s:
        yield s
    app.state.store.close()


def test_on_a_phone_the_lookalikes_reasons_fit_the_screen(server):
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            pg = b.new_context(viewport=PHONE).new_page()
            pg.goto(f"{server.url}/similar?creator=youtube:UCGN-489Z6bEMMSAaQKhxEDw&n=5")
            got = pg.evaluate(
                """() => {
                  const wrap = document.querySelector('#lookalikes').closest('.table-wrap');
                  const reasons = [...document.querySelectorAll('#lookalikes tr.reasons td:last-child')];
                  const figures = [...document.querySelectorAll('#lookalikes td[data-label="similarity"]')];
                  return {width: window.innerWidth, scroll: wrap.scrollWidth, client: wrap.clientWidth,
                          page: document.documentElement.scrollWidth,
                          rights: reasons.map(td => td.getBoundingClientRect().right),
                          texts: reasons.map(td => td.innerText.length),
                          labelled: figures.map(td => getComputedStyle(td, '::before').content)};
                }"""
            )
        finally:
            b.close()
    assert got["rights"] and all(t > 0 for t in got["texts"]), got
    assert got["scroll"] <= got["client"] + 1, got  # nothing to scroll sideways
    assert got["page"] <= got["width"] + 1, got
    assert all(r <= got["width"] + 1 for r in got["rights"]), got
    assert all("similarity" in c for c in got["labelled"]), got  # a figure says what it is without the header
