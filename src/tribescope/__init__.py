"""tribescope: which creators lead real communities, and which only broadcast.

The Python API mirrors the CLI and returns tables (Ibis expressions, Arrow, pandas).
"""

from tribescope.errors import ImportFailed, TribescopeError, WorkspaceError
from tribescope.ingest import import_paths
from tribescope.store import Workspace, connect

__version__ = "0.1.0"

__all__ = [
    "ImportFailed",
    "TribescopeError",
    "Workspace",
    "WorkspaceError",
    "__version__",
    "connect",
    "import_paths",
]
