"""A week's export brings a scored creator's comment again, edited (same id, new text, new likes): the incremental
score recomputes that creator (its fingerprint reads every column), but `tribescope status`, the report and the
creator page said nothing had changed since the score — they compared only the counts of posts and comments and the
follower count, which an edit, a post's new likes or views, a commenter's profile or a linked space's members leave
as they were. The score now keeps the fingerprints it read, and all three compare them with those of now."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("fastapi")

try:  # tests/ may or may not be a package
    from ._web_fixtures import pipeline_workspace, score_job
except ImportError:
    from _web_fixtures import pipeline_workspace, score_job  # type: ignore[no-redef]

HEADER = "platform,comment_id,post_id,author_id,author_name,created_at,text,likes\n"


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """synth xs (scored) after one comment under cookswithmax's posts is imported again with another text and likes."""
    from tribescope.ingest import import_paths
    from tribescope.score import score_workspace
    from tribescope.store import connect

    tmp = tmp_path_factory.mktemp("edited")
    path = tmp / "ws.duckdb"
    shutil.copy(pipeline_workspace(tmp_path_factory), path)
    ws = connect(path)
    try:
        # scored by this tree (the shared copy may have been scored by another): the score keeps its fingerprints
        score_workspace(ws)
        (cid,) = ws.duck.execute(
            "SELECT creator_id FROM creator_scores WHERE handle = 'cookswithmax'"
        ).fetchone()
        plat, comment, post, author, created = ws.duck.execute(
            "SELECT c.platform, c.comment_id, c.post_id, c.author_id, strftime(c.created_at, '%Y-%m-%dT%H:%M:%SZ') "
            "FROM comments c JOIN posts p USING (platform, post_id) WHERE p.creator_id = ? AND c.author_id IS NOT NULL "
            "ORDER BY c.comment_id LIMIT 1",
            [cid],
        ).fetchone()
        (n_posts, n_comments) = ws.duck.execute(
            "SELECT n_posts, n_comments FROM creator_scores WHERE creator_id = ?", [cid]
        ).fetchone()
        f = tmp / "comments.csv"
        f.write_text(
            HEADER
            + f'{plat},{comment},{post},{author},{author},{created},"You are a fraud, these reviews are fake",40\n'
        )
        import_paths(ws, [f])
        # the edit leaves the counts as they were: what the status compared until now
        assert ws.duck.execute(
            "SELECT count(*) FROM comments c JOIN posts p USING (platform, post_id) WHERE p.creator_id = ?",
            [cid],
        ).fetchone() == (n_comments,)
        assert ws.duck.execute(
            "SELECT text, likes FROM comments WHERE platform = ? AND comment_id = ?", [plat, comment]
        ).fetchone() == ("You are a fraud, these reviews are fake", 40)
    finally:
        ws.close()
    return path, cid, n_posts


def test_status_says_an_edited_comment_changed_a_scored_creators_data(edited):
    from tests._score_fixtures import run_cli

    code, out, err = run_cli(str(edited[0]), "status")
    assert code == 0, out + err
    assert (
        "since then other data (likes, views, comment texts, profiles or linked spaces) of 1 scored creator changed "
        "— run `tribescope score`"
    ) in out, out


def test_the_creator_page_and_the_report_say_it_too(edited):
    from tribescope.report import render_report
    from tribescope.store import connect
    from tribescope.web import _data

    path, cid, _ = edited
    ws = connect(path, read_only=True)
    try:
        stale = _data.creator_detail(ws, "youtube", cid)["stale"]
        other = ws.duck.execute(
            "SELECT creator_id FROM creator_scores WHERE handle = 'devwitharjun'"
        ).fetchone()[0]
        untouched = _data.creator_detail(ws, "youtube", other)["stale"]
        page = render_report(ws, top=1, evidence=0)
    finally:
        ws.close()
    assert stale == (
        "the data changed since the score: likes, views, comment texts, profiles or linked spaces (the same posts, "
        "comments and followers) — run `tribescope score` to score it again"
    )
    assert untouched is None
    assert "Data of 1 scored creator changed since the last score" in page


def test_after_a_rescore_nothing_is_said_changed_and_a_second_deletes_no_row(edited, tmp_path):
    from tribescope.score import score_workspace
    from tribescope.store import connect
    from tribescope.web import _data

    path = tmp_path / "ws.duckdb"
    shutil.copy(edited[0], path)
    ws = connect(path)
    try:
        score_workspace(ws)
        assert _data.score_changes(ws).text() == ""
        assert _data.creator_detail(ws, "youtube", edited[1])["stale"] is None
    finally:
        ws.close()
    ws = connect(path)
    try:
        score_workspace(ws)  # nothing changed: the kept fingerprints are left as they are
        assert ws.rows_deleted == 0
        assert _data.score_changes(ws).text() == ""
    finally:
        ws.close()


def test_one_creators_fingerprint_is_the_one_of_every_creators_scan(edited):
    """The creator page reads one creator's rows alone (its posts, comments, their authors' and its own accounts rows,
    its linked spaces): the fingerprint is the one the score's scan of every creator gives."""
    from tribescope.score._cache import creator_fingerprints
    from tribescope.store import connect

    ws = connect(edited[0], read_only=True)
    try:
        every = creator_fingerprints(ws.duck)
        fps = dict(
            zip(
                zip(every["platform"].to_pylist(), every["creator_id"].to_pylist(), strict=True),
                every["fp"].to_pylist(),
                strict=True,
            )
        )
        linked = {
            tuple(r)
            for r in ws.duck.execute("SELECT creator_platform, creator_id FROM community_links").fetchall()
        }
        one = {k: creator_fingerprints(ws.duck, k)["fp"].to_pylist() for k in fps}
    finally:
        ws.close()
    assert len(fps) == 40 and linked & set(fps)  # creators with linked spaces among them
    assert {k: v for k, v in one.items() if v != [fps[k]]} == {}


def test_score_says_how_many_creators_it_recomputed(edited, tmp_path):
    """`tribescope score` said nothing of what its incremental run recomputed: after the edit, the one creator; then
    none; `--full` every creator (nothing to say)."""
    from tests._score_fixtures import run_cli

    path = tmp_path / "ws.duckdb"
    shutil.copy(edited[0], path)
    code, out, err = run_cli(str(path), "score", "--limit", "1")
    assert code == 0, out + err
    assert (
        "the metrics of 1 of 40 creators were recomputed (their data changed since the last score)" in out
    ), out
    code, out, err = run_cli(str(path), "score", "--limit", "1")
    assert code == 0, out + err
    assert "no creator's data changed since the last score: every creator's metrics were read" in out, out
    code, out, err = run_cli(str(path), "score", "--full", "--limit", "1")
    assert code == 0, out + err
    assert "recomputed" not in out and "no creator's data changed" not in out, out


def test_the_dashboards_rescore_says_how_many_creators_it_recomputed(edited, tmp_path):

    from fastapi.testclient import TestClient

    from tribescope.web import create_app

    path = tmp_path / "ws.duckdb"
    shutil.copy(edited[0], path)
    app = create_app(path, read_only=False)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as c:
            job = score_job(c)
            assert job["status"] == "done", job
            assert job["message"].startswith(
                "scored 40 creators; the metrics of 1 of 40 creators were recomputed (their data changed since the "
                "last score)"
            ), job
            stale = c.get(f"/api/creators/youtube/{edited[1]}").json()["stale"]
    finally:
        app.state.store.close()
    assert stale is None  # scored again: the creator page says nothing changed
