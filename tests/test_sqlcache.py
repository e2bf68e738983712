"""Compiled SQL kept on disk between commands (``tribescope.store._sqlcache``): the key spells the whole expression,
a stored text is what Ibis compiles for it, it is read back by a later backend, random names are put back, and
whatever cannot be keyed, or a cache that is off or cannot be written, compiles as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pytest

from tribescope.store import connect
from tribescope.store._sqlcache import Uncacheable, cache_dir, expression_key, install

try:  # the tests folder may or may not be a package
    from ._score_fixtures import assert_same_rows, imported_synth
except ImportError:
    from _score_fixtures import assert_same_rows, imported_synth  # type: ignore[no-redef]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("TRIBESCOPE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TRIBESCOPE_SQL_CACHE", raising=False)
    d = cache_dir()
    assert d is not None and d.parent == tmp_path / "cache"
    return d


def _table(schema: dict[str, str] | None = None) -> ibis.Table:
    return ibis.table(schema or {"a": "int64", "b": "string"}, name="t")


def _expr(t: ibis.Table, k: object = 2, col: str = "c") -> ibis.Table:
    return t.filter(t.b.startswith("x")).mutate(**{col: t.a * k}).group_by("b").agg(n=ibis._[col].sum())


def test_the_key_is_equal_for_equal_expressions_and_moves_with_every_argument():
    base = expression_key(_expr(_table()).op())[0]
    assert expression_key(_expr(_table()).op())[0] == base  # built again: the same key
    variants = [
        _expr(_table(), k=3),  # a literal
        _expr(_table(), k=2.0),  # the same number of another type
        _expr(_table(), col="d"),  # a column name
        _expr(_table({"a": "int32", "b": "string"})),  # a schema type
        _expr(_table({"a": "!int64", "b": "string"})),  # nullability
        _expr(_table()).limit(5),  # one more operation
    ]
    keys = {expression_key(e.op())[0] for e in variants}
    assert base not in keys and len(keys) == len(variants)
    assert expression_key(_expr(_table()).op(), "limit", 10)[0] != base  # the extra parts count


def test_random_names_are_placeholders_in_the_key():
    m1 = ibis.memtable(pa.table({"a": [1, 2], "b": ["x", "y"]}))
    m2 = ibis.memtable(pa.table({"a": [7], "b": ["z"]}))
    k1, n1 = expression_key(_expr(m1).op())
    k2, n2 = expression_key(_expr(m2).op())
    assert k1 == k2  # the same structure over other data under another random name
    assert (
        list(n1) == [m1.get_name()] and list(n2) == [m2.get_name()] and list(n1.values()) == list(n2.values())
    )


def test_a_value_the_key_cannot_spell_is_uncacheable_and_compiles_as_before(cache, monkeypatch):
    with pytest.raises(Uncacheable):
        expression_key(object())
    with pytest.raises(Uncacheable):
        expression_key(_expr(_table()).op(), np.arange(3))  # an extra part is spelled the same way

    from tribescope.store import _sqlcache

    def refuse(*a, **k):
        raise Uncacheable("test")

    monkeypatch.setattr(_sqlcache, "expression_key", refuse)
    con = install(ibis.duckdb.connect())
    t = con.create_table("t", pa.table({"a": [1, 2], "b": ["x", "xy"]}))
    assert sorted(con.execute(_expr(t))["n"].tolist()) == [2, 4]
    assert _cached_files(cache) == []


def _cached_files(d: Path) -> list[Path]:
    return sorted(d.glob("*.sql")) if d.exists() else []


def test_a_stored_text_is_what_ibis_compiles_and_a_later_backend_reads_it(cache, tmp_path):
    ws = connect(tmp_path / "ws.duckdb")
    ws.duck.execute("CREATE TABLE t AS SELECT range AS a, 'x' || range AS b FROM range(10)")
    expr = _expr(ws.table("t"))
    plain = ibis.duckdb.from_connection(ws.duck).compile(expr)  # Ibis alone
    assert ws.con.compile(expr) == plain
    files = _cached_files(cache)
    assert len(files) == 1 and files[0].read_text() == plain
    got = ws.con.execute(expr.order_by("b"))
    ws.close()

    files[0].write_text(plain.replace('"n"', '"n_from_the_cache"'))  # proves the next command reads the file
    ws2 = connect(tmp_path / "ws.duckdb")
    expr2 = _expr(ws2.table("t"))
    assert ws2.con.compile(expr2) == plain.replace('"n"', '"n_from_the_cache"')
    files[0].write_text(plain)
    again = ws2.con.execute(expr2.order_by("b"))
    assert again.equals(got) and got["n"].tolist() == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]
    other = _expr(ws2.table("t"), k=5)  # another expression: compiled and stored beside it
    assert ws2.con.compile(other) == ibis.duckdb.from_connection(ws2.duck).compile(other)
    assert len(_cached_files(cache)) == 3  # the expression, ordered, and the other one
    ws2.close()


def test_memtables_and_cached_tables_run_from_the_stored_text_under_their_own_names(cache, tmp_path):
    results = []
    for rows in ({"a": [1, 2, 3], "b": ["x1", "x2", "y"]}, {"a": [10, 20, 30], "b": ["x1", "x1", "z"]}):
        ws = connect(tmp_path / "ws.duckdb")
        ws.duck.execute("CREATE OR REPLACE TABLE t (a BIGINT, b VARCHAR)")
        m = ibis.memtable(pa.table(rows))  # registered under a random name
        cached = _expr(ws.table("t").union(m)).cache()  # a table named at random, created through the cache
        results.append(cached.order_by("b").to_pyarrow().to_pylist())
        cached.release()
        ws.close()
        if len(results) == 1:
            first = len(_cached_files(cache))
    assert first == 2  # the cached table's query, and the ordered read of it
    assert len(_cached_files(cache)) == first  # the second round read both, under its own names
    assert results == [[{"b": "x1", "n": 2}, {"b": "x2", "n": 4}], [{"b": "x1", "n": 60}]]


def test_off_or_unwritable_means_ibis_compiles_as_before(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIBESCOPE_SQL_CACHE", "0")
    assert cache_dir() is None
    con = ibis.duckdb.connect()
    before = con.compiler
    assert install(con).compiler is before

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("TRIBESCOPE_SQL_CACHE", "1")
    monkeypatch.setenv("TRIBESCOPE_CACHE_DIR", str(blocker))
    con = install(ibis.duckdb.connect())
    t = con.create_table("t", pa.table({"a": [1, 2], "b": ["x", "xy"]}))
    assert sorted(con.execute(_expr(t))["n"].tolist()) == [2, 4]
    assert not blocker.is_dir()


@pytest.mark.slow
def test_scores_are_the_same_from_a_cold_and_a_warm_cache(cache, tmp_path_factory, tmp_path):
    from tribescope.score import score_creators
    from tribescope.score._enrich import enrich

    src = tmp_path_factory.mktemp("sqlcache") / "ws.duckdb"
    imported_synth(src.parent, 5).close()
    out = []
    for name in ("cold", "warm"):
        shutil.copy(src, tmp_path / f"{name}.duckdb")
        ws = connect(tmp_path / f"{name}.duckdb")
        enrich(ws)
        out.append(score_creators(ws))
        ws.close()
        if name == "cold":
            stored = len(_cached_files(cache))
            assert stored >= 15  # the score's expressions, each stored once
    assert len(_cached_files(cache)) == stored  # the warm run compiled nothing new
    assert_same_rows(out[0], out[1], "creator_scores", any_order=True)
