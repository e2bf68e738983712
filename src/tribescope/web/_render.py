"""Jinja2 environment shared by the dashboard and the static report (autoescape always on)."""

from __future__ import annotations

import decimal
import functools
import math
import re
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from tribescope._bidi import isolate_bidi
from tribescope._cells import LABEL_COLUMNS, figure_cell
from tribescope.score._spec import (
    INSUFFICIENT_LAST_NOTE,
    LABEL_NAMES,
    confidence_text,
    er_text,
    insufficient_out_of_order,
    label_text,
    metric_text,
    score_text,
)
from tribescope.web import _charts
from tribescope.web._data import EVIDENCE_NOT_COMPUTED, ranked_out_of_order, to_json

__all__ = ["code_spans", "creator_charts", "creator_href", "env", "web_url"]


def _plain_number(v: Any) -> str:
    """A number for an ``<input type="number">``: every digit, no exponent, no grouping (``1234567``, ``5000.5``):
    ``%g`` kept six digits, and the next submit planned 1,234,570 for 1,234,567."""
    if (
        isinstance(v, bool)
        or not isinstance(v, int | float)
        or (isinstance(v, float) and not math.isfinite(v))
    ):
        return "" if v is None else str(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return format(decimal.Decimal(repr(v)), "f")


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


#: the web's tables whose ``group`` holds a label group (the campaigns' "community vs broadcast"): named as labels
_LABEL_COLUMNS = LABEL_COLUMNS | {"group"}


def _column_cell(v: Any, column: str) -> str:
    """A table cell of ``column``: a community score as every view shows it
    (:func:`~tribescope.score._spec.score_text`), a label, count, money, ROI or share by its column's rule
    (:func:`~tribescope._cells.figure_cell`, the CLI's tables' too), anything else as :func:`_cell`."""
    if column == "community_score":
        return score_text(v)
    text = figure_cell(v, column, _LABEL_COLUMNS)
    return _cell(v) if text is None else text


def _is_number(v: Any) -> bool:
    """Whether a table cell holds a number (right-aligned, in tabular figures)."""
    return isinstance(v, int | float) and not isinstance(v, bool)


def _cell(v: Any) -> str:
    if isinstance(v, list):
        return ", ".join(_cell(x) for x in v[:20]) + (" …" if len(v) > 20 else "")
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_cell(x)}" for k, x in list(v.items())[:20])
    if isinstance(v, bool):
        return "yes" if v else "no"  # as every other view shows a flag (not Python's "True")
    if isinstance(v, int | float):
        return _num(v, 3)
    if v is None:
        return ""
    s = str(v)
    return s if len(s) <= 280 else s[:277] + "…"


def _segment(v: Any) -> str:
    """``v`` as one URL path segment: every reserved character encoded, "/" too (``urlencode`` keeps it)."""
    return quote(str(v), safe="")


#: Path segments a browser (and most HTTP clients) resolve instead of sending: "/creator/x/.." is "/creator/", even
#: written "%2E%2E" (the URL standard decodes those before resolving).
_DOT_SEGMENTS = frozenset({".", ".."})


def creator_href(platform: Any, creator_id: Any, *, evidence: bool = False) -> str:
    """The dashboard page of a creator: ``/creator/PLATFORM/ID`` with both parts percent-encoded ("/", "%", "?",
    "#" too), or ``/creator/PLATFORM?id=ID`` for an id that is a dot segment ("." or ".."), which no path can carry;
    with ``evidence``, the page with its evidence computed."""
    cid = str(creator_id)
    if cid in _DOT_SEGMENTS:
        return f"/creator/{_segment(platform)}?id={quote(cid, safe='')}" + ("&evidence=1" if evidence else "")
    return f"/creator/{_segment(platform)}/{_segment(cid)}" + ("?evidence=1" if evidence else "")


#: The schemes a link to the web may have; an imported post's ``url`` (or a spec's benchmark ``url``) of any other —
#: ``javascript:``, ``data:``, ``vbscript:`` — is shown as text, never as a link that would run or load it.
WEB_SCHEMES = ("http", "https")


