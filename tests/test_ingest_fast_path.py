"""The engine fast path produces exactly the rows of the record-by-record path."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tribescope.errors import ImportFailed
from tribescope.ingest import import_paths
from tribescope.ingest import youtube as yt_mod
from tribescope.ingest._readers import Probe, Source
from tribescope.ingest.tiktok import _COMMENT_FIELDS as _TT_FIELDS
from tribescope.store import connect

COLS = {
    "comments": "platform, comment_id, post_id, author_id, author_name, parent_comment_id, created_at, text, likes, reply_count",
    "accounts": "platform, account_id, username, full_name, followers",
}


def _dump(ws):
    return {t: ws.duck.execute(f"SELECT {c} FROM {t} ORDER BY ALL").fetchall() for t, c in COLS.items()}


def _stored_order(ws, table, key):
    """``table``'s ``key`` column in stored order: a first import writes the rows in file order."""
    return [r[0] for r in ws.duck.execute(f"SELECT {key} FROM {table} ORDER BY rowid").fetchall()]


def _thread(i, with_replies=True):
    top = {
        "kind": "youtube#comment",
        "id": f"T{i}",
        "snippet": {
            "channelId": "UCowner",
            "videoId": f"v{i % 3}",
            "textDisplay": "<b>hi</b>",
            "textOriginal": f"hi {i} 👋",
            "authorDisplayName": f"@fan{i % 4}",
            "authorChannelId": {"value": f"UCfan{i % 4}"},
            "likeCount": i,
            "publishedAt": f"2024-05-0{1 + i % 9}T10:00:00+02:00",
        },
    }
    replies = [
        {
            "kind": "youtube#comment",
            "id": f"T{i}.r{j}",
            "snippet": {
                "channelId": "UCowner",
                "videoId": f"v{i % 3}",
                "textOriginal": f"reply {j}",
                "parentId": f"T{i}",
                "authorDisplayName": "@Owner" if j == 0 else f"@fan{(i + j) % 5}",
                "authorChannelId": {"value": "UCowner" if j == 0 else f"UCfan{(i + j) % 5}"},
                "likeCount": 0,
                "publishedAt": "2024-05-10T11:00:00Z",
            },
        }
        for j in range(i % 3)
    ]
    item = {
        "kind": "youtube#commentThread",
        "id": f"T{i}",
        "snippet": {
            "channelId": "UCowner",
            "videoId": f"v{i % 3}",
            "topLevelComment": top,
            "totalReplyCount": len(replies),
            "canReply": True,
            "isPublic": True,
        },
    }
    if with_replies and replies:
        item["replies"] = {"comments": replies}
    return item


#: ``textDisplay`` as the API writes it (HTML), each becoming a comment's text where ``textOriginal`` is missing
DISPLAYS = [
    "<b>hi</b>",
    "so <i>true</i> &amp; kind",
    "line one<br>line two<BR/>three<br />four",
    'see <a href="https://www.youtube.com/watch?v=x&amp;t=42">0:42</a> &lt;3 it&#39;s &quot;great&quot; &#x1F600;',
    "no markup at all, just text",
    "a &notanentity; and a lone & and a < b > c",
    "",
]


@pytest.mark.parametrize(
    "variant",
    [
        "clean",
        "bare_replies",
        "html_only_text",
        "html_only_reply",
        "no_text_at_all",
        "empty_original",
        "no_zone",
    ],
)
def test_fast_and_python_paths_agree(tmp_path, monkeypatch, variant):
    """Both paths give the same rows; every variant but a timestamp without a zone (which the plan leaves to the
    Python path) runs in the engine — comments without ``textOriginal`` too, their HTML made plain text by the
    Python path's own function."""
    pages = []
    for p in range(4):
        items = [_thread(p * 10 + i) for i in range(10)]
        # the API gives no textOriginal to a caller who may not see it
        if variant == "html_only_text" and p == 2:
            for k, display in enumerate(DISPLAYS):
                sn = items[k]["snippet"]["topLevelComment"]["snippet"]
                del sn["textOriginal"]
                sn["textDisplay"] = display
        if variant == "html_only_reply" and p == 3:  # a reply's HTML becomes its text
            reply = items[2]["replies"]["comments"][1]["snippet"]
            del reply["textOriginal"]
            reply["textDisplay"] = "so <i>true</i> &amp; kind"
        if variant == "empty_original" and p == 0:  # an empty textOriginal is the text, not the display's
            items[1]["snippet"]["topLevelComment"]["snippet"]["textOriginal"] = ""
        if variant == "no_zone" and p == 1:
            items[0]["snippet"]["topLevelComment"]["snippet"]["publishedAt"] = "2024-05-01T10:00:00"
        if variant == "no_text_at_all" and p == 1:  # neither text: NULL on both paths, the plan still applies
            del items[2]["snippet"]["topLevelComment"]["snippet"]["textOriginal"]
            del items[2]["snippet"]["topLevelComment"]["snippet"]["textDisplay"]
            items[4]["replies"]["comments"][0]["snippet"].pop("textOriginal")
        if (
            variant == "bare_replies" and p == 1
        ):  # replies without parentId / videoId: the thread's are theirs
            for it in items:
                for r in it.get("replies", {}).get("comments", []):
                    del r["snippet"]["parentId"], r["snippet"]["videoId"]
        pages.append(
            {"kind": "youtube#commentThreadListResponse", "pageInfo": {"totalResults": 10}, "items": items}
        )
    f = tmp_path / "commentThreads.jsonl"
    f.write_text("\n".join(json.dumps(p) for p in pages) + "\n")
    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)
    fast, slow, r_fast, r_slow, used = _import_both(tmp_path, monkeypatch, f)
    try:
        # the plan ran (an SQL error would fall back silently)
        assert used == (variant != "no_zone")
        assert _dump(fast) == _dump(slow)
        # each thread's comment, then its replies, as the pages list them (the plan writes them in that order)
        assert _stored_order(fast, "comments", "comment_id") == _stored_order(slow, "comments", "comment_id")
        assert _stored_order(fast, "accounts", "account_id") == _stored_order(slow, "accounts", "account_id")
        assert r_fast.files[0].records == r_slow.files[0].records == 40
        assert r_fast.rows() == r_slow.rows()
        owner = fast.duck.execute("SELECT username FROM accounts WHERE account_id = 'UCowner'").fetchone()
        assert owner == (None,)
    finally:
        fast.close()
        slow.close()


# ---------------------------------------------------------------------------- Kim et al. comments JSONL
KIM_COLS = {
    "comments": COLS["comments"],
    "accounts": "platform, account_id, username, full_name, followers, is_verified",
}


def _kim_line(i):
    """Duplicated comment ids, a commenter whose verified flag flips, mixed-case handles, empty/absent names."""
    users = ["Fan0", "fan0", "Fan1", "", None, "Creator_X"]
    u = users[i % len(users)]
    rec = {
        "comment_id": f"c{i % 37}",
        "post_id": str(1000 + i % 5),
        "parent_comment_id": None if i % 3 else f"c{i - 1}",
        "owner_id": str(i),
        "owner_username": u,
        "owner_is_verified": (i % 7 == 0) if i % 11 else None,
        "created_at": 1480153474 + i if i % 13 else None,
        "text": f"nice 😍 {i} @someone #tag",
        "like_count": i % 4,
        "did_report_as_spam": False,
    }
    if i % 2:
        rec["thread_reply_count"] = i % 3
    if u is None and i % 4:
        del rec["owner_username"]
    return rec


def _fast_then_slow(tmp_path, monkeypatch, path):
    """``path`` imported into two new workspaces: with the import's shortcuts, then record by record only."""
    fast = connect(tmp_path / "fast.duckdb")
    r_fast = import_paths(fast, [path])
    monkeypatch.setenv("TRIBESCOPE_NO_FAST_PATH", "1")
    slow = connect(tmp_path / "slow.duckdb")
    r_slow = import_paths(slow, [path])
    return fast, r_fast, slow, r_slow


def _plan_results(monkeypatch):
    """The list each fast plan's result is appended to as the import runs it (``None``: the plan declined)."""
    from tribescope.ingest import _fast

    used = []
    real = _fast.run_plan
    monkeypatch.setattr(_fast, "run_plan", lambda *a: used.append(real(*a)) or used[-1])
    return used


def _import_both(tmp_path, monkeypatch, f, skip_bad=False):
    """Import ``f`` with the engine fast path and without; report whether the fast plan ran."""
    results = _plan_results(monkeypatch)
    fast = connect(tmp_path / "fast.duckdb")
    r_fast = import_paths(fast, [f], skip_bad=skip_bad)
    monkeypatch.setenv("TRIBESCOPE_NO_FAST_PATH", "1")
    slow = connect(tmp_path / "slow.duckdb")
    r_slow = import_paths(slow, [f], skip_bad=skip_bad)
    return fast, slow, r_fast, r_slow, any(r is not None for r in results)


