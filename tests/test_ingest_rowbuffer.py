"""RowBuffer's generated per-table check, its flush, the whole-document screens and the reader's account dedup:
each gives exactly what the plain rules give (values, types, errors and messages)."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tribescope import schema
from tribescope.errors import FieldError
from tribescope.ingest import _run, import_paths
from tribescope.ingest._base import RowBuffer
from tribescope.ingest._readers import _first_line, _has_long_number

UTC = dt.UTC

_values = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "0",
            "12",
            " 7 ",
            "1,000",
            "1_0",
            "٣",
            "²",
            "nan",
            "NULL",
            "true",
            "False",
            "yes",
            "n",
            "2.0",
            "2.5",
            "1e3",
            "2024-05-01T10:00:00Z",
            "2024-05-01 10:00:00+0200",
            "2024-13-01T00:00:00Z",
            "1714557600",
            "Mon May 01 10:00:00 +0000 2024",
            "[1, 2]",
            "#a, @b",
        ]
    ),
    st.text(max_size=6),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 0, 1, 1_714_557_600, 1_714_557_600_000]),
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 1.5, 1e300]),
    st.datetimes(timezones=st.sampled_from([None, UTC, dt.timezone(dt.timedelta(hours=-5))])),
    st.lists(st.one_of(st.text(max_size=3), st.integers(), st.none()), max_size=3),
    st.dictionaries(st.sampled_from(["username", "name", "x"]), st.text(max_size=3), max_size=2),
)


def _outcome(fn: Any, row: dict[str, Any]) -> Any:
    try:
        out = fn(dict(row))
    except FieldError as exc:
        return ("error", exc.field, exc.message)
    # types and reprs, so that 1 / True / 1.0, NaN and -0.0 count as the different values they are
    return ("ok", [(type(v), repr(v), str(v.tzinfo) if isinstance(v, dt.datetime) else None) for v in out])


@pytest.mark.parametrize("table", sorted(schema.TABLES))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_check_is_the_generic_check(table: str, data: st.DataObject) -> None:
    buf = RowBuffer(table)
    names = [c.name for c in schema.table(table).columns]
    keys = st.sampled_from([*names, "not_a_column"])
    row = data.draw(st.dictionaries(keys, _values, max_size=len(names) + 1))
    if data.draw(st.integers(0, 3)):  # most rows are valid up to their optional columns, so the checks run on
        row.pop("not_a_column", None)
        for c in schema.table(table).columns:
            if c.required:
                row[c.name] = {pa.string(): "x", pa.int64(): 1, schema.TS: 1_714_557_600}.get(c.type, "x")
    assert _outcome(buf.check, row) == _outcome(buf.check_generic, row)


def test_generated_check_examples() -> None:
    buf = RowBuffer("community_messages")
    base = {"platform": "discord", "message_id": "m1", "space_id": "s"}
    got = buf.check({**base, "text": "a\x00b", "reactions": "1,000", "created_at": 1_714_557_600})
    assert got[buf.table.names.index("text")] == "ab"
    assert got[buf.table.names.index("reactions")] == 1000
    assert got[buf.table.names.index("created_at")] == dt.datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert got == tuple(
        buf.check_generic({**base, "text": "a\x00b", "reactions": "1,000", "created_at": 1_714_557_600})
    )
    for row, field, message in [
        ({**base, "message_id": ""}, "message_id", "is required in table community_messages but is missing"),
        (
            {**base, "space_id": math.nan},
            "space_id",
            "is required in table community_messages but is missing",
        ),
        ({**base, "reactions": 2**63}, "reactions", f"{2**63} does not fit a 64-bit whole number"),
        ({**base, "reactions": "12x"}, "reactions", "expected a whole number, found '12x'"),
        ({**base, "bogus": 1, "zzz": 2}, "bogus", "is not a column of table community_messages"),
    ]:
        with pytest.raises(FieldError) as exc:
            buf.check(row)
        assert (exc.value.field, exc.value.message) == (field, message)


@pytest.mark.parametrize("n", [0, 1, 9, 2047, 2048, 2049, 5000])
def test_flush_is_pa_array_of_the_columns(n: int) -> None:
    """Constant columns (built from their one value) and the chunked transpose give the plain conversion."""
    buf = RowBuffer("comments")
    snap = dt.datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
    rows = []
    for i in range(n):
        row = {
            "platform": "youtube",
            "comment_id": f"c{i}",
            "post_id": "p1" if i % 7 else "p2",
            "created_at": snap + dt.timedelta(seconds=i % 3),
            "likes": 5,
            "reply_count": i,
            "snapshot_at": snap,
            "import_id": "imp",
            "text": None if i % 2 else "same",
        }
        rows.append(buf.check(row))
        buf.append(rows[-1])
    got = buf.flush()
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(buf.table.columns)
    want = pa.table(
        {c.name: pa.array(list(col), type=c.type) for c, col in zip(buf.table.columns, cols, strict=True)}
    )
    assert got.schema == want.schema
    assert got.equals(want)
    assert got.to_pylist() == want.to_pylist()
    assert buf.n == 0 and buf.flush().num_rows == 0


def _first_line_ref(data: bytes) -> bytes:
    return next((ln for ln in data.splitlines() if ln.strip()), b"")


@given(
    st.lists(
        st.sampled_from(
            [b"\n", b"\r", b"\r\n", b" ", b"\t", b"\x0b", b"\x0c", b"{", b"[", b"a", b"1", b"\x85", b"\x1c"]
        ),
        max_size=14,
    )
)
def test_first_line(parts: list[bytes]) -> None:
    data = b"".join(parts)
    assert _first_line(data) == _first_line_ref(data)


_ZEROS = bytes.maketrans(b"0123456789\t\r\n", b"0000000000   ")


def _has_long_number_ref(data: bytes, width: int = 19) -> bool:
    t = data.translate(_ZEROS)
    z = b"0" * width
    return t.startswith(z) or any(t.count(p + z) for p in (b":", b"[", b",", b" ", b"-"))


@given(
    st.lists(
        st.sampled_from(
            [
                b"1",
                b"0",
                b"9",
                b":",
                b"[",
                b",",
                b" ",
                b"-",
                b"\t",
                b"\r",
                b"\n",
                b'"',
                b"a",
                b".",
                b"\x0b",
                b"12345678901234567890",
            ]
        ),
        max_size=30,
    )
)
def test_has_long_number(parts: list[bytes]) -> None:
    data = b"".join(parts)
    assert _has_long_number(data) == _has_long_number_ref(data)


def test_has_long_number_examples() -> None:
    assert _has_long_number(b'{"a": 1234567890123456789}')
    assert _has_long_number(b"[-1234567890123456789]")
    assert _has_long_number(b"1234567890123456789")
    assert _has_long_number(b'{"a":\n1234567890123456789}')
    assert not _has_long_number(b'{"a": "1234567890123456789"}')  # a snowflake in a string
    assert not _has_long_number(b'{"a": 123456789012345678}')  # 18 digits


def _discord_export(path: Path) -> None:
    def msg(i: int, author: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": f"9{i:017d}",
            "type": "Default",
            "timestamp": f"2024-04-30T19:{i:02d}:00+02:00",
            "content": f"message {i}",
            "author": author,
            "reactions": [{"count": i}],
        }

    a = {"id": "7001", "name": "purl", "nickname": "Purl", "isBot": False}
    a2 = {**a, "nickname": "Purl Q"}  # the same account, a changed nickname: a different row
    b = {"id": "7002", "name": "sock", "nickname": None, "isBot": False}
    authors = [a, b, a, a2, a, b, a2]
    doc = {
        "guild": {"id": "8001", "name": "Guild"},
        "channel": {"id": "8101", "name": "general"},
        "exportedAt": "2024-05-01T10:00:00Z",
        "messages": [msg(i, dict(au)) for i, au in enumerate(authors)],
        "messageCount": len(authors),
    }
    path.write_text(json.dumps(doc, indent=2))


def _table(ws: Any, name: str) -> list[tuple[Any, ...]]:
    cols = [c for c in schema.table(name).names if c != "import_id"]
    return sorted((tuple(r[c] for c in cols) for r in ws.table(name).to_pyarrow().to_pylist()), key=repr)


def test_read_file_stages_an_account_once_per_file(tmp_path: Path) -> None:
    from tribescope.ingest._readers import Source
    from tribescope.ingest.discord import DiscordChatExporter

    f = tmp_path / "general.json"
    _discord_export(f)
    items = list(_run._read_file(Source(f), DiscordChatExporter(), "imp-1", False, {}))
    acc = pa.concat_tables([b for k, a, b in items if k == "rows" and a == "accounts"]).to_pylist()
    # the distinct rows, in the order of their first occurrence
    assert [(r["account_id"], r["full_name"]) for r in acc] == [
        ("7001", "Purl"),
        ("7002", None),
        ("7001", "Purl Q"),
    ]
    assert items[-1] == ("done", 7, 0)


def test_import_is_the_same_with_and_without_the_readers_dedup(tmp_path: Path, monkeypatch: Any) -> None:
    """Skipping duplicate account rows in the reader gives the workspace the stager's dedup gives."""
    from tribescope.store import connect

    f = tmp_path / "dc" / "general.json"
    f.parent.mkdir()
    _discord_export(f)
    results = []
    for memory in (_run.DEDUP_MEMORY, 0):  # 0: nothing remembered, every duplicate goes to the stager
        monkeypatch.setattr(_run, "DEDUP_MEMORY", memory)
        ws = connect(str(tmp_path / f"ws{memory}.duckdb"))
        try:
            rep = import_paths(ws, [f.parent])
            results.append((_table(ws, "accounts"), _table(ws, "community_messages"), rep.files[0].rows))
        finally:
            ws.close()
    assert results[0] == results[1]
    accounts = results[0][0]
    assert len(accounts) == 2  # 7001 merged to its last row (nickname "Purl Q"), 7002
    assert {(r[1], r[3]) for r in accounts} == {("7001", "Purl Q"), ("7002", None)}


def test_a_count_is_zero_or_more_and_minus_one_is_unknown() -> None:
    """A negative count was stored as it came: -1 followers (what scraping tools write for a hidden count) made the
    engagement rate negative and crashed `circle`'s log of the audience. A count reads -1 as unknown and refuses any
    other negative value naming the field; a score that may be negative (a Reddit message's) keeps it."""
    acc = RowBuffer("accounts")
    base = {"platform": "instagram", "account_id": "a"}
    for check in (acc.check, acc.check_generic):
        got = check({**base, "followers": -1, "following": "-1", "posts": 0})
        names = acc.table.names
        assert [got[names.index(c)] for c in ("followers", "following", "posts")] == [None, None, 0]
        for bad in (-5, "-5", -2.0):
            with pytest.raises(FieldError, match=r"^expected a count of 0 or more, found -[25]") as err:
                check({**base, "followers": bad})
            assert err.value.field == "followers"
    msg = RowBuffer("community_messages")
    row = msg.check({"platform": "reddit", "message_id": "m", "space_id": "s", "reactions": -5})
    assert row[msg.table.names.index("reactions")] == -5
