"""Import leftovers: ``--table`` for a delimited file of any name, DiscordChatExporter forwards, and no engine fast
plan for content the engine cannot read (UTF-16, xz)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import lzma
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.test_ingest_discord import _driver  # rows, rejects, counts as the driver reads them
from typer.testing import CliRunner

from tribescope.cli import app
from tribescope.errors import ImportFailed
from tribescope.ingest import detect_format, import_paths
from tribescope.ingest import youtube as yt_mod
from tribescope.ingest._readers import Source
from tribescope.ingest.discord import DiscordChatExporter
from tribescope.store import connect

SAMPLES = Path(__file__).parent / "format_samples" / "leftovers"
FORWARD = SAMPLES / "dce_forward.json"

# ---------------------------------------------------------------------------- --table: a delimited file of any name

#: accounts whose columns name no table by themselves (``handle`` is an alias of username, not a key detection uses)
HANDLES = "Handle,Follower Count\n@ann_knits,1200\n@bobbin,35\n"


@pytest.mark.parametrize("name", ["export.txt", "export", "accounts.dat"])
def test_named_table_sends_a_delimited_file_of_any_name_to_the_csv_importer(ws, tmp_path, name):
    f = tmp_path / name
    f.write_text(HANDLES)
    with pytest.raises(ImportFailed, match="format not recognised"):
        detect_format(Source(f))  # without a table: as before
    assert detect_format(Source(f), options={"table": "accounts"}).name == "csv"
    r = import_paths(ws, [f], options={"table": "accounts", "platform": "instagram"})
    assert r.files[0].format == "csv"
    rows = ws.duck.execute(
        "SELECT platform, account_id, username, followers FROM accounts ORDER BY 2"
    ).fetchall()
    assert rows == [("instagram", "ann_knits", "ann_knits", 1200), ("instagram", "bobbin", "bobbin", 35)]


def test_named_table_on_the_command_line(tmp_path):
    f = tmp_path / "export.txt"
    f.write_text(HANDLES.replace(",", "\t"))  # a tab-separated text file, as spreadsheets save them
    w = str(tmp_path / "ws.duckdb")
    r = CliRunner().invoke(app, ["--workspace", w, "import", str(f), "--table", "accounts"])
    assert r.exit_code == 0, r.output
    assert "not recognised" not in r.output
    ws = connect(w)
    try:
        assert ws.duck.execute("SELECT sum(followers) FROM accounts").fetchone() == (1235,)
    finally:
        ws.close()


def test_named_table_reads_excel_unicode_text_of_any_name(ws, tmp_path):
    f = tmp_path / "Export"  # Excel's "Unicode Text": UTF-16, tab-separated
    f.write_bytes(HANDLES.replace(",", "\t").encode("utf-16"))
    assert detect_format(Source(f), options={"table": "accounts"}).name == "csv"
    import_paths(ws, [f], options={"table": "accounts"})
    assert ws.duck.execute("SELECT username, followers FROM accounts ORDER BY 1").fetchall() == [
        ("ann_knits", 1200),
        ("bobbin", 35),
    ]


def test_named_table_leaves_every_other_detection_as_it_was(tmp_path):
    table = {"table": "comments"}
    one_column = tmp_path / "notes.txt"
    one_column.write_text("just some notes\nnothing delimited here\n")
    with pytest.raises(ImportFailed, match="format not recognised"):
        detect_format(Source(one_column), options=table)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ImportFailed, match="the file is empty"):
        detect_format(Source(empty), options=table)
    # an export a sniffer recognises stays that export, a table named or not
    assert detect_format(Source(FORWARD), options=table).name == "discord"
    patreon = Path(__file__).parent / "fixtures" / "patreon"
    for f in sorted(patreon.rglob("*.csv"))[:3]:
        assert detect_format(Source(f), options=table).name == detect_format(Source(f)).name
    # a forced format still wins
    assert detect_format(Source(FORWARD), "csv", options=table).name == "csv"


def test_named_table_in_a_folder_with_skip_bad_still_skips_what_is_no_export(ws, tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "accounts.txt").write_text(HANDLES)
    (tmp_path / "d" / "notes.txt").write_text("nothing delimited\n")
    r = import_paths(ws, [tmp_path / "d"], options={"table": "accounts"}, skip_bad=True)
    got = {Path(f.path).name: (f.format, f.skipped[:13]) for f in r.files}
    assert got == {"accounts.txt": ("csv", ""), "notes.txt": ("-", "not imported:")}
    assert ws.counts()["accounts"] == 2


# ---------------------------------------------------------------------------- DiscordChatExporter forwards


def _messages(path: Path, tmp_path: Path, **options) -> list[tuple]:
    ws = connect(tmp_path / f"{len(list(tmp_path.glob('*.duckdb')))}.duckdb")
    try:
        import_paths(ws, [path], options=options)
        return ws.duck.execute(
            "SELECT message_id, author_id, reply_to, created_at, text, reactions FROM community_messages ORDER BY 1"
        ).fetchall()
    finally:
        ws.close()


def test_forwarded_message_text_is_the_forwarded_text_on_every_path(tmp_path, monkeypatch):
    """A DCE forward (``reference.type`` ``Forward``, the forwarded message in ``forwardedMessage``) has no text of its
    own: its text is the forwarded one, as Discord shows it, the same on the columnar path (``bulk``), record by record,
    and streamed (a file too large to parse whole)."""
    from tribescope.ingest import _readers
    from tribescope.ingest._base import Context

    ctx = Context(str(FORWARD), "i1", dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    assert DiscordChatExporter().bulk(Source(FORWARD), ctx) is not None  # the columnar path maps it
    bulk = _messages(FORWARD, tmp_path)
    by_record = _messages(FORWARD, tmp_path, no_fast_path=True)
    monkeypatch.setattr(_readers, "WHOLE_DOC_BYTES", 100)
    streamed = _messages(FORWARD, tmp_path)
    assert bulk == by_record == streamed
    got = {m[0]: m for m in bulk}
    fwd = got["990000000000000012"]
    # the forwarding message's author, time and reactions; the forwarded text; no reply
    assert fwd[1:] == (
        "770000000000000002",
        None,
        dt.datetime(2025, 2, 28, 19, 25, tzinfo=dt.UTC),
        "Wool fair tickets are on sale now: 2 for 1 until Friday",
        2,
    )
    assert got["990000000000000013"][2] == "990000000000000012"  # a reply is still a reply
    assert got["990000000000000014"][4] in ("", None)  # a forwarded picture: no text either way
    assert got["990000000000000011"][4] == "Anyone going to the wool fair?"


def test_forward_marked_in_an_untyped_message_is_no_reply(tmp_path):
    doc = json.loads(FORWARD.read_text())
    for m in doc["messages"]:
        m.pop("type")  # an untyped message's reference is a reply's, unless it is a forward
    f = tmp_path / "untyped.json"
    f.write_text(json.dumps(doc))
    bulk = _messages(f, tmp_path)
    assert bulk == _messages(f, tmp_path, no_fast_path=True)
    assert {m[0]: m[2] for m in bulk} == {
        "990000000000000011": None,
        "990000000000000012": None,
        "990000000000000013": "990000000000000012",
        "990000000000000014": None,
    }


_ODD = st.one_of(
    st.none(), st.just(""), st.just("fwd text"), st.just(5), st.just([]), st.just({}), st.just(False)
)


@st.composite
def forwards(draw):
    msgs = []
    for i in range(draw(st.integers(1, 5))):
        m: dict = {
            "id": f"9{i}",
            "type": draw(st.sampled_from(["Default", "Reply", None, "absent"])),
            "timestamp": "2025-02-28T19:25:00+00:00",
            "content": draw(st.sampled_from(["", "own", None, "absent"])),
            "author": {"id": "u1", "name": "bob"},
        }
        if draw(st.booleans()):
            kind = draw(st.sampled_from(["Forward", "Default", None]))
            m["reference"] = {"type": kind, "messageId": "77"}
        if draw(st.integers(0, 3)):
            fwd = {"timestamp": "2025-02-27T08:00:00+00:00", "content": draw(_ODD)}
            m["forwardedMessage"] = draw(st.one_of(st.just(fwd), st.just(fwd), _ODD))
        for k in ("type", "content"):
            if m[k] == "absent":
                del m[k]
        msgs.append(m)
    doc = {"guild": {"id": "g1", "name": "G"}, "channel": {"id": "c1", "name": "general"}}
    doc |= {"exportedAt": "2025-03-01T12:00:00+00:00", "messages": msgs, "messageCount": len(msgs)}
    return json.dumps(doc).encode()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=forwards(), skip_bad=st.booleans())
def test_forwards_read_exactly_alike_columnar_and_record_by_record(tmp_path_factory, raw, skip_bad):
    f = tmp_path_factory.mktemp("fwd") / "x.json"
    f.write_bytes(raw)
    assert _driver(f, bulk=True, skip_bad=skip_bad) == _driver(f, bulk=False, skip_bad=skip_bad)


# ---------------------------------------------------------------------------- no fast plan the engine cannot read


def _comment_pages(threads: int, words: int = 8) -> str:
    """YouTube commentThreads pages (NDJSON), of random words (so that xz leaves them large)."""
    rnd = random.Random(1)
    pages = []
    for p in range(0, threads, 20):
        items = []
        for i in range(p, min(p + 20, threads)):
            text = " ".join("".join(rnd.choices("abcdefghijklmnopqrstuvwxyz", k=6)) for _ in range(words))
            snippet = {
                "channelId": "UCowner",
                "videoId": f"v{i % 3}",
                "textOriginal": text,
                "authorDisplayName": f"@fan{i % 7}",
                "authorChannelId": {"value": f"UCfan{i % 7}"},
                "likeCount": i % 5,
                "publishedAt": "2024-05-01T10:00:00Z",
            }
            top = {"kind": "youtube#comment", "id": f"T{i}", "snippet": snippet}
            items.append(
                {
                    "kind": "youtube#commentThread",
                    "id": f"T{i}",
                    "snippet": {"channelId": "UCowner", "videoId": f"v{i % 3}", "topLevelComment": top},
                }
            )
        pages.append({"kind": "youtube#commentThreadListResponse", "items": items})
    return "".join(json.dumps(p) + "\n" for p in pages)


_ENCODED = {
    "utf-16": lambda t: t.encode("utf-16"),
    "utf-16-be": lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
    "xz": lambda t: lzma.compress(t.encode()),
    "gzip-utf-16": lambda t: gzip.compress(t.encode("utf-16")),
}


def _import_counting_plans(tmp_path: Path, monkeypatch, f: Path) -> tuple[list, dict, int]:
    """Import ``f`` into a new workspace: whether each fast plan started mapped the file, the comments and accounts
    stored, the file's record count."""
    from tribescope.ingest import _fast

    started: list[bool] = []
    real = _fast.run_plan

    def spy(plan, import_id, con):
        res = real(plan, import_id, con)
        started.append(res is not None)
        return res

    monkeypatch.setattr(_fast, "run_plan", spy)
    ws = connect(tmp_path / f"{f.name}.duckdb")
    try:
        r = import_paths(ws, [f])
        rows = {
            "comments": ws.duck.execute(
                "SELECT comment_id, post_id, author_id, text, likes, created_at FROM comments ORDER BY ALL"
            ).fetchall(),
            "accounts": ws.duck.execute("SELECT account_id, username FROM accounts ORDER BY ALL").fetchall(),
        }
    finally:
        ws.close()
        monkeypatch.setattr(_fast, "run_plan", real)
    return started, rows, r.files[0].records


