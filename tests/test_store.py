"""Workspace and the idempotent upsert."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tribescope import schema
from tribescope.store import connect
from tribescope.store._upsert import Stager

UTC = dt.UTC


def _acc(rows):
    s = schema.arrow_schema("accounts")
    return pa.Table.from_pylist([{k: r.get(k) for k in s.names} for r in rows], schema=s)


def _merge(ws, import_id, rows):
    with ws.transaction():
        st = Stager(ws.duck, import_id)
        st.add("accounts", _acc(rows))
        return st.merge()["accounts"]


def _get(ws, aid):
    t = ws.table("accounts")
    return t.filter(t.account_id == aid).to_pyarrow().to_pylist()[0]


def test_canonical_tables_created(ws):
    assert set(schema.TABLES) <= set(ws.list_tables())
    assert ws.counts()["accounts"] == 0


def _string_compressions(ws, table: str) -> dict[str, set[str]]:
    """The compressions DuckDB stored each text column of ``table`` with (``pragma_storage_info``)."""
    rows = ws.duck.execute(
        "SELECT column_name, list(DISTINCT compression) FROM pragma_storage_info(?) "
        "WHERE segment_type = 'VARCHAR' GROUP BY ALL",
        [table],
    ).fetchall()
    return {c: set(m) for c, m in rows}


def test_free_text_and_ids_are_stored_uncompressed_and_repetitive_columns_are_not(tmp_path):
    """The schema's uncompressed columns are declared so in the workspace's catalog: written rows of ``text`` and
    ``comment_id`` sit in uncompressed segments (also after the workspace is opened again and more rows come), while
    ``platform`` and ``post_id`` (a few values) keep DuckDB's compression."""
    path = tmp_path / "ws.duckdb"

    def add(ws, start):
        ws.duck.execute(
            "INSERT INTO comments (platform, comment_id, post_id, text) SELECT 'youtube', 'c' || i, "
            "'p' || (i % 7), 'comment number ' || i || ' about the video' FROM range(?, ?) r(i)",
            [start, start + 150_000],
        )
        ws.duck.execute("CHECKPOINT")

    ws = connect(path)
    add(ws, 0)
    ws.close()
    ws = connect(path)  # the declaration is kept with the table
    add(ws, 150_000)
    got = _string_compressions(ws, "comments")
    ws.close()
    assert got["text"] == got["comment_id"] == {"Uncompressed"}
    assert "Uncompressed" not in got["platform"] | got["post_id"]
    assert not schema.table("comments").column("text").compressed
    assert schema.table("comments").column("post_id").compressed


def test_opening_an_older_workspace_adds_every_missing_table_and_column(tmp_path):
    """Columns missing from several tables and a missing table all come back when the workspace is opened (the
    schema's tables created and their columns looked up in one statement each), and a temporary table of a canonical
    table's name does not hide the stored table's columns."""
    path = tmp_path / "ws.duckdb"
    ws = connect(path)
    ws.duck.execute("ALTER TABLE comments DROP COLUMN text")
    ws.duck.execute("ALTER TABLE accounts DROP COLUMN bio")
    ws.duck.execute("ALTER TABLE accounts DROP COLUMN country")
    ws.duck.execute("DROP TABLE rejects")
    ws.duck.execute("INSERT INTO accounts (platform, account_id, username) VALUES ('youtube', 'UC1', 'kept')")
    ws.close()
    ws = connect(path)
    try:
        for t in schema.TABLES.values():
            have = [r[0] for r in ws.duck.execute(f'DESCRIBE "{t.name}"').fetchall()]
            assert sorted(have) == sorted(c.name for c in t.columns), t.name
        assert ws.duck.execute("SELECT username, bio, country FROM accounts").fetchall() == [
            ("kept", None, None)
        ]
        ws.duck.execute("CREATE TEMP TABLE posts (x INTEGER)")
        ws.duck.execute("ALTER TABLE ws.main.posts DROP COLUMN caption")  # (main.posts: the temporary one)
        ws.ensure_schema()  # the stored posts table gets its column back, the temporary one is left alone
        assert [r[0] for r in ws.duck.execute("DESCRIBE temp.main.posts").fetchall()] == ["x"]
        assert "caption" in [r[0] for r in ws.duck.execute("DESCRIBE ws.main.posts").fetchall()]
    finally:
        ws.close()


