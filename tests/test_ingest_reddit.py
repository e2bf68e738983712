"""Reddit importer: Pushshift NDJSON and API Listing JSON (incl. thread pages) → community_messages."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tribescope.errors import ImportFailed
from tribescope.ingest import detect_format, import_paths
from tribescope.ingest._readers import Source
from tribescope.ingest.reddit import Reddit

try:  # tests/ may or may not be a package
    from ._parser_props import mutated, parse_all
except ImportError:
    from _parser_props import mutated, parse_all  # type: ignore[no-redef]

UTC = dt.UTC
FIXTURES = Path(__file__).parent / "fixtures"
RD = FIXTURES / "reddit"


def _msgs(ws):
    return {r["message_id"]: r for r in ws.table("community_messages").to_pyarrow().to_pylist()}


def _counts(ws):
    c = ws.counts()
    return {k: c[k] for k in ("accounts", "community_messages", "community_links", "rejects")}


def test_pushshift_submissions_and_comments(ws):
    r = import_paths(ws, [RD / "cozyknits_submissions.ndjson", RD / "cozyknits_comments.ndjson"])
    assert [f.format for f in r.files] == ["reddit", "reddit"]
    m = _msgs(ws)
    assert set(m) == {"1a2b3c", "1a2b3d", "kc001", "kc002", "kc003"}
    sub = m["1a2b3c"]
    assert (sub["platform"], sub["space_id"], sub["space_name"], sub["thread_id"], sub["reply_to"]) == (
        "reddit",
        "cozyknits",
        "r/CozyKnits",
        "1a2b3c",
        None,
    )
    assert sub["channel"] == "Show your first sweater!"
    assert sub["text"] == "Show your first sweater!\n\nMine has one sleeve longer than the other."
    assert (sub["author_id"], sub["author_name"], sub["reactions"]) == ("purl_queen", "Purl_Queen", 57)
    assert sub["created_at"] == dt.datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert sub["snapshot_at"] == dt.datetime(2024, 1, 2, 12, 53, 20, tzinfo=UTC)
    link = m["1a2b3d"]  # deleted author, empty selftext, created_utc as text
    assert (link["author_id"], link["author_name"], link["text"]) == (None, None, "Link to a pattern")
    assert link["created_at"] == dt.datetime(2024, 1, 2, 12, 0, tzinfo=UTC)
    assert {
        k: (m[k]["thread_id"], m[k]["reply_to"], m[k]["author_id"], m[k]["reactions"])
        for k in ("kc001", "kc002", "kc003")
    } == {
        "kc001": ("1a2b3c", "1a2b3c", "sockittome", 12),
        "kc002": ("1a2b3c", "kc001", "purl_queen", 5),
        "kc003": ("1a2b3c", "kc002", None, -1),
    }
    # a Pushshift comment does not carry its submission's title: the import fills it from the stored submission
    # its thread_id names (Reddit.after_merge)
    assert m["kc001"]["channel"] == "Show your first sweater!"
    acc = {a["account_id"]: a for a in ws.table("accounts").to_pyarrow().to_pylist()}
    assert set(acc) == {"purl_queen", "sockittome"} and acc["sockittome"]["username"] == "SockItToMe"
    assert all(a["platform"] == "reddit" for a in acc.values())


def test_api_thread_page_with_nested_replies(ws):
    r = import_paths(ws, [RD / "thread.json"])
    assert r.files[0].records == 5  # the "more" placeholder is not a record
    m = _msgs(ws)
    assert {k: (v["thread_id"], v["reply_to"], v["author_id"]) for k, v in m.items()} == {
        "2x9y8z": ("2x9y8z", None, "dough_diaries"),
        "c1": ("2x9y8z", "2x9y8z", "crumb_chaser"),
        "c2": ("2x9y8z", "c1", "dough_diaries"),
        "c3": ("2x9y8z", "c2", "rye_not"),
        "c4": ("2x9y8z", "2x9y8z", "automoderator"),
    }
    assert {v["space_id"] for v in m.values()} == {"sourdoughclub"}
    assert {v["channel"] for v in m.values()} == {"AMA: 10 years of baking"}
    assert m["2x9y8z"]["text"] == "AMA: 10 years of baking" and m["c3"]["text"] == "agreed"
    assert m["c2"]["created_at"] == dt.datetime(2024, 3, 9, 16, 20, tzinfo=UTC) and m["c1"]["reactions"] == 20


def test_listing_of_comments_and_single_things(ws, tmp_path):
    f = tmp_path / "x.json"
    f.write_text(
        json.dumps(
            {
                "kind": "Listing",
                "data": {
                    "children": [
                        {
                            "kind": "t1",
                            "data": {
                                "id": "z1",
                                "parent_id": "t1_y",
                                "link_id": "t3_t",
                                "subreddit": "A",
                                "author": "u",
                                "body": "b",
                                "created_utc": 1.0,
                                "score": "3",
                            },
                        }
                    ]
                },
            }
        )
    )
    import_paths(ws, [f])
    z = _msgs(ws)["z1"]
    assert (z["space_id"], z["thread_id"], z["reply_to"], z["reactions"]) == ("a", "t", "y", 3)


def test_link_creator_links_every_space(ws):
    import_paths(ws, [RD], options={"link_creator": "youtube:UCdoughdiaries0000000001"})
    links = ws.table("community_links").to_pyarrow().to_pylist()
    assert sorted(
        (x["platform"], x["space_id"], x["space_name"], x["creator_platform"], x["creator_id"]) for x in links
    ) == [
        ("reddit", "cozyknits", "r/CozyKnits", "youtube", "UCdoughdiaries0000000001"),
        ("reddit", "sourdoughclub", "r/SourdoughClub", "youtube", "UCdoughdiaries0000000001"),
    ]


def test_link_creator_handle_is_lower_cased_and_bad_option_fails(ws):
    import_paths(ws, [RD / "thread.json"], options={"link_creator": "instagram:@Dough.Diaries"})
    assert ws.table("community_links").to_pyarrow().to_pylist()[0]["creator_id"] == "dough.diaries"
    before = _counts(ws)
    with pytest.raises(ImportFailed, match="PLATFORM:ACCOUNT_ID"):
        import_paths(ws, [RD / "cozyknits_comments.ndjson"], options={"link_creator": "myspace"})
    assert _counts(ws) == before


def test_detection_from_content(tmp_path):
    for i, name in enumerate(("cozyknits_submissions.ndjson", "cozyknits_comments.ndjson", "thread.json")):
        f = tmp_path / f"dump{i}"
        f.write_bytes((RD / name).read_bytes())
        assert detect_format(Source(f)).name == "reddit"


def test_idempotent_and_force_writes_nothing(ws):
    import_paths(ws, [RD])
    before = ws.counts()
    again = import_paths(ws, [RD])
    assert all(f.skipped for f in again.files)
    forced = import_paths(ws, [RD], force=True)
    assert sum(forced.rows().values()) == 0
    assert ws.counts() | {"imports": 0} == before | {"imports": 0}


def test_bad_line_fails_whole_import_or_is_quarantined(ws, tmp_path):
    f = tmp_path / "comments.ndjson"
    lines = (RD / "cozyknits_comments.ndjson").read_text().splitlines()
    lines.insert(1, '{"id": "x1", "subreddit": "CozyKnits", "body": "no link", "parent_id": "t3_1a2b3c"}')
    lines.insert(2, '{"id": "x2", "subreddit": "CozyKnits", "body": "cut')
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(ImportFailed, match=r"comments.ndjson, line 2, field 'link_id'"):
        import_paths(ws, [f])
    assert _counts(ws) == {"accounts": 0, "community_messages": 0, "community_links": 0, "rejects": 0}
    r = import_paths(ws, [f], skip_bad=True)
    assert r.rejected == 2 and ws.counts()["community_messages"] == 3
    assert sorted(x["location"] for x in ws.table("rejects").to_pyarrow().to_pylist()) == ["line 2", "line 3"]


def test_very_deep_reply_chain_is_flattened_without_recursion(ws, tmp_path):
    depth = 700  # the old recursive walk needed 2 frames per level: 1,400 > Python's default limit
    text = '""'
    for i in range(depth, 0, -1):  # built as text: json.dumps itself cannot nest this deep
        parent = f"t1_d{i - 1}" if i > 1 else "t3_s"
        replies = text if i == depth else '{"kind": "Listing", "data": {"children": [' + text + "]}}"
        head = json.dumps(
            {
                "id": f"d{i}",
                "parent_id": parent,
                "link_id": "t3_s",
                "subreddit": "Deep",
                "author": "u",
                "body": "x",
                "created_utc": 1,
            }
        )[:-1]
        text = '{"kind": "t1", "data": ' + head + ', "replies": ' + replies + "}}"
    f = tmp_path / "deep.json"
    f.write_text('[\n{"kind": "Listing", "data": {"children": [' + text + "]}}\n]\n")  # a streamed document
    r = import_paths(ws, [f], format="reddit")
    assert r.files[0].records == depth and r.rejected == 0
    m = _msgs(ws)
    assert m["d1"]["reply_to"] == "s" and m[f"d{depth}"]["reply_to"] == f"d{depth - 1}"


# ---------------------------------------------------------------------------- property tests

BASES = [
    json.loads(x)
    for n in ("cozyknits_submissions.ndjson", "cozyknits_comments.ndjson")
    for x in (RD / n).read_text().splitlines()
] + [json.loads((RD / "thread.json").read_text())]


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_parser_raises_only_field_or_source_errors(tmp_path_factory, data):
    doc = data.draw(mutated(data.draw(st.sampled_from(BASES))))
    raw = json.dumps(doc).encode()
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    f = tmp_path_factory.mktemp("rd") / "x.json"
    f.write_bytes(raw)
    parse_all(Reddit(), f, {"link_creator": "tiktok:Someone"})


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_import_fails_only_with_import_failed(ws, tmp_path_factory, data):
    docs = [
        data.draw(mutated(data.draw(st.sampled_from(BASES)))) for _ in range(data.draw(st.integers(1, 3)))
    ]
    raw = b"\n".join(json.dumps(d).encode() for d in docs)
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    f = tmp_path_factory.mktemp("rd") / "x.json"
    f.write_bytes(raw)
    before = _counts(ws)
    try:
        import_paths(ws, [f], force=True)
    except ImportFailed:
        assert _counts(ws) == before
    import_paths(ws, [f], force=True, skip_bad=True, format="reddit")


# ---------------------------------------------------------------------------- Pushshift / Arctic Shift .zst dumps
SAMPLES = Path(__file__).parent / "format_samples"
ZST_DUMPS = [SAMPLES / "reddit_knitting_submissions.zst", SAMPLES / "reddit_knitting_comments.zst"]


def test_pushshift_zst_dumps_are_read_as_they_are_downloaded(ws):
    """The per-subreddit dumps (``<sub>_submissions.zst``, ``<sub>_comments.zst``, as ``RS_*``/``RC_*``) are NDJSON in
    zstd frames with a window beyond the 128 MB a decompressor takes by default (the dumps': 2 GB, ``--long=31``)."""
    import zstandard

    for f in ZST_DUMPS:
        assert zstandard.get_frame_parameters(f.read_bytes()).window_size > 1 << 27
    r = import_paths(ws, ZST_DUMPS)
    assert [(f.format, f.records) for f in r.files] == [("reddit", 3), ("reddit", 5)]
    m = _msgs(ws)
    assert len(m) == 8 and {v["space_id"] for v in m.values()} == {"knitting"}
    assert (m["18w1abc"]["text"], m["18w1abc"]["reactions"], m["18w1abc"]["author_id"]) == (
        "First sweater!\n\nTook me three months, pattern in the comments.",
        42,
        "fiberfox",
    )
    assert m["18w3ghi"]["created_at"] == dt.datetime(2024, 1, 1, 14, 0, tzinfo=UTC)  # created_utc as text
    assert (m["kfx0003"]["thread_id"], m["kfx0003"]["reply_to"], m["kfx0003"]["text"]) == (
        "18w1abc",
        "kfx0002",
        "Drops Air in off-white \u2764\ufe0f",
    )
    assert (m["kfx0005"]["reactions"], m["kfx0005"]["snapshot_at"]) == (
        3,
        dt.datetime(2024, 1, 2, 10, tzinfo=UTC),
    )
    assert {a["account_id"] for a in ws.table("accounts").to_pyarrow().to_pylist()} == {
        "fiberfox",
        "purlqueen",
        "yarnbarn",
    }
    before = ws.counts()
    forced = import_paths(ws, ZST_DUMPS, force=True)  # re-importing the same dumps changes nothing
    assert sum(forced.rows().values()) == 0 and ws.counts() | {"imports": 0} == before | {"imports": 0}


def _zst(data: bytes, window_log: int = 28) -> bytes:
    """``data`` as the dump tools write it: streamed (no content size in the frame), with a long window."""
    import io

    import zstandard

    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=window_log)
    out = io.BytesIO()
    with zstandard.ZstdCompressor(compression_params=params).stream_writer(out, closefd=False) as w:
        w.write(data)
    return out.getvalue()


