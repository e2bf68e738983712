"""The score spec: components, transforms, weights, tiers, benchmark, confidence and label rules.

Every key of the file is checked when it is loaded: an unknown key (a typo), a value of the wrong type, a missing
key or a rule that can never hold is a :class:`SpecError` naming the file, the table or key and what was expected —
never a key silently ignored (docs/scoring.md, "Editing the spec").
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import math
import os
import re
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tribescope.errors import TribescopeError

__all__ = [
    "COUNT_COLUMNS",
    "FIRST_COLUMNS",
    "INSUFFICIENT_LAST_NOTE",
    "LABEL_NAMES",
    "SCORE_DIGITS",
    "Component",
    "LabelRule",
    "Signal",
    "Spec",
    "SpecError",
    "confidence_text",
    "er_text",
    "insufficient_out_of_order",
    "is_share",
    "label_key",
    "label_text",
    "label_value",
    "load_spec",
    "load_spec_option",
    "metric_text",
    "score_text",
]

#: The columns every score table starts with, in this order (``creator_scores``, ``tribescope score --out``; the
#: dashboard and the campaign planner read them by these names).
FIRST_COLUMNS = (
    "platform",
    "creator_id",
    "handle",
    "followers",
    "tier",
    "label",
    "community_score",
    "confidence",
)

#: counts (accounts, pairs, messages) of the score table that its pandas frame holds as floats when a creator lacks
#: them (NaN for "none"). ``creator_scores`` stores them — and every count of the metric tables — as BIGINT (nullable;
#: ``tribescope.score._score._typed``); tables other commands derive from it through pandas (plans, brand reports), and
#: a ``creator_scores`` stored before 2026-12 (DOUBLE), still carry them as floats, which the CLI's ``--out`` files
#: (``tribescope.cli._out.integer_counts``) and the API's CSV write as integers when whole
COUNT_COLUMNS = frozenset(
    {
        "followers",
        "following",
        "n_ff_replies",
        "n_pairs",
        "recurring_pairs",
        "audience_profiles",
        "community_spaces",
        "community_members",
        "community_messages",
        "community_active_members",
        "graph_nodes",
        "graph_edges",
    }
)


#: Decimals a community score is stored with (``score_frame`` rounds to them) and shown with everywhere: the score table,
#: ``explain``, the dashboard, the report, the plan. Coarser would contradict the label, whose rules compare the stored
#: score (49.96 shown as "50" is not a community influencer), and the component points, which add up to it.
SCORE_DIGITS = 2


def score_text(v: object) -> str:
    """A community score as every view shows it: :data:`SCORE_DIGITS` decimals, "–" when there is none."""
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return "–"
    return f"{v:.{SCORE_DIGITS}f}"


def confidence_text(v: object) -> str:
    """A confidence 0…1 as every view shows it: two decimals, 1 included ("1.00" beside "0.95"); "–" when none."""
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return "–"
    return f"{v:.2f}"


#: The name a reader sees for each label the default spec's ``[[label]]`` rules give; the stored value
#: (``creator_scores.label``, ``--out`` files, the API, the spec) stays ``insufficient_data`` etc. One name per label
#: for the score table, ``explain``, the dashboard, the report and its chart legends (:func:`label_text`).
LABEL_NAMES = {
    "community_influencer": "community influencer",
    "broadcast_influencer": "broadcast influencer",
    "creator": "creator",
    "suspicious": "suspicious",
    "insufficient_data": "too little data",
}

#: Why the creators labelled "too little data" come after lower scores in a list "by community score" (the score
#: table and the report's leaderboard say it in these words).
INSUFFICIENT_LAST_NOTE = (
    "creators with too little data to judge (label “too little data”) come after the judged ones, whatever their "
    "score: a score measured on a handful of comments never outranks a measured community"
)


def label_text(v: object) -> str:
    """A label as every view shows it (:data:`LABEL_NAMES`; a label of another spec with spaces for "_")."""
    if v is None:
        return ""
    s = str(v)
    return LABEL_NAMES.get(s, s.replace("_", " "))


def label_value(text: str) -> str:
    """The stored label a reader's name of it names: the stored value itself (``insufficient_data``), or the name every
    view shows (:data:`LABEL_NAMES`: "too little data"), in any case and with spaces or underscores — what a filter on
    labels compares (``?label=too little data`` found nothing: the stored values have underscores)."""
    key = label_key(text)
    for stored, shown in LABEL_NAMES.items():
        if key in (shown, label_key(stored)):
            return stored
    return text.strip()  # a label of another spec, as given


def label_key(text: str) -> str:
    """A label's name in lower case with single spaces for underscores and blanks (``Reach_Only`` → ``reach only``):
    two names of one label have the same key."""
    return " ".join(text.replace("_", " ").split()).lower()


def insufficient_out_of_order(rows: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a list of score rows, in order, has a ``insufficient_data`` row below a lower score (which reads as a
    mistake in a list "by community score" unless :data:`INSUFFICIENT_LAST_NOTE` says why)."""
    low = math.inf
    for r in rows:
        s = r.get("community_score")
        if not isinstance(s, int | float) or isinstance(s, bool) or not math.isfinite(s):
            continue
        if r.get("label") == "insufficient_data" and low < s:
            return True
        low = min(low, s)
    return False


#: shares (0…1) that are not named ``*_share``: every view shows a share as a percentage ("42.9%")
SHARE_METRICS = frozenset(
    {"reciprocity", "retention", "comment_authenticity", "coverage", "audience_reachability"}
)


def is_share(column: str) -> bool:
    """Whether ``column`` holds a share 0…1 (shown as a percentage)."""
    return column.endswith("_share") or column in SHARE_METRICS