def test_a_column_added_to_an_older_workspace_is_declared_as_the_schema_says(tmp_path):
    """A workspace whose table lacks a column (written by an older version) gets it when opened, with the schema's
    definition: ``comments.text`` comes back as uncompressed text."""
    path = tmp_path / "ws.duckdb"
    ws = connect(path)
    ws.duck.execute("ALTER TABLE comments DROP COLUMN text")
    ws.close()
    ws = connect(path)
    try:
        ws.duck.execute(
            "INSERT INTO comments (platform, comment_id, post_id, text) SELECT 'youtube', 'c' || i, 'p', "
            "'comment ' || (i % 5) FROM range(150000) r(i)"
        )
        ws.duck.execute("CHECKPOINT")
        got = _string_compressions(ws, "comments")["text"]
    finally:
        ws.close()
    assert got == {"Uncompressed"}


def test_a_derived_table_keeps_the_columns_asked_uncompressed_and_a_failed_write_keeps_the_old_table(
    tmp_path,
):
    """``write_table(…, uncompressed=…)`` stores those text columns uncompressed and the others as DuckDB chooses,
    with the rows of the expression; a write that fails midway (a cast that only fails on some row) leaves the
    previous table as it was, not an empty new one."""
    import ibis

    ws = connect(tmp_path / "ws.duckdb")
    try:
        rows = ibis.memtable(
            {"id": [f"c{i}" for i in range(150_000)], "kind": [("a", "b")[i % 2] for i in range(150_000)]}
        )
        ws.write_table("derived", rows, uncompressed=("id",))
        ws.duck.execute("CHECKPOINT")
        got = _string_compressions(ws, "derived")
        assert got["id"] == {"Uncompressed"} and "Uncompressed" not in got["kind"]
        assert ws.duck.execute("SELECT count(*), count(DISTINCT id), min(id) FROM derived").fetchone() == (
            150_000,
            150_000,
            "c0",
        )
        bad = ibis.memtable({"id": ["1", "2", "x"]})
        with pytest.raises(Exception, match=r"(?i)conver|cast"):
            ws.write_table(
                "derived", bad.select(id=bad.id.cast("int64").cast("string")), uncompressed=("id",)
            )
        assert ws.duck.execute("SELECT count(*) FROM derived").fetchone()[0] == 150_000
    finally:
        ws.close()


def test_a_derived_table_column_named_with_a_double_quote_is_written(tmp_path):
    """A derived table's column whose name holds a double quote (named by an expression or a user's file) is declared
    as one identifier when some columns are asked uncompressed: every identifier the store writes into SQL goes through
    one quoting helper (the declaration wrote ``"say "hi""`` and DuckDB refused it)."""
    ws = connect(tmp_path / "ws.duckdb")
    try:
        ws.write_table("derived", pa.table({"id": ["a"], 'say "hi"': ["x"]}), uncompressed=("id",))
        assert [r[0] for r in ws.duck.execute("DESCRIBE derived").fetchall()] == ["id", 'say "hi"']
        assert ws.duck.execute("SELECT * FROM derived").fetchall() == [("a", "x")]
    finally:
        ws.close()