@pytest.mark.parametrize("encoding", sorted(_ENCODED))
def test_no_fast_plan_for_content_the_engine_cannot_read(tmp_path, monkeypatch, encoding):
    monkeypatch.setattr(yt_mod, "FAST_MIN_BYTES", 0)  # small files: every encoding at once, quickly
    text = _comment_pages(200)
    plain = tmp_path / "plain.jsonl"
    plain.write_text(text)
    started, expected, records = _import_counting_plans(tmp_path, monkeypatch, plain)
    assert started == [True] and records == 200  # the plan maps the UTF-8 file
    suffix = {"xz": ".jsonl.xz", "gzip-utf-16": ".jsonl.gz"}.get(encoding, ".jsonl")
    f = tmp_path / f"encoded{suffix}"
    f.write_bytes(_ENCODED[encoding](text))
    started, got, records = _import_counting_plans(tmp_path, monkeypatch, f)
    assert started == [], f"a fast plan was started for {encoding} content"
    assert got == expected and records == 200


def test_no_fast_plan_for_a_large_utf16_file(tmp_path, monkeypatch):
    """Past the size the fast plans start at (1 MB): the UTF-16 file is read by the Python reader at once, the same
    file in UTF-8 by the plan."""
    text = _comment_pages(3000)
    plain = tmp_path / "plain.jsonl"
    plain.write_text(text)
    wide = tmp_path / "wide.jsonl"
    wide.write_bytes(text.encode("utf-16"))
    assert wide.stat().st_size > 1 << 20 and plain.stat().st_size > 1 << 20
    started, expected, _ = _import_counting_plans(tmp_path, monkeypatch, plain)
    assert started == [True]
    started, got, records = _import_counting_plans(tmp_path, monkeypatch, wide)
    assert started == [] and got == expected and records == 3000


def test_engine_reads_by_the_first_bytes(tmp_path):
    from tribescope.ingest._run import _engine_reads

    text = _comment_pages(20)
    cases = {
        "plain.jsonl": (text.encode(), True),
        "bom.jsonl": (b"\xef\xbb\xbf" + text.encode(), True),
        "plain.jsonl.gz": (gzip.compress(text.encode()), True),
        # cut halfway: its first bytes still read (the plan's failure then names the damage, as before)
        "cut.jsonl.gz": (gzip.compress(text.encode())[: len(gzip.compress(text.encode())) // 2], True),
        "truncated.gz": (b"\x1f\x8b\x08\x00", False),  # not even its first bytes: the Python reader says so
        **{f"{k}.jsonl": (enc(text), False) for k, enc in _ENCODED.items()},
    }
    for name, (data, reads) in cases.items():
        (tmp_path / name).write_bytes(data)
        assert _engine_reads(Source(tmp_path / name)) is reads, name