def _is_count(column: str, value: Any = None) -> bool:
    return (
        column in COUNT_COLUMNS
        or column.startswith("n_")
        or (isinstance(value, int) and not isinstance(value, bool))
    )


def metric_text(v: Any, column: str, digits: int | None = None) -> str:
    """``v``, a value of ``column``, as ``explain`` shows it, one format per kind of column: a count whole with
    thousands separators ("16,570"), a share as a percentage with one decimal, as the score table shows it ("42.9%"),
    the community score and a component's score with :data:`SCORE_DIGITS` decimals, a confidence as
    :func:`confidence_text`, any other number (a ratio, an index) with two decimals ("1.36", "1.00"). ``digits``
    asks for more decimals. "–" when there is no number."""
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return "–" if not isinstance(v, str) else v
    if _is_count(column, v) and digits is None:
        return f"{math.floor(v + 0.5):,}"  # half up: a median of 34,048.5 followers is 34,049, as a person rounds
    if is_share(column):
        d = 1 if digits is None else digits
        text = f"{100 * v:,.{d}f}%"
    elif column == "confidence" and digits is None:
        return confidence_text(v)
    else:
        d = (SCORE_DIGITS if column == "community_score" else 2) if digits is None else digits
        text = f"{v:,.{d}f}"
    # no "-0.00" for a value a rounding error below 0
    return text[1:] if re.fullmatch(r"-[0.,]+%?", text) else text


def er_text(v: Any) -> str:
    """An engagement rate as a percentage with two decimals ("5.13%"): one decimal would hide a ratio to the benchmark
    that ``explain`` shows beside it (5.1% / 3.8% is 1.34, er_ratio 1.36)."""
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return "–"
    return f"{100 * v:.2f}%"


#: transform kind → its keys besides ``kind`` (required, optional)
_TRANSFORM_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "logistic": (("center", "scale"), ()),
    "log_logistic": (("center", "scale"), ()),
    "ratio_logistic": (("center", "scale"), ()),
    "percentile": ((), ("min_group",)),
}
_TRANSFORMS = set(_TRANSFORM_KEYS)
_TOP_KEYS = (
    "version",
    "name",
    "tiers",
    "benchmark",
    "confidence",
    "component",
    "label",
    "label_evidence",
    "signal",
    "circle",
    "similar",
    "leaders",
)
#: the audience commands' tables (``circle``, ``similar``, ``niches``' leaders): key → whether it may be 0. A spec
#: without one of them (a copy made before v1.3.0) takes the packaged spec's.
_CIRCLE_KEYS = ("half_life_weeks", "advocate", "contributor", "participant")
_SIMILAR_KEYS = ("topic", "audience", "profile")
_LEADER_KEYS = ("pagerank", "core", "reach")
#: the Orbit levels of ``circle`` in order (level 1 first); the last, ``explorer``, is every member below the others
ORBIT_LEVELS = ("advocate", "contributor", "participant", "explorer")
_BENCHMARK_KEYS = ("source", "url", "recompute_min_creators", "rows")
_BENCHMARK_ROW_KEYS = ("range", "min_followers", "median_er", "average_er")
#: ``min_posts``, ``min_comments``, ``min_confidence``: accepted for spec files copied before v1.1.1 only when they
#: agree with the ``insufficient_data`` label rule, which is what decides (:data:`_LEGACY_MINIMUMS`)
_CONFIDENCE_KEYS = (
    "full_posts",
    "full_comments",
    "percentile_min_group",
    "min_posts",
    "min_comments",
    "min_confidence",
)
#: legacy ``[confidence]`` key → the condition of the ``insufficient_data`` rule it names
_LEGACY_MINIMUMS = {
    "min_posts": "n_posts_with_comments",
    "min_comments": "n_follower_comments",
    "min_confidence": "confidence",
}
_COMPONENT_KEYS = (
    "name",
    "family",
    "metric",
    "transform",
    "weight",
    "direction",
    "optional",
    "min_support",
    "rationale",
)
_LABEL_KEYS = ("label", "any", "all", "at_least", "rationale")
_SIGNAL_KEYS = ("when", "text")
_COND = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|<|>)\s*(\S+)\s*$")


class SpecError(TribescopeError):
    """The score spec file is malformed."""


@dataclass(frozen=True)
class Component:
    name: str
    family: str
    metric: str
    transform: dict[str, Any]
    weight: float
    direction: str = "higher"
    optional: bool = False
    min_support: tuple[str, float] | None = None
    rationale: str = ""


@dataclass(frozen=True)
class LabelRule:
    label: str
    any: tuple[tuple[str, str, float], ...] = ()
    all: tuple[tuple[str, str, float], ...] = ()
    at_least: int = 1
    rationale: str = ""


@dataclass(frozen=True)
class Signal:
    """A suspicious signal ``explain`` lists when its condition holds: ``when`` = (column, op, number), ``text`` a
    format string given the column's value (``"{:.0%} of comments are generic praise"``). Signals change no score
    or label; they are softer warnings than the ``suspicious`` label's conditions, for a marketer to check."""

    when: tuple[str, str, float]
    text: str


