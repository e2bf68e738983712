"""A forgotten account stays forgotten: later imports drop what they bring of it (the erasure list)."""

from __future__ import annotations

import hashlib
import json

from typer.testing import CliRunner

from tribescope.cli import app
from tribescope.ingest import import_paths
from tribescope.store._privacy import FORGOTTEN_TABLE, forget

POSTS = "platform,post_id,creator_id,caption\ninstagram,p1,chef_ann,pasta night\n"
COMMENTS = (
    "platform,comment_id,post_id,author_id,author_name,parent_comment_id,text\n"
    "instagram,c1,p1,mallory,Mallory,,my secret is garlic\n"
    "instagram,c2,p1,bob,bob,c1,@mallory nice\n"
    "instagram,c3,p1,bob,bob,,yum\n"
)
#: next week's export: mallory again (a new comment), and a new follower
LATER = (
    "platform,comment_id,post_id,author_id,author_name,parent_comment_id,text\n"
    "instagram,c4,p1,mallory,Mallory,,still here\n"
    "instagram,c5,p1,cleo,cleo,,lovely\n"
)
ACCOUNTS = (
    "platform,account_id,username,followers\n"
    "instagram,mallory,Mallory,120\n"
    "instagram,bob,bob,80\n"
    "tiktok,mallory,mallory,5000\n"
)


def _files(tmp_path):
    d = tmp_path / "export"
    d.mkdir()
    (d / "posts.csv").write_text(POSTS)
    (d / "comments.csv").write_text(COMMENTS)
    (d / "accounts.csv").write_text(ACCOUNTS)
    return d


def _rows(ws, table: str, where: str) -> int:
    return ws.duck.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]


def _tables(ws) -> dict[str, list]:
    return {
        t: sorted(map(repr, ws.duck.execute(f'SELECT * EXCLUDE (import_id) FROM "{t}"').fetchall()))
        for t in ("accounts", "posts", "comments")
    }


def test_a_forced_reimport_does_not_bring_a_forgotten_account_back(ws, tmp_path):
    d = _files(tmp_path)
    import_paths(ws, d)
    rep = forget(ws, "mallory", "instagram")
    assert rep.suppressed and rep.deleted["comments"] == 1
    after_forget = _tables(ws)
    again = import_paths(ws, d, force=True)
    assert _tables(ws) == after_forget  # the same data: nothing comes back, nothing else changes
    assert _rows(ws, "comments", "author_id = 'mallory'") == 0
    assert _rows(ws, "accounts", "platform = 'instagram' AND account_id = 'mallory'") == 0
    assert again.forgotten == 2  # her comment and her account, dropped
    rows = {f.path.rsplit("/", 1)[-1]: f.rows for f in again.files}
    assert rows["comments.csv"].get("comments", 0) == 0
    # the `imports` log counts what was written, not what was dropped
    logged = ws.duck.execute(
        "SELECT rows FROM imports WHERE path LIKE '%comments.csv' ORDER BY import_id"
    ).fetchall()
    assert [json.loads(r) for (r,) in logged] == [
        {"accounts": 0, "comments": 3},
        {"accounts": 0, "comments": 0},
    ]


def test_a_newer_export_is_imported_without_the_forgotten_account(ws, tmp_path):
    d = _files(tmp_path)
    import_paths(ws, d)
    forget(ws, "@Mallory", "instagram")
    later = tmp_path / "later.csv"
    later.write_text(LATER)
    rep = import_paths(ws, [later])
    assert rep.forgotten == 2  # her comment and the account stub the comment brings
    got = ws.duck.execute("SELECT comment_id FROM comments ORDER BY 1").fetchall()
    assert got == [("c2",), ("c3",), ("c5",)]  # cleo's comment is in; mallory's new one is not


def test_forgetting_on_one_platform_leaves_the_same_name_on_another(ws, tmp_path):
    d = _files(tmp_path)
    import_paths(ws, d)
    forget(ws, "mallory", "instagram")
    import_paths(ws, d, force=True)
    assert _rows(ws, "accounts", "platform = 'tiktok' AND account_id = 'mallory'") == 1
    # without --platform every platform's mallory goes, and stays gone
    forget(ws, "mallory")
    import_paths(ws, d, force=True)
    assert _rows(ws, "accounts", "account_id = 'mallory'") == 0


def test_the_erasure_list_keeps_digests_not_names(ws, tmp_path):
    import_paths(ws, _files(tmp_path))
    forget(ws, "mallory", "instagram")
    stored = ws.duck.execute(f'SELECT * FROM "{FORGOTTEN_TABLE}"').fetchall()
    assert "mallory" not in repr(stored).lower()
    assert {(p, h) for p, h, _ in stored} == {("instagram", hashlib.sha256(b"mallory").hexdigest())}


def test_an_account_that_matches_nothing_is_not_put_on_the_list(ws, tmp_path):
    """A typo must not block an account imported later."""
    d = _files(tmp_path)
    import_paths(ws, d)
    rep = forget(ws, "cleo")  # not imported yet
    assert not rep.suppressed and rep.deleted == {}
    later = tmp_path / "later.csv"
    later.write_text(LATER)
    forget(ws, "mallory")
    import_paths(ws, [later])
    assert _rows(ws, "comments", "author_id = 'cleo'") == 1


def test_quarantined_records_of_a_forgotten_account_are_not_kept(ws, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "platform,account_id,username,followers\ninstagram,mallory,Mallory,lots\ninstagram,bo,bo,x\n"
    )
    import_paths(ws, _files(tmp_path))
    import_paths(ws, [bad], skip_bad=True)
    forget(ws, "mallory", "instagram")
    assert _rows(ws, "rejects", "raw ILIKE '%mallory%'") == 0
    rep = import_paths(ws, [bad], skip_bad=True, force=True)
    assert _rows(ws, "rejects", "raw ILIKE '%mallory%'") == 0
    assert _rows(ws, "rejects", """raw LIKE '%"bo"%'""") >= 1  # another person's bad record is kept
    assert rep.rejected == 1 and rep.forgotten == 1


def test_the_import_command_says_what_it_dropped(tmp_path):
    w = tmp_path / "w.duckdb"
    d = _files(tmp_path)
    run = CliRunner()
    assert run.invoke(app, ["--workspace", str(w), "import", str(d)]).exit_code == 0
    r = run.invoke(app, ["--workspace", str(w), "forget", "mallory"])
    assert r.exit_code == 0 and "later imports drop what they bring of 'mallory'" in r.output, r.output
    r = run.invoke(app, ["--workspace", str(w), "import", str(d), "--force"])
    assert r.exit_code == 0, r.output
    assert "3 rows of accounts erased with `tribescope forget` were dropped" in r.output
