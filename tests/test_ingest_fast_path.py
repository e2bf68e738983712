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
    top = {"kind": "youtube#comment", "id": f"T{i}", "snippet": {
        "channelId": "UCowner", "videoId": f"v{i % 3}", "textDisplay": "<b>hi</b>", "textOriginal": f"hi {i} 👋",
        "authorDisplayName": f"@fan{i % 4}", "authorChannelId": {"value": f"UCfan{i % 4}"}, "likeCount": i,
        "publishedAt": f"2024-05-0{1 + i % 9}T10:00:00+02:00"}}
    replies = [{"kind": "youtube#comment", "id": f"T{i}.r{j}", "snippet": {
        "channelId": "UCowner", "videoId": f"v{i % 3}", "textOriginal": f"reply {j}", "parentId": f"T{i}",
        "authorDisplayName": "@Owner" if j == 0 else f"@fan{(i + j) % 5}",
        "authorChannelId": {"value": "UCowner" if j == 0 else f"UCfan{(i + j) % 5}"},
        "likeCount": 0, "publishedAt": "2024-05-10T11:00:00Z"}} for j in range(i % 3)]
    item = {"kind": "youtube#commentThread", "id": f"T{i}",
            "snippet": {"channelId": "UCowner", "videoId": f"v{i % 3}", "topLevelComment": top,
                        "totalReplyCount": len(replies), "canReply": True, "isPublic": True}}
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
        pages.append({"kind": "youtube#commentThreadListResponse", "pageInfo": {"totalResults": 10}, "items": items})
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
