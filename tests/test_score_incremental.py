"""Incremental re-scoring (issue 8): after a new import only the creators whose inputs changed are recomputed, and
the result equals a score computed from scratch on the same data."""

from __future__ import annotations

import csv
import shutil

import pyarrow as pa
import pytest

from tribescope.ingest import import_paths
from tribescope.score import score_creators
from tribescope.score._cache import ScoreRun
from tribescope.score._enrich import ENRICHMENTS
from tribescope.store import connect

try:  # the tests folder may or may not be a package
    from ._score_fixtures import (
        assert_same_rows,
        bakery,
        imported_synth,
        row_groups,
        score_run,
        scratch_full_score,
    )
except ImportError:
    from _score_fixtures import (  # type: ignore[no-redef]
        assert_same_rows,
        bakery,
        imported_synth,
        row_groups,
        score_run,
        scratch_full_score,
    )

pytestmark = pytest.mark.slow


def _score(ws, *, full: bool = False) -> tuple[pa.Table, ScoreRun]:
    return score_run(ws, full=full)


def test_rescore_after_a_batch_recomputes_few_creators_and_equals_a_full_score(tmp_path):
    ws = imported_synth(tmp_path, 7)
    path = tmp_path / "ws.duckdb"
    first, run = _score(ws)
    n = first.num_rows
    assert run.recomputed["conversation"] == n and run.recomputed["authenticity"] == n

    again, run = _score(ws)  # nothing changed: nothing recomputed, same table
    assert set(run.recomputed.values()) == {0}
    assert_same_rows(first, again, "unchanged")

    # a batch: replies under two creators' posts (new commenters talking to each other), one deleted comment
    # under a third creator, and a changed profile of one commenter of a fourth
    posts = ws.duck.execute(
        "SELECT platform, post_id, creator_id FROM posts WHERE platform = 'youtube' ORDER BY creator_id, post_id"
    ).fetchall()
    by_creator: dict[str, list[str]] = {}
    for _, pid, cid in posts:
        by_creator.setdefault(cid, []).append(pid)
    creators = sorted(by_creator)
    assert len(creators) >= 4
    batch = tmp_path / "batch.csv"
    with open(batch, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "platform",
                "comment_id",
                "post_id",
                "author_id",
                "author_name",
                "parent_comment_id",
                "created_at",
                "text",
            ]
        )
        for i in range(60):
            pid = by_creator[creators[i % 2]][i % 3 % len(by_creator[creators[i % 2]])]
            parent = f"batch{i - 2}" if i >= 2 and i % 3 else ""
            w.writerow(
                [
                    "youtube",
                    f"batch{i}",
                    pid,
                    f"UCbatchfan{i % 7}",
                    f"batchfan{i % 7}",
                    parent,
                    f"2024-05-0{1 + i % 9}T10:00:00Z",
                    f"@batchfan{(i + 1) % 7} that recipe worked, thanks {i}",
                ]
            )
    import_paths(ws, [batch])
    (third,) = ws.duck.execute(
        "SELECT c.comment_id FROM comments c JOIN posts p USING (platform, post_id) "
        "WHERE p.platform = 'youtube' AND p.creator_id = ? ORDER BY c.comment_id LIMIT 1",
        [creators[2]],
    ).fetchone()
    ws.duck.execute("DELETE FROM comments WHERE platform = 'youtube' AND comment_id = ?", [third])
    (fan,) = ws.duck.execute(
        "SELECT c.author_id FROM comments c JOIN posts p USING (platform, post_id) JOIN accounts a "
        "ON a.platform = c.platform AND a.account_id = c.author_id "
        "WHERE p.platform = 'youtube' AND p.creator_id = ? ORDER BY c.author_id LIMIT 1",
        [creators[3]],
    ).fetchone()
    ws.duck.execute(
        "UPDATE accounts SET followers = 12, following = 7600, has_profile_pic = false, posts = 0 "
        "WHERE platform = 'youtube' AND account_id = ?",
        [fan],
    )

    inc, run = _score(ws)
    touched = run.recomputed["conversation"]
    assert 4 <= touched < n // 2, run.recomputed  # only the creators whose inputs changed (+ fan's others)
    assert run.recomputed["pods"] == 1  # cross-creator: found again
    ws.close()

    full, scratch, run = scratch_full_score(path, tmp_path / "scratch.duckdb")
    assert run.recomputed["conversation"] == n
    assert_same_rows(inc, full, "creator_scores")
    for name in ENRICHMENTS:
        assert_same_rows(_table(path, name), scratch.table(name).to_pyarrow(), name)
    assert inc.to_pylist() != first.to_pylist()  # the batch did change scores
    scratch.close()


def _table(path, name: str) -> pa.Table:
    ws = connect(path, read_only=True)
    try:
        return ws.table(name).to_pyarrow()
    finally:
        ws.close()


def test_fingerprints_started_ahead_are_those_the_run_would_compute(tmp_path):
    """``tribescope score`` starts the fingerprint scan on a cursor before its modules load; the run takes exactly the
    fingerprints it would compute itself, and there is nothing to start on a read-only workspace."""
    from pathlib import Path

    from tribescope.score._cache import creator_fingerprints, fingerprints_ahead

    path = tmp_path / "w.duckdb"
    ws = connect(path)
    import_paths(ws, [Path(__file__).parent / "fixtures" / "youtube"])
    ahead = fingerprints_ahead(ws)
    assert ahead is not None
    run = ScoreRun.open(ws, ahead=ahead)
    own = creator_fingerprints(ws.duck)
    assert own.num_rows == 2
    assert run.fingerprints.equals(own)
    ws.close()
    ro = connect(path, read_only=True)
    assert fingerprints_ahead(ro) is None
    ro.close()


