"""The community-influence score: a versioned spec, scores with labels and confidence, and explanations.

The names below are loaded on first use (PEP 562): ``tribescope score`` imports :mod:`tribescope.score._cache`
first and starts the per-creator fingerprints in the engine, then loads the scoring modules (ibis, pandas: ~0.7 s of
Python) while the engine scans; importing this package must not load them before.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tribescope.score._run import score_workspace
    from tribescope.score._score import (
        OPTIONAL_TABLES,
        CreatorNotFound,
        explain,
        register_metric_family,
        score_creators,
        score_frame,
    )
    from tribescope.score._spec import FIRST_COLUMNS, Component, LabelRule, Spec, SpecError, load_spec

#: exported name → the module that defines it
_WHERE = {
    **dict.fromkeys(
        [
            "OPTIONAL_TABLES",
            "CreatorNotFound",
            "explain",
            "register_metric_family",
            "score_creators",
            "score_frame",
        ],
        "_score",
    ),
    **dict.fromkeys(["FIRST_COLUMNS", "Component", "LabelRule", "Spec", "SpecError", "load_spec"], "_spec"),
    "score_workspace": "_run",
}

__all__ = [
    "FIRST_COLUMNS",
    "OPTIONAL_TABLES",
    "Component",
    "CreatorNotFound",
    "LabelRule",
    "Spec",
    "SpecError",
    "explain",
    "load_spec",
    "register_metric_family",
    "score_creators",
    "score_frame",
    "score_workspace",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tribescope.score.{where}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
