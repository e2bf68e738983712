"""`forget` removes every trace of an account."""

from __future__ import annotations

from typer.testing import CliRunner

from tribescope.cli import app
from tribescope.ingest import import_paths
from tribescope.store._privacy import forget, load_key, pseudonym


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
