"""Idempotent merge of staged rows into the canonical tables (DuckDB).

Merge rule, per key and per column: the value of the *newest* row that has the column non-null,
where rows are ordered by ``(snapshot_at NULLS FIRST, already-stored before staged, file order)``.
So a newer export updates counters, an older one only fills gaps, and importing the same rows
again computes exactly the stored values — those rows are left untouched (``import_id`` too).

Files are merged one after the other, in order (a *fold*). A :class:`Stager` may stage several files
before merging (:meth:`Stager.next_file`): one grouped merge then computes exactly what the fold
would — the stored rows, the ``import_id`` of the file that last changed each row, and the rows
each file wrote — in a handful of statements instead of a dozen per file. The grouped computation
assumes, per key, that no file carries a snapshot older than what earlier files (or the stored row)
carried; when that does not hold, the files are merged one by one instead.

Across the whole import (``Stager(net=True)``, :meth:`Stager.finish`), a row whose data the import leaves as it
found it — a key two files of the import describe differently, changed by one and set back by the other — keeps
its stored ``import_id``, and the files' counts do not include it: re-importing the same data changes nothing,
provenance included. The import runs it whenever the workspace holds rows; a first import has no stored row to give
its provenance back, and runs without it.

Only keys that need it are merged: a key staged once and not yet stored is inserted as staged (what
any merge computes for it), so a first import of a million comments with a few hundred seen twice
(a ``comments.list`` file repeating some ``commentThreads``) merges those few hundred keys only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa

from tribescope import schema
from tribescope.store._workspace import _duck_type
from tribescope.store._workspace import _ident as _q
from tribescope.store._workspace import _literal as _lit

__all__ = ["Stager"]

#: staged rows gathered in Arrow per table before they are written to the engine
FLUSH_ROWS = 100_000
#: rows gathered in Arrow for a table that :meth:`Stager.write_pending` writes while the import waits (fewer wait
#: for :data:`FLUSH_ROWS` or the merge: a statement per small file and table costs more than its rows)
IDLE_FLUSH_ROWS = 20_000
#: per table, a column that a row giving none of the table's :data:`FACTS` only fills in (:meth:`Stager._weaken`): an
#: account's username as a comment or message names its author never replaces the username its profile gives
WEAK = {"accounts": "username"}
#: per table, what a profile gives and an author stub does not: a row with its :data:`WEAK` name and one of these is
#: the account's profile. Not a display name or a flag (a Discord author's nickname and bot flag, an Instagram
#: commenter's verified badge, a TikTok video's region come with every message or comment)
FACTS = {"accounts": ("bio", "followers", "following", "posts", "external_url", "created_at", "category")}
#: added to the order key (:func:`_order_key`, a HUGEINT from about -2**127 to 2**123) of a row that names its key as a
#: profile does, for the :data:`WEAK` column: above every stub's, however new (still within a HUGEINT)
_NAMED_WEIGHT = str(2**126)
#: order key of a row's snapshot: NULL first
_SNAP = "coalesce(epoch_us(snapshot_at), -9223372036854775807)"


def _order_key(*low: str) -> str:
    """SQL: one HUGEINT ordered as the tuple (snapshot, *low) — ``low`` are non-negative BIGINTs, the last under
    2**63 and any before it 0 or 1 — for ``arg_max``: with a tuple (a STRUCT) it compares row by row through the
    generic path, ~30 % slower for the same result (the encoding is one-to-one, so ties are the tuple's)."""
    weights = {1: ["1"], 2: ["9223372036854775808", "1"]}[len(low)]
    parts = " + ".join(f"{w} * {x}" if w != "1" else x for w, x in zip(weights, low, strict=True))
    return f"({_SNAP}::HUGEINT * 18446744073709551616 + {parts})"


def _on(key: Iterable[str], x: str, y: str, op: str = "=") -> str:
    """SQL: ``x`` and ``y`` (table aliases) agree on every column of ``key`` (``op``: ``=`` or
    ``IS NOT DISTINCT FROM``, which pairs NULL with NULL as GROUP BY does)."""
    return " AND ".join(f"{x}.{_q(k)} {op} {y}.{_q(k)}" for k in key)


def _sql_parts(tbl: schema.Table) -> tuple[list[str], str, str, list[str], str]:
    """The pieces every merge statement of ``tbl`` is built from: key columns, their quoted list, all
    columns quoted, the data columns (neither key nor bookkeeping), and the stored ``t`` ⋈ staged ``s``
    join condition."""
    key = list(tbl.key)
    data_cols = [c for c in tbl.names if c not in key and c not in ("import_id", "snapshot_at")]
    return (
        key,
        ", ".join(_q(k) for k in key),
        ", ".join(_q(c) for c in tbl.names),
        data_cols,
        _on(key, "t", "s"),
    )


class Stager:
    """Collects Arrow batches per table in temp tables, then merges them in one go.

    ``dedup``: tables whose exact duplicate rows (all columns equal) within one file are staged
    once, at their first occurrence — the importer's commenter stubs.
    """

    def __init__(
        self,
        duck: Any,
        import_id: str,
        *,
        dedup: Iterable[str] = (),
        net: bool = False,
        track: Iterable[str] = (),
    ) -> None:
        self.duck = duck
        self.import_id = import_id
        self.dedup = frozenset(dedup)
        #: tables whose written keys are recorded, with the file that wrote each (:meth:`wrote_table`)
        self.track = frozenset(track)
        Stager._instances += 1
        self._tag = Stager._instances
        #: keep the version before this stager's first change of each stored row, for :meth:`finish`
        self.net = net
        #: every file (import id) this stager has staged
        self._ids: set[str] = {import_id} if import_id else set()
        #: tables with originals kept (``__orig_<table>``) and the files that changed them (``__touched_<table>``)
        self._net_tables: set[str] = set()
        self._seq: dict[str, int] = {}
        self._n = 0
        self._files: list[str] = [import_id]
        self._tables: list[set[str]] = [set()]  # tables each staged file has rows for
        self._rows = 0
        self._pending: dict[str, list[pa.Table]] = {}
        self._pending_rows: dict[str, int] = {}
        self._created: set[str] = set()
        #: committed engine tables staged in place (:meth:`add_part`): table → [(source, first _seq, file, rows)]
        self._parts: dict[str, list[tuple[str, int, int, int]]] = {}
        #: files (positions) with rows in each table's stage
        self._stage_files: dict[str, set[int]] = {}
        #: what holds the parts' tables (closed by :meth:`release`)
        self._held: list[Any] = []
        #: rows written per file (import id) and table by the last :meth:`merge`
        self.written: dict[str, dict[str, int]] = {}
        #: rows of the canonical tables deleted by merges so far (a changed row is deleted, then inserted merged)
        self.deleted = 0

    #: stagers made in this process, for the names of their :meth:`wrote_table` tables
    _instances = 0

    def stage_name(self, table: str) -> str:
        return f"__stage_{table}"

    def wrote_table(self, table: str) -> str | None:
        """The temporary table of the keys of ``table`` (one of :attr:`track`) that this stager's merges wrote (new or
        changed), one row per key and file that wrote it: the key columns and the file's ``import_id``. ``None``
        when none was written (or ``table`` is not tracked). ``import --pseudonymize`` reads it to take off each
        file's figures the accounts it wrote under a real id whose pseudonym's row the import left as it was."""
        if table not in self.track:
            return None
        name = f"__wrote_{self._tag}_{table}"
        exists = self.duck.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'temp' AND table_name = ?", [name]
        ).fetchone()[0]
        return name if exists else None

    def drop_tracking(self) -> None:
        """Drop the :meth:`wrote_table` tables (temporary tables live as long as the connection)."""
        for table in self.track:
            self.duck.execute(f"DROP TABLE IF EXISTS {_q(f'__wrote_{self._tag}_{table}')}")

    def _record(self, tbl: schema.Table, sql: str) -> None:
        """Add to :meth:`wrote_table` the keys ``sql`` selects (the key columns, then ``import_id``)."""
        if tbl.name not in self.track:
            return
        name = _q(f"__wrote_{self._tag}_{tbl.name}")
        keys = ", ".join(
            f"{_q(k)} {_duck_type(schema.arrow_schema(tbl.name).field(k).type)}" for k in tbl.key
        )
        self.duck.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({keys}, import_id VARCHAR)")
        self.duck.execute(f"INSERT INTO {name} {sql}")

    @property
    def staged_rows(self) -> int:
        """Rows staged since the last merge."""
        return self._rows

    @property
    def holds_parts(self) -> bool:
        """Whether rows staged since the last merge include :meth:`add_part`'s (read in place at the merge)."""
        return bool(self._parts)

    @property
    def files(self) -> list[str]:
        """Import ids of the files staged since the last merge, in order."""
        return list(self._files)

    def next_file(self, import_id: str) -> None:
        """Rows added from now on belong to the next file, ``import_id`` (merged after the previous ones)."""
        self._ids.add(import_id)
        if self._rows == 0:
            self._files, self._tables = [import_id], [set()]
        elif self._files[-1] != import_id:
            self._files.append(import_id)
            self._tables.append(set())
        self.import_id = import_id

    def add(self, table: str, batch: pa.Table) -> None:
        """Append ``batch`` (already in the canonical Arrow schema) to the staging area.

        Small batches (many small files) are gathered in Arrow and written to the engine
        :data:`FLUSH_ROWS` rows at a time: one statement per file and table costs more than the rows.
        """
        if batch.num_rows == 0:
            return
        start = self._seq.get(table, 0)
        n = batch.num_rows
        # from numpy / one scalar: pa.array of a range or a list converts every Python int (~0.13 µs a row)
        batch = batch.append_column("_seq", pa.array(np.arange(start, start + n, dtype=np.int64)))
        batch = batch.append_column("_file", pa.repeat(pa.scalar(len(self._files) - 1, pa.int32()), n))
        self._seq[table] = start + n
        self._tables[-1].add(table)
        self._rows += n
        pend = self._pending.setdefault(table, [])
        pend.append(batch)
        self._pending_rows[table] = self._pending_rows.get(table, 0) + n
        self._stage_files.setdefault(table, set()).add(len(self._files) - 1)
        if self._pending_rows[table] >= FLUSH_ROWS:
            self._write(table)

    def add_relation(self, table: str, source: str) -> int:
        """Append every row of the engine table ``source`` (canonical columns, in order) to the staging area,
        without a round trip through Arrow; returns the rows added. Rows gathered in Arrow for ``table`` are
        written first, so staged rows stay in the order they were added."""
        self._write(table)
        self._create(table)
        start = self._seq.get(table, 0)
        st = _q(self.stage_name(table))
        part = (source, start, len(self._files) - 1, 0)
        n = self.duck.execute(f"INSERT INTO {st} {self._part_sql(schema.table(table), part)}").fetchone()[0]
        if n:
            self._seq[table] = start + n
            self._tables[-1].add(table)
            self._rows += n
            self._stage_files.setdefault(table, set()).add(len(self._files) - 1)
        return int(n)

    def add_part(self, table: str, source: str) -> int:
        """Stage every row of the *committed* engine table ``source`` (canonical columns, in order) in place: it is
        not copied into the stage but read by the merge (:meth:`hold` its owner until then); returns the rows.

        Rows of such a part whose key needs no merging go from ``source`` straight into the canonical table. That
        insert scans in parallel, where an ``INSERT … SELECT`` from a stage created inside the import's open
        transaction runs on one thread (the stage copy cost ~0.3 s more for 514k comments). Keys that need merging
        are merged exactly as if the rows had been staged with :meth:`add_relation`."""
        n = int(self.duck.execute(f"SELECT count(*) FROM {source}").fetchone()[0])
        if n:
            start = self._seq.get(table, 0)
            self._parts.setdefault(table, []).append((source, start, len(self._files) - 1, n))
            self._seq[table] = start + n
            self._tables[-1].add(table)
            self._rows += n
        return n

    def hold(self, owner: Any) -> None:
        """Keep ``owner`` (something with ``close()``: the database of :meth:`add_part`'s tables) until the next
        :meth:`merge` has read them, or until :meth:`release`."""
        self._held.append(owner)

    def release(self) -> None:
        """Close what :meth:`hold` kept (after a merge, or when the import fails); forget unmerged parts."""
        held, self._held = self._held, []
        self._parts.clear()
        errors = []
        for owner in held:
            try:
                owner.close()
            except Exception as exc:  # close every one, then report
                errors.append(exc)
        if errors:
            raise errors[0]

    def _part_sql(self, tbl: schema.Table, part: tuple[str, int, int, int]) -> str:
        """A part as stage rows (canonical columns, ``_seq``, ``_file``). A stage's ``import_id`` is never read (each
        merge writes the file's own), so a part need not have one."""
        source, start, f, _ = part
        cols = ", ".join('NULL::VARCHAR AS "import_id"' if c == "import_id" else _q(c) for c in tbl.names)
        # ``rowid`` of a freshly created table numbers its rows in stored order, from 0
        return f"SELECT {cols}, rowid + {start} AS _seq, {f}::INTEGER AS _file FROM {source}"

    def _materialise(self, tbl: schema.Table, parts: list[tuple[str, int, int, int]]) -> None:
        """Copy ``parts`` into the stage (then they are merged as staged rows)."""
        st = _q(self.stage_name(tbl.name))
        for part in parts:
            self.duck.execute(f"INSERT INTO {st} {self._part_sql(tbl, part)}")
            self._stage_files.setdefault(tbl.name, set()).add(part[2])

    def _create(self, table: str) -> None:
        """Create ``table``'s stage (its canonical columns, then ``_seq`` and ``_file``) unless it exists."""
        if table in self._created:
            return
        cols = ", ".join(
            [
                *(f"{_q(f.name)} {_duck_type(f.type)}" for f in schema.arrow_schema(table)),
                "_seq BIGINT",
                "_file INTEGER",
            ]
        )
        self.duck.execute(f"CREATE OR REPLACE TEMP TABLE {_q(self.stage_name(table))} ({cols})")
        self._created.add(table)

    def write_pending(self, min_rows: int = IDLE_FLUSH_ROWS) -> None:
        """Write the rows gathered in Arrow (:meth:`add`) for each table with at least ``min_rows`` of them to the
        stage now, not at :data:`FLUSH_ROWS` or the next :meth:`merge`: the import calls it while it waits for a
        file's rows (a fast plan still running, the reader behind), so that work is off the merge that follows (at
        synth m ~0.4–0.7 s: Discord's 61k messages and 71k accounts were written at the start of the merge the
        Instagram export triggers). Same rows, same order."""
        for table in list(self._pending):
            if self._pending_rows.get(table, 0) >= min_rows:
                self._write(table)

    def _write(self, table: str) -> None:
        pend = self._pending.pop(table, [])
        self._pending_rows.pop(table, None)
        if not pend:
            return
        data = pa.concat_tables(pend).combine_chunks() if len(pend) > 1 else pend[0]
        st = self.stage_name(table)
        self._create(table)
        # A relation, not ``register``: inside the import's transaction a registered (then unregistered)
        # view stays in the catalog until commit and keeps its Arrow data alive — every staged batch, about
        # 100 bytes a row (at scale l, GBs outside DuckDB's memory_limit).
        self.duck.from_arrow(data).insert_into(st)

    def merge(self) -> dict[str, int]:
        """Merge every staged table into its canonical table; return rows written (new or changed).

        Per-file figures are in :attr:`written`.
        """
        self.write_pending(min_rows=0)
        files = self._files
        self.written = {f: dict.fromkeys(sorted(t), 0) for f, t in zip(files, self._tables, strict=True)}
        written: dict[str, int] = {}
        for table in self._seq:
            tbl = schema.table(table)
            st = _q(self.stage_name(table))
            self._create(table)  # a table staged only as parts has an empty stage
            per_file = self._merge_table(tbl, files, dedup=table in self.dedup)
            for i, n in per_file.items():
                self.written[files[i]][table] = n
            written[table] = sum(per_file.values())
            self.duck.execute(f"DROP TABLE IF EXISTS {st}")
        self._seq.clear()
        self._created.clear()
        self._stage_files.clear()
        self.release()
        self._rows = 0
        self._files, self._tables = [files[-1]], [set()]
        return written

    # ------------------------------------------------------------------ merging

    def _merge_table(self, tbl: schema.Table, files: list[str], *, dedup: bool = False) -> dict[int, int]:
        st = _q(self.stage_name(tbl.name))
        parts = self._parts.pop(tbl.name, [])
        # the staged rows: the stage, and the parts (:meth:`add_part`) read where they are
        src = (
            st
            if not parts
            else "("
            + " UNION ALL ".join([f"SELECT * FROM {st}", *(self._part_sql(tbl, p) for p in parts)])
            + ")"
        )
        key = list(tbl.key)
        keys = ", ".join(_q(k) for k in key)
        join = _on(key, "t", "s")
        # Keys that need merging: staged more than once, or already stored. Every other staged row is
        # a new row exactly as staged — what every merge below computes for it — so it is inserted as
        # it is (all rows, on a first import without duplicates; a million first-time comments and a
        # few hundred seen twice merge only those few hundred). Exact duplicates within a file (``dedup``)
        # share their key, so only the rows of these keys need collapsing.
        nd = _on(key, "s", "k", "IS NOT DISTINCT FROM")
        self.duck.execute(
            f"""CREATE OR REPLACE TEMP TABLE __keys AS
                SELECT {keys} FROM {src} u GROUP BY {keys} HAVING count(*) > 1
                UNION SELECT {keys} FROM {_q(tbl.name)} t SEMI JOIN {src} s ON {join}"""
        )
        if not self.duck.execute("SELECT count(*) FROM __keys").fetchone()[0]:
            self.duck.execute("DROP TABLE IF EXISTS __keys")
            # the parts first: a few staged rows ahead of them would leave a small row group at the start of the
            # new rows, which the checkpoint's vacuum merges with the full ones after it (rewriting them)
            out: dict[int, int] = {}
            for part in parts:
                out[part[2]] = out.get(part[2], 0) + self._insert_part(tbl, part)
            for f, n in self._insert_new(tbl, st).items():
                out[f] = out.get(f, 0) + n
            return out
        cols = ", ".join(_q(c) for c in tbl.names)
        rest = f"SELECT s.* FROM {src} s SEMI JOIN __keys k ON {nd}"
        if dedup:
            rest = f"SELECT {cols}, _file, min(_seq) AS _seq FROM ({rest}) GROUP BY ALL"
        if not self.duck.execute(f"SELECT count(*) FROM {src} s ANTI JOIN __keys k ON {nd}").fetchone()[0]:
            # every key needs merging (e.g. a re-import): merge the stage itself, no copy of it
            self.duck.execute("DROP TABLE IF EXISTS __keys")
            self._materialise(tbl, parts)
            if dedup:
                self.duck.execute(
                    f"CREATE OR REPLACE TEMP TABLE {st} AS SELECT {cols}, _file, min(_seq) AS _seq FROM {st} GROUP BY ALL"
                )
            return self._merge_keys(tbl, st, files)
        # The rows to merge move to __rest; the stage keeps the new rows, inserted by a plain scan (a join in
        # the INSERT made DuckDB's row-by-row insert instead of its batch insert: 11 → ~2 CPU-s for 1M comments).
        # A part's new rows are inserted from the part with an ANTI JOIN on the few keys: it stays parallel.
        self.duck.execute(f"CREATE OR REPLACE TEMP TABLE __rest AS {rest}")
        self.duck.execute(f"DELETE FROM {st} s WHERE EXISTS (SELECT 1 FROM __keys k WHERE {nd})")
        out = {}
        for part in parts:  # the parts first, as above
            out[part[2]] = out.get(part[2], 0) + self._insert_part(tbl, part, anti=nd)
        for f, n in self._insert_new(tbl, st).items():
            out[f] = out.get(f, 0) + n
        self.duck.execute("DROP TABLE IF EXISTS __keys")
        for f, n in self._merge_keys(tbl, "__rest", files).items():
            out[f] = out.get(f, 0) + n
        self.duck.execute("DROP TABLE IF EXISTS __rest")
        return out

    def _insert_new(self, tbl: schema.Table, st: str) -> dict[int, int]:
        """Insert every staged row of ``st`` (the stage) as a new row; rows per file."""
        in_stage = self._stage_files.get(tbl.name, set())
        if not in_stage:
            return {}
        cols = ", ".join(_q(c) for c in tbl.names if c != "import_id")
        imp = self._import_id_case()
        n = self.duck.execute(
            f"INSERT INTO {_q(tbl.name)} ({cols}, import_id) SELECT {cols}, {imp} FROM {st}"
        ).fetchone()[0]
        self._record(tbl, f"SELECT {', '.join(_q(k) for k in tbl.key)}, {imp} FROM {st}")
        if len(in_stage) == 1:  # one file's rows: the insert's count is its count
            return {next(iter(in_stage)): int(n)}
        return {
            int(f): int(c)
            for f, c in self.duck.execute(f"SELECT _file, count(*) FROM {st} GROUP BY _file").fetchall()
        }

    def _insert_part(self, tbl: schema.Table, part: tuple[str, int, int, int], *, anti: str = "") -> int:
        """Insert a part's rows as new rows straight from its table — but those whose key is in ``__keys`` when
        ``anti`` gives the join condition; the rows inserted.

        The rows to leave out are named by a bitmap of their ``rowid`` (a filter, not a join in the ``INSERT``): the
        insert stays DuckDB's order-preserving batch insert, which writes full row groups. An ``ANTI JOIN`` made it
        the unordered parallel insert, whose partial row group in mid-table had the checkpoint at close rewrite
        ~270k of the 514k YouTube comments (vacuum: ~0.8 s and 22 MB of free blocks in the file)."""
        source, _, f, n_rows = part
        cols = ", ".join(_q(c) for c in tbl.names if c != "import_id")
        scols = ", ".join(f"s.{_q(c)}" for c in tbl.names if c != "import_id")
        where = ""
        if anti:
            self.duck.execute(
                f"SET VARIABLE __tribescope_skip = (SELECT bitstring_agg(s.rowid, 0, {n_rows - 1}) "
                f"FROM {source} s SEMI JOIN __keys k ON {anti})"
            )
            if self.duck.execute("SELECT getvariable('__tribescope_skip') IS NOT NULL").fetchone()[0]:
                where = " WHERE get_bit(getvariable('__tribescope_skip'), s.rowid::INTEGER) = 0"
        try:
            n = self.duck.execute(
                f"INSERT INTO {_q(tbl.name)} ({cols}, import_id) SELECT {scols}, {_lit(self._files[f])} FROM {source} s{where}"
            ).fetchone()[0]
            kcols = ", ".join(f"s.{_q(k)}" for k in tbl.key)
            self._record(tbl, f"SELECT {kcols}, {_lit(self._files[f])} FROM {source} s{where}")
        finally:
            if anti:
                self.duck.execute("RESET VARIABLE __tribescope_skip")
        return int(n)

    def _merge_keys(self, tbl: schema.Table, st: str, files: list[str]) -> dict[int, int]:
        """Merge staged rows whose keys are staged more than once or already stored."""
        self._weaken(tbl, st)
        if len(files) == 1:
            return {0: self._merge_one(tbl, st, files[0])}
        if self._monotone(tbl, st):
            return self._merge_group(tbl, st, files)
        out: dict[int, int] = {}
        for i, imp in enumerate(files):  # the fold itself, file by file
            self.duck.execute(f"CREATE OR REPLACE TEMP TABLE __one AS SELECT * FROM {st} WHERE _file = {i}")
            if self.duck.execute("SELECT count(*) FROM __one").fetchone()[0]:
                out[i] = self._merge_one(tbl, "__one", imp)
        self.duck.execute("DROP TABLE IF EXISTS __one")
        return out

    @staticmethod
    def _named(tbl: schema.Table, a: str = "") -> str:
        """SQL (on a row of ``tbl``, its columns prefixed by ``a``): the row names its key as a profile does — its
        :data:`WEAK` column with one of the :data:`FACTS` beside it."""
        facts = " OR ".join(f"{a}{_q(c)} IS NOT NULL" for c in FACTS[tbl.name])
        return f"({a}{_q(WEAK[tbl.name])} IS NOT NULL AND ({facts}))"

    def _weaken(self, tbl: schema.Table, st: str) -> None:
        """The :data:`WEAK` column of the rows of ``st`` (the rows of keys to merge) that give none of the
        :data:`FACTS` — a comment's or message's author stub: ``(platform, account_id, username)``, perhaps with a
        display name or a flag — set null where the key is named by a profile by then: the merged row before the
        stub's file holds the name and a fact (stored, or from an earlier file), or a row of the stub's own file
        does. A stub's name then fills a gap and
        never replaces a profile's, whether the profile came first or last, in this import or an earlier one (the
        merge's "newest non-null" made a comments file's display name ``Devwitharjun`` the creator's handle in place
        of the channel's ``devwitharjun`` when the comments came after it); between stubs the newest still wins. Told
        per file as the file-by-file fold would (the grouped merge must equal it): the merged row has a name after
        the first file (or stored row) giving one, and a fact after the first giving one."""
        col = WEAK.get(tbl.name)
        if col is None:
            return
        key, keys, _, _, join = _sql_parts(tbl)
        others = FACTS[tbl.name]
        other = " OR ".join(f"{_q(c)} IS NOT NULL" for c in others)
        stub = " AND ".join(f"s.{_q(c)} IS NULL" for c in others)
        if not self.duck.execute(
            f"SELECT EXISTS (SELECT 1 FROM {st} s WHERE s.{_q(col)} IS NOT NULL AND {stub})"
        ).fetchone()[0]:
            return
        # per key, the first file whose stubs are set null: the file where a row first gives both (that file's own
        # stubs), else the file after the first where the merged row holds both
        self.duck.execute(
            f"""CREATE OR REPLACE TEMP TABLE __named AS
                SELECT {keys}, CASE WHEN min_both = greatest(min_name, min_other) THEN min_both
                                    ELSE greatest(min_name, min_other) + 1 END AS _from
                FROM (
                    SELECT {keys}, min(_file) FILTER (WHERE {_q(col)} IS NOT NULL) AS min_name,
                           min(_file) FILTER (WHERE {other}) AS min_other,
                           min(_file) FILTER (WHERE {_q(col)} IS NOT NULL AND ({other})) AS min_both
                    FROM (SELECT t.*, -1 AS _file FROM {_q(tbl.name)} t SEMI JOIN {st} s ON {join}
                          UNION ALL BY NAME SELECT * EXCLUDE (_seq) FROM {st})
                    GROUP BY {keys})
                WHERE min_name IS NOT NULL AND min_other IS NOT NULL"""
        )
        try:
            self.duck.execute(
                f"""UPDATE {st} AS s SET {_q(col)} = NULL FROM __named n
                    WHERE {_on(key, "s", "n")} AND s._file >= n._from AND s.{_q(col)} IS NOT NULL AND {stub}"""
            )
        finally:
            self.duck.execute("DROP TABLE IF EXISTS __named")

    def _import_id_case(self) -> str:
        if len(self._files) == 1:
            return _lit(self._files[0])
        # a list literal indexed by the file number: O(1) per row (a CASE of ~600 files was ~600 compares)
        return f"[{', '.join(_lit(f) for f in self._files)}][_file + 1]"

    def _merge_one(self, tbl: schema.Table, st: str, import_id: str) -> int:
        """Merge one file's staged rows (``st``)."""
        key, keys, cols, data_cols, join = _sql_parts(tbl)
        # Order key per row: (snapshot time, stored-before-staged, file order).
        order = _order_key("_src", "_seq")
        weak = WEAK.get(tbl.name)
        # a profile's name (a row giving the name and a fact) beats a stub's, however much newer the stub's snapshot
        # (:meth:`_weaken` has set null the stubs' names that come after a profile's)
        orders = {weak: f"{order} + CASE WHEN _named THEN {_NAMED_WEIGHT} ELSE 0 END"} if weak else {}
        named = f", {self._named(tbl)} AS _named" if weak else ""
        named_t = f", {self._named(tbl, 't.')} AS _named" if weak else ""
        aggs = ",\n".join(
            f"arg_max({_q(c)}, {orders.get(c, order)}) FILTER (WHERE {_q(c)} IS NOT NULL) AS {_q(c)}"
            for c in data_cols
        )
        self.duck.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE __merged AS
            WITH both_ AS (
                SELECT t.*, 0 AS _src, 0::BIGINT AS _seq{named_t}
                FROM {_q(tbl.name)} t SEMI JOIN {st} s ON {join}
                UNION ALL BY NAME
                SELECT * EXCLUDE (_file), 1 AS _src{named} FROM {st}
            )
            SELECT {keys}, {aggs},
                   max(snapshot_at) AS snapshot_at,
                   {_lit(import_id)} AS import_id,
                   bool_or(_src = 0) AS _stored
            FROM both_ GROUP BY {keys}
            """
        )
        # Keep only rows that are new or whose data actually changed; with no key stored (a file's repeated stubs of
        # new accounts) every merged row is new, and neither the comparison with the table nor the DELETE of
        # :meth:`_replace` (each a probe of every stored row) has anything to find.
        stored = bool(self.duck.execute("SELECT EXISTS (SELECT 1 FROM __merged WHERE _stored)").fetchone()[0])
        if stored:
            distinct = " OR ".join(
                f"t.{_q(c)} IS DISTINCT FROM m.{_q(c)}" for c in [*data_cols, "snapshot_at"]
            )
            mjoin = join.replace("s.", "m.")
            self.duck.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE __changed AS
                SELECT m.* FROM __merged m
                LEFT JOIN {_q(tbl.name)} t ON {mjoin}
                WHERE t.{_q(key[0])} IS NULL OR {distinct}
                """
            )
        else:
            self.duck.execute("CREATE OR REPLACE TEMP TABLE __changed AS SELECT * FROM __merged")
        if stored:
            self._keep_originals(tbl, "__changed", f"SELECT {keys}, import_id FROM __changed")
        self._record(tbl, f"SELECT {keys}, import_id FROM __changed")
        n = self._replace(tbl, "__changed", cols, stored=stored)
        self.duck.execute("DROP TABLE IF EXISTS __merged")
        return n

    def _replace(self, tbl: schema.Table, changed: str, cols: str, *, stored: bool = True) -> int:
        """Store the rows of ``changed`` in place of the rows of their keys; the rows stored. ``stored=False``: the
        caller knows none of these keys is stored, and the ``DELETE`` (a probe of every row of the table) is skipped."""
        key = list(tbl.key)
        join = _on(key, "t", "s")
        n = int(self.duck.execute(f"SELECT count(*) FROM {changed}").fetchone()[0])
        if n:
            if stored:
                gone = self.duck.execute(
                    f"DELETE FROM {_q(tbl.name)} t WHERE EXISTS (SELECT 1 FROM {changed} s WHERE {join})"
                ).fetchone()[0]
                self.deleted += int(gone)
            self.duck.execute(f"INSERT INTO {_q(tbl.name)} ({cols}) SELECT {cols} FROM {changed}")
        self.duck.execute(f"DROP TABLE IF EXISTS {changed}")
        return n

    def _monotone(self, tbl: schema.Table, st: str) -> bool:
        """True when, per key, every file's rows are no older than the stored row and earlier files'.

        Then a file's non-null value beats everything before it, as in the fold, and the state after
        each file is "the last file's non-null value" — what :meth:`_merge_group` computes.
        """
        keys = ", ".join(_q(k) for k in tbl.key)
        join = _on(tbl.key, "t", "s")
        # No snapshot time staged, nor stored for these keys: every row's snapshot order key is the same, so no
        # file is older than another (the query below would find nothing to flag); two cheap scans, no window.
        if (
            not self.duck.execute(f"SELECT count(snapshot_at) FROM {st}").fetchone()[0]
            and not self.duck.execute(
                f"SELECT count(t.snapshot_at) FROM {_q(tbl.name)} t SEMI JOIN {st} s ON {join}"
            ).fetchone()[0]
        ):
            return True
        bad = self.duck.execute(
            f"""
            WITH fs AS (
                SELECT {keys}, _file, min({_SNAP}) AS lo, max({_SNAP}) AS hi FROM {st} GROUP BY {keys}, _file
                UNION ALL
                SELECT {keys}, -1, {_SNAP}, {_SNAP} FROM {_q(tbl.name)} t SEMI JOIN {st} s ON {join}
            )
            SELECT count(*) FROM (
                SELECT lo, max(hi) OVER (PARTITION BY {keys} ORDER BY _file
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
                FROM fs)
            WHERE lo < before
            """
        ).fetchone()[0]
        return not bad

    def _merge_group(self, tbl: schema.Table, st: str, files: list[str]) -> dict[int, int]:
        """The fold over several files in one pass (valid when :meth:`_monotone`).

        Each key's contributions (one per file that staged it, and the stored row as file -1) are folded in file
        order: the state after a file holds each column's last non-null value, and the file *changed* the key when
        that state differs from the one before it (or it is the key's first contribution). Most keys merged here
        have two contributions (a profile and a stub, a stored row and one file: 95 % of synth m's), and for them
        the two states are computed by joining the two rows; window functions fold only the keys of three or more,
        whose per-partition cost dominated the statement (synth m's accounts: 0.50 → 0.24 CPU-s). Likewise a
        file's contribution is its one staged row of the key as it is — the ``arg_max`` of one row — and only the
        few keys a file staged more than once are aggregated (0.19 → 0.13 s)."""
        key, keys, cols, data_cols, join = _sql_parts(tbl)
        by_key = f"PARTITION BY {keys} ORDER BY _file"
        # each file's contribution: its newest non-null value per column (as the fold's arg_max)
        contrib = ", ".join(
            f"arg_max({_q(c)}, {_order_key('_seq')}) FILTER (WHERE {_q(c)} IS NOT NULL) AS {_q(c)}"
            for c in data_cols
        )
        running = ", ".join(f"last_value({_q(c)} IGNORE NULLS) OVER w AS {_q(c)}" for c in data_cols)
        changed = " OR ".join(
            f"{_q(c)} IS DISTINCT FROM lag({_q(c)}) OVER w2" for c in [*data_cols, "snapshot_at"]
        )
        imp = self._import_id_case()

        kjoin = _on(key, "c", "m")
        # a (key, file) staged once is that row; grouped as GROUP BY groups them (NULL with NULL)
        gjoin = _on([*key, "_file"], "s", "g", "IS NOT DISTINCT FROM")
        row = ", ".join(f"s.{_q(c)}" for c in [*key, "_file", *data_cols, "snapshot_at"])
        self.duck.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE __contrib AS
            WITH g AS (SELECT {keys}, _file, count(*) AS _n FROM {st} GROUP BY {keys}, _file)
            SELECT {row} FROM {st} s SEMI JOIN (SELECT * FROM g WHERE _n = 1) g ON {gjoin}
            UNION ALL BY NAME
            SELECT {keys}, _file, {contrib}, max(snapshot_at) AS snapshot_at
            FROM (SELECT s.* FROM {st} s SEMI JOIN (SELECT * FROM g WHERE _n > 1) g ON {gjoin})
            GROUP BY {keys}, _file
            UNION ALL BY NAME
            SELECT t.* EXCLUDE (import_id), -1 AS _file FROM {_q(tbl.name)} t SEMI JOIN {st} s ON {join}
            """
        )
        # Keys in one file only (and not stored) are new rows as that file wrote them; only keys
        # seen more than once need the running state below.
        self.duck.execute(
            f"CREATE OR REPLACE TEMP TABLE __multi AS SELECT {keys} FROM __contrib GROUP BY {keys} HAVING count(*) > 1"
        )

        # two contributions (files f1 < f2; a key's files are distinct): the state after f1 is its row, after f2
        # each column's coalesce(f2, f1) and the later snapshot — what the windows give — and f2 changed the key
        # when that state differs from f1's
        second = ", ".join(f"coalesce(b.{_q(c)}, a.{_q(c)}) AS {_q(c)}" for c in data_cols)
        later = "greatest(a.snapshot_at, b.snapshot_at)"  # NULLs ignored, as max() over the window
        differs = " OR ".join(
            [
                *(f"coalesce(b.{_q(c)}, a.{_q(c)}) IS DISTINCT FROM a.{_q(c)}" for c in data_cols),
                f"{later} IS DISTINCT FROM a.snapshot_at",
            ]
        )
        self.duck.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE __states AS
            WITH m AS (SELECT c.* FROM __contrib c SEMI JOIN __multi m ON {kjoin}),
            n AS (SELECT {keys}, count(*) AS _k, min(_file) AS _f1 FROM m GROUP BY {keys}),
            two AS (SELECT m.*, m._file = n._f1 AS _first FROM m JOIN (SELECT * FROM n WHERE _k = 2) n ON {_on(key, "m", "n")}),
            a AS (SELECT * EXCLUDE (_first) FROM two WHERE _first),
            b AS (SELECT * EXCLUDE (_first) FROM two WHERE NOT _first),
            states AS (
                SELECT {keys}, _file, {running}, max(snapshot_at) OVER w AS snapshot_at
                FROM (SELECT m.* FROM m SEMI JOIN (SELECT * FROM n WHERE _k > 2) n ON {_on(key, "m", "n")})
                WINDOW w AS ({by_key} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
            )
            SELECT *, _file >= 0 AND (lag(_file) OVER w2 IS NULL OR {changed}) AS _changed
            FROM states WINDOW w2 AS ({by_key})
            UNION ALL BY NAME
            SELECT *, _file >= 0 AS _changed FROM a
            UNION ALL BY NAME
            SELECT {", ".join(f"a.{_q(k)}" for k in key)}, b._file, {second}, {later} AS snapshot_at,
                   b._file >= 0 AND ({differs}) AS _changed
            FROM a JOIN b ON {_on(key, "a", "b")}
            """
        )
        self._record(
            tbl,
            f"""SELECT {keys}, {imp} FROM (
                    SELECT {keys}, _file FROM __states WHERE _changed
                    UNION ALL SELECT {", ".join(f"c.{_q(k)}" for k in key)}, c._file
                    FROM __contrib c ANTI JOIN __multi m ON {kjoin})""",
        )
        per_file: dict[int, int] = {}
        for f, n in self.duck.execute(
            f"""SELECT _file, count(*) FROM (
                    SELECT _file FROM __states WHERE _changed
                    UNION ALL SELECT _file FROM __contrib c ANTI JOIN __multi m ON {kjoin})
                GROUP BY _file"""
        ).fetchall():
            per_file[int(f)] = int(n)
        # final state of each key some file changed, stamped with the last file that changed it
        self.duck.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE __changed AS
            SELECT s.* EXCLUDE (_file, _changed), {imp.replace("_file", "l.last_changed")} AS import_id
            FROM __states s JOIN (
                SELECT {keys}, max(_file) AS last_file, max(_file) FILTER (WHERE _changed) AS last_changed
                FROM __states GROUP BY {keys} HAVING bool_or(_changed)
            ) l ON {join.replace("t.", "s.").replace("= s.", "= l.")} AND s._file = l.last_file
            UNION ALL BY NAME
            SELECT c.* EXCLUDE (_file), {imp} AS import_id FROM __contrib c ANTI JOIN __multi m ON {kjoin}
            """
        )
        # the stored rows of these keys are their contributions of file -1: with none (keys that only files of this
        # group staged more than once), no row of the table is replaced, and none has an original to keep
        stored = bool(
            self.duck.execute("SELECT EXISTS (SELECT 1 FROM __contrib WHERE _file = -1)").fetchone()[0]
        )
        if stored:
            self._keep_originals(
                tbl,
                "__changed",
                f"SELECT {keys}, {imp} AS import_id FROM __states WHERE _changed AND _file >= 0",
            )
        for t in ("__states", "__contrib", "__multi"):
            self.duck.execute(f"DROP TABLE IF EXISTS {t}")
        self._replace(tbl, "__changed", cols, stored=stored)
        return per_file

    # ------------------------------------------------------------------ net effect of the whole import

    def _keep_originals(self, tbl: schema.Table, changed: str, touched: str) -> None:
        """Before the stored rows of ``changed``'s keys are replaced (``net``): keep the version of each that predates
        this stager (``__orig_<table>``: a row stored by none of its files), and note which file changed which of
        those keys (``touched``: SQL giving the keys and the changing file's ``import_id``) — for :meth:`finish`.
        Called only when some of the keys is stored (a key kept earlier is stored: its merge replaced it)."""
        if not self.net:
            return
        key, keys, _, _, join = _sql_parts(tbl)
        orig, tch = _q(f"__orig_{tbl.name}"), _q(f"__touched_{tbl.name}")
        if tbl.name not in self._net_tables:
            self.duck.execute(f"CREATE OR REPLACE TEMP TABLE {orig} AS SELECT * FROM {_q(tbl.name)} LIMIT 0")
            self.duck.execute(
                f"CREATE OR REPLACE TEMP TABLE {tch} AS SELECT {keys}, import_id FROM {_q(tbl.name)} LIMIT 0"
            )
            self._net_tables.add(tbl.name)
        ids = "[" + ", ".join(_lit(i) for i in sorted(self._ids)) + "]::VARCHAR[]"
        # a stored row none of this stager's files wrote is as it was before them (its first change is this one)
        self.duck.execute(
            f"""INSERT INTO {orig} SELECT t.* FROM {_q(tbl.name)} t SEMI JOIN {changed} s ON {join}
                WHERE t.import_id IS NULL OR NOT list_contains({ids}, t.import_id)"""
        )
        ojoin = _on(key, "x", "o")
        self.duck.execute(f"INSERT INTO {tch} SELECT x.* FROM ({touched}) x SEMI JOIN {orig} o ON {ojoin}")

    def finish(self) -> dict[str, dict[str, int]]:
        """End of the import (``net``): every row this stager's files changed but left with the data it had before
        them (data columns and ``snapshot_at``) gets its stored ``import_id`` back — the same data re-imported
        leaves every row as it was, provenance included. Returns, per file (import id) and table, the rows to take
        off :attr:`written` (the files' changes that the import as a whole undid)."""
        out: dict[str, dict[str, int]] = {}
        for name in sorted(self._net_tables):
            tbl = schema.table(name)
            key, _, _, data_cols, _ = _sql_parts(tbl)
            orig, tch = _q(f"__orig_{name}"), _q(f"__touched_{name}")
            kjoin = _on(key, "t", "o")
            same = " AND ".join(
                f"t.{_q(c)} IS NOT DISTINCT FROM o.{_q(c)}" for c in [*data_cols, "snapshot_at"]
            )
            # nothing kept (a first import: every changed row was new): no join of the whole table with nothing
            # (synth m's first import, two pairs: 10.4–11.4 s, 18 CPU-s with it, 8.8–9.1 s, 15.5 CPU-s without)
            if self.duck.execute(f"SELECT count(*) FROM {orig}").fetchone()[0]:
                self.duck.execute(
                    f"""CREATE OR REPLACE TEMP TABLE __back AS
                        SELECT {", ".join(f"o.{_q(k)}" for k in key)}, o.import_id
                        FROM {orig} o JOIN {_q(name)} t ON {kjoin} WHERE {same}"""
                )
                if self.duck.execute("SELECT count(*) FROM __back").fetchone()[0]:
                    self.duck.execute(
                        f"UPDATE {_q(name)} AS t SET import_id = o.import_id FROM __back o WHERE {kjoin}"
                    )
                    bjoin = _on(key, "x", "o")
                    for imp, n in self.duck.execute(
                        f"SELECT x.import_id, count(*) FROM {tch} x SEMI JOIN __back o ON {bjoin} GROUP BY ALL"
                    ).fetchall():
                        out.setdefault(imp, {})[name] = int(n)
            for t in ("__back", orig, tch):
                self.duck.execute(f"DROP TABLE IF EXISTS {t}")
        self._net_tables.clear()
        return out