def test_cli_score_checkpoints_without_vacuum_unless_it_deleted_rows(tmp_path):
    """`tribescope score` ends with a checkpoint. DuckDB's vacuums every table: it merges partial row groups, such as
    the ones a first import leaves, rewriting the rows after them on one thread (~0.6 s at synth m). A score that
    deleted no row (a first score) checkpoints without it and leaves every row group as written; a re-score that
    deleted rows (the features of an edited comment) vacuums, which merges them."""
    from typer.testing import CliRunner

    from tribescope.cli import app, state

    path = tmp_path / "ws.duckdb"
    ws = connect(path)
    bakery(ws)
    # two inserts checkpointed without vacuum, as a first import's merge groups: a partial row group in the middle
    ws.duck.execute("SET max_vacuum_tasks = 0")
    for lo, hi in ((0, 130_000), (130_000, 190_000)):
        ws.duck.execute(
            "INSERT INTO accounts (platform, account_id, username) "
            f"SELECT 'instagram', 'u' || i, 'u' || i FROM range({lo}, {hi}) t(i)"
        )
        ws.duck.execute("CHECKPOINT")
    ws.duck.execute("RESET max_vacuum_tasks")
    layout = row_groups(ws, "accounts")  # the bakery's 5 accounts, then 122,880 + 7,120 and 60,000
    assert layout == [5, 122_880, 7_120, 60_000], layout
    ws.close()

    def score() -> tuple[list[int], int]:
        res = CliRunner().invoke(app, ["--workspace", str(path), "score", "--no-sentiment"])
        assert res.exit_code == 0, res.output
        wal = path.with_name(path.name + ".wal")
        pending = wal.stat().st_size if wal.exists() else 0  # checkpointed by the command, not at close
        state.close_all()
        w = connect(path, read_only=True)
        try:
            return row_groups(w, "accounts"), pending
        finally:
            w.close()

    assert score() == (layout, 0)  # a first score deletes nothing: the row groups stay as written
    w = connect(path)
    w.duck.execute("UPDATE comments SET text = 'Which flour, and how much sugar?' WHERE comment_id = 'c9'")
    w.close()
    merged, pending = score()  # the edited comment's features row is deleted and written again
    assert pending == 0
    assert sum(merged) == sum(layout) and len(merged) < len(layout), merged


def test_the_python_api_scores_as_the_cli_does(tmp_path):
    """``score_creators`` alone reads the stored model tables and computes none, so on a workspace the CLI never scored
    29 of 40 synth creators scored differently from ``tribescope score``; ``score_workspace`` runs what the command
    runs (models, metric lane, score) and gives its scores, every column."""
    from typer.testing import CliRunner

    from tribescope.cli import app, state
    from tribescope.score import score_workspace

    ws = imported_synth(tmp_path, 5)
    ws.close()
    shutil.copy(tmp_path / "ws.duckdb", tmp_path / "api.duckdb")
    res = CliRunner().invoke(
        app, ["--workspace", str(tmp_path / "ws.duckdb"), "score", "--out", str(tmp_path / "s.parquet")]
    )
    state.close_all()
    assert res.exit_code == 0, res.output
    import pyarrow.parquet as pq

    cli = pq.read_table(tmp_path / "s.parquet")
    api_ws = connect(tmp_path / "api.duckdb")
    try:
        api = score_workspace(api_ws)
        models_off = score_creators(
            api_ws, write=False
        )  # the stored model tables are there now: the same again
    finally:
        api_ws.close()
    assert_same_rows(api, cli, "score_workspace vs tribescope score")
    assert_same_rows(models_off, cli, "score_creators after score_workspace")
    fresh = connect(tmp_path / "fresh.duckdb")
    try:
        import_paths(fresh, [tmp_path / "exports"])
        bare = score_creators(fresh, write=False)  # no model tables: other scores
    finally:
        fresh.close()
    assert not bare.select(["community_score"]).equals(cli.select(["community_score"]))


def test_an_edit_of_the_disclosure_lists_changes_every_stage_version(tmp_path):
    """The stage version hashes the ``sponsored`` package too: ``brand_deals`` reads its disclosure hashtags and
    promo-code patterns, so an edit there must recompute every creator (it left their stored rows as they were);
    an edit elsewhere in the tree (the web pages) changes nothing."""
    import shutil
    from pathlib import Path

    from tribescope.score._cache import code_version

    src = Path(code_version.__code__.co_filename).resolve().parents[1]
    root = tmp_path / "tribescope"
    for sub in ("metrics", "features", "graph", "authenticity", "niche", "sponsored", "score", "web"):
        shutil.copytree(src / sub, root / sub, ignore=shutil.ignore_patterns("__pycache__"))
    before = code_version(root)
    assert before == code_version()  # the copy hashes as the installed package does
    (root / "web" / "extra.py").write_text("X = 1\n")
    assert code_version(root) == before
    f = root / "sponsored" / "_disclosure.py"
    f.write_text(f.read_text().replace('"werbung",', '"werbung",\n        "reklamo",', 1))
    assert code_version(root) != before
