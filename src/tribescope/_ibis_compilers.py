"""Ibis' SQL compilers loaded one at a time, when a backend asks for its own.

``ibis.backends.sql.compilers`` imports the compiler of every engine Ibis supports (20, with the sqlglot dialects of
Athena, Trino, BigQuery, …) as soon as the DuckDB backend is loaded: ~0.15 s of every command that runs an Ibis
expression, measured on this machine (``python -c "import tribescope.cli, pandas, ibis.backends.duckdb"``: 0.85 s,
0.70 s with this module; docs/perf-rounds.md), for the one or two compilers a workspace uses (DuckDB, PySpark).

:func:`install` puts a finder first on ``sys.meta_path`` that answers for that one package only: the package
is created from Ibis' own files (same ``__path__``, so its submodules import as usual) without running its
``__init__``; a module-level ``__getattr__`` imports ``ibis.backends.sql.compilers.<name>`` on first use of
``XCompiler`` (the class) or ``<name>`` (the submodule, as :func:`ibis.to_sql` looks dialects up). Every name
the real package exports resolves to the same object; only the moment it is imported changes.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

__all__ = ["install"]

PACKAGE = "ibis.backends.sql.compilers"
_SUFFIX = "Compiler"


def _getattr(name: str) -> Any:
    """``XCompiler`` → the class from submodule ``x``; ``x`` → the submodule; anything else → AttributeError."""
    if name.startswith("__"):
        raise AttributeError(name)
    sub = name[: -len(_SUFFIX)].lower() if name.endswith(_SUFFIX) and name != _SUFFIX else name
    try:
        module = importlib.import_module(f"{PACKAGE}.{sub}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{PACKAGE}.{sub}":
            raise  # the submodule exists but needs something missing: say so
        raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from None
    if sub == name:
        return module
    try:
        return getattr(module, name)
    except AttributeError:
        raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from None


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds :data:`PACKAGE` where the other finders do and loads it without its ``__init__``."""

    def find_spec(
        self, fullname: str, path: Any, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != PACKAGE:
            return None
        real = importlib.machinery.PathFinder.find_spec(fullname, path)
        if real is None or real.submodule_search_locations is None:
            return None  # not installed, or not the package we know: let the import fail or proceed as usual
        spec = importlib.machinery.ModuleSpec(fullname, self, origin=real.origin, is_package=True)
        spec.submodule_search_locations = list(real.submodule_search_locations)
        spec.has_location = True
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module object

    def exec_module(self, module: ModuleType) -> None:
        setattr(module, "__getattr__", _getattr)  # noqa: B010 - a module-level __getattr__ (PEP 562)


def install() -> None:
    """Load Ibis' compilers lazily from now on (a no-op once that package is imported, or when installed)."""
    if PACKAGE in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())
