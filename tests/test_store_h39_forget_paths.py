"""`forget` leaves no trace of the account's handle in tribescope's own import log: file paths named after it
(an instaloader folder ``alice/``, an export ``Alice_comments.csv``) and import options (``link_creator``) say
``[forgotten]`` instead, while the log's content hashes and counts stay, so re-imports are still recognised."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from tribescope.cli import app
from tribescope.ingest import import_paths
from tribescope.store import connect
from tribescope.store._privacy import FORGOTTEN_PLACEHOLDER, forget

ACCOUNTS = "platform,account_id,username,followers\ninstagram,{0},{0},10\n"
COMMENTS = (
    "platform,comment_id,post_id,author_id,author_name,parent_comment_id,text\n"
    "instagram,c1,p1,alice,Alice,,hi there\n"
    "instagram,c2,p1,bob,bob,,yo\n"
)
#: a post by someone else, refused (likes is not a number): quarantined in `rejects` without naming alice
BAD_POST = "platform,post_id,creator_id,caption,likes\ninstagram,p9,carl,hello,lots\n"
#: alice as a whole token, any case (not inside "malice")
ALICE = re.compile(r"(?<![^\W_])alice(?![^\W_])", re.IGNORECASE)


def _exports(root, others=("bob", "malice")):
    (root / "ALICE").mkdir()  # instaloader names the folder after the profile
    (root / "ALICE" / "accounts.csv").write_text(ACCOUNTS.format("alice"))
    (root / "exports").mkdir()
    (root / "exports" / "Alice_comments.csv").write_text(COMMENTS)
    for other in others:
        (root / other).mkdir()
        (root / other / "accounts.csv").write_text(ACCOUNTS.format(other))
    (root / "bad").mkdir()
    (root / "bad" / "alice-posts.csv").write_text(BAD_POST)


def _import_all(ws, root, others=("bob", "malice")):
    import_paths(ws, [root / "ALICE", root / "exports", *(root / o for o in others)])
    import_paths(ws, [root / "bad"], skip_bad=True)
    import_paths(ws, [root / "bob"], options={"link_creator": "instagram:Alice"}, force=True)


def _log(ws) -> dict[str, tuple]:
    return {
        r[0]: r[1:]
        for r in ws.duck.execute(
            "SELECT import_id, path, options, format, sha256, bytes, records, rows FROM imports"
        ).fetchall()
    }


def test_forget_replaces_the_handle_in_the_import_logs_paths_and_options(ws, tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    _exports(root)
    _import_all(ws, root)
    before = _log(ws)
    rep = forget(ws, "alice", "instagram")
    assert rep.deleted == {"accounts": 1, "comments": 1}
    after = _log(ws)
    texts = [v for row in after.values() for v in row[:2]]
    texts += [p for (p,) in ws.duck.execute("SELECT path FROM rejects").fetchall()]
    assert [
        t for t in texts if ALICE.search(t)
    ] == []  # before: 5 values named alice (ALICE, Alice_…, alice-…)
    paths = sorted(p.removeprefix(str(root)) for p, *_ in after.values())
    assert paths == sorted(
        [
            f"/{FORGOTTEN_PLACEHOLDER}/accounts.csv",
            f"/exports/{FORGOTTEN_PLACEHOLDER}_comments.csv",
            "/bob/accounts.csv",
            "/bob/accounts.csv",
            "/malice/accounts.csv",  # another account's handle that merely contains the name: untouched
            f"/bad/{FORGOTTEN_PLACEHOLDER}-posts.csv",
        ]
    )
    linked = [o for _, o, *_ in after.values() if "link_creator" in o]
    assert linked == ['{"link_creator": "instagram:[forgotten]", "format": null, "skip_bad": false}']
    # the folder, the file-name token and the link_creator option: 4 imports rows, and the refused post's path
    assert rep.scrubbed == {"imports": 4, "rejects": 1}
    # content hash, format, size and counts kept, row by row
    assert {k: v[2:] for k, v in after.items()} == {k: v[2:] for k, v in before.items()}
    # the same files again: recognised as imported (by content), nothing read
    again = import_paths(ws, [root / "ALICE", root / "exports"])
    assert [bool(f.skipped) for f in again.files] == [True, True]
    assert again.records == 0


def test_forgetting_again_scrubs_a_log_an_older_forget_left(ws, tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    _exports(root)
    _import_all(ws, root)
    forget(ws, "alice")
    # what an older tribescope left: the deleted rows gone, the handle still in the log's paths
    ws.duck.execute("UPDATE imports SET path = replace(path, ?, 'ALICE')", [FORGOTTEN_PLACEHOLDER])
    rep = forget(ws, "Alice")
    assert rep.already_forgotten and rep.total == 0
    assert rep.scrubbed == {"imports": 1 + 1 + 1}  # the folder, the exports file and the refused posts file
    assert not any(ALICE.search(p) for (p,) in ws.duck.execute("SELECT path FROM imports").fetchall())


def test_cli_forget_says_the_log_was_scrubbed_and_the_file_holds_no_trace(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    _exports(root, others=("bob",))  # no other text containing the letters
    w = tmp_path / "w.duckdb"
    ws = connect(w)
    _import_all(ws, root, others=("bob",))
    ws.close()
    assert b"Alice_comments" in w.read_bytes()
    r = CliRunner().invoke(app, ["--workspace", str(w), "forget", "@alice"])
    assert r.exit_code == 0, r.output
    data = w.read_bytes().lower()
    # before: the rewritten file still held the paths and option naming her
    assert b"alice_comments" not in data and b"/alice/" not in data and b"instagram:alice" not in data
    assert "imports: 4 rows kept, the account's name replaced with [forgotten]" in r.output
    assert "rejects: 1 rows kept" in r.output


def test_an_import_after_forget_does_not_name_the_account_in_its_log(ws, tmp_path):
    """The erasure list holds digests only; an import after ``forget`` still writes no path or option naming the
    account (it named her in ``imports.path`` and ``rejects.path`` until the next ``forget``)."""
    root = tmp_path / "data"
    root.mkdir()
    _exports(root)
    _import_all(ws, root)
    forget(ws, "alice", "instagram")
    (root / "later" / "Alice.Smith").mkdir(parents=True)  # '.' parts tokens, as forget reads paths
    (root / "later" / "Alice.Smith" / "accounts.csv").write_text(ACCOUNTS.format("carol"))
    (root / "later" / "alice_v2").mkdir()
    (root / "later" / "alice_v2" / "accounts.csv").write_text(ACCOUNTS.format("dave"))
    import_paths(ws, [root / "later"])
    import_paths(ws, [root / "bad"], skip_bad=True, force=True)
    import_paths(ws, [root / "bob"], options={"link_creator": "instagram:ALICE"}, force=True)
    texts = [t for r in ws.duck.execute("SELECT path, options FROM imports").fetchall() for t in r if t]
    texts += [
        r[0] for r in ws.duck.execute("SELECT DISTINCT path FROM rejects WHERE path IS NOT NULL").fetchall()
    ]
    assert texts and not [t for t in texts if ALICE.search(t)]
    paths = {r[0] for r in ws.duck.execute("SELECT path FROM imports").fetchall()}
    assert any(p.endswith("[forgotten]_v2/accounts.csv") for p in paths)
    assert any(p.endswith("later/[forgotten].Smith/accounts.csv") for p in paths)
    # other accounts' files are logged as they are named
    assert any("/bob/accounts.csv" in p for p in paths)


ORDERS = (
    "Name,Financial Status,Currency,Subtotal,Total,Discount Code,Discount Amount,Created at,Id,Landing Site\n"
    "#1001,paid,USD,50.00,50.00,ALICE15,0.00,2026-04-05 10:00:00 +0000,1001,/\n"
)


def test_forget_replaces_the_handle_in_the_orders_source_files_before_and_after(ws, tmp_path):
    """``campaign_orders.source_file`` records the orders export an order came from: one named after the forgotten
    creator names them no more, whether it was imported before ``forget`` or after; another shop file stays."""
    from tribescope.campaigns import import_campaign

    root = tmp_path / "shop"
    root.mkdir()
    _exports(tmp_path)
    import_paths(ws, [tmp_path / "ALICE", tmp_path / "exports"])
    (root / "alice_orders.csv").write_text(ORDERS)
    (root / "orders_spring.csv").write_text(ORDERS.replace("#1001", "#1002").replace(",1001,", ",1002,"))
    import_campaign(ws, orders=root / "alice_orders.csv")
    import_campaign(ws, orders=root / "orders_spring.csv")
    rep = forget(ws, "alice", "instagram")  # orders name no platform: changed under --platform too
    assert rep.scrubbed["campaign_orders"] == 1
    (root / "Alice.orders.csv").write_text(ORDERS.replace("#1001", "#1003").replace(",1001,", ",1003,"))
    import_campaign(ws, orders=root / "Alice.orders.csv")
    got = dict(ws.duck.execute("SELECT order_name, source_file FROM campaign_orders").fetchall())
    assert got == {
        "#1001": str(root / f"{FORGOTTEN_PLACEHOLDER}_orders.csv"),
        "#1002": str(root / "orders_spring.csv"),
        "#1003": str(root / f"{FORGOTTEN_PLACEHOLDER}.orders.csv"),
    }
