"""Community-influence score, label and confidence per creator, and the evidence behind them."""

from __future__ import annotations

import contextlib
import functools
import math
import operator
import os
import threading
from collections.abc import Callable, Collection, Mapping
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from tribescope._gc import fewer_collections
from tribescope.errors import CreatorNotFound
from tribescope.features._rules import blank_text
from tribescope.graph import commenter_graph_stats
from tribescope.metrics import KEY, sentiment_mean, sponsored_posts, threads, ties
from tribescope.metrics._base import (
    creator_not_found,
    creator_posts_with_handle,
    memtable_with,
    name_key,
    own_handles_rows,
    split_creator_name,
    with_own_author,
)
from tribescope.score._cache import SCORE_MEMORY, Scope, ScoreRun, code_version, creators_tables, key_table
from tribescope.score._spec import (
    FIRST_COLUMNS,
    MODEL_COLUMNS,
    OPTIONAL_TABLES,
    SCORE_DIGITS,
    Component,
    Spec,
    load_spec,
)
from tribescope.score._spec import check_columns as _check_columns
from tribescope.store._workspace import require_workspace

__all__ = [
    "FIRST_COLUMNS",
    "OPTIONAL_TABLES",
    "CreatorNotFound",
    "MetricLane",
    "explain",
    "register_metric_family",
    "score_creators",
    "score_frame",
]


MetricFamily = Callable[[Any], "pa.Table | ir.Table | None"]
_FAMILIES: dict[str, MetricFamily] = {}


def register_metric_family(name: str, fn: MetricFamily) -> None:
    """Add a per-creator metric family: ``fn(workspace)`` returns a table keyed by (platform, creator_id)
    (Arrow or Ibis) or ``None``; its columns can then be named by spec components and label rules."""
    _FAMILIES[name] = fn


# ------------------------------------------------------------------------------------------ transforms
def _logistic(x: np.ndarray, center: float, scale: float) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return 1.0 / (1.0 + np.exp(-(x - center) / scale))


def _transform(comp: Component, x: pd.Series, tiers: pd.Series, min_group: int) -> pd.Series:
    tr = comp.transform
    kind = tr["kind"]
    v = pd.to_numeric(x, errors="coerce").astype("float64")
    if kind == "logistic":
        s = _logistic(v.to_numpy(), float(tr.get("center", 0.0)), float(tr.get("scale", 1.0)))
    elif kind == "log_logistic":
        with np.errstate(divide="ignore", invalid="ignore"):
            lv = np.log10(v.where(v > 0).to_numpy())
        s = _logistic(lv, float(tr.get("center", 0.0)), float(tr.get("scale", 1.0)))
    elif kind == "ratio_logistic":
        with np.errstate(divide="ignore", invalid="ignore"):
            lv = np.log2(v.where(v > 0).to_numpy())
        s = _logistic(lv, float(tr.get("center", 0.0)), float(tr.get("scale", 1.0)))
        s = np.where(v.to_numpy() == 0, 0.0, s)
    else:  # percentile within tier
        size = v.groupby(tiers).transform("count")
        within = v.groupby(tiers).rank(pct=True)
        overall = v.rank(pct=True)
        s = np.where(size >= int(tr.get("min_group", min_group)), within, overall)
    out = pd.Series(np.asarray(s, dtype="float64"), index=x.index)
    out[v.isna()] = np.nan
    if comp.direction == "lower":
        out = 1.0 - out
    return out


#: a spec condition's operator as a function of (value, number): on one value (signals) or a Series (label rules)
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


def _holds(
    df: pd.DataFrame, cond: tuple[str, str, float], evidence: dict[str, tuple[str, float]] | None = None
) -> pd.Series:
    """Where ``cond`` holds: false on a missing value, and — with ``evidence`` (:attr:`Spec.label_evidence`) — where
    the condition's column lacks the support it needs."""
    col, op, num = cond
    if col not in df.columns:
        return pd.Series(False, index=df.index)
    v = pd.to_numeric(df[col], errors="coerce")
    res = _OPS[op](v, num)
    res = res.fillna(False).astype(bool)
    if evidence and col in evidence:
        support, least = evidence[col]
        n = (
            pd.to_numeric(df[support], errors="coerce")
            if support in df.columns
            else pd.Series(float("nan"), index=df.index)
        )
        res &= (n >= least).fillna(False).astype(bool)
    return res


