"""The shapes real JSON exports come in, beyond the tidy ones: a list of pages written on one line (``json.dump``),
a UTF-8 byte-order mark before a pretty-printed document (Windows tools), NDJSON whose first record is bad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tribescope.errors import ImportFailed
from tribescope.ingest import import_paths
from tribescope.store import connect

FIX = Path(__file__).parent / "fixtures"


def _pages(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _content(tmp_path: Path, name: str, files: list[Path], **kw) -> dict[str, list[tuple]]:
    """Every canonical row the files import (without import ids and times), table by table."""
    ws = connect(tmp_path / f"{name}.duckdb")
    import_paths(ws, files, **kw)
    out = {}
    for table in ("accounts", "posts", "comments", "community_messages"):
        cols = [d[0] for d in ws.duck.execute(f"SELECT * FROM {table} LIMIT 0").description]
        keep = [c for c in cols if c not in ("import_id", "imported_at", "snapshot_at")]
        out[table] = ws.duck.execute(f"SELECT {', '.join(keep)} FROM {table} ORDER BY ALL").fetchall()
    ws.close()
    return out


@pytest.mark.parametrize("source", ["youtube/videos.jsonl", "tiktok/videos.jsonl"])
def test_a_list_of_pages_on_one_line_imports_as_its_pages(tmp_path, source):
    pages = _pages(FIX / source)
    one_line = tmp_path / "pages.json"
    one_line.write_text(json.dumps(pages))  # json.dump of a list: one line, no newline
    assert one_line.read_text().count("\n") == 0
    want = _content(tmp_path, "ndjson", [FIX / source])
    assert want["posts"]  # the fixture holds posts
    assert _content(tmp_path, "one_line", [one_line]) == want


@pytest.mark.parametrize(
    "source",
    [
        "youtube/channels.json",
        "instagram/graph_media.json",
        "instagram/web_post.json",
        "reddit/thread.json",
        "discord/knitting-circle/general.json",
    ],
)
def test_a_byte_order_mark_before_a_pretty_printed_export_is_skipped(tmp_path, source):
    plain = tmp_path / "plain" / Path(source).name
    bom = tmp_path / "bom" / Path(source).name
    for f in (plain, bom):
        f.parent.mkdir()
    text = json.dumps(json.loads((FIX / source).read_text()), indent=2)
    plain.write_text(text, encoding="utf-8")
    bom.write_text(text, encoding="utf-8-sig")
    assert bom.read_bytes()[:3] == b"\xef\xbb\xbf"
    want = _content(tmp_path, "plain", [plain])
    assert any(want.values())
    assert _content(tmp_path, "bom", [bom]) == want


def test_ndjson_with_a_bad_first_record_loses_that_record_only(tmp_path):
    lines = (FIX / "youtube" / "commentThreads.jsonl").read_text().splitlines()
    assert len([ln for ln in lines[1:] if ln.strip()]) >= 2
    bad = tmp_path / "threads.jsonl"
    bad.write_text(
        '{"kind": "youtube#commentThreadListResponse", "items": [{"id":\n' + "\n".join(lines[1:]) + "\n"
    )
    rest = tmp_path / "rest.jsonl"
    rest.write_text("\n".join(lines[1:]) + "\n")
    with pytest.raises(ImportFailed, match=r"threads\.jsonl, line 1: not valid JSON"):
        _content(tmp_path, "strict", [bad])
    got = _content(tmp_path, "skip", [bad], skip_bad=True)
    assert got["comments"] and got == _content(tmp_path, "rest", [rest])


def test_a_first_line_only_orjson_refuses_is_one_bad_record_of_ndjson(tmp_path):
    """A lone UTF-16 surrogate escape is JSON (the standard library reads it) that orjson refuses: the line is a
    bad record, not the start of one unreadable document."""
    lines = (FIX / "youtube" / "commentThreads.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    first["items"][0]["snippet"]["topLevelComment"]["snippet"]["textOriginal"] = "\ud83d"
    f = tmp_path / "threads.jsonl"
    f.write_text(json.dumps(first) + "\n" + "\n".join(lines[1:]) + "\n")
    rest = tmp_path / "rest.jsonl"
    rest.write_text("\n".join(lines[1:]) + "\n")
    assert _content(tmp_path, "skip", [f], skip_bad=True) == _content(tmp_path, "rest", [rest])
