"""The component chart's tooltip shows each component's 0–100 score as ``explain`` and the score table do."""

from __future__ import annotations

from tribescope.score._spec import SCORE_DIGITS, metric_text
from tribescope.web import _charts


def _tooltip(spec: dict, field: str) -> dict:
    tips = spec["vconcat"][0]["layer"][0]["encoding"]["tooltip"]
    return next(t for t in tips if t["field"] == field)


def test_the_component_tooltip_shows_the_score_with_explains_decimals() -> None:
    row = {
        "component": "follower_conversation",
        "metric": "interacting_commenter_share",
        "direction": "higher",
        "value": 0.244,
        "benchmark": 0.177,
        "score": 49.6,  # explain: 49.60 — below a label condition "c_follower_conversation >= 50"
        "weight": 0.1057,
        "contribution": 5.24,
    }
    spec = _charts.components([row])
    fmt = _tooltip(spec, "score")["format"]
    assert fmt == f".{SCORE_DIGITS}f"  # was ".0f": 49.6 read 50
    assert format(49.6, fmt) == metric_text(49.6, "community_score") == "49.60"
    assert _tooltip(spec, "contribution")["format"] == ".2f"
