"""The workspace's layout version: stamped in every DuckDB workspace opened for writing; an older (unstamped) one is
upgraded in place and stamped; one a newer tribescope wrote is refused, naming the file and both versions, before
anything is written — it used to be opened, its missing tables created and its columns read as this version's."""

from __future__ import annotations

import sys

import duckdb
import pytest

from tribescope import cli, schema
from tribescope.errors import WorkspaceError
from tribescope.store import connect


def _stamp(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'imports'").fetchone()[0]
    finally:
        con.close()


def _older(path):
    """A workspace as an older tribescope left it: no stamp, and a column it did not write yet."""
    connect(path).close()
    con = duckdb.connect(str(path))
    con.execute("COMMENT ON TABLE imports IS NULL")
    con.execute("ALTER TABLE accounts DROP COLUMN is_bot")
    con.execute("INSERT INTO accounts (platform, account_id, username) VALUES ('youtube', 'a1', 'alice')")
    con.close()


def test_an_older_workspace_is_upgraded_and_stamped(tmp_path):
    path = tmp_path / "ws.duckdb"
    _older(path)
    assert _stamp(path) is None
    ws = connect(path, read_only=True)  # a reader changes nothing
    ws.close()
    assert _stamp(path) is None
    ws = connect(path)
    try:
        cols = {r[0] for r in ws.duck.execute("DESCRIBE accounts").fetchall()}
        assert "is_bot" in cols
        assert ws.duck.execute("SELECT username FROM accounts").fetchall() == [("alice",)]
    finally:
        ws.close()
    assert schema.SCHEMA_VERSION == 1
    assert _stamp(path) == "tribescope workspace schema 1"


def test_a_new_workspace_is_stamped(tmp_path):
    path = tmp_path / "ws.duckdb"
    connect(path, create=True).close()
    assert _stamp(path) == f"tribescope workspace schema {schema.SCHEMA_VERSION}"


def _newer(path):
    connect(path).close()
    con = duckdb.connect(str(path))
    con.execute(f"COMMENT ON TABLE imports IS 'tribescope workspace schema {schema.SCHEMA_VERSION + 1}'")
    con.execute("DROP TABLE rejects")  # a table the newer layout does without
    con.close()


@pytest.mark.parametrize("read_only", [True, False], ids=["reader", "writer"])
def test_a_newer_workspace_is_refused_and_left_as_it_is(tmp_path, read_only):
    path = tmp_path / "ws.duckdb"
    _newer(path)
    with pytest.raises(WorkspaceError) as exc:
        connect(path, read_only=read_only)
    msg = str(exc.value)
    assert str(path) in msg
    assert f"schema version {schema.SCHEMA_VERSION + 1}" in msg
    assert f"reads versions up to {schema.SCHEMA_VERSION}" in msg
    assert "newer tribescope" in msg
    con = duckdb.connect(str(path), read_only=True)
    try:  # nothing written: the table it does without was not created again
        assert "rejects" not in {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    finally:
        con.close()
    assert _stamp(path) == f"tribescope workspace schema {schema.SCHEMA_VERSION + 1}"
    connect(path.with_name("other.duckdb"), create=True).close()  # the refused file's connection was closed


def test_the_command_line_says_it_without_a_traceback(tmp_path, monkeypatch, capsys):
    path = tmp_path / "ws.duckdb"
    _newer(path)
    monkeypatch.setattr(sys, "argv", ["tribescope", "--workspace", str(path), "status"])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    err = capsys.readouterr().err
    assert exc.value.code == 1
    assert "newer tribescope" in err and "Traceback" not in err
