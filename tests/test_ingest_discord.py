"""DiscordChatExporter importer: streamed messages, authors, reply references, UTC, truncation."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tribescope.errors import ImportFailed
from tribescope.ingest import detect_format, import_paths
from tribescope.ingest._readers import Source
from tribescope.ingest.discord import DiscordChatExporter, read_header

try:  # tests/ may or may not be a package
    from ._parser_props import mutated, parse_all
except ImportError:
    from _parser_props import mutated, parse_all  # type: ignore[no-redef]

UTC = dt.UTC
DC = Path(__file__).parent / "fixtures" / "discord"
GENERAL = DC / "knitting-circle" / "general.json"
GUILD, CHANNEL = "880000000000000001", "880000000000000101"
PURL, SOCK, BOT = "770000000000000001", "770000000000000002", "770000000000000003"
M1, M2, M3, M4 = (f"99000000000000000{i}" for i in range(1, 5))


def _msgs(ws):
    return {r["message_id"]: r for r in ws.table("community_messages").to_pyarrow().to_pylist()}


def _counts(ws):
    c = ws.counts()
    return {k: c[k] for k in ("accounts", "community_messages", "community_links", "rejects")}


def test_export_exact_rows(ws):
    r = import_paths(ws, [DC])
    assert r.files[0].format == "discord" and r.files[0].records == 4
    m = _msgs(ws)
    assert set(m) == {M1, M2, M3, M4}
    for row in m.values():
        assert (row["platform"], row["space_id"], row["space_name"], row["channel"], row["thread_id"]) == (
            "discord",
            GUILD,
            "Knitting Circle",
            "general",
            CHANNEL,
        )
        assert row["snapshot_at"] == dt.datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert {k: (v["author_id"], v["author_name"], v["reply_to"], v["reactions"]) for k, v in m.items()} == {
        M1: (PURL, "purl_queen", None, 6),
        M2: (SOCK, "sock_it", M1, 0),
        M3: (BOT, "YarnBot", None, 0),
        M4: (PURL, "purl_queen", M2, 1),
    }
    # offsets converted to UTC
    assert m[M1]["created_at"] == dt.datetime(2024, 4, 30, 19, 15, 0, 123000, tzinfo=UTC)
    assert m[M3]["created_at"] == dt.datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
    assert m[M2]["text"] == "Here's my sock!"
    acc = {a["account_id"]: a for a in ws.table("accounts").to_pyarrow().to_pylist()}
    assert {k: (a["platform"], a["username"], a["full_name"], a["is_bot"]) for k, a in acc.items()} == {
        PURL: ("discord", "purl_queen", "Purl Queen 🧶", False),
        SOCK: ("discord", "sock_it", "sock_it", False),
        BOT: ("discord", "YarnBot", "YarnBot", True),
    }
    assert ws.counts()["community_links"] == 0


def test_link_creator(ws):
    import_paths(ws, [GENERAL], options={"link_creator": "youtube:UCknitting00000000000001"})
    assert [
        (x["platform"], x["space_id"], x["space_name"], x["creator_platform"], x["creator_id"])
        for x in ws.table("community_links").to_pyarrow().to_pylist()
    ] == [("discord", GUILD, "Knitting Circle", "youtube", "UCknitting00000000000001")]


def test_header_read_stops_at_messages(tmp_path):
    f = tmp_path / "big.json"
    text = GENERAL.read_text()
    # everything after the opening of `messages` is garbage: the header reader must never get there
    f.write_text(text[: text.index('"messages"')] + '"messages": [ this is not json')
    h = read_header(Source(f))
    assert h["guild"]["id"] == GUILD and h["channel"]["name"] == "general"
    assert h["exportedAt"] == "2024-05-01T12:00:00.1234567+02:00" and "messages" not in h


def test_minified_one_line_export_and_detection(ws, tmp_path):
    f = tmp_path / "export.dat"
    f.write_text(json.dumps(json.loads(GENERAL.read_text())))
    assert detect_format(Source(f)).name == "discord"
    big = tmp_path / "pretty.dat"
    doc = json.loads(GENERAL.read_text())
    doc["messages"] = doc["messages"] * 1500  # larger than the detection probe
    big.write_text(json.dumps(doc, indent=2))
    assert detect_format(Source(big)).name == "discord"
    r = import_paths(ws, [f])
    assert r.files[0].records == 4 and ws.counts()["community_messages"] == 4


def test_truncated_export_fails_or_keeps_messages_before_the_cut(ws, tmp_path):
    text = GENERAL.read_text()
    cut = tmp_path / "general.json"
    cut.write_text(text[: text.index('"id": "990000000000000003"') + 20])
    import_paths(ws, [DC / ".." / "reddit" / "thread.json"])
    before = _counts(ws)
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [cut])
    assert "general.json" in str(e.value) and "record 3" in str(e.value)
    assert _counts(ws) == before
    r = import_paths(ws, [cut], skip_bad=True)
    assert r.rejected == 1 and r.files[0].records == 2
    assert {k for k, v in _msgs(ws).items() if v["platform"] == "discord"} == {M1, M2}
    rej = ws.table("rejects").to_pyarrow().to_pylist()
    assert len(rej) == 1 and rej[0]["location"].startswith("record 3")
    assert "truncated" in rej[0]["reason"] and "rest of the file was not read" in rej[0]["reason"]


def test_bad_message_is_rejected_with_field(ws, tmp_path):
    doc = json.loads(GENERAL.read_text())
    doc["messages"][1]["reactions"] = [{"emoji": {}, "count": "many"}]
    doc["messages"][2]["timestamp"] = "the day after"
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(doc, indent=1))
    with pytest.raises(ImportFailed, match=r"bad.json, record 2, field 'reactions\[0\].count'"):
        import_paths(ws, [f])
    r = import_paths(ws, [f], skip_bad=True)
    assert r.rejected == 2 and set(_msgs(ws)) == {M1, M4}
    assert sorted(x["field"] for x in ws.table("rejects").to_pyarrow().to_pylist()) == [
        "reactions[0].count",
        "timestamp",
    ]


def test_not_an_export_header(ws, tmp_path):
    f = tmp_path / "x.json"
    f.write_text(json.dumps({"guild": {"name": "no id"}, "channel": {}, "messages": []}))
    with pytest.raises(ImportFailed, match=r"guild\.id"):
        import_paths(ws, [f], format="discord")


def test_idempotent_and_force_writes_nothing(ws):
    import_paths(ws, [DC])
    before = ws.counts()
    assert all(f.skipped for f in import_paths(ws, [DC]).files)
    assert sum(import_paths(ws, [DC], force=True).rows().values()) == 0
    assert ws.counts() | {"imports": 0} == before | {"imports": 0}


# ---------------------------------------------------------------------------- property tests


@st.composite
def messy_export(draw):
    doc = draw(mutated(json.loads(GENERAL.read_text()), edits=4, replace_root=False))
    raw = json.dumps(doc, indent=draw(st.sampled_from([None, 1]))).encode()
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


@settings(max_examples=100, deadline=None)
@given(raw=messy_export())
def test_parser_raises_only_field_or_source_errors(tmp_path_factory, raw):
    f = tmp_path_factory.mktemp("dc") / "x.json"
    f.write_bytes(raw)
    parse_all(DiscordChatExporter(), f)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=messy_export())
def test_import_fails_only_with_import_failed(ws, tmp_path_factory, raw):
    f = tmp_path_factory.mktemp("dc") / "x.json"
    f.write_bytes(raw)
    before = _counts(ws)
    try:
        import_paths(ws, [f], force=True)
    except ImportFailed:
        assert _counts(ws) == before
    import_paths(ws, [f], force=True, skip_bad=True, format="discord")


def _trace(path: Path) -> list:
    """Every record's location and mapped rows (or the error) as the driver would see them."""
    from tribescope.errors import FieldError, SourceError
    from tribescope.ingest._base import Context

    fmt, out = DiscordChatExporter(), []
    ctx = Context(str(path), "i1", dt.datetime(2024, 1, 1, tzinfo=UTC))
    try:
        for loc, raw in fmt.records(Source(path), ctx):
            try:
                out.append((loc, list(fmt.convert(raw, ctx))))
            except FieldError as exc:
                out.append((loc, "field", exc.field, exc.message))
    except SourceError as exc:
        out.append(("source", exc.location, exc.message))
    return out


