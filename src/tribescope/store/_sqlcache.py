"""Compiled SQL of Ibis expressions, kept on disk between commands (DuckDB workspaces).

Ibis compiles an expression to SQL in Python (its rewrite passes, then sqlglot): about 0.8 s of a ``tribescope
score`` of the YouTube-only synth m exports, holding the GIL, though the same code builds the same expressions in
every run. The SQL is a function of the expression's structure alone — its operations and their arguments (table
names and schemas, literals, UDF names) — and of the compiler (dialect, the Ibis and sqlglot versions,
``ibis.options.sql``). So it is stored under a SHA-256 of exactly those (:func:`expression_key`), and a later
command that builds an equal expression reads the SQL instead of compiling it: one walk over the expression's
nodes, ~2 % of the compile.

* Names Ibis draws at random (memtables, ``.cache()`` tables: ``ibis_<kind>_<26 characters>``) are replaced by
  placeholders in the key and in the stored SQL, and put back on the way out.
* An expression holding anything the key cannot spell exactly (e.g. a numpy value as a literal), or compiled with
  ``params``, is compiled as before.
* Where: ``$TRIBESCOPE_CACHE_DIR`` or ``$XDG_CACHE_HOME/tribescope`` (``~/.cache/tribescope``), folder
  ``sql-<ibis>-<sqlglot>``; at most :data:`MAX_FILES` entries (the oldest go first). ``TRIBESCOPE_SQL_CACHE=0``
  turns it off. A folder that cannot be written means no caching, never an error.

:func:`install` puts a :class:`CachingCompiler` on a DuckDB Ibis backend (:attr:`Workspace.con`): every path that
compiles through the backend (``to_pyarrow``, ``execute``, ``create_table``, ``.cache()``, :meth:`Backend.compile`)
then goes through the cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import enum
import hashlib
import itertools
import os
import re
import tempfile
import threading
import uuid
import weakref
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_FILES",
    "Uncacheable",
    "cache_dir",
    "duckdb_backend",
    "expression_key",
    "install",
    "purge_matching",
]

#: entries kept in the cache folder (a score writes ~30; a few kB each)
MAX_FILES = 4096

#: a name Ibis draws at random (``util.gen_name``: ``ibis_<namespace>_`` + 26 base-32 characters)
_RANDOM_NAME = re.compile(r"^ibis_[a-z0-9_]+_[a-z0-9]{26}$")

_PLAIN = (type(None), bool, int, float, str, bytes)
_VALUES = (decimal.Decimal, dt.date, dt.time, dt.timedelta, uuid.UUID)  # dt.datetime is a dt.date


class Uncacheable(Exception):
    """The expression holds a value :func:`expression_key` cannot spell exactly."""


def expression_key(op: Any, *extra: object) -> tuple[str, dict[str, str]]:
    """SHA-256 of the operation graph under ``op`` (every node's class and arguments, in order; shared nodes once)
    and ``extra``; and the random table names found, each with its placeholder.

    Raises :class:`Uncacheable` for an argument that is not a node, a plain value (``None``, bool, int, float,
    str, bytes, decimal, date/time, UUID), a tuple, a mapping, a frozenset, an enum member or a class.
    """
    from ibis.common.grounds import Concrete
    from ibis.expr import datashape
    from ibis.expr import operations as ops

    memo: dict[int, str] = {}
    lines: list[str] = []
    names: dict[str, str] = {}

    def tok(x: Any) -> str:
        if isinstance(x, _PLAIN):
            return f"{type(x).__name__}:{x!r}"
        if isinstance(x, Concrete):
            seen = memo.get(id(x))
            if seen is not None:
                return seen
            cls = type(x)
            items = []
            for name, arg in zip(x.__argnames__, x.__args__, strict=True):
                if name == "source" and isinstance(x, ops.DatabaseTable | ops.SQLQueryResult):
                    continue  # the backend: the SQL names the table, not its connection
                if name == "data" and isinstance(x, ops.InMemoryTable):
                    continue  # registered under its name before the statement runs
                if name == "name" and isinstance(x, ops.PhysicalTable) and _RANDOM_NAME.match(arg):
                    arg = names.setdefault(arg, f"__tribescope_sqlcache_{len(names)}__")
                items.append(f"{name}={tok(arg)}")
            # a UDF's class: its SQL name and type are class attributes
            udf = ""
            if not cls.__module__.startswith("ibis."):
                attrs = ("__func_name__", "__udf_namespace__", "dtype")
                udf = (
                    "|".join(tok(getattr(cls, a, None)) for a in attrs)
                    + f"|{getattr(cls, '__input_type__', None)}"
                )
            lines.append(f"{cls.__module__}.{cls.__qualname__}[{udf}]({','.join(items)})")
            memo[id(x)] = ref = f"#{len(lines) - 1}"
            return ref
        if isinstance(x, tuple | list):
            return "(" + ",".join(map(tok, x)) + ")"
        if isinstance(x, dict) or (hasattr(x, "items") and type(x).__module__.startswith("ibis.")):
            return "{" + ",".join(f"{tok(k)}:{tok(v)}" for k, v in x.items()) + "}"
        if isinstance(x, frozenset):
            return "f{" + ",".join(sorted(map(tok, x))) + "}"
        if isinstance(x, enum.Enum):
            return f"{type(x).__qualname__}.{x.name}"
        if isinstance(x, _VALUES):
            return f"{type(x).__name__}:{x!r}"
        if isinstance(x, datashape.DataShape):
            return f"shape:{type(x).__name__}"
        if isinstance(x, type):
            return f"type:{x.__module__}.{x.__qualname__}"
        raise Uncacheable(f"{type(x).__module__}.{type(x).__qualname__}")

    parts = [tok(x) for x in extra]
    root = tok(op)
    h = hashlib.sha256()
    for part in (*parts, *lines, root):
        h.update(part.encode())
        h.update(b"\n")
    return h.hexdigest(), names


def cache_dir() -> Path | None:
    """The cache folder for this Ibis and sqlglot (``None``: caching is off)."""
    if os.environ.get("TRIBESCOPE_SQL_CACHE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    import ibis
    import sqlglot

    return _cache_root() / f"sql-{ibis.__version__}-{getattr(sqlglot, '__version__', 'unknown')}"


def _cache_root() -> Path:
    """``$TRIBESCOPE_CACHE_DIR``, else ``$XDG_CACHE_HOME/tribescope`` (``~/.cache/tribescope``)."""
    base = os.environ.get("TRIBESCOPE_CACHE_DIR")
    return (
        Path(base)
        if base
        else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tribescope"
    )


def purge_matching(pattern: str) -> int:
    """Delete the cached SQL texts (of every Ibis and sqlglot version's folder) that match ``pattern`` (a regex,
    case-insensitive): a compiled query keeps its literals, such as the commenter ids ``explain``'s evidence filters
    on, so ``tribescope forget`` purges those naming the account. The number deleted; a folder that cannot be read
    purges nothing."""
    rx = re.compile(pattern, re.IGNORECASE)
    n = 0
    with contextlib.suppress(OSError):  # also when caching is off now: earlier commands may have cached
        for folder in _cache_root().glob("sql-*"):
            for f in folder.glob("*.sql"):
                try:
                    if rx.search(f.read_text(encoding="utf-8", errors="replace")):
                        f.unlink()
                        n += 1
                except OSError:
                    continue
    return n


class _Store:
    """One SQL text per key, in a folder; every failure to read or write is a miss."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writes = itertools.count()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        try:
            return (self.path / f"{key}.sql").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def put(self, key: str, sql: str) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".tmp-", suffix=".sql")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(sql)
                # whole or absent, also for a reader at the same moment
                os.replace(tmp, self.path / f"{key}.sql")
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            if next(self._writes) % 64 == 0:
                self._prune()
        except OSError:
            pass

    def _prune(self) -> None:
        with self._lock:
            entries = [
                e for e in os.scandir(self.path) if e.name.endswith(".sql") and not e.name.startswith(".")
            ]
            if len(entries) <= MAX_FILES:
                return
            entries.sort(key=lambda e: e.stat().st_mtime)
            for e in entries[: len(entries) - MAX_FILES * 3 // 4]:
                with contextlib.suppress(OSError):
                    os.unlink(e.path)


_STORES: dict[Path, _Store] = {}
_CLASSES: dict[type, type] = {}


def _caching_class(cls: type) -> type:
    """A subclass of the compiler class ``cls`` whose ``to_sqlglot`` goes through the cache (one per class)."""
    import ibis
    import sqlglot as sg
    import sqlglot.expressions as sge

    class CachingCompiler(cls):  # type: ignore[valid-type, misc]
        """:meth:`to_sqlglot` answers from the cache: the stored SQL, wrapped as one sqlglot node that renders as
        it is (every caller renders the result, or nests it in a statement it renders); a miss compiles, renders
        once as :meth:`Backend.compile` does and stores the text."""

        _tribescope_store: _Store

        def to_sqlglot(self, expr: Any, *, limit: Any = None, params: Any = None) -> Any:
            store = self._tribescope_store
            if params:
                return super().to_sqlglot(expr, limit=limit, params=params)
            try:
                key, names = expression_key(
                    expr.op(),
                    cls.__module__,
                    cls.__qualname__,
                    limit,
                    ibis.options.sql.fuse_selects,
                    ibis.options.sql.default_limit if limit == "default" else None,
                )
            except Uncacheable:
                return super().to_sqlglot(expr, limit=limit, params=params)
            sql = store.get(key)
            if sql is None:
                tree = super().to_sqlglot(expr, limit=limit, params=params)
                try:
                    sql = tree.sql(dialect=self.dialect, unsupported_level=sg.ErrorLevel.RAISE)
                except sg.UnsupportedError:
                    return tree  # the caller renders it and reports the error as it always did
                stored = sql
                for real, placeholder in names.items():
                    stored = stored.replace(real, placeholder)
                store.put(key, stored)
            else:
                for real, placeholder in names.items():
                    sql = sql.replace(placeholder, real)
            return sge.Var(this=sql)

    CachingCompiler.__qualname__ = f"CachingCompiler[{cls.__qualname__}]"
    return CachingCompiler


def install(backend: Any) -> Any:
    """Compile ``backend``'s expressions through the cache (nothing changes when caching is off); returns it.

    The backend's compiler (a stateless object Ibis shares between backends) is replaced, on this backend only, by
    an instance of a :func:`_caching_class` subclass of its class."""
    path = cache_dir()
    if path is None:
        return backend
    base = backend.compiler
    cls = _CLASSES.get(type(base))
    if cls is None:
        cls = _CLASSES[type(base)] = _caching_class(type(base))
    compiler = cls()
    compiler._tribescope_store = _STORES.setdefault(path, _Store(path))
    backend.compiler = compiler
    return backend


def duckdb_backend(con: Any) -> Any:
    """The Ibis DuckDB backend over the DuckDB connection ``con``, compiling through the cache (:func:`install`): what
    :attr:`Workspace.con <tribescope.store.Workspace.con>` and the web server's connections use."""
    import ibis

    backend = install(ibis.duckdb.from_connection(con))
    ref = weakref.ref(
        backend
    )  # not the backend itself: a cycle would keep its connection (and the file) open
    backend._register_udfs = lambda expr: _register_udfs(ref(), expr)
    return backend


def _register_udfs(backend: Any, expr: Any) -> None:
    """Ibis' DuckDB ``_register_udfs``, for a database several connections share: a Python UDF is registered in the
    database's catalog, so a second connection to the same workspace file in this process (``connect`` again,
    ``Workspace.cursor``) failed with "already exists" on the text-feature UDF the first one registered. The UDFs are
    process-wide objects (one Python function per name), so the one registered is this one: it is used as it is."""
    import duckdb
    import ibis.expr.operations as ops

    con = backend.con
    for node in expr.op().find(ops.ScalarUDF):
        register = getattr(backend, f"_register_{node.__input_type__.name.lower()}_udf")
        with contextlib.suppress(duckdb.InvalidInputException):  # not registered by this connection
            con.remove_function(type(node).__name__)
        registration = register(node)
        if registration is None:
            continue
        try:
            registration(con)
        except duckdb.CatalogException as exc:
            if "already exists" not in str(exc):
                raise