def test_zst_dump_of_several_frames_is_read_whole_and_streamed(ws, tmp_path):
    """A dump may hold several zstd frames (files joined with ``cat``); each is read, none held whole in memory."""
    from tribescope.ingest import _readers

    lines = (RD / "cozyknits_comments.ndjson").read_bytes()
    subs = (RD / "cozyknits_submissions.ndjson").read_bytes()
    f = tmp_path / "cozyknits_all.zst"
    f.write_bytes(_zst(subs) + _zst(lines))
    r = import_paths(ws, [f])
    assert r.files[0].records == 5 and set(_msgs(ws)) == {"1a2b3c", "1a2b3d", "kc001", "kc002", "kc003"}

    big = tmp_path / "RC_big.zst"  # ~2 MB compressed, decompressed as it is read
    rnd = random.Random(7)
    body = b"".join(
        json.dumps(
            {"id": f"c{i}", "link_id": "t3_x", "subreddit": "a", "body": rnd.randbytes(60).hex()}
        ).encode()
        + b"\n"
        for i in range(25_000)
    )
    big.write_bytes(_zst(body))
    src = Source(big)
    with src.open() as fh:
        assert fh.readline().startswith(b'{"id": "c0"')
        assert src.bytes_read() <= 8 * _readers._ZSTD_CHUNK < src.size  # not the whole file read for one line