@settings(max_examples=150, deadline=None)
@given(raw=messy_export())
def test_whole_document_reads_exactly_as_streaming(tmp_path_factory, raw):
    """Small exports are parsed whole with orjson: same header, messages, locations and errors as
    the ijson stream (which any file above WHOLE_DOC_BYTES takes)."""
    from unittest import mock

    from tribescope.ingest import _readers

    f = tmp_path_factory.mktemp("dc") / "x.json"
    f.write_bytes(raw)
    whole = _trace(f)
    with mock.patch.object(_readers, "WHOLE_DOC_BYTES", -1):
        streamed = _trace(f)
    assert whole == streamed


def test_whole_document_is_used_and_declines_what_it_cannot_mirror(tmp_path):
    from tribescope.ingest._readers import whole_document

    assert isinstance(whole_document(Source(GENERAL), ("messages",)), dict)
    text = GENERAL.read_text()
    dup = tmp_path / "dup.json"  # a second `guild` after the messages: a stream reader never sees it
    dup.write_text(text.rstrip().rstrip("}") + ', "guild": {"id": "1"}}')
    assert whole_document(Source(dup), ("guild",)) is None
    assert _trace(dup)[0][1][0][1]["space_id"] == GUILD
    one_line = tmp_path / "one.json"
    one_line.write_text(json.dumps(json.loads(text)))
    assert whole_document(Source(one_line)) is None  # NDJSON: read line by line
    big = tmp_path / "big.json"
    big.write_text(text.replace('"id": "990000000000000001"', '"id": 99999999999999999999999'))
    assert whole_document(Source(big)) is None  # beyond 64 bits: orjson reads it, the C ijson backend fails
    ((kind, where, why),) = _trace(big)
    assert (kind, where.split(" (")[0], "integer overflow" in why) == ("source", "record 1", True)