@dataclass(frozen=True)
class Spec:
    version: str
    name: str
    tiers: tuple[tuple[str, int], ...]
    benchmark: dict[str, Any]
    confidence: dict[str, float]
    components: tuple[Component, ...]
    labels: tuple[LabelRule, ...]
    #: column → (support column, minimum): a label condition on the column holds only when the support column
    #: reaches the minimum (``[label_evidence]``: one profiled commenter in 55 is no audience)
    label_evidence: dict[str, tuple[str, float]] = field(default_factory=dict)
    #: what ``explain`` lists as suspicious signals (``[[signal]]``; none when the spec has none)
    signals: tuple[Signal, ...] = ()
    #: ``[circle]``: the love half-life in weeks and the Orbit levels, level → (name, minimum love), level 1 first
    circle_half_life_weeks: float = 13.0
    circle_levels: dict[int, tuple[str, float]] = field(default_factory=dict)
    #: ``[similar]``: the weights of (topic, audience, profile) in a lookalike's similarity
    similar_weights: tuple[float, float, float] = (0.0, 0.0, 0.0)
    #: ``[leaders]``: the weights of (pagerank, core, reach) in a niche group leader's score
    leader_weights: tuple[float, float, float] = (0.0, 0.0, 0.0)
    path: str = "<default>"
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def hash(self) -> str:
        """12 hex digits of the SHA-256 of the spec's content (its keys and values, not its comments or layout):
        written next to every score as ``spec_hash``, so a score says which spec made it even when ``version`` was not
        bumped."""
        text = json.dumps(self.raw, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def benchmark_er(self, followers: float | None) -> tuple[str, float] | None:
        """(range, median ER) of the published benchmark row for ``followers``."""
        if followers is None:
            return None
        rows = sorted(self.benchmark.get("rows", []), key=lambda r: r["min_followers"])
        hit = None
        for r in rows:
            if followers >= r["min_followers"]:
                hit = r
        return (hit["range"], float(hit["median_er"])) if hit else None


# ------------------------------------------------------------------------------------------ checking
class _Check:
    """Type and key checks that name the file, the table and the key."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, what: str) -> SpecError:
        return SpecError(f"{self.path}: {where}: {what}")

    def table(self, v: Any, where: str) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise self.fail(where, f"must be a table, not {_show(v)}")
        return v

    def keys(self, d: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for k in d:
            if k not in allowed:
                near = difflib.get_close_matches(k, allowed, n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise self.fail(where, f"unknown key {k!r}{hint}; expected one of: {', '.join(allowed)}")

    def need(self, d: dict[str, Any], key: str, where: str, expected: str) -> Any:
        if key not in d:
            raise self.fail(where, f"'{key}' is missing ({expected})")
        return d[key]

    def string(self, v: Any, where: str, key: str, *, empty: bool = False) -> str:
        if not isinstance(v, str) or (not empty and not v.strip()):
            raise self.fail(where, f"'{key}' must be a{'' if empty else ' non-empty'} string, not {_show(v)}")
        return v

    def number(
        self,
        v: Any,
        where: str,
        key: str,
        *,
        low: float | None = None,
        above: bool = False,
        integer: bool = False,
    ) -> float:
        ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        if ok and integer:
            ok = float(v).is_integer()
        if ok and low is not None:
            ok = v > low if above else v >= low
        if not ok:
            kind = "a whole number" if integer else "a number"
            bound = "" if low is None else f" {'>' if above else '>='} {_g(low)}"
            raise self.fail(where, f"'{key}' must be {kind}{bound}, not {_show(v)}")
        return float(v)

    def tables(self, v: Any, where: str, header: str) -> list[dict[str, Any]]:
        if not isinstance(v, list) or not v or not all(isinstance(x, dict) for x in v):
            raise self.fail(where, f"must be one or more {header} tables, not {_show(v)}")
        return v


def _show(v: Any) -> str:
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, list):
        return f"the array {v!r}"
    return f"{type(v).__name__} {v!r}"


def _g(x: float) -> str:
    return f"{x:g}"


def _cond(text: Any, where: str, ck: _Check) -> tuple[str, str, float]:
    m = _COND.match(text) if isinstance(text, str) else None
    num = None
    if m:
        with_sign = m.group(3).replace("_", "")
        try:
            num = float(with_sign)
        except ValueError:
            num = None
    if m is None or num is None or not math.isfinite(num):
        raise ck.fail(where, f"condition {text!r} is not 'column op number' (op: < <= > >= ==)")
    return m.group(1), m.group(2), num


def _parse(raw: dict[str, Any], path: str) -> Spec:
    ck = _Check(path)
    ck.keys(raw, _TOP_KEYS, "top level")
    version = ck.string(
        ck.need(raw, "version", "top level", 'a string such as "1.2.0"'), "top level", "version"
    )
    name = ck.string(raw.get("name", ""), "top level", "name", empty=True)

    # tiers
    tiers_raw = ck.table(
        ck.need(raw, "tiers", "top level", "[tiers]: tier name = lowest follower count"), "[tiers]"
    )
    tiers_l = [(str(k), int(ck.number(v, "[tiers]", k, low=0, integer=True))) for k, v in tiers_raw.items()]
    tiers = tuple(sorted(tiers_l, key=lambda t: t[1]))
    if not tiers or tiers[0][1] != 0:
        raise ck.fail("[tiers]", "must start at 0 followers (one tier = 0)")
    for (a, lo_a), (b, lo_b) in itertools.pairwise(tiers):
        if lo_a == lo_b:
            raise ck.fail("[tiers]", f"{a!r} and {b!r} both start at {lo_a:,} followers")

    # benchmark
    bench = ck.table(
        ck.need(raw, "benchmark", "top level", "[benchmark] with [[benchmark.rows]]"), "[benchmark]"
    )
    ck.keys(bench, _BENCHMARK_KEYS, "[benchmark]")
    for k in ("source", "url"):
        if k in bench:
            ck.string(bench[k], "[benchmark]", k, empty=True)
    if "recompute_min_creators" in bench:
        ck.number(
            bench["recompute_min_creators"], "[benchmark]", "recompute_min_creators", low=0, integer=True
        )
    rows = ck.tables(
        ck.need(bench, "rows", "[benchmark]", "[[benchmark.rows]] tables"),
        "[[benchmark.rows]]",
        "[[benchmark.rows]]",
    )
    for i, r in enumerate(rows):
        where = f"[[benchmark.rows]] #{i + 1}"
        ck.keys(r, _BENCHMARK_ROW_KEYS, where)
        ck.string(ck.need(r, "range", where, 'a label such as "1K–5K"'), where, "range")
        ck.number(ck.need(r, "min_followers", where, "lowest follower count"), where, "min_followers", low=0)
        ck.number(
            ck.need(r, "median_er", where, "the median engagement rate"),
            where,
            "median_er",
            low=0,
            above=True,
        )
        if "average_er" in r:
            ck.number(r["average_er"], where, "average_er", low=0)
    starts = sorted(float(r["min_followers"]) for r in rows)
    if starts[0] != 0:
        raise ck.fail(
            "[[benchmark.rows]]",
            "one row must start at min_followers = 0 (else small creators get no ER benchmark)",
        )
    if len(set(starts)) != len(starts):
        raise ck.fail("[[benchmark.rows]]", "two rows have the same min_followers")

    # confidence
    conf = ck.table(
        ck.need(raw, "confidence", "top level", "[confidence] with full_posts, full_comments"), "[confidence]"
    )
    ck.keys(conf, _CONFIDENCE_KEYS, "[confidence]")
    for k in ("full_posts", "full_comments"):
        if k in conf:
            ck.number(conf[k], "[confidence]", k, low=0, above=True)
    if "percentile_min_group" in conf:
        ck.number(conf["percentile_min_group"], "[confidence]", "percentile_min_group", low=1, integer=True)
    for k in _LEGACY_MINIMUMS:
        if k in conf:
            ck.number(conf[k], "[confidence]", k, low=0)

    # components
    comps = []
    seen: dict[str, str] = {}  # lower-case name → name: the workspace's column names ignore case (DuckDB)
    for i, c in enumerate(
        ck.tables(
            ck.need(raw, "component", "top level", "[[component]] tables"), "[[component]]", "[[component]]"
        )
    ):
        where = f"[[component]] #{i + 1}"
        cname = ck.string(ck.need(c, "name", where, "the component's name"), where, "name")
        where = f"component {cname!r} ([[component]] #{i + 1})"
        ck.keys(c, _COMPONENT_KEYS, where)
        if cname.lower() in seen:
            first = seen[cname.lower()]
            raise ck.fail(
                where,
                "a component of that name is defined twice"
                if first == cname
                else f"its name differs only in case from component {first!r}: the score table's column names "
                f"ignore case (DuckDB), so c_{cname} and c_{first} would be one column; rename one",
            )
        seen[cname.lower()] = cname
        metric = ck.string(ck.need(c, "metric", where, "the metric column it scores"), where, "metric")
        tr = dict(ck.table(ck.need(c, "transform", where, "{ kind = ..., ... }"), f"{where}: transform"))
        kind = tr.get("kind")
        if kind not in _TRANSFORMS:
            raise ck.fail(where, f"transform kind {kind!r} is not one of {sorted(_TRANSFORMS)}")
        required, optional = _TRANSFORM_KEYS[kind]
        ck.keys(tr, ("kind", *required, *optional), f"{where}: transform ({kind})")
        for k in required:
            ck.need(tr, k, f"{where}: transform ({kind})", "a number")
        if "center" in tr:
            ck.number(tr["center"], f"{where}: transform", "center")
        if "scale" in tr:
            ck.number(tr["scale"], f"{where}: transform", "scale", low=0, above=True)
        if "min_group" in tr:
            ck.number(tr["min_group"], f"{where}: transform", "min_group", low=1, integer=True)
        w = ck.number(ck.need(c, "weight", where, "a number >= 0"), where, "weight", low=0)
        direction = c.get("direction", "higher")
        if direction not in ("higher", "lower"):
            raise ck.fail(where, f"'direction' must be 'higher' or 'lower', not {_show(direction)}")
        opt = c.get("optional", False)
        if not isinstance(opt, bool):
            raise ck.fail(where, f"'optional' must be true or false, not {_show(opt)}")
        ms = c.get("min_support")
        if ms is not None and not (
            isinstance(ms, list)
            and len(ms) == 2
            and isinstance(ms[0], str)
            and isinstance(ms[1], int | float)
            and not isinstance(ms[1], bool)
        ):
            raise ck.fail(where, f"'min_support' must be [support column, minimum], not {_show(ms)}")
        if ms is not None:  # a nan minimum would never make the value missing, -inf neither: silently no bar
            ms = [ms[0], _minimum(ms[1], ck, where, "min_support")]
        comps.append(
            Component(
                name=cname,
                family=ck.string(c.get("family", ""), where, "family", empty=True),
                metric=metric,
                transform=tr,
                weight=w,
                direction=direction,
                optional=opt,
                min_support=(ms[0], ms[1]) if ms else None,
                rationale=ck.string(c.get("rationale", ""), where, "rationale", empty=True),
            )
        )
    _check_component_inputs(comps, ck)
    if sum(c.weight for c in comps if not c.optional) <= 0:
        raise ck.fail(
            "[[component]]",
            "the weights of the components that are not optional sum to 0: nothing to score "
            "(weights are relative: the score is 100 · Σ weight · s / Σ weight)",
        )
    if not math.isfinite(
        100 * sum(c.weight for c in comps)
    ):  # 1e308: 100 · weight overflowed, every score NaN
        raise ck.fail(
            "[[component]]",
            f"the weights sum to {sum(c.weight for c in comps):g}, too large to compute with (the score is "
            "100 · Σ weight · s / Σ weight); weights are relative: scale them all down",
        )

    # labels
    labels = []
    for i, r in enumerate(
        ck.tables(ck.need(raw, "label", "top level", "[[label]] rules"), "[[label]]", "[[label]]")
    ):
        where = f"[[label]] #{i + 1}"
        lab = ck.string(ck.need(r, "label", where, "the label it gives"), where, "label")
        where = f"[[label]] #{i + 1} ({lab})"
        ck.keys(r, _LABEL_KEYS, where)
        conds = {}
        for k in ("any", "all"):
            v = r.get(k, [])
            if not isinstance(v, list):
                raise ck.fail(
                    where,
                    f"'{k}' must be an array of conditions such as [\"followers < 1000\"], not {_show(v)}",
                )
            conds[k] = tuple(_cond(x, where, ck) for x in v)
        if "at_least" in r:
            if not conds["any"]:
                raise ck.fail(where, "'at_least' counts the 'any' conditions, and this rule has none")
            at_least = int(ck.number(r["at_least"], where, "at_least", low=1, integer=True))
            if at_least > len(conds["any"]):
                raise ck.fail(
                    where,
                    f"'at_least' = {at_least} but 'any' has only {len(conds['any'])} conditions: it never holds",
                )
        else:
            at_least = 1
        _check_holds(conds["all"], conds["any"], comps, where, ck)
        labels.append(
            LabelRule(
                label=lab,
                any=conds["any"],
                all=conds["all"],
                at_least=at_least,
                rationale=ck.string(r.get("rationale", ""), where, "rationale", empty=True),
            )
        )
    for i, rule in enumerate(labels[:-1]):
        if not rule.any and not rule.all:
            later = ", ".join(f"#{j + 1} ({r.label})" for j, r in enumerate(labels) if j > i)
            raise ck.fail(
                f"[[label]] #{i + 1} ({rule.label})",
                f"has no conditions, so it holds for every creator and the rules after it ({later}) never hold; "
                "a rule without conditions (the default label) must be the last",
            )
    _check_legacy_minimums(conf, labels, ck)
    evidence = _label_evidence(raw.get("label_evidence", {}), ck)
    used = {c[0] for rule in labels for c in (*rule.any, *rule.all)}
    for col in evidence:
        if col not in used:
            raise ck.fail(f"label_evidence.{col}", f"no [[label]] condition uses the column {col!r}")
    half_life, levels = _circle(_audience_table(raw, "circle", _CIRCLE_KEYS, ck), ck)
    return Spec(
        version=version,
        name=name,
        tiers=tiers,
        benchmark=dict(bench),
        confidence=dict(conf),
        components=tuple(comps),
        labels=tuple(labels),
        label_evidence=evidence,
        signals=_signals(raw.get("signal"), ck),
        circle_half_life_weeks=half_life,
        circle_levels=levels,
        similar_weights=_weights(
            _audience_table(raw, "similar", _SIMILAR_KEYS, ck), "[similar]", _SIMILAR_KEYS, ck
        ),
        leader_weights=_weights(
            _audience_table(raw, "leaders", _LEADER_KEYS, ck), "[leaders]", _LEADER_KEYS, ck
        ),
        path=path,
        raw=raw,
    )


def _packaged_raw() -> dict[str, Any]:
    """The packaged spec's keys and values (its ``[circle]``, ``[similar]``, ``[leaders]`` stand in for a spec copied
    before they were in it)."""
    return tomllib.loads(resources.files("tribescope.score").joinpath("spec.toml").read_text("utf-8"))


def _audience_table(raw: dict[str, Any], key: str, keys: tuple[str, ...], ck: _Check) -> dict[str, Any]:
    """The ``[key]`` table with every one of ``keys``: the spec's own, else the packaged spec's (a copy made before
    v1.3.0 has none). A table that lacks some key is an error, not half the packaged one."""
    if key not in raw:
        raw = _packaged_raw()
    t = ck.table(raw[key], f"[{key}]")
    ck.keys(t, keys, f"[{key}]")
    for k in keys:
        ck.need(t, k, f"[{key}]", "a number")
    return t


def _weights(t: dict[str, Any], where: str, keys: tuple[str, ...], ck: _Check) -> tuple[float, float, float]:
    """Relative weights (>= 0, not all 0, a sum a float can hold), in the order of ``keys``."""
    w = tuple(ck.number(t[k], where, k, low=0) for k in keys)
    if not (0 < sum(w) < math.inf):
        raise ck.fail(
            where, f"the weights {', '.join(keys)} must not all be 0 nor sum to more than a float holds"
        )
    return (w[0], w[1], w[2])


def _circle(t: dict[str, Any], ck: _Check) -> tuple[float, dict[int, tuple[str, float]]]:
    """``[circle]``: the half-life (> 0 weeks) and the minimum love of each Orbit level, highest first."""
    half = ck.number(t["half_life_weeks"], "[circle]", "half_life_weeks", low=0, above=True)
    mins = [*(ck.number(t[k], "[circle]", k, low=0) for k in ORBIT_LEVELS[:-1]), 0.0]  # an explorer: any love
    for (a, lo_a), (b, lo_b) in itertools.pairwise(zip(ORBIT_LEVELS, mins, strict=True)):
        if lo_a <= lo_b:
            bound = f"{b} = {_g(lo_b)}" if b != "explorer" else "0 (an explorer: any love below it)"
            raise ck.fail(
                "[circle]",
                f"{a} = {_g(lo_a)} must be above {bound}: each level needs more love than the next, else no "
                f"member is {'an' if b[0] in 'aeiou' else 'a'} {b}",
            )
    levels = {i + 1: (name, lo) for i, (name, lo) in enumerate(zip(ORBIT_LEVELS, mins, strict=True))}
    return half, levels


#: The columns the score computes from the components (after them), besides each component's ``c_`` / ``w_``: a
#: component cannot score one of them or take it as its ``min_support`` (it was always missing there, silently
#: nulling the component); label conditions and signals, checked after, may name them.
COMPUTED_COLUMNS = ("community_score", "coverage", "confidence")


def _check_component_inputs(comps: list[Component], ck: _Check) -> None:
    """No component's ``metric`` or ``min_support`` column is one the score computes from the components:
    ``community_score``, ``coverage``, ``confidence`` or a component's ``c_<name>`` / ``w_<name>``."""
    made = {f"{p}{c.name}".lower(): c.name for c in comps for p in ("c_", "w_")}
    for i, c in enumerate(comps):
        where = f"component {c.name!r} ([[component]] #{i + 1})"
        named = [("metric", c.metric)]
        if c.min_support is not None:
            named.append(("min_support", c.min_support[0]))
        for key, col in named:
            if col in COMPUTED_COLUMNS:
                what = "which is computed from the components, after them"
            elif col.lower() in made:
                kind = "score" if col.lower().startswith("c_") else "effective weight"
                what = (
                    f"the {kind} of component {made[col.lower()]!r}, computed after every component's metric"
                )
            else:
                continue
            raise ck.fail(
                where,
                f"'{key}' names {col!r}, {what}: a component never sees it (it would "
                f"always be missing); name a metric column of the score table (label conditions and [[signal]] "
                f"tables may use {col!r})",
            )


