"""tribescope: which creators lead real communities, and which only broadcast.

The Python API mirrors the CLI and returns tables (Ibis expressions, Arrow, pandas). :func:`connect`,
:class:`Workspace`, :func:`import_paths` and the package's modules (``tribescope.store``, …) load on first use, not at
``import tribescope``, and with them the engine's modules (pyarrow, NumPy, DuckDB): the CLI (:mod:`tribescope.cli`)
sets its process-wide settings before NumPy loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tribescope._ibis_compilers import install as _lazy_ibis_compilers

_lazy_ibis_compilers()  # before anything loads Ibis' DuckDB backend (tribescope._ibis_compilers)

from tribescope.errors import CreatorNotFound, ImportFailed, TribescopeError, WorkspaceError  # noqa: E402

if TYPE_CHECKING:
    from tribescope.ingest import import_paths
    from tribescope.store import Workspace, connect

__version__ = "0.1.0"

__all__ = [
    "CreatorNotFound",
    "ImportFailed",
    "TribescopeError",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "connect",
    "import_paths",
]

#: the names loaded on first use, and the module each comes from
_LAZY = {"import_paths": "tribescope.ingest", "Workspace": "tribescope.store", "connect": "tribescope.store"}


def __getattr__(name: str) -> Any:
    """The names of :data:`_LAZY`, and the package's modules (``tribescope.store``, ``tribescope.score``, …),
    imported on first use."""
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if not name.startswith("__"):
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
