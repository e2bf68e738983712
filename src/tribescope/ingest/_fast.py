"""Engine fast path for the largest exports: parse and map whole files inside DuckDB.

A format may offer a :class:`FastPlan` — SQL that reads the file with DuckDB's JSON reader and
produces canonical rows — for the common, well-formed case. The plan runs on a *side* in-memory
DuckDB connection, so a problem there cannot disturb the import's transaction. Each plan carries
``checks``: queries that count records the SQL mapping would not treat exactly like the Python
mapping (missing required ids, odd timestamps, mixed page kinds, …). If any check is non-zero, or
DuckDB cannot read the file, the importer falls back to the record-by-record Python path, which
names the offending record and field. Both paths produce identical rows (tested), so the choice
is invisible except in speed: the engine path maps ~1M comments in seconds, not minutes.

Memory: the side connection is a *cursor* on the workspace's DuckDB instance — its own transaction and
temp tables, but the workspace's buffer pool, ``memory_limit`` and temp directory — so the file being mapped
and the rows being staged share one cap and spill instead of growing the process (a second database
instance had its own cap on top: at scale l that was 1 GB more, and memory it freed was not reused by the
other). Mapped rows go to an in-memory database attached to that instance (:class:`Mapped`), from which the
import's connection reads them with SQL: no round trip through Arrow (~1.4 CPU-s on the import's thread for the
514k YouTube comments of synth m), and the rows count against the same cap. They are not copied into the import's
stage: the database stays attached until its merge group is merged (``Stager.add_part``), whose rows go from it
straight into the workspace table (a committed table scans in parallel; a stage created inside the import's open
transaction did not), and is detached then, or when the import fails. A plan's setup may write a table's rows into that
database itself, under the canonical names and types (``FastPlan.in_place``: the two comment plans' flattened comments):
they are merged from there, without a conformed copy of every comment (~0.85 CPU-s of an import at synth m).

Prefetch: :class:`Prefetcher` maps the next fast-path files (up to :data:`PLANS_AHEAD`, one after the other) on a
background thread while the importer works through the files before them (Python formats, staging, merges).
DuckDB releases the GIL while it reads JSON, so the engine's parse and the Python parsers use both cores instead of
taking turns; rows are still staged in file order, so the result is the same as mapping each file when its turn
comes.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
from duckdb.func import NATIVE, SPECIAL

from tribescope import schema
from tribescope.store._workspace import _ident, _literal

__all__ = [
    "FastPlan",
    "Mapped",
    "Prefetcher",
    "in_place_select",
    "json_count",
    "json_opt",
    "json_secs",
    "json_text",
    "run_plan",
]

_DUCK_TYPE = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    schema.TS: "TIMESTAMPTZ",
    schema.STR_LIST: "VARCHAR[]",
}


#: a plan's check: a query returning one integer, or a function of the plan's cursor returning it
Check = str | Callable[[duckdb.DuckDBPyConnection], int]


# SQL tests of one JSON leaf for the plans' checks, given its type (``json_type``; SQL NULL when the key is absent) and
# its text (``->>'$'``): what the Python path's coercion (``ingest/_base.py`` ``to_int``, ``to_ts``, ``to_str``) takes
# as it is. Each is true, false or NULL; a check counts the rows where its tests are not all true.
def json_opt(t: str, *types: str) -> str:
    """SQL: the leaf of type ``t`` is absent, null, or one of ``types``."""
    ts = ", ".join(f"'{x}'" for x in ("NULL", *types))
    return f"({t} IS NULL OR {t} IN ({ts}))"


def json_text(t: str, v: str) -> str:
    """SQL: absent, null, or text without NUL (the driver strips NULs)."""
    return f"({json_opt(t, 'VARCHAR')} AND NOT coalesce(contains({v}, chr(0)), false))"


def json_count(t: str, v: str) -> str:
    """SQL: absent, null, or a whole number 0 or more that fits 64 bits (DuckDB types non-negative JSON numbers
    UBIGINT, negative ones BIGINT: a negative count takes the Python path, which reads -1 as unknown and refuses the
    others, :func:`~tribescope.ingest._base.count_out_of_range`)."""
    return f"({json_opt(t)} OR ({t} = 'UBIGINT' AND {v}::HUGEINT <= 9223372036854775807))"


def json_secs(t: str, v: str) -> str:
    """SQL: absent, null, or whole unix seconds, the common case of ``to_ts`` (0 to 10¹¹; beyond, milliseconds)."""
    return f"({json_opt(t)} OR ({t} IN ('BIGINT', 'UBIGINT') AND {v}::HUGEINT BETWEEN 0 AND 99999999999))"


def _check(con: duckdb.DuckDBPyConnection, check: Check) -> int | None:
    """The count a check returns (``None`` when a query returns no row)."""
    if callable(check):
        return int(check(con))
    row = con.execute(check).fetchone()
    return None if row is None else row[0]


@dataclass
class FastPlan:
    """SQL to map one file in the engine.

    ``setup`` statements create temp views/tables on the side connection; ``checks`` are queries
    returning one integer (must all be 0) — a ``(guard, check)`` pair runs ``check`` only when the
    cheap ``guard`` is non-zero; a check may also be a function of the plan's cursor returning that
    integer (e.g. a text scan that rules a costly query out before running it); ``records`` returns the
    number of source records;
    ``tables`` maps canonical table → SELECT with (a subset of) the canonical columns, in file order: an ``_seq``
    column, if present, orders rows as the Python path would emit them (a sort); without one the SELECT must yield
    them in that order (DuckDB keeps the order of scans, projections and ``unnest`` when it writes a table).
    ``release`` names setup tables that no table's SELECT reads: dropped once the checks and ``records`` have run, so
    that their memory is free before the tables are written.
    ``in_place`` maps a canonical table to a setup table created without ``TEMP`` (so in the plan's database, see
    :func:`run_plan`) whose rows are that table's rows, in file order, under the canonical names and types (extra
    columns are ignored; ``import_id`` may be missing): those rows are merged from where they are, not copied into a
    table of their own first (its ``tables`` SELECT is then only the fallback, should the types not match).
    ``derive`` maps a table to a function completing each mapped batch in Python (e.g. hashtags
    computed by the very functions the Python path uses); it returns the batch with columns added.
    ``functions`` maps a name to a ``VARCHAR → VARCHAR`` Python function that the SQL calls row by row, registered
    on the plan's cursor (a Python path's own function, for the few rows that need it: the same text on both paths).
    """

    setup: list[str]
    checks: Sequence[Check | tuple[str, Check]]
    records: str
    tables: dict[str, str] = field(default_factory=dict)
    derive: dict[str, Callable[[pa.RecordBatch], pa.RecordBatch]] = field(default_factory=dict)
    release: Sequence[str] = ()
    in_place: dict[str, str] = field(default_factory=dict)
    functions: dict[str, Callable[[str | None], str | None]] = field(default_factory=dict)


#: rows per Arrow batch a plan's ``derive`` completes
BATCH_ROWS = 100_000


def in_place_select(table: str, source: str) -> str:
    """The ``tables`` SELECT of a plan's ``in_place`` table: the canonical ``table``'s columns (``import_id`` aside)
    read from the setup table ``source`` as they stand, in its (file) order — no ``_seq``, so no sort. Used only
    should ``source``'s types not match (:func:`run_plan`)."""
    cols = ", ".join(c.name for c in schema.table(table).columns if c.name != "import_id")
    return f"SELECT {cols} FROM {source}"