# ------------------------------------------------------------------------------------------ assembling
def _benchmarks(df: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    bm = [spec.benchmark_er(None if pd.isna(f) else float(f)) for f in df["followers"]]
    df["er_benchmark"] = [b[1] if b else np.nan for b in bm]
    df["er_benchmark_source"] = [f"HypeAuditor 2018 {b[0]}" if b else None for b in bm]
    need = int(spec.benchmark.get("recompute_min_creators", 10**9))
    ok = df["er_median"].notna() & df["tier"].notna()
    counts = df[ok].groupby("tier")["er_median"].agg(["count", "median"])
    for tier, row in counts.iterrows():
        # a median ER of 0 (most of the tier's posts without likes or comments) is no benchmark: every ER over it was
        # an infinite ratio (engagement_vs_tier 100) and every 0 none; the published row stays
        if row["count"] >= need and row["median"] > 0:
            sel = df["tier"] == tier
            df.loc[sel, "er_benchmark"] = row["median"]
            df.loc[sel, "er_benchmark_source"] = (
                f"workspace median of tier {tier} ({int(row['count'])} creators)"
            )
    df["er_ratio"] = df["er_median"] / df["er_benchmark"]
    if "authentic_er" in df.columns:
        df["authentic_er_ratio"] = pd.to_numeric(df["authentic_er"], errors="coerce") / df["er_benchmark"]
    return df


def _not_numbers(df: pd.DataFrame) -> set[str]:
    """The columns of ``df`` that hold text or times (``tier``, ``platform``, ``first_post_at`` …): a condition or a
    component on one would compare nothing (text) or nanoseconds (times)."""
    out: set[str] = set()
    for col in df.columns:
        s = df[col]
        if (
            s.dtype == object
        ):  # text, or numbers pandas could not type (all null, decimals): look at the values
            if any(isinstance(v, str | pd.Timestamp) for v in s.dropna().head(50)):
                out.add(str(col))
        elif pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_string_dtype(s.dtype):
            out.add(str(col))
    return out


def score_frame(
    metrics: pd.DataFrame,
    spec: Spec | str | os.PathLike[str] | None = None,
    *,
    check: bool = False,
    exact: dict[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Apply the spec to a per-creator metric frame: components, score, confidence and label.

    ``check``: every column the spec names must be a column of the frame (:func:`_check_columns`; :func:`score_creators`
    and :func:`explain` check, a hand-built frame may lack columns its rules name — their conditions are false).
    ``exact``: filled with each component's unrounded score 0…1 (``c_<name>`` is rounded to 2 decimals), by
    creator (the frame's row order before sorting: a Series indexed like ``metrics``)."""
    sp = load_spec(spec)
    df = metrics.copy()
    if "tier" not in df.columns:
        df["tier"] = None
    df = _benchmarks(df, sp)
    given = set(df.columns)  # before a missing metric gets its column of nulls below
    text = _not_numbers(df) if check else set()
    min_group = int(sp.confidence.get("percentile_min_group", 20))
    wsum = pd.Series(0.0, index=df.index)
    ssum = pd.Series(0.0, index=df.index)
    core_total = sum(c.weight for c in sp.components if not c.optional)
    core_present = pd.Series(0.0, index=df.index)
    # optional components with a value that their min_support left out, with some but too little data behind it (one
    # comment, five profiled commenters): the score rests on less than it would with enough data, so their weight counts
    # against the coverage where that happens. None at all (an export that lists no commenter's profile) is a component
    # that does not apply, as a missing value is.
    short = pd.Series(0.0, index=df.index)
    used: list[Component] = []
    for comp in sp.components:
        if comp.metric not in df.columns:
            if comp.optional:
                continue
            df[comp.metric] = np.nan
        x = pd.to_numeric(df[comp.metric], errors="coerce")
        if comp.min_support is not None:
            col, n = comp.min_support
            support = (
                pd.to_numeric(df[col], errors="coerce")
                if col in df.columns
                else pd.Series(np.nan, index=df.index)
            )
            enough = support >= n
            if comp.optional:
                short += np.where(x.notna() & (support > 0) & ~enough, comp.weight, 0.0)
            x = x.where(enough)
        s = _transform(comp, x, df["tier"], min_group)
        df[f"c_{comp.name}"] = s
        if exact is not None:
            exact[comp.name] = s.copy()
        present = s.notna()
        wsum += np.where(present, comp.weight, 0.0)
        ssum += np.where(present, comp.weight * s.fillna(0.0), 0.0)
        if not comp.optional:
            core_present += np.where(present, comp.weight, 0.0)
        used.append(comp)
    # rounded before the label rules compare it: the label agrees with the score shown (49.996 is shown as 50.00 and
    # is >= 50)
    df["community_score"] = np.round(
        np.where(wsum > 0, 100.0 * ssum / wsum.where(wsum > 0, 1.0), np.nan), SCORE_DIGITS
    )
    for comp in used:
        df[f"w_{comp.name}"] = np.where(
            df[f"c_{comp.name}"].notna(), comp.weight / wsum.where(wsum > 0, np.nan), 0.0
        )
    conf = sp.confidence
    # a frame without the counts (a hand-built one) has seen nothing: 0, as a Series (pd.to_numeric of a scalar 0 is
    # no Series, and .fillna failed on it)
    none = pd.Series(0, index=df.index)
    posts = pd.to_numeric(df.get("n_posts_with_comments", none), errors="coerce").fillna(0)
    com = pd.to_numeric(df.get("n_follower_comments", none), errors="coerce").fillna(0)
    data = np.sqrt(
        np.minimum(1, posts / float(conf.get("full_posts", 6)))
        * np.minimum(1, com / float(conf.get("full_comments", 150)))
    )
    coverage = core_present / (core_total + short) if core_total > 0 else pd.Series(1.0, index=df.index)
    df["coverage"] = coverage
    df["confidence"] = np.round(data * coverage, 3)
    # the component scores as stored and shown (0–100, 2 decimals) before the label rules compare them: a condition
    # "c_follower_conversation >= 50" is on the number the score table and `explain` show (it compared 0…1)
    comp_cols = [f"c_{c.name}" for c in used]
    for c in comp_cols:
        df[c] = (100.0 * df[c]).round(2)
    if check:
        made = {f"{p}{c.name}" for c in used for p in ("c_", "w_")}
        _check_columns(given | made | {"community_score", "coverage", "confidence"}, sp, text)
    label = pd.Series(None, index=df.index, dtype="object")
    for rule in sp.labels:
        ok = pd.Series(True, index=df.index)
        if rule.all:
            for cnd in rule.all:
                ok &= _holds(df, cnd, sp.label_evidence)
        if rule.any:
            n_true = pd.Series(0, index=df.index)
            for cnd in rule.any:
                n_true += _holds(df, cnd, sp.label_evidence).astype(int)
            ok &= n_true >= rule.at_least
        label = label.where(label.notna() | ~ok, rule.label)
    df["label"] = label.fillna("broadcast_influencer")
    df["spec_version"] = sp.version
    df["spec_hash"] = sp.hash
    weight_cols = [f"w_{c.name}" for c in used]
    rest = [c for c in df.columns if c not in FIRST_COLUMNS and c not in comp_cols and c not in weight_cols]
    df = df[[*FIRST_COLUMNS, *comp_cols, *rest, *weight_cols]]
    # best score first; creators with too little data to judge (insufficient_data) after the judged ones, so a score
    # measured on a handful of comments never outranks a measured community
    df["_judged"] = df["label"] != "insufficient_data"
    df = df.sort_values(
        ["_judged", "community_score", "platform", "creator_id"],
        ascending=[False, False, True, True],
        na_position="last",
    ).drop(columns="_judged")
    return df.reset_index(drop=True)


def _sentiment_by_creator(ws: Any, sc: Scope) -> pa.Table:
    """``sentiment_mean`` per creator (:func:`tribescope.metrics.sentiment_mean`: the mean VADER compound of the
    audience comments that have a score, one without being skipped, not counted as 0), from the ``comment_features``
    table (computed in the engine, incrementally, once per text; see :func:`tribescope.authenticity.comment_scores`).

    The audience comments are those of :func:`threads` that its ``is_creator`` does not mark — the comments under the
    scope's creators' posts whose author is not one of the creator's own accounts
    (:func:`~tribescope.metrics._base.with_own_author`, the thread rows' rule): the scope's thread rows while they are
    kept (the metric lane's scope, until the lane closes), else taken from the comments and posts themselves, so that
    this stage, queued last (after the models stored ``comment_features``), does not need the thread rows.

    Every creator of a large workspace (:func:`_groups`) is computed group by group of creators, as the thread-row
    stages are: at synth l (9.96M comments) the query over every comment ran out of the score's memory cap beside the
    models' work on the other connection. A group whose rows :func:`_grouped_parts` computed from its thread rows (the
    models had stored ``comment_features`` by then) is taken from there."""
    groups = _groups(sc) if ws.backend == "duckdb" else []
    if not groups:
        return _sentiment_rows(ws, sc, cf=_scores_once(ws, sc))
    early: dict[int, pa.Table] = getattr(sc, "_sentiment_groups", None) or {}
    return pa.concat_tables(
        [
            early[i] if i in early else _sentiment_rows(ws, _group_scope(sc, keys), cf=_scores_once(ws, sc))
            for i, keys in enumerate(groups)
        ]
    )


def _scores_once(ws: Any, sc: Scope) -> ir.Table:
    """:func:`~tribescope.authenticity.comment_scores` brought up to date once per scope — its check hashes every
    comment's text (0.3–0.5 s at synth l) — for every sentiment query of its groups. Called only once the models have
    stored ``comment_features`` (the ``sentiment`` stage is queued then), so the table does not change after."""
    cf = getattr(sc, "_comment_scores", None)
    if cf is None:
        from tribescope.authenticity import comment_scores

        cf = sc._comment_scores = comment_scores(ws)  # type: ignore[attr-defined]
    return cf


def _sentiment_rows(ws: Any, sc: Scope, *, cf: ir.Table | None = None) -> pa.Table:
    """:func:`_sentiment_by_creator` of the creators of ``sc`` in one query (``cf``: the ``comment_features`` table
    of :func:`~tribescope.authenticity.comment_scores`, brought up to date here when not given)."""
    from tribescope.authenticity import comment_scores

    cf = comment_scores(ws) if cf is None else cf
    cf = cf.select(_cf_platform="platform", _cf_id="comment_id", _cf_sentiment="sentiment")
    th = getattr(sc, "_threads", None)
    if th is not None:
        # the scope's thread rows are still kept (the metric lane drops them when it closes): their audience rows are
        # these very rows — the same join and rule — without joining the comments to the posts and the own accounts
        # again (synth m: 0.67 → 0.31 CPU-s, the same means)
        aud = th.filter(~th.is_creator).select("platform", "creator_id", "comment_id", "is_empty")
    else:
        p = creator_posts_with_handle(sc.posts, sc.accounts)
        c = sc.comments.select(
            "platform", "post_id", "comment_id", "author_id", is_empty=blank_text(sc.comments.text)
        )
        j = c.inner_join(p, [c.platform == p._pp, c.post_id == p._pid])
        j, own = with_own_author(j, sc.posts, sc.accounts)
        aud = j.filter(~own).select("platform", "creator_id", "comment_id", "is_empty")
    j = aud.left_join(cf, [aud.platform == cf._cf_platform, aud.comment_id == cf._cf_id])
    per = j.group_by(list(KEY)).agg(sentiment_mean=sentiment_mean(j._cf_sentiment, j.is_empty))
    return per.to_pyarrow()


#: the per-creator metric stages, merged in this order (``reach`` first: one row per creator with posts)
_PARTS = (
    "reach",
    "engagement",
    "conversation",
    "connectedness",
    "niche",
    "brand_deals",
    "audience_quality",
    "offplatform",
    "sentiment",
    "graph",
)


#: the :func:`threads` columns the stages of :data:`_PARTS` read (the cached table keeps only these: no text)
_THREAD_COLUMNS = (
    "platform",
    "creator_id",
    "post_id",
    "post_created_at",
    "comment_id",
    "parent_comment_id",
    "author_id",
    "author_name",
    "created_at",
    "is_creator",
    "is_reply",
    "is_empty",
    "target_id",
    "is_ff_reply",
    "is_tie",
    "is_substantive",
    "is_emoji_only",
    "is_generic",
    "is_mention_only",
    "is_link_spam",
    "has_action_intent",
    "is_relevant",
)


def _thread_rows(sc: Scope, *, handles: pa.Table | None = None) -> ir.Table:
    """:func:`threads` of a scope (the :data:`_THREAD_COLUMNS`), computed once per scope and kept as a temporary
    table. ``handles``: :func:`threads`' (the creators' own-account handles a score by groups builds once for all its
    groups: :func:`_grouped_parts`)."""
    th = getattr(sc, "_threads", None)
    if th is None:
        parents = None if sc.full else sc.all_comments
        th = threads(sc.comments, sc.posts, sc.accounts, parents=parents, handles=handles)
        th = th.select(*_THREAD_COLUMNS).cache()
        sc._threads = th  # type: ignore[attr-defined]
    return th


#: the :data:`_PARTS` computed from the thread rows (:func:`_thread_rows`)
_THREAD_PARTS = ("conversation", "connectedness", "audience_quality", "offplatform", "graph")

#: comments per group of creators whose thread-row stages are computed together when a score recomputes every creator
#: of a large workspace (:func:`_groups`). Measured at synth l (9.96M comments, 2026-12-02): the thread rows of every
#: creator (~1.5 GB of temporary table) did not fit the score's memory cap beside the models' work, and each of the
#: six stages reading them read them back from temporary files: ~14 % of the score (with no cap it took 88–92 s
#: against 103–107 s). Synth m (1M comments) stays one group.
GROUP_COMMENTS = int(os.environ.get("TRIBESCOPE_GROUP_COMMENTS", "3000000"))


def _part(ws: Any, name: str, sc: Scope, *, spec: Spec, stored: threading.Event | None = None) -> pa.Table:
    """The stage ``name`` of the scope ``sc``. ``stored``: set once the models have stored ``comment_features`` (the
    :class:`MetricLane`'s), when the score computes ``sentiment``: see :func:`_grouped_parts`."""
    from tribescope.metrics import brand_deals, engagement, niche, reach

    if name == "reach":
        return reach(sc.posts, sc.accounts, spec.tiers).to_pyarrow()
    if name == "engagement":
        return engagement(sc.posts, sc.accounts, sc.comments).to_pyarrow()
    if name == "niche":
        return niche(sc.posts).to_pyarrow()
    if name == "brand_deals":
        return brand_deals(sc.posts, sc.accounts, sc.comments).to_pyarrow()
    if name == "sentiment":
        return _sentiment_by_creator(ws, sc)
    if name not in _THREAD_PARTS:
        raise ValueError(name)
    if getattr(sc, "_grouped", None) is None and ws.backend == "duckdb":
        sc._grouped = _grouped_parts(ws, sc, stored=stored)  # type: ignore[attr-defined]  # {} when one group
    grouped = getattr(sc, "_grouped", None) or {}
    if name in grouped:
        return grouped.pop(name)
    return _thread_part(name, sc, _thread_rows(sc))


def _thread_part(name: str, sc: Scope, th: ir.Table) -> pa.Table:
    """The thread-row stage ``name`` of the scope ``sc`` from its thread rows ``th``."""
    from tribescope.metrics import audience_quality, connectedness, conversation, offplatform

    if name == "conversation":
        return conversation(th, sc.posts).to_pyarrow()
    if name == "connectedness":
        return connectedness(th).to_pyarrow()
    if name == "audience_quality":
        return audience_quality(th, sc.accounts).to_pyarrow()
    if name == "offplatform":
        if sc.links is None or sc.messages is None:
            raise ValueError(name)
        off = offplatform(sc.links, sc.messages, th, sc.accounts)
        # its rows are the creators of the scope's linked spaces: without any link (every YouTube-only workspace) the
        # result is empty, and its columns come from the expression's schema — the ~0.2 s of compiling it are spared
        if not sc.links.count().to_pyarrow().as_py():
            return off.schema().to_pyarrow().empty_table()
        return off.to_pyarrow()
    if name == "graph":
        return commenter_graph_stats(th)
    raise ValueError(name)


def _groups(sc: Scope) -> list[list[tuple[str, str]]]:
    """The scope's creators in groups of about :data:`GROUP_COMMENTS` comments, when it is every creator of a
    workspace holding more comments than that (else one group: ``[]``). Creators are dealt round-robin in key order
    (thousands of creators of a large workspace balance the groups' comments), deterministically; a bound of 0 or
    less keeps every creator in one group. Worked out once per scope (the thread-row stages and ``sentiment`` read
    it)."""
    if not sc.full:
        return []
    got = getattr(sc, "_group_keys", None)
    if got is None:
        got = sc._group_keys = _creator_groups(sc)  # type: ignore[attr-defined]
    return got


def _creator_groups(sc: Scope) -> list[list[tuple[str, str]]]:
    """:func:`_groups` of a scope of every creator, computed."""
    n = int(sc.comments.count().to_pyarrow().as_py())
    k = math.ceil(n / GROUP_COMMENTS) if GROUP_COMMENTS > 0 else 1
    if k <= 1:
        return []
    p = sc.posts.filter(sc.posts.creator_id.notnull()).select(*KEY).distinct().to_pyarrow()
    keys = sorted(zip(p["platform"].to_pylist(), p["creator_id"].to_pylist(), strict=True))
    k = min(k, len(keys))
    return [keys[i::k] for i in range(k)] if k > 1 else []


def _group_scope(sc: Scope, keys: list[tuple[str, str]]) -> Scope:
    """``sc`` restricted to the creators ``keys`` (expressions, nothing materialised; a reply's parent is looked up
    among the group's comments, then among all the comments, as for an incremental scope: :func:`threads`)."""
    posts, comments, links = creators_tables(ibis.memtable(key_table(keys)), sc.posts, sc.comments, sc.links)
    return Scope(set(keys), False, posts, comments, sc.accounts, sc.all_comments, links, sc.messages)


def _grouped_parts(ws: Any, sc: Scope, *, stored: threading.Event | None = None) -> dict[str, pa.Table]:
    """Every thread-row stage this workspace has inputs for, computed group by group of creators (:func:`_groups`):
    one group's thread rows at a time are built, read by each stage and dropped, so that they fit the score's memory
    cap; the stages' rows are those of the whole scope (each stage is per creator, as incremental scoring relies
    on). ``{}`` when the scope is one group.

    Once ``stored`` is set (the models have stored ``comment_features``), each group's ``sentiment`` rows are also
    computed from its thread rows before they are dropped, and kept on ``sc`` for :func:`_sentiment_by_creator`:
    at synth l the stage then reads three of its four groups from rows already built instead of joining 2.5M
    comments to their posts and the creators' own accounts again after the last group."""
    groups = _groups(sc)
    if not groups:
        return {}
    names = [n for n in _part_names(ws, with_sentiment=False) if n in _THREAD_PARTS]
    out: dict[str, list[pa.Table]] = {n: [] for n in names}
    early: dict[int, pa.Table] = {}
    sc._sentiment_groups = early  # type: ignore[attr-defined]
    # the accounts whose handle names a creator, for every group at once (each build scans the accounts twice: at
    # synth l 4.6M of them, ~1.7 CPU-s a group)
    handles = own_handles_rows(sc.posts, sc.accounts)
    for i, keys in enumerate(groups):
        g = _group_scope(sc, keys)
        th = _thread_rows(g, handles=handles)
        try:
            for n in names:
                out[n].append(_thread_part(n, g, th))
            if stored is not None and stored.is_set():
                early[i] = _sentiment_rows(ws, g, cf=_scores_once(ws, sc))
        finally:
            th.release()
            g._threads = None  # type: ignore[attr-defined]
    return {n: pa.concat_tables(ts, promote_options="permissive") for n, ts in out.items()}


def _part_names(ws: Any, *, with_sentiment: bool) -> list[str]:
    """The :data:`_PARTS` this workspace has inputs for, in merge order."""
    has_community = ws.has_table("community_links") and ws.has_table("community_messages")
    return [
        n
        for n in _PARTS
        if not (n == "offplatform" and not has_community) and not (n == "sentiment" and not with_sentiment)
    ]


def _part_version(name: str, spec: Spec) -> str:
    return f"{code_version()}|tiers={spec.tiers}" if name == "reach" else code_version()


#: comments in a workspace up to which the :class:`MetricLane` runs with DuckDB's pool a thread smaller
#: (:func:`side_by_side_threads`)
SIDE_BY_SIDE_COMMENTS = int(os.environ.get("TRIBESCOPE_SIDE_BY_SIDE_COMMENTS", "3000000"))


def side_by_side_threads(threads: int | None, comments: int) -> int | None:
    """DuckDB's pool size while the :class:`MetricLane` runs beside the models on a workspace of ``comments``
    comments whose pool has ``threads``: one thread fewer (at least one) up to :data:`SIDE_BY_SIDE_COMMENTS`, else
    unchanged (``None``).

    A statement runs on its connection's own thread and on the pool's other threads; with two connections busy at
    once, the default pool (a thread per core) puts three threads of the engine on two cores, beside the Python of
    both sides. One fewer leaves a core per calling thread: each side's statements run on their own thread and the
    two sides are the parallelism. Measured on 2 cores (docs/perf-rounds.md, fortieth round), alternating rounds of
    the one command: the issue's 190k comments 4.29 → 4.07 s (6.80 → 6.38 CPU-s), synth m's 1M 16.1 → 14.7 s (28.2 →
    25.2 CPU-s); but a score of synth l's 10M took 108 s against 82–92 s: its statements are long and one side often
    works alone (a single thread each then leaves a core idle), so a workspace above the bound keeps the pool."""
    if threads is None or comments > SIDE_BY_SIDE_COMMENTS:
        return None
    return max(1, threads - 1)


class MetricLane:
    """The per-creator metric stages, computed on a second DuckDB connection and thread while the models run.

    ``tribescope score`` applies the models (:func:`~tribescope.score._enrich.enrich`: pods, audience
    authenticity with the comments' text features, niches) and then computes the metric stages; no metric stage
    but ``sentiment`` reads what the models write. Started before the models, the lane computes those stages
    (the thread rows first) on :meth:`Workspace.cursor` — its own connection, so its own temporary tables — while
    the models run on the workspace's connection: the engine's work and the Python of the other side overlap
    on the two cores. ``sentiment`` (the mean of the stored ``comment_features``) is queued once the models have
    stored the comments' text features (:meth:`stored`, called by ``enrich``; else by :func:`score_creators`), so it
    runs on the lane's thread rows while the niche classifier runs on the other side (on a workspace scored by
    groups of creators, each group still to come computes its rows from its own thread rows: :func:`_grouped_parts`).
    While the lane runs beside the models, DuckDB's pool is a thread smaller on a workspace of up to
    :data:`SIDE_BY_SIDE_COMMENTS` comments (:func:`side_by_side_threads`), until :meth:`models_done` or the lane
    closes. Results are those of the stages run in turn (the same
    :meth:`ScoreRun.stage`, whose rows the run's :meth:`ScoreRun.commit` writes). DuckDB only; use as a context
    manager (:meth:`close` stops the thread and closes the connection).
    """

    def __init__(
        self, ws: Any, spec: Spec | str | os.PathLike[str] | None, run: ScoreRun, *, sentiment: bool = True
    ) -> None:
        from concurrent.futures import Future, ThreadPoolExecutor

        self.spec = load_spec(spec)
        #: whether the score computes ``sentiment`` (queued by :meth:`stored`)
        self.sentiment = sentiment
        # what close() gives back, last first: the connection, DuckDB's pool (unless models_done gave it back), then the
        # GC thresholds (held for the lane's whole life, see tribescope._gc); given back at once if the lane cannot start
        with contextlib.ExitStack() as setup:
            setup.enter_context(fewer_collections())
            comments = ws.duck.execute("SELECT count(*) FROM comments").fetchone()[0]
            # the smaller pool on a stack of its own, so that models_done gives it back before the lane closes
            self._side_by_side = contextlib.ExitStack()
            setup.callback(self._side_by_side.close)
            self._side_by_side.enter_context(
                ws.engine_threads(side_by_side_threads(ws.engine_thread_count(), comments))
            )
            self._ws = ws.cursor()
            setup.callback(self._ws.close)
            self._run = run.on(self._ws)
            names = _part_names(ws, with_sentiment=False)
            self._held = setup.pop_all()
        self._futures: dict[str, Future[pa.Table]] = {}
        #: set by :meth:`stored` once ``comment_features`` is stored, when the score computes ``sentiment``
        self._features_stored = threading.Event()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="tribescope-metrics")
        for name in names:
            self.submit(name)

    def submit(self, name: str) -> None:
        """Queue the stage ``name`` (stages run one at a time, in the order queued)."""
        if name not in self._futures:
            self._futures[name] = self._pool.submit(
                self._run.stage,
                name,
                _part_version(name, self.spec),
                functools.partial(_part, self._ws, name, spec=self.spec, stored=self._features_stored),
            )

    def stored(self, table: str) -> None:
        """``enrich`` has stored ``table``: after the audience authenticity (which brings ``comment_features`` up to
        date first) the ``sentiment`` stage can run."""
        if table == "creator_audience_authenticity" and self.sentiment:
            self._features_stored.set()
            self.submit("sentiment")

    def models_done(self) -> None:
        """The models' side is done (``enrich`` returned): DuckDB's pool gets back the thread it gave up for the two
        sides (:func:`side_by_side_threads`), so the lane's stages still to run — its last ones, while the score waits
        for them — use every core instead of one. At synth m the lane's last ~0.7 s ran on one thread while the other
        core idled: six alternating pairs of ``tribescope score``, 5.62–6.24 s against 5.81–6.34 s (median −0.24 s),
        the scores identical (docs/perf-rounds.md, forty-seventh round). A statement already running keeps the
        threads it started with."""
        self._side_by_side.close()

    def __contains__(self, name: str) -> bool:
        return name in self._futures

    def result(self, name: str) -> pa.Table:
        return self._futures[name].result()

    def close(self) -> None:
        """Drop queued stages, interrupt a running one (an error on the other side), close the connection."""
        from concurrent.futures import wait

        for f in self._futures.values():
            f.cancel()
        while wait(self._futures.values(), timeout=0.05).not_done:
            self._ws.duck.interrupt()  # each statement of the running stage, until it gives up
        self._pool.shutdown(wait=True)
        for sc in self._run.built_scopes():  # the cached thread rows, dropped while their connection is open
            th = getattr(sc, "_threads", None)
            if th is not None:
                th.release()
        self._held.close()

    def __enter__(self) -> MetricLane:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _integer_columns(t: pa.Table, skip: Collection[str] = ()) -> set[str]:
    """The columns of ``t`` (but ``skip``) that hold whole numbers (counts): an Arrow integer type."""
    return {f.name for f in t.schema if pa.types.is_integer(f.type) and f.name not in skip}


def _in_utc(t: pa.Table) -> pa.Table:
    """``t`` with its timestamps without a zone marked UTC. The workspace's timestamps are instants in UTC; Spark
    (its session in UTC) returns them as UTC wall time without a zone, DuckDB with it — so the scores and ``explain``
    give ``2025-12-22T02:21:47+00:00`` on both."""
    naive = [i for i, f in enumerate(t.schema) if pa.types.is_timestamp(f.type) and f.type.tz is None]
    for i in naive:
        f = t.schema.field(i)
        t = t.set_column(i, f.name, t.column(i).cast(pa.timestamp(f.type.unit, "UTC")))
    return t


def _metric_frame(
    ws: Any,
    spec: Spec,
    *,
    with_sentiment: bool,
    run: ScoreRun | None = None,
    lane: MetricLane | None = None,
) -> tuple[pd.DataFrame, ScoreRun, set[str]]:
    """Every per-creator metric (cached per creator on a writable DuckDB workspace, see
    :mod:`tribescope.score._cache`), the optional tables and registered families, merged on :data:`KEY`.
    ``lane``: the stages it computes are taken from it (``sentiment`` is queued on it here).

    Also the names of the columns that are whole numbers (counts) in the tables merged: pandas turns an integer column
    with a missing value (a creator without an ``accounts`` row, without a linked space, …) into floats, and
    :func:`_typed` turns them back, so that the score table's types do not depend on the data."""
    run = run or ScoreRun.open(ws, write=False)
    names = _part_names(ws, with_sentiment=with_sentiment)
    if lane is not None and "sentiment" in names:
        lane.submit("sentiment")  # the models' comment_features are stored by now
    m: pd.DataFrame | None = None
    ints: set[str] = set()
    for name in names:
        if lane is not None and name in lane:
            t = lane.result(name)
        else:
            t = run.stage(name, _part_version(name, spec), functools.partial(_part, ws, name, spec=spec))
        ints |= _integer_columns(t, () if m is None else set(m.columns))
        df = _in_utc(t).to_pandas()
        m = df if m is None else m.merge(df, on=list(KEY), how="left")
    assert m is not None
    extra: list[pa.Table] = []
    for name in OPTIONAL_TABLES:
        if ws.has_table(name):
            extra.append(ws.table(name).to_pyarrow())
    for fn in _FAMILIES.values():
        t = fn(ws)
        if t is not None:
            extra.append(t if isinstance(t, pa.Table) else t.to_pyarrow())
    for t in extra:
        e = _in_utc(t).to_pandas()
        if not set(KEY) <= set(e.columns):
            continue
        e = e.drop_duplicates(list(KEY))
        dup = [c for c in e.columns if c in m.columns and c not in KEY]
        ints |= _integer_columns(t, {*dup, *KEY})
        m = m.merge(e.drop(columns=dup), on=list(KEY), how="left")
    return m, run, ints


def score_creators(
    ws: Any,
    spec: Spec | str | os.PathLike[str] | None = None,
    *,
    write: bool = True,
    sentiment: bool = True,
    run: ScoreRun | None = None,
    full: bool = False,
    lane: MetricLane | None = None,
) -> pa.Table:
    """Score every creator in the workspace; one row per (platform, creator_id), best score first (creators labelled
    ``insufficient_data`` after the others).

    Columns: :data:`FIRST_COLUMNS`, each component's score ``c_<name>`` (0–100), every metric column,
    ``er_benchmark`` (+ source), ``coverage``, ``spec_version`` and each component's effective weight
    ``w_<name>`` (0 when the component could not be computed for that creator).
    With ``write`` (DuckDB workspaces) the result is also stored as the derived table ``creator_scores``, and the
    per-creator metrics are kept so that the next score recomputes only creators whose inputs changed
    (``full`` recomputes every creator; ``run`` shares one :class:`~tribescope.score._cache.ScoreRun` with
    :func:`~tribescope.score._enrich.enrich`).
    """
    require_workspace(ws, "score_creators")
    if write:
        from tribescope.store import require_writable

        require_writable(
            ws,
            "score_creators",
            "the scores (table creator_scores) and their cache; pass write=False to only compute",
        )
    sp = load_spec(spec)
    with fewer_collections(), ws.memory_limit(SCORE_MEMORY):
        if run is None:
            run = ScoreRun.open(ws, write=write, full=full)
        m, _, ints = _metric_frame(ws, sp, with_sentiment=sentiment, run=run, lane=lane)
        df = score_frame(m, sp, check=True)
        tbl = _typed(pa.Table.from_pandas(df, preserve_index=False), ints)
        if write and ws.backend == "duckdb" and not ws.read_only:
            run.commit()
            ws.write_table("creator_scores", tbl)
            run.mark_scored()  # what status, the report and the dashboard compare the data of now with
    return tbl


def _typed(tbl: pa.Table, ints: Collection[str] = ()) -> pa.Table:
    """``tbl`` with the columns ``ints`` (counts: integers in the metric tables, see :func:`_metric_frame`) as int64
    — nullable, where pandas had made them floats with NaN for "none" (stored as DOUBLE, the API gave ``124979.0``
    followers) — and every other column that pandas left untyped (all values missing: every column of a workspace
    with no creators yet, or a text column nobody has) as text: stored untyped, DuckDB made them INTEGER and the
    report and dashboard failed comparing ``label`` with a string."""
    import pyarrow.compute as pc

    for i, f in enumerate(tbl.schema):
        if f.name in ints and not pa.types.is_int64(f.type):
            col = tbl.column(i)
            if pa.types.is_floating(f.type):
                col = pc.if_else(pc.is_nan(col), pa.scalar(None, f.type), col)
            # a safe cast: refuses a fraction or an overflow rather than changing a value
            tbl = tbl.set_column(i, f.name, pc.cast(col, pa.int64()))
        elif pa.types.is_null(f.type):
            tbl = tbl.set_column(i, f.name, pa.nulls(tbl.num_rows, pa.string()))
    return tbl


# ------------------------------------------------------------------------------------------ explain
def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _whole(v: Any) -> int | None:
    """A count of the metric frame (a float there when a creator lacks it) as an int; None when missing."""
    n = _num(v)
    return None if n is None else int(n)


def _median(col: pd.Series) -> float | None:
    v = pd.to_numeric(col, errors="coerce").dropna()
    return float(v.median()) if len(v) else None


def _find(df: pd.DataFrame, creator: str, ws: Any = None) -> pd.Series:
    """The row of ``creator``: an account id or handle (case-insensitive; an exact id first), or ``PLATFORM:ID`` as
    the niche commands take it; one that names creators on several platforms is a :class:`CreatorNotFound` naming
    them, as the niche commands say, and so is one that names none (close handles suggested; an account of ``ws``
    without posts said to have none: :func:`~tribescope.metrics._base.creator_not_found`)."""
    plat, key = split_creator_name(creator, set(df["platform"].astype(str)))
    if plat:
        df = df[df["platform"] == plat]
    exact = df[df["creator_id"] == key]
    hit = (
        exact
        if not exact.empty
        else df[
            (df["handle"].astype(str).map(name_key) == name_key(key))
            | (df["creator_id"].astype(str).map(name_key) == name_key(key))
        ]
    )
    if hit.empty:
        rows = df[["platform", "creator_id", "handle"]].rename(columns={"handle": "username"})
        rows = rows.astype(object).where(rows.notna(), None)
        raise CreatorNotFound(creator_not_found(ws, creator, plat, key, rows.to_dict("records")))
    if len(hit) > 1:  # a handle on two platforms: the first was explained, with no word of the other
        raise CreatorNotFound.ambiguous(creator, zip(hit["platform"], hit["creator_id"], strict=True))
    return hit.iloc[0]


def explain(
    ws: Any,
    creator: str,
    spec: Spec | str | os.PathLike[str] | None = None,
    *,
    examples: int = 3,
    sentiment: bool = False,
) -> dict[str, Any]:
    """Everything behind one creator's score: components with value, tier benchmark, transform score,
    weight and contribution (points of the 0–100 score), and evidence — example threads where followers
    talk to each other, returning commenters, sponsored posts found and suspicious signals.

    Tier medians are over the whole workspace, so the score is recomputed for every creator
    (``sentiment`` adds ``sentiment_mean``, which no default component uses)."""
    require_workspace(ws, "explain")
    if not isinstance(creator, str):
        raise TypeError(f"explain takes the creator as a handle, id or PLATFORM:ID string, not {creator!r}")
    sp = load_spec(spec)
    m, _, ints = _metric_frame(ws, sp, with_sentiment=sentiment)
    exact: dict[str, pd.Series] = {}
    df = score_frame(m, sp, check=True, exact=exact)
    row = _find(df, creator, ws)
    pid, cid = row["platform"], row["creator_id"]
    at = m.index[(m["platform"] == pid) & (m["creator_id"] == cid)][0]
    tier_rows = df[df["tier"] == row["tier"]]
    comps = []
    for c in sp.components:
        col = f"c_{c.name}"
        present = col in df.columns
        s = _num(row[col]) if present else None
        w = (_num(row[f"w_{c.name}"]) or 0.0) if present else 0.0
        comps.append(
            {
                "name": c.name,
                "family": c.family,
                "metric": c.metric,
                "value": (_whole if c.metric in ints else _num)(row.get(c.metric)),
                "tier_median": _median(tier_rows[c.metric]) if c.metric in tier_rows.columns else None,
                "score": s,
                "spec_weight": c.weight,
                "weight": w,
                "contribution": 0.0,
                "missing": None if s is not None else _why_missing(c, row, present),
                "transform": c.transform,
                "direction": c.direction,
                "min_support": list(c.min_support) if c.min_support else None,
                "optional": c.optional,
                "rationale": c.rationale,
            }
        )
    _points(comps, exact, at, _num(row["community_score"]))
    posts, mine = _creator_evidence_tables(ws, pid, cid)
    try:
        evidence = {
            "conversations": _conversation_examples(mine, examples),
            "returning_commenters": _returning(mine),
            "sponsored_posts": _sponsored(posts),
            "suspicious_signals": _signals(row, sp),
        }
    finally:
        mine.release()
    why = _label_reasons(row, sp)
    metrics = {
        k: _whole(v) if k in ints else _plain(v)
        for k, v in row.items()
        if not str(k).startswith(("c_", "w_")) and k not in FIRST_COLUMNS
    }
    stored = _stored_score(ws, pid, cid)
    return {
        "platform": pid,
        "creator_id": cid,
        "handle": row["handle"],
        "followers": _whole(row["followers"]),
        "tier": row["tier"],
        "label": row["label"],
        "label_reasons": why,
        "community_score": _num(row["community_score"]),
        "confidence": _num(row["confidence"]),
        "spec": {"name": sp.name, "version": sp.version, "hash": sp.hash, "path": sp.path},
        "stored": stored,
        "warnings": _stored_warnings(stored, sp, row),
        "benchmark": {
            "er_median": _num(row["er_median"]),
            "er_benchmark": _num(row["er_benchmark"]),
            "source": row["er_benchmark_source"],
            "citation": sp.benchmark.get("source"),
            "url": sp.benchmark.get("url"),
        },
        "components": comps,
        "metrics": metrics,
        "evidence": evidence,
        "names": _evidence_names(ws, pid, evidence),
    }


def _evidence_names(ws: Any, platform: str, evidence: dict[str, Any]) -> dict[str, str]:
    """Account id → handle (``accounts.username``; the id where the workspace knows none) of every account the
    evidence quotes: a YouTube channel id (``UCga6hh6…``) says nothing to a reader, and the replies quoted address
    people by handle. ``explain``, the creator page and the report name them with it."""
    ids = {
        str(i)
        for conv in evidence.get("conversations") or []
        for i in conv.get("pair") or []
        if i is not None
    }
    ids |= {
        str(m["author_id"])
        for conv in evidence.get("conversations") or []
        for m in conv.get("thread") or []
        if m.get("author_id") is not None
    }
    ids |= {
        str(r["author_id"])
        for r in evidence.get("returning_commenters") or []
        if r.get("author_id") is not None
    }
    found: dict[str, str] = {}
    if ids and ws.has_table("accounts"):
        a = ws.table("accounts")
        got = a.filter([a.platform == platform, a.account_id.isin(sorted(ids))]).select(
            "account_id", "username"
        )
        found = {r["account_id"]: r["username"] for r in got.to_pyarrow().to_pylist() if r["username"]}
    return {i: found.get(i) or i for i in sorted(ids)}


def _plain(v: Any) -> Any:
    """A metric value as JSON has it: numbers (None for missing), booleans, text; timestamps as ISO text."""
    if isinstance(v, str | bool | np.bool_):
        return v if isinstance(v, str) else bool(v)
    n = _num(v)
    if n is not None or v is None:
        return n
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def _why_missing(c: Component, row: pd.Series | Mapping[str, Any], present: bool) -> str:
    """Why component ``c`` has no score for ``row`` (so it was left out and the other weights re-normalised): a score
    table row (``explain``), or a stored one as a dict (the dashboard's and the report's components)."""
    if not present:
        return f"optional: no column {c.metric!r} in this workspace"
    v = _num(row.get(c.metric))
    if v is None:
        return f"no {c.metric} for this creator"
    if c.min_support is not None:
        col, least = c.min_support
        n = _num(row.get(col))
        if n is None or n < least:
            got = "missing" if n is None else f"{n:g}"
            return f"too little data: {col} {got} < {least:g} (min_support)"
    kind = c.transform.get("kind")
    if kind == "log_logistic" and v <= 0:
        return f"log_logistic of {c.metric} = {v:g} (needs > 0)"
    if kind == "ratio_logistic" and v < 0:
        return f"ratio_logistic of {c.metric} = {v:g} (needs >= 0)"
    return "not computable"


def _points(comps: list[dict[str, Any]], exact: dict[str, pd.Series], at: Any, total: float | None) -> None:
    """Each component's ``contribution``: its score as shown and stored (``c_<name>``, 0–100 to cents) · effective
    weight, in points of the score, rounded to cents so that they add up to the stored ``community_score`` exactly
    (largest remainders). From the shown score, not the unrounded one, so that the dashboard, which has only the
    stored ``c_*``, splits the same points."""
    if total is None:
        return
    raw = []
    for c in comps:
        s = exact.get(c["name"])
        v = None if s is None else _num(s.loc[at])
        raw.append(round(100.0 * v, 2) * c["weight"] if v is not None and c["weight"] else 0.0)
    for c, p in zip(comps, split_points(raw, total), strict=True):
        c["contribution"] = p


def split_points(raw: list[float], total: float) -> list[float]:
    """``raw`` contributions (points, unrounded) rounded to cents so that they add up to ``total`` (the stored score,
    rounded to cents) exactly: largest remainders, each within 0.01 of its exact value; a 0 stays 0."""
    cents = [math.floor(p * 100 + 1e-9) for p in raw]
    short = round(total * 100) - sum(cents)
    order = sorted(range(len(raw)), key=lambda i: raw[i] * 100 - cents[i], reverse=short > 0)
    order = [i for i in order if raw[i] > 0]
    for i in order[: abs(short)]:
        cents[i] += 1 if short > 0 else -1
    return [n / 100 for n in cents]


_STORED = ("community_score", "label", "confidence", "spec_version", "spec_hash")


def _stored_score(ws: Any, platform: str, creator_id: str) -> dict[str, Any] | None:
    """The creator's row of ``creator_scores`` (what ``tribescope score`` stored): score, label, confidence and the spec
    that made them; None when the workspace holds no stored score for it."""
    if not ws.has_table("creator_scores"):
        return None
    t = ws.table("creator_scores")
    cols = [c for c in _STORED if c in t.columns]
    if not {"platform", "creator_id", "community_score"} <= set(t.columns):
        return None
    got = t.filter((t.platform == platform) & (t.creator_id == creator_id)).select(*cols).limit(1)
    rows = got.to_pyarrow().to_pylist()
    if not rows:
        return None
    return {k: (_num(v) if k in ("community_score", "confidence") else v) for k, v in rows[0].items()}


def _stored_warnings(stored: dict[str, Any] | None, sp: Spec, row: pd.Series) -> list[str]:
    """Where this explanation may not be the stored score's: another spec, or data changed since the score."""
    if stored is None:
        # the model-based components whose table the workspace lacks: left out here, counted by `tribescope score`
        # (which runs the models first; `explain` does not: they score every creator's audience)
        unmodelled = [
            c.name for c in sp.components if c.metric in MODEL_COLUMNS and f"c_{c.name}" not in row.index
        ]
        if not unmodelled:
            return [
                "no stored score for this creator: `tribescope score` has not scored it (this explanation computes "
                "it now)"
            ]
        return [
            "no stored score for this creator: `tribescope score` has not scored it. This explanation computes it "
            f"now without the model-based components ({', '.join(unmodelled)}): they are left out until "
            "`tribescope score` runs the models, so its score may differ (this one is what `tribescope score "
            "--no-models` gives)"
        ]
    out = []
    h, v = stored.get("spec_hash"), stored.get("spec_version")
    if (h is not None and h != sp.hash) or (h is None and v is not None and v != sp.version):
        used = f"spec {v} ({h})" if h else f"spec {v}"
        out.append(
            f"the stored score was computed with {used}; this explanation uses spec {sp.version} ({sp.hash}) from "
            f"{sp.path}: pass `--spec` with the file `tribescope score` used to explain the stored score"
        )
    elif stored.get("community_score") != _num(row["community_score"]) or stored.get("label") != row["label"]:
        out.append(
            f"the stored score ({_fmt_num(stored.get('community_score'))}, {stored.get('label')}) differs from this one "
            f"({_fmt_num(_num(row['community_score']))}, {row['label']}): the workspace changed since the last "
            "`tribescope score`"
        )
    return out


def _fmt_num(v: float | None) -> str:
    return "no score" if v is None else f"{v:.2f}"


#: the :func:`threads` columns :func:`explain`'s evidence reads (:func:`_conversation_examples`, :func:`_returning`)
_EVIDENCE_COLUMNS = (
    "platform",
    "creator_id",
    "post_id",
    "comment_id",
    "parent_comment_id",
    "author_id",
    "target_id",
    "created_at",
    "text",
    "is_creator",
    "is_tie",
)


def _creator_evidence_tables(ws: Any, platform: str, creator_id: str) -> tuple[ir.Table, ir.Table]:
    """One creator's posts (an expression) and :func:`threads` rows (the :data:`_EVIDENCE_COLUMNS`, computed into a
    temporary table: ``.release()`` it), for :func:`explain`'s evidence.

    The thread rows are built from that creator's posts and the comments under them, as the score's scopes build
    theirs (parents looked up among every comment), not filtered out of every creator's (at synth m 0.4 s against
    1.7 s); computed once, the evidence queries then compile against a plain table, not the thread rows' whole
    expression each (~0.25 s apiece; each example's query names its pair's ids, so the compiled-SQL cache never
    held it). The creator is a one-row in-memory table rather than literals, so that the expressions are the same for
    every creator and the next one's compile from the cache (which keys an in-memory table by its schema, not its name
    or rows): 0.24–0.3 s a creator against 0.5–0.8 s compiled each time, synth xs."""
    comments = ws.table("comments")
    kt = memtable_with(comments, key_table([(platform, creator_id)]))
    posts, cs, _ = creators_tables(kt, ws.table("posts"), comments, None)
    th = threads(cs, posts, ws.table("accounts"), parents=comments)
    return posts, th.select(*_EVIDENCE_COLUMNS).cache()


def _conversation_examples(mine: ir.Table, n: int) -> list[dict[str, Any]]:
    e = ties(mine)
    pairs = e.group_by("a", "b").agg(posts=e.post_id.nunique(), replies=e.count())
    top = (
        pairs.order_by([ibis.desc("posts"), ibis.desc("replies"), "a", "b"]).limit(n).to_pyarrow().to_pylist()
    )
    out = []
    for p in top:
        # the pair's first two conversations (the earliest reply between them in each), never an arbitrary two
        tie = mine.filter(
            mine.is_tie
            & (
                ((mine.author_id == p["a"]) & (mine.target_id == p["b"]))
                | ((mine.author_id == p["b"]) & (mine.target_id == p["a"]))
            )
        )
        roots = (
            tie.group_by("parent_comment_id")
            .agg(first=tie.created_at.min())
            .order_by(["first", "parent_comment_id"])
            .limit(2)
            .to_pyarrow()["parent_comment_id"]
            .to_pylist()
        )
        th = mine.filter(mine.comment_id.isin(roots) | mine.parent_comment_id.isin(roots))
        th = th.mutate(_root=th.parent_comment_id.fill_null(th.comment_id))
        msgs = (
            th.order_by(["_root", "created_at", "comment_id"])
            .select("post_id", "author_id", "text")
            .limit(8)
            .to_pyarrow()
            .to_pylist()
        )
        out.append(
            {
                "pair": [p["a"], p["b"]],
                "posts_together": int(p["posts"]),
                "replies": int(p["replies"]),
                "thread": msgs,
            }
        )
    return out


def _returning(mine: ir.Table, n: int = 10) -> list[dict[str, Any]]:
    a = mine.filter(~mine.is_creator & mine.author_id.notnull())
    g = a.group_by("author_id").agg(posts=a.post_id.nunique(), comments=a.count())
    g = g.filter(g.posts >= 2).order_by([ibis.desc("posts"), ibis.desc("comments"), "author_id"]).limit(n)
    return [dict(r) for r in g.to_pyarrow().to_pylist()]


def _sponsored(posts: ir.Table, n: int = 10) -> list[dict[str, Any]]:
    """The latest ``n`` of ``posts`` (one creator's) found sponsored, disclosed or likely."""
    p = sponsored_posts(posts)
    p = (
        p.filter(p.sponsored_disclosed | p.sponsored_likely)
        .order_by([ibis.desc("created_at"), "post_id"])
        .limit(n)
    )
    rows = (
        p.select("post_id", "url", "caption", "is_paid_partnership", "sponsored_disclosed")
        .to_pyarrow()
        .to_pylist()
    )
    return [
        {
            "post_id": r["post_id"],
            "url": r["url"],
            "kind": "disclosed" if r["sponsored_disclosed"] else "likely",
            "platform_flag": bool(r["is_paid_partnership"]),
            "caption": (r["caption"] or "")[:160],
        }
        for r in rows
    ]


def _label_reasons(row: pd.Series, sp: Spec) -> dict[str, Any]:
    """The spec's label rule that gave ``row`` its label (the first that holds, as :func:`score_frame` checks them)
    with its rationale and the conditions that held, each with the creator's value: ``{"rule": None}`` when no rule
    held (the default label). ``not_before``: the rules checked before it, each with its conditions that did not
    hold (why the creator is not, say, a community influencer); a condition whose value passes but whose
    ``[label_evidence]`` support falls short says so in ``evidence``."""
    df = row.to_frame().T

    def cond(c: tuple[str, str, float]) -> dict[str, Any]:
        col, op, num = c
        out: dict[str, Any] = {"column": col, "op": op, "threshold": num, "value": _num(row.get(col))}
        if (
            col in sp.label_evidence
            and bool(_holds(df, c).iloc[0])
            and not bool(_holds(df, c, sp.label_evidence).iloc[0])
        ):
            support, least = sp.label_evidence[col]
            out["evidence"] = {"column": support, "minimum": least, "value": _num(row.get(support))}
        return out

    before: list[dict[str, Any]] = []
    for rule in sp.labels:
        held_all = [c for c in rule.all if bool(_holds(df, c, sp.label_evidence).iloc[0])]
        held_any = [c for c in rule.any if bool(_holds(df, c, sp.label_evidence).iloc[0])]
        if len(held_all) == len(rule.all) and (not rule.any or len(held_any) >= rule.at_least):
            conds = [*held_all, *held_any]
            return {
                "rule": rule.label,
                "rationale": rule.rationale,
                "conditions": [cond(c) for c in conds],
                "not_before": before,
            }
        failed = [c for c in rule.all if c not in held_all] or [c for c in rule.any if c not in held_any]
        before.append(
            {
                "rule": rule.label,
                "needs": "all" if len(held_all) < len(rule.all) else f"at least {rule.at_least} of",
                "held": [cond(c) for c in held_any],
                "failed": [cond(c) for c in failed],
            }
        )
    return {
        "rule": None,
        "rationale": "no rule held: the default label",
        "conditions": [],
        "not_before": before,
    }


def _signals(row: pd.Series, sp: Spec) -> list[str]:
    """The spec's ``[[signal]]`` sentences whose condition holds for this creator (a missing value holds none)."""
    out = []
    for sig in sp.signals:
        col, op, num = sig.when
        v = _num(row[col]) if col in row.index else None
        if v is not None and _OPS[op](v, num):
            out.append(sig.text.format(v))
    return out
