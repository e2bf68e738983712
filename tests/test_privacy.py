"""`forget` removes every trace of an account."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tribescope.cli import app
from tribescope.errors import TribescopeError
from tribescope.ingest import import_paths
from tribescope.store._privacy import PrivacyError, forget, load_key, pseudonym


def _seed(ws, tmp_path):
    (tmp_path / "posts.csv").write_text(
        "platform,post_id,creator_id,caption\ninstagram,p1,chef_ann,pasta night\n"
    )
    (tmp_path / "comments.csv").write_text(
        "platform,comment_id,post_id,author_id,author_name,parent_comment_id,text\n"
        "instagram,c1,p1,mallory,Mallory,,my secret is garlic\n"
        "instagram,c2,p1,bob,bob,c1,@mallory nice\n"
        "instagram,c3,p1,bob,bob,,yum\n"
    )
    (tmp_path / "bad.csv").write_text(
        "platform,account_id,username,followers\ninstagram,mallory,Mallory,lots\n"
    )
    import_paths(ws, [tmp_path / "posts.csv", tmp_path / "comments.csv"])
    import_paths(ws, [tmp_path / "bad.csv"], skip_bad=True)
    ws.write_table(
        "creator_pairs",
        ws.duck.execute(
            "SELECT 'instagram' AS platform, 'mallory' AS source_id, 'bob' AS target_id, 2 AS n"
        ).to_arrow_table(),
    )


def _everything(ws) -> str:
    parts = []
    for t in ws.list_tables():
        parts.append(str(ws.duck.execute(f'SELECT * FROM "{t}"').fetchall()).lower())
    return "\n".join(parts)


def test_forget_removes_every_row_mentioning_the_account(ws, tmp_path):
    _seed(ws, tmp_path)
    assert "mallory" in _everything(ws)
    rep = forget(ws, "@Mallory")
    assert rep.deleted["comments"] == 1 and rep.deleted["accounts"] == 1
    assert rep.deleted["creator_pairs"] == 1 and rep.deleted["rejects"] == 1
    left = _everything(ws)
    # bob's reply text still says "@mallory": free text written by someone else is theirs, so only
    # rows *about* mallory go; check no row is keyed by or authored by mallory.
    assert "'mallory'" not in left.replace("'@mallory nice'", "")
    assert ws.counts()["comments"] == 2


def test_forget_cli_and_reports(tmp_path):
    w = tmp_path / "w.duckdb"
    from tribescope.store import connect

    ws = connect(w)
    _seed(ws, tmp_path)
    ws.close()
    rep_dir = tmp_path / "reports"
    rep_dir.mkdir()
    (rep_dir / "report.html").write_text("<td>Mallory</td>")
    (rep_dir / "other.html").write_text("<td>bob</td>")
    r = CliRunner().invoke(app, ["--workspace", str(w), "forget", "mallory", "--reports", str(rep_dir)])
    assert r.exit_code == 0, r.output
    assert not (rep_dir / "report.html").exists() and (rep_dir / "other.html").exists()


def test_pseudonyms_are_keyed_and_stable(tmp_path):
    k1 = load_key(tmp_path / "k1")
    k2 = load_key(tmp_path / "k2")
    assert load_key(tmp_path / "k1") == k1
    assert pseudonym(k1, "instagram", "Bob") == pseudonym(k1, "instagram", "bob")
    assert pseudonym(k1, "instagram", "bob") != pseudonym(k2, "instagram", "bob")
    assert (tmp_path / "k1").stat().st_mode & 0o077 == 0


def test_pseudonymize_hides_followers_keeps_creators_and_structure(ws, tmp_path):
    (tmp_path / "posts.csv").write_text(
        "platform,post_id,creator_id,caption\ninstagram,p1,chef_ann,pasta night\n"
    )
    (tmp_path / "comments.csv").write_text(
        "platform,comment_id,post_id,author_id,author_name,parent_comment_id,text\n"
        "instagram,c1,p1,mallory,Mallory,,my secret is garlic\n"
        "instagram,c2,p1,bob,bob,c1,agreed\n"
        "instagram,c3,p1,chef_ann,chef_ann,c2,thanks both\n"
        "instagram,c4,p1,bob,bob,,yum\n"
    )
    opts = {"pseudonymize": True, "key_file": str(tmp_path / "key")}
    import_paths(ws, [tmp_path / "posts.csv", tmp_path / "comments.csv"], options=opts)
    rows = ws.duck.execute(
        "SELECT comment_id, author_id, author_name FROM comments ORDER BY comment_id"
    ).fetchall()
    assert rows[2][1] == "chef_ann"  # the creator keeps their handle
    assert (
        rows[0][1].startswith("p_") and rows[1][1] == rows[3][1] != rows[0][1]
    )  # same person, same pseudonym
    everything = str(ws.duck.execute("SELECT * FROM accounts").fetchall()) + str(rows)
    assert "mallory" not in everything.lower() and "'bob'" not in everything.lower()
    # a second import with the same key maps the same person to the same pseudonym
    (tmp_path / "more.csv").write_text(
        "platform,comment_id,post_id,author_id,author_name,text\ninstagram,c9,p1,bob,bob,again\n"
    )
    import_paths(ws, [tmp_path / "more.csv"], options=opts)
    c9 = ws.duck.execute("SELECT author_id FROM comments WHERE comment_id = 'c9'").fetchone()[0]
    assert c9 == rows[1][1]
    assert ws.counts()["accounts"] == 3


def _two_platforms(ws, tmp_path):
    """'ruby' on instagram (account + comment) and on discord (an account with a snowflake id)."""
    (tmp_path / "accounts.csv").write_text(
        "platform,account_id,username\ninstagram,ruby,ruby\ndiscord,188015892759156689,ruby\n"
    )
    (tmp_path / "comments.csv").write_text(
        "platform,comment_id,post_id,author_id,author_name,parent_comment_id,text\ninstagram,c1,p1,ruby,ruby,,hi\n"
    )
    import_paths(ws, [tmp_path / "accounts.csv", tmp_path / "comments.csv"])


def test_forget_with_platform_leaves_other_platforms_alone(ws, tmp_path):
    _two_platforms(ws, tmp_path)
    rep = forget(ws, "ruby", "discord")
    assert rep.deleted == {"accounts": 1}
    assert ws.duck.execute("SELECT platform, account_id FROM accounts").fetchall() == [("instagram", "ruby")]
    assert ws.counts()["comments"] == 1


def test_forget_unknown_platform_is_an_error_and_deletes_nothing(tmp_path):
    from tribescope.store import connect

    w = tmp_path / "w.duckdb"
    ws = connect(w)
    _two_platforms(ws, tmp_path)
    with pytest.raises(PrivacyError, match="myspace"):
        forget(ws, "ruby", "myspace")
    ws.close()
    r = CliRunner().invoke(app, ["--workspace", str(w), "forget", "ruby", "--platform", "myspace"])
    assert r.exit_code == 1 and "error:" in r.output and "unknown platform" in r.output
    ws = connect(w)
    assert ws.counts()["accounts"] == 2 and ws.counts()["comments"] == 1
    ws.close()


def test_forget_reports_match_whole_handles_only(ws, tmp_path):
    _seed(ws, tmp_path)
    reps = tmp_path / "reports"
    reps.mkdir()
    (reps / "words.html").write_text("<p>the best mallory-free report</p>")  # words, and "the" in "the best"
    (reps / "fan.csv").write_text("handle\nmallory_fan\nmallory.lee\nsmallory\n")  # other handles
    (reps / "about.csv").write_text("handle,score\n@Mallory,3\n")
    rep = forget(ws, "the", report_dirs=[reps])  # no account 'the': no report is about it
    assert rep.total == 0 and rep.files_removed == []
    rep = forget(ws, "mallory", report_dirs=[reps])
    assert rep.files_removed == [str(reps / "about.csv")]
    assert (reps / "words.html").exists() and (reps / "fan.csv").exists()


def test_forget_unknown_account_deletes_nothing_not_even_caches(tmp_path):
    from tribescope.store import connect

    w = tmp_path / "w.duckdb"
    ws = connect(w)
    _seed(ws, tmp_path)
    pods = "SELECT 'pod-1' AS pod_id, 'instagram' AS platform, ['bob', 'mallory'] AS accounts"
    ws.write_table("_score_cache_pods", ws.duck.execute(pods).to_arrow_table())
    assert forget(ws, "nobody").deleted == {}
    assert ws.has_table("_score_cache_pods")
    ws.close()
    r = CliRunner().invoke(app, ["--workspace", str(w), "forget", "nobody"])
    assert r.exit_code == 0 and "nothing found" in r.output and "forgot" not in r.output, r.output
    ws = connect(w)
    assert ws.has_table("_score_cache_pods")
    assert (
        forget(ws, "mallory").deleted["_score_cache_pods"] == 1
    )  # a real erasure still drops the member lists
    assert not ws.has_table("_score_cache_pods")
    ws.close()


@pytest.mark.parametrize("content", [b"", b"\n", b"short-key\n"])
def test_load_key_refuses_empty_or_short_keys(tmp_path, monkeypatch, content):
    key = tmp_path / "k"
    key.write_bytes(content)
    with pytest.raises(PrivacyError, match=str(key)):
        load_key(key)
    monkeypatch.setenv("TRIBESCOPE_PSEUDONYM_KEY", str(key))
    with pytest.raises(PrivacyError, match="at least 16 bytes"):
        load_key()


def test_pseudonymize_with_a_directory_or_empty_key_file_is_a_clear_error(tmp_path):
    (tmp_path / "comments.csv").write_text(
        "platform,comment_id,post_id,author_id,author_name,text\ninstagram,c1,p1,bob,bob,hi\n"
    )
    (tmp_path / "empty.key").write_bytes(b"")
    (tmp_path / "keys").mkdir()
    with pytest.raises(TribescopeError, match="directory"):
        load_key(tmp_path / "keys")
    for key in (tmp_path / "keys", tmp_path / "empty.key"):
        w = tmp_path / f"{key.name}.duckdb"
        args = [
            "--workspace",
            str(w),
            "import",
            str(tmp_path / "comments.csv"),
            "--pseudonymize",
            "--key-file",
            str(key),
        ]
        r = CliRunner().invoke(app, args)
        assert r.exit_code == 1 and "error:" in r.output and str(key) in r.output, r.output
        assert not isinstance(r.exception, IsADirectoryError)


def test_forget_takes_the_text_features_of_the_accounts_comments_with_them(ws, tmp_path):
    _seed(ws, tmp_path)
    # what `score` stores per comment: keyed by the comment alone, with nothing naming its author
    ws.write_table(
        "comment_features",
        ws.duck.execute(
            "SELECT 'instagram' AS platform, c AS comment_id, 0.9 AS spam_probability "
            "FROM (VALUES ('c1'), ('c2'), ('c3')) v(c)"
        ).to_arrow_table(),
    )
    rep = forget(ws, "mallory")
    assert rep.deleted["comment_features"] == 1  # c1, mallory's comment; bob's c2 and c3 stay
    left = ws.duck.execute("SELECT comment_id FROM comment_features ORDER BY 1").fetchall()
    assert left == [("c2",), ("c3",)]
    assert "_forget_comments" not in ws.list_tables()


def test_pseudonymized_accounts_keep_the_import_that_wrote_them(ws, tmp_path):
    """Pseudonymising moves each follower's account to its pseudonym; all moved accounts were stamped with the first
    moved row's import id, so an account said it came from a file that never named it."""
    (tmp_path / "a.csv").write_text("platform,account_id,username,followers\ninstagram,mallory,mallory,10\n")
    (tmp_path / "b.csv").write_text("platform,account_id,username,followers\ninstagram,bob,bob,20\n")
    opts = {"pseudonymize": True, "key_file": str(tmp_path / "key")}
    r = import_paths(ws, [tmp_path / "a.csv", tmp_path / "b.csv"], options=opts)
    by_file = {Path(f.path).name: f.import_id for f in r.files}
    got = dict(ws.duck.execute("SELECT followers, import_id FROM accounts").fetchall())
    assert got == {10: by_file["a.csv"], 20: by_file["b.csv"]}


