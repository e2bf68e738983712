"""The command line when the work is stopped from outside: Ctrl-C while the engine runs a statement, and a disk (or a
file-size limit) that runs out while the workspace is written. Each is a message and an exit status, never a
traceback, and the workspace is left as it was."""

from __future__ import annotations

import os
import resource
import subprocess
import sys

import duckdb
import pytest

from tribescope import cli
from tribescope.store import connect
from tribescope.store._workspace import Workspace

COMMENTS = 20_000


def _comments_csv(path, n=COMMENTS, prefix="c"):
    with open(path, "w") as f:
        f.write("platform,comment_id,post_id,author_id,author_name,created_at,text,likes\n")
        for i in range(n):
            f.write(
                f"youtube,{prefix}{i},p{i % 50},a{i % 900},user{i % 900},2024-01-01T00:00:{i % 60:02d}Z,"
                f"comment number {i} about the video {i * 7919 % 100003} and more words,{i % 13}\n"
            )


def _counts(path):
    ws = connect(path, read_only=True)
    try:
        return ws.counts()
    finally:
        ws.close()


def _run_main(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["tribescope", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    return exc.value.code, capsys.readouterr().err


def _udf_interrupted(self):
    """A statement stopped by Ctrl-C inside a Python function it calls, as a text model's UDF is: DuckDB hands it
    back as its own error whose text names the KeyboardInterrupt."""
    con = duckdb.connect()

    def stop(x: int) -> int:
        raise KeyboardInterrupt

    con.create_function("stop", stop, ["BIGINT"], "BIGINT")
    con.execute("SELECT stop(1)").fetchall()


def _query_interrupted(self):
    """A statement stopped by Ctrl-C while the engine runs: DuckDB's "Query interrupted" raised from it."""
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as exc:
        raise RuntimeError("Query interrupted") from exc


@pytest.mark.parametrize("stop", [_udf_interrupted, _query_interrupted], ids=["udf", "statement"])
def test_ctrl_c_while_the_engine_runs_a_statement_is_exit_130_and_a_message(
    tmp_path, monkeypatch, capsys, stop
):
    """Click turns a KeyboardInterrupt into exit 130, but Ctrl-C while DuckDB ran a statement came out as DuckDB's own
    error: a 60-line traceback ending in "RuntimeError: Query interrupted" (or "InvalidInputException: … UDF:
    KeyboardInterrupt" from a text model) and exit status 1, as if the command had a bug."""
    path = tmp_path / "ws.duckdb"
    connect(path).close()
    monkeypatch.setattr(Workspace, "counts", stop)
    code, err = _run_main(monkeypatch, capsys, "--workspace", str(path), "status")
    assert code == cli.INTERRUPTED == 130
    assert err.startswith("error: interrupted (Ctrl-C)")
    assert "Traceback" not in err


def test_ctrl_c_in_python_code_says_so_too(tmp_path, monkeypatch, capsys):
    """A KeyboardInterrupt outside the engine: Click's exit 130, which said nothing at all."""
    path = tmp_path / "ws.duckdb"
    connect(path).close()

    def stop(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(Workspace, "counts", stop)
    code, err = _run_main(monkeypatch, capsys, "--workspace", str(path), "status")
    assert code == 130
    assert err.startswith("error: interrupted (Ctrl-C)")


def test_another_engine_error_is_still_a_traceback(tmp_path, monkeypatch, capsys):
    """Only the interrupt and the full disk are the user's to act on; any other engine error is a bug to report."""
    path = tmp_path / "ws.duckdb"
    connect(path).close()

    def broken(self):
        raise duckdb.BinderException("Binder Error: no such column")

    monkeypatch.setattr(Workspace, "counts", broken)
    monkeypatch.setattr(sys, "argv", ["tribescope", "--workspace", str(path), "status"])
    with pytest.raises(duckdb.BinderException):
        cli.main()


def test_an_import_that_fills_the_disk_is_a_message_and_changes_nothing(tmp_path):
    """A file-size limit (``ulimit -f``; a full disk is the same write error, "No space left on device") reached while
    an import commits: DuckDB's "FATAL Error: Failed to create checkpoint … File too large" came out as a traceback
    that said nothing of the workspace. Now one line says what happened and what to do, and the workspace holds what
    it held."""
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    _comments_csv(first, 2_000, "a")
    _comments_csv(second, COMMENTS, "b")
    path = tmp_path / "ws.duckdb"
    env = {**os.environ, "COLUMNS": "200"}
    cmd = [sys.executable, "-m", "tribescope", "--workspace", str(path), "import"]
    subprocess.run([*cmd, str(first)], env=env, capture_output=True, text=True, check=True)
    before = _counts(path)
    assert before["comments"] == 2_000
    limit = path.stat().st_size + 256 * 1024  # the second file's rows are several MB

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = subprocess.run([*cmd, str(second)], env=env, capture_output=True, text=True, preexec_fn=cap)
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert (
        "error: the workspace could not be written, the disk is full or a file-size limit was reached"
        in out.stderr
    )
    assert "File too large" in out.stderr
    assert _counts(path) == before
