"""Idempotent merge of staged rows into the canonical tables (DuckDB).

Merge rule, per key and per column: the value of the *newest* row that has the column non-null,
where rows are ordered by ``(snapshot_at NULLS FIRST, already-stored before staged, file order)``.
So a newer export updates counters, an older one only fills gaps, and importing the same rows
again computes exactly the stored values — those rows are left untouched (``import_id`` too).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from tribescope import schema

__all__ = ["Stager"]


def _q(name: str) -> str:
    return f'"{name}"'


class Stager:
    """Collects Arrow batches per table in temp tables, then merges them in one go."""

    def __init__(self, duck: Any, import_id: str) -> None:
        self.duck = duck
        self.import_id = import_id
        self._seq: dict[str, int] = {}
        self._n = 0

    def stage_name(self, table: str) -> str:
        return f"__stage_{table}"

    def add(self, table: str, batch: pa.Table) -> None:
        """Append ``batch`` (already in the canonical Arrow schema) to the staging area."""
        if batch.num_rows == 0:
            return
        st = self.stage_name(table)
        start = self._seq.get(table, 0)
        seq = pa.array(range(start, start + batch.num_rows), pa.int64())
        batch = batch.append_column("_seq", seq)
        self._seq[table] = start + batch.num_rows
        self._n += 1
        view = f"__batch_{self._n}"
        self.duck.register(view, batch)
        try:
            if start == 0:
                self.duck.execute(f"CREATE OR REPLACE TEMP TABLE {_q(st)} AS SELECT * FROM {view}")
            else:
                self.duck.execute(f"INSERT INTO {_q(st)} SELECT * FROM {view}")
        finally:
            self.duck.unregister(view)

    def merge(self) -> dict[str, int]:
        """Merge every staged table into its canonical table; return rows written (new or changed)."""
        written: dict[str, int] = {}
        for table in self._seq:
            written[table] = self._merge_one(schema.table(table))
            self.duck.execute(f"DROP TABLE IF EXISTS {_q(self.stage_name(table))}")
        self._seq.clear()
        return written

    def _merge_one(self, tbl: schema.Table) -> int:
        st = _q(self.stage_name(tbl.name))
        key = list(tbl.key)
        keys = ", ".join(_q(k) for k in key)
        cols = ", ".join(_q(c) for c in tbl.names)
        data_cols = [c for c in tbl.names if c not in key and c not in ("import_id", "snapshot_at")]
        join = " AND ".join(f"t.{_q(k)} = s.{_q(k)}" for k in key)
        # Fast path (first import of these keys): no stored row shares a key and the stage has no
        # duplicate keys, so the staged rows are the merged rows.
        n_stage, n_keys = self.duck.execute(f"SELECT count(*), count(DISTINCT ({keys})) FROM {st}").fetchone()
        overlap = self.duck.execute(
            f"SELECT count(*) FROM {_q(tbl.name)} t SEMI JOIN {st} s ON {join}"
        ).fetchone()[0]
        if overlap == 0 and n_stage == n_keys:
            self.duck.execute(
                f"INSERT INTO {_q(tbl.name)} ({cols}) SELECT {cols.replace(_q('import_id'), repr(self.import_id))} FROM {st}"
            )
            return int(n_stage)
        # General path. Order key per row: (snapshot time, stored-before-staged, file order).
        order = "(coalesce(epoch_us(snapshot_at), -9223372036854775807), _src, _seq)"
        aggs = ",\n".join(
            f"arg_max({_q(c)}, {order}) FILTER (WHERE {_q(c)} IS NOT NULL) AS {_q(c)}" for c in data_cols
        )
        self.duck.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE __merged AS
            WITH both_ AS (
                SELECT t.*, 0 AS _src, 0::BIGINT AS _seq
                FROM {_q(tbl.name)} t SEMI JOIN {st} s ON {join}
                UNION ALL BY NAME
                SELECT *, 1 AS _src FROM {st}
            )
            SELECT {keys}, {aggs},
                   max(snapshot_at) AS snapshot_at,
                   '{self.import_id}' AS import_id
            FROM both_ GROUP BY {keys}
            """
        )
        # Keep only rows that are new or whose data actually changed.
        distinct = " OR ".join(f"t.{_q(c)} IS DISTINCT FROM m.{_q(c)}" for c in [*data_cols, "snapshot_at"])
        mjoin = join.replace("s.", "m.")
        self.duck.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE __changed AS
            SELECT m.* FROM __merged m
            LEFT JOIN {_q(tbl.name)} t ON {mjoin}
            WHERE t.{_q(key[0])} IS NULL OR {distinct}
            """
        )
        n = int(self.duck.execute("SELECT count(*) FROM __changed").fetchone()[0])
        if n:
            self.duck.execute(
                f"DELETE FROM {_q(tbl.name)} t WHERE EXISTS (SELECT 1 FROM __changed s WHERE {join})"
            )
            self.duck.execute(f"INSERT INTO {_q(tbl.name)} ({cols}) SELECT {cols} FROM __changed")
        self.duck.execute("DROP TABLE IF EXISTS __merged")
        self.duck.execute("DROP TABLE IF EXISTS __changed")
        return n
