"""The read layer shared by the REST API, the dashboard and the static report.

It only selects, filters, joins and counts what the library has already computed (the
``creator_scores`` table of :mod:`tribescope.score`, the niche / brand / campaign tables) or what
was imported (posts, comments). No metric is defined here: when a section's backing module has not
run yet, the section says so (``Section.missing``) instead of computing a substitute.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import math
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from tribescope.errors import TribescopeError
from tribescope.score._spec import FIRST_COLUMNS, insufficient_out_of_order, label_key, label_value
from tribescope.store import Workspace

__all__ = [
    "CORE_COLUMNS",
    "MAX_EXPORT_ROWS",
    "MAX_PAGE_SIZE",
    "CreatorQuery",
    "InvalidQuery",
    "Page",
    "ScoreChanges",
    "Section",
    "brands",
    "campaign_labels",
    "campaigns",
    "clear_cache",
    "creator_detail",
    "jsonable",
    "list_creators",
    "lookalikes",
    "niche_creators",
    "niches",
    "overlap",
    "plan",
    "ranked_out_of_order",
    "score_changes",
    "scrub",
    "workspace_summary",
]

log = logging.getLogger("tribescope.web")

#: Largest page a client may ask for in one JSON request.
MAX_PAGE_SIZE = 500
#: Largest CSV export (rows); the response says when it was cut.
MAX_EXPORT_ROWS = 100_000
#: Comments shown on a creator page / in the report.
COMMENTS_SAMPLE = 50
#: Nodes drawn in a follower-conversation network picture.
NETWORK_NODES = 120

SCORE_TABLE = "creator_scores"
CORE_COLUMNS = FIRST_COLUMNS
#: Columns a niche filter matches, in order of preference (whichever the niche module wrote).
NICHE_COLUMNS = ("niche", "niche_group", "niche_label", "niche_category")
#: Derived tables each section may read, by preference; the first one present is used.
TABLES: dict[str, tuple[str, ...]] = {
    "niches": ("niche_groups",),
    "brands": ("brands",),
    "campaigns": ("campaign_report",),
    "comment_quality": ("comment_features", "comment_quality", "comments_scored"),
    "account_quality": ("account_authenticity", "account_features", "accounts_scored"),
    "post_sponsorship": ("post_sponsorship", "posts_sponsored", "sponsored_posts"),
}
NOT_SCORED = "not computed yet — run `tribescope score`"


class InvalidQuery(TribescopeError):
    """A filter or sort the data cannot answer (e.g. sorting by a column that does not exist)."""


@dataclass
class Section:
    """One block of a page: data, or the reason there is none."""

    data: Any = None
    missing: str | None = None

    @property
    def ok(self) -> bool:
        return self.missing is None


@dataclass
class Page:
    total: int
    page: int
    page_size: int
    rows: list[dict[str, Any]]
    columns: list[str]
    scored: bool = True
    truncated: bool = False
    #: Inputs left out of the answer, each with the reason (e.g. an unknown creator in an overlap).
    rejected: list[str] = field(default_factory=list)
    #: What a list answer says beside its rows (e.g. the overlap's unique vs shared audience and totals).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class CreatorQuery:
    """Filters, sort and page of the creator list."""

    platform: str | None = None
    tier: str | None = None
    label: str | None = None
    niche: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    q: str | None = None
    sort: str | None = None
    order: str = "desc"
    page: int = 1
    page_size: int = 50
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------- helpers


def jsonable(v: Any) -> Any:
    """Plain JSON values (NaN → null, timestamps → ISO 8601, numpy → Python)."""
    if v is None or isinstance(v, bool | str | int):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, np.generic):
        return jsonable(v.item())
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple | set | np.ndarray):
        return [jsonable(x) for x in v]
    if isinstance(v, pa.Table):
        return [jsonable(r) for r in v.to_pylist()]
    if hasattr(v, "to_dict") and hasattr(v, "columns"):  # a pandas DataFrame
        return [jsonable(r) for r in v.to_dict(orient="records")]
    if hasattr(v, "__dataclass_fields__"):
        return {k: jsonable(getattr(v, k)) for k in v.__dataclass_fields__}
    return str(v)


def _rows(expr: ibis.Table) -> list[dict[str, Any]]:
    return [jsonable(r) for r in expr.to_pyarrow().to_pylist()]


def _first_table(ws: Workspace, key: str, tables: set[str]) -> str | None:
    for name in TABLES[key]:
        if name in tables:
            return name
    return None


def _tables(ws: Workspace) -> set[str]:
    return set(ws.list_tables())


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    """``module.name`` when that part of the library is installed in this tree, else None."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    fn = getattr(mod, name, None)
    return fn if callable(fn) else None


# ---------------------------------------------------------------------------------------------- creators


def _creators_expr(ws: Workspace, tables: set[str]) -> tuple[ibis.Table, bool]:
    """The creator list: ``creator_scores`` when scored, else creators found in ``posts`` (unscored). A scored list
    also holds the creators whose posts were imported after the last ``tribescope score``, unscored (no label, no
    score: ranked last), as a list before any scoring holds them — not left out until the next score."""
    if SCORE_TABLE not in tables:
        return _unscored_expr(ws), False
    scores = ws.table(SCORE_TABLE)
    if "posts" not in tables or not {"platform", "creator_id"} <= set(scores.columns):
        return scores, True
    new = _unscored_expr(ws)
    new = new.anti_join(scores, [new.platform == scores.platform, new.creator_id == scores.creator_id])
    types = scores.schema()
    aligned = new.select(
        **{c: (new[c] if c in new.columns else ibis.null()).cast(types[c]) for c in scores.columns}
    )
    return scores.union(aligned), True


def _unscored_expr(ws: Workspace) -> ibis.Table:
    """The creators found in ``posts``, with the score's first columns empty (not scored)."""
    posts = ws.table("posts")
    per = posts.group_by(["platform", "creator_id"]).agg(posts=posts.count())
    acc = ws.table("accounts").select("platform", "account_id", "username", "followers")
    j = per.left_join(acc, [per.platform == acc.platform, per.creator_id == acc.account_id])
    expr = j.select(
        platform=per.platform,
        creator_id=per.creator_id,
        handle=ibis.coalesce(acc.username, per.creator_id),
        followers=acc.followers,
        tier=ibis.null(str),
        label=ibis.null(str),
        community_score=ibis.null(float),
        confidence=ibis.null(float),
        posts=per.posts,
    )
    return expr


def _niche_column(t: ibis.Table) -> str | None:
    for c in NICHE_COLUMNS:
        if c in t.columns:
            return c
    return None


def list_creators(ws: Workspace, q: CreatorQuery, *, export: bool = False) -> Page:
    """Filtered, sorted page of creators (``export`` returns every match up to :data:`MAX_EXPORT_ROWS`)."""
    if q.min_score is not None and q.max_score is not None and q.min_score > q.max_score:
        raise InvalidQuery(
            f"min_score {q.min_score:g} is above max_score {q.max_score:g}: no score lies between"
        )
    tables = _tables(ws)
    t, scored = _creators_expr(ws, tables)
    preds = []
    if q.platform:
        preds.append(t.platform == q.platform.lower())
    if q.tier and "tier" in t.columns:
        preds.append(
            t.tier == q.tier.strip().lower()
        )  # "Micro" as "micro", as the platform filter takes any case
    if q.label and "label" in t.columns:
        # "too little data", as every view shows it, finds insufficient_data; a label of another spec in any case
        want = label_key(label_value(q.label))
        preds.append(t.label.lower().replace("_", " ") == want)
    if q.niche:
        col = _niche_column(t)
        # "Food" as "food", as the platform, tier and label filters take any case
        want_niche = q.niche.strip().lower()
        preds.append(t[col].cast(str).lower() == want_niche if col else ibis.literal(False))
    if q.min_score is not None:
        preds.append(t.community_score >= q.min_score)
    if q.max_score is not None:
        preds.append(t.community_score <= q.max_score)
    if q.q:
        needle = q.q.strip().lstrip("@").lower()  # "@eva.kitchen" as the CLI takes a handle
        preds.append(
            t.handle.cast(str).lower().contains(needle) | t.creator_id.cast(str).lower().contains(needle)
        )
    if preds:
        t = t.filter(preds)
    if q.sort and q.sort not in t.columns:
        raise InvalidQuery(f"cannot sort by {q.sort!r}; sortable columns: {', '.join(t.columns)}")
    sort = q.sort or ("community_score" if scored else "followers")
    key = t[sort]
    if sort == "tier":  # by size (creator, nano, micro, …), not by name (creator, macro, mega, micro, …)
        key = ibis.cases(*((t.tier == name, i) for i, name in enumerate(_tier_order(t))), else_=None)
    order = [key.desc(nulls_first=False) if q.order != "asc" else key.asc(nulls_first=False)]
    # ties in a stable order (a page never repeats or skips a creator): platform, then id — those not sorted by
    # already (a key given twice is refused: "sort by platform" failed)
    order += [t[c].asc() for c in ("platform", "creator_id") if c != sort]
    ranked = q.sort is None and scored and "label" in t.columns
    extra: dict[str, Any] = {}
    if scored and "label" in t.columns:  # creators imported since the last score (no label): listed unscored
        extra["unscored"] = int(t.filter(t.label.isnull()).count().execute())
    if ranked:  # the default ranking, as `tribescope score` ranks:
        # creators with too little data to judge after the judged ones, and those not scored yet after them all
        insufficient = (t.label == "insufficient_data").fill_null(False)
        order[:0] = [t.label.isnull().asc(), insufficient.asc()]
        # with the count (one scan): the lowest judged score, ranked before every "too little data" row whatever
        # page it is on — a page of only such rows is out of order against it (see :func:`ranked_out_of_order`)
        got = t.aggregate(n=t.count(), low=t.community_score.min(where=~insufficient)).execute()
        total, low = int(got["n"].iloc[0]), got["low"].iloc[0]
        extra["lowest_judged_score"] = jsonable(low)
    else:
        total = int(t.count().execute())
    cols = list(t.columns)
    t = t.order_by(order)
    limit, offset = (MAX_EXPORT_ROWS, 0) if export else (q.page_size, (q.page - 1) * q.page_size)
    rows = _rows(t.limit(limit, offset=offset)) if offset < total else []
    if export:
        return Page(total, 1, len(rows), rows, cols, scored, truncated=total > MAX_EXPORT_ROWS, extra=extra)
    return Page(total, q.page, q.page_size, rows, cols, scored, extra=extra)


