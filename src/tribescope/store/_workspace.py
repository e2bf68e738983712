"""The workspace: canonical tables in one engine, opened through Ibis.

One seam, :func:`connect`, picks the backend:

* ``duckdb`` (default) — one embedded DuckDB file; the only backend that imports (transactional upserts).
* ``pyspark`` — a directory of Parquet files (one folder per table, written by
  :meth:`Workspace.export_parquet`), read by a local or remote Spark session.

Metric code only ever sees ``Workspace.table(name)`` (an Ibis table), never the engine.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from tribescope import _interrupt, schema
from tribescope.errors import BackendMissing, WorkspaceError

if TYPE_CHECKING:
    import ibis

__all__ = [
    "DEFAULT_WORKSPACE",
    "DERIVED_DIR",
    "SparkOptions",
    "Workspace",
    "check_writable",
    "connect",
    "parse_spark_conf",
    "require_workspace",
    "require_writable",
]

DEFAULT_WORKSPACE = "tribescope.duckdb"

#: DuckDB's ``checkpoint_threshold`` inside :meth:`Workspace.checkpoints_put_off`: past any import's changes, so no
#: commit checkpoints
NO_AUTO_CHECKPOINT = "1000TB"


def _spark_schema(s: pa.Schema) -> Any:
    """An empty Arrow table's schema for Spark (``createDataFrame`` cannot infer one from no rows)."""
    from pyspark.sql import types as T

    def conv(t: pa.DataType) -> Any:
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return T.StringType()
        if pa.types.is_integer(t):
            return T.LongType()
        if pa.types.is_floating(t):
            return T.DoubleType()
        if pa.types.is_boolean(t):
            return T.BooleanType()
        if pa.types.is_timestamp(t):
            return T.TimestampType()
        if pa.types.is_list(t):
            return T.ArrayType(conv(t.value_type))
        raise TypeError(f"no Spark type for {t}")

    return T.StructType([T.StructField(f.name, conv(f.type), True) for f in s])


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_string(t):
        return "VARCHAR"
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_float64(t):
        return "DOUBLE"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ"
    if pa.types.is_list(t) and pa.types.is_string(t.value_type):
        return "VARCHAR[]"
    raise TypeError(f"no DuckDB type for {t}")


def _ident(name: str) -> str:
    """``name`` as a DuckDB identifier: double-quoted, with any double quote in it doubled (a column named by an
    expression or a user's file can hold one). Every identifier the store and the importers put into SQL text goes
    through here."""
    return '"' + name.replace('"', '""') + '"'


def _literal(s: str) -> str:
    """``s`` as a SQL string literal: single-quoted, with any single quote in it doubled (file paths, import ids, option
    text). Every string the store and the importers put into SQL text as a value goes through here."""
    return "'" + s.replace("'", "''") + "'"


def _column_def(name: str, sql_type: str, compressed: bool = True) -> str:
    """A column's definition; one not ``compressed`` is declared ``USING COMPRESSION uncompressed`` (DuckDB keeps
    that in its catalog: every later write of the column skips the compression's analysis, and every scan its
    decompression)."""
    ddl = f"{_ident(name)} {sql_type}"
    return ddl if compressed else f"{ddl} USING COMPRESSION uncompressed"


def _column_ddl(c: schema.Column) -> str:
    """A canonical column's definition (see :func:`_column_def` and :attr:`~tribescope.schema.Column.compressed`)."""
    return _column_def(c.name, _duck_type(c.type), c.compressed)


#: the table whose comment holds the workspace's layout version (:data:`tribescope.schema.SCHEMA_VERSION`), and how
_VERSION_TABLE = "imports"
_VERSION_PREFIX = "tribescope workspace schema "
_VERSION_MARK = "*version"  # the version row's first column: none of the canonical tables' names
#: the stamp, as a row beside the columns' (``_VERSION_MARK``, the comment): a catalog lookup, no table is read
_VERSION_SQL = (
    f"SELECT '{_VERSION_MARK}', comment FROM duckdb_tables() WHERE database_name = current_database() "
    f"AND schema_name = current_schema() AND table_name = '{_VERSION_TABLE}'"
)


def _stamped_version(rows: list[tuple[Any, ...]]) -> int | None:
    """The layout version stamped in the workspace (``rows``: :data:`_VERSION_SQL`'s), ``None`` when there is none
    (a new workspace, or one written before the stamp)."""
    for _, comment in rows:
        if isinstance(comment, str) and comment.startswith(_VERSION_PREFIX):
            try:
                return int(comment[len(_VERSION_PREFIX) :])
            except ValueError:
                return None
    return None


def _check_version(path: Path, version: int | None) -> None:
    """Refuse a workspace a newer tribescope wrote: its tables may mean what this one does not know."""
    if version is not None and version > schema.SCHEMA_VERSION:
        from tribescope import __version__

        raise WorkspaceError(
            f"workspace {path} was written by a newer tribescope (workspace schema version {version}; this "
            f"tribescope, {__version__}, reads versions up to {schema.SCHEMA_VERSION}): upgrade tribescope to open it "
            "(pip install -U tribescope). Nothing was changed"
        )


def _ddl(tbl: schema.Table) -> str:
    cols = ", ".join(_column_ddl(c) for c in tbl.columns)
    return f"CREATE TABLE IF NOT EXISTS {_ident(tbl.name)} ({cols})"