def _kim_dump(ws):
    return {t: ws.duck.execute(f"SELECT {c} FROM {t} ORDER BY ALL").fetchall() for t, c in KIM_COLS.items()}


@pytest.mark.parametrize(
    "variant",
    [
        "clean",
        "gzip",
        "zstd",  # the engine is not given it (a dump's long window fails there): the Python path reads it
        "iso_timestamp",
        "verified_text",
        "likes_text",
        "int_comment_id",
        "non_ascii_name",
        "post_row",
        "hidden_likes",  # -1, a scraper's hidden count: the Python path reads it as unknown, the plan leaves it to it
    ],
)
def test_kim_comments_fast_and_python_paths_agree(tmp_path, monkeypatch, variant):
    import gzip

    from tribescope.ingest import instagram as ig_mod

    recs = [_kim_line(i) for i in range(120)]
    odd = {
        "iso_timestamp": ("created_at", "2016-11-26T10:00:00+01:00"),
        "verified_text": ("owner_is_verified", "true"),
        "likes_text": ("like_count", "12"),
        "int_comment_id": ("comment_id", 987654321),
        "non_ascii_name": ("owner_username", "İstanbulFan"),
        "hidden_likes": ("like_count", -1),
    }
    if variant in odd:
        k, v = odd[variant]
        recs[50][k] = v
    if variant == "post_row":  # no comment_id: the Python path maps it as a post
        del recs[50]["comment_id"]
    body = ("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n").encode()
    f = tmp_path / {"gzip": "comments.jsonl.gz", "zstd": "comments.jsonl.zst"}.get(variant, "comments.jsonl")
    f.write_bytes(
        gzip.compress(body) if variant == "gzip" else _compress(variant, body) if variant == "zstd" else body
    )
    monkeypatch.setattr(ig_mod, "FAST_MIN_BYTES", 0)
    fast, slow, r_fast, r_slow, used = _import_both(tmp_path, monkeypatch, f)
    try:
        assert used == (variant in ("clean", "gzip", "int_comment_id"))
        assert r_fast.files[0].format == r_slow.files[0].format == "instagram-kim"
        assert _kim_dump(fast) == _kim_dump(slow)
        assert r_fast.files[0].records == r_slow.files[0].records == 120
        assert r_fast.rows() == r_slow.rows()
        assert fast.duck.execute("SELECT count(*) FROM posts").fetchone() == (int(variant == "post_row"),)
        # stubs keep the first occurrence of each (handle, flag): fan0's last *new* stub is
        # (fan0, None) at line 56 and its last flag True (line 43) — not line 116's (fan0, False)
        assert fast.duck.execute(
            "SELECT account_id, username, is_verified FROM accounts ORDER BY 1"
        ).fetchall() == [
            ("creator_x", "Creator_X", True),
            ("fan0", "fan0", True),
            ("fan1", "Fan1", True),
        ] or variant in ("non_ascii_name", "post_row")
        assert fast.duck.execute("SELECT count(*) FROM comments").fetchone() == (
            37 if variant != "int_comment_id" else 38,
        )
    finally:
        fast.close()
        slow.close()


# ---------------------------------------------------------------------------- Instagram web GraphQL
TABLES = ("accounts", "posts", "comments")


def _except_all(a, b):
    """Rows (all columns but import_id) of each canonical table in one workspace and not the other,
    as a multiset, both ways — ``EXCEPT ALL`` in the engine."""
    out = {}
    for t in TABLES:
        other = b.duck.execute(f"SELECT * EXCLUDE (import_id) FROM {t}").fetch_arrow_table()
        a.duck.register("__other", other)
        try:
            mine = f"SELECT * EXCLUDE (import_id) FROM {t}"
            out[t] = (
                a.duck.execute(f"{mine} EXCEPT ALL SELECT * FROM __other").fetchall(),
                a.duck.execute(f"SELECT * FROM __other EXCEPT ALL {mine}").fetchall(),
            )
        finally:
            a.duck.unregister("__other")
    return out


def _web_media(i, *, wrapper=True):
    """A shortcode_media with comments, replies, a creator reply, unicode and missing fields."""
    creator = "Creator.One" if i % 2 else "creator_two"
    comments = []
    for j in range(4):
        c = {
            "id": f"c{i}_{j}" if j != 3 else "c_dup",  # c_dup recurs in every media: the newest wins
            "text": f"wow 😍 #Täg{j} @Friend" if j % 2 else None,
            "created_at": 1700000000 + i * 10 + j,
            "owner": {
                "id": "1",
                "is_verified": bool(j % 2) if j != 2 else None,
                "username": ["Fan_A", "fan_a", "", creator][j],
            },
            "edge_liked_by": {"count": j},
            "edge_threaded_comments": {
                "count": j % 3,
                "edges": [
                    {
                        "node": {
                            "id": f"r{i}_{j}_{k}",
                            "text": "réponse",
                            "created_at": 1700000500 + k,
                            "owner": {"username": "Fan_B" if k else creator, "is_verified": k == 1},
                            "edge_liked_by": {"count": 0},
                        }
                    }
                    for k in range(j % 3)
                ],
            },
        }
        if j == 1:
            del c["edge_liked_by"]
        comments.append({"node": c})
    m = {
        "__typename": ["GraphImage", "GraphVideo", "GraphSidecar", "XDTGraphImage"][i % 4],
        "id": str(7000 + i % 5) if i != 3 else 7003,  # ids repeat across lines (a re-export)
        "shortcode": f"SC{i}" if i % 3 else "",
        "edge_media_to_caption": {"edges": [{"node": {"text": f"Post {i} #Fête #fete @Brand.Co ünïcode"}}]}
        if i % 4
        else {"edges": []},
        "taken_at_timestamp": 1690000000 + i if i % 5 else None,
        "edge_media_preview_like": {"count": 100 + i} if i % 2 else None,
        "edge_liked_by": {"count": 5},
        "owner": {
            "id": "9",
            "username": creator,
            "full_name": "Créator" if i % 3 else None,
            "is_verified": True,
            "edge_followed_by": {"count": 1000 + i},
            "edge_owner_to_timeline_media": {"count": 10},
        },
        "is_paid_partnership": None if i % 2 else False,
        "edge_media_to_sponsor_user": {"edges": [{"node": {"sponsor": {"username": "Brand.Co"}}}]}
        if i % 3 == 1
        else {"edges": []},
        "edge_media_to_tagged_user": {
            "edges": [{"node": {"user": {"username": "Tagged_1"}}}, {"node": {"user": {"username": ""}}}]
        },
        "video_view_count": 50 if i % 4 == 1 else None,
    }
    conn = {"count": 4 + i, "page_info": {"has_next_page": False}, "edges": comments}
    if i == 5:
        m["edge_media_to_comment"] = conn  # the older key, without the parent-comment key
    else:
        m["edge_media_to_parent_comment"] = conn
    return {"graphql": {"shortcode_media": m}} if wrapper else m


def _web_file(tmp_path, name, lines, variant="clean"):
    docs = [_web_media(i) for i in lines]
    m = docs[-1]["graphql"]["shortcode_media"]
    conn = m.get("edge_media_to_parent_comment") or m["edge_media_to_comment"]
    if variant == "text_number":  # the Python path rejects a number as comment text
        conn["edges"][0]["node"]["text"] = 12
    elif variant == "non_ascii_handle":
        conn["edges"][0]["node"]["owner"]["username"] = "Zoë"
    elif variant == "millis":
        m["taken_at_timestamp"] = 1690000000000
    elif variant == "null_parent_key":  # parent key present but null: the Python path reads no comments
        m["edge_media_to_comment"] = m.pop("edge_media_to_parent_comment")
        m["edge_media_to_parent_comment"] = None
    elif variant == "count_text":
        m["edge_media_preview_like"] = {"count": "1,234"}
    elif variant == "bare_media":  # no graphql wrapper on one line
        docs[-1] = m
    elif variant == "no_media_id":  # the Python path rejects a media without an id
        del m["id"]
    elif variant == "no_owner_username":
        del m["owner"]["username"]
    elif variant.startswith("null_parent_key_"):  # the explicit null written as the file's text can only tell
        m["edge_media_to_comment"] = m.pop("edge_media_to_parent_comment")
        m["edge_media_to_parent_comment"] = None
    elif (
        variant == "key_text_in_comment"
    ):  # the key and a null in a comment's text: not a null key, no fallback
        conn["edges"][0]["node"]["text"] = 'see "edge_media_to_parent_comment": null'
    elif variant.startswith("replies_"):  # a comment with that many replies (the plan numbers at most 9,999)
        n = int(variant.split("_")[1])
        reply = {"text": "same", "created_at": 1700000600, "owner": {"username": "fan_c"}}
        conn["edges"][0]["node"]["edge_threaded_comments"] = {
            "count": n,
            "edges": [{"node": {**reply, "id": f"many_{k}"}} for k in range(n)],
        }
    lines = [json.dumps(d, ensure_ascii=False) for d in docs]
    key = '"edge_media_to_parent_comment": null'
    if variant == "null_parent_key_tab":
        lines[-1] = lines[-1].replace(key, '"edge_media_to_parent_comment"\t:\tnull')
    elif variant == "null_parent_key_escaped":
        lines[-1] = lines[-1].replace(key, '"edge_media_to_parent_\\u0063omment": null')
    assert variant != "null_parent_key_escaped" or "\\u0063omment" in lines[-1]
    f = tmp_path / name
    f.write_text("\n".join(lines) + "\n")
    return f


