"""`tribescope forget` leaves no byte of the forgotten rows in the workspace file (DuckDB keeps deleted rows' bytes in
its blocks until the file is rewritten), and the rewritten workspace holds exactly the live rows and table
definitions."""

from __future__ import annotations

import os

import duckdb
from typer.testing import CliRunner

from tribescope.cli import app
from tribescope.ingest import import_paths
from tribescope.store import connect

SECRET = "my secret garlic trick zq7x"  # only in mallory's comment
COMMENTS = (
    "platform,comment_id,post_id,author_id,author_name,parent_comment_id,text\n"
    f"instagram,c1,p1,mallory,mallory,,{SECRET}\n"
    + "".join(
        f"instagram,c{i},p1,fan{i % 7},fan{i % 7},,comment number {i} about pasta\n" for i in range(2, 400)
    )
)


def _workspace(tmp_path):
    d = tmp_path / "export"
    d.mkdir()
    (d / "posts.csv").write_text("platform,post_id,creator_id,caption\ninstagram,p1,chef_ann,pasta night\n")
    (d / "comments.csv").write_text(COMMENTS)
    w = tmp_path / "w.duckdb"
    ws = connect(w)
    import_paths(ws, [d])
    ws.duck.execute("CHECKPOINT")
    ws.close()
    return w


def _snapshot(w) -> dict[str, tuple[str, list]]:
    con = duckdb.connect(str(w), read_only=True)
    try:
        out = {}
        for name, sql in con.execute("SELECT table_name, sql FROM duckdb_tables() ORDER BY 1").fetchall():
            out[name] = (sql, sorted(map(repr, con.execute(f'SELECT * FROM "{name}"').fetchall())))
        return out
    finally:
        con.close()


def test_forget_wipes_the_forgotten_rows_bytes_from_the_file(tmp_path):
    w = _workspace(tmp_path)
    os.chmod(w, 0o640)
    assert SECRET.encode() in w.read_bytes()
    r = CliRunner().invoke(app, ["--workspace", str(w), "forget", "mallory"])
    assert r.exit_code == 0, r.output
    assert "comments: 1 rows deleted" in r.output
    data = w.read_bytes()
    assert SECRET.encode() not in data  # before: still in the file after the DELETE and the CHECKPOINT
    assert not (tmp_path / ".w.duckdb.purge").exists()
    assert os.stat(w).st_mode & 0o777 == 0o640
    # the workspace is the same but for mallory's rows: every table, its definition (keys) and its rows
    snap = _snapshot(w)
    assert snap["comments"][1] and all("mallory" not in r for r in snap["comments"][1])
    assert len(snap["comments"][1]) == 398
    assert "PRIMARY KEY" in snap["forgotten_accounts"][0]
    ws = connect(w)  # and it opens and takes writes as before
    assert ws.counts()["comments"] == 398
    ws.close()


def test_the_rewritten_file_holds_every_table_as_it_was(tmp_path):
    w = _workspace(tmp_path)
    ws = connect(w)
    ws.duck.execute("DELETE FROM comments WHERE author_id = 'mallory'")  # what forget deletes, by hand
    ws.duck.execute("DELETE FROM accounts WHERE account_id = 'mallory'")
    ws.close()
    want = _snapshot(w)
    r = CliRunner().invoke(app, ["--workspace", str(w), "forget", "fan3"])
    assert r.exit_code == 0, r.output
    got = _snapshot(w)
    want = {
        t: (sql, [row for row in rows if "'fan3'" not in row]) for t, (sql, rows) in want.items()
    }  # fan3's rows go
    got.pop("forgotten_accounts")
    assert got == want


def test_forgetting_an_account_forgotten_before_rewrites_the_file_again(tmp_path):
    w = _workspace(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["--workspace", str(w), "forget", "mallory"]).exit_code == 0
    r = runner.invoke(app, ["--workspace", str(w), "forget", "@Mallory"])
    assert r.exit_code == 0, r.output
    assert "forgotten before" in r.output and "rewritten" in r.output
    r = runner.invoke(app, ["--workspace", str(w), "forget", "nobody"])
    assert "nothing found" in r.output and "--key-file" not in r.output  # no pseudonyms here: no hint


def test_a_rewrite_that_fails_leaves_the_workspace_with_the_rows_deleted(tmp_path, monkeypatch):
    import tribescope.store._privacy as privacy

    w = _workspace(tmp_path)
    (tmp_path / ".w.duckdb.purge.wal").write_bytes(b"left by a killed rewrite")

    def replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(privacy.os, "replace", replace)
    r = CliRunner().invoke(app, ["--workspace", str(w), "forget", "mallory"])
    assert r.exit_code == 1
    assert "the rows were deleted" in r.output and "No space left on device" in r.output
    assert "run `tribescope forget` again" in " ".join(r.output.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export", "w.duckdb"]  # no partial copy left
    ws = connect(w)
    assert ws.counts()["comments"] == 398  # deleted and committed; the file is whole
    ws.close()
    monkeypatch.undo()
    r = CliRunner().invoke(app, ["--workspace", str(w), "forget", "mallory"])  # again: the file is rewritten
    assert r.exit_code == 0 and "forgotten before" in r.output, r.output
    assert SECRET.encode() not in w.read_bytes()


def test_a_workspace_reached_through_a_symlink_is_rewritten_where_its_bytes_are(tmp_path):
    w = _workspace(tmp_path)
    link = tmp_path / "link.duckdb"
    link.symlink_to(w)
    r = CliRunner().invoke(app, ["--workspace", str(link), "forget", "mallory"])
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and SECRET.encode() not in w.read_bytes()
