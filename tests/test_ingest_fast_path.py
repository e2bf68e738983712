"""The engine fast path produces exactly the rows of the record-by-record path."""

from __future__ import annotations

import json

import pytest

from tribescope.ingest import import_paths
from tribescope.ingest import youtube as yt_mod
from tribescope.store import connect

COLS = {
    "comments": "platform, comment_id, post_id, author_id, author_name, parent_comment_id, created_at, text, likes, reply_count",
    "accounts": "platform, account_id, username, full_name, followers",
}


def _dump(ws):
    return {t: ws.duck.execute(f"SELECT {c} FROM {t} ORDER BY ALL").fetchall() for t, c in COLS.items()}


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


@pytest.mark.parametrize("variant", ["clean", "html_only_text"])
def test_fast_and_python_paths_agree(tmp_path, monkeypatch, variant):
    pages = []
    for p in range(4):
        items = [_thread(p * 10 + i) for i in range(10)]
        if variant == "html_only_text" and p == 2:
            del items[3]["snippet"]["topLevelComment"]["snippet"]["textOriginal"]  # forces the Python path
        pages.append(
            {"kind": "youtube#commentThreadListResponse", "pageInfo": {"totalResults": 10}, "items": items}
        )
    f = tmp_path / "commentThreads.jsonl"
    f.write_text("\n".join(json.dumps(p) for p in pages) + "\n")
    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)
    fast = connect(tmp_path / "fast.duckdb")
    r_fast = import_paths(fast, [f])
    monkeypatch.setenv("TRIBESCOPE_NO_FAST_PATH", "1")
    slow = connect(tmp_path / "slow.duckdb")
    r_slow = import_paths(slow, [f])
    try:
        assert _dump(fast) == _dump(slow)
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
    rec = {"comment_id": f"c{i % 37}", "post_id": str(1000 + i % 5), "parent_comment_id": None if i % 3 else f"c{i - 1}",
           "owner_id": str(i), "owner_username": u, "owner_is_verified": (i % 7 == 0) if i % 11 else None,
           "created_at": 1480153474 + i if i % 13 else None, "text": f"nice 😍 {i} @someone #tag",
           "like_count": i % 4, "did_report_as_spam": False}
    if i % 2:
        rec["thread_reply_count"] = i % 3
    if u is None and i % 4:
        del rec["owner_username"]
    return rec


def _import_both(tmp_path, monkeypatch, f, skip_bad=False):
    """Import ``f`` with the engine fast path and without; report whether the fast plan ran."""
    from tribescope.ingest import _fast

    used = []
    real = _fast.run_plan

    def spy(plan, import_id, **kw):
        res = real(plan, import_id, **kw)
        used.append(res is not None)
        return res

    monkeypatch.setattr(_fast, "run_plan", spy)
    fast = connect(tmp_path / "fast.duckdb")
    r_fast = import_paths(fast, [f], skip_bad=skip_bad)
    monkeypatch.setenv("TRIBESCOPE_NO_FAST_PATH", "1")
    slow = connect(tmp_path / "slow.duckdb")
    r_slow = import_paths(slow, [f], skip_bad=skip_bad)
    return fast, slow, r_fast, r_slow, any(used)


def _kim_dump(ws):
    return {t: ws.duck.execute(f"SELECT {c} FROM {t} ORDER BY ALL").fetchall() for t, c in KIM_COLS.items()}


@pytest.mark.parametrize(
    "variant",
    ["clean", "gzip", "iso_timestamp", "verified_text", "likes_text", "int_comment_id", "non_ascii_name", "post_row"],
)
def test_kim_comments_fast_and_python_paths_agree(tmp_path, monkeypatch, variant):
    import gzip

    from tribescope.ingest import instagram as ig_mod

    recs = [_kim_line(i) for i in range(120)]
    odd = {"iso_timestamp": ("created_at", "2016-11-26T10:00:00+01:00"), "verified_text": ("owner_is_verified", "true"),
           "likes_text": ("like_count", "12"), "int_comment_id": ("comment_id", 987654321),
           "non_ascii_name": ("owner_username", "İstanbulFan")}
    if variant in odd:
        k, v = odd[variant]
        recs[50][k] = v
    if variant == "post_row":  # no comment_id: the Python path maps it as a post
        del recs[50]["comment_id"]
    body = ("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n").encode()
    f = tmp_path / ("comments.jsonl.gz" if variant == "gzip" else "comments.jsonl")
    f.write_bytes(gzip.compress(body) if variant == "gzip" else body)
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
        assert fast.duck.execute("SELECT account_id, username, is_verified FROM accounts ORDER BY 1").fetchall() == [
            ("creator_x", "Creator_X", True), ("fan0", "fan0", True), ("fan1", "Fan1", True)] or variant in ("non_ascii_name", "post_row")
        assert fast.duck.execute("SELECT count(*) FROM comments").fetchone() == (37 if variant != "int_comment_id" else 38,)
    finally:
        fast.close()
        slow.close()

