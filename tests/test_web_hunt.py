"""Dashboard and API as an analyst uses them: CSV exports, read-only refusals, import notes, score precision."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
import time

import pytest

pytest.importorskip("fastapi")

try:  # tests/ may or may not be a package
    from ._web_fixtures import workspace
except ImportError:
    from _web_fixtures import workspace  # type: ignore[no-redef]
from fastapi.testclient import TestClient
from markupsafe import escape

from tribescope.web import create_app

BASE = "http://127.0.0.1"


@pytest.fixture(scope="module")
def scored_path(tmp_path_factory):
    return workspace(tmp_path_factory, scored=True)


@pytest.fixture(scope="module")
def client(scored_path):
    with TestClient(create_app(scored_path), base_url=BASE) as c:
        yield c


def _csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _finished(c: TestClient, job: dict) -> dict:
    """The job once it is done or failed (polled for up to 30 s)."""
    for _ in range(600):
        job = c.get(f"/api/jobs/{job['id']}").json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    return job


# ------------------------------------------------------------------------------------------ CSV exports


def test_csv_export_of_a_page_holds_that_page(client):
    """page / page_size on a CSV request give that page, as in JSON; without them, every matching row."""
    page = client.get("/api/creators?sort=followers&order=asc&page=2&page_size=1").json()
    assert page["total"] >= 3 and len(page["items"]) == 1
    for url in (
        "/api/creators.csv?sort=followers&order=asc&page=2&page_size=1",
        "/api/creators?sort=followers&order=asc&page=2&page_size=1&format=csv",
    ):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["x-total-count"] == str(page["total"])
        assert [x["creator_id"] for x in _csv_rows(r.text)] == [page["items"][0]["creator_id"]], url
    assert len(_csv_rows(client.get("/api/creators.csv?sort=followers").text)) == page["total"]


def test_the_dashboards_csv_link_exports_every_matching_row_in_its_order(client):
    board = client.get("/?platform=instagram&sort=followers&order=asc&page_size=1")
    href = html.unescape(re.search(r'<a class="csv" href="([^"]+)"', board.text)[1])
    assert "page" not in href.split("?", 1)[1]
    want = client.get("/api/creators?platform=instagram&sort=followers&order=asc&page_size=500").json()
    assert want["total"] > 1
    got = _csv_rows(client.get(href).text)
    assert [r["creator_id"] for r in got] == [r["creator_id"] for r in want["items"]]


def test_openapi_says_what_a_csv_export_holds(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/creators.csv", "/api/niches.csv"):
        assert "unless the request gives `page` or `page_size`" in paths[path]["get"]["description"], path


# ------------------------------------------------------------------------------------------ read-only


@pytest.mark.parametrize(
    "body",
    [
        {},  # no file at all
        {
            "content": b"--x\r\nnot a multipart body",
            "headers": {"content-type": "multipart/form-data; boundary=x"},
        },
        {
            "files": {"file": ("posts.csv", b"platform,post_id\n", "text/csv")},
            "data": {"link_creator": "nope"},
        },
    ],
    ids=["no-file", "broken-multipart", "invalid-field"],
)
def test_a_read_only_server_refuses_an_import_with_403_whatever_the_body(client, body):
    r = client.post("/api/jobs/import", **body)
    assert r.status_code == 403, r.text
    assert "read-only" in r.json()["error"]


# ------------------------------------------------------------------------------------------ import notes

SUBMISSION = {
    "id": "p1",
    "name": "t3_p1",
    "subreddit": "BakersClub",
    "subreddit_id": "t5_bakers",
    "author": "someone",
    "title": "Crumb shots thread",
    "selftext": "Post yours",
    "created_utc": 1704067200,
    "score": 2,
    "num_comments": 0,
    "is_self": True,
    "over_18": False,
    "permalink": "/r/BakersClub/comments/p1/crumb/",
    "url": "https://www.reddit.com/r/BakersClub/comments/p1/",
}


@pytest.fixture()
def writable(scored_path, tmp_path):
    w = tmp_path / "rw.duckdb"
    shutil.copy(scored_path, w)
    with TestClient(create_app(w, read_only=False), base_url=BASE) as c:
        yield c


def _import_space(c: TestClient, tmp_path, link_creator: str) -> dict:
    f = tmp_path / "BakersClub_submissions.ndjson"
    f.write_text(json.dumps(SUBMISSION) + "\n", encoding="utf-8")
    r = c.post(
        "/api/jobs/import",
        files={"file": (f.name, f.read_bytes(), "application/x-ndjson")},
        data={"link_creator": link_creator},
    )
    assert r.status_code == 202, r.text
    return _finished(c, r.json())


def test_an_import_linked_to_an_unknown_creator_notes_it_as_the_cli_does(writable, tmp_path):
    job = _import_space(writable, tmp_path, "youtube:nobody_here")
    assert job["status"] == "done", job
    assert job["result"]["rows"]["community_links"] == 1
    (note,) = job["result"]["notes"]
    # the CLI's words, with the form's field for its --link-creator option
    assert note.startswith(
        '"link to creator" youtube:nobody_here: no youtube account with this id in the workspace'
    )
    assert str(escape(note)) in writable.get("/jobs").text  # the recent-jobs table shows it too


def test_an_import_linked_to_a_known_creator_has_no_note(writable, tmp_path):
    job = _import_space(writable, tmp_path, "instagram:alice_bakes")
    assert job["status"] == "done" and job["result"]["notes"] == [], job


def test_an_invalid_link_creator_is_refused_naming_the_field(writable):
    r = writable.post(
        "/api/jobs/import",
        files={"file": ("x.csv", b"platform,post_id\n", "text/csv")},
        data={"link_creator": "alice_bakes"},
    )
    assert r.status_code == 422
    (problem,) = r.json()["detail"]
    assert problem["loc"] == ["body", "link_creator"] and problem["input"] == "alice_bakes"
    assert "expected PLATFORM:ACCOUNT_ID" in problem["msg"]


def test_a_job_is_done_only_once_the_next_may_start_and_its_data_is_served(tmp_path_factory, tmp_path):
    """A client that sees "done" starts the next job at once (no 409) and reads the new data (no stale cache)."""
    w = tmp_path / "rw.duckdb"
    shutil.copy(workspace(tmp_path_factory, scored=False), w)  # unscored: the creator list counts posts
    app = create_app(w, read_only=False)
    jobs, changed = app.state.jobs, app.state.jobs.on_change

    def slow_change() -> None:  # the end of a job (cache cleared, upload removed) takes a while
        time.sleep(0.3)
        changed()

    jobs.on_change = slow_change
    body = "platform,post_id,creator_id,created_at,likes,comments_count\ntiktok,{0},{0},2024-03-01T00:00:00Z,1,0\n"
    with TestClient(app, base_url=BASE) as c:
        for n, pid in enumerate(("t1", "t2"), start=1):
            c.get("/api/creators?platform=tiktok")  # a cached answer from before the import
            r = c.post(
                "/api/jobs/import", files={"file": (f"{pid}.csv", body.format(pid).encode(), "text/csv")}
            )
            assert r.status_code == 202, r.text
            job = r.json()
            while job["status"] not in ("done", "failed"):
                job = c.get(f"/api/jobs/{job['id']}").json()
            assert job["status"] == "done", job
            assert c.get("/api/creators?platform=tiktok").json()["total"] == n


# ------------------------------------------------------------------------------------------ score precision


def test_every_view_shows_a_community_score_with_two_decimals(client, scored_path):
    from tribescope.report import render_report
    from tribescope.store import connect

    items = client.get("/api/creators?page_size=500").json()["items"]
    r = next(
        (
            r
            for r in items
            if r["community_score"] is not None and round(r["community_score"], 1) != r["community_score"]
        ),
        None,
    )
    if r is None:
        pytest.skip("no creator with a score of two decimals in the fixture")
    shown = f"{r['community_score']:.2f}"
    board = client.get("/").text
    page = client.get(f"/creator/{r['platform']}/{r['creator_id']}").text
    ws = connect(scored_path, read_only=True)
    try:
        report = render_report(ws, evidence=0)
    finally:
        ws.close()
    assert f'<td class="num">{shown}</td>' in board
    assert f"<span>community score</span><b>{shown}</b>" in page
    assert f'<td class="num">{shown}</td>' in report
    assert f"<span>community score</span><b>{shown}</b>" in report


def test_every_view_shows_a_confidence_with_two_decimals(client, scored_path):
    """As the CLI's table: "1.00" beside "0.95" (the leaderboard showed "1" beside "0.952")."""
    from tribescope.report import render_report
    from tribescope.store import connect

    items = client.get("/api/creators?page_size=500").json()["items"]
    board = client.get("/").text
    ws = connect(scored_path, read_only=True)
    try:
        report = render_report(ws, evidence=0)
    finally:
        ws.close()
    shown = {f"{r['confidence']:.2f}" for r in items if r["confidence"] is not None}
    assert shown
    for text in shown:
        assert f'<td class="num">{text}</td></tr>' in report or f'<td class="num">{text}</td>' in board
    r = next(r for r in items if r["confidence"] is not None)
    page = client.get(f"/creator/{r['platform']}/{r['creator_id']}").text
    assert f"<span>confidence</span><b>{r['confidence']:.2f}</b>" in page


