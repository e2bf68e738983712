"""In headless Chromium: a creator whose handle is 300 characters long (one word) neither widens the report or the
dashboard page beyond the window nor pushes the leaderboard's scores out of view; a right-to-left override in a
commenter's handle does not reverse the evidence's sentence it is named in; hostile names run nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make setup installs it)"),
]
sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("tribescope.score")

from tests._web_fixtures import LiveServer  # noqa: E402
from tests.test_report_qa71 import CREATORS, _exports  # noqa: E402

LONG = ("long9", "x" * 300, 30_000)
WIDTHS = (400, 1280)  # a phone, a laptop


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tribescope.ingest import import_paths
    from tribescope.score import score_creators
    from tribescope.store import connect

    tmp = tmp_path_factory.mktemp("long")
    path = tmp / "ws.duckdb"
    ws = connect(path)
    try:
        # every fan's handle ends in a right-to-left override (U+202E), as a spoofing handle may
        import_paths(ws, _exports(tmp / "x", (*CREATORS, LONG), fan_name="fan_{}\u202e"))
        score_creators(ws)
    finally:
        ws.close()
    return path


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def _widths(browser, url: str, width: int) -> dict[str, int]:
    ctx = browser.new_context(viewport={"width": width, "height": 900})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
    pg.goto(url)
    got = pg.evaluate(
        """() => ({page: document.documentElement.scrollWidth, window: window.innerWidth,
                   board: document.querySelector('#leaderboard')?.scrollWidth ?? 0,
                   name: document.querySelector('#leaderboard td.name')?.getBoundingClientRect().width ?? 0})"""
    )
    assert errors == [] and pg.locator("img[src='x']").count() == 0, errors
    ctx.close()
    return got


def _scores_in_view(got: dict[str, int], width: int) -> None:
    """The leaderboard's creator column was 3,000 px wide, its scores far out of view: now the name wraps."""
    assert got["name"] < got["window"], got
    if width >= 1280:  # room for the whole table
        assert got["board"] <= got["window"], got


@pytest.mark.parametrize("width", WIDTHS)
def test_a_300_character_handle_does_not_widen_the_report(
    browser, ws_path: Path, tmp_path: Path, width: int
) -> None:
    from tribescope.report import write_report
    from tribescope.store import connect

    ws = connect(ws_path, read_only=True)
    try:
        out = write_report(ws, tmp_path / "report.html", top=5, evidence=0)
    finally:
        ws.close()
    got = _widths(browser, out.as_uri(), width)
    assert got["page"] <= got["window"], got  # the creator's heading ran 3,870 px wide
    _scores_in_view(got, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_300_character_handle_does_not_widen_the_dashboard(browser, ws_path: Path, width: int) -> None:
    from tribescope.web import create_app

    app = create_app(ws_path)
    try:
        with LiveServer(app) as s:
            board = _widths(browser, s.url + "/", width)
            creator = _widths(browser, s.url + "/creator/instagram/long9", width)
    finally:
        app.state.store.close()
    _scores_in_view(board, width)
    assert creator["page"] <= creator["window"], creator


def test_a_right_to_left_override_in_a_name_stays_in_the_name(browser, ws_path: Path, tmp_path: Path) -> None:
    from tribescope.report import write_report
    from tribescope.store import connect

    ws = connect(ws_path, read_only=True)
    try:
        out = write_report(ws, tmp_path / "report.html", top=1, evidence=1)
    finally:
        ws.close()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.goto(out.as_uri())
    # the words after the names ("…: 1 reply under 1 post") from left to right, as written
    xs = pg.evaluate(
        """() => { const p = document.querySelector('.conversation p'); const t = p.lastChild; const s = t.textContent;
          const at = w => { const r = document.createRange(); const i = s.indexOf(w);
                            r.setStart(t, i); r.setEnd(t, i + w.length); return r.getBoundingClientRect().left; };
          return [s, at('repl'), at('under'), at('post')]; }"""
    )
    named = pg.evaluate("() => document.querySelector('.conversation b').textContent")
    ctx.close()
    # the name holds the override (isolated: FSI … PDF PDI around it, so it reorders nothing outside the name)
    assert named.removesuffix("\u202c\u2069").endswith("\u202e"), named
    assert xs[1] < xs[2] < xs[3], xs  # reversed: "post" left of "under" left of "reply"
