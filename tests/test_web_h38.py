"""Dashboard and API bugs found by using them: job messages with code spans, the leaderboard's "too little data" note
and default ranking, niche creators in leader order, the import form's options."""

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
POSTS = b"platform,post_id,creator_id,created_at,likes\ninstagram,q1,zed,2024-01-01T00:00:00Z,3\n"
BAD_POSTS = POSTS + b"instagram,q2,bob,2024-01-01T00:00:00Z,1,5\n"  # line 3: a field too many


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    pytest.importorskip("tribescope.score")
    with TestClient(create_app(pipeline_workspace(tmp_path_factory)), base_url=BASE) as c:
        yield c
        c.app.state.store.close()


@pytest.fixture()
def writable(tmp_path_factory, tmp_path):
    w = tmp_path / "rw.duckdb"
    shutil.copy(workspace(tmp_path_factory, scored=False), w)
    with TestClient(create_app(w, read_only=False), base_url=BASE) as c:
        yield c
        c.app.state.store.close()


_import = import_job  # the dashboard's import job, waited for (_web_fixtures)


def _recent_jobs(c: TestClient) -> str:
    page = c.get("/jobs").text
    return page[page.index("Recent jobs") :]


# ------------------------------------------------------------------------------------------ code spans


def test_a_code_span_is_code_and_everything_else_is_escaped():
    from tribescope.web._render import code_spans

    assert str(code_spans("run `tribescope score` <now>")) == "run <code>tribescope score</code> &lt;now&gt;"
    assert str(code_spans("the `<b>` tag")) == "the <code>&lt;b&gt;</code> tag"
    assert str(code_spans("a stray ` tick")) == "a stray ` tick"
    assert str(code_spans(None)) == ""


def test_a_failed_jobs_message_shows_its_code_as_code_not_backticks(writable):
    job = _import(writable, "bad.csv", BAD_POSTS)
    spans = re.findall(r"`([^`]+)`", job["message"])  # the API keeps the text as the CLI writes it
    assert job["status"] == "failed" and spans
    recent = html.unescape(_recent_jobs(writable))
    cell = recent[recent.index("bad.csv, line 3") :]
    cell = cell[: cell.index("</td>")]
    assert "`" not in cell
    assert all(f"<code>{s}</code>" in cell for s in spans), cell


def test_a_not_available_section_shows_its_command_as_code(tmp_path_factory):
    with TestClient(create_app(workspace(tmp_path_factory, scored=True)), base_url=BASE) as c:
        page = c.get("/campaigns").text
        c.app.state.store.close()
    assert "run <code>tribescope campaign import FOLDER</code>" in page
    assert "`tribescope campaign import" not in page


# ------------------------------------------------------------------------------------------ leaderboard ranking


def _creator_links(page: str) -> list[str]:
    return re.findall(r'<a class="creator-link" href="([^"]+)"', page)


def test_a_page_of_only_too_little_data_rows_after_lower_judged_scores_has_the_note(pipeline):
    """Page 2 of the default ranking held only "too little data" creators (scores up to 73) after judged ones down
    to 23 on page 1: out of order, but the note did not show, as no row of page 2 was below a lower one of page 2."""
    items = pipeline.get("/api/creators?page_size=500").json()["items"]
    judged = [x for x in items if x["label"] != "insufficient_data"]
    rest = items[len(judged) :]
    assert judged and rest and all(x["label"] == "insufficient_data" for x in rest)
    assert rest[0]["community_score"] > min(
        x["community_score"] for x in judged
    )  # out of order, across pages
    page2 = pipeline.get(f"/?page=2&page_size={len(judged)}").text
    assert len(_creator_links(page2)) == len(rest)
    assert "insufficient-note" in page2
    page1 = pipeline.get(f"/?page=1&page_size={len(judged)}").text  # only judged rows: nothing to explain
    assert "insufficient-note" not in page1


def test_applying_the_filter_form_as_it_stands_keeps_the_default_ranking(pipeline):
    """The sort field defaulted to community_score, so pressing Apply sent sort=community_score, a literal sort by
    score: the "too little data" creators jumped up among the judged ones."""
    default = pipeline.get("/").text
    form = default[default.index('id="filters"') : default.index("</form>")]
    sort = form[form.index('name="sort"') : form.index("</select>", form.index('name="sort"'))]
    selected = re.findall(r'<option value="([^"]*)" selected', sort)
    assert selected == [""]
    applied = pipeline.get("/?" + (f"sort={selected[0]}&order=desc" if selected[0] else "order=desc")).text
    assert _creator_links(applied) == _creator_links(default)


