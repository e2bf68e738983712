"""Fuzzing every importer with generated exports (hypothesis, CI-sized).

Per importer, :func:`test_generated_exports` imports ≥ 10,000 generated records in total (6 files of
1,700–2,100 records in the real export shape, see ``tests/_fuzz_corpus.py``) with bad records mixed in:
malformed JSON lines, invalid UTF-8, 10k-level nesting, wrong types, 1 MB fields, duplicate ids with
conflicting content, replies before their parents or with no parent in the file, timestamps in other
zones and formats. It asserts that

* a strict import of a file with a bad record raises :class:`ImportFailed` and changes nothing
  (row counts and a content checksum of every table are unchanged);
* with ``skip_bad=True`` the import never raises, ``good + rejected == records``, exactly the good
  records' keys land, a re-import of the same file leaves the workspace bit-for-bit unchanged (the merge
  of conflicting duplicates is deterministic), parent pointers are kept even when the parent is missing,
  and every timestamp is stored as the same instant in UTC;
* personal data the export holds (e-mail and postal addresses, phone numbers: ``Built.never``) lands
  nowhere in the workspace, not even in ``rejects``.

:func:`test_mutated_bytes` flips, cuts, splices and gzips valid exports byte-wise: only ImportFailed may
escape, and a failed import changes nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import random

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from _fuzz_corpus import BUILDERS, DEEP, FORMATS, SUFFIX
from tribescope import schema
from tribescope.errors import ImportFailed
from tribescope.ingest import import_paths
from tribescope.store import Workspace, connect

_TAGS = itertools.count()
#: records generated per format by test_generated_exports in this process (the docs quote the totals)
RECORDS: dict[str, int] = dict.fromkeys(FORMATS, 0)


def state(ws: Workspace) -> dict[str, tuple[int, int]]:
    """Per table: (rows, order-independent checksum of every column of every row)."""
    out = {}
    for name in schema.TABLES:
        n, h = ws.duck.execute(
            f'SELECT count(*), coalesce(sum(hash(s)::HUGEINT), 0) FROM "{name}" s'
        ).fetchone()
        out[name] = (int(n), int(h))
    return out


def _stored(ws: Workspace, b) -> dict[str, tuple[int, str | None]]:
    ws.duck.register("__k", pa.table({"k": pa.array(list(b.expect), pa.string())}))
    try:
        rows = ws.duck.execute(
            f'SELECT t."{b.key}", epoch(t.created_at)::BIGINT, t."{b.parent or b.key}" '
            f'FROM "{b.table}" t JOIN __k ON t."{b.key}" = __k.k'
        ).fetchall()
    finally:
        ws.duck.unregister("__k")
    return {k: (ts, p if b.parent else None) for k, ts, p in rows}


def _leaks(ws: Workspace, path, never: tuple[str, ...]) -> dict[str, list[str]]:
    """Per table, which of the texts ``never`` the rows imported from ``path`` hold (in any column)."""
    out: dict[str, list[str]] = {}
    for name in schema.TABLES if never else ():
        (found,) = ws.duck.execute(
            "SELECT list_distinct(flatten(list(list_filter(?::VARCHAR[], x -> contains(s::VARCHAR, x))))) "
            f'FROM "{name}" s WHERE import_id IN (SELECT import_id FROM imports WHERE path = ?)',
            [list(never), str(path)],
        ).fetchone()
        if found:
            out[name] = found
    return out


@pytest.fixture(scope="module")
def fuzz_ws(tmp_path_factory):
    w = connect(tmp_path_factory.mktemp("fuzz") / "w.duckdb")
    yield w
    w.close()


SETTINGS = settings(
    max_examples=6,
    deadline=None,
    derandomize=False,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1700, 2100),
    bad_rate=st.sampled_from([0.0, 0.005, 0.03, 0.1]),
    huge=st.sampled_from([False, False, True]),
    gz=st.sampled_from([False, False, True]),
)
def test_generated_exports(fuzz_ws, tmp_path_factory, fmt, seed, n, bad_rate, huge, gz):
    ws = fuzz_ws
    rng = random.Random(seed)
    b = BUILDERS[fmt](rng, n, f"f{next(_TAGS)}x", bad_rate, huge)
    RECORDS[fmt] += b.records
    suffix = b.suffix or SUFFIX.get(fmt, ".jsonl")
    path = tmp_path_factory.mktemp("g") / ("export" + suffix + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(b.data, compresslevel=1) if gz else b.data)
    before = state(ws)

    # strict: all or nothing
    if b.bad:
        with pytest.raises(ImportFailed):
            import_paths(ws, [path], format=fmt)
        assert state(ws) == before
    else:
        import_paths(ws, [path], format=fmt)
        before = state(ws)

    # skip_bad: never raises for record-level problems; good + rejected == records
    r = import_paths(ws, [path], format=fmt, skip_bad=True, force=True)
    assert r.records == b.records
    assert r.rejected == b.bad
    after = state(ws)
    assert after["rejects"][0] == before["rejects"][0] + b.bad
    if b.bad:  # exactly the good records' keys landed
        assert after[b.table][0] - before[b.table][0] == len(b.keys)
    got = _stored(ws, b)
    assert got == b.expect  # UTC instants and parent pointers (missing parents kept) for unique keys
    assert not _leaks(ws, path, b.never)  # e-mail and postal addresses: not even in rejects

    # re-import (every third example, to stay CI-sized): the merge of conflicting duplicates is deterministic
    if RECORDS[fmt] // 5000 == (RECORDS[fmt] - b.records) // 5000:
        return
    import_paths(ws, [path], format=fmt, skip_bad=True, force=True)
    again = state(ws)
    assert {t: v for t, v in again.items() if t in schema.DATA_TABLES} == {
        t: v for t, v in after.items() if t in schema.DATA_TABLES
    }


_MUTATIONS = ("flip", "truncate", "insert", "splice", "gzip-truncate", "invalid-utf8", "nest", "delete")


def _mutate(data: bytes, ops: list[tuple[str, int, int]]) -> bytes:
    for op, a, c in ops:
        i = a % (len(data) + 1)
        if op == "flip" and data:
            i %= len(data)
            data = data[:i] + bytes([data[i] ^ (1 << (c % 8))]) + data[i + 1 :]
        elif op == "truncate":
            data = data[:i]
        elif op == "insert":
            data = data[:i] + bytes([c % 256]) * (1 + c % 7) + data[i:]
        elif op == "splice":
            j = c % (len(data) + 1)
            data = data[:i] + data[j : j + 64] + data[i:]
        elif op == "gzip-truncate":
            z = gzip.compress(data, compresslevel=1)
            data = z[: max(2, len(z) * (c % 100) // 100)]
        elif op == "invalid-utf8":
            data = data[:i] + b"\xc3\x28\xff" + data[i:]
        elif op == "nest":
            data = data[:i] + DEEP[: (c % 20_000)].encode() + data[i:]
        elif op == "delete":
            data = data[:i] + data[i + 1 + c % 40 :]
    return data


@pytest.mark.parametrize("fmt", FORMATS)
@settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    ops=st.lists(
        st.tuples(st.sampled_from(_MUTATIONS), st.integers(0, 2**20), st.integers(0, 2**16)),
        min_size=1,
        max_size=4,
    ),
    forced=st.booleans(),
)
# the same two bytes for every format (a gzip header cut short): from the second format on, content imported before
@example(seed=0, ops=[("gzip-truncate", 0, 0)], forced=True)
def test_mutated_bytes(fuzz_ws, tmp_path_factory, fmt, seed, ops, forced):
    ws = fuzz_ws
    b = BUILDERS[fmt](random.Random(seed), 40, f"m{next(_TAGS)}x", 0.05, False)
    path = tmp_path_factory.mktemp("m") / ("export" + (b.suffix or SUFFIX.get(fmt, ".jsonl")))
    data = _mutate(b.data, ops)
    path.write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    for skip_bad in (False, True):
        before = state(ws)
        # records an earlier import of the same bytes quarantined (mutations can end alike: a gzip header cut at two
        # bytes) are kept once, under it (_keep_first_rejects): this import's report still counts them, the table
        # gains only those not held alike. Without such rejects (the first loop's import, which has none, included)
        # every reject it reports is added.
        seen = ws.duck.execute(
            "SELECT count(*) FROM rejects r JOIN imports i ON r.import_id = i.import_id WHERE i.sha256 = ?",
            [sha],
        ).fetchone()[0]
        try:
            r = import_paths(ws, [path], format=fmt if forced else None, skip_bad=skip_bad, force=True)
        except ImportFailed:
            assert state(ws) == before
        else:
            after = state(ws)
            added = after["rejects"][0] - before["rejects"][0]
            assert added == r.rejected if not seen else 0 <= added <= r.rejected
            assert r.rejected == 0 or skip_bad


# ---------------------------------------------------------------------------- regressions found by fuzzing


def _import_both(ws, path, fmt=None):
    before = state(ws)
    with pytest.raises(ImportFailed):
        import_paths(ws, [path], format=fmt)
    assert state(ws) == before
    return import_paths(ws, [path], format=fmt, skip_bad=True)


def test_deeply_nested_record_is_rejected_not_a_recursion_error(ws, tmp_path):
    # Found by fuzzing: the reject's raw text was json.dumps'ed (RecursionError at 10k levels), and the
    # YouTube/TikTok raw snippets fell back to repr() (RecursionError too).
    d = tmp_path / "dce.json"
    d.write_text(
        '{"guild":{"id":"1","name":"g"},"channel":{"id":"2","name":"c"},'
        f'"exportedAt":"2024-01-01T00:00:00Z","messages":[{{"id":"5","content":{DEEP}}},'
        '{"id":"6","content":"ok","timestamp":"2024-01-01T01:00:00+01:00"}]}'
    )
    r = _import_both(ws, d)
    assert (r.records, r.rejected) == (2, 1)
    assert ws.duck.execute("SELECT message_id, created_at FROM community_messages").fetchall()[0][0] == "6"
    y = tmp_path / "yt.json"
    y.write_text(f'[{{"kind":"youtube#videoListResponse","items":[]}},\n{DEEP}]')
    r = _import_both(ws, y)
    assert (r.records, r.rejected) == (1, 1)
    raw = ws.duck.execute("SELECT raw FROM rejects WHERE path = ?", [str(y)]).fetchone()[0]
    assert raw.startswith("[[[[") and len(raw) <= 2000


def test_truncated_gzip_is_a_source_error(ws, tmp_path):
    # Found by fuzzing: a gzip file cut short raised EOFError (and corrupt deflate data zlib.error)
    # out of import_paths.
    lines = b"".join(
        b'{"subreddit":"a","id":"x%d","title":"t","created_utc":1700000000}\n' % i for i in range(40_000)
    )
    z = gzip.compress(lines)
    p = tmp_path / "r.ndjson.gz"
    p.write_bytes(z[: len(z) * 3 // 4])
    r = _import_both(ws, p)
    assert r.rejected == 1 and 0 < r.records < 40_000
    assert ws.counts()["community_messages"] == r.records
    reason = ws.duck.execute("SELECT reason FROM rejects").fetchone()[0]
    assert reason.startswith("the gzip file is truncated or corrupt")
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(z[:10] + bytes(b ^ 0x55 for b in z[10:400]))
    with pytest.raises(ImportFailed):
        import_paths(ws, [bad], format="reddit")


def test_csv_row_with_invalid_utf8_is_rejected_alone(ws, tmp_path):
    # Found by fuzzing: one byte that is not UTF-8 made the rest of a CSV file unreadable.
    p = tmp_path / "comments.csv"
    p.write_bytes(
        b"platform,comment_id,post_id,text,created_at\n"
        b"reddit,c1,p1,fine,2024-03-01T18:00:00+01:00\n"
        b"reddit,c2,p1,caf\xe9 \xff,2024-03-01\n"
        b"reddit,c3,p1,also fine,1709312400\n"
        b"reddit,c4,p1\xff,short row\n"
    )
    r = _import_both(ws, p)
    assert (r.records, r.rejected) == (4, 2)
    got = ws.duck.execute("SELECT comment_id, epoch(created_at)::BIGINT FROM comments ORDER BY 1").fetchall()
    assert got == [("c1", 1709312400), ("c3", 1709312400)]
    rej = ws.duck.execute("SELECT location, reason, raw FROM rejects ORDER BY location").fetchall()
    assert (
        rej[0][0] == "line 3" and rej[0][1].startswith("not UTF-8 text") and "caf\ufffd \ufffd" in rej[0][2]
    )
    assert rej[1][0] == "line 5" and "expected 5 fields" in rej[1][1]
    bad_header = tmp_path / "h.csv"
    bad_header.write_bytes(b"platform,comment_id,post_id,t\xffext\nreddit,c9,p1,x\n")
    r = _import_both(ws, bad_header, "csv")  # the header itself: the file cannot be read at all
    assert (r.records, r.rejected) == (0, 1)
    assert ws.counts()["comments"] == 2


@pytest.mark.slow
@pytest.mark.parametrize(
    ("seed", "bad_rate", "threads_only"), [(1, 0.0, True), (2, 0.0, False), (3, 0.03, False)]
)
def test_youtube_engine_fast_path_matches_python_path(tmp_path, monkeypatch, seed, bad_rate, threads_only):
    """Differential: files over 1 MB may go through the DuckDB fast path; rows, rejects and counts must be
    exactly those of the record-by-record Python path, also with mixed kinds, odd timestamps, bad records."""
    import json

    b = BUILDERS["youtube"](random.Random(seed), 3000, f"y{seed}x", bad_rate, True)
    data = b.data
    if threads_only:  # the shape the fast path maps itself (commentThreads pages only)
        pages = [json.loads(line) for line in data.splitlines()]
        for pg in pages:
            pg["items"] = [it for it in pg["items"] if it.get("kind") == "youtube#commentThread"]
        data = b"".join(json.dumps(pg).encode() + b"\n" for pg in pages)
    path = tmp_path / "threads.jsonl"
    path.write_bytes(data)
    assert len(data) > 1 << 20
    out = []
    for no_fast in (False, True):
        if no_fast:
            monkeypatch.setenv("TRIBESCOPE_NO_FAST_PATH", "1")
        ws = connect(tmp_path / f"w{no_fast}.duckdb")
        try:
            r = import_paths(ws, [path], skip_bad=True)
            tables = {
                t: ws.duck.execute(f'SELECT * EXCLUDE (import_id) FROM "{t}" ORDER BY ALL').fetchall()
                for t in ("comments", "accounts")
            }
            out.append((r.records, r.rejected, tables))
        finally:
            ws.close()
    assert out[0][:2] == out[1][:2]
    assert out[0][2] == out[1][2]