@pytest.mark.parametrize(
    "variant",
    [
        "clean",
        "text_number",
        "non_ascii_handle",
        "millis",
        "null_parent_key",
        "count_text",
        "bare_media",
        "no_media_id",
        "no_owner_username",
        "null_parent_key_tab",
        "null_parent_key_escaped",
        "key_text_in_comment",
        "replies_9999",
        "replies_10000",
    ],
)
def test_web_graphql_fast_and_python_paths_agree(tmp_path, monkeypatch, variant):
    from tribescope.ingest import instagram as ig_mod

    f = _web_file(tmp_path, "media.jsonl", range(12), variant)
    monkeypatch.setattr(ig_mod, "FAST_MIN_BYTES", 0)
    fast, slow, r_fast, r_slow, used = _import_both(tmp_path, monkeypatch, f, skip_bad=True)
    try:
        # a comment with 10,000 replies or more is left to the Python path (``MAX_REPLIES``), one fewer is not
        assert used == (variant in ("clean", "key_text_in_comment", "replies_9999"))
        assert r_fast.files[0].format == r_slow.files[0].format == "instagram-graphql"
        assert _except_all(fast, slow) == {t: ([], []) for t in TABLES}
        # each media's comments, each followed by its replies, in file order (account stubs seen twice are merged,
        # and a merged row is stored anew: their order is the merge's)
        assert _stored_order(fast, "comments", "comment_id") == _stored_order(slow, "comments", "comment_id")
        assert r_fast.files[0].records == r_slow.files[0].records == 12
        assert r_fast.rows() == r_slow.rows()
        rejected = variant in ("text_number", "no_media_id", "no_owner_username")
        assert r_fast.rejected == r_slow.rejected == int(rejected)
        if variant == "clean":
            post = fast.duck.execute(
                "SELECT hashtags, mentions, sponsor, is_paid_partnership, tagged_users FROM posts WHERE post_id = '7001'"
            ).fetchone()
            assert post[1] == ["brand.co"] and post[2] == "brand.co" and post[4] == ["tagged_1"]
            assert "fête" in post[0]
            # the creator's own comments and replies give no commenter stub; fan_a's last stub wins
            assert (
                fast.duck.execute(
                    "SELECT count(*) FROM comments WHERE parent_comment_id IS NOT NULL"
                ).fetchone()[0]
                > 0
            )
    finally:
        fast.close()
        slow.close()


def test_web_graphql_fast_path_validation_error_names_the_field(tmp_path, monkeypatch):
    from tribescope.errors import ImportFailed
    from tribescope.ingest import instagram as ig_mod

    f = _web_file(tmp_path, "media.jsonl", range(6), "text_number")
    monkeypatch.setattr(ig_mod, "FAST_MIN_BYTES", 0)
    ws = connect(tmp_path / "ws.duckdb")
    try:
        with pytest.raises(ImportFailed) as exc:
            import_paths(ws, [f])
        msg = str(exc.value)
        assert "media.jsonl, line 6" in msg and "edge_media_to_comment.edges[0].node.text" in msg
    finally:
        ws.close()


def test_duplicates_across_files_grouped_merge_equals_file_by_file(tmp_path, monkeypatch):
    """Two overlapping exports in one command: the grouped merge gives what merging file by file gives,
    including each row's import_id and the rows each file wrote."""
    from tribescope.ingest import _run
    from tribescope.ingest import instagram as ig_mod

    monkeypatch.setattr(ig_mod, "FAST_MIN_BYTES", 0)
    d = tmp_path / "exports"
    d.mkdir()
    _web_file(d, "a.jsonl", range(0, 8))
    _web_file(d, "b.jsonl", range(4, 12))
    grouped = connect(tmp_path / "g.duckdb")
    r_g = import_paths(grouped, [d])
    monkeypatch.setattr(_run, "GROUP_ROWS", 0)  # merge after every file: the fold itself
    monkeypatch.setenv("TRIBESCOPE_NO_FAST_PATH", "1")
    single = connect(tmp_path / "s.duckdb")
    r_s = import_paths(single, [d])
    try:
        assert _except_all(grouped, single) == {t: ([], []) for t in TABLES}
        assert [f.rows for f in r_g.files] == [f.rows for f in r_s.files]
        q = "SELECT t.comment_id, i.path FROM comments t JOIN imports i USING (import_id) ORDER BY 1"
        assert grouped.duck.execute(q).fetchall() == single.duck.execute(q).fetchall()
    finally:
        grouped.close()
        single.close()


def test_failed_import_interrupts_the_prefetched_plan_and_leaves_nothing(tmp_path, monkeypatch):
    """The next fast-path file is mapped on a background thread while earlier files are read; when an earlier
    file fails, that plan is interrupted, its thread ends, nothing is written, and the workspace imports again."""
    import dataclasses
    import threading

    from tribescope.errors import ImportFailed
    from tribescope.ingest import _fast

    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)
    d = tmp_path / "exports"
    d.mkdir()
    page = {"kind": "youtube#commentThreadListResponse", "items": [_thread(i) for i in range(10)]}
    (d / "a.jsonl").write_text(
        json.dumps(page) + "\n{not json\n"
    )  # engine cannot read it → Python path fails
    (d / "b.jsonl").write_text(json.dumps(page) + "\n")
    calls = []
    real, real_close = _fast.run_plan, _fast.Prefetcher.close
    closing = threading.Event()

    def slow_plan(plan, import_id, con):
        if "b.jsonl" in plan.setup[0]:
            # still running when a.jsonl fails: b's plan starts once the failing import stops the prefetcher (an
            # event, not a sleep: under load the Python path can take longer than any fixed wait to fail), with a
            # statement of many seconds first, so that the prefetcher's interrupts find it running
            assert closing.wait(60)
            plan = dataclasses.replace(plan, setup=["SELECT sum(range) FROM range(20000000000)", *plan.setup])
        res = real(plan, import_id, con)
        calls.append((threading.current_thread().name, res is not None))
        return res

    def close(self):
        closing.set()
        real_close(self)

    monkeypatch.setattr(_fast, "run_plan", slow_plan)
    monkeypatch.setattr(_fast.Prefetcher, "close", close)
    ws = connect(tmp_path / "ws.duckdb")
    try:
        with pytest.raises(ImportFailed) as err:
            import_paths(ws, [d])
        assert "a.jsonl, line 2: not valid JSON" in str(err.value)
        # both plans ran on the prefetch thread; b's was interrupted (no rows), a's fell back to Python
        assert [name.startswith("tribescope-fast") for name, _ in calls] == [True, True]
        assert [ok for _, ok in calls] == [False, False]
        assert not [t for t in threading.enumerate() if t.name.startswith("tribescope-fast")]
        assert ws.counts().get("comments", 0) == 0 and ws.counts().get("imports", 0) == 0
        (d / "a.jsonl").unlink()
        monkeypatch.setattr(_fast, "run_plan", real)
        monkeypatch.setattr(_fast.Prefetcher, "close", real_close)
        r = import_paths(ws, [d])
        assert r.files[0].records == 10 and ws.counts()["comments"] == 10 + sum(i % 3 for i in range(10))
    finally:
        ws.close()