def _value_range(col: str, comps: Sequence[Component]) -> tuple[float, float] | None:
    """The values a column the score computes can take: 0–100 for ``community_score`` and a component's ``c_<name>``
    (as stored and shown), 0–1 for ``confidence``, ``coverage`` and a component's ``w_<name>``; None for the others."""
    names = {c.name for c in comps}
    if col == "community_score" or (col.startswith("c_") and col[2:] in names):
        return (0.0, 100.0)
    if col in ("confidence", "coverage") or (col.startswith("w_") and col[2:] in names):
        return (0.0, 1.0)
    return None


def _cond_text(c: tuple[str, str, float]) -> str:
    return f"{c[0]} {c[1]} {_g(c[2])}"


def _check_in_range(c: tuple[str, str, float], comps: Sequence[Component], where: str, ck: _Check) -> None:
    """A condition on a score, confidence or weight compares a number inside the column's range: ``community_score >=
    150`` never holds, ``confidence < 20`` (a percentage) holds for every creator."""
    col, _, num = c
    rng = _value_range(col, comps)
    if rng is not None and not rng[0] <= num <= rng[1]:
        raise ck.fail(
            where,
            f"condition '{_cond_text(c)}': {col} is between {_g(rng[0])} and {_g(rng[1])}, so a threshold of "
            f"{_g(num)} decides nothing (the condition holds for every creator with a value, or for none)",
        )


