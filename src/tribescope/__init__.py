"""tribescope: which creators lead real communities, and which only broadcast.

The Python API mirrors the CLI and returns tables (Ibis expressions, Arrow, pandas).
"""

from tribescope._ibis_compilers import install as _lazy_ibis_compilers

_lazy_ibis_compilers()  # before anything loads Ibis' DuckDB backend (tribescope._ibis_compilers)

from tribescope.errors import CreatorNotFound, ImportFailed, TribescopeError, WorkspaceError  # noqa: E402
from tribescope.ingest import import_paths  # noqa: E402
from tribescope.store import Workspace, connect  # noqa: E402

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