def _conform(table: str, sql: str, columns: list[str], import_id: str) -> str:
    out = []
    for c in schema.table(table).columns:
        if c.name == "import_id":
            out.append(f"{_literal(import_id)}::VARCHAR AS import_id")
        elif c.name in columns:
            out.append(f'CAST("{c.name}" AS {_DUCK_TYPE[c.type]}) AS "{c.name}"')
        else:
            out.append(f'NULL::{_DUCK_TYPE[c.type]} AS "{c.name}"')
    order = " ORDER BY _seq" if "_seq" in columns else ""
    return f"SELECT {', '.join(out)} FROM ({sql}) q{order}"


#: names of the in-memory databases the plans map into (unique within the process)
_DB_IDS = itertools.count()


@dataclass
class Mapped:
    """A mapped file: its record count and its canonical rows, one table per canonical table, in an in-memory
    database attached to the workspace's DuckDB instance (``tables`` maps the canonical table to the qualified
    name its rows are in, in file order). The import's connection reads them with SQL; :meth:`close` detaches the
    database (freeing the rows) and closes the plan's cursor."""

    records: int
    tables: dict[str, str]
    _con: duckdb.DuckDBPyConnection
    _db: str

    def close(self) -> None:
        _release(self._con, self._db)


def _release(con: duckdb.DuckDBPyConnection, db: str, home: str | None = None) -> None:
    """Detach ``db`` and close ``con`` (back on the catalog ``home`` first, when a plan left it for ``db``). Retried:
    :meth:`Prefetcher.close` may still be interrupting the cursor."""
    for _ in range(5):
        try:
            if home is not None:
                con.execute(f"USE {_ident(home)}")
                home = None
            con.execute(f"DETACH DATABASE IF EXISTS {db}")
            break
        except duckdb.Error:  # interrupted, or the instance/cursor is already closed
            continue
    con.close()