def _check_holds(
    all_: Sequence[tuple[str, str, float]],
    any_: Sequence[tuple[str, str, float]],
    comps: Sequence[Component],
    where: str,
    ck: _Check,
) -> None:
    """The conditions of a ``[[label]]`` rule can hold: each threshold inside its column's range
    (:func:`_value_range`), no condition that no value of its column meets (``c_x > 100``), and no two conditions of
    ``all`` on one column that no value meets together (``community_score >= 50`` and ``community_score < 40``)."""
    for c in (*all_, *any_):
        _check_in_range(c, comps, where, ck)
    # per column: the interval the `all` conditions leave, (value, strict) at each end; `any` conditions one by one
    groups: list[list[tuple[str, str, float]]] = [[c] for c in any_]
    by_col: dict[str, list[tuple[str, str, float]]] = {}
    for c in all_:
        by_col.setdefault(c[0], []).append(c)
    groups += list(by_col.values())
    for group in groups:
        rng = _value_range(group[0][0], comps)
        lo, lo_strict = (rng[0], False) if rng else (-math.inf, False)
        hi, hi_strict = (rng[1], False) if rng else (math.inf, False)
        for _, op, num in group:
            if op in (">", ">=", "==") and (num > lo or (num == lo and op == ">")):
                lo, lo_strict = num, op == ">"
            if op in ("<", "<=", "==") and (num < hi or (num == hi and op == "<")):
                hi, hi_strict = num, op == "<"
        if lo < hi or (lo == hi and not lo_strict and not hi_strict):
            continue
        col = group[0][0]
        said = " and ".join(f"'{_cond_text(c)}'" for c in group)
        if len(group) == 1:
            bounds = f" (it is between {_g(rng[0])} and {_g(rng[1])})" if rng else ""
            raise ck.fail(where, f"condition {said} never holds: no value of {col} meets it{bounds}")
        raise ck.fail(where, f"'all' conditions {said} never hold together: no value of {col} meets them all")