@pytest.mark.parametrize("fails", [False, True])
def test_automatic_checkpoints_are_put_off_while_plans_run_and_the_setting_put_back(
    tmp_path, monkeypatch, fails
):
    """While the fast plans run, the instance's ``checkpoint_threshold`` is out of reach (their autocommits would
    checkpoint the plans' in-memory databases, rewriting the rows the merge reads once); after the import, failed or
    not, it is the value it had, so the import's commit checkpoints as before."""
    from tribescope.ingest import _fast

    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)
    d = tmp_path / "exports"
    d.mkdir()
    page = {"kind": "youtube#commentThreadListResponse", "items": [_thread(i) for i in range(10)]}
    (d / "b.jsonl").write_text(json.dumps(page) + "\n")
    if fails:  # a later file the Python path rejects: the import fails after the plan ran
        (d / "c.json").write_text('{"kind": "youtube#commentThreadListResponse", "items": [{"id": 1}]}')
    seen = []
    real = _fast.run_plan

    def watched(plan, import_id, con):
        seen.append(con.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0])
        return real(plan, import_id, con)

    monkeypatch.setattr(_fast, "run_plan", watched)
    ws = connect(tmp_path / "ws.duckdb")
    try:
        ws.duck.execute("SET checkpoint_threshold = '32MB'")
        before = ws.duck.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0]
        if fails:
            with pytest.raises(ImportFailed):
                import_paths(ws, [d])
        else:
            assert import_paths(ws, [d]).files[0].records == 10
        assert seen and all(s.endswith("TiB") for s in seen), seen
        assert (
            ws.duck.execute("SELECT current_setting('checkpoint_threshold')").fetchone()[0]
            == before
            == "30.5 MiB"
        )
        assert ws.counts().get("comments", 0) == (0 if fails else 10 + sum(i % 3 for i in range(10)))
    finally:
        ws.close()


def test_prefetcher_maps_the_next_plan_without_waiting_for_its_turn(monkeypatch):
    """The prefetcher's thread starts the next plan as soon as one is done (up to ``PLANS_AHEAD`` started and not
    taken), not when the import takes the first; a queued plan that has not started is dropped by ``close``."""
    import threading

    import duckdb

    from tribescope.ingest import _fast

    class Result:
        def __init__(self, plan):
            self.plan, self.closed = plan, False

        def close(self):
            self.closed = True

    started: list[int] = []
    gate = {2: threading.Event(), 5: threading.Event()}  # these plans block until released
    began = {k: threading.Event() for k in range(7)}

    def fake_run(plan, import_id, con):
        started.append(plan)
        began[plan].set()
        if plan in gate:
            assert gate[plan].wait(30)
        return Result(plan)

    monkeypatch.setattr(_fast, "run_plan", fake_run)
    assert _fast.PLANS_AHEAD == 2
    duck = duckdb.connect()
    pf = _fast.Prefetcher(duck, {0: (0, "i0"), 1: (1, "i1"), 2: (2, "i2"), 3: (3, "i3")})
    try:
        assert began[1].wait(30)  # plan 1 ran before plan 0 was taken
        assert started == [0, 1]  # two started and not taken: plan 2 waits for a take
        assert pf.take(0).plan == 0  # frees a slot: plan 2 starts (and blocks)
        assert pf.take(1).plan == 1  # plan 3 is queued behind plan 2 on the one thread
        assert began[2].wait(30) and started == [0, 1, 2]
        gate[2].set()
        assert pf.take(2).plan == 2 and pf.take(3).plan == 3
        assert started == [0, 1, 2, 3]
        # close: plan 6, queued behind the running plan 5, is cancelled and never runs; 5 is waited for and closed
        pf.add(5, 5, "i5")
        pf.add(6, 6, "i6")
        assert began[5].wait(30)
        threading.Timer(0.3, gate[5].set).start()
        pf.close()
        assert started == [0, 1, 2, 3, 5]
    finally:
        gate[5].set()
        pf.close()
        duck.close()


def test_prefetcher_starts_the_largest_later_plan_and_maps_a_smaller_earlier_one_in_its_turn(monkeypatch):
    """With the files' sizes, the plan started after the first is the largest of those after it (file 2), not the
    next in file order; file 1, whose turn comes before it, is not queued behind it on the thread but mapped by
    ``take`` on the calling thread; file 3, after file 2, is started in turn as slots free up."""
    import threading

    import duckdb

    from tribescope.ingest import _fast

    where: dict[int, str] = {}
    started: list[int] = []

    def fake_run(plan, import_id, con):
        started.append(plan)
        where[plan] = threading.current_thread().name
        return plan

    monkeypatch.setattr(_fast, "run_plan", fake_run)
    duck = duckdb.connect()
    plans = {k: (k, f"i{k}") for k in range(4)}
    pf = _fast.Prefetcher(duck, plans, [1_700, 120, 4_400, 10])
    try:
        assert _until_ready(pf, 0) and _until_ready(pf, 2)
        assert started == [0, 2]  # file 1 skipped for the larger file 2; file 3 waits for a free slot
        assert pf.take(0) == 0
        assert _until_ready(pf, 3) and started == [
            0,
            2,
            3,
        ]  # the slot file 0 freed goes to file 3, after file 2
        assert pf.take(1) == 1 and where[1] == threading.current_thread().name  # in its turn, here
        assert pf.take(2) == 2 and pf.take(3) == 3
        assert {where[k] for k in (0, 2, 3)} == {"tribescope-fast_0"}
    finally:
        pf.close()
        duck.close()
    # without sizes: file order, as before
    started.clear()
    duck = duckdb.connect()
    pf = _fast.Prefetcher(duck, dict(plans))
    try:
        assert [pf.take(k) for k in range(4)] == [0, 1, 2, 3] and started == [0, 1, 2, 3]
        assert {where[k] for k in range(4)} == {"tribescope-fast_0"}
    finally:
        pf.close()
        duck.close()


def _until_ready(pf, position, timeout=30.0):
    """Whether ``pf``'s plan for ``position`` is done within ``timeout`` seconds (polled)."""
    deadline = time.monotonic() + timeout
    while not pf.ready(position) and time.monotonic() < deadline:
        time.sleep(0.01)
    return pf.ready(position)


def test_prefetcher_tells_whether_a_plan_is_done(monkeypatch):
    """``ready`` is true once a started plan is done (``take`` would not wait), false while it runs, and false
    for a position it has not started."""
    import threading

    import duckdb

    from tribescope.ingest import _fast

    gate, began = threading.Event(), threading.Event()

    def fake_run(plan, import_id, con):
        began.set()
        assert gate.wait(30)
        return None

    monkeypatch.setattr(_fast, "run_plan", fake_run)
    duck = duckdb.connect()
    pf = _fast.Prefetcher(duck, {3: ("plan", "i3")})
    try:
        assert began.wait(30)
        assert not pf.ready(3) and not pf.ready(4)
        gate.set()
        assert _until_ready(pf, 3) and pf.take(3) is None and not pf.ready(3)
    finally:
        gate.set()
        pf.close()
        duck.close()


def test_taking_a_running_plan_calls_idle_first_and_a_done_one_does_not(monkeypatch):
    """``take(…, idle=…)`` calls ``idle`` when the plan is still running (the import writes the rows it gathered
    then): here the plan waits for that call; a plan already done is taken without it."""
    import threading

    import duckdb

    from tribescope.ingest import _fast

    gate = threading.Event()

    def fake_run(plan, import_id, con):
        if plan == 3:
            assert gate.wait(30), "idle was not called while the plan ran"
        return None

    monkeypatch.setattr(_fast, "run_plan", fake_run)
    calls: list[int] = []
    duck = duckdb.connect()
    pf = _fast.Prefetcher(duck, {3: (3, "i3"), 4: (4, "i4")})
    try:

        def idle():
            calls.append(3)
            gate.set()

        assert pf.take(3, idle=idle) is None and calls == [3]
        assert _until_ready(pf, 4)
        assert pf.take(4, idle=lambda: calls.append(4)) is None and calls == [3]
    finally:
        gate.set()
        pf.close()
        duck.close()


def _fast_dbs(ws):
    return ws.duck.execute(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name LIKE '__tribescope_fast%'"
    ).fetchone()[0]