def ranked_out_of_order(page: Page) -> bool:
    """Whether a page of the default ranking (:func:`list_creators` without a sort) shows a "too little data" row
    above a lower score — on this page, or on an earlier one: every judged creator is ranked before every such row,
    so page 2 of "too little data" rows at 73 follows judged ones at 23 on page 1 — and so needs
    :data:`~tribescope.score._spec.INSUFFICIENT_LAST_NOTE` beside it."""
    if "lowest_judged_score" not in page.extra:
        return False
    return insufficient_out_of_order([{"community_score": page.extra["lowest_judged_score"]}, *page.rows])


def facets(ws: Workspace) -> dict[str, list[str]]:
    """Distinct values for the leaderboard filters."""
    tables = _tables(ws)
    t, _ = _creators_expr(ws, tables)
    out: dict[str, list[str]] = {}
    cols = ["platform", "tier", "label"]
    nc = _niche_column(t)
    if nc:
        cols.append(nc)
    for c in cols:
        if c in t.columns:
            vals = (
                t.select(v=t[c].cast(str))
                .distinct()
                .order_by("v")
                .limit(200)
                .to_pyarrow()
                .column("v")
                .to_pylist()
            )
            vals = [v for v in vals if v is not None]
            if c == "tier":  # by size, as the sort by tier
                rank = {name: i for i, name in enumerate(_tier_order(t))}
                vals.sort(key=lambda v: (rank.get(v, len(rank)), v))
            out["niche" if c == nc else c] = vals
    return out


def _tier_order(t: ibis.Table | None = None) -> list[str]:
    """The tiers, smallest first (``creator``, ``nano``, ``micro``, ``mid``, …): those of the creators ``t`` lists
    first, ordered by their fewest followers — tiers are follower ranges, so that is the order of their bounds in the
    spec that scored them, whatever it names them (``score --spec``: ``small``, ``big``) — then the packaged spec's
    others."""
    seen: list[str] = []
    if t is not None and {"tier", "followers"} <= set(t.columns):
        got = t.filter(t.tier.notnull()).group_by("tier").agg(lo=t.followers.min())
        seen = [str(r["tier"]) for r in _rows(got.order_by([got.lo.asc(nulls_first=False), got.tier]))]
    return seen + [n for n in _default_tier_order() if n not in seen]


def _default_tier_order() -> list[str]:
    """The tiers of the default score spec, smallest first."""
    load_spec = _optional("tribescope.score", "load_spec")
    if load_spec is None:
        return []
    try:
        return [name for name, _ in sorted(load_spec().tiers, key=lambda x: x[1])]
    except Exception:  # a broken spec must not take the page down; the score command reports it
        log.warning("cannot read the score spec", exc_info=True)
        return []


# ---------------------------------------------------------------------------------------------- one creator


def _find_creator(ws: Workspace, platform: str, creator_id: str) -> tuple[dict[str, Any] | None, bool]:
    """The creator's row of the list and whether it is scored; a creator whose posts were imported after the last
    ``tribescope score`` is found in ``posts``, not scored (as before any scoring) — not "no such creator"."""
    tables = _tables(ws)
    scored = SCORE_TABLE in tables
    t = ws.table(SCORE_TABLE) if scored else _unscored_expr(ws)
    rows = _rows(t.filter([t.platform == platform, t.creator_id == creator_id]).limit(1))
    if not rows and scored and "posts" in tables:
        t, scored = _unscored_expr(ws), False
        rows = _rows(t.filter([t.platform == platform, t.creator_id == creator_id]).limit(1))
    return (rows[0] if rows else None), scored


def resolve_creator(ws: Workspace, platform: str, creator_id: str) -> tuple[str, str] | None:
    """``(platform, creator_id)`` of the creator ``platform:creator_id`` names: the id itself (exactly: an id may hold
    any character), else as the CLI finds a creator (:func:`_by_name`); None when it names none."""
    platform = platform.strip().lower()
    if _find_creator(ws, platform, creator_id)[0] is not None:
        return platform, creator_id
    return _by_name(ws, platform, creator_id)


def _by_name(ws: Workspace, platform: str, name: str) -> tuple[str, str] | None:
    """The creator ``platform:name`` names as :func:`tribescope.niche.resolve_creators` finds one — its handle or id in
    any case, with an ``@`` (``instagram:ChefByIlse``, ``youtube:@emma.eats``); None when none (or the niche module
    is not here). A handle two creators share is an :class:`InvalidQuery` naming both."""
    resolve = _optional("tribescope.niche", "resolve_creators")
    if resolve is None or "posts" not in _tables(ws):
        return None
    from tribescope.errors import AmbiguousCreator, CreatorNotFound

    try:
        got: tuple[str, str] = resolve(ws, [f"{platform}:{name}"])[0]
    except AmbiguousCreator as exc:
        raise InvalidQuery(str(exc)) from None
    except CreatorNotFound:
        return None
    return got


def _spec_components(
    spec_hash: str | None = None, spec: Any = None
) -> list[tuple[str, str, str | None, Any]]:
    """(component name, metric column, direction, the spec's component) of ``spec`` (a loaded spec; default: the packaged one, when the
    score module is here) — and, given the ``spec_hash`` a stored score carries, only when that score was made with
    that spec (a score made with another spec may give a component another metric: its ``c_*`` columns are shown
    without one)."""
    if spec is None:
        load_spec = _optional("tribescope.score", "load_spec")
        if load_spec is None:
            return []
        try:
            spec = load_spec()
        except Exception:  # a broken spec must not take the page down; the score command reports it
            log.warning("cannot read the score spec", exc_info=True)
            return []
    if spec_hash and getattr(spec, "hash", spec_hash) != spec_hash:
        return []
    return [(c.name, c.metric, getattr(c, "direction", None), c) for c in spec.components]


