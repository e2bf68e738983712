"""The server's hold on the workspace: one main connection, and a pool of read views.

Each request reads through its own DuckDB cursor (a connection to the same database with its own
transaction), so a request sees only committed data — never the half of an import or re-score that
a background job is writing on the main connection — and no two threads share a connection.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tribescope.store import Workspace, connect

__all__ = ["Store"]


class _View(Workspace):
    """A read-only workspace over one cursor; the table list is read once per request and table
    expressions (their schemas) are kept with the cursor until the workspace changes."""

    def __init__(self, con: Any, path: Path, tables: dict[str, Any]) -> None:
        super().__init__(con, "duckdb", path, read_only=True)
        self._names: list[str] | None = None
        self._tables = tables
        self.generation = 0

    def table(self, name: str) -> Any:
        t = self._tables.get(name)
        if t is None:
            t = self._tables[name] = super().table(name)
        return t

    def list_tables(self) -> list[str]:
        if self._names is None:
            self._names = list(self.con.list_tables())
        return self._names

    def has_table(self, name: str) -> bool:
        return name in self.list_tables()

    def close(self) -> None:  # the pool owns the cursor
        pass


class Store:
    """Opens ``path`` (read-only unless ``read_only=False``) and hands out read views."""

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = True) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.main = connect(self.path, read_only=read_only)
        self.write_lock = threading.Lock()
        self._pool: queue.LifoQueue[Any] = queue.LifoQueue()
        #: bumped when an import or re-score from the dashboard finishes: cached schemas are dropped
        self.generation = 0
        #: answers computed from one generation, keyed by ``(generation, …)`` (see ``_api._creators``);
        #: emptied when the workspace changes. Only the server's own jobs can write to the workspace.
        self.cache: dict[tuple[Any, ...], Any] = {}
        self.cache_lock = threading.Lock()

    def changed(self) -> None:
        """The workspace was written to (called by the jobs): forget cached table schemas and answers."""
        self.generation += 1
        with self.cache_lock:
            self.cache.clear()

    def _new_con(self) -> Any:
        from tribescope.store._sqlcache import duckdb_backend
        from tribescope.store._workspace import _session_settings

        cur = self.main.duck.cursor()
        _session_settings(cur)  # a workspace connection's own settings (UTC, …), as every other one of it
        return duckdb_backend(cur)

    @contextmanager
    def view(self) -> Iterator[Workspace]:
        """A read-only :class:`Workspace` for the duration of one request."""
        try:
            con, tables, gen = self._pool.get_nowait()
        except queue.Empty:
            con, tables, gen = self._new_con(), {}, self.generation
        if gen != self.generation:
            tables, gen = {}, self.generation
        ok = False
        try:
            con.con.execute("BEGIN TRANSACTION")  # one snapshot for the whole request
            view = _View(con, self.path, tables)
            view.generation = gen  # read before the snapshot began: never newer than the data it sees
            yield view
            con.con.execute("ROLLBACK")
            ok = True
        finally:
            if ok:
                self._pool.put((con, tables, gen))
            else:  # a failed query may leave the cursor in an aborted transaction: drop it
                with contextlib.suppress(Exception):
                    con.disconnect()

    def close(self) -> None:
        while True:
            try:
                con, _, _ = self._pool.get_nowait()
            except queue.Empty:
                break
            with contextlib.suppress(Exception):
                con.disconnect()
        self.main.close()
