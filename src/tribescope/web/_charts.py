"""Vega-Lite specifications for every chart of the dashboard and the static report.

Each function takes rows the read layer (:mod:`tribescope.web._data`) already produced and returns a
spec with its data inlined, so the same spec renders in the served page and in the e-mailed report.
Text in the data is only ever drawn by Vega (SVG text / escaped tooltips), never as HTML.
"""

from __future__ import annotations

from typing import Any

from tribescope.score._spec import LABEL_NAMES, SCORE_DIGITS, is_share, label_text, metric_text

__all__ = [
    "authenticity",
    "campaign_comparison",
    "campaign_roi",
    "comment_quality",
    "components",
    "engagement_over_time",
    "leaderboard",
    "leaderboard_counts",
    "network",
    "niche_map",
    "sponsored_vs_organic",
]

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # identifier only; never fetched
#: Colour of each label, by the name every view shows it with (:data:`~tribescope.score._spec.LABEL_NAMES`: the legend
#: says "community influencer", as the tables do, not the stored ``community_influencer``).
LABEL_COLORS = {
    "domain": [
        LABEL_NAMES[k]
        for k in (
            "community_influencer",
            "broadcast_influencer",
            "creator",
            "suspicious",
            "insufficient_data",
        )
    ],
    "range": ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#999999"],
}


def _base(title: str, values: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": title,
        "data": {"values": values},
        "width": "container",
        "config": {"view": {"stroke": None}, "font": "system-ui, sans-serif"},
        **extra,
    }


def on_leaderboard_chart(r: dict[str, Any]) -> bool:
    """Whether the leaderboard chart can draw a creator: a score, and a follower count above 0 (a log scale has no
    place for 0 or an unknown count; the page counts the creators left out)."""
    f = r.get("followers")
    return isinstance(f, int | float) and f > 0 and r.get("community_score") is not None


def leaderboard_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """What the leaderboard chart of ``rows`` leaves out, for the note beside it (the dashboard's and the report's):
    ``rows`` drawn from, ``unplaced`` of them not drawn (:func:`on_leaderboard_chart`), and of those ``unscored`` (not
    scored yet: imported after the score) — the others have no follower count."""
    return {
        "rows": len(rows),
        "unplaced": sum(1 for r in rows if not on_leaderboard_chart(r)),
        "unscored": sum(1 for r in rows if r.get("community_score") is None),
    }