class Workspace:
    """An open workspace. Use :func:`connect` to get one.

    Attributes
    ----------
    con : ibis backend
        The Ibis connection every expression runs on.
    backend : str
        ``"duckdb"`` or ``"pyspark"``.
    path : Path
        The DuckDB file or the Parquet directory.
    location : str
        ``path`` as the engine sees it (an absolute folder, or a URI such as ``s3a://bucket/ws``).
    """

    def __init__(
        self, con: Any, backend: str, path: Path, *, read_only: bool = False, duck: Any = None
    ) -> None:
        self._con = con
        self._duck = duck
        self.backend = backend
        self.path = path
        self.location = str(path)
        self.read_only = read_only
        self._lock = threading.RLock()
        self._deleted = [0]  # rows deleted through delete_rows, shared with the cursors (see rows_deleted)
        self._closed = False

    @property
    def con(self) -> Any:
        """The Ibis backend every expression runs on. A DuckDB workspace opened by :func:`connect` builds it on
        first use, over the same DuckDB connection: a command that only writes through :attr:`duck` (``import``)
        never loads Ibis and its SQL compilers (~0.4 s of start-up)."""
        if self._closed:
            raise WorkspaceError(f"workspace {self.path} is closed; open it again with tribescope.connect")
        if self._con is None:
            from tribescope.store._sqlcache import duckdb_backend

            self._con = duckdb_backend(self._duck)  # compiled SQL kept between commands
        return self._con

    # ------------------------------------------------------------------ reading
    def table(self, name: str) -> ibis.Table:
        """The canonical or derived table ``name`` as an Ibis table expression."""
        con = self.con  # a closed workspace says so, not "no such table"
        try:
            return con.table(name)
        except Exception as exc:  # ibis raises backend-specific errors for a missing table
            if name in schema.TABLES:
                hint = ""
            elif name == "creator_scores" and self.backend != "duckdb":
                hint = f"{self.scoring_hint()}."
            else:
                hint = "Run `tribescope score` first."
            raise WorkspaceError(f"table {name!r} is not in workspace {self.path}. {hint}".rstrip()) from exc

    def scoring_hint(self) -> str:
        """What gives this workspace its ``creator_scores`` (which ``status``, the report and ``plan`` read), for their
        messages: ``tribescope score`` on DuckDB. On pyspark ``tribescope score`` stores no scores (``--out`` writes
        them to a file): an export holds the scores of the DuckDB workspace it was written from, as that was scored
        (the messages said to run `tribescope score`, which changed nothing)."""
        if self.backend == "duckdb":
            return "Run `tribescope score`"
        return (
            "On pyspark `tribescope score` stores no scores (its --out writes them to a file): score the DuckDB "
            "workspace, then export it again (`tribescope export --parquet`)"
        )

    def has_table(self, name: str) -> bool:
        return name in self.list_tables()

    def list_tables(self) -> list[str]:
        """Names of the tables and views (temporary ones included), as Ibis' ``list_tables`` gives them. On DuckDB the
        same query is sent to the connection itself: Ibis builds it with its SQL compiler and asks for the current
        catalog and schema first, ~7 ms a lookup (a score makes ~20) holding the GIL."""
        if self.backend == "duckdb":
            return sorted({r[0] for r in self.duck.execute(_DUCK_TABLES).fetchall()})
        return list(self.con.list_tables())

    def to_arrow(self, expr: ibis.Table) -> pa.Table:
        return expr.to_pyarrow()

    def counts(self) -> dict[str, int]:
        """Rows per canonical table."""
        have = set(self.list_tables())
        names = [n for n in schema.TABLES if n in have]
        if not names:
            return {}
        return {n: int(self.table(n).count().execute()) for n in names}

    def counts_by_platform(self) -> dict[str, dict[str, int]]:
        """Rows per data table and platform."""
        out: dict[str, dict[str, int]] = {}
        have = set(self.list_tables())
        for n in schema.DATA_TABLES:
            if n not in have:
                continue
            t = self.table(n)
            df = t.group_by("platform").agg(n=t.count()).order_by("platform").to_pyarrow().to_pylist()
            out[n] = {r["platform"]: int(r["n"]) for r in df}
        return out

    # ------------------------------------------------------------------ DuckDB-only writing
    @property
    def duck(self) -> Any:
        """The raw DuckDB connection (DuckDB backend only; used by the store's writers)."""
        if self.backend != "duckdb":
            raise WorkspaceError(f"writing needs the duckdb backend; this workspace is {self.backend}")
        if self._closed:
            raise WorkspaceError(f"workspace {self.path} is closed; open it again with tribescope.connect")
        return self._duck if self._duck is not None else self.con.con

    def ensure_schema(self) -> None:
        """Create the canonical tables a DuckDB workspace lacks and add the columns an older version did not write
        (forward-compatible), in two statements: every ``CREATE TABLE IF NOT EXISTS`` in one, the tables' columns in
        one catalog query. A statement per table and a ``DESCRIBE`` of each were 14 round trips at every open, each
        waiting for the interpreter when another thread held it (``tribescope score PATHS`` loads the scoring modules
        beside the import: the issue-size one command −0.03 / −0.04 s, two sets of 14 paired rounds).

        The same catalog query reads the layout version stamped in the workspace (:data:`schema.SCHEMA_VERSION`), before
        anything is written: a higher one (a newer tribescope's) is a :class:`WorkspaceError` naming the file and both
        versions, also opened read-only; a lower one or none is upgraded as above and stamped."""
        if self.backend != "duckdb":
            return
        if self.read_only:  # nothing to add; a newer layout is refused all the same
            _check_version(self.path, _stamped_version(self.duck.execute(_VERSION_SQL).fetchall()))
            return
        tables = list(schema.TABLES.values())
        names = ", ".join(f"'{t.name}'" for t in tables)  # the schema's own names: plain identifiers
        # the columns the tables have and the stamp, before anything is written: a newer layout is left as it is
        rows = self.duck.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
            f"AND schema_name = current_schema() AND table_name IN ({names}) UNION ALL {_VERSION_SQL}"
        ).fetchall()
        version = _stamped_version([r for r in rows if r[0] == _VERSION_MARK])
        _check_version(self.path, version)
        have: dict[str, set[str]] = {}
        for table, column in rows:
            have.setdefault(table, set()).add(column)
        self.duck.execute(";\n".join(_ddl(t) for t in tables))
        # the tables it had lack the columns added since (a table it did not have was created whole)
        missing = [(t, c) for t in tables if t.name in have for c in t.columns if c.name not in have[t.name]]
        if missing or version != schema.SCHEMA_VERSION:
            # an older workspace: its tables altered by catalog and schema (a temporary table of the name comes first)
            home = self.duck.execute("SELECT current_database(), current_schema()").fetchone()
            where = ".".join(_ident(str(n)) for n in home or ())
            for t, c in missing:
                self.duck.execute(f"ALTER TABLE {where}.{_ident(t.name)} ADD COLUMN {_column_ddl(c)}")
            self.duck.execute(
                f"COMMENT ON TABLE {where}.{_ident(_VERSION_TABLE)} IS '{_VERSION_PREFIX}{schema.SCHEMA_VERSION}'"
            )

    @contextmanager
    def memory_limit(self, limit: str | None) -> Iterator[None]:
        """Cap DuckDB's memory for the work inside (``'2GB'``…); joins, aggregations and sorts then spill
        to the workspace's temp directory instead of growing. A no-op on other backends, for ``None``
        and for a setting DuckDB cannot parse (its default stays)."""
        with self._instance_setting("memory_limit", limit):
            yield

    @contextmanager
    def engine_threads(self, threads: int | None) -> Iterator[None]:
        """DuckDB's thread pool (the instance's ``threads``, shared by every connection and cursor) at ``threads`` for
        the work inside, then as it was. A no-op on other backends and for ``None``."""
        with self._instance_setting("threads", None if threads is None else str(max(1, int(threads)))):
            yield

    def engine_thread_count(self) -> int | None:
        """The size of DuckDB's thread pool (``threads``: the machine's cores unless set); ``None`` off DuckDB."""
        if self.backend != "duckdb":
            return None
        return int(self.duck.execute("SELECT current_setting('threads')").fetchone()[0])

    @contextmanager
    def checkpoints_put_off(self) -> Iterator[None]:
        """No automatic checkpoint inside: DuckDB's ``checkpoint_threshold`` out of reach, put back after.

        A commit whose changes pass the threshold (16 MB by default) checkpoints the databases it wrote, and since
        DuckDB 1.4 that includes an in-memory one: the autocommitted statements of an import's fast plans
        (:func:`~tribescope.ingest._fast.run_plan`) checkpointed their database, rewriting every row group of the
        mapped tables — string statistics and the dictionary analysis of each text column — that the merge then reads
        once before the database is detached (~0.2 s on one thread inside the YouTube threads plan at the issue's 190k
        comments). `tribescope score exports/` of those: 6.16 → 5.87 s, 10.2 → 9.7 CPU-s over four alternating pairs
        (docs/perf-rounds.md, thirty-seventh round). The import enters this inside its transaction, which commits
        after the block, under the threshold put back, so it checkpoints as before. The setting is the instance's: a
        commit by another connection meanwhile is checkpointed by a later commit or at close — the setting decides
        when a checkpoint happens, never what is stored. A no-op on other backends."""
        with self._instance_setting("checkpoint_threshold", NO_AUTO_CHECKPOINT):
            yield

    @contextmanager
    def _instance_setting(self, name: str, value: str | None) -> Iterator[None]:
        """DuckDB's global setting ``name`` at ``value`` for the work inside, then as it was. A no-op on other
        backends, for ``None`` and for a value DuckDB cannot parse (the setting stays)."""
        if value is None or self.backend != "duckdb":
            yield
            return
        old = self.duck.execute(f"SELECT current_setting('{name}')").fetchone()[0]
        try:
            self.duck.execute(f"SET {name} = {_literal(str(value))}")
        except Exception:  # an unparsable setting: keep DuckDB's default
            yield
            return
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                # RESET restores DuckDB's default exactly (a size reads back rounded, "18.8 GiB"); a value set
                # before us is set again from its rounded text
                self.duck.execute(f"RESET {name}")
                if self.duck.execute(f"SELECT current_setting('{name}')").fetchone()[0] != old:
                    self.duck.execute(f"SET {name} = {_literal(str(old))}")

    @contextmanager
    def commit_vacuum(self) -> Iterator[Callable[[], None]]:
        """Yields ``skip()``: the checkpoint of the commit that ends a :meth:`transaction` entered inside this block
        then leaves the row groups as they were written. DuckDB's checkpoint vacuums every table, not only the ones
        written since the last: it merges adjacent row groups that are not full, rewriting (and compressing again, on
        one thread) every row group after the first partial one; it also drops deleted rows from the file, so skip
        only when nothing was deleted (:attr:`rows_deleted`). After the block the workspace checkpoints while the
        setting holds (a commit checkpoints only past DuckDB's 16 MB WAL threshold; else the checkpoint at close
        would vacuum), then resets it. The partial row groups left are merged by the next checkpoint that vacuums
        (an import into a workspace that holds rows, a score that deleted rows). DuckDB only."""
        skipped = False

        def skip() -> None:
            nonlocal skipped
            self.duck.execute("SET max_vacuum_tasks = 0")
            skipped = True

        try:
            yield skip
        finally:
            if skipped:
                with contextlib.suppress(Exception):
                    self.duck.execute("CHECKPOINT")  # cheap after the commit's own checkpoint
                with contextlib.suppress(Exception):
                    self.duck.execute("RESET max_vacuum_tasks")

    def delete_rows(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run one ``DELETE`` statement on :attr:`duck`; returns the rows it deleted, also counted in
        :attr:`rows_deleted` — a command that deleted nothing may end with a checkpoint that does not vacuum
        (:meth:`commit_vacuum`). DuckDB only; a read-only workspace is a :class:`WorkspaceError`."""
        require_writable(self, "Workspace.delete_rows", "a deletion", duckdb_only=True)
        n = int(self.duck.execute(sql, params or []).fetchone()[0])
        self._deleted[0] += n
        return n

    @property
    def rows_deleted(self) -> int:
        """Rows deleted through :meth:`delete_rows` on this workspace and its :meth:`cursor` connections."""
        return self._deleted[0]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: everything written inside commits together or not at all.

        A Ctrl-C pressed while it ran rolls it back, also one the engine swallowed (:func:`tribescope._interrupt.check`
        before the commit); one pressed during the commit is remembered and lets it finish."""
        with self._lock:
            self.duck.execute("BEGIN TRANSACTION")
            try:
                yield
                _interrupt.check()
            except BaseException:
                self.duck.execute("ROLLBACK")
                raise
            with _interrupt.deferred():
                self.duck.execute("COMMIT")

    def write_table(
        self, name: str, data: pa.Table | ibis.Table, *, uncompressed: Collection[str] = ()
    ) -> None:
        """Create or replace a derived table (scores, features, …) from Arrow data or an expression.

        ``uncompressed``: text columns declared ``USING COMPRESSION uncompressed`` on DuckDB, as the canonical tables
        declare their ids and free text (:func:`_column_def`): ids and hashes unique per row, which DuckDB's
        string compression analyses at every write and barely shrinks (``comment_features``' ``comment_id`` and
        ``text_hash``: 2.4 → 1.6 CPU-s for the table's 1M rows at synth m). The table is then created and filled
        in one transaction, so a failure still leaves the old table or the new one, never none. A DuckDB workspace
        opened read-only is a :class:`WorkspaceError` naming the table (not DuckDB's own read-only error)."""
        require_writable(self, "Workspace.write_table", f"the table {name!r}")
        if self.backend != "duckdb":
            self._write_spark(name, data)
            return
        arrow = isinstance(data, pa.Table)
        if arrow:
            self.duck.register("__tribescope_write", data)
        else:  # the expression's memtables and UDFs, registered as ibis does before it runs one
            self.con._run_pre_execute_hooks(data)
        try:
            sql = "SELECT * FROM __tribescope_write" if arrow else self.con.compile(data)
            if not uncompressed:  # one statement, so a crash leaves the old table or the new one, never none
                self.duck.execute(f'CREATE OR REPLACE TABLE "{name}" AS {sql}')
                return
            described = self.duck.execute(f"DESCRIBE {sql}").fetchall()
            cols = ", ".join(_column_def(c, t, c not in uncompressed) for c, t, *_ in described)
            with self.transaction():
                self.duck.execute(f'CREATE OR REPLACE TABLE "{name}" ({cols})')
                self.duck.execute(f'INSERT INTO "{name}" {sql}')
        finally:
            if arrow:
                self.duck.unregister("__tribescope_write")

    def _write_spark(self, name: str, data: pa.Table | ibis.Table) -> None:
        """Spark: write ``<location>/_derived/<name>/`` as Parquet (the engine writes, so a cluster writes to
        the shared storage it reads from) and point the view ``name`` at it. Exported tables are never
        touched; the derived copy shadows one of the same name for every later session."""
        session = self.con._session
        if isinstance(data, pa.Table):
            df = (
                session.createDataFrame(data)
                if data.num_rows
                else session.createDataFrame([], schema=_spark_schema(data.schema))
            )
        else:
            self.con._run_pre_execute_hooks(data)  # registers the expression's memtables, as ibis does
            df = session.sql(self.con.compile(data))
        target = f"{self.location.rstrip('/')}/{DERIVED_DIR}/{name}"
        df = df.cache()  # read once: the view below must not re-read a folder that is being replaced
        df.count()
        df.coalesce(1).write.mode("overwrite").parquet(target)
        df.unpersist()
        self.con.read_parquet(target, table_name=name)

    def export_parquet(self, directory: str | os.PathLike[str]) -> Path:
        """Write every table as Parquet under ``directory/<table>/`` for the Spark backend.

        The folder is written whole beside ``directory`` and then put in its place, so it holds this workspace's
        tables and nothing else: a table an earlier export held and this workspace no longer has (a score cache
        dropped by ``forget``) is gone with it, and an interrupted export leaves the earlier one. A folder that holds
        anything but an earlier export is refused rather than mixed into or replaced: an earlier export is table folders
        each holding the one file this writes (``part-0.parquet``; none once ``forget`` removed it) and the Spark
        backend's derived tables (``_derived/``). A folder of the user's own Parquet (``customers/customers.parquet``)
        was taken for a table of an earlier export and deleted with it. A symbolic link (to a mounted volume, …) is
        written through: the export goes to the folder it points at (it was replaced by a folder of the same name,
        leaving the target as it was, and the next export failed with a traceback)."""
        if self.backend != "duckdb":  # "writing needs the duckdb backend", said the connection it asked for
            raise WorkspaceError(
                f"export writes a DuckDB workspace as Parquet; {self.location} is a {self.backend} workspace (a Parquet "
                "export already). Export the DuckDB file: tribescope --workspace FILE.duckdb export --parquet DIR"
            )
        out = Path(directory).absolute()
        if out.is_symlink():
            out = out.resolve()
        here = Path.cwd()
        if not out.name or out.resolve() in (here.resolve(), *here.resolve().parents):
            # the export is written beside the folder and swapped in: not the folder a shell stands in
            raise WorkspaceError(
                f"{directory} is the current folder (or one above it); export into a folder of its own, e.g. "
                f"{Path(directory) / 'parquet'}"
            )
        if out.exists() and not out.is_dir():
            raise WorkspaceError(f"{out} is a file; export --parquet wants a folder")
        if out.is_dir():
            foreign = [
                e.name
                for e in out.iterdir()
                if not (
                    e.is_dir()
                    and (e.name == DERIVED_DIR or {f.name for f in e.iterdir()} <= {_EXPORT_PART})
                    and not e.is_symlink()
                )
            ]
            if foreign:
                raise WorkspaceError(
                    f"{out} holds files that are not a tribescope export ({', '.join(sorted(foreign)[:5])}); "
                    "export into a new or empty folder"
                )
        tmp, old = out.with_name(f".{out.name}.partial"), out.with_name(f".{out.name}.old")
        try:
            _remove_path(tmp)
            tmp.mkdir(parents=True)
        except OSError as exc:
            raise WorkspaceError(f"cannot write {out}: {exc}") from exc
        try:
            for name in self.stored_tables():  # not this session's temporary tables (Ibis caches, scratch)
                d = tmp / name
                d.mkdir()
                self.duck.execute(
                    f"COPY {_ident(name)} TO {_literal(str(d / _EXPORT_PART))} (FORMAT PARQUET)"
                )
            try:
                _remove_path(old)  # left by an export that was interrupted here
                if out.exists():
                    out.rename(old)
                try:
                    tmp.rename(out)
                except OSError:
                    if old.exists() and not out.exists():
                        old.rename(out)  # the earlier export back in its place
                    raise
            except OSError as exc:
                raise WorkspaceError(f"cannot write {out}: {exc}") from exc
            _remove_path(old)
        finally:
            _remove_path(tmp)
        return out

    def stored_tables(self) -> list[str]:
        """The tables and views of the workspace file itself (:meth:`list_tables` without the session's temporary ones:
        Ibis' in-memory tables, scratch tables). DuckDB only."""
        return sorted({r[0] for r in self.duck.execute(_DUCK_STORED_TABLES).fetchall()})

    def cursor(self) -> Workspace:
        """Another connection to this DuckDB workspace — the same database, buffer pool and memory cap, its own
        transactions and temporary tables — for work on a second thread (a DuckDB connection must not run two
        statements at once). Close it when done; it does not close this one."""
        if self.backend != "duckdb":
            raise WorkspaceError(f"cursor() needs the duckdb backend; this workspace is {self.backend}")
        duck = self.duck.cursor()
        _session_settings(duck)  # the memory limit and threads are the instance's; these are per connection
        ws = Workspace(None, "duckdb", self.path, read_only=self.read_only, duck=duck)
        ws.location = self.location
        ws._deleted = self._deleted
        return ws

    def checkpoint(self) -> str | None:
        """Write the journal (``NAME.wal``) of a DuckDB workspace open for writing into its file, as closing it does,
        but say when that fails for want of space: DuckDB's close then leaves the journal beside the file without a
        word. What was committed stays in the journal, which DuckDB applies (and checkpoints) the next time the file is
        opened. Returns DuckDB's error when the disk is full or a file-size limit was reached (:data:`DISK_FULL`),
        ``None`` otherwise (also when there is no journal, or for another error, which closing reports as before)."""
        if self._closed or self.read_only or self.backend != "duckdb":
            return None
        return checkpoint(self.duck, self.path)

    def close(self) -> None:
        self._closed = True  # using it afterwards is a WorkspaceError naming it (not "no such table")
        with contextlib.suppress(Exception):  # closing twice is harmless
            if self._con is not None:
                # Ibis drops a ``.cache()`` table when its expression is collected; one still referenced (by the
                # traceback of an error a command reported) would be dropped at exit on the closed connection, and
                # print a traceback. Closing drops the temporary tables anyway.
                entries = getattr(self._con, "_cache_name_to_entry", {})
                for entry in entries.values():
                    entry.finalizer.detach()
                entries.clear()
                getattr(self._con, "_cache_op_to_entry", {}).clear()
                self._con.disconnect()
            else:
                self._duck.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r}, backend={self.backend!r})"


