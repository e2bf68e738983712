"""Engagement pods: groups of accounts that comment on the same creators' posts, again and again, fast.

Method (after Weerasinghe et al., "The Pod People: Understanding Manipulation of Social Media Popularity via
Reciprocity Abuse", The Web Conference (WWW) 2020 — pods are recognised by co-commenting recurrence, first-hour
bursts and reciprocity among the creators in the group):

1. *Early engagements* (engine): distinct ``(post, author)`` where an author other than the creator's own accounts
   (:func:`tribescope.metrics.own_account`) commented within ``window_s``
   (default 3,600 s) of publication (of the post's first comment when the post time is unknown).
2. *Pairs* (engine): two accounts that engaged early on the same post; per pair ``co_posts`` = such posts.
   Kept when ``co_posts ≥ min_co_posts`` and ``co_posts / min(early_a, early_b) ≥ min_overlap``
   (they nearly always turn up together).
3. *Grouping* (union-find): connected components of the kept-pair graph with ≥ ``min_size`` accounts that
   engaged early together (≥ ``min_size`` of them) on ≥ ``min_co_posts`` posts.
4. *Evidence* per pod: its accounts, the posts where ≥ ``min_size`` members engaged early, the median delay of
   members' early comments, the creators targeted, and ``reciprocal_creators`` — members who are themselves
   creators whose posts the other members boost (the reciprocity ring).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from tribescope.metrics._base import creator_posts_with_handle, with_own_author
from tribescope.store import require_workspace

__all__ = ["PodParams", "early_engagements", "find_pods", "pod_members", "pod_pairs"]


@dataclass(frozen=True)
class PodParams:
    """Thresholds of pod detection (documented in docs/authenticity.md)."""

    window_s: int = 3600
    min_co_posts: int = 3
    min_overlap: float = 0.6
    min_size: int = 3


def early_engagements(ws: Any, params: PodParams = PodParams()) -> ir.Table:
    """Distinct ``(platform, post_id, creator_id, author_id, delay_s)`` engaged within the window (engine)."""
    c = ws.table("comments")
    p = ws.table("posts")
    accounts = ws.table("accounts")
    first = c.group_by(["platform", "post_id"]).agg(first_at=c.created_at.min())
    cp = creator_posts_with_handle(p, accounts)
    posts = cp.select(
        platform=cp._pp,
        post_id=cp._pid,
        creator_id=cp.creator_id,
        post_at=cp.post_created_at,
        _creator_handle=cp._creator_handle,
    )
    # Cheap pre-filter on the raw timestamps (a superset: one hour of slack on both sides) so that the exact
    # delay below (epoch of each timestamp) is only computed for comments near the window; it changes no row. The
    # bounds and the post's epoch are computed once per post, not per comment (timestamp arithmetic is not free).
    slack = ibis.interval(seconds=3600)
    t0 = ibis.coalesce(posts.post_at, first.first_at)
    posts = posts.left_join(first, ["platform", "post_id"]).select(
        "platform",
        "post_id",
        "creator_id",
        "_creator_handle",
        _lo=t0 - slack,
        _hi=t0 + ibis.interval(seconds=params.window_s) + slack,
        _t0_s=t0.epoch_seconds(),
    )
    j = c.select("platform", "post_id", "author_id", "created_at").join(posts, ["platform", "post_id"])
    j = j.filter(
        j.author_id.notnull() & j.created_at.notnull() & (j.created_at >= j._lo) & (j.created_at <= j._hi)
    )
    j = j.mutate(delay_s=j.created_at.epoch_seconds() - j._t0_s)
    j = j.filter((j.delay_s >= 0) & (j.delay_s <= params.window_s))
    # not the owner: none of the creator's own accounts (``own_account``, as the metrics' audience), only on the rows
    # left in the window — the creator answering under its numeric id made a "pod" of itself and its regulars
    j, own = with_own_author(j, p, accounts)
    j = j.filter(~own)
    return j.group_by(["platform", "post_id", "creator_id", "author_id"]).agg(delay_s=j.delay_s.min())


def pod_pairs(ws: Any, params: PodParams = PodParams(), *, early: ir.Table | None = None) -> ir.Table:
    """Account pairs that engage early on the same posts (engine): ``a, b, co_posts, co_creators, overlap``.
    ``early``: :func:`early_engagements` of ``ws`` already computed (e.g. cached), else built here."""
    require_workspace(ws, "pod_pairs")
    if not isinstance(params, PodParams):
        raise TypeError(
            f"pod_pairs takes its thresholds as PodParams(...), not {type(params).__name__} {params!r}"
        )
    e = early_engagements(ws, params) if early is None else early
    per = e.group_by(["platform", "author_id"]).agg(n_early=e.post_id.count())
    per = per.filter(per.n_early >= params.min_co_posts)
    e = e.semi_join(per, ["platform", "author_id"])
    lt = e.select(platform="platform", post_id="post_id", creator_id="creator_id", a="author_id")
    r = e.select(platform_r="platform", post_id_r="post_id", b="author_id")
    pr = lt.join(r, (lt.platform == r.platform_r) & (lt.post_id == r.post_id_r) & (lt.a < r.b))
    # each (pair, post) is one row (``early`` holds one row per platform, post and author: a post has one creator), so
    # the pair's posts are counted, not counted distinct (a distinct count keeps every post id of every pair)
    g = pr.group_by(["platform", "a", "b"]).agg(co_posts=pr.count(), co_creators=pr.creator_id.nunique())
    g = g.filter(g.co_posts >= params.min_co_posts)
    pa_ = per.select(platform_a="platform", a2="author_id", n_a="n_early")
    pb_ = per.select(platform_b="platform", b2="author_id", n_b="n_early")
    g = g.join(pa_, (g.platform == pa_.platform_a) & (g.a == pa_.a2)).join(
        pb_, (g.platform == pb_.platform_b) & (g.b == pb_.b2)
    )
    g = g.mutate(overlap=g.co_posts.cast("float64") / ibis.least(g.n_a, g.n_b).cast("float64"))
    g = g.filter(g.overlap >= params.min_overlap)
    return g.select("platform", "a", "b", "co_posts", "co_creators", "n_a", "n_b", "overlap")


def find_pods(ws: Any, params: PodParams = PodParams()) -> pa.Table:
    """One row per pod: ``pod_id, platform, n_accounts, accounts, creators_targeted, reciprocal_creators,
    n_posts, posts, median_delay_s, co_posts_median`` (sorted by platform, then size)."""
    require_workspace(ws, "find_pods")
    if not isinstance(params, PodParams):
        raise TypeError(
            f"find_pods takes its thresholds as PodParams(...), not {type(params).__name__} {params!r}"
        )
    early = early_engagements(ws, params).cache()  # read twice below: pairs, then the pods' posts
    try:
        return _find_pods(ws, params, early)
    finally:
        early.release()


def _find_pods(ws: Any, params: PodParams, early: ir.Table) -> pa.Table:
    pairs = pod_pairs(ws, params, early=early).to_pyarrow()
    schema = pa.schema(
        [
            ("pod_id", pa.string()),
            ("platform", pa.string()),
            ("n_accounts", pa.int64()),
            ("accounts", pa.list_(pa.string())),
            ("creators_targeted", pa.list_(pa.string())),
            ("reciprocal_creators", pa.list_(pa.string())),
            ("n_posts", pa.int64()),
            ("posts", pa.list_(pa.string())),
            ("median_delay_s", pa.float64()),
            ("co_posts_median", pa.float64()),
        ]
    )
    if pairs.num_rows == 0:
        return schema.empty_table()
    plat = pairs["platform"].to_pylist()
    a = pairs["a"].to_pylist()
    b = pairs["b"].to_pylist()
    nodes = sorted(
        {(p, x) for p, x in zip(plat, a, strict=True)} | {(p, x) for p, x in zip(plat, b, strict=True)}
    )
    idx = {n: i for i, n in enumerate(nodes)}
    co = pairs["co_posts"].to_numpy()
    edges = [(idx[(p, x)], idx[(p, y)]) for p, x, y in zip(plat, a, b, strict=True)]
    comps = _components(len(nodes), edges)
    groups = [sorted(nodes[i] for i in comp) for comp in comps if len(comp) >= params.min_size]
    if not groups:
        return schema.empty_table()
    group_of = {n: k for k, grp in enumerate(groups) for n in grp}
    member_rows = [(p, acc, k) for k, grp in enumerate(groups) for p, acc in grp]
    members = ibis.memtable(
        pa.table(
            {
                "platform": [m[0] for m in member_rows],
                "author_id": [m[1] for m in member_rows],
                "pod": pa.array([m[2] for m in member_rows], pa.int64()),
            }
        )
    )
    e = early
    me = e.join(members, ["platform", "author_id"])
    per_post = me.group_by(["pod", "platform", "post_id", "creator_id"]).agg(
        n_members=me.author_id.nunique(), med_delay=me.delay_s.median()
    )
    # each pod's posts, bucketed once (a scan of every row per pod took 2.4 s of synth l's score: 827 pods)
    posts_of: dict[int, list[dict[str, Any]]] = {}
    for r in per_post.filter(per_post.n_members >= params.min_size).to_pyarrow().to_pylist():
        posts_of.setdefault(r["pod"], []).append(r)
    creators = ws.table("posts").select("platform", "creator_id").distinct().to_pyarrow()
    creator_set = set(zip(creators["platform"].to_pylist(), creators["creator_id"].to_pylist(), strict=True))
    pair_co: dict[int, list[float]] = {}
    for p, x, w in zip(plat, a, co, strict=True):
        if (p, x) in group_of:
            pair_co.setdefault(group_of[(p, x)], []).append(float(w))
    out: dict[str, list[Any]] = {f.name: [] for f in schema}
    order = sorted(range(len(groups)), key=lambda k: (groups[k][0][0], -len(groups[k]), groups[k][0][1]))
    rank = 0
    for k in order:
        grp = groups[k]
        posts = sorted(posts_of.get(k, ()), key=lambda r: r["post_id"])
        if len(posts) < params.min_co_posts:  # a pod shows up together, early, on several posts
            continue
        rank += 1
        targeted = sorted({r["creator_id"] for r in posts})
        accs = [acc for _, acc in grp]
        out["pod_id"].append(f"pod-{rank:04d}")
        out["platform"].append(grp[0][0])
        out["n_accounts"].append(len(grp))
        out["accounts"].append(accs)
        out["creators_targeted"].append(targeted)
        out["reciprocal_creators"].append(
            sorted(acc for acc in accs if (grp[0][0], acc) in creator_set and acc in targeted)
        )
        out["n_posts"].append(len(posts))
        out["posts"].append([r["post_id"] for r in posts])
        out["median_delay_s"].append(float(np.median([r["med_delay"] for r in posts])) if posts else None)
        out["co_posts_median"].append(float(np.median(pair_co.get(k, [0.0]))))
    return pa.table(out, schema=schema)


def _components(n: int, edges: list[tuple[int, int]]) -> list[list[int]]:
    """Connected components of the undirected graph on nodes ``0 … n-1`` with ``edges``, by union-find: each
    component's nodes ascending, components by their smallest node (the kept pairs are a few hundred: no sparse
    matrix, and no SciPy import on the pods' path)."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for x, y in edges:
        rx, ry = root(x), root(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)
    comps: dict[int, list[int]] = {}
    for i in range(n):
        comps.setdefault(root(i), []).append(i)
    return list(comps.values())


def pod_members(pods: pa.Table) -> list[tuple[str, str, str]]:
    """``(platform, member account, creator targeted)`` for every member and target of every pod in
    :func:`find_pods`' table."""
    return [
        (p, a, cr)
        for p, accs, crs in zip(
            pods["platform"].to_pylist(),
            pods["accounts"].to_pylist(),
            pods["creators_targeted"].to_pylist(),
            strict=True,
        )
        for a in accs
        for cr in crs
    ]