def test_list_tables_names_what_ibis_lists(ws):
    """The DuckDB catalog query behind ``list_tables``/``has_table`` names exactly Ibis' tables: the workspace's
    tables and views and this connection's temporary ones, not another attached database's."""
    d = ws.duck
    d.execute("CREATE VIEW v_main AS SELECT 1 AS a")
    d.execute("CREATE TEMP TABLE t_tmp AS SELECT 1 AS a")
    d.execute("CREATE TEMP VIEW v_tmp AS SELECT 1 AS a")
    d.execute("ATTACH ':memory:' AS elsewhere")
    d.execute("CREATE TABLE elsewhere.t_other AS SELECT 1 AS a")
    names = ws.list_tables()
    assert names == sorted(ws.con.list_tables())
    assert {"v_main", "t_tmp", "v_tmp"} <= set(names) and "t_other" not in names
    assert ws.has_table("t_tmp") and not ws.has_table("t_other")
    cur = ws.cursor()  # another connection: the workspace's tables, not the first one's temporary ones
    try:
        assert "v_main" in cur.list_tables() and not cur.has_table("t_tmp")
    finally:
        cur.close()


def test_same_rows_twice_change_nothing(ws):
    rows = [{"platform": "youtube", "account_id": "UC1", "username": "a", "followers": 10}]
    assert _merge(ws, "i1", rows) == 1
    assert _merge(ws, "i2", rows) == 0
    assert _get(ws, "UC1")["import_id"] == "i1"


def test_newer_snapshot_updates_counters_older_only_fills_gaps(ws):
    t1, t2, t0 = (dt.datetime(2024, 1, d, tzinfo=UTC) for d in (2, 3, 1))
    _merge(ws, "i1", [{"platform": "youtube", "account_id": "UC1", "followers": 10, "snapshot_at": t1}])
    _merge(ws, "i2", [{"platform": "youtube", "account_id": "UC1", "followers": 12, "snapshot_at": t2}])
    assert _get(ws, "UC1")["followers"] == 12
    _merge(
        ws,
        "i3",
        [{"platform": "youtube", "account_id": "UC1", "followers": 5, "bio": "hi", "snapshot_at": t0}],
    )
    row = _get(ws, "UC1")
    assert (row["followers"], row["bio"]) == (12, "hi")


def test_duplicates_within_one_batch_are_merged(ws):
    n = _merge(
        ws,
        "i1",
        [
            {"platform": "youtube", "account_id": "UC1", "username": "a"},
            {"platform": "youtube", "account_id": "UC1", "followers": 3},
        ],
    )
    assert n == 1
    row = _get(ws, "UC1")
    assert (row["username"], row["followers"]) == ("a", 3)


def test_failed_transaction_leaves_nothing(ws):
    with pytest.raises(RuntimeError), ws.transaction():
        st = Stager(ws.duck, "i1")
        st.add("accounts", _acc([{"platform": "youtube", "account_id": "UC1"}]))
        st.merge()
        raise RuntimeError("boom")
    assert ws.counts()["accounts"] == 0


def test_read_only_missing_workspace_is_a_clear_error(tmp_path):
    from tribescope.errors import WorkspaceError

    with pytest.raises(WorkspaceError, match="does not exist"):
        connect(tmp_path / "nope.duckdb", read_only=True)
    with pytest.raises(WorkspaceError, match="does not exist"):
        connect(tmp_path / "nope.duckdb", create=False)
    assert not (tmp_path / "nope.duckdb").exists()


def test_data_model_doc_is_current():
    from pathlib import Path

    doc = (Path(__file__).parents[1] / "docs" / "data-model.md").read_text()
    assert doc == schema.render_markdown() + "\n", (
        "regenerate docs/data-model.md from tribescope.schema.render_markdown()"
    )