@pytest.mark.parametrize("overlap", [False, True])
def test_fast_parts_merged_in_place_like_the_python_path(tmp_path, monkeypatch, overlap):
    """Two engine-mapped files and a Python-path file between them in one import: the mapped tables are not copied
    into the stage but merged from the plans' databases (``Stager.add_part``). Every row, the file (import id) that
    last changed it and each file's row counts equal the all-Python import — with comment keys all new (inserted
    straight from the parts) and with keys shared between the files (merged) — and no plan database stays attached."""
    from tribescope.store import _upsert

    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)
    d = tmp_path / "exports"
    d.mkdir()

    def page(threads):
        return json.dumps({"kind": "youtube#commentThreadListResponse", "items": threads}) + "\n"

    second = range(5, 15) if overlap else range(20, 30)
    c_threads = [_thread(i) for i in second]
    for t in c_threads:  # a later export: more likes, so shared keys change and take this file's import id
        t["snippet"]["topLevelComment"]["snippet"]["likeCount"] += 100
    html = [_thread(i) for i in ([3, 40] if overlap else [40, 41])]
    # a time without a zone: the Python path
    html[0]["snippet"]["topLevelComment"]["snippet"]["publishedAt"] = "2024-05-01T10:00:00"
    (d / "a.jsonl").write_text(page([_thread(i) for i in range(10)]))
    (d / "b.jsonl").write_text(page(html))
    (d / "c.jsonl").write_text(page(c_threads))

    parts = []
    real = _upsert.Stager.add_part

    def add_part(self, table, source):
        n = real(self, table, source)
        parts.append((table, n))
        return n

    monkeypatch.setattr(_upsert.Stager, "add_part", add_part)
    fast, r_fast, slow, r_slow = _fast_then_slow(tmp_path, monkeypatch, d)
    try:
        # a.jsonl and c.jsonl went the engine way (comments and accounts each), b.jsonl the Python way
        assert [t for t, n in parts if n] == ["comments", "accounts", "comments", "accounts"]
        n_a, n_c = 10 + sum(i % 3 for i in range(10)), 10 + sum(i % 3 for i in second)
        assert [(t, n) for t, n in parts if t == "comments"] == [("comments", n_a), ("comments", n_c)]
        assert _except_all(fast, slow) == {t: ([], []) for t in TABLES}
        q = "SELECT t.comment_id, t.likes, i.path FROM comments t JOIN imports i USING (import_id) ORDER BY 1"
        got = fast.duck.execute(q).fetchall()
        assert got == slow.duck.execute(q).fetchall()
        shared = {f"T{i}" for i in range(5, 10)} if overlap else set()
        for cid, likes, path in got:
            if cid in shared:  # the later file changed it
                assert path.endswith("c.jsonl") and likes >= 100
        n_b = 2 + sum(i % 3 for i in ([3, 40] if overlap else [40, 41]))
        n_all = n_a + n_c + n_b - (5 + sum(i % 3 for i in range(5, 10)) + 1 + 3 % 3 if overlap else 0)
        assert fast.counts()["comments"] == n_all
        rows = [f.rows for f in r_fast.files]
        assert rows == [f.rows for f in r_slow.files]
        assert rows[0]["comments"] == n_a
        # c.jsonl wrote its new and changed rows; the replies it shares with a.jsonl are unchanged
        assert rows[2]["comments"] == n_c - (sum(i % 3 for i in range(5, 10)) if overlap else 0)
        assert _fast_dbs(fast) == 0
    finally:
        fast.close()
        slow.close()


def test_a_due_group_holding_a_plans_rows_stays_open_for_the_profiles_of_its_folder(tmp_path, monkeypatch):
    """A merge group due after a file an engine plan mapped stays open while the next file is in the same folder (up
    to ``GROUP_FOLDER_FACTOR`` × ``GROUP_ROWS``), as a group of rows read the Python way does: a later file of one
    export that profiles the commenters the plan stubbed (TikTok's ``users.jsonl`` after its ``comments.jsonl``)
    then merges in the stubs' group and replaces no row this import stored — a replaced row makes DuckDB's commit
    append every new row of the table again. The same rows and per-file figures either way."""
    from tribescope.ingest import _run
    from tribescope.store import _upsert

    # a.jsonl stages 19 comments and their authors' stubs: due, under 4 × 20; b.json profiles four of the authors
    monkeypatch.setattr(_run, "GROUP_ROWS", 20)
    d = tmp_path / "exports"
    d.mkdir()
    (d / "a.jsonl").write_text(
        json.dumps({"kind": "youtube#commentThreadListResponse", "items": [_thread(i) for i in range(10)]})
        + "\n"
    )
    channels = [
        {
            "kind": "youtube#channel",
            "id": f"UCfan{i}",
            "snippet": {"title": f"Fan {i}", "customUrl": f"@fan{i}", "publishedAt": "2020-01-01T00:00:00Z"},
            "statistics": {
                "subscriberCount": str(100 + i),
                "videoCount": "3",
                "hiddenSubscriberCount": False,
            },
        }
        for i in range(4)
    ]
    (d / "b.json").write_text(json.dumps({"kind": "youtube#channelListResponse", "items": channels}))
    merges: list[tuple[int, bool]] = []
    deleted: list[int] = []
    real = _upsert.Stager.merge

    def spy(self):
        merges.append((len(self.files), self.holds_parts))
        try:
            return real(self)
        finally:
            deleted.append(self.deleted)

    monkeypatch.setattr(_upsert.Stager, "merge", spy)
    staged: list[int] = []  # the rows staged when a.jsonl is done, each way
    ends = _run._group_ends

    def spy_ends(stager, here, after):
        if here.name == "a.jsonl":
            staged.append(stager.staged_rows)
        return ends(stager, here, after)

    monkeypatch.setattr(_run, "_group_ends", spy_ends)
    tables = []
    # FAST_MIN_BYTES 0: a.jsonl planned; 1 TiB: read the Python way
    for min_bytes, want in ((0, [(2, True)]), (1 << 40, [(2, False)])):
        monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", min_bytes)
        merges.clear()
        deleted.clear()
        ws = connect(tmp_path / f"w{min_bytes}.duckdb")
        try:
            report = import_paths(ws, [d])
            tables.append(
                (
                    ws.duck.execute("SELECT comment_id, likes FROM comments ORDER BY 1").fetchall(),
                    ws.duck.execute(
                        "SELECT account_id, username, followers FROM accounts ORDER BY 1"
                    ).fetchall(),
                    [f.rows for f in report.files],
                )
            )
        finally:
            ws.close()
        assert merges == want, (min_bytes, merges)
        assert deleted == [0], (min_bytes, deleted)  # the profiles replaced no stored stub
    assert tables[0] == tables[1]
    comments, accounts, _ = tables[0]
    assert len(comments) == 10 + sum(i % 3 for i in range(10))
    assert [a for a in accounts if a[0].startswith("UCfan") and a[2] is not None] == [
        (f"UCfan{i}", f"fan{i}", 100 + i) for i in range(4)
    ]
    # due both ways, under the folder's bound
    assert len(staged) == 2 and all(20 <= n < 80 for n in staged), staged


def test_failed_import_releases_the_fast_parts_held_for_the_merge(tmp_path, monkeypatch):
    """A mapped file waits in its plan's database for the group's merge; when a later file fails, that database is
    detached, nothing is written, and the same workspace imports again."""
    import threading

    from tribescope.errors import ImportFailed

    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)
    d = tmp_path / "exports"
    d.mkdir()
    page = {"kind": "youtube#commentThreadListResponse", "items": [_thread(i) for i in range(10)]}
    (d / "a.jsonl").write_text(json.dumps(page) + "\n")
    # the engine cannot read it → the Python path fails
    (d / "b.jsonl").write_text(json.dumps(page) + "\n{not json\n")
    ws = connect(tmp_path / "ws.duckdb")
    try:
        with pytest.raises(ImportFailed, match=r"b\.jsonl, line 2: not valid JSON"):
            import_paths(ws, [d])
        assert _fast_dbs(ws) == 0
        assert not [t for t in threading.enumerate() if t.name.startswith("tribescope-fast")]
        assert ws.counts().get("comments", 0) == 0 and ws.counts().get("imports", 0) == 0
        (d / "b.jsonl").unlink()
        r = import_paths(ws, [d])
        assert r.files[0].rows["comments"] == ws.counts()["comments"] == 10 + sum(i % 3 for i in range(10))
        assert _fast_dbs(ws) == 0
    finally:
        ws.close()


def test_web_graphql_null_key_scan_reads_the_text_and_queries_only_when_it_may_hold_the_null(tmp_path):
    """The parent-key check of the web GraphQL plan: the file's bytes rule an explicit null out (no query) unless
    they hold the key followed by a null, or a ``\\u`` escape of one of the key's characters (an escaped key); then
    the query decides."""
    from tribescope.ingest.instagram import _null_key_scan

    class Con:
        def __init__(self):
            self.queries = 0

        def execute(self, sql):
            self.queries += 1
            return self

        def fetchone(self):
            return (7,)

    cases = {
        b'{"a": {"k": 1}}\n{"b": "k null"}\n': 0,  # the key's name, never followed by a null
        b'{"k": {"n": null}}\n': 0,
        b'{"k"  :  null}\n': 7,
        b'{"x": {"k"\t:null}}\n': 7,
        b'{"\\u006b": 1}\n': 7,  # an escape: the text cannot tell
        b'{"kk": null}\n': 0,
        b'{"K": "caf\\u00e9 \\ud83d\\ude00\\n\\"q\\""}\n': 0,  # escapes that cannot spell the key: no query
        b'{"\\u006B": null}\n': 7,  # upper-case hex digits
    }
    for i, (text, expect) in enumerate(cases.items()):
        f = tmp_path / f"f{i}.jsonl"
        f.write_bytes(text)
        con = Con()
        assert _null_key_scan(str(f), False, "k", "SELECT 7")(con) == expect, text
        assert con.queries == int(expect == 7), text
        con = Con()
        assert _null_key_scan(str(f), True, "k", "SELECT 7")(con) == 7  # compressed: always the query


