"""Reddit comments take their submission's title (``channel``) from the workspace, whichever file or import brought it.

The Pushshift / Arctic Shift dumps come as two files (``<sub>_submissions.zst``, ``<sub>_comments.zst``) whose
comments carry no ``link_title``: imported together or apart, in either order, each comment's channel is its
submission's title once the workspace holds that submission."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tribescope.errors import ImportFailed
from tribescope.ingest import import_paths
from tribescope.ingest.reddit import Reddit

TITLE = "First sweater!"
SUBMISSIONS = [
    {
        "id": "s1",
        "title": TITLE,
        "subreddit": "Knitting",
        "author": "Ann",
        "created_utc": 1704067200,
        "selftext": "Took me three months.",
    },
    {
        "id": "s2",
        "title": "",
        "subreddit": "Knitting",
        "author": "Ann",
        "created_utc": 1704067200,
        "selftext": "x",
    },
]
COMMENTS = [
    # on s1: a top-level comment, a reply to it, and one that names its title itself
    {"id": "c1", "link_id": "t3_s1", "parent_id": "t3_s1", "body": "Lovely", "subreddit": "Knitting"}
    | {"author": "Bob", "created_utc": 1704067300},
    {"id": "c2", "link_id": "t3_s1", "parent_id": "t1_c1", "body": "Agreed", "subreddit": "Knitting"}
    | {"author": "Cy", "created_utc": 1704067400},
    {"id": "c3", "link_id": "t3_s1", "parent_id": "t3_s1", "body": "Nice", "subreddit": "Knitting"}
    | {"author": "Cy", "created_utc": 1704067500, "link_title": "Title the comment gives"},
    # its submission is in no file
    {"id": "c4", "link_id": "t3_gone", "parent_id": "t3_gone", "body": "Orphan", "subreddit": "Knitting"}
    | {"author": "Bob", "created_utc": 1704067600},
    # its submission has no title
    {"id": "c5", "link_id": "t3_s2", "parent_id": "t3_s2", "body": "Hm", "subreddit": "Knitting"}
    | {"author": "Bob", "created_utc": 1704067700},
]
EXPECTED = {"c1": TITLE, "c2": TITLE, "c3": "Title the comment gives", "c4": None, "c5": None}


def _zst(data: bytes) -> bytes:
    """``data`` as the dump tools write it (zstd, streamed, long window)."""
    import zstandard

    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=28)
    out = io.BytesIO()
    with zstandard.ZstdCompressor(compression_params=params).stream_writer(out, closefd=False) as w:
        w.write(data)
    return out.getvalue()


def _dumps(tmp_path: Path, compressed: bool) -> tuple[Path, Path]:
    def write(name: str, records: list[dict]) -> Path:
        data = "".join(json.dumps(r) + "\n" for r in records).encode()
        path = tmp_path / (name + (".zst" if compressed else ".ndjson"))
        path.write_bytes(_zst(data) if compressed else data)
        return path

    return write("knitting_submissions", SUBMISSIONS), write("knitting_comments", COMMENTS)


def _rows(ws) -> dict[str, dict]:
    rows = ws.duck.execute("SELECT * FROM community_messages ORDER BY message_id").to_arrow_table()
    return {r["message_id"]: r for r in rows.to_pylist()}


def _channels(ws) -> dict[str, str | None]:
    return {k: r["channel"] for k, r in _rows(ws).items() if k.startswith("c")}


@pytest.mark.parametrize("compressed", [False, True], ids=["ndjson", "zst"])
@pytest.mark.parametrize("calls", ["one", "two"])
@pytest.mark.parametrize("order", ["submissions_first", "comments_first"])
def test_comments_take_their_submissions_title(ws, tmp_path, order, calls, compressed):
    subs, coms = _dumps(tmp_path, compressed)
    files = [subs, coms] if order == "submissions_first" else [coms, subs]
    if calls == "one":
        import_paths(ws, files)
    else:
        for f in files:
            import_paths(ws, f)
    assert _channels(ws) == EXPECTED
    assert _rows(ws)["s1"]["channel"] == TITLE

    # re-importing the same dumps changes no row, provenance included
    before = _rows(ws)
    again = import_paths(ws, files, force=True)
    assert sum(again.rows().values()) == 0
    assert _rows(ws) == before


def test_stored_comment_filled_later_counts_for_the_submissions_file(ws, tmp_path):
    subs, coms = _dumps(tmp_path, compressed=False)
    first = import_paths(ws, coms)
    assert _channels(ws) == dict.fromkeys(EXPECTED, None) | {"c3": "Title the comment gives"}
    second = import_paths(ws, subs)
    assert _channels(ws) == EXPECTED
    sub_file = second.files[0]
    # its two submissions, and the two stored comments it gave a title
    assert sub_file.rows["community_messages"] == 4
    rows = _rows(ws)
    assert {k: rows[k]["import_id"] for k in ("c1", "c2")} == dict.fromkeys(("c1", "c2"), sub_file.import_id)
    assert {rows[k]["import_id"] for k in ("c3", "c4", "c5")} == {first.files[0].import_id}
    (logged,) = ws.duck.execute(
        "SELECT rows FROM imports WHERE import_id = ?", [sub_file.import_id]
    ).fetchone()
    assert json.loads(logged)["community_messages"] == 4


def test_failed_import_fills_no_title(ws, tmp_path):
    subs, coms = _dumps(tmp_path, compressed=False)
    import_paths(ws, coms)
    before = _rows(ws)
    bad = tmp_path / "zz_bad_comments.ndjson"
    bad.write_text(json.dumps({"id": "c9", "link_id": "t3_s1", "parent_id": "t3_s1", "subreddit": "Knitting",
                               "body": "x", "created_utc": "not a time"}) + "\n")  # fmt: skip
    with pytest.raises(ImportFailed):
        import_paths(ws, [subs, bad])
    assert _rows(ws) == before


def test_imports_without_reddit_files_do_not_run_the_fill(ws, tmp_path, monkeypatch):
    def refuse(self, ws, import_ids):
        raise AssertionError("the Reddit title fill ran for an import without Reddit files")

    monkeypatch.setattr(Reddit, "after_merge", refuse, raising=False)
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("platform,account_id,username,followers\ninstagram,ann,Ann,10\n")
    assert import_paths(ws, accounts).rows() == {"accounts": 1}