@pytest.mark.parametrize("damage", ["truncated", "trailing_garbage"])
def test_damaged_zst_dump_is_a_clear_error_and_changes_nothing(ws, tmp_path, damage):
    body = b"".join(
        json.dumps({"id": f"c{i}", "link_id": "t3_x", "subreddit": "a", "body": f"comment {i}"}).encode()
        + b"\n"
        for i in range(20_000)
    )
    data = _zst(body)
    f = tmp_path / "RC_2023-01.zst"
    f.write_bytes(data[: len(data) // 2] if damage == "truncated" else data + b"not zstd")
    before = _counts(ws)
    with pytest.raises(ImportFailed, match=r"RC_2023-01\.zst, .*the zstd file is truncated or corrupt"):
        import_paths(ws, [f])
    assert _counts(ws) == before


def test_removed_or_deleted_text_is_no_text(ws, tmp_path):
    """Reddit leaves ``[removed]`` / ``[deleted]`` in place of a removed comment's body or submission's self text (a
    large share of a dump's comments): stored as text, thousands of identical "comments" would read as copy-paste."""
    subs = tmp_path / "knitting_submissions.ndjson"
    subs.write_text(
        json.dumps(
            {
                "id": "18w2def",
                "subreddit": "knitting",
                "author": "[deleted]",
                "title": "WIP: colourwork yoke",
                "selftext": "[deleted]",
                "created_utc": 1704110400,
                "score": 7,
            }
        )
        + "\n"
    )
    import_paths(ws, [subs, RD / "cozyknits_comments.ndjson"])
    m = _msgs(ws)
    assert m["kc003"]["text"] is None  # body "[removed]"
    assert (m["kc003"]["thread_id"], m["kc003"]["reply_to"]) == ("1a2b3c", "kc002")  # still a reply
    assert m["18w2def"]["text"] == "WIP: colourwork yoke"  # selftext "[deleted]": the title alone


def test_zst_written_by_pzstd_starts_with_a_skippable_frame(ws, tmp_path):
    """pzstd (zstd's parallel tool) writes a skippable frame holding the next frame's size before each frame, so the
    file starts with 0x184D2A50, not the zstd frame magic: it is zstd all the same."""
    import struct

    frames = [
        _zst((RD / n).read_bytes()) for n in ("cozyknits_submissions.ndjson", "cozyknits_comments.ndjson")
    ]
    f = tmp_path / "cozyknits.zst"
    f.write_bytes(b"".join(struct.pack("<III", 0x184D2A50, 4, len(fr)) + fr for fr in frames))
    assert Source(f).compression == "zstd"
    r = import_paths(ws, [f])
    assert (r.files[0].format, r.files[0].records) == ("reddit", 5)