# ------------------------------------------------------------------------------------------ niches


def test_niche_creators_are_listed_group_by_group_as_the_leaders_are_ranked(pipeline):
    pytest.importorskip("tribescope.niche")
    items = pipeline.get("/api/niches/creators?page_size=500").json()["items"]
    keys = [(x["group"], x["leader_rank"]) for x in items]
    assert keys == sorted(keys) and keys[0][1] == 1
    groups = {g["group"]: g for g in pipeline.get("/api/niches").json()["items"]}
    for grp, g in groups.items():  # each group's first creators are the leaders its row names, in that order
        leaders = [x["username"] for x in items if x["group"] == grp and x["is_leader"]]
        assert ", ".join(leaders) == g["leaders"]
    page = html.unescape(pipeline.get("/niches").text)
    table = page[page.index('id="niche-creators"') :]
    shown = re.findall(r'class="creator-link" href="[^"]+">([^<]+)</a>', table[: table.index("</table>")])
    assert shown == [x["username"] for x in items]


# ------------------------------------------------------------------------------------------ import form options


def test_the_import_form_has_the_clis_options(writable):
    page = writable.get("/jobs").text
    form = page[page.index('id="import-form"') : page.index("</form>")]
    for name in ("format", "table", "skip_bad", "force"):
        assert f'name="{name}"' in form, name
    assert '<option value="youtube"' in form and '<option value="comments"' in form


def test_skip_bad_imports_the_good_records_and_says_how_many_were_quarantined(writable):
    failed = _import(writable, "bad.csv", BAD_POSTS)
    assert failed["status"] == "failed" and 'tick "skip bad records"' in failed["message"]
    job = _import(writable, "bad.csv", BAD_POSTS, skip_bad="true")
    assert job["status"] == "done", job
    assert job["result"]["rows"] == {"posts": 1} and job["result"]["rejected"] == 1
    assert "1 bad records quarantined" in " ".join(job["result"]["notes"])
    assert writable.get("/api/summary").json()["rejects"] == 1


def test_force_reads_a_file_already_imported_again(writable):
    assert _import(writable, "p.csv", POSTS)["result"]["records"] == 1
    again = _import(writable, "p.csv", POSTS)
    assert (
        again["result"]["records"] == 0 and '"read again if already imported"' in again["result"]["notes"][0]
    )
    forced = _import(writable, "p.csv", POSTS, force="true")
    assert forced["status"] == "done" and forced["result"]["records"] == 1 and forced["result"]["notes"] == []


def test_the_table_field_names_the_table_of_a_generic_file(writable):
    body = b"platform,account_id,username,followers\ninstagram,zz1,zedd,42\n"
    job = _import(writable, "people.csv", body, table="accounts")
    assert job["status"] == "done" and job["result"]["rows"] == {"accounts": 1}, job
    wrong = _import(writable, "people2.csv", body.replace(b"zz1", b"zz2"), table="posts")
    assert wrong["status"] == "failed" and "table posts" in wrong["message"]


def test_the_format_field_forces_a_format_and_unknown_ones_are_refused(writable):
    job = _import(writable, "p.csv", POSTS, format="youtube")
    assert job["status"] == "failed" and "not valid JSON" in job["message"]
    for field, value in (("format", "nope"), ("table", "imports")):
        r = writable.post(
            "/api/jobs/import", files={"file": ("p.csv", POSTS, "text/csv")}, data={field: value}
        )
        assert r.status_code == 422
        (problem,) = r.json()["detail"]
        assert problem["loc"] == ["body", field] and problem["input"] == value


def test_columns_no_table_takes_are_noted_not_dropped_silently(writable):
    body = (
        b"platform,post_id,creator_id,created_at,likes,mood\ninstagram,q9,zed,2024-01-01T00:00:00Z,3,happy\n"
    )
    job = _import(writable, "mood.csv", body)
    assert job["status"] == "done"
    assert "mood.csv: column(s) 'mood' not imported" in " ".join(job["result"]["notes"])