def _signals(raw: Any, ck: _Check) -> tuple[Signal, ...]:
    """The ``[[signal]]`` tables: each a ``when`` condition and a ``text`` that formats the value."""
    if raw is None:
        return ()
    out = []
    for i, r in enumerate(ck.tables(raw, "[[signal]]", "[[signal]]")):
        where = f"[[signal]] #{i + 1}"
        ck.keys(r, _SIGNAL_KEYS, where)
        when = _cond(ck.need(r, "when", where, 'a condition such as "generic_share > 0.6"'), where, ck)
        text = ck.string(
            ck.need(r, "text", where, "the sentence shown, with {} for the value"), where, "text"
        )
        try:
            text.format(0.5)
        except (ValueError, IndexError, KeyError) as exc:
            raise ck.fail(
                where,
                f"'text' must format one number with {{}} (e.g. {{:.0%}}, {{:.2f}}): {text!r} gives {exc}",
            ) from None
        out.append(Signal(when=when, text=text))
    return tuple(out)


def _check_legacy_minimums(conf: dict[str, Any], labels: list[LabelRule], ck: _Check) -> None:
    """``[confidence] min_posts / min_comments / min_confidence`` (spec files copied before v1.1.1) never decided
    anything: the ``insufficient_data`` rule does. They are accepted when they say what that rule says, and are an error
    when they disagree (an analyst who edits one of them alone would see no change)."""
    rule = next((r for r in labels if r.label == "insufficient_data"), None)
    for key, col in _LEGACY_MINIMUMS.items():
        if key not in conf:
            continue
        have = [c for c in (rule.any if rule else ()) if c[0] == col and c[1] == "<"]
        if not any(c[2] == float(conf[key]) for c in have):
            says = f"'{have[0][0]} < {_g(have[0][2])}'" if have else f"no condition on {col}"
            raise ck.fail(
                f"[confidence] {key}",
                f"{key} = {_g(float(conf[key]))} is not what decides: the insufficient_data [[label]] rule does "
                f"(it has {says}); edit that rule and remove {key} from [confidence]",
            )