def _register(
    con: duckdb.DuckDBPyConnection, functions: dict[str, Callable[[str | None], str | None]]
) -> None:
    """``functions`` (:attr:`FastPlan.functions`) registered on ``con``'s connection, once: its cursors share them.
    Row by row (``native``): with DuckDB 1.5.6 an Arrow UDF called inside a ``CASE`` over list elements gave invalid
    strings ("Invalid unicode … detected in value construction") where it was given and returned the right ones."""
    for name, fn in functions.items():
        try:
            con.create_function(
                name,
                fn,
                [duckdb.sqltypes.VARCHAR],
                duckdb.sqltypes.VARCHAR,
                type=NATIVE,
                null_handling=SPECIAL,
                side_effects=False,
            )
        except duckdb.CatalogException as exc:  # already registered (by an earlier plan on this connection)
            if "already exists" not in str(exc):
                raise


#: how ``DESCRIBE`` spells the types of :data:`_DUCK_TYPE` that it spells otherwise
_DESCRIBED = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}


def _extra_columns(con: duckdb.DuckDBPyConnection, table: str, source: str) -> list[str] | None:
    """The columns of ``source`` that are not the canonical ``table``'s, or ``None`` when ``source`` lacks one of
    those (``import_id`` aside) or holds it under another DuckDB type."""
    have = {d[0]: d[1] for d in con.execute(f"DESCRIBE {source}").fetchall()}
    cols = schema.table(table).columns
    for c in cols:
        t = _DUCK_TYPE[c.type]
        if c.name != "import_id" and have.get(c.name) != _DESCRIBED.get(t, t):
            return None
    names = {c.name for c in cols}
    return [n for n in have if n not in names]


