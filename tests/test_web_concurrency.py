"""Reads stay consistent while a background re-score or import writes to the workspace.

A real uvicorn server (one process, loopback, free port) serves a writable copy of the scored web
fixture. Before the job, ``creator_scores`` is marked as an *old snapshot*: every row's
``spec_version`` is ``"old-snapshot"`` and one creator's row is removed (2 scored rows instead of 3; the list shows it unscored). Reader
threads then fetch ``/api/creators`` without pause while ``POST /api/jobs/score`` (or an import) runs;
every answer must be either wholly the old snapshot or wholly the new one — never a mix of rows,
never a count from one and rows from the other, never a 5xx.
"""

from __future__ import annotations

import shutil
import threading
import time

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")
uvicorn = pytest.importorskip("uvicorn")

try:  # tests/ may or may not be a package
    from ._web_fixtures import LiveServer, workspace
except ImportError:
    from _web_fixtures import LiveServer, workspace  # type: ignore[no-redef]

from tribescope.store import connect  # noqa: E402
from tribescope.web import create_app  # noqa: E402

OLD = "old-snapshot"
READERS = 4


@pytest.fixture
def rw_path(tmp_path_factory, tmp_path):
    w = tmp_path / "rw.duckdb"
    shutil.copy(workspace(tmp_path_factory, scored=True), w)
    ws = connect(w)
    try:
        ws.duck.execute(f"UPDATE creator_scores SET spec_version = '{OLD}'")
        ws.duck.execute(
            "DELETE FROM creator_scores WHERE creator_id = (SELECT min(creator_id) FROM creator_scores)"
        )
        assert ws.duck.execute("SELECT count(*) FROM creator_scores").fetchone() == (2,)
    finally:
        ws.close()
    return w


def _hammer(url: str, stop: threading.Event, out: list, errors: list) -> None:
    with httpx.Client(base_url=url, timeout=30) as c:
        while not stop.is_set():
            try:
                r = c.get("/api/creators", params={"page_size": 500})
            except Exception as exc:  # a dropped connection is a failure too
                errors.append(repr(exc))
                continue
            if r.status_code != 200:
                errors.append(f"{r.status_code}: {r.text[:200]}")
                continue
            j = r.json()
            out.append((j["total"], [x.get("spec_version") for x in j["items"]]))


def _run_job_while_reading(app, start_job) -> tuple[list, list, dict]:
    got: list = []
    errors: list = []
    stop = threading.Event()
    with LiveServer(app) as s:
        readers = [threading.Thread(target=_hammer, args=(s.url, stop, got, errors)) for _ in range(READERS)]
        for t in readers:
            t.start()
        try:
            deadline = time.monotonic() + 10
            while not got and time.monotonic() < deadline:  # readers have seen the old snapshot
                time.sleep(0.01)
            with httpx.Client(base_url=s.url, timeout=30) as c:
                job = start_job(c)
                deadline = time.monotonic() + 20
                while job["status"] not in ("done", "failed"):
                    assert time.monotonic() < deadline, "the job did not finish in 20 s"
                    time.sleep(0.02)
                    job = c.get(f"/api/jobs/{job['id']}").json()
            n = len(got)
            deadline = time.monotonic() + 10
            while len(got) < n + READERS * 3 and time.monotonic() < deadline:  # reads after the job
                time.sleep(0.01)
        finally:
            stop.set()
            for t in readers:
                t.join(timeout=30)
        final = httpx.get(s.url + "/api/creators", params={"page_size": 500}, timeout=30).json()
    got.append((final["total"], [x.get("spec_version") for x in final["items"]]))
    return got, errors, job


def test_reads_during_rescore_see_old_or_new_snapshot_never_a_mix(rw_path):
    app = create_app(rw_path, read_only=False)
    try:
        got, errors, job = _run_job_while_reading(app, lambda c: c.post("/api/jobs/score").json())
    finally:
        app.state.store.close()
    assert job["status"] == "done", job
    assert errors == []
    assert len(got) >= 20
    kinds = set()
    for total, versions in got:
        scored = [v for v in versions if v is not None]
        assert len(set(scored)) == 1, f"torn read: {versions}"
        old = scored[0] == OLD
        # the creator whose score the old snapshot lacks is listed unscored, last
        assert total == len(versions) == 3 and versions.count(None) == (1 if old else 0), (total, versions)
        kinds.add(old)
    assert got[0][1][0] == OLD and got[-1][1][0] != OLD  # it started old and ended new
    assert kinds == {True, False}
    # once a reader saw the new snapshot it never went back to the old one
    first_new = next(i for i, (_, v) in enumerate(got) if v[0] != OLD)
    assert sum(1 for _, v in got[first_new:] if v[0] == OLD) <= READERS - 1  # in-flight requests only


def test_reads_during_import_see_old_or_new_creator_count(rw_path, tmp_path):
    upload = tmp_path / "tiktok_posts.csv"
    upload.write_text(
        "platform,post_id,creator_id,created_at,likes,comments_count\n"
        + "".join(f"tiktok,t{i},dancer{i % 2},2024-03-01T00:00:00Z,10,0\n" for i in range(200))
    )
    counts: list[int] = []
    errors: list[str] = []
    stop = threading.Event()
    app = create_app(rw_path, read_only=False)

    def read_summary(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as c:
            while not stop.is_set():
                r = c.get("/api/summary")
                if r.status_code != 200:
                    errors.append(f"{r.status_code}: {r.text[:200]}")
                    continue
                counts.append(r.json()["posts"])

    try:
        with LiveServer(app) as s:
            readers = [threading.Thread(target=read_summary, args=(s.url,)) for _ in range(READERS)]
            for t in readers:
                t.start()
            try:
                with httpx.Client(base_url=s.url, timeout=30) as c:
                    with upload.open("rb") as f:
                        job = c.post(
                            "/api/jobs/import", files={"file": ("tiktok_posts.csv", f, "text/csv")}
                        ).json()
                    deadline = time.monotonic() + 20
                    while job["status"] not in ("done", "failed"):
                        assert time.monotonic() < deadline, "the import did not finish in 20 s"
                        time.sleep(0.02)
                        job = c.get(f"/api/jobs/{job['id']}").json()
            finally:
                stop.set()
                for t in readers:
                    t.join(timeout=30)
            final = httpx.get(s.url + "/api/summary", timeout=30).json()["posts"]
    finally:
        app.state.store.close()
    assert job["status"] == "done", job
    assert errors == []
    assert set(counts) <= {9, 209}, sorted(set(counts))  # all of the file or none of it
    assert final == 209 and 9 in counts  # (the readers' last answers may have been in flight at the commit)


def test_an_answer_computed_across_a_job_is_not_kept_for_later_requests(rw_path):
    """A slow request (niche groups, a plan, evidence) that began before an import or re-score finished stored its
    answer from the old snapshot after the job had emptied the cache: every later request got the old answer until
    the next job. Answers are kept by the generation of the data the request saw."""
    from tribescope.web._data import _computed, clear_cache
    from tribescope.web._store import Store

    store = Store(rw_path, read_only=False)
    try:
        with store.view() as before:

            def slow() -> str:
                clear_cache()  # the job finishes while this request computes: its end empties the cache
                store.changed()
                return "old"

            assert _computed(before, ("niches",), slow) == "old"
        with store.view() as after:
            assert _computed(after, ("niches",), lambda: "new") == "new"
            assert _computed(after, ("niches",), lambda: "again") == "new"  # kept within a generation
    finally:
        store.close()
        clear_cache()