def _minimum(v: int | float, ck: _Check, where: str, key: str) -> int | float:
    """The minimum of a ``min_support`` or ``[label_evidence]`` pair: a finite number >= 0 (nan or -inf would be no bar
    at all, silently), kept whole when the spec wrote it whole (``explain --json`` gives ``["n_commenters", 10]``)."""
    if not (isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0):
        raise ck.fail(
            where, f"the minimum of '{key}' (its second item) must be a number >= 0, not {_show(v)}"
        )
    return v if isinstance(v, int) else float(v)


def _label_evidence(raw: Any, ck: _Check) -> dict[str, tuple[str, float]]:
    if not isinstance(raw, dict):
        raise ck.fail("[label_evidence]", "must be a table of column = [support column, minimum]")
    out = {}
    for col, v in raw.items():
        if not (
            isinstance(v, list)
            and len(v) == 2
            and isinstance(v[0], str)
            and isinstance(v[1], int | float)
            and not isinstance(v[1], bool)
        ):
            raise ck.fail(
                f"label_evidence.{col}", f"label_evidence.{col} must be [support column, minimum], not {v!r}"
            )
        out[str(col)] = (v[0], _minimum(v[1], ck, f"label_evidence.{col}", f"label_evidence.{col}"))
    return out


#: Per-creator tables other modules may write into the workspace; when present they are left-joined on
#: (platform, creator_id) and their columns become available to components and label rules.
#: ``creator_audience_authenticity``: real_follower_share, authentic_er, comment_authenticity, pod_share, …
#: ``creator_niches``: niche_category, …
OPTIONAL_TABLES: tuple[str, ...] = ("creator_audience_authenticity", "creator_niches", "creator_pods")

#: Columns of the model tables (:data:`OPTIONAL_TABLES`, written by ``tribescope score`` unless ``--no-models``): a spec
#: may name them in label rules and ``min_support`` / ``[label_evidence]`` although a workspace never scored with the
#: models lacks them (a condition on a missing column is false). Any other column a spec names must exist.
#: (In the score table's order, as :data:`SCORE_TABLE_COLUMNS` lists them; ``authentic_er_ratio`` follows ``er_ratio``.)
_MODEL_TABLE_COLUMNS = (
    "comments",
    "comment_authenticity",
    "pod_share",
    "spam_share",
    "profiled_commenters",
    "real_follower_share",
    "authentic_er",
    "suspicious_audience",
    "niche_category",
    "niche_confidence",
)
MODEL_COLUMNS = frozenset({*_MODEL_TABLE_COLUMNS, "authentic_er_ratio"})

#: Every column of a full score table (``creator_scores``, ``tribescope score --out``; models, sentiment and a linked
#: space) besides the components' ``c_<name>`` / ``w_<name>``, in the table's order: the metric stages'
#: (``tribescope.score._score._PARTS``), the model tables', the benchmark's and the score's own. Known without
#: computing anything, so that :func:`check_spec_columns` checks a spec before the import and the models run; docs/scoring.md
#: "Every column of the score table" defines each (tests/test_metric_definitions.py checks that both list the columns a
#: full score gives).
SCORE_TABLE_COLUMNS = (
    *FIRST_COLUMNS,
    *[
        "n_posts",
        "first_post_at",
        "last_post_at",
        "following",
        "is_verified",
        "n_posts_er",
        "er_median",
        "er_mean",
        "er_likes_median",
        "er_views_median",
        "likes_median",
        "comments_median",
        "likes_cv",
        "n_comments",
        "creator_comment_share",
        "n_follower_comments",
        "n_commenters",
        "n_posts_with_comments",
        "substantive_share",
        "emoji_only_share",
        "generic_share",
        "mention_only_share",
        "link_spam_share",
        "action_intent_share",
        "relevance_share",
        "creator_reply_share",
        "creator_reply_delay_h",
        "comments_per_post",
        "ff_reply_share",
        "ff_substantive_share",
        "n_ff_replies",
        "n_pairs",
        "recurring_pairs",
        "retention",
        "interacting_commenter_share",
        "reciprocity",
        "recurring_tie_share",
        "friend_commenter_share",
        "returning_commenter_share",
        "n_hashtag_uses",
        "n_hashtags",
        "niche_focus",
        "sponsored_share",
        "disclosed_share",
        "n_sponsored",
        "mentions_per_post",
        "sponsored_er_ratio",
        "audience_profiles",
        "audience_real_share",
        "audience_mass_follower_share",
        "audience_suspicious_share",
        "audience_reachability",
        "community_spaces",
        "community_members",
        "community_messages",
        "community_active_members",
        "community_reply_share",
        "community_messages_per_member",
        "community_overlap_share",
        "sentiment_mean",
        "graph_nodes",
        "graph_edges",
        "graph_lcc_share",
        "graph_clustering",
        "graph_density",
        *_MODEL_TABLE_COLUMNS,
        "er_benchmark",
        "er_benchmark_source",
        "er_ratio",
        "authentic_er_ratio",
        "coverage",
        "spec_version",
        "spec_hash",
    ],
)