def leaderboard(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Community score against followers (log scale), one dot per creator, coloured by label."""
    vals = [
        {
            "handle": r.get("handle"),
            "platform": r.get("platform"),
            "followers": r.get("followers"),
            "community_score": r.get("community_score"),
            "label": label_text(r.get("label")) or NO_LABEL,
        }
        for r in rows
        if on_leaderboard_chart(r)
    ]
    return _base(
        "Community score vs followers",
        vals,
        height=260,
        mark={"type": "point", "filled": True},
        encoding={
            # 1k, 10k, 1M, overlapping labels dropped: on a phone "100" and "2,000" ran together ("1002,000")
            "x": {
                "field": "followers",
                "type": "quantitative",
                "scale": {"type": "log"},
                "axis": {"format": "~s", "labelOverlap": "greedy"},
            },
            "y": {"field": "community_score", "type": "quantitative", "scale": {"domain": [0, 100]}},
            "color": {
                "field": "label",
                "type": "nominal",
                "scale": _scale(LABEL_COLORS, [v["label"] for v in vals]),
            },
            "tooltip": [
                {"field": "handle"},
                {"field": "platform"},
                {"field": "followers", "format": ","},
                {"field": "community_score", "format": f".{SCORE_DIGITS}f"},
                {"field": "label"},
            ],
        },
    )


def _axis_format(metric: str) -> str | None:
    """The tick format of a component's axis: a share as a percentage ("12%", as ``explain`` and the score table show
    shares), a count with thousands separators ("35,000"), anything else as Vega-Lite formats it."""
    if not metric:
        return None
    if is_share(metric):
        return "~%"
    if metric_text(1234.5, metric) == "1,235":  # a count (followers, n_*)
        # typed: Vega gives a type-less "," a precision of its own, and 20,000 read "2e+4"
        return ",~f"
    return None


def components(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Each measured score component (bar) against the benchmark of the creator's tier (black tick), one row each, the
    components that give the most points first; the row title says which direction scores better (the page lists the
    components not measured). Each row has its own axis in its metric's format: a share in percent, as ``explain``
    shows it; the tooltip shows the value and the tier median as ``explain`` does
    (:func:`~tribescope.score._spec.metric_text`). No title: the page's card heading names the chart."""
    vals = [
        {
            **r,
            "component": f"{r['component']} ({r['direction']} is better)"
            if r.get("direction") in ("higher", "lower")
            else r["component"],
            "value_text": metric_text(r.get("value"), r.get("metric") or ""),
            "benchmark_text": metric_text(r.get("benchmark"), r.get("metric") or ""),
        }
        for r in rows
        if r.get("value") is not None
    ]
    # the components that give the most points first, as a marketer reads the score
    vals.sort(key=lambda v: -(v.get("contribution") or 0.0))
    tooltip = [
        {"field": "component"},
        {"field": "metric"},
        {"field": "value_text", "title": "value"},
        {"field": "benchmark_text", "title": "tier median"},
        # as explain and the score table show a component's score (and its label conditions compare it): 49.60, not 50
        {"field": "score", "title": "score 0-100", "format": f".{SCORE_DIGITS}f"},
        {"field": "contribution", "title": "points", "format": ".2f"},
    ]
    rows_spec = []
    for v in vals:
        fmt = _axis_format(v.get("metric") or "")
        # about five ticks, overlapping labels dropped: 360 px hold no more ("0.000.01" ran together)
        axis: dict[str, Any] = {"tickCount": 5, "labelOverlap": True}
        if fmt:
            axis["format"] = fmt
        y = {"field": "component", "type": "nominal", "title": None, "axis": {"labelLimit": 280}}
        layers: list[dict[str, Any]] = [
            {
                "mark": {"type": "bar", "color": "#1b9e77"},
                "encoding": {
                    "y": y,
                    "x": {"field": "value", "type": "quantitative", "title": None, "axis": axis},
                    "tooltip": tooltip,
                },
            }
        ]
        if v.get("benchmark") is not None:  # no tier (no follower count), no median: a tick of nothing warned
            layers.append(
                {
                    "mark": {"type": "tick", "color": "black", "thickness": 2},
                    "encoding": {"y": y, "x": {"field": "benchmark", "type": "quantitative"}},
                }
            )
        rows_spec.append(
            {
                "transform": [{"filter": {"field": "component", "equal": v["component"]}}],
                "width": 360,
                "height": 16,
                "layer": layers,
            }
        )
    return {
        "$schema": SCHEMA,
        "data": {"values": vals},
        "vconcat": rows_spec,
        "spacing": 8,
        "config": {"view": {"stroke": None}},
    }


def _counted_sponsored(p: dict[str, Any]) -> bool:
    """Whether a post is marked sponsored: as the score counts it (``in_score``) when known, else as
    ``tribescope posts`` classifies it, else by the platform's paid-partnership flag."""
    if p.get("in_score") is not None:
        return bool(p["in_score"])
    s = p.get("sponsored")
    return s in ("disclosed", "likely") or (s is None and bool(p.get("is_paid_partnership")))


#: The mark of a post whose likes are unknown (the export has no like count): it has no engagement to plot.
LIKES_UNKNOWN = "likes unknown"