@pytest.mark.parametrize("order", ["newer_later", "older_later", "no_snapshots", "no_snapshots_stored_one"])
def test_grouped_merge_equals_file_by_file(tmp_path, order):
    """Several files staged together merge exactly as when merged one after the other: stored rows,
    each row's import_id (the file that last changed it) and the rows each file wrote. With no snapshot staged
    the files are in order without looking further — unless a stored row of their keys has one (it is newer than
    every staged row, so the stored username must survive: the files are merged one by one)."""
    t = [dt.datetime(2024, 1, d, tzinfo=UTC) for d in (1, 2, 3)]
    if order == "older_later":
        t = t[::-1]
    snap = (lambda i: None) if order.startswith("no_snapshots") else (lambda i: t[i])
    stored_snap = t[0] if order == "no_snapshots_stored_one" else None
    files = [
        [
            {
                "platform": "youtube",
                "account_id": "UC1",
                "username": "a",
                "followers": 1,
                "snapshot_at": snap(0),
            },
            {"platform": "youtube", "account_id": "UC2", "username": "b", "snapshot_at": snap(0)},
            # keys staged once and not stored: inserted as staged, beside the merged ones
            {"platform": "youtube", "account_id": "UC4", "bio": "only here", "snapshot_at": snap(0)},
        ],
        [
            {"platform": "youtube", "account_id": "UC1", "followers": 2, "bio": "x", "snapshot_at": snap(1)},
            {"platform": "youtube", "account_id": "UC2", "username": "b", "snapshot_at": snap(1)},
            {"platform": "youtube", "account_id": "UC1", "followers": 3, "snapshot_at": snap(1)},
            {"platform": "youtube", "account_id": "UC5", "followers": 7, "snapshot_at": snap(1)},
        ],
        [
            {"platform": "youtube", "account_id": "UC2", "username": "b", "snapshot_at": snap(2)},
            {"platform": "youtube", "account_id": "UC3", "username": "c", "snapshot_at": snap(2)},
        ],
    ]
    one = connect(tmp_path / "one.duckdb")
    grouped = connect(tmp_path / "grouped.duckdb")
    try:
        for ws in (one, grouped):  # something stored already
            _merge(
                ws,
                "i0",
                [
                    {
                        "platform": "youtube",
                        "account_id": "UC1",
                        "username": "old",
                        "country": "NL",
                        "snapshot_at": stored_snap,
                    }
                ],
            )
        by_file = [_merge(one, f"i{k + 1}", rows) for k, rows in enumerate(files)]
        with grouped.transaction():
            st = Stager(grouped.duck, "i1")
            for k, rows in enumerate(files):
                st.next_file(f"i{k + 1}")
                st.add("accounts", _acc(rows))
            st.merge()
        assert [st.written[f"i{k + 1}"]["accounts"] for k in range(3)] == by_file
        q = "SELECT * FROM accounts ORDER BY account_id"
        assert grouped.duck.execute(q).fetchall() == one.duck.execute(q).fetchall()
        if order == "no_snapshots_stored_one":
            assert _get(grouped, "UC1")["username"] == "old" and _get(grouped, "UC1")["followers"] == 1
    finally:
        one.close()
        grouped.close()


_T = [dt.datetime(2024, 1, d, tzinfo=UTC) for d in (1, 2, 3)]
_ROW = st.fixed_dictionaries(
    {
        "account_id": st.sampled_from(["A", "B", "C", "D"]),
        "username": st.sampled_from([None, "u1", "u2"]),
        "followers": st.sampled_from([None, 1, 2]),
        "bio": st.sampled_from([None, "x"]),
    }
)


@settings(max_examples=40, deadline=None)
@given(
    stored=st.lists(_ROW, max_size=3),
    files=st.lists(st.lists(_ROW, max_size=4), min_size=2, max_size=4),
    snaps=st.sampled_from(["none", "rising", "per_row"]),
)
def test_grouped_merge_equals_file_by_file_for_any_files(tmp_path_factory, stored, files, snaps):
    """Any files merged together (keys staged by two files, by three or more, twice in one file, stored or not,
    nulls and snapshots) leave what merging them one after the other leaves — the rows, each row's import id and
    the rows each file wrote; the grouped fold computes a key of two contributions by joining its two rows and a
    key of more with window functions, so both must agree with the plain fold."""
    d = tmp_path_factory.mktemp("merge")

    def snap(k, i):
        return {"none": None, "rising": _T[min(k, 2)], "per_row": _T[(k + i) % 3] if (k + i) % 2 else None}[
            snaps
        ]

    rows = [
        [{**r, "platform": "youtube", "snapshot_at": snap(k, i)} for i, r in enumerate(f)]
        for k, f in enumerate(files)
    ]
    base = [{**r, "platform": "youtube"} for r in {r["account_id"]: r for r in stored}.values()]
    one, grouped = connect(d / "one.duckdb"), connect(d / "grouped.duckdb")
    try:
        for ws in (one, grouped):
            if base:
                _merge(ws, "i0", base)
        by_file = [_merge(one, f"i{k + 1}", f) if f else 0 for k, f in enumerate(rows)]
        with grouped.transaction():
            stg = Stager(grouped.duck, "i1")
            for k, f in enumerate(rows):
                stg.next_file(f"i{k + 1}")
                if f:
                    stg.add("accounts", _acc(f))
            stg.merge()
        assert [stg.written.get(f"i{k + 1}", {}).get("accounts", 0) for k in range(len(rows))] == by_file
        q = "SELECT * FROM accounts ORDER BY account_id"
        assert grouped.duck.execute(q).fetchall() == one.duck.execute(q).fetchall()
    finally:
        one.close()
        grouped.close()


