"""Workspace storage: one seam (:func:`connect`) over DuckDB (default) and PySpark."""

from tribescope.store._workspace import (
    DEFAULT_WORKSPACE,
    Workspace,
    connect,
    require_workspace,
    require_writable,
)

__all__ = ["DEFAULT_WORKSPACE", "Workspace", "connect", "require_workspace", "require_writable"]
