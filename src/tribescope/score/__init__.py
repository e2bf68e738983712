"""The community-influence score: a versioned spec, scores with labels and confidence, and explanations."""

from tribescope.score._score import (
    FIRST_COLUMNS,
    OPTIONAL_TABLES,
    CreatorNotFound,
    explain,
    register_metric_family,
    score_creators,
    score_frame,
)
from tribescope.score._spec import Component, LabelRule, Spec, SpecError, load_spec

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
]
