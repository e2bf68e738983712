"""`forget` and `--pseudonymize` together: a forgotten account does not come back under its pseudonym, and an account
of a pseudonymised workspace can be forgotten by the id it was pseudonymised from."""

from __future__ import annotations

from typer.testing import CliRunner

from tribescope.cli import app
from tribescope.ingest import import_paths
from tribescope.store import connect
from tribescope.store._privacy import forget, load_key, pseudonym

POSTS = "platform,post_id,creator_id,caption\ninstagram,p1,chef_ann,pasta night\n"
COMMENTS = (
    "platform,comment_id,post_id,author_id,author_name,parent_comment_id,text\n"
    "instagram,c1,p1,mallory,mallory,,my secret is garlic\n"
    "instagram,c2,p1,bob,bob,c1,@mallory nice\n"
    "instagram,c3,p1,bob,bob,,yum\n"
    "instagram,c4,p1,mallory,mallory,,again\n"
)
ACCOUNTS = "platform,account_id,username,followers\ninstagram,mallory,mallory,120\ninstagram,bob,bob,80\n"


def _files(tmp_path):
    d = tmp_path / "export"
    d.mkdir()
    (d / "posts.csv").write_text(POSTS)
    (d / "comments.csv").write_text(COMMENTS)
    (d / "accounts.csv").write_text(ACCOUNTS)
    return d


def _count(ws, table: str, col: str, value: str) -> int:
    return ws.duck.execute(f"SELECT count(*) FROM {table} WHERE {col} = ?", [value]).fetchone()[0]


def test_a_pseudonymised_reimport_does_not_bring_a_forgotten_account_back(ws, tmp_path):
    d = _files(tmp_path)
    key_file = tmp_path / "pseudonym.key"
    import_paths(ws, [d])
    assert forget(ws, "mallory").deleted == {"comments": 2, "accounts": 1}
    key = load_key(key_file)
    p = pseudonym(key, "instagram", "mallory")
    rep = import_paths(ws, [d], force=True, options={"pseudonymize": True, "key_file": str(key_file)})
    # mallory's 2 comments and account came back as p_… rows before: now dropped, and counted as dropped
    assert _count(ws, "comments", "author_id", p) == 0
    assert _count(ws, "accounts", "account_id", p) == 0
    assert ws.counts()["comments"] == 2  # bob's two, pseudonymised
    assert sum(f.forgotten for f in rep.files) == 3
    assert (
        sum(f.rows.get("comments", 0) for f in rep.files) == 0
    )  # nothing of mallory written; bob's unchanged
    # and next week's pseudonymised export too
    (d / "comments.csv").write_text(COMMENTS + "instagram,c5,p1,mallory,mallory,,a new one\n")
    import_paths(ws, [d], force=True, options={"pseudonymize": True, "key_file": str(key_file)})
    assert _count(ws, "comments", "author_id", p) == 0


def test_an_account_of_a_pseudonymised_workspace_is_forgotten_by_its_id_with_the_key(tmp_path):
    d = _files(tmp_path)
    key_file = tmp_path / "pseudonym.key"
    w = tmp_path / "w.duckdb"
    ws = connect(w)
    import_paths(ws, [d], options={"pseudonymize": True, "key_file": str(key_file)})
    p = pseudonym(load_key(key_file), "instagram", "mallory")
    assert _count(ws, "comments", "author_id", p) == 2
    ws.close()
    runner = CliRunner()
    env = {"TRIBESCOPE_PSEUDONYM_KEY": str(tmp_path / "no-key-here")}
    r = runner.invoke(app, ["--workspace", str(w), "forget", "mallory"], env=env)
    assert r.exit_code == 0, r.output
    assert "nothing found" in r.output and "--key-file" in r.output
    r = runner.invoke(app, ["--workspace", str(w), "forget", "mallory", "--key-file", str(key_file)], env=env)
    assert r.exit_code == 0, r.output
    assert "comments: 2 rows deleted" in r.output and "accounts: 1 rows deleted" in r.output
    ws = connect(w)
    assert _count(ws, "comments", "author_id", p) == 0 and ws.counts()["comments"] == 2
    # stays forgotten: a plain re-import (real names) and a pseudonymised one both drop it
    import_paths(ws, [d], force=True)
    assert _count(ws, "comments", "author_id", "mallory") == 0
    import_paths(ws, [d], force=True, options={"pseudonymize": True, "key_file": str(key_file)})
    assert _count(ws, "comments", "author_id", p) == 0
    ws.close()
    # the default key (TRIBESCOPE_PSEUDONYM_KEY) is used without --key-file; a missing --key-file is an error
    r = runner.invoke(
        app, ["--workspace", str(w), "forget", "bob"], env={"TRIBESCOPE_PSEUDONYM_KEY": str(key_file)}
    )
    assert r.exit_code == 0 and "comments: 2 rows deleted" in r.output, r.output
    r = runner.invoke(
        app, ["--workspace", str(w), "forget", "x", "--key-file", str(tmp_path / "nope")], env=env
    )
    assert r.exit_code == 1 and "does not exist" in r.output