def _components(ws: Workspace, row: dict[str, Any], spec: Any = None) -> Section:
    """Score components of one creator next to the median of the same tier, read from ``creator_scores``.

    Per component (as in :func:`tribescope.score.explain`): ``direction`` = whether a higher or a lower
    metric scores better, ``value`` = the metric (None: not measured), ``benchmark`` = the
    median of that metric over the creators of the same tier, ``score`` = ``c_<name>`` (0–100),
    ``weight`` = ``w_<name>``, ``contribution`` = score × weight (points of the community score), ``missing`` = why a
    component with a value has no score, as ``explain`` says it ("too little data: profiled_commenters 5 < 10
    (min_support)"; None when it has a score or no value).
    """
    pairs = [p for p in _spec_components(row.get("spec_hash"), spec) if f"c_{p[0]}" in row]
    if not pairs:  # another spec or an older table: every c_* column, without a metric
        pairs = [(k[2:], "", None, None) for k in row if k.startswith("c_")]
    if not pairs:
        return Section(missing=NOT_SCORED)
    t = ws.table(SCORE_TABLE)
    metrics = sorted({m for _, m, _, _ in pairs if m and m in t.columns})
    bench: dict[str, Any] = {}
    if row.get("tier") is not None and metrics:
        got = _rows(t.filter(t.tier == row["tier"]).aggregate(**{m: t[m].median() for m in metrics}))
        bench = got[0] if got else {}
    out: list[dict[str, Any]] = []
    raw: list[float | None] = []  # each component's points, unrounded: score × effective weight
    for name, metric, direction, comp in pairs:
        score, weight = row.get(f"c_{name}"), row.get(f"w_{name}")
        value = row.get(metric) if metric else score
        missing = None
        if comp is not None and score is None and value is not None:
            from tribescope.score._score import (
                _why_missing,
            )  # the score module is here: the spec came from it

            missing = _why_missing(comp, row, True)
        raw.append(
            float(score) * float(weight)
            if isinstance(score, float | int) and isinstance(weight, float | int)
            else None
        )
        out.append(
            {
                "component": name,
                "metric": metric or None,
                "direction": direction,
                "value": value,
                "benchmark": bench.get(metric),
                "score": score,
                "weight": weight,
                "contribution": None,
                "missing": missing,
            }
        )
    # the points add up to the score shown, split as explain splits them
    total = row.get("community_score")
    idx = [i for i, p in enumerate(raw) if p is not None]
    if isinstance(total, float | int) and total == total:
        from tribescope.score._score import split_points

        points = split_points([float(raw[i] or 0.0) for i in idx], float(total))
    else:
        points = [round(float(raw[i] or 0.0), 2) for i in idx]
    for i, p in zip(idx, points, strict=True):
        out[i]["contribution"] = p
    return Section(out)


def _classified(ws: Workspace, platform: str, post_ids: list[str]) -> dict[str, dict[str, Any]] | None:
    """``post_id`` → the sponsorship classification of :func:`tribescope.sponsored.classify_posts` (the one
    ``tribescope posts`` prints: ``disclosed`` / ``likely`` / ``no``), or None without that module."""
    classify = _optional("tribescope.sponsored", "classify_posts")
    if classify is None:
        return None
    if not post_ids:
        return {}
    got = classify(ws, platform=platform, post_ids=post_ids)
    return {
        r["post_id"]: {
            "sponsored": r.get("sponsored"),
            "sponsored_probability": r.get("sponsored_probability"),
            "disclosure": r.get("disclosure"),
        }
        for r in got.to_pylist()
    }


