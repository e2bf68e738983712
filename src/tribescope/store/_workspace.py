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
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from tribescope import schema
from tribescope.errors import BackendMissing, WorkspaceError

__all__ = ["DEFAULT_WORKSPACE", "Workspace", "connect"]

DEFAULT_WORKSPACE = "tribescope.duckdb"


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


def _ddl(tbl: schema.Table) -> str:
    cols = ", ".join(f'"{c.name}" {_duck_type(c.type)}' for c in tbl.columns)
    return f'CREATE TABLE IF NOT EXISTS "{tbl.name}" ({cols})'


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
    """

    def __init__(self, con: Any, backend: str, path: Path, *, read_only: bool = False) -> None:
        self.con = con
        self.backend = backend
        self.path = path
        self.read_only = read_only
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ reading
    def table(self, name: str) -> ibis.Table:
        """The canonical or derived table ``name`` as an Ibis table expression."""
        try:
            return self.con.table(name)
        except Exception as exc:  # ibis raises backend-specific errors for a missing table
            raise WorkspaceError(
                f"table {name!r} is not in workspace {self.path}. "
                + ("Run `tribescope score` first." if name not in schema.TABLES else "")
            ) from exc

    def has_table(self, name: str) -> bool:
        return name in self.con.list_tables()

    def list_tables(self) -> list[str]:
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
        return self.con.con

    def ensure_schema(self) -> None:
        if self.read_only or self.backend != "duckdb":
            return
        for tbl in schema.TABLES.values():
            self.duck.execute(_ddl(tbl))
            have = {r[0] for r in self.duck.execute(f'DESCRIBE "{tbl.name}"').fetchall()}
            for c in tbl.columns:  # forward-compatible: add columns introduced by newer versions
                if c.name not in have:
                    self.duck.execute(f'ALTER TABLE "{tbl.name}" ADD COLUMN "{c.name}" {_duck_type(c.type)}')

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: everything written inside commits together or not at all."""
        with self._lock:
            self.duck.execute("BEGIN TRANSACTION")
            try:
                yield
            except BaseException:
                self.duck.execute("ROLLBACK")
                raise
            else:
                self.duck.execute("COMMIT")

    def write_table(self, name: str, data: pa.Table | ibis.Table) -> None:
        """Create or replace a derived table (scores, features, …) from Arrow data or an expression."""
        if self.backend == "duckdb":
            if isinstance(data, pa.Table):
                self.duck.register("__tribescope_write", data)
                try:
                    self.duck.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM __tribescope_write')
                finally:
                    self.duck.unregister("__tribescope_write")
            else:  # one statement, so a crash leaves the old table or the new one, never none
                sql = ibis.to_sql(data, dialect="duckdb")
                self.duck.execute(f'CREATE OR REPLACE TABLE "{name}" AS {sql}')
        else:
            self.con.create_table(name, data, overwrite=True)

    def export_parquet(self, directory: str | os.PathLike[str]) -> Path:
        """Write every table as Parquet under ``directory/<table>/`` for the Spark backend."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for name in self.list_tables():
            d = out / name
            d.mkdir(exist_ok=True)
            for old in d.glob("*.parquet"):
                old.unlink()
            self.duck.execute(f"COPY \"{name}\" TO '{d / 'part-0.parquet'}' (FORMAT PARQUET)")
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing twice is harmless
            self.con.disconnect()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r}, backend={self.backend!r})"


def _spark_session(master: str | None) -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BackendMissing(
            "the pyspark backend needs the [spark] extra: pip install 'tribescope[spark]'"
        ) from exc
    import sys

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    if master and master.startswith("sc://"):
        return SparkSession.builder.remote(master).getOrCreate()
    builder = (
        SparkSession.builder.master(master or "local[2]")
        .appName("tribescope")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", os.environ.get("TRIBESCOPE_SPARK_PARTITIONS", "4"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    return builder.getOrCreate()


def connect(
    path: str | os.PathLike[str] | None = None,
    *,
    backend: str = "duckdb",
    read_only: bool = False,
    master: str | None = None,
) -> Workspace:
    """Open (or create) a workspace.

    Parameters
    ----------
    path
        DuckDB file (``duckdb``; default ``./tribescope.duckdb``) or Parquet directory (``pyspark``).
    backend
        ``"duckdb"`` or ``"pyspark"``.
    read_only
        Open without taking the write lock (DuckDB) — several readers may share a file.
    master
        Spark master URL (``local[2]`` by default, ``spark://…``) or Spark Connect address (``sc://…``).
    """
    p = Path(path if path is not None else DEFAULT_WORKSPACE)
    if backend == "duckdb":
        if read_only and not p.exists():
            raise WorkspaceError(
                f"workspace {p} does not exist; import something first (`tribescope import`)"
            )
        if p.is_dir():
            raise WorkspaceError(
                f"{p} is a directory; the duckdb backend wants a file such as {p / DEFAULT_WORKSPACE}"
            )
        p.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = ibis.duckdb.connect(str(p), read_only=read_only)
        except Exception as exc:
            raise WorkspaceError(f"cannot open workspace {p}: {exc}") from exc
        con.raw_sql("SET TimeZone = 'UTC'")
        con.raw_sql("SET enable_progress_bar = false")
        ws = Workspace(con, "duckdb", p, read_only=read_only)
        ws.ensure_schema()
        return ws
    if backend == "pyspark":
        if not p.is_dir():
            raise WorkspaceError(
                f"the pyspark backend reads a directory of Parquet tables; {p} is not one. "
                "Write one with `tribescope export --parquet DIR` from a DuckDB workspace."
            )
        session = _spark_session(master)
        con = ibis.pyspark.connect(session)
        for d in sorted(p.iterdir()):
            if d.is_dir() and any(d.glob("*.parquet")):
                con.read_parquet(str(d), table_name=d.name)
        return Workspace(con, "pyspark", p, read_only=True)
    raise WorkspaceError(f"unknown backend {backend!r}; use 'duckdb' or 'pyspark'")