def web_url(v: Any) -> str | None:
    """``v`` when it is an absolute ``http(s)://`` URL a link may point to, else None (the caller shows no link).
    Browsers drop tabs, line breaks and leading blanks or control characters before reading the scheme (``java\tscript:``
    is ``javascript:``), so the scheme is read as they read it."""
    if not isinstance(v, str):
        return None
    text = re.sub(r"[\t\n\r]", "", v).lstrip("\x00- ")
    scheme, sep, rest = text.partition(":")
    if not sep or scheme.lower() not in WEB_SCHEMES or not rest.startswith("//"):
        return None
    return v.strip()


def _header(name: Any) -> Markup:
    """A column name as a table header that may wrap after each "_" (``conversions_per_1k_followers`` need not
    widen its column to 28 characters)."""
    return Markup("_<wbr>").join(escape(str(name)).split("_"))


#: A Markdown code span of a message (``run `tribescope score```): a run of backticks, the text, the same run again.
_CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)


def code_spans(message: Any) -> Markup:
    """A message (written for the terminal, with Markdown code spans: ``run `tribescope score` ``) as HTML: each
    code span a ``<code>`` element, every other character escaped (a stray backtick is shown as it is)."""
    text = "" if message is None else str(message)
    out: list[str] = []
    end = 0
    for m in _CODE_SPAN.finditer(text):
        out += [escape(text[end : m.start()]), Markup("<code>%s</code>") % m.group(2)]
        end = m.end()
    out.append(escape(text[end:]))
    return Markup("").join(out)


def _json_script(v: Any) -> Markup:
    # to_json escapes <, >, & and the JS line separators, so the text cannot close the <script>.
    return Markup(to_json(v))


@functools.cache
def _isolated(v: Any) -> Any:
    """What a template shows of ``v``: a text with a bidirectional formatting character (a handle with U+202E) in an
    isolate that closes it (:func:`~tribescope._bidi.isolate_bidi`); markup the code built, and anything else, as
    it is."""
    return isolate_bidi(v) if type(v) is str else v


def env() -> Environment:
    e = Environment(
        loader=PackageLoader("tribescope.web", "templates"),
        autoescape=True,  # every template, whatever its file name
        finalize=_isolated,  # every value shown kept to itself: a right-to-left override ends with it
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    e.filters["num"] = _num
    e.filters["plain_number"] = _plain_number  # a form field's number as entered (1234567, not 1.23457e+06)
    e.filters["cell"] = _cell
    e.filters["score"] = score_text
    e.filters["confidence"] = confidence_text
    e.filters["label"] = label_text
    e.filters["er"] = er_text  # an engagement rate as explain shows it ("5.13%")
    e.filters["metric"] = (
        metric_text  # a value of a metric as explain shows it (a share "42.9%", a count "16,570")
    )
    e.filters["column_cell"] = _column_cell
    e.tests["figure"] = _is_number
    e.filters["json_script"] = _json_script
    e.filters["header"] = _header
    e.filters["segment"] = _segment
    e.filters["web_url"] = web_url  # an imported link: http(s) only
    e.filters["code_spans"] = code_spans  # a job's message or an error: `tribescope score` as <code>
    e.globals["EVIDENCE_NOT_COMPUTED"] = EVIDENCE_NOT_COMPUTED
    e.globals["creator_href"] = creator_href
    # why "too little data" rows come after lower scores, in the words of `tribescope score`
    e.globals["INSUFFICIENT_LAST_NOTE"] = (
        INSUFFICIENT_LAST_NOTE[:1].upper() + INSUFFICIENT_LAST_NOTE[1:] + "."
    )
    e.globals["insufficient_out_of_order"] = insufficient_out_of_order
    e.globals["ranked_out_of_order"] = ranked_out_of_order  # a leaderboard page, earlier pages counted
    e.globals["LABEL_NAMES"] = LABEL_NAMES  # for app.js (the shortlist page names labels as the tables do)
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
        "engagement": (
            _charts.engagement_over_time(d["posts"]) if any(p.get("created_at") for p in d["posts"]) else None
        ),
        "quality": _charts.comment_quality(quality) if quality else None,
        "network": _charts.network(net) if net else None,
        "authenticity": _charts.authenticity(auth) if auth else None,
        "sponsored": _charts.sponsored_vs_organic(spons) if spons else None,
    }