def _posts(
    ws: Workspace, platform: str, creator_id: str, tables: set[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The newest 500 posts (for the table and charts), and every post's engagement and sponsorship
    (for the sponsored-vs-organic split). ``sponsored`` is the classification of ``tribescope posts``
    (:func:`tribescope.sponsored.classify_posts`: disclosed / likely / no, the model included);
    ``in_score`` is whether the score's ``sponsored_share`` counts the post
    (:func:`tribescope.metrics.sponsored_posts`: disclosed, or a commercial signal in the text — the
    classifier's rules without its model)."""
    from tribescope.metrics import post_engagement
    from tribescope.metrics._brand import sponsored_posts

    p = ws.table("posts")
    p = p.filter([p.platform == platform, p.creator_id == creator_id])
    # per-post engagement as every ER of the metrics reads it (er_median, sponsored_er_ratio): comments are the
    # platform's comments_count, else the comment rows under the post; unknown (null) when likes are unknown
    p = post_engagement(p, ws.table("accounts"), ws.table("comments") if "comments" in tables else None)
    p = p.mutate(engagement=ibis.ifelse(p.likes.notnull(), p.likes + p.n_comments_post, ibis.null("int64")))
    cols = {
        "post_id": p.post_id,
        "created_at": p.created_at,
        "title": p.title,
        "caption": p.caption,
        "likes": p.likes,
        "comments_count": p.comments_count,
        "views": p.views,
        "is_paid_partnership": p.is_paid_partnership,
        "sponsor": p.sponsor,
        "url": p.url,
        "comments": p.n_comments_post,
        "engagement": p.engagement,
        "er": p.er,
    }
    expr = p.select(**cols)
    sp_rule = sponsored_posts(p)
    every = _rows(
        sp_rule.select(
            "post_id",
            "likes",
            "comments_count",
            "is_paid_partnership",
            "engagement",
            "er",
            comments=sp_rule.n_comments_post,
            in_score=sp_rule.sponsored_disclosed | sp_rule.sponsored_likely,
        ).order_by("post_id")
    )
    classes = _classified(ws, platform, [r["post_id"] for r in every])
    sp_name = _first_table(ws, "post_sponsorship", tables) if classes is None else None
    if sp_name:
        sp = ws.table(sp_name)
        if {"platform", "post_id", "sponsored"} <= set(sp.columns):
            sp = sp.filter(sp.platform == platform).select(
                sp_post_id=sp.post_id, sponsored=sp.sponsored.cast(str)
            )
            expr = expr.left_join(sp, expr.post_id == sp.sp_post_id).drop("sp_post_id")
    rows = _rows(expr.order_by(ibis.desc("created_at")).limit(500))
    counted = {r["post_id"]: r["in_score"] for r in every}
    for r in rows:
        r["in_score"] = counted.get(r["post_id"])
    if classes is not None:
        for r in [*rows, *every]:
            r.update(classes.get(r["post_id"], {"sponsored": None}))
    elif sp_name:
        got = {r["post_id"]: r.get("sponsored") for r in rows}
        for r in every:
            r["sponsored"] = got.get(r["post_id"])
    return rows, every


def _creator_comments(ws: Workspace, platform: str, creator_id: str) -> ir.Table:
    """The comments under the creator's posts with ``by_creator``: written by one of the creator's own accounts
    (:func:`tribescope.metrics.own_account`, the score's rule — its id, or an account whose handle is the creator's:
    its replies under a numeric id were a follower's, and their links "between two followers")."""
    from tribescope.metrics._base import creator_posts_with_handle, with_own_author

    p = ws.table("posts")
    mine = p.filter([p.platform == platform, p.creator_id == creator_id])
    accounts = ws.table("accounts")
    cp = creator_posts_with_handle(mine, accounts)
    c = ws.table("comments")
    c = c.filter(c.platform == platform)
    c = c.inner_join(cp, [c.platform == cp._pp, c.post_id == cp._pid])
    c, own = with_own_author(c.drop("_pp", "_pid", "post_created_at"), mine, accounts)
    return c.mutate(by_creator=own).drop(*[x for x in ("_creator_handle", "_oa_handle") if x in c.columns])


def _comments(
    ws: Workspace, platform: str, creator_id: str, tables: set[str]
) -> tuple[list[dict[str, Any]], Section]:
    """A sample of the newest comments, and the quality mix when comment features were computed."""
    c = _creator_comments(ws, platform, creator_id)
    sample = (
        c.select(
            comment_id=c.comment_id,
            post_id=c.post_id,
            author_id=c.author_id,
            author_name=c.author_name,
            created_at=c.created_at,
            text=c.text,
            likes=c.likes,
            is_reply=c.parent_comment_id.notnull(),
            by_creator=c.by_creator,
        )
        .order_by([ibis.desc("created_at"), "comment_id"])
        .limit(COMMENTS_SAMPLE)
    )
    q_name = _first_table(ws, "comment_quality", tables)
    stored = None
    if q_name:
        stored = ws.table(q_name)
        if not {"comment_id", "quality"} <= set(stored.columns):
            stored = None
        elif "platform" in stored.columns:
            stored = stored.filter(stored.platform == platform)
        if stored is not None and int(
            c.anti_join(stored, c.comment_id == stored.comment_id).count().execute()
        ):
            # comments imported since the score have no stored quality: the mix of them all from the rules below,
            # not of the scored ones alone (a new creator's page said "no comments" beside its comments)
            stored = None
    mix = Section(missing="comment quality not available (the features module is not installed)")
    features = _optional("tribescope.features", "comment_features")
    if stored is None and features is not None:
        # the library's rule features of each comment, named by the first class that applies
        f = features(c.select("platform", "comment_id", "post_id", "text"))
        f = f.select(
            fid=f.comment_id,
            quality=ibis.cases(
                (f.is_empty, "empty"),
                (f.is_link_spam, "link spam"),
                (f.is_emoji_only, "emoji only"),
                (f.is_mention_only, "mention only"),
                (f.has_action_intent, "action intent"),
                (f.is_substantive, "substantive"),
                (f.is_generic, "generic"),
                else_="other",
            ),
        )
        j = c.inner_join(f, c.comment_id == f.fid)
        mix = Section(_rows(j.group_by("quality").agg(n=j.count()).order_by([ibis.desc("n"), "quality"])))
        sample = sample.left_join(f, sample.comment_id == f.fid).drop("fid")
        sample = sample.order_by([ibis.desc("created_at"), "comment_id"])
    if stored is not None:
        f = stored
        j = c.inner_join(f.select(fid=f.comment_id, quality=f.quality), c.comment_id == f.comment_id)
        mix = Section(_rows(j.group_by("quality").agg(n=j.count()).order_by(ibis.desc("n"))))
        fq = f.select(fcid=f.comment_id, quality=f.quality)
        sample = sample.left_join(fq, sample.comment_id == fq.fcid).drop("fcid")
        sample = sample.order_by([ibis.desc("created_at"), "comment_id"])
    return _rows(sample), mix


def _network(ws: Workspace, platform: str, creator_id: str) -> Section:
    """Who replies to whom under the creator's posts (reply edges between comment authors).

    Edges are counted in the engine; only the ``NETWORK_NODES`` busiest accounts are drawn, laid out
    server-side by :func:`tribescope.web._layout.spring_layout`.
    """
    from tribescope.web._layout import spring_layout

    c = _creator_comments(ws, platform, creator_id)
    child = c.select(cid=c.comment_id, parent=c.parent_comment_id, src=c.author_id).filter(
        lambda t: t.parent.notnull() & t.src.notnull()
    )
    par = c.select(pcid=c.comment_id, dst=c.author_id)
    e = child.inner_join(par, child.parent == par.pcid).filter(lambda t: t.dst.notnull() & (t.src != t.dst))
    edges = e.group_by(["src", "dst"]).agg(w=e.count()).to_pyarrow().to_pylist()
    if not edges:
        return Section(missing="no replies between accounts under this creator's posts")
    mine = c.filter(c.by_creator & c.author_id.notnull()).select("author_id").distinct()
    own = {creator_id, *mine.to_pyarrow()["author_id"].to_pylist()}
    deg: dict[str, int] = {}
    for r in edges:
        deg[r["src"]] = deg.get(r["src"], 0) + r["w"]
        deg[r["dst"]] = deg.get(r["dst"], 0) + r["w"]
    keep = sorted(deg, key=lambda k: (-deg[k], k))[:NETWORK_NODES]
    idx = {k: i for i, k in enumerate(keep)}
    pairs = [(idx[r["src"]], idx[r["dst"]], r["w"]) for r in edges if r["src"] in idx and r["dst"] in idx]
    pos = spring_layout(len(keep), [(a, b) for a, b, _ in pairs])
    names = dict(_name_lookup(ws, platform, keep))
    nodes = [
        {
            "id": k,
            "name": names.get(k) or k,
            "x": float(pos[i][0]),
            "y": float(pos[i][1]),
            "degree": deg[k],
            "role": "creator" if k in own else "follower",
        }
        for k, i in idx.items()
    ]
    links = [
        {
            "x": float(pos[a][0]),
            "y": float(pos[a][1]),
            "x2": float(pos[b][0]),
            "y2": float(pos[b][1]),
            "w": w,
            "between_followers": keep[a] not in own and keep[b] not in own,
        }
        for a, b, w in pairs
    ]
    n_ff = sum(1 for x in links if x["between_followers"])
    return Section(
        {
            "nodes": nodes,
            "links": links,
            "accounts": len(deg),
            "shown": len(keep),
            "follower_links": n_ff,
            "links_total": len(links),
        }
    )


def _name_lookup(ws: Workspace, platform: str, ids: list[str]) -> Iterable[tuple[str, str]]:
    a = ws.table("accounts")
    got = a.filter([a.platform == platform, a.account_id.isin(ids)]).select("account_id", "username")
    return [(r["account_id"], r["username"]) for r in got.to_pyarrow().to_pylist()]


#: Audience shares written by the score into ``creator_scores`` (HypeAuditor-style categories).
AUDIENCE_SHARES = (
    ("real", "audience_real_share"),
    ("mass follower", "audience_mass_follower_share"),
    ("suspicious", "audience_suspicious_share"),
)


def _authenticity(
    ws: Workspace, platform: str, creator_id: str, tables: set[str], row: dict[str, Any] | None = None
) -> Section:
    """Commenters by account category: a per-account table when one was computed, else the audience
    shares the score wrote for this creator (share of commenters with a profile in each category)."""
    name = _first_table(ws, "account_quality", tables)
    if not name and row is not None and any(row.get(col) is not None for _, col in AUDIENCE_SHARES):
        n = row.get("audience_profiles")
        out = [
            {
                "category": cat,
                "share": row.get(col),
                "n": round(row[col] * n) if n and row.get(col) is not None else None,
            }
            for cat, col in AUDIENCE_SHARES
            if row.get(col) is not None
        ]
        return Section(out)
    if not name and row is not None and "audience_profiles" in row:  # scored: no commenter could be judged
        return Section(
            missing="no commenter of this creator has a profile to judge (follower and following counts): "
            "exports of comments rarely carry them; import the commenters' accounts to measure it"
        )
    if not name:
        return Section(missing="audience authenticity not computed yet — run `tribescope score`")
    f = ws.table(name)
    cat = next((c for c in ("category", "audience_category", "account_category") if c in f.columns), None)
    if cat is None or "account_id" not in f.columns:
        return Section(missing=f"table {name} has no account category column")
    p = ws.table("posts")
    pids = p.filter([p.platform == platform, p.creator_id == creator_id]).select(pid=p.post_id)
    c = ws.table("comments")
    c = c.filter(c.platform == platform).inner_join(pids, c.post_id == pids.pid)
    authors = c.select(aid=c.author_id).distinct()
    f = f.filter(f.platform == platform) if "platform" in f.columns else f
    j = authors.inner_join(f.select(fid=f.account_id, category=f[cat].cast(str)), authors.aid == f.account_id)
    rows = _rows(j.group_by("category").agg(n=j.count()).order_by(ibis.desc("n")))
    return (
        Section(rows)
        if rows
        else Section(missing="no commenter of this creator has an authenticity category")
    )


def _median(values: list[Any]) -> float | None:
    known = [float(v) for v in values if v is not None]
    return float(np.median(known)) if known else None


def _sponsored_vs_organic(posts: list[dict[str, Any]]) -> Section:
    """Posts, median engagement (likes + comments) and median ER split as the score's ``sponsored_share`` counts
    them (``in_score``: disclosed, or a promo code / affiliate link in the text), so the chart and the score's
    component agree. Per post, engagement and ER are the metrics' (:func:`tribescope.metrics.post_engagement`, the
    ER ``sponsored_er_ratio`` compares): comments are the platform's count, else the comment rows under the post,
    and a post whose likes are unknown has none (it counts in ``posts``, not in the medians). ``tribescope posts``
    (the Posts table's column) also runs the sponsorship model, which may rate some of the organic posts
    ``likely``; the note says how many. Without ``in_score`` (rows from elsewhere) the classification, else the
    platform's paid-partnership flag, decides."""
    if not posts:
        return Section(missing="no posts")
    groups: dict[str, list[dict[str, Any]]] = {}
    model_only = 0
    for p in posts:
        s = p.get("sponsored")
        if "in_score" in p:
            kind = "sponsored" if p["in_score"] else "organic"
            model_only += not p["in_score"] and s in ("disclosed", "likely")
        elif "sponsored" in p:
            kind = "sponsored" if s in ("disclosed", "likely") else "organic"
        else:
            kind = "sponsored" if p.get("is_paid_partnership") else "organic"
        groups.setdefault(kind, []).append(p)
    if any("in_score" in p for p in posts):
        by = "disclosed, or a promo code or affiliate link in the text, as the score's sponsored share counts them"
        if model_only:
            by += (
                f"; the sponsorship model rates {model_only} of the organic posts likely sponsored too"
                " (the Posts table's 'likely'), which the score does not count"
            )
    elif any("sponsored" in p for p in posts):
        by = "disclosed or likely sponsored, as tribescope posts classifies them"
    else:
        by = "platform paid-partnership flag only (the sponsorship classifier is not installed)"
    return Section(
        [
            {
                "kind": k,
                "posts": len(v),
                "posts_with_likes": sum(p.get("engagement") is not None for p in v),
                "median_engagement": _median([p.get("engagement") for p in v]),
                "median_er": _median([p.get("er") for p in v]),
                "by": by,
            }
            for k, v in sorted(groups.items())
        ]
    )


_EXPLAIN_CACHE: dict[tuple[Any, ...], dict[str, Any]] = {}


def _cache_key(ws: Workspace, *key: Any) -> tuple[Any, ...]:
    """The key of an answer cached for ``ws``: its path, and the server's generation of the data the request sees
    (:attr:`Store.generation <tribescope.web._store.Store.generation>`, read before its snapshot began), so that a
    request that began before an import or re-score finished, and ends after, never leaves its answer for later
    requests (:func:`clear_cache` ran before it stored it)."""
    return (str(ws.path), getattr(ws, "generation", 0), *key)


_EXPLAIN_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget cached explanations and results (called when an import or re-score finishes)."""
    with _EXPLAIN_LOCK:
        _EXPLAIN_CACHE.clear()
        _RESULTS.clear()


def _explain_cached(
    ws: Workspace, explain: Callable[..., Any], platform: str, creator_id: str, spec: Any = None
) -> dict[str, Any] | None:
    """``explain`` recomputes the metric frame, so its answer is kept (per workspace, platform, creator id and
    spec) until the workspace changes. The creator is named as ``PLATFORM:ID``, as the CLI takes
    it: a bare id would find the first creator with that handle on any platform. An answer about
    another creator is neither cached nor returned (None). ``spec``: a loaded spec (``report --spec``), else
    the packaged one."""
    key = _cache_key(ws, platform, creator_id, getattr(spec, "hash", None))
    with _EXPLAIN_LOCK:
        hit = _EXPLAIN_CACHE.get(key)
    if hit is not None:
        return hit
    who = f"{platform}:{creator_id}"
    got = explain(ws, who) if spec is None else explain(ws, who, spec)
    got = got if isinstance(got, dict) else {"explanation": got}
    if got.get("platform", platform) != platform or got.get("creator_id", creator_id) != creator_id:
        log.warning("explain(%s:%s) answered for another creator", platform, creator_id)
        return None
    with _EXPLAIN_LOCK:
        if len(_EXPLAIN_CACHE) > 2000:
            _EXPLAIN_CACHE.clear()
        _EXPLAIN_CACHE[key] = got
    return got


#: Why a creator's evidence is not shown: it was not asked for (the page links to it; the report says
#: how many creators have it).
EVIDENCE_NOT_COMPUTED = "evidence not computed (it recomputes the metrics: a few seconds)"


def _evidence(got: dict[str, Any]) -> dict[str, Any]:
    """The part of :func:`tribescope.score.explain` the creator page and the report show as "Evidence": its
    ``evidence``, ``benchmark`` and ``spec``, the ``er_ratio`` the benchmark line names, and ``names``: the handle of
    each account the evidence quotes (a YouTube channel id, ``UCga6hh6…``, says nothing to a reader, and the replies
    it shows address people by handle), which ``explain`` itself looks up (``names``), as the CLI prints them; and its
    ``warnings`` (the stored score was made with another spec, or the workspace changed since), as the CLI prints
    them above the explanation."""
    out = {k: v for k, v in got.items() if k in ("evidence", "benchmark", "spec")}
    out["warnings"] = [str(w) for w in got.get("warnings") or []]
    metrics = got.get("metrics")
    out["er_ratio"] = metrics.get("er_ratio") if isinstance(metrics, dict) else None
    raw = got.get("evidence")
    ev = {
        k: list((raw or {}).get(k) or [])
        for k in ("conversations", "returning_commenters", "sponsored_posts", "suspicious_signals")
    }
    out["evidence"] = ev
    out.setdefault("benchmark", None)
    out.setdefault("spec", None)
    out["names"] = dict(got.get("names") or {})  # explain names each quoted account (its handle, else its id)
    return out


def _stale(ws: Workspace, platform: str, creator_id: str, row: dict[str, Any]) -> str | None:
    """What changed since the stored score of this creator, from the counts it was computed on (``n_posts``,
    ``n_comments``): "12 posts and 812 comments then, 12 and 1,112 now", and from its follower count (the tier, the
    ER and the reach its score reads): "followers 39,900 then, 250,000 now"; with those the same, from the fingerprint
    the score kept of the rest of its data (:data:`EDITED_TEXT`: a post's new likes, an edited comment); None when
    nothing changed (or the score table has no counts and the workspace no fingerprints)."""
    changes = []
    n_posts, n_comments = row.get("n_posts"), row.get("n_comments")
    if n_posts is not None and n_comments is not None:
        then = (int(n_posts), int(n_comments))
        p = ws.table("posts")
        mine = p.filter([p.platform == platform, p.creator_id == creator_id])
        c = ws.table("comments")
        c = c.filter(c.platform == platform).semi_join(mine, c.post_id == mine.post_id)
        now = (int(mine.count().execute()), int(c.count().execute()))
        if now != then:
            changes.append(f"{then[0]:,} posts and {then[1]:,} comments then, {now[0]:,} and {now[1]:,} now")
    acc = ws.table("accounts")
    profile = _rows(acc.filter([acc.platform == platform, acc.account_id == creator_id]).select("followers"))
    if profile and "followers" in row and profile[0]["followers"] != row["followers"]:
        changes.append(
            f"followers {_count_text(row['followers'])} then, {_count_text(profile[0]['followers'])} now"
        )
    if not changes and _changed_since_scored(ws, (platform, creator_id)):
        # the same counts and followers: what else its score read
        changes.append(
            "likes, views, comment texts, profiles or linked spaces (the same posts, comments and followers)"
        )
    if not changes:
        return None
    return (
        f"the data changed since the score: {'; '.join(changes)} — run `tribescope score` to score it again"
    )


def _count_text(v: Any) -> str:
    return "unknown" if v is None else f"{int(v):,}"


@dataclass
class ScoreChanges:
    """What changed since the stored scores (``tribescope status`` and ``tribescope report`` say it): creators
    found in ``posts`` with no score (imported after the score), and scored creators whose posts or comments now
    number otherwise than the counts their score was computed on (``n_posts``, ``n_comments``; as the creator page's
    note, :func:`_stale`, compares them)."""

    unscored: int = 0
    changed: int = 0
    #: scored creators whose follower count (their ``accounts`` row) is not the one their score read
    followers: int = 0
    #: scored creators whose counts and followers are the same but other data their score reads changed: a post's
    #: likes or views, a comment's text or likes, a commenter's profile, a linked space (the fingerprints the score
    #: kept: :func:`~tribescope.score._cache.changed_since_scored`; DuckDB workspaces scored since they are kept)
    edited: int = 0

    def text(self) -> str:
        """``1 creator was imported (not scored yet) and the posts or comments of 2 scored creators changed`` (""
        when nothing changed)."""
        parts = []
        if self.unscored:
            n = self.unscored
            parts.append(
                f"{n:,} creator{'s' if n != 1 else ''} {'were' if n != 1 else 'was'} imported (not scored yet)"
            )
        if self.changed:
            n = self.changed
            parts.append(f"the posts or comments of {n:,} scored creator{'s' if n != 1 else ''} changed")
        if self.followers:
            n = self.followers
            parts.append(f"the follower count of {n:,} scored creator{'s' if n != 1 else ''} changed")
        if self.edited:
            n = self.edited
            parts.append(
                f"{EDITED_TEXT} of {n:,} {'more ' if parts else ''}scored creator{'s' if n != 1 else ''} changed"
            )
        return " and ".join(parts)


#: what :attr:`ScoreChanges.edited` and the creator page's note name as changed
EDITED_TEXT = "other data (likes, views, comment texts, profiles or linked spaces)"


def stored_specs(ws: Workspace) -> list[str]:
    """The score specs the stored scores were made with, as ``tribescope score`` titles them: ``1.2.0, d1906c16171c``
    (version, and the hash that tells an edited copy whose version was not bumped); ``[]`` when nothing is scored."""
    if SCORE_TABLE not in _tables(ws):
        return []
    t = ws.table(SCORE_TABLE)
    cols = [c for c in ("spec_version", "spec_hash") if c in t.columns]
    if "spec_version" not in cols:
        return []
    rows = _rows(t.select(*cols).distinct())
    return sorted(", ".join(str(r[c]) for c in cols if r.get(c) is not None) for r in rows)


def score_changes(ws: Workspace) -> ScoreChanges:
    """:class:`ScoreChanges` of the workspace, counted in the engine (nothing when it has no scores or no posts)."""
    tables = _tables(ws)
    if SCORE_TABLE not in tables or "posts" not in tables:
        return ScoreChanges()
    s = ws.table(SCORE_TABLE)
    if not {"platform", "creator_id"} <= set(s.columns):
        return ScoreChanges()
    p = ws.table("posts")
    now = p.group_by(["platform", "creator_id"]).agg(np_now=p.count())
    if "comments" in tables:
        c = ws.table("comments")
        owner = p.select(o_platform=p.platform, o_post=p.post_id, o_creator=p.creator_id).distinct()
        cj = c.inner_join(owner, [c.platform == owner.o_platform, c.post_id == owner.o_post])
        per = cj.group_by(c_platform=cj.o_platform, c_creator=cj.o_creator).agg(nc_now=cj.count())
    else:
        per = None
    unscored = now.anti_join(s, [now.platform == s.platform, now.creator_id == s.creator_id]).count()
    changed: set[tuple[str, str]] = set()
    if {"n_posts", "n_comments"} <= set(s.columns):
        j = s.left_join(now, [s.platform == now.platform, s.creator_id == now.creator_id])
        j = j.select(
            platform=j.platform,
            creator_id=j.creator_id,
            n_posts=j.n_posts,
            n_comments=j.n_comments,
            np_now=j.np_now,
        )
        if per is not None:
            j = j.left_join(per, [j.platform == per.c_platform, j.creator_id == per.c_creator])
            nc_now = j.nc_now.fill_null(0)
        else:
            nc_now = ibis.literal(0)
        differs = (j.n_posts.cast("int64") != j.np_now.fill_null(0)) | (j.n_comments.cast("int64") != nc_now)
        changed = _key_set(j.filter(j.n_posts.notnull() & j.n_comments.notnull() & differs))
    followers: set[tuple[str, str]] = set()
    if "followers" in s.columns and "accounts" in tables:
        a = ws.table("accounts")
        a = a.select(a_platform=a.platform, a_id=a.account_id, a_followers=a.followers)
        fj = s.inner_join(a, [s.platform == a.a_platform, s.creator_id == a.a_id])
        followers = _key_set(fj.filter(~fj.followers.cast("int64").identical_to(fj.a_followers)))
    edited = _changed_since_scored(ws) or set()
    return ScoreChanges(
        unscored=int(unscored.execute()),
        changed=len(changed),
        followers=len(followers),
        edited=len(edited - changed - followers),
    )


def _key_set(t: ir.Table) -> set[tuple[str, str]]:
    """The ``(platform, creator_id)`` of the rows of ``t`` (a few: creators whose data changed)."""
    got = t.select("platform", "creator_id").to_pyarrow()
    return set(zip(got["platform"].to_pylist(), got["creator_id"].to_pylist(), strict=True))


def _changed_since_scored(
    ws: Workspace, creator: tuple[str, str] | None = None
) -> set[tuple[str, str]] | None:
    """:func:`~tribescope.score._cache.changed_since_scored` when the score is part of this tree (else None: the counts
    alone tell)."""
    changed = _optional("tribescope.score._cache", "changed_since_scored")
    return None if changed is None else changed(ws, creator)


def creator_detail(
    ws: Workspace, platform: str, creator_id: str, *, evidence: bool = False, spec: Any = None
) -> dict[str, Any] | None:
    """Everything the creator page shows; None when the creator is unknown.

    ``evidence`` also runs :func:`tribescope.score.explain` (example threads, returning commenters,
    sponsored posts, suspicious signals). It recomputes the metrics, so it is opt-in; once computed it
    is kept until an import or re-score from the dashboard finishes. ``spec`` (a loaded spec) is the one the
    evidence and the components are read with, as ``tribescope score --spec`` made the stored score (default: the
    packaged spec).
    """
    platform = platform.strip().lower()
    row, scored = _find_creator(ws, platform, creator_id)
    if row is None:  # its handle in any case names it too, as on the CLI
        key = _by_name(ws, platform, creator_id)
        if key is None:
            return None
        platform, creator_id = key
        row, scored = _find_creator(ws, platform, creator_id)
    if row is None:
        return None
    tables = _tables(ws)
    acc = ws.table("accounts")
    prof = _rows(acc.filter([acc.platform == platform, acc.account_id == creator_id]).limit(1))
    explain_section = Section(missing=NOT_SCORED)
    explain = _optional("tribescope.score", "explain")
    if scored and explain is not None:
        key = _cache_key(ws, platform, creator_id, getattr(spec, "hash", None))
        with _EXPLAIN_LOCK:
            got: dict[str, Any] | None = _EXPLAIN_CACHE.get(key)
        explain_section = Section(missing=EVIDENCE_NOT_COMPUTED)
        if got is None and evidence:
            try:
                got = _explain_cached(ws, explain, platform, creator_id, spec)
                if got is None:
                    explain_section = Section(
                        missing="explanation not available (the score found another creator)"
                    )
            except Exception as exc:  # explain failing must not take the page down
                log.warning("explain(%s:%s) failed", platform, creator_id, exc_info=exc)
                explain_section = Section(missing=f"explanation not available ({type(exc).__name__})")
        if got is not None:
            explain_section = Section(_evidence(got))
    posts, every_post = _posts(ws, platform, creator_id, tables)
    comments, quality = _comments(ws, platform, creator_id, tables)
    return {
        "stale": _stale(ws, platform, creator_id, row) if scored else None,
        "creator": row,
        "profile": prof[0] if prof else {},
        "scored": scored,
        "components": _components(ws, row, spec) if scored else Section(missing=NOT_SCORED),
        "explain": explain_section,
        "posts": posts,
        "post_count": len(every_post),  # every post of the creator (``posts`` holds the newest 500)
        "comments": comments,
        "comment_quality": quality,
        "network": _network(ws, platform, creator_id),
        "authenticity": _authenticity(ws, platform, creator_id, tables, row),
        "sponsored": _sponsored_vs_organic(every_post),
    }


# ---------------------------------------------------------------------------------------------- other lists


def _paged(table: Any, page: int, page_size: int, export: bool) -> Page:
    rows = jsonable(table)
    cols = list(table.column_names) if isinstance(table, pa.Table) else (list(rows[0]) if rows else [])
    total = len(rows)
    if export:
        return Page(
            total,
            1,
            min(total, MAX_EXPORT_ROWS),
            rows[:MAX_EXPORT_ROWS],
            cols,
            truncated=total > MAX_EXPORT_ROWS,
        )
    start = (page - 1) * page_size
    return Page(total, page, page_size, rows[start : start + page_size], cols)


def _table_page(ws: Workspace, key: str, page: int, page_size: int, export: bool) -> Section | None:
    """A stored derived table, paged in the engine; None when no such table is in the workspace."""
    name = _first_table(ws, key, _tables(ws))
    if name is None:
        return None
    t = ws.table(name)
    total = int(t.count().execute())
    if export:
        rows = _rows(t.limit(MAX_EXPORT_ROWS))
        return Section(Page(total, 1, len(rows), rows, list(t.columns), truncated=total > MAX_EXPORT_ROWS))
    rows = _rows(t.limit(page_size, offset=(page - 1) * page_size))
    return Section(Page(total, page, page_size, rows, list(t.columns)))


_RESULTS: dict[tuple[Any, ...], Any] = {}


def _computed(ws: Workspace, key: tuple[Any, ...], fn: Callable[[], Any]) -> Any:
    """Results the library computes on demand (niche groups, campaign report, plans), kept until an
    import or re-score from the dashboard finishes (:func:`clear_cache`)."""
    k = _cache_key(ws, *key)
    with _EXPLAIN_LOCK:
        if k in _RESULTS:
            return _RESULTS[k]
    got = fn()
    with _EXPLAIN_LOCK:
        if len(_RESULTS) > 200:
            _RESULTS.clear()
        _RESULTS[k] = got
    return got


_ABS_PATH = re.compile(r"""(?<![\w.~-])(?:[A-Za-z]:\\|/)(?:[^\s/\\'"`;,)]+[/\\])+[^\s/\\'"`;,)]*""")


def scrub(message: str, path: Any = None) -> str:
    """``message`` without server paths: the workspace's path becomes "this workspace", any other
    absolute path ``<path>`` (a library refusal may name files; an answer must not)."""
    if path is not None:
        p = Path(path)
        for form in sorted({str(p.resolve()), str(p.absolute()), str(p)}, key=len, reverse=True):
            # "in workspace /srv/brand.duckdb" reads "in this workspace", not "in workspace this workspace"
            message = re.sub(rf"(?:\bworkspace )?{re.escape(form)}", "this workspace", message)
    return _ABS_PATH.sub("<path>", message)


def _library_call(ws: Workspace, key: tuple[Any, ...], fn: Callable[[], Any], what: str) -> Section:
    """Run (or reuse) a library computation; its own refusals (TribescopeError) become the reason,
    without server paths."""
    try:
        return Section(_computed(ws, key, fn))
    except TribescopeError as exc:
        return Section(missing=scrub(f"{what}: {exc}", ws.path))


def niche_result(ws: Workspace) -> Section:
    """:func:`tribescope.niche.niche_groups` (groups, their creators, leaders and bridges)."""
    fn = _optional("tribescope.niche", "niche_groups")
    if fn is None:
        return Section(missing="niches are not available (the niche module is not installed)")
    if not _tables(ws) & {"posts"} or int(ws.table("posts").count().execute()) == 0:
        return Section(missing="no posts imported yet")
    return _library_call(ws, ("niches",), lambda: fn(ws), "niche groups not computed")


def niches(ws: Workspace, page: int = 1, page_size: int = 50, export: bool = False) -> Section:
    """Niche groups: their label (top topics), size, audience, leaders and bridges."""
    stored = _table_page(ws, "niches", page, page_size, export)
    if stored is not None:
        return stored
    res = niche_result(ws)
    return Section(_paged(res.data.groups, page, page_size, export)) if res.ok else res


def niche_creators(ws: Workspace, page: int = 1, page_size: int = 50, export: bool = False) -> Section:
    """Each creator's niche group, leader rank and bridge role: group by group (as the groups are listed), each
    group's creators as its leaders are ranked (``leader_rank`` 1 first, as the group's ``leaders`` names them)."""
    res = niche_result(ws)
    if not res.ok:
        return res
    t = res.data.creators
    keys = [k for k in ("group", "leader_rank", "platform", "creator_id") if k in t.column_names]
    return Section(_paged(t.sort_by([(k, "ascending") for k in keys]), page, page_size, export))


def brands(ws: Workspace, page: int = 1, page_size: int = 50, export: bool = False) -> Section:
    """Brand profiles stored by ``tribescope brand add``."""
    stored = _table_page(ws, "brands", page, page_size, export)
    return (
        stored
        if stored is not None
        else Section(missing="no brand profiles yet — run `tribescope brand add`")
    )


def campaign_result(ws: Workspace) -> Section:
    """:func:`tribescope.campaigns.campaign_report` (per creator, per label group, per campaign), called
    as ``tribescope campaign report`` calls it (default ``n_boot`` and ``seed``, the stored brands' terms),
    so the dashboard, the API, the report and the CLI give the same intervals."""
    fn = _optional("tribescope.campaigns", "campaign_report")
    if fn is None:
        return Section(missing="campaigns are not available (the campaigns module is not installed)")
    if "campaign_plan" not in _tables(ws):
        return Section(missing="no campaign imported yet — run `tribescope campaign import FOLDER`")
    return _library_call(
        ws, ("campaigns",), lambda: fn(ws, brand_terms=_brand_terms(ws)), "campaign report not available"
    )


def _brand_terms(ws: Workspace) -> list[str]:
    """The words that mark campaign posts, as ``tribescope campaign report`` takes them when no
    ``--brand-term`` is given: every stored brand profile's terms, as the :class:`~tribescope.brand._text.BrandTerms`
    :func:`~tribescope.brand._text.stored_brand_terms` returns — passed on as it is, never copied into a plain list,
    which would drop its ``by_brand`` and let one stored brand's words mark another brand's campaign posts."""
    stored = _optional("tribescope.brand._text", "stored_brand_terms")
    return [] if stored is None else stored(ws)  # type: ignore[no-any-return]


def _with_notes(ws: Workspace, page: Page, report: Any) -> Section:
    """``page`` with the campaign report's notes in ``extra["notes"]`` (without server paths): what ``tribescope
    campaign report`` prints under its tables — fees and orders in several currencies added as written, plan rows
    naming no creator of the workspace, orders awaiting payment or outside a row's window, clicks no row won — which
    the dashboard, the e-mailed report and the API showed the figures without."""
    page.extra = {
        **page.extra,
        "notes": [scrub(str(n), ws.path) for n in getattr(report, "notes", None) or []],
    }
    return Section(page)


def campaigns(ws: Workspace, page: int = 1, page_size: int = 50, export: bool = False) -> Section:
    """Campaign ROI per creator (with 95 % bootstrap intervals), from the campaign report."""
    stored = _table_page(ws, "campaigns", page, page_size, export)
    if stored is not None:
        return stored
    res = campaign_result(ws)
    return _with_notes(ws, _paged(res.data.creators, page, page_size, export), res.data) if res.ok else res


def with_stored_handles(ws: Workspace, sec: Section) -> Section:
    """The campaign rows of ``sec`` (:func:`campaigns`) with each creator of the workspace named by its stored handle,
    as the leaderboard names it, for a page to show: the campaign report keeps the plan file's spelling ("MaxGadget"
    for the stored "maxgadget"), which the API and its CSV give as ``tribescope campaign report`` does. A creator
    the workspace does not know keeps the plan's spelling. Two small queries, not one per row."""
    if not sec.ok:
        return sec
    got: Page = sec.data
    if "handle" not in got.columns or not {"creator_platform", "creator_id"} <= set(got.columns):
        return sec
    named = _stored_creators(ws, ((r.get("creator_platform"), r.get("creator_id")) for r in got.rows))
    rows = []
    for r in got.rows:
        known = named.get((str(r.get("creator_platform")), str(r.get("creator_id"))), {})
        rows.append({**r, "handle": known.get("handle") or r.get("handle")})
    return Section(
        Page(
            got.total, got.page, got.page_size, rows, got.columns, got.scored, got.truncated, extra=got.extra
        )
    )


def campaign_labels(ws: Workspace, page: int = 1, page_size: int = 50, export: bool = False) -> Section:
    """Community vs broadcast: pooled ROI per label group with its interval."""
    res = campaign_result(ws)
    return _with_notes(ws, _paged(res.data.labels, page, page_size, export), res.data) if res.ok else res


def _as_page(obj: Any) -> Page:
    if isinstance(obj, pa.Table):
        return _paged(obj, 1, max(obj.num_rows, 1), True)
    rows = jsonable(obj)
    if isinstance(rows, dict):
        rows = [rows]
    rows = [r if isinstance(r, dict) else {"value": r} for r in (rows or [])]
    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    return Page(len(rows), 1, len(rows), rows, cols)


def overlap(ws: Workspace, creators: list[str]) -> Section:
    """Audience overlap of the given creators (``platform:creator_id``), from :mod:`tribescope.niche`: the
    pairs (:func:`~tribescope.niche.overlap`) as rows, and in ``extra`` the list's unique vs shared audience
    per creator and its totals (:func:`~tribescope.niche.overlap_list`, what ``tribescope overlap`` prints).

    A key that names no creator of the workspace is left out and listed in the page's ``rejected``
    (with the reason); fewer than two creators left is an :class:`InvalidQuery` naming the rejected keys.
    """
    fn = _optional("tribescope.niche", "overlap")
    if fn is None:
        return Section(missing="audience overlap is not available (the niche module is not installed)")
    keys: list[tuple[str, str]] = []
    rejected: list[str] = []
    for c in creators:
        plat, sep, cid = c.partition(":")
        if not sep or not plat or not cid:
            rejected.append(f"{c!r}: not of the form platform:creator_id")
            continue
        key = resolve_creator(ws, plat, cid) or (plat.strip().lower(), cid)  # unknown: rejected below
        if key not in keys:
            keys.append(key)
    if keys:
        from tribescope.niche._audience import creators_with_posts

        known = set(creators_with_posts(ws, keys))
        rejected += [f"{k[0]}:{k[1]!r}: no such creator in this workspace" for k in keys if k not in known]
        keys = [k for k in keys if k in known]
    if len(keys) < 2:
        kept = ", ".join(f"{p}:{c}" for p, c in keys) or "none"
        raise InvalidQuery(
            f"audience overlap needs at least two different known creators; known: {kept}; "
            f"rejected: {'; '.join(rejected) or 'none'}"
        )
    # each creator by its handle too, after its id, as `tribescope overlap` prints them (a channel id says nothing)
    named = _stored_creators(ws, keys)

    def handle(p: Any, c: Any) -> Any:
        return (named.get((str(p), str(c))) or {}).get("handle")

    pairs: pa.Table = fn(ws, keys)
    for side in ("a", "b"):
        if {f"{side}_platform", f"{side}_id"} <= set(pairs.column_names):
            col = [
                handle(p, c)
                for p, c in zip(
                    pairs.column(f"{side}_platform").to_pylist(),
                    pairs.column(f"{side}_id").to_pylist(),
                    strict=True,
                )
            ]
            at = pairs.column_names.index(f"{side}_id") + 1
            pairs = pairs.add_column(at, f"{side}_handle", pa.array(col, pa.string()))
    page = _as_page(pairs)
    page.rejected = rejected
    per_list = _optional("tribescope.niche", "overlap_list")
    if per_list is not None:
        per, totals = per_list(ws, keys)
        audience = [{**r, "handle": handle(r.get("platform"), r.get("creator_id"))} for r in per.to_pylist()]
        page.extra = {"audience": audience, "totals": {k: int(v) for k, v in totals.items()}}
    return Section(page)


def _stored_creators(
    ws: Workspace, keys: Iterable[tuple[Any, Any]], more: tuple[str, ...] = ()
) -> dict[tuple[str, str], dict[str, Any]]:
    """The ``handle`` (and the ``more`` columns the creator list has) of these ``(platform, creator_id)`` as the
    leaderboard shows them: the creator list's handle, else the account's stored username. One small query on the
    creator list and one on ``accounts`` (not one per creator); a creator found in neither is not in the answer."""
    keys = {(str(p), str(c)) for p, c in keys if p is not None and c is not None}
    if not keys:
        return {}
    tables = _tables(ws)
    plats, ids = sorted({p for p, _ in keys}), sorted({c for _, c in keys})
    named: dict[tuple[str, str], dict[str, Any]] = {}
    if "posts" in tables or SCORE_TABLE in tables:
        t, _ = _creators_expr(ws, tables)
        t = t.filter(t.platform.isin(plats) & t.creator_id.isin(ids))
        cols = ["platform", "creator_id", "handle", *(c for c in more if c in t.columns)]
        named = {k: r for r in _rows(t.select(*cols)) if (k := (r["platform"], r["creator_id"])) in keys}
    if "accounts" in tables:
        acc = ws.table("accounts")
        acc = acc.filter(acc.platform.isin(plats) & acc.account_id.isin(ids))
        for r in _rows(acc.select("platform", "account_id", "username")):
            k = (r["platform"], r["account_id"])
            if k in keys and r["username"] and not (named.get(k) or {}).get("handle"):
                named.setdefault(k, {})["handle"] = r["username"]
    return named


#: Lookalikes a page or an API answer lists at most (``tribescope similar --n``).
MAX_LOOKALIKES = 100


def lookalikes(ws: Workspace, platform: str, creator_id: str, n: int = 10) -> Section:
    """:func:`tribescope.niche.similar`, as ``tribescope similar PLATFORM:ID --n N`` prints it: the ``n`` creators
    most like this one (``similarity`` = 0.4 topic + 0.3 audience + 0.3 profile) with the ``reasons``, each named by
    its handle and with its community score and label when scored. Unknown creator: an :class:`InvalidQuery`."""
    fn = _optional("tribescope.niche", "similar")
    if fn is None:
        return Section(missing="lookalikes are not available (the niche module is not installed)")
    platform = platform.strip().lower()
    row, _ = _find_creator(ws, platform, creator_id)
    if row is None:  # its handle in any case names it too, as on the CLI
        key = _by_name(ws, platform, creator_id)
        if key is None:
            raise InvalidQuery(f"no creator {platform}:{creator_id} in this workspace")
        platform, creator_id = key
        row, _ = _find_creator(ws, platform, creator_id)
    assert row is not None
    res = _library_call(
        ws, ("similar", platform, creator_id, n), lambda: fn(ws, (platform, creator_id), n=n), "no lookalikes"
    )
    if not res.ok:
        return res
    got: pa.Table = res.data
    keys = list(zip(got.column("platform").to_pylist(), got.column("creator_id").to_pylist(), strict=True))
    named = _stored_creators(ws, keys, ("followers", "community_score", "label"))
    rows = []
    for r in jsonable(got):
        extra = named.get((r["platform"], r["creator_id"]), {})
        rows.append(
            {
                "platform": r["platform"],
                "creator_id": r["creator_id"],
                "handle": extra.get("handle"),
                "followers": extra.get("followers"),
                **{k: r.get(k) for k in ("similarity", "topic", "audience", "shared_accounts", "profile")},
                "community_score": extra.get("community_score"),
                "label": extra.get("label"),
                "reasons": r.get("reasons"),
            }
        )
    cols = list(rows[0]) if rows else ["platform", "creator_id", "handle", "similarity", "reasons"]
    page = Page(len(rows), 1, max(n, 1), rows, cols)
    page.extra = {"creator": {k: row.get(k) for k in ("platform", "creator_id", "handle")}}
    return Section(page)


#: What a plan without a brand does not do (the brand is what the plan's exclusions and own accounts come from).
NO_BRAND_NOTE = (
    "no brand chosen: no creator is left out by a brand's exclusions or as the brand's own account"
    " — choose a brand to apply them"
)


def plan(ws: Workspace, brand: str | None, budget: float, platform: str | None = None) -> Section:
    """:func:`plan_budget` of :mod:`tribescope.campaigns`: the picks and the rationale for each as rows, and in
    ``extra`` what ``tribescope plan`` prints under them: ``summary`` (the library's figures and, as ``text``, the
    CLI's line) and ``notes`` (budget left unspent, creators left out, creators without followers, other currencies,
    …), the library's own notes without server paths. The brand is optional: it only supplies the exclusions and the
    brand's own accounts to leave out, so a plan without one says so (:data:`NO_BRAND_NOTE`)."""
    fn = _optional("tribescope.campaigns", "plan_budget") or _optional(
        "tribescope.campaigns._plan", "plan_budget"
    )
    if fn is None:
        return Section(missing="planning is not available (the campaigns module is not installed)")
    brand = (brand or "").strip() or None
    platforms = [platform] if platform else None
    res = _library_call(
        ws,
        ("plan", brand, budget, platform),
        lambda: fn(ws, budget, brand=brand, platforms=platforms),
        "no plan",
    )
    if not res.ok:
        return res
    picks = getattr(res.data, "picks", res.data)
    page = _as_page(picks)
    summary = dict(getattr(res.data, "summary", None) or {})
    notes = [scrub(str(n), ws.path) for n in summary.pop("notes", None) or []]
    if brand is None and NO_BRAND_NOTE not in notes:
        notes.insert(0, NO_BRAND_NOTE)
    if summary:
        from tribescope.campaigns._plan import summary_text

        summary["text"] = summary_text(summary)
    page.extra = {"brand": brand, "summary": jsonable(summary), "notes": notes}
    return Section(page)


def unknown_brand(ws: Workspace, brand: str | None) -> str | None:
    """Why ``brand`` (a plan's, optional) names no stored brand profile (the known ones, how to add it); ``None`` when
    it does, or none is given."""
    brand = (brand or "").strip()
    if not brand:
        return None
    get = _optional("tribescope.brand", "get_brand")
    if get is None:
        return None
    try:
        get(ws, brand)
    except TribescopeError as exc:
        return scrub(str(exc), ws.path)
    return None


def mark_scored(ws: Workspace, sec: Section) -> Section:
    """``sec`` with its page's ``scored`` saying whether the workspace holds scores (``creator_scores``): a list other
    than the creators' (lookalikes, overlap, plan, niches, campaigns) said ``scored: true`` (the default) on a
    workspace never scored, beside its empty ``community_score`` and ``label``."""
    if sec.ok:
        sec.data.scored = SCORE_TABLE in _tables(ws)
    return sec


def has_posts(ws: Workspace) -> bool:
    """Whether any post was imported (an empty workspace says "nothing imported yet")."""
    return "posts" in _tables(ws) and int(ws.table("posts").limit(1).count().execute()) > 0


def workspace_summary(ws: Workspace) -> dict[str, Any]:
    """Row counts per table (canonical and derived); not the internal ones (``_score_cache_*``, ``_…_state``: a name
    starting with an underscore), which are the score's bookkeeping, not data."""
    out: dict[str, Any] = {}
    for name in sorted(_tables(ws)):
        if name.startswith("_"):
            continue
        out[name] = int(ws.table(name).count().execute())
    return out


def to_json(obj: Any) -> str:
    """JSON text safe to embed inside a ``<script type="application/json">`` element."""
    text = json.dumps(jsonable(obj), ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