#: how DuckDB says a write failed for want of space: the disk (ENOSPC) or the process's file-size limit (EFBIG,
#: ``ulimit -f``), or a quota
DISK_FULL = ("No space left on device", "File too large", "Disk quota exceeded")


def checkpoint(duck: Any, path: Path) -> str | None:
    """:meth:`Workspace.checkpoint` on DuckDB connection ``duck`` to the file ``path`` (a connection already closed,
    or read-only: ``None``)."""
    if not path.with_name(path.name + ".wal").exists():  # nothing to write (one stat)
        return None
    try:
        duck.execute("CHECKPOINT")
    except Exception as exc:  # duckdb's errors; closing does the same checkpoint and says nothing
        text = str(exc)
        return text if any(s in text for s in DISK_FULL) else None
    return None


#: Folder (inside a Parquet workspace) where the Spark backend writes derived tables: model enrichments
#: written by ``tribescope score``. The exported source tables beside it are never touched.
DERIVED_DIR = "_derived"
#: the one file :meth:`Workspace.export_parquet` writes in each table's folder
_EXPORT_PART = "part-0.parquet"


def _remove_path(p: Path) -> None:
    """Delete ``p`` whatever it is (a folder with its files, a file, a symbolic link: the link, not its target); no
    error when it is not there or cannot be deleted."""
    if p.is_symlink() or p.is_file():
        with contextlib.suppress(OSError):
            p.unlink()
    else:
        shutil.rmtree(p, ignore_errors=True)