def test_pseudonymize_blanks_rejected_records_when_no_account_needs_a_pseudonym(ws, tmp_path):
    """An import whose every record was rejected (no commenter to pseudonymise) returned before the raw rejects were
    blanked: ``rejects.raw`` kept the record whole, its author's handle and channel id with it."""
    (tmp_path / "bad.csv").write_text(
        "platform,account_id,username,followers\ninstagram,mallory,Mallory,lots\n"
    )
    opts = {"pseudonymize": True, "key_file": str(tmp_path / "key")}
    import_paths(ws, [tmp_path / "bad.csv"], skip_bad=True, options=opts)
    assert ws.duck.execute("SELECT count(*), count(raw) FROM rejects").fetchone() == (1, 0)
    assert ws.counts()["accounts"] == 0


def test_forget_takes_the_account_out_of_tags_mentions_and_the_sql_cache(ws, tmp_path, monkeypatch):
    """A forgotten commenter stayed in others' posts' `tagged_users` and `mentions` (structured handles, not free
    text), and in the compiled SQL kept outside the workspace (explain's evidence filters on commenter ids as
    literals). Both go now; the posts stay, with their other tags."""
    import os

    from tribescope.store._sqlcache import cache_dir

    _seed(ws, tmp_path)
    ws.duck.execute(
        "UPDATE posts SET tagged_users = ['mallory', 'acme'], mentions = ['Mallory', 'bob'] WHERE post_id = 'p1'"
    )
    folder = cache_dir()
    assert folder is not None and os.environ["TRIBESCOPE_CACHE_DIR"] in str(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "named.sql").write_text("SELECT * FROM t WHERE author_id = 'mallory' AND target_id = 'bob'")
    (folder / "other.sql").write_text("SELECT * FROM t WHERE author_id = 'malloryx'")
    rep = forget(ws, "mallory")
    assert rep.untagged == {"posts": 1} and rep.cache_files_removed == 1
    assert ws.duck.execute("SELECT tagged_users, mentions FROM posts WHERE post_id = 'p1'").fetchone() == (
        ["acme"],
        ["bob"],
    )
    assert not (folder / "named.sql").exists() and (folder / "other.sql").exists()
    assert "mallory'" not in _everything(ws)