def run_plan(plan: FastPlan, import_id: str, con: duckdb.DuckDBPyConnection) -> Mapped | None:
    """Run ``plan`` on ``con``, a cursor of the workspace's connection (see the module doc) that this call
    owns; ``None`` when the fast path does not apply (the caller falls back).

    The mapped rows go to an in-memory database attached to the workspace's instance (its own catalog, so
    the cursor's autocommitted tables never touch the workspace file, and the import's connection reads them
    without a round trip through Arrow); they count against the instance's one memory cap. On fallback the
    database is detached and the cursor closed at once.
    """
    db = f"__tribescope_fast_{next(_DB_IDS)}"
    home: str | None = None  # the cursor's catalog, while the plan runs in ``db``
    try:
        con.execute("SET TimeZone = 'UTC'")
        _register(con, plan.functions)
        con.execute(f"ATTACH ':memory:' AS {db}")
        if plan.in_place:  # the setup's tables without TEMP go to the plan's database, never the workspace
            home = str(con.execute("SELECT current_database()").fetchone()[0])  # type: ignore[index]
            con.execute(f"USE {db}")
        for stmt in plan.setup:
            con.execute(stmt)
        for check in plan.checks:
            if isinstance(check, tuple):
                guard, check = check
                g = con.execute(guard).fetchone()
                if g is not None and not g[0]:
                    continue
            n = _check(con, check)
            if n is None or n:
                _release(con, db, home)
                return None
        records = int(con.execute(plan.records).fetchone()[0])  # type: ignore[index]
        for done in plan.release:
            con.execute(f"DROP TABLE {done}")
        # Materialise every table, so a late error still means "fall back". Rows are stored in file order.
        tables: dict[str, str] = {}
        # the in-place tables used, with the columns only the checks and the other tables read
        extra: dict[str, list[str]] = {}
        for i, (table, sql) in enumerate(plan.tables.items()):
            own = plan.in_place.get(table)
            helpers = None if own is None else _extra_columns(con, table, f"{db}.{own}")
            if helpers is not None:
                tables[table] = f"{db}.{own}"  # merged from where the setup wrote it
                extra[tables[table]] = helpers
                continue
            cols = [d[0] for d in con.execute(f"SELECT * FROM ({sql}) LIMIT 0").description]
            name = f"{db}.t{i}"
            derive = plan.derive.get(table)
            if derive is None:
                con.execute(f"CREATE TABLE {name} AS {_conform(table, sql, cols, import_id)}")
            else:  # completed in Python, batch by batch (on this thread), into a table of the canonical types
                target = schema.arrow_schema(table)
                con.execute(f"CREATE TEMP TABLE __fast_{i} AS {_conform(table, sql, cols, import_id)}")
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM __fast_{i} LIMIT 0")
                for b in con.execute(f"SELECT * FROM __fast_{i}").to_arrow_reader(BATCH_ROWS):
                    b = derive(b).select(target.names)
                    out = pa.RecordBatch.from_arrays(
                        [b.column(j).cast(target.field(j).type) for j in range(b.num_columns)], schema=target
                    )
                    con.from_arrow(pa.Table.from_batches([out])).insert_into(name)
                con.execute(f"DROP TABLE __fast_{i}")
            tables[table] = name
        for name, helpers in extra.items():  # now that the other tables are written
            for col in helpers:
                con.execute(f"ALTER TABLE {name} DROP COLUMN {_ident(col)}")
        for stmt in plan.setup:  # the raw file and intermediates are no longer needed
            tmp = (
                stmt.split("TABLE", 1)[1].split()[0]
                if stmt.lstrip().upper().startswith("CREATE TEMP TABLE")
                else None
            )
            if tmp:
                con.execute(f"DROP TABLE IF EXISTS {tmp}")
        if home is not None:
            con.execute(f"USE {_ident(home)}")
    except (duckdb.Error, ValueError):
        _release(con, db, home)
        return None
    except BaseException:
        _release(con, db, home)
        raise
    return Mapped(records, tables, con, db)


PlanResult = Mapped | None


#: fast plans the :class:`Prefetcher` has started (running, queued on its thread, or mapped) and not yet handed over
PLANS_AHEAD = 2