# ---------------------------------------------------------------------------- the whole-file columnar path


def _driver(path: Path, *, bulk: bool, skip_bad: bool = False, options: dict | None = None) -> tuple:
    """What the import driver reads from ``path`` — rows per table in order, rejects, (records, rejected) — with or
    without :meth:`DiscordChatExporter.bulk`; an error as its type and text."""
    from tribescope.ingest._run import _read_file

    opts = dict(options or {})
    if not bulk:
        opts["no_fast_path"] = True
    rows: dict[str, list] = {}
    rejects: list = []
    done = None
    try:
        for kind, a, b in _read_file(Source(path), DiscordChatExporter(), "i1", skip_bad, opts):
            if kind == "rows":
                rows.setdefault(a, []).extend(b.to_pylist())
            elif kind == "rejects":
                rejects.extend(b.to_pylist())
            elif kind == "done":
                done = (a, b)
    except Exception as exc:  # the same failure both ways
        return ("error", type(exc).__name__, str(exc))
    return rows, rejects, done


@settings(max_examples=200, deadline=None)
@given(raw=messy_export(), skip_bad=st.booleans(), link=st.booleans())
def test_bulk_path_reads_exactly_as_record_by_record(tmp_path_factory, raw, skip_bad, link):
    """The columnar path gives the driver the very rows, counts, rejects and errors of the record-by-record path:
    it maps a file only when no message needs a coercion or a rejection, and otherwise declines."""
    f = tmp_path_factory.mktemp("dc") / "x.json"
    f.write_bytes(raw)
    opts = {"link_creator": "youtube:UCknitting00000000000001"} if link else None
    assert _driver(f, bulk=True, skip_bad=skip_bad, options=opts) == _driver(
        f, bulk=False, skip_bad=skip_bad, options=opts
    )


_ANY = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.just(2**63), st.floats(-2, 2, allow_nan=False), st.just(""),
    st.just("x"), st.just([]), st.just({}),
)  # fmt: skip
_TEXT = st.one_of(
    st.none(), st.sampled_from(["", "a", "Bé 🧶", "2024-05-01T03:00:00+00:00", "1714504800"]), _ANY
)