def test_pseudonymize_covers_authors_without_an_id_and_tagged_accounts(ws, tmp_path):
    """A comment whose export gives no author id (YouTube without `authorChannelId`) kept its author's handle, beside
    the pseudonymised account of the same person; a commenter tagged on a post stayed in `tagged_users`. Both get
    the person's pseudonym now; the creator's own handle, and tags of accounts not pseudonymised (a brand), stay."""
    (tmp_path / "posts.csv").write_text(
        'platform,post_id,creator_id,caption,tagged_users\ninstagram,p1,chef_ann,pasta night,"mallory,acme"\n'
    )
    (tmp_path / "comments.csv").write_text(
        "platform,comment_id,post_id,author_id,author_name,parent_comment_id,text\n"
        "instagram,c1,p1,mallory,Mallory,,my secret is garlic\n"
        "instagram,c2,p1,,Mallory,,again me\n"
        "instagram,c3,p1,,chef_ann,,thanks\n"
    )
    opts = {"pseudonymize": True, "key_file": str(tmp_path / "key")}
    import_paths(ws, [tmp_path / "posts.csv", tmp_path / "comments.csv"], options=opts)
    names = dict(ws.duck.execute("SELECT comment_id, author_name FROM comments").fetchall())
    key = load_key(tmp_path / "key")
    assert names == {"c1": pseudonym(key, "instagram", "mallory"), "c2": names["c1"], "c3": "chef_ann"}
    tags = ws.duck.execute("SELECT tagged_users FROM posts").fetchone()[0]
    assert tags == [names["c1"], "acme"]
    assert "mallory" not in _everything(ws).replace("my secret", "")