def test_memory_limit_is_set_inside_and_restored_after(ws):
    """import and score cap DuckDB's memory through this context; the cap must hold inside, the previous
    setting come back afterwards (also after an error), and an unparsable value change nothing."""
    setting = "SELECT current_setting('memory_limit')"
    before = ws.duck.execute(setting).fetchone()[0]
    with ws.memory_limit("1GB"):
        inside = ws.duck.execute(setting).fetchone()[0]
    assert inside != before and inside.replace(" ", "").lower() in ("1gb", "953.6mib")
    assert ws.duck.execute(setting).fetchone()[0] == before
    with pytest.raises(RuntimeError), ws.memory_limit("512MB"):
        raise RuntimeError("boom")
    assert ws.duck.execute(setting).fetchone()[0] == before
    with ws.memory_limit("lots"):
        assert ws.duck.execute(setting).fetchone()[0] == before
    with ws.memory_limit(None):
        assert ws.duck.execute(setting).fetchone()[0] == before


def test_engine_threads_are_set_inside_and_restored_after(ws):
    """The score sizes DuckDB's (instance-wide) thread pool through this context while two connections work at once;
    the size must hold inside, for every connection of the instance, and come back afterwards (also after an error)."""
    setting = "SELECT current_setting('threads')"
    before = ws.engine_thread_count()
    assert before == ws.duck.execute(setting).fetchone()[0] >= 1
    other = ws.cursor()
    with ws.engine_threads(before + 3):
        assert ws.duck.execute(setting).fetchone()[0] == before + 3
        # the instance's pool, not the connection's
        assert other.duck.execute(setting).fetchone()[0] == before + 3
    assert ws.engine_thread_count() == before
    with pytest.raises(RuntimeError), ws.engine_threads(1):
        assert ws.engine_thread_count() == 1
        raise RuntimeError("boom")
    assert ws.engine_thread_count() == before
    with ws.engine_threads(0):  # never below one thread
        assert ws.engine_thread_count() == 1
    with ws.engine_threads(None):
        assert ws.engine_thread_count() == before
    other.close()


def test_import_never_loads_ibis_and_the_backend_is_built_on_first_use(tmp_path):
    """An import writes through the raw DuckDB connection only, so it does not pay for loading Ibis (~0.4 s of
    start-up); reading a table then builds the Ibis backend over the same connection and sees the imported rows."""
    import subprocess
    import sys
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures" / "youtube"
    code = f"""
import sys
from tribescope import connect, import_paths
ws = connect({str(tmp_path / "w.duckdb")!r})
import_paths(ws, [{str(fixtures)!r}])
assert "ibis" not in sys.modules, "the import loaded ibis"
n = ws.table("posts").count().execute()
assert "ibis" in sys.modules
assert ws.con.con is ws.duck
print(n, ws.duck.execute("SELECT count(*) FROM posts").fetchone()[0], ws.duck.execute("SELECT current_setting('TimeZone')").fetchone()[0])
ws.close()
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["3", "3", "UTC"]


def test_only_the_sql_compilers_a_workspace_uses_are_loaded_and_every_other_still_resolves(tmp_path):
    """tribescope._ibis_compilers: a DuckDB workspace's expressions load Ibis' DuckDB compiler, not the other 19
    engines' (~0.15 s of every scoring command); the package still gives every compiler, class or submodule, on
    first use, and an unknown name is an AttributeError."""
    import subprocess
    import sys
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures" / "youtube"
    code = f"""