#: Environment variables :func:`connect` reads when it is given neither a master nor a remote.
ENV_SPARK_MASTER = "TRIBESCOPE_SPARK_MASTER"
ENV_SPARK_REMOTE = "TRIBESCOPE_SPARK_REMOTE"


@dataclass(frozen=True)
class SparkOptions:
    """Where and how the pyspark backend runs.

    Attributes
    ----------
    master
        Master URL of a classic session: ``local[N]`` (default ``local[2]``), ``local-cluster[W,C,MB]``,
        ``spark://host:7077``, ``yarn``, ``k8s://…``. The driver (this process) runs the graph
        algorithms and the models that are not engine expressions; the executors run the SQL.
    remote
        Spark Connect address ``sc://host:15002``: the Connect server plans and runs the SQL; this process
        is a client that still runs the Python steps (graphs, classifiers) on the reduced data it gets
        back as Arrow (needs pyspark's Connect dependencies: the ``[spark]`` extra).
    conf
        Extra Spark settings ``(key, value)``, applied after tribescope's defaults (so they win).
    """

    master: str | None = None
    remote: str | None = None
    conf: tuple[tuple[str, str], ...] = ()

    @classmethod
    def resolve(
        cls,
        master: str | None = None,
        remote: str | None = None,
        conf: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> SparkOptions:
        """Arguments first, then ``TRIBESCOPE_SPARK_MASTER`` / ``TRIBESCOPE_SPARK_REMOTE``.

        A master given as ``sc://…`` is taken as a Connect address (the old ``--master`` spelling).
        """
        if master and master.startswith("sc://"):
            master, remote = None, remote or master
        if master is None and remote is None:
            master = os.environ.get(ENV_SPARK_MASTER) or None
            remote = os.environ.get(ENV_SPARK_REMOTE) or None
        if master and remote:
            raise WorkspaceError(
                f"give a Spark master ({master}) or a Spark Connect address ({remote}), not both"
            )
        if remote and not remote.startswith("sc://"):
            raise WorkspaceError(
                f"a Spark Connect address starts with sc:// (sc://host:15002); got {remote!r}"
            )
        items = conf.items() if isinstance(conf, Mapping) else (conf or ())
        return cls(master, remote, tuple((str(k), str(v)) for k, v in items))

    @property
    def local(self) -> bool:
        """Everything (driver and executors) runs on this machine."""
        return self.remote is None and (self.master is None or self.master.startswith("local"))


def parse_spark_conf(pairs: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``["spark.executor.memory=4g", …]`` → ``(("spark.executor.memory", "4g"), …)``."""
    out = []
    for p in pairs:
        key, sep, value = p.partition("=")
        if not sep or not key.strip():
            raise WorkspaceError(f"--spark-conf wants KEY=VALUE (spark.executor.memory=4g); got {p!r}")
        out.append((key.strip(), value.strip()))
    return tuple(out)


def _spark_missing(exc: BaseException, what: str) -> BackendMissing:
    return BackendMissing(
        f"{what} needs the [spark] extra (pyspark and its Spark Connect client libraries): "
        f"pip install 'tribescope[spark]' ({exc})"
    )


#: SQL settings of every tribescope Spark session (local, a master URL or Spark Connect); ``--spark-conf`` overrides
#: them. Catalyst's constraint propagation infers filters from the constraints of every projection; the trained
#: models applied as expressions (trees of CASE WHEN) give plans of thousands of nodes, on which it took 25–29 s
#: of a 50 s audience-authenticity query over 25 comments (1.4–1.6 s without it). It only adds inferred filters,
#: so no result changes.
SPARK_SQL_DEFAULTS = {"spark.sql.constraintPropagation.enabled": "false"}


def _spark_session(opts: SparkOptions) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise _spark_missing(exc, "the pyspark backend") from exc
    import sys

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if opts.remote is not None:
        try:
            import pyspark.sql.connect.session  # noqa: F401 - fails early when grpcio & co are missing
        except ImportError as exc:
            raise _spark_missing(exc, "Spark Connect (--spark-remote)") from exc
        try:
            session = SparkSession.builder.remote(opts.remote).getOrCreate()
            # a Connect session takes runtime settings only
            for k, v in (SPARK_SQL_DEFAULTS | dict(opts.conf)).items():
                session.conf.set(k, v)
            session.conf.set("spark.sql.session.timeZone", "UTC")
        except Exception as exc:
            raise WorkspaceError(f"cannot reach the Spark Connect server at {opts.remote}: {exc}") from exc
        return session
    defaults = SPARK_SQL_DEFAULTS | {
        "spark.app.name": "tribescope",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.ui.showConsoleProgress": "false",  # progress bars would interleave with the CLI's output
    }
    if opts.local:  # one machine: a handful of partitions, no UI, loopback only
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        defaults |= {
            "spark.ui.enabled": "false",
            "spark.driver.host": "127.0.0.1",
            "spark.sql.shuffle.partitions": os.environ.get("TRIBESCOPE_SPARK_PARTITIONS", "4"),
        }
    builder = SparkSession.builder.master(opts.master or "local[2]")
    for k, v in (defaults | dict(opts.conf)).items():
        builder = builder.config(k, v)
    try:
        return builder.getOrCreate()
    except Exception as exc:
        raise WorkspaceError(f"cannot start a Spark session on {opts.master or 'local[2]'}: {exc}") from exc


def _is_uri(path: str | os.PathLike[str]) -> bool:
    return "://" in os.fspath(path)


#: the views each workspace opened in a Spark session registered (Spark hands the one session of a process to every
#: ``connect``): a workspace opened later drops those of the earlier ones it does not have itself, or it read an
#: earlier export's tables (``creator_scores`` of another workspace) as its own
_SPARK_VIEWS: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def _drop_earlier_views(session: Any, mine: set[str]) -> None:
    """Drop the views an earlier workspace registered in ``session`` that this one (``mine``) did not re-register."""
    earlier = _SPARK_VIEWS.get(session, set())
    for name in sorted(earlier - mine):
        with contextlib.suppress(Exception):  # a view the user dropped meanwhile
            session.catalog.dropTempView(name)
    _SPARK_VIEWS[session] = mine


def _register_parquet(con: Any, location: str) -> set[str]:
    """Register every ``<table>/`` folder of Parquet under ``location`` as a view, then the derived ones; the names.

    Not a folder whose name starts with ``_`` or ``.``: Spark's file listing takes those for hidden files (it wrote
    "All paths were ignored" for each, and ran a schema job for nothing) and they are the DuckDB workspace's own state
    (``_score_cache_*``, ``_comment_features_state``: the incremental cache is DuckDB's), which ``export`` copies."""
    names: set[str] = set()
    if _is_uri(location):  # object storage: no directory listing here, so try the tables tribescope knows
        from tribescope.score._score import OPTIONAL_TABLES

        uri = location.rstrip("/")
        for sub, known in (("", [*schema.TABLES, *OPTIONAL_TABLES]), (f"/{DERIVED_DIR}", OPTIONAL_TABLES)):
            for name in known:
                with contextlib.suppress(Exception):  # absent tables are simply not there
                    con.read_parquet(f"{uri}{sub}/{name}", table_name=name)
                    names.add(name)
        return names
    root = Path(location)
    for folder in (root, root / DERIVED_DIR):  # derived tables replace copies exported from DuckDB
        if not folder.is_dir():
            continue
        for d in sorted(folder.iterdir()):
            if d.is_dir() and not d.name.startswith(("_", ".")) and any(d.glob("*.parquet")):
                con.read_parquet(str(d), table_name=d.name)
                names.add(d.name)
    return names


def connect(
    path: str | os.PathLike[str] | None = None,
    *,
    backend: str = "duckdb",
    read_only: bool = False,
    master: str | None = None,
    remote: str | None = None,
    spark_conf: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    create: bool = True,
) -> Workspace:
    """Open (or create) a workspace.

    Parameters
    ----------
    path
        DuckDB file (``duckdb``; default ``./tribescope.duckdb``) or Parquet directory (``pyspark``: a local
        folder, or a URI the cluster reads such as ``s3a://bucket/ws``).
    backend
        ``"duckdb"`` or ``"pyspark"``.
    read_only
        Open without taking the write lock (DuckDB) — several readers may share a file.
    master
        Spark master URL (``local[2]`` by default, ``spark://host:7077``, ``yarn``, …); default
        ``$TRIBESCOPE_SPARK_MASTER``. See :class:`SparkOptions`.
    remote
        Spark Connect address (``sc://host:15002``); default ``$TRIBESCOPE_SPARK_REMOTE``.
    spark_conf
        Extra Spark settings (``{"spark.executor.memory": "4g"}``).
    create
        Create a missing DuckDB file (``False``: a missing file is a :class:`WorkspaceError`, as it always is with
        ``read_only``; the commands that only read or derive, such as ``tribescope score``, open this way).
    """
    if backend == "pyspark":
        return _connect_spark(path, SparkOptions.resolve(master, remote, spark_conf))
    p = Path(path if path is not None else DEFAULT_WORKSPACE)
    if backend == "duckdb":
        if (read_only or not create) and not p.exists():
            raise WorkspaceError(
                f"workspace {p} does not exist; import something first (`tribescope import`)"
            )
        if p.is_dir():
            raise WorkspaceError(
                f"{p} is a directory; the duckdb backend wants a file such as {p / DEFAULT_WORKSPACE}"
            )
        if p.is_file() and p.stat().st_size and _file_head(p, 12)[8:12] != b"DUCK":
            # DuckDB itself opens a CSV, JSON or Parquet file given as a database as an in-memory database over it:
            # the workspace would be thrown away at exit, and every write with it
            raise WorkspaceError(f"{p} is not a DuckDB workspace (a DuckDB file starts with its own header)")
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # e.g. a parent that is a file
            raise WorkspaceError(f"cannot create workspace {p}: {exc}") from exc
        import duckdb

        try:
            duck = duckdb.connect(str(p), read_only=read_only)
        except Exception as exc:
            raise WorkspaceError(_open_error(p, exc)) from exc
        _session_settings(duck)
        ws = Workspace(None, "duckdb", p, read_only=read_only, duck=duck)
        try:
            ws.ensure_schema()
        except WorkspaceError:
            ws.close()
            raise
        return ws
    raise WorkspaceError(f"unknown backend {backend!r}; use 'duckdb' or 'pyspark'")


def _open_error(p: Path, exc: BaseException) -> str:
    """What to tell when DuckDB cannot open the workspace file ``p``. The common case, another process holding it
    (DuckDB takes one lock per file: one writer, or readers only), says which process and what to do, rather than
    DuckDB's "Could not set lock on file … Conflicting lock is held in …"."""
    msg = str(exc)
    if "Could not set lock" in msg or "Conflicting lock" in msg:
        m = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", msg)
        who = f" (PID {m.group(2)}, {m.group(1)})" if m else ""
        return (
            f"workspace {p} is in use by another process{who}: a `tribescope import`, `score` or `serve`, or a "
            "notebook that opened it. A DuckDB workspace has one writer at a time (or only readers): wait for that "
            "process to finish or stop it, then try again; copy the file to read it meanwhile"
        )
    return f"cannot open workspace {p}: {msg}"


def check_writable(path: str | os.PathLike[str]) -> None:
    """A :class:`WorkspaceError` when this process cannot write the DuckDB workspace ``path``: the file is read-only to
    it, or its folder does not let it create files — DuckDB writes its journal (``NAME.wal``) beside the file at every
    commit, so a command that writes (``import``, ``score``, ``forget``) ran to its end and then failed with a
    traceback, "Failed to commit: Cannot open file …wal: Permission denied". For the commands that write, before
    they start; a missing file is checked by the folder it would be created in."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if p.exists() and not os.access(p, os.W_OK):
        problem = "the file is read-only to this user"
    elif folder.is_dir() and not os.access(folder, os.W_OK):
        problem = (
            f"its folder {folder} does not let this user create files, and DuckDB writes its journal "
            f"({p.name}.wal) beside the file"
        )
    else:
        return
    if not p.exists():
        raise WorkspaceError(
            f"workspace {p} cannot be created: {problem}. Give a --workspace in a folder you can write to"
        )
    raise WorkspaceError(
        f"workspace {p} cannot be written: {problem}. Copy it to a folder you can write to and work on the copy "
        "(commands that only read it, such as status, report and explain, work on it as it is)"
    )


def require_workspace(ws: object, what: str) -> None:
    """Raise a :class:`TypeError` that says what to pass when ``what`` (a public function) is given something other
    than a :class:`Workspace` (a path, most often) — instead of an AttributeError deep inside it."""
    if not isinstance(ws, Workspace):
        raise TypeError(
            f"{what} takes a Workspace (tribescope.connect(path)), not {type(ws).__name__}"
            + (f" {ws!r}" if isinstance(ws, str | os.PathLike) else "")
        )


def require_writable(ws: object, what: str, wants: str, *, duckdb_only: bool = False) -> None:
    """:func:`require_workspace`, then a :class:`WorkspaceError` saying that ``what`` (a public function) wants to
    write ``wants`` (``"the brand profile 'Acme' (table brands)"``) into a workspace that cannot take it: a DuckDB
    workspace opened with ``read_only=True`` — rather than DuckDB's own read-only error, or a missing table — and,
    with ``duckdb_only`` (the writers that upsert into DuckDB tables), a PySpark workspace (whose derived tables
    are Parquet: :meth:`Workspace.write_table` still writes those)."""
    require_workspace(ws, what)
    assert isinstance(ws, Workspace)  # for mypy
    if duckdb_only and ws.backend != "duckdb":
        raise WorkspaceError(
            f"{what} wants to write {wants}, which needs a DuckDB workspace; {ws.location} is a {ws.backend} "
            "workspace (open the DuckDB file with tribescope.connect(path))"
        )
    if ws.backend == "duckdb" and ws.read_only:
        raise WorkspaceError(
            f"{what} wants to write {wants}, but workspace {ws.path} is open read-only; "
            "open it for writing with tribescope.connect(path) (without read_only=True)"
        )


def _file_head(p: Path, n: int) -> bytes:
    with p.open("rb") as fh:
        return fh.read(n)


#: :meth:`Workspace.list_tables` on DuckDB: what Ibis' ``list_tables`` selects from ``information_schema.tables`` (tables
#: and views of the current catalog or ``temp``, in the current schema), from the catalog functions that view reads
def _duck_tables(databases: str) -> str:
    """The names of the tables and views of ``databases`` (an SQL list) in the current schema."""
    where = f"database_name IN ({databases}) AND schema_name = current_schema()"
    return (
        f"SELECT table_name FROM duckdb_tables() WHERE {where} "
        f"UNION ALL SELECT view_name FROM duckdb_views() WHERE {where}"
    )


#: the workspace file's tables and views and the session's temporary ones (what Ibis' ``list_tables`` lists)
_DUCK_TABLES = _duck_tables("current_database(), 'temp'")
#: the workspace file's own (what an export holds)
_DUCK_STORED_TABLES = _duck_tables("current_database()")


def _session_settings(duck: Any) -> None:
    """Per-connection settings of a workspace connection (:func:`connect`, :meth:`Workspace.cursor`): what ibis' own
    connect sets (UTC; ``python_enable_replacements``: no magic variables-as-tables), and no progress bar. A cursor
    starts from DuckDB's defaults, not from its parent's settings: without this, one opened on a machine whose local
    time zone is not UTC would read timestamps in that zone."""
    duck.execute("SET TimeZone = 'UTC'")
    duck.execute("SET python_enable_replacements = false")
    duck.execute("SET enable_progress_bar = false")


def _connect_spark(path: str | os.PathLike[str] | None, opts: SparkOptions) -> Workspace:
    if path is None:
        raise WorkspaceError(
            "the pyspark backend needs --workspace DIR: a Parquet directory (`tribescope export`)"
        )
    location = os.fspath(path)
    if not _is_uri(location) and not Path(location).is_dir():
        raise WorkspaceError(
            f"the pyspark backend reads a directory of Parquet tables; {location} is not one. "
            "Write one with `tribescope export --parquet DIR` from a DuckDB workspace."
        )
    session = _spark_session(opts)
    import ibis

    from tribescope.store._spark_compat import install as _spark_like_duckdb

    con = ibis.pyspark.connect(session)
    _spark_like_duckdb(con)  # string functions compiled for Spark to compute what DuckDB computes
    _drop_earlier_views(session, _register_parquet(con, location))
    ws = Workspace(con, "pyspark", Path(location), read_only=True)
    ws.location = location.rstrip("/") if _is_uri(location) else str(Path(location).resolve())
    return ws