_NULL_SCAN_CASES = {
    b'{"a": {"k": 1}}\n{"b": "k null"}\n': False,
    b'{"k"  :  null}\n': True,
    b'{"x": {"k"\t:null}}\n': True,
    b'{"\\u006b": 1}\n': True,
    b'{"kk": null}\n': False,
    b'{"k": nul}\n{"k" :\n nulL}': False,  # cut or wrong case: no null
    b'{"K": "caf\\u00e9"}\n{"k":                    null}': True,  # a long run of blanks before the null
    b'{"k": 1}' + b" " * 40 + b'"k"': False,  # the key at the very end
}


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 11, 1 << 24])
def test_null_key_scan_in_chunks_finds_what_the_whole_text_holds(tmp_path, monkeypatch, chunk):
    """The scan reads the file in chunks; a key, its null or an escape cut by a chunk's end is still found (every
    chunk size down to one byte gives the answer of the whole text), and a cut that turns out not to be a null is not."""
    from tribescope.ingest import instagram

    monkeypatch.setattr(instagram, "_SCAN_CHUNK", chunk)
    quoted = b'"k"'
    escaped = re.compile(rb"\\u(?:006b)", re.IGNORECASE)
    for i, (text, expect) in enumerate(_NULL_SCAN_CASES.items()):
        f = tmp_path / f"c{i}.jsonl"
        f.write_bytes(text)
        assert instagram._may_hold_null(str(f), quoted, escaped) is expect, (chunk, text)
    (tmp_path / "empty.jsonl").write_bytes(b"")
    assert instagram._may_hold_null(str(tmp_path / "empty.jsonl"), quoted, escaped) is False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(
        st.sampled_from([b'"k"', b" ", b"\n", b":", b"null", b"nul", b"l", b"x", b"\\u006B", b"\\u", b'"']),
        max_size=30,
    ),
    chunk=st.integers(1, 9),
)
def test_null_key_scan_property_chunked_equals_whole(tmp_path, monkeypatch, parts, chunk):
    """Property: for any text of these pieces the chunked scan answers as one search over the whole text does."""
    from tribescope.ingest import instagram

    text = b"".join(parts)
    whole = bool(re.search(rb'"k"[ \t\r\n]*:[ \t\r\n]*null', text)) or bool(
        re.search(rb"\\u006b", text, re.I)
    )
    f = tmp_path / "p.jsonl"
    f.write_bytes(text)
    monkeypatch.setattr(instagram, "_SCAN_CHUNK", chunk)
    assert instagram._may_hold_null(str(f), b'"k"', re.compile(rb"\\u(?:006b)", re.IGNORECASE)) is whole


def test_large_files_are_planned_first_and_a_smaller_files_plan_still_runs_in_its_turn(tmp_path, monkeypatch):
    """The import starts the fast plans of files of FAST_MIN_BYTES or more before it looks at the other files; a
    smaller file's plan (here: the threshold lowered for YouTube) found after them runs in its own turn, ahead of
    the larger file's plan already running. Same rows and reports as the record-by-record path."""
    from tribescope.ingest import _fast

    d = tmp_path / "yt"
    d.mkdir()
    page = {"kind": "youtube#commentThreadListResponse", "items": [_thread(i) for i in range(10)]}
    (d / "a_small.jsonl").write_text(json.dumps(page) + "\n")  # first in file order, < 1 MB
    big = []
    while sum(map(len, big)) < 1 << 20:
        k = len(big)
        big.append(json.dumps({**page, "items": [_thread(1000 + k * 10 + i) for i in range(10)]}))
    (d / "b_big.jsonl").write_text("\n".join(big) + "\n")
    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 1000)  # the small file gets a plan too, in the second pass
    order: list[str] = []
    real = _fast.run_plan

    def spy(plan, import_id, duck):
        order.append(import_id)
        res = real(plan, import_id, duck)
        assert res is not None
        return res

    monkeypatch.setattr(_fast, "run_plan", spy)
    fast, r_fast, slow, r_slow = _fast_then_slow(tmp_path, monkeypatch, d)
    try:
        ids = [f.import_id for f in r_fast.files]
        assert order == [ids[1], ids[0]]  # the large file's plan started first
        assert _dump(fast) == _dump(slow)
        assert [(f.records, f.rows) for f in r_fast.files] == [(f.records, f.rows) for f in r_slow.files]
    finally:
        fast.close()
        slow.close()


@pytest.mark.parametrize("variant", ["empty_pages", "error_page"])
def test_threads_plan_counts_empty_pages_and_declines_an_error_page(tmp_path, monkeypatch, variant):
    """Pages without threads (``items: []``, no ``items``) add no record and no row; a page carrying an API ``error``
    sends the file down the record-by-record path. Either way the same rows and counts as that path."""
    pages = [
        {"kind": "youtube#commentThreadListResponse", "items": [_thread(i) for i in range(5)]},
        {"kind": "youtube#commentThreadListResponse", "items": []},
        {"kind": "youtube#commentThreadListResponse", "pageInfo": {"totalResults": 0}},
        {"kind": "youtube#commentThreadListResponse", "items": [_thread(i) for i in range(5, 9)]},
    ]
    if variant == "error_page":
        pages[1]["error"] = {"code": 403, "message": "commentsDisabled"}
    f = tmp_path / "commentThreads.jsonl"
    f.write_text("\n".join(json.dumps(p) for p in pages) + "\n")
    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)
    fast, slow, r_fast, r_slow, used = _import_both(tmp_path, monkeypatch, f, skip_bad=True)
    try:
        assert used == (variant == "empty_pages")
        assert _dump(fast) == _dump(slow)
        assert (r_fast.records, r_fast.rejected, r_fast.rows()) == (
            r_slow.records,
            r_slow.rejected,
            r_slow.rows(),
        )
        assert r_fast.records == 9
    finally:
        fast.close()
        slow.close()


@pytest.mark.parametrize("likes_type", ["BIGINT", "INTEGER"])
def test_plan_table_merged_from_where_the_setup_wrote_it(tmp_path, likes_type):
    """``FastPlan.in_place``: the setup's table (created without TEMP) is the mapped comments table itself, in the plan's
    database, not copied; it never lands in the workspace, and the cursor is back on the workspace's catalog. A table
    whose types are not the canonical ones (``likes`` INTEGER) is copied into a conformed table instead, same rows."""
    from tribescope.ingest._fast import FastPlan, run_plan

    ws = connect(tmp_path / "ws.duckdb")
    try:
        rows = """SELECT * FROM (VALUES ('youtube', 'c1', 'v1', 'u1', 'Ann', NULL, 7, 0, 'hi'),
                                        ('youtube', 'c2', 'v1', 'u2', 'Bob', 'c1', 1, NULL, 'yo'))
                   t(platform, comment_id, post_id, author_id, author_name, parent_comment_id, likes, reply_count, text)"""
        plan = FastPlan(
            setup=[
                f"""CREATE TABLE s AS SELECT platform, comment_id, post_id, author_id, author_name, parent_comment_id,
                        TIMESTAMPTZ '2024-05-01 10:00:00+00' AS created_at, text, likes::{likes_type} AS likes,
                        reply_count::BIGINT AS reply_count, NULL::TIMESTAMPTZ AS snapshot_at, 'extra' AS helper
                    FROM ({rows})"""
            ],
            checks=["SELECT count(*) FROM s WHERE comment_id IS NULL"],
            records="SELECT count(*) FROM s",
            tables={"comments": "SELECT * EXCLUDE (helper) FROM s"},
            in_place={"comments": "s"},
        )
        home = ws.duck.execute("SELECT current_database()").fetchone()[0]
        cur = ws.duck.cursor()
        mapped = run_plan(plan, "imp-1", cur)
        assert mapped is not None and mapped.records == 2
        table = mapped.tables["comments"].split(".")[1]
        assert table == ("s" if likes_type == "BIGINT" else "t0")
        assert cur.execute("SELECT current_database()").fetchone()[0] == home
        in_ws = "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 's'"
        assert ws.duck.execute(in_ws, [home]).fetchone()[0] == 0  # nothing of the plan's in the workspace
        got = ws.duck.execute(
            f"SELECT comment_id, likes, reply_count, created_at FROM {mapped.tables['comments']} ORDER BY rowid"
        ).fetchall()
        assert [(r[0], r[1], r[2]) for r in got] == [("c1", 7, 0), ("c2", 1, None)]
        # only the canonical columns are left (the setup's helper columns are dropped once the tables are written)
        cols = [d[0] for d in ws.duck.execute(f"DESCRIBE {mapped.tables['comments']}").fetchall()]
        assert "helper" not in cols and "platform" in cols
        mapped.close()
        assert _fast_dbs(ws) == 0
    finally:
        ws.close()