def engagement_over_time(posts: list[dict[str, Any]]) -> dict[str, Any]:
    """Likes + comments per post over time; sponsored posts marked. Each post's ``engagement`` and ``comments`` are
    the metrics' (:func:`tribescope.metrics.post_engagement`, as the dashboard's data layer gives them: comments are
    the platform's count, else the comment rows under the post). A post whose likes are unknown has no engagement:
    it is drawn as a hollow grey triangle on the time axis (:data:`LIKES_UNKNOWN`), never left out unseen."""
    vals = [
        {
            "created_at": p.get("created_at"),
            "engagement": p.get("engagement"),
            "likes": p.get("likes"),
            "comments": p.get("comments", p.get("comments_count")),
            "post_id": p.get("post_id"),
            "kind": (
                LIKES_UNKNOWN
                if p.get("engagement") is None
                else "sponsored"
                if _counted_sponsored(p)
                else "organic"
            ),
        }
        for p in posts
        if p.get("created_at")
    ]
    x = {"field": "created_at", "type": "temporal", "title": None}
    y = {"field": "engagement", "type": "quantitative", "title": "likes + comments"}
    known = {"filter": "datum.engagement != null"}
    color = {
        "field": "kind",
        "type": "nominal",
        "title": None,
        "scale": {
            "domain": ["organic", "sponsored", LIKES_UNKNOWN],
            "range": ["#1b9e77", "#d95f02", "#888888"],
        },
    }
    tooltip = [
        {"field": "post_id"},
        {"field": "created_at", "type": "temporal"},
        {"field": "likes", "format": ","},
        {"field": "comments", "format": ","},
    ]
    layer: list[dict[str, Any]] = [
        {
            "transform": [known],
            "mark": {"type": "line", "color": "#999999", "interpolate": "monotone"},
            "encoding": {"x": x, "y": y},
        },
        {
            "transform": [known],
            "mark": {"type": "point", "filled": True, "size": 60},
            "encoding": {"x": x, "y": y, "color": color, "tooltip": tooltip},
        },
    ]
    if any(v["engagement"] is None for v in vals):
        layer.append(
            {
                "transform": [{"filter": "datum.engagement == null"}],
                "mark": {"type": "point", "shape": "triangle-up", "filled": False, "size": 70},
                "encoding": {"x": x, "y": {"datum": 0}, "color": color, "tooltip": tooltip},
            }
        )
    return _base("Engagement per post over time", vals, height=220, layer=layer)


def comment_quality(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Share of the creator's comments in each quality class."""
    return _base(
        "Comment quality mix",
        rows,
        height=160,
        mark="bar",
        transform=[
            {"joinaggregate": [{"op": "sum", "field": "n", "as": "total"}]},
            {"calculate": "datum.n / datum.total", "as": "share"},
        ],
        encoding={
            "y": {"field": "quality", "type": "nominal", "sort": "-x", "title": None},
            "x": {
                "field": "share",
                "type": "quantitative",
                "title": "share of comments",
                "axis": {"format": "%"},
            },
            "color": {"field": "quality", "type": "nominal", "legend": None},
            "tooltip": [
                {"field": "quality"},
                {"field": "n", "format": ","},
                {"field": "share", "format": ".0%"},
            ],
        },
    )


def network(data: dict[str, Any]) -> dict[str, Any]:
    """Follower-conversation network: who replies to whom under the creator's posts."""
    return {
        "$schema": SCHEMA,
        "title": "Who talks to whom in the comments",
        "width": "container",
        "height": 320,
        "config": {"view": {"stroke": None}},
        "layer": [
            {
                "data": {"values": data["links"]},
                "mark": {"type": "rule", "opacity": 0.35},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", "axis": None},
                    "y": {"field": "y", "type": "quantitative", "axis": None},
                    "x2": {"field": "x2"},
                    "y2": {"field": "y2"},
                    "color": {
                        "field": "between_followers",
                        "type": "nominal",
                        "scale": {"domain": [True, False], "range": ["#1b9e77", "#bbbbbb"]},
                        "title": "follower ↔ follower",
                    },
                    "strokeWidth": {
                        "field": "w",
                        "type": "quantitative",
                        "legend": None,
                        "scale": {"range": [0.5, 4]},
                    },
                },
            },
            {
                "data": {"values": data["nodes"]},
                "mark": {"type": "circle", "opacity": 0.9},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", "axis": None},
                    "y": {"field": "y", "type": "quantitative", "axis": None},
                    "size": {
                        "field": "degree",
                        "type": "quantitative",
                        "legend": None,
                        "scale": {"range": [20, 400]},
                    },
                    "color": {
                        "field": "role",
                        "type": "nominal",
                        "scale": {"domain": ["creator", "follower"], "range": ["#d95f02", "#7570b3"]},
                    },
                    "tooltip": [{"field": "name"}, {"field": "degree", "title": "replies"}],
                },
            },
        ],
        "resolve": {"scale": {"color": "independent"}},
    }


