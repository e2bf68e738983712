"""YouTube ``comments.list?parentId=…`` reply pages imported in a file apart from their threads: the replies name no
``snippet.videoId`` and take their parent's video, whichever file (or earlier import) brings the parent."""

from __future__ import annotations

import json

import pytest

from tribescope.errors import ImportFailed
from tribescope.ingest import import_paths


def _thread(cid: str, vid: str, total: int) -> dict:
    sn = {
        "channelId": "UCowner",
        "videoId": vid,
        "textOriginal": f"top {cid}",
        "authorDisplayName": "@ann",
        "authorChannelId": {"value": "UCann"},
        "likeCount": 3,
        "publishedAt": "2024-03-01T10:00:00Z",
    }
    return {
        "kind": "youtube#commentThread",
        "id": cid,
        "snippet": {
            "channelId": "UCowner",
            "videoId": vid,
            "totalReplyCount": total,
            "topLevelComment": {"kind": "youtube#comment", "id": cid, "snippet": sn},
        },
    }


def _reply(cid: str, parent: str, author: str) -> dict:
    # as comments.list?parentId=… returns them: no videoId in the snippet
    return {
        "kind": "youtube#comment",
        "id": cid,
        "snippet": {
            "channelId": "UCowner",
            "parentId": parent,
            "textOriginal": f"reply {cid}",
            "authorDisplayName": f"@{author}",
            "authorChannelId": {"value": f"UC{author}"},
            "likeCount": 1,
            "publishedAt": "2024-03-01T11:00:00Z",
        },
    }


def _write(path, kind: str, items: list[dict]) -> str:
    path.write_text(json.dumps({"kind": kind, "items": items}))
    return str(path)


@pytest.fixture
def files(tmp_path):
    threads = _write(
        tmp_path / "b_threads.json",
        "youtube#commentThreadListResponse",
        [_thread("T1", "vid1", 2), _thread("T2", "vid2", 0)],
    )
    # named to come first: the replies are read before their threads
    replies = _write(
        tmp_path / "a_replies.json",
        "youtube#commentListResponse",
        [_reply("T1.r1", "T1", "bob"), _reply("T1.r2", "T1", "cy"), _reply("T2.r1", "T2", "dee")],
    )
    return threads, replies