# ---------------------------------------------------------------------------- compression told by the first bytes
def _compress(codec, body):
    import gzip
    import lzma

    import zstandard

    if codec == "zstd":  # as the dump tools write it: streamed, with a window beyond DuckDB's 128 MB
        import io

        out = io.BytesIO()
        params = zstandard.ZstdCompressionParameters.from_level(19, window_log=28)
        with zstandard.ZstdCompressor(compression_params=params).stream_writer(out, closefd=False) as w:
            w.write(body)
        return out.getvalue()
    return {"none": bytes, "gzip": gzip.compress, "xz": lzma.compress}[codec](body)


@pytest.mark.parametrize(
    ("codec", "name", "plan_runs"),
    [
        ("gzip", "commentThreads.jsonl", True),  # gzip content under a plain name: the plan reads it as gzip
        ("none", "commentThreads.jsonl.gz", True),  # plain content under a .gz name: read as it is
        ("gzip", "commentThreads.zst", True),
        ("xz", "commentThreads.jsonl", False),  # content DuckDB cannot read: no plan is attempted
        ("zstd", "commentThreads.jsonl", False),
        ("zstd", "commentThreads.jsonl.zst", False),
    ],
)
def test_compression_is_told_by_the_first_bytes_and_a_plan_only_gets_what_the_engine_reads(
    tmp_path, monkeypatch, codec, name, plan_runs
):
    pages = [
        {"kind": "youtube#commentThreadListResponse", "items": [_thread(p * 10 + i) for i in range(10)]}
        for p in range(4)
    ]
    body = ("\n".join(json.dumps(p) for p in pages) + "\n").encode()
    f = tmp_path / name
    f.write_bytes(_compress(codec, body))
    plain = tmp_path / "plain" / "commentThreads.jsonl"
    plain.parent.mkdir()
    plain.write_bytes(body)
    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)
    results = _plan_results(monkeypatch)
    got = connect(tmp_path / "got.duckdb")
    r = import_paths(got, [f])
    ran = [res is not None for res in results]
    monkeypatch.setenv("TRIBESCOPE_NO_FAST_PATH", "1")
    ref = connect(tmp_path / "ref.duckdb")
    import_paths(ref, [plain])
    try:
        # a plan that is attempted maps the file (it never fails to fall back); content it cannot read gets none
        assert ran == ([True] if plan_runs else [])
        assert r.files[0].records == 40 and _dump(got) == _dump(ref)
        assert _stored_order(got, "comments", "comment_id") == _stored_order(ref, "comments", "comment_id")
    finally:
        got.close()
        ref.close()


@pytest.mark.parametrize("codec", ["gzip", "xz", "zstd"])
@pytest.mark.parametrize(
    ("fixture", "table"),
    [
        ("instagram/kim_comments.jsonl", "comments"),
        ("tiktok/videos.jsonl", "posts"),
        ("youtube/videos.jsonl", "posts"),
        ("patreon/posts.ndjson", "posts"),
        ("reddit/thread.json", "community_messages"),
        ("web/accounts.csv", "accounts"),
        # JSON documents, not lines: streamed or parsed whole as their formats read them
        ("discord/knitting-circle/general.json", "community_messages"),
        ("youtube/channels.json", "accounts"),
        ("instagram/graph_media.json", "comments"),
        ("patreon/members.json", "accounts"),
    ],
)
def test_every_format_reads_compressed_content_under_any_name(tmp_path, codec, fixture, table):
    """gzip, xz and zstd content, named ``.zst`` or not at all: the same rows as the plain file."""
    src = Path(__file__).parent / "fixtures" / fixture
    f = tmp_path / ("export.zst" if codec == "zstd" else "export")
    f.write_bytes(_compress(codec, src.read_bytes()))
    plain = tmp_path / "plain" / src.name
    plain.parent.mkdir()
    plain.write_bytes(src.read_bytes())
    got, ref = connect(tmp_path / "got.duckdb"), connect(tmp_path / "ref.duckdb")
    try:
        opts = {"table": "accounts"} if fixture.endswith(".csv") else None
        r_got, r_ref = import_paths(got, [f], options=opts), import_paths(ref, [plain], options=opts)
        assert r_got.files[0].format == r_ref.files[0].format
        assert r_got.files[0].records == r_ref.files[0].records > 0 and r_got.rows() == r_ref.rows()
        q = f"SELECT * EXCLUDE (import_id) FROM {table} ORDER BY ALL"
        assert got.duck.execute(q).fetchall() == ref.duck.execute(q).fetchall()
    finally:
        got.close()
        ref.close()


@pytest.mark.parametrize("layout", ["lines", "crlf_lines", "array", "pretty_page", "bom_lines"])
def test_threads_plan_reads_every_layout_of_the_pages_as_the_python_path(tmp_path, monkeypatch, layout):
    """JSON Lines (one page a line; read by the engine as such), a JSON array of pages, one pretty-printed page and
    JSON Lines after a byte-order mark (read by the engine's detection) run the plan and give the rows of the
    record-by-record path."""
    pages = [
        {"kind": "youtube#commentThreadListResponse", "items": [_thread(p * 4 + i) for i in range(4)]}
        for p in range(3)
    ]
    text = {
        "lines": "\n".join(json.dumps(p) for p in pages) + "\n",
        "crlf_lines": "\r\n".join(json.dumps(p) for p in pages) + "\r\n",
        "array": json.dumps(pages, indent=2),
        "pretty_page": json.dumps({**pages[0], "items": [it for p in pages for it in p["items"]]}, indent=2),
        "bom_lines": "\ufeff" + "\n".join(json.dumps(p) for p in pages) + "\n",
    }[layout]
    f = tmp_path / "commentThreads.json"
    f.write_text(text)
    assert yt_mod._json_lines(Probe.of(Source(f)), Source(f)) == (layout in ("lines", "crlf_lines"))
    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)
    fast, slow, r_fast, r_slow, used = _import_both(tmp_path, monkeypatch, f)
    try:
        assert used
        assert _dump(fast) == _dump(slow)
        assert _stored_order(fast, "comments", "comment_id") == _stored_order(slow, "comments", "comment_id")
        assert r_fast.files[0].records == r_slow.files[0].records == 12  # threads
        assert r_fast.rows() == r_slow.rows()
        assert fast.duck.execute("SELECT count(*) FROM comments").fetchone()[0] == 12 + sum(
            i % 3 for i in range(12)
        )
    finally:
        fast.close()
        slow.close()


def test_threads_file_of_one_line_pages_then_a_pretty_printed_one_fails_as_on_the_python_path(
    tmp_path, monkeypatch
):
    """A first page on one line makes the plan read JSON Lines; a later page over several lines then fails the plan,
    and the file goes record by record, which refuses it as it refuses it when small: named, nothing imported."""
    pages = [
        {"kind": "youtube#commentThreadListResponse", "items": [_thread(p * 4 + i) for i in range(4)]}
        for p in range(2)
    ]
    f = tmp_path / "commentThreads.json"
    f.write_text(json.dumps(pages[0]) + "\n" + json.dumps(pages[1], indent=2) + "\n")
    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)
    used = _plan_results(monkeypatch)
    ws = connect(tmp_path / "ws.duckdb")
    try:
        with pytest.raises(ImportFailed, match=re.escape("commentThreads.json")):
            import_paths(ws, [f])
        assert used == [None]  # the plan ran and declined
        assert ws.duck.execute("SELECT count(*) FROM comments").fetchone()[0] == 0
    finally:
        ws.close()


def test_threads_page_longer_than_the_plan_reads_takes_the_python_path_whole(tmp_path, monkeypatch):
    """The plan reads JSON Lines with DuckDB's default object size (its buffers); a page line longer than the engine
    then reads (~2 x 16 MiB) declines the plan, and the file is imported record by record, every comment whole."""
    long_text = "ab" * (17 * 2**20)  # 34 MiB in one comment: its page's line is longer than the plan reads
    pages = [
        {"kind": "youtube#commentThreadListResponse", "items": [_thread(p * 4 + i) for i in range(4)]}
        for p in range(2)
    ]
    pages[1]["items"][0]["snippet"]["topLevelComment"]["snippet"]["textOriginal"] = long_text
    f = tmp_path / "commentThreads.json"
    f.write_text("".join(json.dumps(p) + "\n" for p in pages))
    assert yt_mod._json_lines(Probe.of(Source(f)), Source(f))
    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)
    used = _plan_results(monkeypatch)
    ws = connect(tmp_path / "ws.duckdb")
    try:
        report = import_paths(ws, [f])
        assert used == [None]  # the plan ran and declined
        assert report.files[0].records == 8
        assert ws.duck.execute("SELECT count(*) FROM comments").fetchone()[0] == 8 + sum(
            i % 3 for i in range(8)
        )
        assert ws.duck.execute(
            "SELECT text = ? FROM comments WHERE comment_id = 'T4'", [long_text]
        ).fetchone() == (True,)
    finally:
        ws.close()


