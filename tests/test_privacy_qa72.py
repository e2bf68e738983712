"""A forgotten account stays forgotten in others' posts too: a later import does not write it back into their lists of
tagged and @-mentioned handles."""

from __future__ import annotations

from tribescope.ingest import import_paths
from tribescope.store._privacy import forget

POSTS = (
    "platform,post_id,creator_id,caption,tagged_users,mentions\n"
    'instagram,p1,chef_ann,pasta night with @mallory and @bob,"mallory,acme","mallory,bob"\n'
)
COMMENTS = (
    "platform,comment_id,post_id,author_id,author_name,parent_comment_id,text\n"
    "instagram,c1,p1,mallory,Mallory,,my secret is garlic\n"
    "instagram,c2,p1,bob,bob,c1,agreed\n"
)


def _posts(ws):
    return ws.duck.execute(
        "SELECT post_id, tagged_users, mentions, import_id FROM posts ORDER BY post_id"
    ).fetchall()


def test_a_re_import_after_forget_leaves_the_account_out_of_tags_and_mentions(ws, tmp_path):
    """`forget` took the account out of the post's `tagged_users` and `mentions`, but `import --force` of the same
    export wrote it back (and counted the post as written): the erasure list dropped the rows whose account columns
    named the person, not the handles in others' lists. Now the re-import leaves the post as `forget` left it, its
    import id included, and writes nothing."""
    (tmp_path / "posts.csv").write_text(POSTS)
    (tmp_path / "comments.csv").write_text(COMMENTS)
    import_paths(ws, [tmp_path / "posts.csv", tmp_path / "comments.csv"])
    assert _posts(ws)[0][1:3] == (["mallory", "acme"], ["mallory", "bob"])
    rep = forget(ws, "mallory")
    assert rep.untagged == {"posts": 1}
    after_forget = _posts(ws)
    assert after_forget[0][1:3] == (["acme"], ["bob"])

    again = import_paths(ws, [tmp_path / "posts.csv", tmp_path / "comments.csv"], force=True)
    assert _posts(ws) == after_forget
    assert {f.path.rsplit("/", 1)[-1]: f.rows.get("posts", 0) for f in again.files}["posts.csv"] == 0
    assert "mallory" not in str(ws.duck.execute("SELECT * FROM posts").fetchall()).lower().replace(
        "@mallory", ""
    )


def test_a_new_post_tagging_a_forgotten_account_is_imported_without_it(ws, tmp_path):
    """Next week's export, a new post tagging the forgotten account: the post is imported (it is the creator's),
    its tag and mention of the account are not; a tag of the same handle on another platform (another person)
    stays."""
    (tmp_path / "posts.csv").write_text(POSTS)
    (tmp_path / "comments.csv").write_text(COMMENTS)
    import_paths(ws, [tmp_path / "posts.csv", tmp_path / "comments.csv"])
    forget(ws, "mallory", "instagram")
    (tmp_path / "new.csv").write_text(
        "platform,post_id,creator_id,caption,tagged_users,mentions\n"
        'instagram,p2,chef_ann,again @Mallory,"Mallory,acme",Mallory\n'
        "tiktok,t1,chef_ann,hi @mallory,mallory,mallory\n"
    )
    rep = import_paths(ws, [tmp_path / "new.csv"])
    assert rep.files[0].rows["posts"] == 2
    rows = ws.duck.execute("SELECT post_id, tagged_users, mentions FROM posts ORDER BY post_id").fetchall()
    assert rows == [
        ("p1", ["acme"], ["bob"]),
        ("p2", ["acme"], []),
        ("t1", ["mallory"], ["mallory"]),
    ]


def test_a_forced_re_import_with_pseudonyms_writes_no_accounts(ws, tmp_path):
    """A forced re-import of the same export with ``--pseudonymize`` left every row as it was, but the profiles file
    said it wrote all its commenters' accounts ("accounts 2" here, for the comments' author stubs and again for the
    profiles; 1,938 for synth xs's YouTube threads), in the report and in the ``imports`` log: the accounts are merged
    under their real ids (new keys), then moved to their pseudonyms. Now a file's account written under a real id
    whose pseudonym's row the import left as it was is not counted, for every file that wrote it."""
    (tmp_path / "posts.csv").write_text(
        "platform,post_id,creator_id,caption\ninstagram,p1,chef_ann,pasta night\n"
    )
    (tmp_path / "accounts.csv").write_text(
        "platform,account_id,username,followers\n"
        "instagram,chef_ann,chef_ann,5000\ninstagram,mallory,mallory,120\ninstagram,bob,bob,80\n"
    )
    (tmp_path / "comments.csv").write_text(COMMENTS)
    files = [tmp_path / "posts.csv", tmp_path / "comments.csv", tmp_path / "accounts.csv"]
    opts = {"pseudonymize": True, "key_file": str(tmp_path / "key")}
    first = import_paths(ws, files, options=opts)
    assert {f.path.rsplit("/", 1)[-1]: f.rows.get("accounts", 0) for f in first.files}["accounts.csv"] == 3
    before = ws.duck.execute("SELECT * FROM accounts ORDER BY account_id").fetchall()
    assert sum(1 for r in before if str(r[1]).startswith("p_")) == 2

    again = import_paths(ws, files, force=True, options=opts)
    assert ws.duck.execute("SELECT * FROM accounts ORDER BY account_id").fetchall() == before
    assert {f.path.rsplit("/", 1)[-1]: f.rows.get("accounts", 0) for f in again.files} == {
        "posts.csv": 0,
        "comments.csv": 0,
        "accounts.csv": 0,
    }
    ids = [f.import_id for f in again.files]
    logged = ws.duck.execute(
        f"SELECT rows FROM imports WHERE import_id IN ({', '.join('?' * len(ids))})", ids
    ).fetchall()
    assert sorted(r[0] for r in logged) == [
        '{"accounts": 0, "comments": 0}',
        '{"accounts": 0}',
        '{"posts": 0}',
    ]
