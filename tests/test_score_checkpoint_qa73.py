"""`tribescope score` on a disk that fills at its closing checkpoint: the scores are committed (in the workspace's
journal, ``NAME.wal``) but could not be written into the file. DuckDB's close said nothing and left the journal
beside the workspace; now a warning says so, what to keep and what happens next, and the scores are there."""

from __future__ import annotations

import os
import resource
import subprocess
import sys

from tribescope.store import connect


def test_a_full_disk_at_the_closing_checkpoint_is_said_and_the_scores_stay(tmp_path):
    env = {**os.environ, "COLUMNS": "200"}
    cli = [sys.executable, "-m", "tribescope"]
    data, path = tmp_path / "data", tmp_path / "ws.duckdb"
    subprocess.run(
        [*cli, "synth", "--scale", "xs", "--seed", "1", "--out", str(data)],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*cli, "--workspace", str(path), "import", str(data)], env=env, check=True, capture_output=True
    )
    assert not path.with_name("ws.duckdb.wal").exists()
    limit = (
        path.stat().st_size + 64 * 1024
    )  # the scores' tables are a few hundred KB, their journal under the limit

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = subprocess.run(
        [*cli, "--workspace", str(path), "score"], env=env, capture_output=True, text=True, preexec_fn=cap
    )
    assert out.returncode == 0, out.stderr  # the scores are committed: the command did its work
    wal = path.with_name("ws.duckdb.wal")
    assert wal.exists()
    assert "Traceback" not in out.stderr
    assert "warning: what the command stored is committed, in the workspace's journal" in out.stderr
    assert str(wal) in out.stderr and "File too large" in out.stderr
    # the next writer applies the journal: the scores are in the file and the journal is gone
    ws = connect(path)
    try:
        assert ws.duck.execute("SELECT count(*) FROM creator_scores").fetchone()[0] > 0
    finally:
        ws.close()
    assert not wal.exists()