def authenticity(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Commenters by authenticity category (share of audience when given, else account counts)."""
    if rows and "share" in rows[0]:
        return _base(
            "Audience authenticity (commenters with a profile)",
            rows,
            height=120,
            mark="bar",
            encoding={
                "y": {"field": "category", "type": "nominal", "title": None, "sort": None},
                "x": {
                    "field": "share",
                    "type": "quantitative",
                    "title": "share of audience",
                    "axis": {"format": "%"},
                    "scale": {"domain": [0, 1]},
                },
                "color": {
                    "field": "category",
                    "type": "nominal",
                    "legend": None,
                    "scale": {
                        "domain": ["real", "mass follower", "suspicious"],
                        "range": ["#1b9e77", "#7570b3", "#e7298a"],
                    },
                },
                "tooltip": [{"field": "category"}, {"field": "share", "format": ".1%"}, {"field": "n"}],
            },
        )
    return _base(
        "Audience authenticity (commenters)",
        rows,
        height=140,
        mark="bar",
        encoding={
            "y": {"field": "category", "type": "nominal", "sort": "-x", "title": None},
            "x": {"field": "n", "type": "quantitative", "title": "accounts"},
            "tooltip": [{"field": "category"}, {"field": "n", "format": ","}],
        },
    )


def sponsored_vs_organic(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Median engagement of sponsored and organic posts: each median over the posts whose likes are known
    (``posts_with_likes``, which the tooltip gives beside ``posts``)."""
    return _base(
        "Sponsored vs organic posts",
        rows,
        height=100,
        mark="bar",
        encoding={
            "y": {"field": "kind", "type": "nominal", "title": None},
            "x": {"field": "median_engagement", "type": "quantitative", "title": "median likes + comments"},
            "color": {
                "field": "kind",
                "type": "nominal",
                "legend": None,
                "scale": {"domain": ["organic", "sponsored"], "range": ["#1b9e77", "#d95f02"]},
            },
            "tooltip": [
                {"field": "kind"},
                {"field": "posts"},
                {"field": "posts_with_likes", "title": "posts with likes (the medians' base)"},
                {"field": "median_engagement", "format": ",.0f"},
                {"field": "median_er", "title": "median ER", "format": ".2%"},
            ],
        },
    )


def _pick(cols: list[str], *names: str) -> str | None:
    for n in names:
        if n in cols:
            return n
    return None


def niche_map(creators: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Niche groups and their leaders: one dot per creator in its group's column, higher = stronger
    leader (the niche module's leader score), size = engaged audience; leaders and bridges marked."""
    if not creators or "group" not in creators[0]:
        return None
    vals = [
        {
            **{
                k: c.get(k)
                for k in (
                    "username",
                    "creator_id",
                    "platform",
                    "group",
                    "group_label",
                    "leader_score",
                    "audience",
                    "leader_rank",
                )
            },
            "role": "leader" if c.get("is_leader") else ("bridge" if c.get("is_bridge") else "member"),
        }
        for c in creators
    ]
    return _base(
        "Niche groups and their leaders",
        vals,
        height=360,
        mark={"type": "point", "filled": True, "opacity": 0.8},
        encoding={
            "x": {"field": "group", "type": "ordinal", "title": "niche group"},
            "xOffset": {"field": "creator_id", "type": "nominal", "legend": None},
            "y": {"field": "leader_score", "type": "quantitative", "title": "leader score"},
            "size": {
                "field": "audience",
                "type": "quantitative",
                "scale": {"range": [20, 600]},
                "title": "audience",
            },
            "color": {"field": "group", "type": "nominal", "legend": None},
            "shape": {
                "field": "role",
                "type": "nominal",
                "scale": {
                    "domain": ["leader", "bridge", "member"],
                    "range": ["diamond", "triangle-up", "circle"],
                },
            },
            "tooltip": [
                {"field": "username"},
                {"field": "platform"},
                {"field": "group_label", "title": "topics"},
                {"field": "role"},
                {"field": "leader_rank"},
                {"field": "audience", "format": ","},
            ],
        },
    )


#: Colour of a label (or label group) outside the known ones, e.g. ``unscored`` before ``tribescope score``.
NEUTRAL = "#bbbbbb"
#: Shown for a row without a label.
NO_LABEL = "not scored"
GROUP_COLORS = {"domain": ["community", "broadcast", "other"], "range": ["#1b9e77", "#d95f02", "#999999"]}


def _scale(known: dict[str, list[str]], values: list[Any]) -> dict[str, list[str]]:
    """``known`` extended with every other value present, each in the neutral colour: Vega-Lite leaves a
    mark whose value is outside an explicit domain without a colour, so it would silently disappear."""
    extra = sorted({str(v) for v in values} - set(known["domain"]))
    return {"domain": [*known["domain"], *extra], "range": [*known["range"], *([NEUTRAL] * len(extra))]}


def campaign_roi(rows: list[dict[str, Any]], columns: list[str]) -> dict[str, Any] | None:
    """ROI per creator (or campaign), coloured by label; every row is drawn (a missing or unknown label
    in a neutral colour)."""
    roi = _pick(columns, "roi", "roas", "ROI")
    who = _pick(columns, "handle", "creator", "creator_id", "campaign", "campaign_id")
    if roi is None or who is None:
        return None
    label = _pick(columns, "label")
    # one bar per row: a creator in two campaigns (or one handle on two platforms) is two bars named by what tells
    # them apart — one name for both stacked their ROIs into one bar (-0.71 and -1.00 drawn as -1.71)
    bar = "roi_bar"
    names = [str(r.get(who)) for r in rows]
    for part in ("campaign_id", "creator_platform", "platform"):
        if len(set(names)) == len(names):
            break
        if part in columns and part != who and len({r.get(part) for r in rows}) > 1:
            names = [f"{n} · {r.get(part)}" for n, r in zip(names, rows, strict=True)]
    enc: dict[str, Any] = {
        "y": {"field": bar, "type": "nominal", "sort": "-x", "title": None},
        # never summed: bars of one name (rows nothing above tells apart) are drawn over each other, not stacked
        "x": {"field": roi, "type": "quantitative", "stack": None},
        "tooltip": [{"field": who}, {"field": roi, "format": ".2f"}],
    }
    if "campaign_id" in columns and who != "campaign_id":
        enc["tooltip"].insert(1, {"field": "campaign_id", "title": "campaign"})
    vals = [{**r, bar: n} for r, n in zip(rows, names, strict=True)]
    if label:
        vals = [{**r, label: label_text(r.get(label)) or NO_LABEL} for r in vals]
        enc["color"] = {
            "field": label,
            "type": "nominal",
            "scale": _scale(LABEL_COLORS, [r[label] for r in vals]),
        }
        enc["tooltip"].append({"field": label})
    return _base(f"{roi.upper()} per {who}", vals, height={"step": 14}, mark="bar", encoding=enc)


def campaign_comparison(labels: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Community vs broadcast: pooled ROI per label group with the report's 95 % bootstrap interval;
    every group is drawn (groups other than community / broadcast / other in a neutral colour)."""
    if not labels or "roi" not in labels[0]:
        return None
    g = "group" if "group" in labels[0] else "label_group"
    # a group that is a label (``insufficient_data``) by the name every view gives it ("too little data")
    vals = [{**r, g: (label_text(r[g]) if r.get(g) in LABEL_NAMES else r.get(g)) or NO_LABEL} for r in labels]
    y = {"field": g, "type": "nominal", "title": None}
    layer: list[dict[str, Any]] = []
    if "roi_lo" in labels[0]:
        layer.append(
            {
                "mark": {"type": "rule", "strokeWidth": 2},
                "encoding": {
                    "y": y,
                    "x": {"field": "roi_lo", "type": "quantitative"},
                    "x2": {"field": "roi_hi"},
                },
            }
        )
    layer.append(
        {
            "mark": {"type": "point", "filled": True, "size": 120},
            "encoding": {
                "y": y,
                "x": {"field": "roi", "type": "quantitative", "title": "ROI (pooled, 95 % CI)"},
                "color": {
                    "field": g,
                    "type": "nominal",
                    "legend": None,
                    "scale": _scale(GROUP_COLORS, [r[g] for r in vals]),
                },
                "tooltip": [
                    {"field": g},
                    {"field": "roi", "format": ".2f"},
                    {"field": "roi_lo", "format": ".2f"},
                    {"field": "roi_hi", "format": ".2f"},
                ],
            },
        }
    )
    return _base("Community vs broadcast", vals, height={"step": 36}, layer=layer)