class Prefetcher:
    """Runs the fast plans of an import ahead of their turn on one background thread.

    ``plans`` maps a file's position in the import to its ``(plan, import_id)``. Up to :data:`PLANS_AHEAD` plans are
    started at a time: the first runs at once and the next as soon as it is done, so the thread does not wait for
    the import to reach a mapped file (at synth m it stood idle ~1.3 s between the Instagram and YouTube plans while
    the import's thread merged its first group). :meth:`take` waits for a file's plan and starts the next one. Mapped
    files wait for their turn and then for their group's merge, all inside the workspace's DuckDB memory cap.
    :meth:`close` interrupts the plans still running or queued (an import that failed on an earlier file) and
    closes their cursors.

    ``sizes`` (file sizes by position) picks the plan started next: the first in file order when none is started,
    else the largest of those after the last one started. A smaller file whose turn comes before it is not queued
    behind it on the thread: :meth:`take` maps it on the import's thread when its turn comes, beside the larger
    plan (synth l: the 123 MB TikTok comments between the 1.7 GB Instagram and 4.4 GB YouTube exports delayed the
    YouTube plan by its ~4.7 s). Without ``sizes``, plans are started in file order.
    """

    def __init__(
        self,
        duck: duckdb.DuckDBPyConnection,
        plans: dict[int, tuple[FastPlan, str]],
        sizes: Sequence[int] | None = None,
    ) -> None:
        self._duck = duck
        self._sizes = sizes
        self._plans = dict(sorted(plans.items()))
        self._pool: ThreadPoolExecutor | None = None
        #: started plans in file order: (position, future, cursor)
        self._started: list[tuple[int, Future[PlanResult], duckdb.DuckDBPyConnection]] = []
        self._start_next()

    def __contains__(self, position: int) -> bool:
        return position in self._plans or any(p == position for p, _, _ in self._started)

    def _start_next(self) -> None:
        while self._plans and len(self._started) < PLANS_AHEAD:
            position = self._next()
            if position is None:
                return
            plan, import_id = self._plans.pop(position)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="tribescope-fast")
            con = self._duck.cursor()  # created here: the import's thread owns the workspace connection
            self._started.append((position, self._pool.submit(run_plan, plan, import_id, con), con))

    def _next(self) -> int | None:
        """The position of the plan to start next (see the class doc); ``None``: none can be queued."""
        if not self._started or self._sizes is None:
            return next(iter(self._plans))
        last = self._started[-1][0]
        after = [p for p in self._plans if p > last]
        if not after:
            return None  # each one left comes before a started plan: mapped in its turn (:meth:`take`)
        sizes = self._sizes
        return max(after, key=lambda p: (sizes[p], -p))

    def add(self, position: int, plan: FastPlan, import_id: str) -> None:
        """One more file's plan, found after the others started (:func:`~tribescope.ingest._run.import_paths` plans
        large files first); started in turn, or by :meth:`take` if later files' plans are started when its turn
        comes."""
        self._plans[position] = (plan, import_id)
        self._plans = dict(sorted(self._plans.items()))
        self._start_next()

    def ready(self, position: int) -> bool:
        """Whether :meth:`take` of ``position`` would return at once (its plan is done)."""
        return any(p == position and future.done() for p, future, _ in self._started)

    def take(self, position: int, idle: Callable[[], None] | None = None) -> PlanResult:
        """The result of :func:`run_plan` for the file at ``position`` (plans are taken in file order). ``idle`` is
        called when that plan is still running on the background thread, before waiting for it (as
        :meth:`~tribescope.ingest._run.ReadAhead.items` does when the reader is behind)."""
        if idle is not None and position in self and not self.ready(position):
            idle()
        for k, (p, future, _) in enumerate(self._started):
            if p == position:
                del self._started[k]
                try:
                    return future.result()
                finally:
                    self._start_next()
        # a plan added late (:meth:`add`) whose turn came while later files' plans hold every slot: run it here, now
        assert position in self._plans, "fast plans are taken in file order"
        plan, import_id = self._plans.pop(position)
        return run_plan(plan, import_id, self._duck.cursor())

    def close(self) -> None:
        """Stop: interrupt the plans still running or queued, wait for the thread, close their cursors."""
        self._plans.clear()
        started, self._started = self._started, []
        for _, future, _ in reversed(started):  # a queued plan that has not started is dropped before it runs
            future.cancel()
        for _, future, con in started:
            while not future.done():  # interrupt each statement as it starts, until the plan gives up
                con.interrupt()
                time.sleep(0.02)
            try:
                res = None if future.cancelled() else future.result()
            except Exception:  # the import is already failing for another reason
                res = None
            if res is not None:
                res.close()
            con.close()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