def _comments(ws) -> dict[str, tuple]:
    rows = ws.duck.execute(
        "SELECT comment_id, post_id, parent_comment_id, import_id FROM comments"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_reply_page_read_before_its_threads_file_takes_the_parents_video(ws, files):
    threads, replies = files
    r = import_paths(ws, [replies, threads])
    assert r.rejected == 0
    got = _comments(ws)
    assert {c: v[:2] for c, v in got.items()} == {
        "T1": ("vid1", None),
        "T2": ("vid2", None),
        "T1.r1": ("vid1", "T1"),
        "T1.r2": ("vid1", "T1"),
        "T2.r1": ("vid2", "T2"),
    }
    by_file = {f.path.rsplit("/", 1)[1]: f.rows for f in r.files}
    assert by_file["a_replies.json"]["comments"] == 3 and by_file["b_threads.json"]["comments"] == 2


def test_reply_page_of_a_later_import_takes_the_stored_parents_video_and_reimport_changes_nothing(ws, files):
    threads, replies = files
    import_paths(ws, [threads])
    r = import_paths(ws, [replies])
    assert r.rows()["comments"] == 3
    before = _comments(ws)
    assert before["T1.r2"][:2] == ("vid1", "T1") and before["T2.r1"][:2] == ("vid2", "T2")
    n_imports = ws.duck.execute("SELECT count(*) FROM imports").fetchone()[0]

    again = import_paths(ws, [replies, threads], force=True)
    assert again.rows() == {"accounts": 0, "comments": 0}
    assert _comments(ws) == before  # the video and the import that wrote each row, as they were
    assert ws.duck.execute("SELECT count(*) FROM imports").fetchone()[0] == n_imports + 2


def test_reply_whose_parent_is_nowhere_fails_the_import_naming_file_record_and_parent_id(ws, files, tmp_path):
    threads, _ = files
    orphan = _write(
        tmp_path / "orphan.json",
        "youtube#commentListResponse",
        [_reply("T1.r1", "T1", "bob"), _reply("X.r1", "Xgone", "eve")],
    )
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [threads, orphan])
    msg = str(e.value)
    assert "orphan.json, line 1, items[1], field 'items[1].snippet.parentId'" in msg
    assert "'Xgone'" in msg
    assert ws.duck.execute("SELECT count(*) FROM comments").fetchone()[0] == 0  # rolled back
    assert ws.duck.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_reply_whose_parent_is_nowhere_is_quarantined_with_skip_bad_and_once_on_a_forced_reread(
    ws, files, tmp_path
):
    threads, _ = files
    orphan = _write(
        tmp_path / "orphan.json",
        "youtube#commentListResponse",
        [_reply("T1.r1", "T1", "bob"), _reply("X.r1", "Xgone", "eve")],
    )
    r = import_paths(ws, [threads, orphan], skip_bad=True)
    by_file = {f.path.rsplit("/", 1)[1]: f for f in r.files}
    assert (by_file["orphan.json"].rows["comments"], by_file["orphan.json"].rejected) == (1, 1)
    assert set(_comments(ws)) == {"T1", "T2", "T1.r1"}
    rej = ws.duck.execute("SELECT path, location, field, raw FROM rejects").fetchall()
    assert len(rej) == 1
    path, loc, fld, raw = rej[0]
    assert (path.rsplit("/", 1)[1], loc, fld) == (
        "orphan.json",
        "line 1, items[1]",
        "items[1].snippet.parentId",
    )
    assert json.loads(raw)["id"] == "X.r1"
    status = ws.duck.execute("SELECT status, rejected FROM imports WHERE path LIKE '%orphan.json'").fetchall()
    assert status == [("ok_with_rejects", 1)]

    again = import_paths(ws, [orphan], skip_bad=True, force=True)
    assert again.rejected == 1 and again.rows()["comments"] == 0
    assert (
        ws.duck.execute("SELECT count(*) FROM rejects").fetchone()[0] == 1
    )  # kept once, under the first import


def test_replies_to_a_forgotten_accounts_comment_are_placed_under_its_video(ws, files):
    """``forget`` keeps others' replies to a forgotten account's comment; reply pages imported with the export again
    (which brings the forgotten comments back, to be dropped anew) are placed under the video of their parent, dropped
    after placing them — not refused as replies to a comment found nowhere."""
    from tribescope.store._privacy import forget

    threads, replies = files
    import_paths(ws, [threads])
    forget(ws, "UCann", "youtube")
    assert _comments(ws) == {}
    r = import_paths(ws, [replies, threads], force=True)
    assert r.rejected == 0
    assert {c: v[:2] for c, v in _comments(ws).items()} == {
        "T1.r1": ("vid1", "T1"),
        "T1.r2": ("vid1", "T1"),
        "T2.r1": ("vid2", "T2"),
    }


def test_unplaced_reply_whose_record_was_not_noted_is_refused_by_its_comment_id(ws, tmp_path, monkeypatch):
    """The placing step finds the reply's record in what the reader noted; when that note is missing (another import
    of the same process took it) the reply is still refused, by its comment id — not a StopIteration traceback."""
    from tribescope.ingest import youtube

    class Forgets(dict):  # notes every reply but X.r1
        def __setitem__(self, key, value):
            if key != "X.r1":
                super().__setitem__(key, value)

    class Notes(dict):
        def setdefault(self, key, default=None):
            return super().setdefault(key, Forgets())

    monkeypatch.setattr(youtube, "_UNPLACED", Notes())
    orphan = _write(
        tmp_path / "orphan.json",
        "youtube#commentListResponse",
        [_reply("W.r1", "Wgone", "eve"), _reply("X.r1", "Xgone", "eve")],
    )
    import_paths(ws, [orphan], skip_bad=True)
    got = ws.duck.execute("SELECT location, field FROM rejects ORDER BY 1").fetchall()
    assert got == [("comment X.r1", "snippet.parentId"), ("line 1, items[0]", "items[0].snippet.parentId")]
    assert ws.duck.execute("SELECT count(*) FROM comments").fetchone()[0] == 0