# ------------------------------------------------------------------------------------------ engagement chart


def _spec(page: str, name: str) -> dict:
    import json

    m = re.search(rf'<script type="application/json" id="spec-{name}">(.*?)</script>', page, re.S)
    assert m, f"no chart {name}"
    return json.loads(m.group(1))


def test_posts_with_unknown_likes_are_drawn_apart_and_counted_not_dropped(writable):
    body = (
        b"platform,post_id,creator_id,created_at,likes,comments_count\n"
        b"instagram,k1,zed,2024-01-01T00:00:00Z,10,2\n"
        b"instagram,k2,zed,2024-01-02T00:00:00Z,,4\n"
        b"instagram,k3,zed,2024-01-03T00:00:00Z,,0\n"
    )
    assert _import(writable, "likes.csv", body)["status"] == "done"
    page = writable.get("/creator/instagram/zed").text
    values = {v["post_id"]: v for v in _spec(page, "c-engagement")["data"]["values"]}
    assert set(values) == {"k1", "k2", "k3"}
    assert values["k1"]["engagement"] == 12 and values["k1"]["kind"] == "organic"
    assert values["k2"]["engagement"] is None and values["k2"]["kind"] == "likes unknown"
    assert "2 of 3 posts have no like count" in page


def test_a_creator_whose_likes_are_all_unknown_still_has_the_chart(writable):
    body = b"platform,post_id,creator_id,created_at,comments_count\ninstagram,u1,yan,2024-01-01T00:00:00Z,3\n"
    assert _import(writable, "nolikes.csv", body)["status"] == "done"
    page = writable.get("/creator/instagram/yan").text
    (v,) = _spec(page, "c-engagement")["data"]["values"]
    assert v["kind"] == "likes unknown" and "1 of 1 posts have no like count" in page


def test_a_creator_imported_after_the_last_score_has_a_page_not_a_404(tmp_path_factory, tmp_path):
    """Posts uploaded to a scored workspace: the creator's page said "no creator instagram:zed in this workspace"
    (404) until the next score, though its posts are there."""
    w = tmp_path / "scored-rw.duckdb"
    shutil.copy(workspace(tmp_path_factory, scored=True), w)
    with TestClient(create_app(w, read_only=False), base_url=BASE) as c:
        assert _import(c, "p.csv", POSTS)["status"] == "done"
        r = c.get("/creator/instagram/zed")
        api = c.get("/api/creators/instagram/zed")
        c.app.state.store.close()
    assert r.status_code == 200 and "not scored" in r.text
    assert api.status_code == 200 and api.json()["scored"] is False
    assert api.json()["components"]["available"] is False and [p["post_id"] for p in api.json()["posts"]] == [
        "q1"
    ]


# ------------------------------------------------------------------------------------------ lookalikes


def test_lookalikes_are_the_librarys_with_handles_scores_and_reasons(pipeline, tmp_path_factory):
    pytest.importorskip("tribescope.niche")
    from tribescope.niche import similar
    from tribescope.store import connect

    top = pipeline.get("/api/creators?page_size=1").json()["items"][0]
    key = f"{top['platform']}:{top['creator_id']}"
    got = pipeline.get("/api/similar", params={"creator": key, "n": 4}).json()
    assert got["creator"] == {k: top[k] for k in ("platform", "creator_id", "handle")}
    ws = connect(pipeline_workspace(tmp_path_factory), read_only=True)
    try:
        want = similar(ws, (top["platform"], top["creator_id"]), n=4).to_pylist()
    finally:
        ws.close()
    assert [(x["creator_id"], x["reasons"]) for x in got["items"]] == [
        (x["creator_id"], x["reasons"]) for x in want
    ]
    assert [x["similarity"] for x in got["items"]] == pytest.approx([x["similarity"] for x in want])
    scores = {
        (x["platform"], x["creator_id"]): x
        for x in pipeline.get("/api/creators?page_size=500").json()["items"]
    }
    for x in got["items"]:
        s = scores[(x["platform"], x["creator_id"])]
        assert (x["handle"], x["community_score"], x["label"]) == (
            s["handle"],
            s["community_score"],
            s["label"],
        )
    csv_text = pipeline.get("/api/similar.csv", params={"creator": key, "n": 4}).text
    assert len(csv_text.strip().splitlines()) == 1 + len(want)


