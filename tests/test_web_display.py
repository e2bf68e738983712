"""Dashboard fixes found by clicking through it: whole counts, creator links for any id, CSV of a list that is not
available, import messages in the form's words, layout at a laptop's width."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest

pytest.importorskip("fastapi")

try:  # tests/ may or may not be a package
    from ._web_fixtures import LiveServer, pipeline_workspace, with_posts, workspace
except ImportError:
    from _web_fixtures import (  # type: ignore[no-redef]
        LiveServer,
        pipeline_workspace,
        with_posts,
        workspace,
    )
from fastapi.testclient import TestClient

from tribescope.web import create_app
from tribescope.web._data import Page
from tribescope.web._render import env

BASE = "http://127.0.0.1"
CHROMIUM = Path("/usr/bin/chromium")


def _table(rows: list[dict], columns: list[str] | None = None, **kw) -> str:
    cols = columns or list(rows[0])
    macro = env().get_template("_macros.html").module.data_table  # type: ignore[attr-defined]
    return str(macro(Page(len(rows), 1, len(rows), rows, cols), **kw))


def _cells(table_html: str) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", table_html, re.S)
    ]


# ------------------------------------------------------------------------------------------ 1. whole counts


def test_a_table_shows_counts_whole_and_money_with_two_decimals():
    """An estimated 34.6 impressions is a count: the campaign table shows 35, not 34.6 (the report estimates
    impressions as followers × 0.1). Money has two decimals, ROI two decimals whatever its size."""
    rows = [
        {
            "impressions": 34.6,
            "engagements": 1132824.0,
            "conversions": 10.0,
            "cost": 140.0,
            "cpa": 110.045,
            "roi": -1.0,
            "roas": 3.1938,
            "label_group": "insufficient_data",
        }
    ]
    # the label's one display name (tribescope.score._spec.LABEL_NAMES), as every view shows it
    assert _cells(_table(rows)) == [
        "35",
        "1,132,824",
        "10",
        "140.00",
        "110.05",
        "-1.00",
        "3.19",
        "too little data",
    ]


def test_the_campaign_page_shows_every_count_whole(tmp_path_factory):
    pytest.importorskip("tribescope.campaigns")
    w = pipeline_workspace(tmp_path_factory)
    with TestClient(create_app(w), base_url=BASE) as c:
        page = c.get("/campaigns").text
    table = page[page.index('id="campaign-creators"') :]
    table = table[: table.index("</table>")]
    head = re.findall(r"<th[^>]*>(.*?)</th>", table)
    cols = [re.sub(r"<wbr>", "", h) for h in head]
    cells = _cells(table)
    n = len(cols)
    rows = [cells[i : i + n] for i in range(0, len(cells), n)]
    assert rows and all(len(r) == n for r in rows)
    for name in ("impressions", "engagements", "clicks", "conversions"):
        got = [r[cols.index(name)] for r in rows]
        assert all(re.fullmatch(r"\d{1,3}(,\d{3})*", v) for v in got), (name, got)


def test_the_plan_shows_expected_conversions_as_its_rationale_does(tmp_path_factory):
    """The plan's table and each pick's rationale ("expects 36.7 conversions") show the same figure."""
    pytest.importorskip("tribescope.campaigns")
    w = pipeline_workspace(tmp_path_factory)
    with TestClient(create_app(w), base_url=BASE) as c:
        page = c.get("/campaigns?budget=5000").text
    plan = page[page.index('id="plan"') :]
    plan = plan[: plan.index("</table>")]
    shown = re.findall(
        r'<tr class="rationale"><td></td><td colspan="\d+">expects ([\d.,]+) conversions', plan
    )
    assert shown
    head = [re.sub(r"<wbr>", "", h) for h in re.findall(r"<th[^>]*>(.*?)</th>", plan)]
    rows = re.findall(r"<tr>(.*?)</tr>", plan, re.S)
    table = [_cells(r)[head.index("expected_conversions")] for r in rows if "<td" in r]
    assert table == shown


# ------------------------------------------------------------------------------------------ 2. creator links

# ids as an Instagram CSV stores them: handles lower-cased ("%2e%2e" is the literal id, not two encoded dots)
ODD_IDS = ["..", ".", "a/b", "50%", "why?", "#tag", "x/../../api/health", "%2e%2e", "a b/c:d?e#f%20g"]


@pytest.fixture(scope="module")
def odd_ws(tmp_path_factory):
    path = workspace(tmp_path_factory, scored=False)
    rows = "".join(
        f'instagram,odd{i},"{cid}",2024-01-07T10:00:00Z,image,hello,{900 - i},1,,false\n'
        for i, cid in enumerate(ODD_IDS)
    )
    return with_posts(path, tmp_path_factory.mktemp("odd"), rows)


def test_every_creator_link_opens_its_creator_whatever_its_id(odd_ws):
    """A link is resolved as a browser resolves it (dot segments removed, RFC 3986 / WHATWG), then followed:
    it must open the creator it names, for ids like "..", ".", "a/b", "50%", "why?", "#tag"."""
    import httpx

    # a real server: the TestClient decodes a path twice ("%252E" would reach the app as ".")
    app = create_app(odd_ws)
    with LiveServer(app) as s, httpx.Client() as c:
        board = c.get(s.url + "/?page_size=500&sort=followers").text
        links = {
            html.unescape(re.sub(r"<[^>]+>", "", text)): html.unescape(href)
            for href, text in re.findall(r'<a class="creator-link" href="([^"]+)">(.*?)</a>', board)
        }
        for cid in ODD_IDS:
            url = urljoin(s.url + "/", links[cid])  # what a browser requests
            r = c.get(url)
            assert r.status_code == 200, (cid, links[cid], url)
            assert f'<span class="mono">{cid}</span>' in html.unescape(r.text), cid
            api = c.get(url.replace("/creator/", "/api/creators/", 1))
            assert api.status_code == 200 and api.json()["creator"]["creator_id"] == cid, cid
    app.state.store.close()


def test_the_evidence_link_of_a_dot_id_keeps_the_creator(odd_ws):
    from tribescope.web._render import creator_href

    assert creator_href("instagram", "..") == "/creator/instagram?id=.."
    assert creator_href("instagram", "..", evidence=True) == "/creator/instagram?id=..&evidence=1"
    assert creator_href("instagram", "a/b", evidence=True) == "/creator/instagram/a%2Fb?evidence=1"


# ------------------------------------------------------------------------------------------ 3. CSV not available


def test_every_csv_export_of_a_list_not_available_is_a_409_with_the_reason(tmp_path_factory):
    """Not an empty 200 file (which a spreadsheet or a script reads as "no rows"): 409, the reason as JSON and in
    X-Not-Available, on every CSV endpoint, in both forms (``.csv`` and ``?format=csv``)."""
    path = workspace(tmp_path_factory, scored=False)
    with TestClient(create_app(path), base_url=BASE) as c:
        urls = ["/api/brands", "/api/campaigns", "/api/campaigns/labels"]
        if pytest.importorskip("tribescope.campaigns"):
            # an unknown brand's plan is no list "not available" but a 404, the same error in every form
            error = c.get("/api/plan?budget=1000&brand=nope").json()["error"]
            assert "nope" in error
            for csv_url in (
                "/api/plan.csv?budget=1000&brand=nope",
                "/api/plan?budget=1000&brand=nope&format=csv",
            ):
                r = c.get(csv_url)
                assert r.status_code == 404, (csv_url, r.status_code, r.text)
                assert r.json() == {"error": error}
        for url in urls:
            base, _, query = url.partition("?")
            reason = c.get(url).json()["reason"]
            assert reason
            for csv_url in (f"{base}.csv?{query}", f"{url}{'&' if query else '?'}format=csv"):
                r = c.get(csv_url)
                assert r.status_code == 409, (csv_url, r.status_code, r.text)
                assert r.json() == {"error": reason}
                assert r.headers["x-not-available"]


def test_a_csv_of_an_empty_list_that_is_available_is_a_header_row(tmp_path_factory):
    path = workspace(tmp_path_factory, scored=False)
    with TestClient(create_app(path), base_url=BASE) as c:
        r = c.get("/api/creators.csv?q=no-such-creator-anywhere")
    assert r.status_code == 200 and r.headers["x-total-count"] == "0"
    assert r.text.splitlines()[0].startswith("platform,creator_id")


# ------------------------------------------------------------------------------------------ 4. import messages

#: a CLI option named as if the form had it (a command line written out in full, in backticks, is fine)
_FLAG = re.compile(r"--(skip-bad|table|format|force|link-creator|space-id|platform)\b")


def _without_commands(text: str) -> str:
    return re.sub(r"`tribescope [^`]*`", "", text)


@pytest.fixture()
def writable(tmp_path_factory, tmp_path):
    import shutil

    w = tmp_path / "rw.duckdb"
    shutil.copy(workspace(tmp_path_factory, scored=False), w)
    with TestClient(create_app(w, read_only=False), base_url=BASE) as c:
        yield c


def _import(c: TestClient, name: str, body: bytes, **form: str) -> dict:
    r = c.post("/api/jobs/import", files={"file": (name, body, "application/octet-stream")}, data=form)
    assert r.status_code == 202, r.text
    job = r.json()
    for _ in range(600):
        job = c.get(f"/api/jobs/{job['id']}").json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    return job


POSTS = b"platform,post_id,creator_id,created_at,likes\ninstagram,q1,zed,2024-01-01T00:00:00Z,3\n"


@pytest.mark.parametrize(
    ("name", "body", "form", "want"),
    [
        ("bad.csv", POSTS + b"instagram,q2,bob,2024-01-01T00:00:00Z,1,5\n", {}, "Fix the record and upload"),
        ("cols.csv", b"foo,bar\n1,2\n", {}, "Name the columns as in docs/data-model.md"),
        ("book.xlsx", b"PK\x03\x04junk", {}, "Convert the file as the message says and upload it again."),
        ("notes.txt", b"hello world\n", {}, "Upload an export in one of the formats listed"),
        ("p.csv", POSTS, {"link_creator": "instagram:nosuch"}, '"link to creator" instagram:nosuch:'),
    ],
    ids=["bad-record", "unknown-columns", "workbook", "not-an-export", "unknown-link"],
)
def test_import_messages_name_the_forms_fields_not_cli_flags(writable, name, body, form, want):
    job = _import(writable, name, body, **form)
    text = "\n".join([job["message"], *job["result"].get("notes", [])])
    assert want in text, text
    assert not _FLAG.search(_without_commands(text)), text
    page = html.unescape(writable.get("/jobs").text)
    # the form's tooltips may say which CLI option a field stands for: the jobs table must not
    recent = page[page.index("Recent jobs") :]
    assert not _FLAG.search(_without_commands(recent))


def test_an_upload_already_imported_says_nothing_changed_without_force(writable):
    _import(writable, "p.csv", POSTS)
    again = _import(writable, "p.csv", POSTS)
    (note,) = again["result"]["notes"]
    assert note.startswith("identical content already imported") and "nothing was changed" in note
    assert "--force" not in note


def test_a_zip_archive_uploaded_imports_its_files_named_inside_it(writable):
    """A platform's download uploaded as it comes: its files imported, a bad record named inside the archive as the
    user knows it (not the server's temporary folders)."""
    import io
    import zipfile

    def zipped(body: bytes) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("export/p.csv", body)
            z.writestr("export/clip.mp4", b"\x00" * 1000)
        return buf.getvalue()

    bad = _import(writable, "download.zip", zipped(POSTS + b"instagram,q2,bob,2024-01-01T00:00:00Z,1,5\n"))
    assert bad["status"] == "failed"
    assert "download.zip/export/p.csv, line 3" in bad["message"] and "tribescope-" not in bad["message"]
    # an archive the server cannot unpack: advice a web user can follow (no folder can be uploaded)
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("../p.csv", POSTS)
    refused = _import(writable, "evil.zip", evil.getvalue())
    assert refused["status"] == "failed" and "leaves the archive's folder" in refused["message"]
    assert "upload its export files (or a ZIP of them)" in refused["message"]
    assert "import the folder" not in refused["message"].lower()
    job = _import(writable, "download.zip", zipped(POSTS))
    assert job["status"] == "done", job
    assert job["result"]["records"] == 1 and job["result"]["rows"] == {"posts": 1}


def test_the_dashboard_wording_of_every_hint_the_importer_gives():
    """Each advice the importer's errors give (ImportFailed's hints) has a dashboard wording: if the library's
    words change, this fails rather than the dashboard showing a CLI flag again."""
    from tribescope.errors import ImportFailed
    from tribescope.web._jobs import dashboard_text

    for hint in (ImportFailed.RECORD_HINT, ImportFailed.FILE_HINT, ImportFailed.HEADER_HINT):
        assert not _FLAG.search(_without_commands(dashboard_text(hint))), hint


def test_the_dashboard_wording_of_the_importers_inline_advice():
    """Advice written in the importers themselves (not ImportFailed's hints): a damaged compressed file, a CSV missing
    a required column — found with grep for CLI options in src/tribescope/ingest."""
    import re
    from pathlib import Path

    from tribescope.web._jobs import dashboard_text

    src = Path(__file__).resolve().parents[1] / "src" / "tribescope" / "ingest"
    texts = []
    for f in src.glob("*.py"):
        # the advice strings: adjacent literals joined, as Python joins them
        code = re.sub(r'"\s*\n\s*"', "", f.read_text(encoding="utf-8"))
        texts += [
            m for m in re.findall(r'"([^"\n]*--(?:skip-bad|table|format|force)[^"\n]*)"', code) if " " in m
        ]
    assert texts
    for t in texts:
        assert not _FLAG.search(_without_commands(dashboard_text(t))), t


# ------------------------------------------------------------------------------------------ layout (browser)


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_campaign_tables_fit_their_card_at_1280px(tmp_path_factory):
    """At a laptop's 1280 px no table of the campaigns page is wider than its box (the 20-column label table sat
    in a half-width card, the 37-column creator table ran off the page)."""
    pytest.importorskip("tribescope.campaigns")
    sync_api = pytest.importorskip("playwright.sync_api")
    w = pipeline_workspace(tmp_path_factory)
    app = create_app(w)
    with LiveServer(app) as s, sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            pg = b.new_page(viewport={"width": 1280, "height": 900})
            pg.goto(s.url + "/campaigns?budget=5000")
            over = pg.evaluate(
                """() => [...document.querySelectorAll('.table-wrap')]
                  .filter(w => w.scrollWidth > w.clientWidth + 1)
                  .map(w => (w.querySelector('table').id || 'table') + ' ' + w.scrollWidth + '>' + w.clientWidth)"""
            )
            assert over == []
            assert pg.evaluate("document.documentElement.scrollWidth") <= 1280
        finally:
            b.close()
    app.state.store.close()


# ------------------------------------------------------------------------------------------ 5. hunt


def test_a_flag_reads_yes_or_no_in_every_table():
    """The niches table showed Python's "True"/"False" (is_leader, is_bridge); the creator page says yes / no."""
    assert _cells(_table([{"is_leader": True, "is_bridge": False}])) == ["yes", "no"]


def test_the_niche_creators_link_to_their_pages(tmp_path_factory):
    pytest.importorskip("tribescope.niche")
    w = pipeline_workspace(tmp_path_factory)
    with TestClient(create_app(w), base_url=BASE) as c:
        page = c.get("/niches").text
        table = page[page.index('id="niche-creators"') :]
        hrefs = re.findall(r'<a class="creator-link" href="([^"]+)"', table[: table.index("</table>")])
        assert hrefs
        assert all(c.get(html.unescape(h)).status_code == 200 for h in hrefs[:3])


class _Form(__import__("html.parser").parser.HTMLParser):
    """Inputs without a label and table headers without text, as a screen reader meets them."""

    def __init__(self) -> None:
        super().__init__()
        self.labels = 0
        self.label_for: set[str] = set()
        self.fields: list[tuple[str, dict]] = []
        self.th: list[str] | None = None
        self.empty_th = 0
        self.inside: list[bool] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self.labels += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
            self.fields.append((tag, a | {"_in_label": self.labels > 0}))
        elif tag == "th":
            self.th = []

    def handle_endtag(self, tag):
        if tag == "label":
            self.labels -= 1
        elif tag == "th" and self.th is not None:
            self.empty_th += not "".join(self.th).strip()
            self.th = None

    def handle_data(self, data):
        if self.th is not None:
            self.th.append(data)


def test_every_form_field_has_a_label_and_every_table_header_a_name(tmp_path_factory, tmp_path):
    import shutil

    pytest.importorskip("tribescope.campaigns")
    w = tmp_path / "rw.duckdb"
    shutil.copy(pipeline_workspace(tmp_path_factory), w)
    with TestClient(create_app(w, read_only=False), base_url=BASE) as c:
        first = c.get("/api/creators?page_size=1").json()["items"][0]
        for url in (
            "/",
            "/jobs",
            "/campaigns?budget=5000",
            "/niches",
            "/shortlist",
            f"/creator/{first['platform']}/{first['creator_id']}",
        ):
            f = _Form()
            f.feed(c.get(url).text)
            unlabelled = [
                a.get("name") or a.get("id")
                for _, a in f.fields
                if not (a["_in_label"] or a.get("aria-label") or a.get("id") in f.label_for)
            ]
            assert unlabelled == [], url
            assert f.empty_th == 0, url


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_a_creator_page_with_its_evidence_fits_a_phone(tmp_path_factory):
    """At 390 px the components chart (a fixed 584 px) pushed the whole page sideways, and the evidence tree gave its
    innermost values one letter a line (a 25,000 px tall card)."""
    pytest.importorskip("tribescope.score")
    sync_api = pytest.importorskip("playwright.sync_api")
    w = pipeline_workspace(tmp_path_factory)
    app = create_app(w)
    with LiveServer(app) as s, sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            pg = b.new_page(viewport={"width": 390, "height": 844})
            pg.goto(s.url + "/?sort=community_score&page_size=1")
            # the header wraps: it took 220 px (one link a line), a quarter of the screen, and stayed there
            assert pg.locator("header.top").bounding_box()["height"] <= 130
            pg.click("#leaderboard tbody a.creator-link >> nth=0")
            pg.goto(pg.url + "?evidence=1")
            pg.wait_for_function(
                "() => window.__tribescopeCharts && window.__tribescopeCharts.rendered + "
                "window.__tribescopeCharts.failed === window.__tribescopeCharts.total",
                timeout=30_000,
            )
            assert pg.evaluate("document.documentElement.scrollWidth") <= 390
            # the evidence card's lines keep a readable width (the old key/value tree left one letter a line)
            widths = pg.evaluate(
                "() => [...document.querySelectorAll('.evidence ul.thread li, .evidence p')]"
                ".map(d => d.getBoundingClientRect().width)"
            )
            assert widths and min(widths) >= 150
            # a comment's text too: the recent comments' other columns squeezed it to 83 px, a word a line
            texts = pg.evaluate(
                "() => [...document.querySelectorAll('td.comment-text')].map(d => d.getBoundingClientRect().width)"
            )
            assert texts and min(texts) >= 200, texts
        finally:
            b.close()
    app.state.store.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_the_shortlist_overlap_shows_rounded_figures_and_fits_a_phone(tmp_path_factory):
    """The overlap tables printed raw floats (0.0023923444976076554) and, outside a scrolling box, pushed a phone's
    page to 1,215 px."""
    pytest.importorskip("tribescope.niche")
    sync_api = pytest.importorskip("playwright.sync_api")
    w = pipeline_workspace(tmp_path_factory)
    app = create_app(w)
    with LiveServer(app) as s, sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            pg = b.new_page(viewport={"width": 390, "height": 844})
            pg.goto(s.url + "/?page_size=5")
            for i in range(3):
                pg.click(f"button.sl-toggle >> nth={i}")
            pg.goto(s.url + "/shortlist")
            pg.click("#shortlist-overlap")
            pg.wait_for_selector("#overlap-out table.overlap-pairs", timeout=30_000)
            cells = pg.locator("#overlap-out td").all_inner_texts()
            assert cells and not [c for c in cells if re.search(r"\.\d{6,}", c)], cells
            assert pg.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            b.close()
    app.state.store.close()


def test_the_emailed_report_links_to_no_dashboard_page(tmp_path_factory):
    """The report is a file sent by e-mail: a creator name in its tables must not link to ``/creator/…`` (there is
    no server), though the dashboard's tables do."""
    pytest.importorskip("tribescope.campaigns")
    pytest.importorskip("tribescope.niche")
    from tribescope.report._html import render_report
    from tribescope.store import connect

    ws = connect(pipeline_workspace(tmp_path_factory))
    try:
        text = render_report(ws, top=2, evidence=0)
    finally:
        ws.close()
    assert "campaign" in text and 'href="/creator/' not in text


def test_the_leaderboard_chart_labels_followers_compactly():
    """On a phone the log axis printed "100" and "2,000" into each other ("1002,000")."""
    from tribescope.web import _charts

    spec = _charts.leaderboard(
        [{"handle": "a", "followers": 120, "community_score": 50.0, "label": "creator"}]
    )
    axis = spec["encoding"]["x"]["axis"]
    assert axis["format"] == "~s" and axis["labelOverlap"]