import sys
import tribescope, ibis
ws = tribescope.connect({str(tmp_path / "w.duckdb")!r})
tribescope.import_paths(ws, [{str(fixtures)!r}])
n = ws.table("posts").count().execute()
pre = "ibis.backends.sql.compilers."
loaded = sorted(m[len(pre):] for m in sys.modules if m.startswith(pre))
import ibis.backends.sql.compilers as sc
t = ws.table("posts")
pg = ibis.to_sql(t.select("post_id").limit(1), dialect="postgres")
try:
    sc.NoSuchCompiler
    missing = "resolved"
except AttributeError:
    missing = "AttributeError"
print(n, ",".join(loaded), sc.PySparkCompiler.__name__, sc.TrinoCompiler.__module__, "LIMIT 1" in pg, missing)
ws.close()
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [
        "3",
        "_compat,base,duckdb",
        "PySparkCompiler",
        "ibis.backends.sql.compilers.trino",
        "True",
        "AttributeError",
    ]


def test_delete_rows_counts_what_it_deleted_on_the_workspace_and_its_cursors(tmp_path):
    ws = connect(tmp_path / "w.duckdb")
    try:
        ws.duck.execute("CREATE TABLE t AS SELECT range AS x FROM range(10)")
        assert ws.rows_deleted == 0
        assert ws.delete_rows("DELETE FROM t WHERE x < ?", [3]) == 3
        cur = ws.cursor()
        try:
            assert cur.delete_rows("DELETE FROM t WHERE x = 100") == 0
            assert cur.delete_rows("DELETE FROM t WHERE x >= 8") == 2
        finally:
            cur.close()
        assert ws.rows_deleted == cur.rows_deleted == 5
        assert ws.duck.execute("SELECT count(*) FROM t").fetchone()[0] == 5
    finally:
        ws.close()


def test_a_cached_expression_outliving_its_closed_workspace_is_dropped_quietly(tmp_path, monkeypatch):
    import gc
    import sys

    raised: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", raised.append)
    ws = connect(tmp_path / "w.duckdb")
    kept = ws.table("posts").cache()  # e.g. held by the traceback of an error the command reported
    assert kept.count().to_pyarrow().as_py() == 0
    ws.close()
    del kept
    gc.collect()
    assert raised == []  # before: "Connection already closed" from Ibis' finaliser, printed at exit


def test_export_parquet_replaces_an_earlier_export_whole_and_refuses_other_folders(tmp_path):
    from tribescope.errors import WorkspaceError

    ws = connect(tmp_path / "w.duckdb")
    ws.write_table("_score_cache_pods", pa.table({"platform": ["youtube"], "creator_id": ["UC1"]}))
    out = ws.export_parquet(tmp_path / "pq")
    assert (out / "_score_cache_pods" / "part-0.parquet").exists()
    ws.duck.execute('DROP TABLE "_score_cache_pods"')  # as `forget` does
    out = ws.export_parquet(tmp_path / "pq")
    assert not (out / "_score_cache_pods").exists()  # a stale copy would be read back by the Spark backend
    assert sorted(d.name for d in out.iterdir()) == sorted(ws.list_tables())
    assert not list(tmp_path.glob(".pq*"))  # no partial or old copy left beside it
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "channels.json").write_text("{}")
    with pytest.raises(WorkspaceError, match="not a tribescope export"):
        ws.export_parquet(exports)
    assert [p.name for p in exports.iterdir()] == ["channels.json"]
    ws.close()