# ------------------------------------------------------------------------------------------ HTTP details


@pytest.mark.parametrize(
    "path", ["/", "/api/creators?platform=instagram", "/api/creators.csv", "/api/health"]
)
def test_head_answers_as_get_without_a_body(client, path):
    get, head = client.get(path), client.head(path)
    assert head.status_code == 200 == get.status_code
    assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]


def test_a_method_not_allowed_names_the_allowed_ones(client):
    r = client.delete("/api/creators")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
    assert r.json()["error"] == "DELETE is not allowed on /api/creators; allowed: GET, HEAD"
    r = client.options("/api/jobs/import")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert client.put("/").headers["allow"] == "GET, HEAD"  # pages too


def test_an_unknown_path_is_named_in_the_error(client):
    assert client.get("/api/nope").json()["error"] == "nothing at /api/nope; the endpoints are listed at /api"
    r = client.get("/nope")
    assert r.status_code == 404 and "nothing at /nope" in r.text


def test_a_refused_page_parameter_names_the_value_given(client):
    r = client.get("/?order=up&min_score=abc")
    assert r.status_code == 422
    assert "order: Input should be &#39;asc&#39; or &#39;desc&#39; (got &#39;up&#39;)" in r.text
    assert "(got &#39;abc&#39;)" in r.text


