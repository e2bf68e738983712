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


def _lock(path, on: bool) -> bool:
    """Make ``path`` unwritable (``on``) or writable again; whether it could be. ``root`` ignores permissions, so as
    root the immutable flag is used (``chattr``, when the file system has it)."""
    if os.geteuid() != 0:
        path.chmod(0o555 if on else 0o755) if path.is_dir() else path.chmod(0o444 if on else 0o644)
        return True
    import shutil

    if shutil.which("chattr") is None:
        return False
    r = subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True)
    return r.returncode == 0


def _unwritable(path):
    if not _lock(path, True) or os.access(path, os.W_OK):
        _lock(path, False)
        pytest.skip("cannot make a folder or file unwritable here")


@pytest.mark.parametrize("command", [["score"], ["forget", "user1"], ["import", "{second}"]])
def test_a_workspace_in_a_folder_that_cannot_be_written_is_refused_before_the_work(tmp_path, command):
    """A workspace whose folder does not let the user create files (a shared, read-only folder): DuckDB writes its
    journal beside the file at every commit, so `score`, `forget` and `import` did all their work and then failed
    with a traceback ("Failed to commit: Cannot open file …wal: Permission denied"). Now they are refused at once
    with a message that says why and what to do; the workspace is as it was, and `status` still reads it."""
    folder = tmp_path / "shared"
    folder.mkdir()
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    _comments_csv(first, 200, "a")
    _comments_csv(second, 200, "b")
    path = folder / "ws.duckdb"
    env = {**os.environ, "COLUMNS": "200"}
    base = [sys.executable, "-m", "tribescope", "--workspace", str(path)]
    subprocess.run([*base, "import", str(first)], env=env, capture_output=True, text=True, check=True)
    before = _counts(path)
    _unwritable(folder)
    try:
        args = [a.format(second=second) for a in command]
        out = subprocess.run([*base, *args], env=env, capture_output=True, text=True)
        status = subprocess.run([*base, "status"], env=env, capture_output=True, text=True)
    finally:
        _lock(folder, False)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith(
        f"error: workspace {path} cannot be written: its folder {folder} does not let this user create files"
    ), out.stderr
    assert not (folder / "ws.duckdb.wal").exists()
    assert status.returncode == 0 and "comments" in status.stdout
    assert _counts(path) == before


def test_a_read_only_workspace_file_is_refused_by_a_command_that_writes(tmp_path):
    path = tmp_path / "ws.duckdb"
    connect(path).close()
    _unwritable(path)
    try:
        out = subprocess.run(
            [sys.executable, "-m", "tribescope", "--workspace", str(path), "score"],
            capture_output=True,
            text=True,
        )
    finally:
        _lock(path, False)
    assert out.returncode == 1
    assert out.stderr.startswith(
        f"error: workspace {path} cannot be written: the file is read-only to this user"
    )