@pytest.mark.parametrize("fmt", ["kim", "web"])
def test_instagram_jsonl_after_a_byte_order_mark_runs_the_plan_as_the_python_path(tmp_path, monkeypatch, fmt):
    """JSON Lines that open with a UTF-8 byte-order mark (PowerShell 5's ``Out-File`` writes one): DuckDB's JSON Lines
    reader refuses the mark, so the plans read such content with the engine's detection
    (:func:`~tribescope.ingest._readers.json_lines_format`) — the plan runs, and gives the record-by-record rows."""
    from tribescope.ingest import instagram as ig_mod
    from tribescope.ingest._readers import json_lines_format

    if fmt == "kim":
        f = tmp_path / "comments.jsonl"
        f.write_text("\n".join(json.dumps(_kim_line(i)) for i in range(40)) + "\n")
    else:
        f = _web_file(tmp_path, "media.jsonl", range(6))
    assert json_lines_format(Source(f)) == "newline_delimited"
    f.write_bytes(b"\xef\xbb\xbf" + f.read_bytes())
    assert json_lines_format(Source(f)) == "auto"
    monkeypatch.setattr(ig_mod, "FAST_MIN_BYTES", 0)
    fast, slow, r_fast, r_slow, used = _import_both(tmp_path, monkeypatch, f, skip_bad=fmt == "web")
    try:
        assert used
        assert r_fast.files[0].records == r_slow.files[0].records > 0
        assert r_fast.rows() == r_slow.rows()
        assert _except_all(fast, slow) == {t: ([], []) for t in TABLES}
    finally:
        fast.close()
        slow.close()


# ---------------------------------------------------------------------------- TikTok Research API comment pages
def _tt_page(i):
    """A comment list page of three comments: mixed-case and ``@``-prefixed usernames seen again on later pages, a
    comment without one, parents given as the video's id, ``0``, ``"0"``, ``""`` or another comment's id, ids as
    numbers or text; every seventh page empty, pages with and without ``error``."""
    users = ["Fan0", "fan0", "@Fan1", None, "Creator_X", "fan2"]
    vid = 7000000000000000000 + i % 4
    comments = []
    for j in range(0 if i % 7 == 6 else 3):
        n = i * 3 + j
        parent = [vid, 0, "0", "", 6000000000000000000 + n - 1, None][n % 6]
        c = {
            "id": 6000000000000000000 + n if n % 5 else str(6000000000000000000 + n),
            "video_id": vid if n % 4 else str(vid),
            "text": f"so good 😍 {n} @fan0" if n % 9 else None,
            "like_count": n % 4,
            "reply_count": n % 3,
            "parent_comment_id": parent,
            "create_time": 1765951741 + n,
        }
        u = users[n % len(users)]
        if u is not None:
            c["username"] = u
        elif n % 2:
            c["username"] = None
        comments.append(c)
    page = {"data": {"comments": comments, "cursor": i, "has_more": True}}
    if i % 3:
        page["error"] = {"code": "ok", "message": "", "log_id": f"log{i}"}
    return page


@pytest.mark.parametrize(
    "variant",
    [
        "clean",
        "gzip",
        "float_likes",  # 3.0: the Python path takes it as 3; the plan leaves it to it
        "iso_time",  # an ISO-8601 create_time
        "spaced_username",  # " Fan9 " is stripped by the Python path
        "false_parent",  # false is a top-level comment's mark there (false == 0)
        "video_page",  # a video query page in the file
        "null_page",  # a page whose data is null: skipped by the Python path
        "hidden_likes",  # -1: unknown on the Python path (a negative count was stored by the plan)
    ],
)
def test_tiktok_comments_fast_and_python_paths_agree(tmp_path, monkeypatch, variant):
    import gzip

    from tribescope.ingest import tiktok as tt_mod

    pages = [_tt_page(i) for i in range(40)]
    first = pages[10]["data"]["comments"][0]
    odd = {
        "float_likes": ("like_count", 3.0),
        "iso_time": ("create_time", "2025-12-17T06:09:01+00:00"),
        "spaced_username": ("username", " Fan9 "),
        "false_parent": ("parent_comment_id", False),
        "hidden_likes": ("like_count", -1),
    }
    if variant in odd:
        k, v = odd[variant]
        first[k] = v
    if variant == "video_page":
        pages[20] = {"data": {"videos": [{"id": 1, "username": "creator_x", "create_time": 1765951741}]}}
    if variant == "null_page":
        pages[20] = {"data": None, "error": {"code": "ok", "message": "", "log_id": "x"}}
    body = ("\n".join(json.dumps(p, ensure_ascii=False) for p in pages) + "\n").encode()
    f = tmp_path / ("comments.jsonl.gz" if variant == "gzip" else "comments.jsonl")
    f.write_bytes(gzip.compress(body) if variant == "gzip" else body)
    monkeypatch.setattr(tt_mod, "FAST_MIN_BYTES", 0)
    fast, slow, r_fast, r_slow, used = _import_both(tmp_path, monkeypatch, f)
    try:
        assert used == (variant in ("clean", "gzip"))
        assert r_fast.files[0].format == r_slow.files[0].format == "tiktok"
        assert _except_all(fast, slow) == {t: ([], []) for t in TABLES}
        assert r_fast.files[0].records == r_slow.files[0].records
        assert r_fast.rows() == r_slow.rows()
        # the comments are written in file order (merged keys' rows, such as the accounts seen twice, are not)
        assert _stored_order(fast, "comments", "comment_id") == _stored_order(slow, "comments", "comment_id")
        if variant == "clean":
            ns = [i * 3 + j for i in range(40) if i % 7 != 6 for j in range(3)]  # the comments' numbers
            assert r_fast.files[0].records == len(ns) == 105
            # "Fan0" and "fan0" are one account; its username the last stub's, "fan0" (as on the Python path)
            assert fast.duck.execute("SELECT account_id, username FROM accounts ORDER BY 1").fetchall() == [
                ("creator_x", "Creator_X"),
                ("fan0", "fan0"),
                ("fan1", "Fan1"),
                ("fan2", "fan2"),
            ]
            # a parent only where it names another comment; no author where no username; no text every ninth
            assert fast.duck.execute(
                "SELECT count(*), count(parent_comment_id), count(author_id), count(text) FROM comments"
            ).fetchone() == (
                105,
                sum(n % 6 == 4 for n in ns),
                sum(n % 6 != 3 for n in ns),
                sum(n % 9 != 0 for n in ns),
            )
    finally:
        fast.close()
        slow.close()


_TT_VALUES = st.one_of(
    st.none(),
    st.integers(-(2**64), 2**64),
    st.sampled_from([-1, -(2 * 10**11), 10**11, 10**15, 2**63 - 1, 2**63]),
    st.sampled_from(
        ["", "0", " 12 ", "@Fan", "@@", "Fan 9", "İstanbul", "a\x00b", "2025-12-17T06:09:01Z", "12"]
    ),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.just({"nested": 1}),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(_TT_FIELDS),
    value=_TT_VALUES,
    drop=st.booleans(),
)
def test_tiktok_comments_plan_property_any_odd_field_value_gives_the_python_paths_rows(
    tmp_path_factory, monkeypatch, field, value, drop
):
    """One comment's field set to any JSON value (or dropped): the import gives the Python path's rows and records,
    or fails as it does, whether the plan maps the file or leaves it to the Python path."""
    from tribescope.ingest import tiktok as tt_mod

    tmp = tmp_path_factory.mktemp("tt")
    pages = [_tt_page(i) for i in range(8)]
    c = pages[4]["data"]["comments"][1]
    if drop:
        c.pop(field, None)
    else:
        c[field] = value
    f = tmp / "comments.jsonl"
    f.write_bytes(("\n".join(json.dumps(p, ensure_ascii=False) for p in pages) + "\n").encode())
    monkeypatch.setattr(tt_mod, "FAST_MIN_BYTES", 0)
    monkeypatch.delenv("TRIBESCOPE_NO_FAST_PATH", raising=False)
    outcomes = []
    for name in ("fast", "slow"):
        if name == "slow":
            monkeypatch.setenv("TRIBESCOPE_NO_FAST_PATH", "1")
        ws = connect(tmp / f"{name}.duckdb")
        try:
            r = import_paths(ws, [f], skip_bad=True)
            outcomes.append((r.files[0].records, r.files[0].rejected, r.rows(), _dump(ws)))
        except ImportFailed as exc:
            outcomes.append(("failed", str(exc)))
        finally:
            ws.close()
    assert outcomes[0] == outcomes[1]