def test_a_second_connection_to_the_same_workspace_can_score(tmp_path, fixtures):
    """Two handles on one workspace file in a process (``connect`` again, ``Workspace.cursor``) share DuckDB's
    catalog: the text-feature UDF the first registered made every scoring call on the second fail with "already
    exists". Both score, with the same result."""
    from tribescope import connect, import_paths
    from tribescope.score import score_creators

    path = tmp_path / "w.duckdb"
    w = connect(path)
    import_paths(w, [fixtures / "youtube"])
    w.close()
    a = connect(path, read_only=True)
    b = connect(path, read_only=True)
    try:
        first = score_creators(a, write=False)
        assert first.num_rows > 0
        for other in (b, a.cursor()):
            assert score_creators(other, write=False).equals(first)
    finally:
        b.close()
        a.close()


def test_export_parquet_holds_the_workspace_tables_only_and_takes_any_folder_name(tmp_path, monkeypatch):
    """The export listed the session's temporary tables too (an Ibis ``.cache()``, a scratch ``TEMP`` table), which
    the Spark backend would read as workspace tables; a folder name with a quote broke the ``COPY`` statement, and
    ``export .`` failed on the empty name (both tracebacks). The current folder is refused: the export is written
    beside the folder and swapped in."""
    from tribescope.errors import WorkspaceError

    ws = connect(tmp_path / "w.duckdb")
    ws.table("posts").cache()
    ws.duck.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS x")
    out = ws.export_parquet(tmp_path / "it's")
    stored = sorted(d.name for d in out.iterdir())
    assert "scratch" not in stored and not [n for n in stored if n.startswith("ibis_")]
    assert stored == sorted(n for n in ws.list_tables() if n != "scratch" and not n.startswith("ibis_"))
    monkeypatch.chdir(out)
    with pytest.raises(WorkspaceError, match="current folder"):
        ws.export_parquet(".")
    ws.close()


def test_a_closed_workspace_says_it_is_closed(tmp_path):
    """After ``close()``, ``table`` said "table 'posts' is not in workspace" and other calls raised DuckDB's own
    ConnectionException; each is a WorkspaceError saying the workspace is closed."""
    from tribescope.errors import WorkspaceError

    ws = connect(tmp_path / "w.duckdb")
    ws.close()
    for call in (
        lambda: ws.table("posts"),
        ws.counts,
        ws.list_tables,
        lambda: ws.export_parquet(tmp_path / "pq"),
    ):
        with pytest.raises(WorkspaceError, match="is closed"):
            call()
    ws.close()  # closing twice is harmless


def test_export_parquet_refuses_a_folder_holding_the_user_s_own_parquet(tmp_path):
    """``customers/customers.parquet`` in the target folder was taken for a table of an earlier export: the export
    replaced the folder and deleted it without a word. An earlier export (table folders of ``part-0.parquet``, one
    left empty by ``forget``, the Spark backend's ``_derived/``) is still replaced."""
    import pyarrow.parquet as pq

    from tribescope.errors import WorkspaceError

    ws = connect(tmp_path / "w.duckdb")
    try:
        out = ws.export_parquet(tmp_path / "pq")
        (out / "comments" / "part-0.parquet").unlink()  # as forget does to an export that names the account
        (out / "_derived" / "creator_scores").mkdir(parents=True)
        pq.write_table(
            pa.table({"c": [1]}), out / "_derived" / "creator_scores" / "part-00000.snappy.parquet"
        )
        ws.export_parquet(tmp_path / "pq")
        assert (out / "comments" / "part-0.parquet").exists() and not (out / "_derived").exists()
        (out / "customers").mkdir()
        pq.write_table(pa.table({"c": [1, 2]}), out / "customers" / "customers.parquet")
        with pytest.raises(
            WorkspaceError, match=r"holds files that are not a tribescope export \(customers\)"
        ):
            ws.export_parquet(tmp_path / "pq")
        assert pq.read_table(out / "customers" / "customers.parquet").num_rows == 2
    finally:
        ws.close()