@st.composite
def dce_export(draw):
    """A DCE export whose messages draw each field the importer reads: mostly a typical value, sometimes any odd
    JSON value (so that some files map whole and others need a coercion or a rejection somewhere)."""

    def pick(usual, odd=_ANY):
        return draw(odd if draw(st.integers(0, 39)) == 0 else usual)

    text = st.sampled_from(["", "a", "Bé 🧶", "hi\nthere", None])
    msgs = []
    for i in range(draw(st.integers(0, 6))):
        m: dict = {"id": pick(st.sampled_from([f"99{i}"] * 9 + [""]), _TEXT)}
        if draw(st.booleans()):
            m["type"] = pick(st.sampled_from(["Reply", "Default", None]))
        ts = st.sampled_from(
            ["2024-04-30T21:15:00.123+02:00", "2024-05-01T12:00:00.1234567+02:00", 1714504800, None]
        )
        m["timestamp"] = pick(ts, _TEXT)
        m["content"] = pick(text)
        author = {
            k: pick(v)
            for k, v in (("id", st.sampled_from(["u1", "u2", "", None])), ("name", text), ("nickname", text),
                         ("isBot", st.sampled_from([True, False, None])))
            if draw(st.integers(0, 5))
        }  # fmt: skip
        if draw(st.integers(0, 5)):
            m["author"] = pick(st.just(author))
        if draw(st.integers(0, 5)):
            n = draw(st.integers(0, 3))
            count = st.sampled_from([0, 1, 3, 10**12, None])
            m["reactions"] = pick(st.just([pick(st.just({"count": pick(count)})) for _ in range(n)]))
        if draw(st.booleans()):
            m["reference"] = pick(st.sampled_from([{"messageId": "990"}, {}, {"messageId": None}, None]))
        msgs.append(m)
    head = {
        "guild": {"id": pick(st.just("g1"), st.sampled_from([7, ""])), "name": pick(text)},
        "channel": {"id": "c1", "name": pick(text)},
        "exportedAt": pick(st.just("2024-05-01T12:00:00+02:00"), _TEXT),
    }
    return json.dumps(
        {**head, "messages": msgs, "messageCount": len(msgs)}, indent=draw(st.sampled_from([1, 1, 2, None]))
    ).encode()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(raw=dce_export(), skip_bad=st.booleans())
def test_bulk_path_reads_generated_exports_exactly_as_record_by_record(tmp_path_factory, raw, skip_bad):
    from hypothesis import event

    from tribescope.ingest._base import Context

    f = tmp_path_factory.mktemp("dc") / "x.json"
    f.write_bytes(raw)
    ctx = Context(str(f), "i1", dt.datetime(2024, 1, 1, tzinfo=UTC))
    event("mapped whole" if DiscordChatExporter().bulk(Source(f), ctx) is not None else "declined")
    assert _driver(f, bulk=True, skip_bad=skip_bad) == _driver(f, bulk=False, skip_bad=skip_bad)


def test_bulk_path_maps_the_usual_export_and_declines_what_needs_a_coercion(tmp_path):
    from tribescope.ingest._base import Context

    def bulk(path: Path):
        ctx = Context(str(path), "i1", dt.datetime(2024, 1, 1, tzinfo=UTC))
        return DiscordChatExporter().bulk(Source(path), ctx)

    got = bulk(GENERAL)
    assert got is not None
    records, tables = got
    assert records == 4
    assert tables["community_messages"]["message_id"] == [M1, M2, M3, M4]
    assert tables["community_messages"]["reactions"] == [6, 0, 0, 1]
    assert tables["community_messages"]["reply_to"] == [None, M1, None, M2]
    # distinct author rows, in order of first occurrence (purl_queen wrote M1 and M4)
    assert tables["accounts"]["account_id"] == [PURL, SOCK, BOT]
    assert _driver(GENERAL, bulk=True) == _driver(GENERAL, bulk=False)
    text = GENERAL.read_text()
    for old, new in [
        ('"id": "990000000000000003"', '"id": 990000000000000003'),  # a number: the row check makes it text
        ('"count": 4', '"count": "4"'),  # a count as text: to_int reads it
        ('"content": "Here\'s my sock!"', '"content": 5'),
        ('"isBot": true', '"isBot": "true"'),
        (
            '"content": "gorgeous colourway"',
            '"content": "gorgeous\\u0000colourway"',
        ),  # NUL: dropped by the check
        ('"timestamp": "2024-04-30T19:20:00+00:00"', '"timestamp": "yesterday"'),  # rejected, with its field
        ('"author": {"id": "770000000000000003"', '"author": "YarnBot", "x": {"id": "770000000000000003"'),
    ]:
        assert old in text
        f = tmp_path / "edited.json"
        f.write_text(text.replace(old, new, 1))
        assert bulk(f) is None, new
        for skip_bad in (False, True):
            assert _driver(f, bulk=True, skip_bad=skip_bad) == _driver(f, bulk=False, skip_bad=skip_bad)
    # an epoch timestamp needs no coercion of its own (to_ts reads it on both paths)
    f.write_text(text.replace('"timestamp": "2024-04-30T19:20:00+00:00"', '"timestamp": 1714504800', 1))
    assert bulk(f) is not None
    assert _driver(f, bulk=True) == _driver(f, bulk=False)