def test_a_page_past_the_last_says_so_and_links_the_last_page(client):
    total = client.get("/api/creators").json()["total"]
    r = client.get(f"/?platform=instagram&page_size=1&page={total + 5}").text
    assert "no creator matches these filters" not in r
    last = client.get("/api/creators?platform=instagram").json()["total"]
    assert f"page {total + 5} is past the last page" in r
    assert f'href="/?platform=instagram&amp;order=desc&amp;page_size=1&amp;page={last}" id="last-page"' in r
    assert f"page={total + 4}" not in r  # "previous" goes to the last page, not to another empty one


def test_a_refusal_naming_the_workspace_reads_well(client):
    pytest.importorskip("tribescope.campaigns")
    got = client.get("/api/plan?budget=5000&brand=nope")  # a 404 since qa73 (it was a 200, available: false)
    assert got.status_code == 404
    reason = got.json()["error"]
    assert "no brand 'nope' in this workspace" in reason and "workspace this workspace" not in reason


def test_a_failed_import_names_the_upload_not_the_servers_copy(writable):
    r = writable.post(
        "/api/jobs/import", files={"file": ("junk.bin", b"garbage\n", "application/octet-stream")}
    )
    job = _finished(writable, r.json())
    assert job["status"] == "failed" and job["message"].startswith(
        "junk.bin, start of file: format not recognised"
    )
    assert "tribescope-upload-" not in job["message"] and "/tmp" not in job["message"]


def test_an_upload_already_imported_is_noted(writable, tmp_path):
    first = _import_space(writable, tmp_path, "instagram:alice_bakes")
    again = _import_space(writable, tmp_path, "instagram:alice_bakes")
    assert first["result"]["notes"] == [] and first["result"]["records"] == 1
    (note,) = again["result"]["notes"]
    assert note.startswith("identical content already imported")


def test_an_overlap_of_one_creator_given_twice_says_so(client):
    pytest.importorskip("tribescope.niche")
    r = client.get("/api/overlap?creators=instagram:alice_bakes&creators=instagram:alice_bakes")
    assert r.status_code == 400
    assert "known: instagram:alice_bakes; rejected: none" in r.json()["error"]