def test_pseudonymize_takes_quoted_values_out_of_rejection_reasons(ws, tmp_path):
    """A reason quotes the value it refused: a handle in a shifted column ("found 'mallory.k'") stayed in
    ``rejects.reason`` after ``--pseudonymize`` blanked the raw record. The quoted value goes; the wording, the
    field and the location stay."""
    (tmp_path / "bad.csv").write_text(
        "platform,account_id,username,followers\ninstagram,u1,mallory.k,mallory.k\ninstagram,u2,bob,12\n"
    )
    opts = {"pseudonymize": True, "key_file": str(tmp_path / "key")}
    import_paths(ws, [tmp_path / "bad.csv"], skip_bad=True, options=opts)
    rows = ws.duck.execute("SELECT location, field, reason, raw FROM rejects").fetchall()
    assert len(rows) == 1
    location, field, reason, raw = rows[0]
    assert (location, field, raw) == ("line 2", "followers", None)
    assert "mallory" not in reason and reason.startswith("expected a") and reason.endswith("found …")


def test_forget_after_a_score_in_the_same_python_session(ws):
    """A score leaves Ibis' in-memory tables in the session (temporary views); ``forget`` went through every table the
    session lists and stopped on one of them ("Can only delete from base table"), so a data engineer's notebook that
    scored and then honoured an erasure request failed. It goes through the workspace's own tables."""
    import ibis

    try:
        from ._score_fixtures import bakery
    except ImportError:
        from _score_fixtures import bakery  # type: ignore[no-redef]

    bakery(ws)
    # what a score leaves behind: an in-memory table holding an account column, executed on the workspace
    ws.con.execute(
        ibis.memtable({"author_id": ["alice", "zed"], "platform": ["instagram", "instagram"]}).count()
    )
    assert any(
        t.startswith("ibis_pyarrow_memtable") or t.startswith("ibis_pandas_memtable")
        for t in ws.list_tables()
    )
    before = ws.duck.execute("SELECT count(*) FROM comments WHERE author_id = 'alice'").fetchone()[0]
    rep = forget(ws, "alice", "instagram")
    assert before > 0 and rep.deleted["comments"] == before
    assert ws.duck.execute("SELECT count(*) FROM comments WHERE author_id = 'alice'").fetchone()[0] == 0