def test_the_lookalikes_page_is_linked_from_the_creator_page(pipeline):
    pytest.importorskip("tribescope.niche")
    top = pipeline.get("/api/creators?page_size=1").json()["items"][0]
    page = pipeline.get(f"/creator/{top['platform']}/{top['creator_id']}").text
    href = html.unescape(re.search(r'id="similar-link" href="([^"]+)"', page).group(1))
    r = pipeline.get(href + "&n=3")
    assert r.status_code == 200 and f"Creators like {top['handle']}" in html.unescape(r.text)
    rows = r.text[r.text.index('id="lookalikes"') :]
    assert rows.count('class="creator-link"') == 3
    assert pipeline.get("/similar?creator=youtube:nobody").status_code == 404
    missing = pipeline.get("/api/similar?creator=youtube:nobody")
    assert missing.status_code == 404 and missing.json() == {
        "error": "no creator youtube:nobody in this workspace"
    }


def test_the_leaderboard_chart_says_how_many_creators_it_cannot_place(pipeline):
    """A creator without a follower count has no place on the log axis: the chart left it out without a word."""
    items = pipeline.get("/api/creators?page_size=500").json()["items"]
    unplaced = [x for x in items if not x["followers"]]
    assert unplaced  # synth xs has one: cora_travels, followers unknown
    page = pipeline.get("/").text
    drawn = _spec(page, "leaderboard")["data"]["values"]
    assert len(drawn) == len(items) - len(unplaced)
    n = len(unplaced)
    assert (
        f"{n} of the {len(items)} matching creators {'is' if n == 1 else 'are'} not drawn: no follower count"
        in page
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/api/similar", "/api/similar.csv"])
def test_the_lookalikes_operations_never_fail(tmp_path_factory, path):
    """As tests/test_web_schemathesis.py drives every operation (its OPERATIONS list needs these two as well)."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    app = create_app(workspace(tmp_path_factory, scored=False), allowed_hosts=["testserver"])
    op = schemathesis.openapi.from_asgi("/api/openapi.json", app)[path]["GET"]

    @given(case=op.as_strategy())
    @settings(
        max_examples=6,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def run(case):
        # an unknown creator is a 404 the schema documents; a generated key names no creator of the workspace
        case.call_and_validate(timeout=60, excluded_checks=[positive_data_acceptance])

    run()
    app.state.store.close()


@pytest.mark.browser
def test_the_live_job_message_shows_code_as_code_and_the_form_sends_skip_bad(tmp_path_factory, tmp_path):
    """The job's progress line is written by the page's script: its code spans are <code>, as the jobs table's; the
    form's "skip bad records" box reaches the import."""
    import os

    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("needs /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    try:
        from ._web_fixtures import LiveServer
    except ImportError:
        from _web_fixtures import LiveServer  # type: ignore[no-redef]
    w = tmp_path / "rw.duckdb"
    shutil.copy(workspace(tmp_path_factory, scored=False), w)
    upload = tmp_path / "bad.csv"
    upload.write_bytes(BAD_POSTS)
    app = create_app(w, read_only=False)
    with LiveServer(app) as s, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(s.url + "/jobs")
            page.set_input_files("#import-file", str(upload))
            page.click("#import-form button[type=submit]")
            page.wait_for_function(
                "document.getElementById('job-status').textContent === 'failed'", timeout=30_000
            )
            msg = page.locator("#job-message")
            assert "`" not in msg.inner_text() and msg.locator("code").all_inner_texts() == ["rejects"]
            page.check("#import-skip-bad")
            page.click("#import-form button[type=submit]")
            page.wait_for_function(
                "document.getElementById('job-status').textContent === 'done'", timeout=30_000
            )
            # the bad record is read and quarantined, not imported (the message said "imported 2 records")
            assert "read 2 records: 1 imported, 1 quarantined" in msg.inner_text()
            notes = page.locator("#job-notes li")
            assert "1 bad records quarantined" in notes.inner_text()
            assert notes.locator("code").all_inner_texts() == ["tribescope status --rejects"]
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        finally:
            browser.close()
    app.state.store.close()
