"""Jinja2 environment shared by the dashboard and the static report (autoescape always on)."""

from __future__ import annotations

import functools
import math
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from tribescope.score._spec import confidence_text, score_text
from tribescope.web import _charts
from tribescope.web._data import EVIDENCE_NOT_COMPUTED, to_json

__all__ = ["creator_charts", "env"]


def _num(v: Any, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v.is_integer() or abs(v) >= 1000:
            return f"{v:,.0f}"
        if abs(v) >= 1:
            return f"{v:.{digits}f}".rstrip("0").rstrip(".") if digits > 1 else f"{v:.{digits}f}"
        return f"{v:.3g}"
    return str(v)


def _column_cell(v: Any, column: str) -> str:
    """A table cell of ``column``: a community score as every view shows it
    (:func:`~tribescope.score._spec.score_text`), anything else as :func:`_cell`."""
    return score_text(v) if column == "community_score" else _cell(v)


def _cell(v: Any) -> str:
    if isinstance(v, list):
        return ", ".join(_cell(x) for x in v[:20]) + (" …" if len(v) > 20 else "")
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_cell(x)}" for k, x in list(v.items())[:20])
    if isinstance(v, int | float) and not isinstance(v, bool):
        return _num(v, 3)
    if v is None:
        return ""
    s = str(v)
    return s if len(s) <= 280 else s[:277] + "…"


def _segment(v: Any) -> str:
    """``v`` as one URL path segment: every reserved character encoded, "/" too (``urlencode`` keeps it)."""
    return quote(str(v), safe="")


def _json_script(v: Any) -> Markup:
    # to_json escapes <, >, & and the JS line separators, so the text cannot close the <script>.
    return Markup(to_json(v))


@functools.cache
def env() -> Environment:
    e = Environment(
        loader=PackageLoader("tribescope.web", "templates"),
        autoescape=True,  # every template, whatever its file name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    e.filters["num"] = _num
    e.filters["cell"] = _cell
    e.filters["score"] = score_text
    e.filters["confidence"] = confidence_text
    e.filters["column_cell"] = _column_cell
    e.filters["json_script"] = _json_script
    e.filters["segment"] = _segment
    e.globals["EVIDENCE_NOT_COMPUTED"] = EVIDENCE_NOT_COMPUTED
    return e


def creator_charts(d: dict[str, Any]) -> dict[str, Any]:
    """Chart specs of one creator page (None where the section has no data)."""

    def ok(key: str) -> Any:
        sec = d[key]
        return sec.data if sec.ok else None

    comps, quality, net, auth, spons = (
        ok(k) for k in ("components", "comment_quality", "network", "authenticity", "sponsored")
    )
    return {
        "components": _charts.components(comps) if comps else None,
        "engagement": _charts.engagement_over_time(d["posts"]) if d["posts"] else None,
        "quality": _charts.comment_quality(quality) if quality else None,
        "network": _charts.network(net) if net else None,
        "authenticity": _charts.authenticity(auth) if auth else None,
        "sponsored": _charts.sponsored_vs_organic(spons) if spons else None,
    }