#: The columns of :data:`SCORE_TABLE_COLUMNS` that hold text or times (no condition or component may name them).
TEXT_COLUMNS = frozenset(
    {
        "platform",
        "creator_id",
        "handle",
        "tier",
        "label",
        "first_post_at",
        "last_post_at",
        "niche_category",
        "er_benchmark_source",
        "spec_version",
        "spec_hash",
    }
)


def check_columns(have: set[str], sp: Spec, text: Collection[str] = ()) -> None:
    """Every column the spec names is one of ``have``, the columns of the score table (or may be missing, see
    :data:`MODEL_COLUMNS`), and holds numbers (not one of ``text``): a typo'd metric or label column, or one that
    holds text or times, is an error naming the spec file, not a component or rule that silently never counts."""
    named: list[tuple[str, str]] = []
    # optional components too: their metric may be null for a creator, never absent from the table
    for c in sp.components:
        named.append((c.metric, f"component {c.name!r}: metric"))
        if c.min_support is not None:
            named.append((c.min_support[0], f"component {c.name!r}: min_support"))
    for i, rule in enumerate(sp.labels):
        for col, op, num in (*rule.all, *rule.any):
            named.append((col, f"[[label]] #{i + 1} ({rule.label}): condition '{col} {op} {num:g}'"))
    for col, (support, _) in sp.label_evidence.items():
        named.append((support, f"label_evidence.{col}"))
    for i, sig in enumerate(sp.signals):
        col, op, num = sig.when
        named.append((col, f"[[signal]] #{i + 1}: condition '{col} {op} {num:g}'"))
    for col, where in named:
        if col in text:
            raise SpecError(
                f"{sp.path}: {where}: {col!r} holds text or times, not numbers; name a numeric column "
                "(`tribescope score --out FILE.csv` lists the columns)"
            )
        if col in have or col in MODEL_COLUMNS:
            continue
        near = difflib.get_close_matches(col, sorted(have), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise SpecError(
            f"{sp.path}: {where}: {col!r} is not a column of the score table{hint}; "
            "`tribescope score --out FILE.csv` lists the columns"
        )


def check_spec_columns(sp: Spec, *, sentiment: bool = True, extra: Collection[str] = ()) -> None:
    """:func:`check_columns` before anything is computed: against :data:`SCORE_TABLE_COLUMNS` (``sentiment_mean`` only
    with ``sentiment``), the components' ``c_`` / ``w_`` columns and ``extra`` (the columns of other tables the score
    will join: a workspace's stored model tables). Every column the check after the metrics accepts is one of these,
    so a spec refused here would be refused there — after ``tribescope score PATHS`` committed its import and the models
    ran."""
    have = {*SCORE_TABLE_COLUMNS, *extra} | {f"{p}{c.name}" for c in sp.components for p in ("c_", "w_")}
    if not sentiment:
        have.discard("sentiment_mean")
    check_columns(have, sp, TEXT_COLUMNS - set(extra))


def load_spec_option(path: str | os.PathLike[str] | None, *, sentiment: bool = True) -> Spec | None:
    """A command's ``--spec FILE`` (``score``, ``report``, ``serve``), loaded and its columns checked
    (:func:`check_spec_columns`) before the command does any work; ``None`` when not given (the packaged spec)."""
    if path is None:
        return None
    sp = load_spec(path)
    check_spec_columns(sp, sentiment=sentiment)
    return sp


def load_spec(spec: str | os.PathLike[str] | Spec | None = None) -> Spec:
    """Load a spec file (``None`` = the packaged default ``tribescope/score/spec.toml``)."""
    if isinstance(spec, Spec):
        return spec
    if spec is None:
        text = resources.files("tribescope.score").joinpath("spec.toml").read_text("utf-8")
        path = "tribescope/score/spec.toml"
    else:
        p = Path(spec)
        if p.is_dir():
            raise SpecError(f"score spec {p} is a folder; give the spec's .toml file")
        if not p.is_file():
            raise SpecError(f"score spec {p} does not exist; copy tribescope/score/spec.toml and edit it")
        path = str(p)
        try:
            text = p.read_text("utf-8")
        except UnicodeDecodeError as exc:
            raise SpecError(f"{path} is not a UTF-8 text file (a TOML score spec): {exc}") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path} is not valid TOML: {exc}") from exc
    if not raw:
        raise SpecError(f"{path} is empty: copy tribescope/score/spec.toml and edit it")
    return _parse(raw, path)