def test_a_creator_url_takes_the_platform_in_any_case(client):
    assert client.get("/api/creators/Instagram/alice_bakes").status_code == 200
    assert client.get("/creator/INSTAGRAM/alice_bakes").status_code == 200


def test_score_bounds_the_wrong_way_round_are_refused_naming_them(client):
    for url in ("/api/creators?min_score=90&max_score=10", "/api/creators.csv?min_score=90&max_score=10"):
        r = client.get(url)
        assert r.status_code == 400 and r.json()["error"].startswith("min_score 90 is above max_score 10"), (
            url
        )
    assert "min_score 90 is above max_score 10" in client.get("/?min_score=90&max_score=10").text


# ------------------------------------------------------------------------------------------ in the browser


@pytest.mark.browser
def test_the_import_form_links_a_space_and_shows_the_note_and_the_shortlist_its_score(scored_path, tmp_path):
    """Only the browser runs the import form's script and draws the shortlist (kept in localStorage)."""
    chromium = "/usr/bin/chromium"
    if not os.path.exists(chromium):
        pytest.skip("needs /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    try:
        from ._web_fixtures import LiveServer
    except ImportError:
        from _web_fixtures import LiveServer  # type: ignore[no-redef]
    w = tmp_path / "rw.duckdb"
    shutil.copy(scored_path, w)
    upload = tmp_path / "BakersClub_submissions.ndjson"
    upload.write_text(json.dumps(SUBMISSION) + "\n", encoding="utf-8")
    app = create_app(w, read_only=False)
    with LiveServer(app) as s, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(s.url + "/jobs")
        page.set_input_files("#import-file", str(upload))
        page.fill("#import-link-creator", "youtube:nobody_here")
        page.click("#import-form button[type=submit]")
        page.wait_for_function("document.getElementById('job-status').textContent === 'done'", timeout=30_000)
        assert "no youtube account with this id" in page.locator("#job-notes li").inner_text()

        top = page.evaluate("fetch('/api/creators?page_size=1').then(r => r.json())")["items"][0]
        page.goto(s.url + "/")
        page.locator("#leaderboard tbody tr").first.locator("button.sl-toggle").click()
        page.goto(s.url + "/shortlist")
        assert (
            page.locator("#shortlist-table tbody td.num").nth(1).inner_text()
            == f"{top['community_score']:.2f}"
        )
        browser.close()
    app.state.store.close()


def test_component_charts_put_the_most_points_first_with_readable_axes():
    """Each component's bar is 360 px wide: Vega-Lite's default ticks ran labels together ("0.000.01")."""
    from tribescope.web._charts import components

    spec = components(
        [
            {
                "component": "a_reach",
                "direction": "lower",
                "value": 0.01,
                "benchmark": 0.12,
                "contribution": 3.0,
            },
            {
                "component": "b_talk",
                "direction": "higher",
                "value": 0.3,
                "benchmark": 0.2,
                "contribution": 5.0,
            },
        ]
    )
    rows = spec["vconcat"]  # one chart a component, each with its own axis format
    for row in rows:
        axis = row["layer"][0]["encoding"]["x"]["axis"]
        assert axis["tickCount"] <= 5 and axis["labelOverlap"] is True
    # the components that give the most points first (they were in alphabetical order)
    shown = [row["transform"][0]["filter"]["equal"] for row in rows]
    assert [c.split(" (")[0] for c in shown] == ["b_talk", "a_reach"]


def test_csv_export_writes_counts_as_whole_numbers():
    """The score table holds followers as floats when one creator's count is unknown (pandas' NaN): the CSV wrote
    124979.0; a count stays whole, any other number as it is."""
    from tribescope.web._api import to_csv
    from tribescope.web._data import Page

    page = Page(
        total=2,
        page=1,
        page_size=2,
        rows=[{"followers": 124979.0, "er_median": 2.0}, {"followers": None, "er_median": 0.031}],
        columns=["followers", "er_median"],
    )
    assert _csv_rows(to_csv(page)) == [
        {"followers": "124979", "er_median": "2.0"},
        {"followers": "", "er_median": "0.031"},
    ]
