"""Niche groups of creators, their leaders and the bridges between them.

Creator graph
-------------
Nodes are creators (accounts with posts). The weight of edge (i, j) is

``w_ij = α · cos_audience(i, j) + (1 − α) · cos_topic(i, j)``

where ``cos_audience = |A_i ∩ A_j| / √(|A_i| |A_j|)`` over engaged audiences (see
:mod:`tribescope.niche._audience`) and ``cos_topic = √(cos(W_i, W_j) · cos(X_i, X_j))`` is the creators' text
similarity (:meth:`~tribescope.niche._topics.TopicModel.similarity`: NMF topic mixes W and TF-IDF rows X, so
creators who share no word are never tied by a coarse topic), kept only for each creator's ``topic_neighbours``
most similar creators with ``cos_topic ≥ topic_min`` (a sparse k-nearest-neighbour graph). ``α`` defaults to
0.5, and falls to 0 (1) when the workspace has no shared audiences (no text).

Groups
------
Leiden (networkit ``ParallelLeiden``) maximising modularity with resolution γ (Reichardt & Bornholdt 2006);
γ is either given or chosen by :func:`tribescope.niche._graphalgo.resolution_sweep` (most stable partition).
Each group is labelled by the top terms of its dominant topic (mean topic mix of its members).

Leaders (per group)
-------------------
On the *interaction graph restricted to the group* — shared-audience ties inside the group (weight
``cos_audience``) plus directed creator→creator engagement (creator i commented on j's posts or wrote in j's
community, weight ``log(1 + acts)``); topic similarity is not interaction and is left out here:

* ``pagerank`` (Page et al. 1999, damping 0.85) — attention flowing to the creator from the group;
* ``core`` — k-core number inside the group (Seidman 1983): embedded in the group's dense core;
* ``reach = |R_i| / |∪_{j∈g} R_j|`` — share of the group's *regulars* the creator holds, where ``R_i`` is the
  accounts that engaged with creator i on at least ``regular_days`` (3) distinct days: how much of the
  niche's loyal audience the creator reaches, not how many one-off comments it collects. Regulars are
  compared across platforms, which audience overlap cannot do (ids differ per platform).

``leader_score = w_pr · pct(pagerank) + w_core · pct(core) + w_reach · pct(reach)`` over the weights' sum, the weights
the score spec's ``[leaders]`` (``--spec FILE``; the packaged spec's are 0.25, 0.25, 0.5), with within-group percentile
ranks ``pct`` (mid-rank ``(rank − ½) / n``, ties averaged: over any n they average ½); reach weighs most because the interaction graph of a group that
spans platforms is split by platform. ``pct(pagerank)`` and ``pct(core)`` rank a creator only among the group's
creators on the same platform (audiences cannot be linked across platforms), ``pct(reach)`` among the whole
group. A percentile over a single creator — the only creator of its platform in the group (or of a one-creator
group) — is the neutral 0.5: with nobody to compare against, centrality says nothing, and being alone on a
platform must not count as the top centrality (``rank / n`` would give it 1.0). So are creators tied with everyone
of their platform (every core the same), and the better of two creators of a platform gets 0.75, not 1.0: with
``rank / n`` (mean ``(n + 1) / 2n``) a platform of few creators lent its top creator more than one of many did, and
synth xs seed 1's planted food leader (most PageRank and 58 % of the group's regulars) ranked second behind the
better of the group's two TikTok creators.
The top ``min(3, max(1, ⌈n/4⌉))`` creators of a group of n are its leaders.

Bridges
-------
Betweenness on the whole creator graph (Brandes 2001; edge length ``1/w``) and the participation
coefficient ``P_i = 1 − Σ_s (k_is/k_i)²`` (Guimerà & Amaral 2005). A bridge has ``P_i > 0`` (ties into another
group) and positive betweenness; bridges are ranked by betweenness.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pyarrow as pa

from tribescope.niche import _graphalgo as ga
from tribescope.niche._audience import activity, audience, check_param, pairwise_overlap
from tribescope.niche._topics import TopicModel, topics
from tribescope.score._spec import Spec, load_spec
from tribescope.store import Workspace, require_workspace

if TYPE_CHECKING:
    import networkit as nk

__all__ = ["CreatorGraph", "NicheGroups", "creator_graph", "niche_groups"]


@dataclass
class CreatorGraph:
    """The weighted creator graph and what it was built from."""

    keys: list[tuple[str, str]]
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray
    audience_w: np.ndarray
    topic_w: np.ndarray
    alpha: float
    model: TopicModel
    #: every shared-audience tie ``(i < j, cos_audience)``, whatever α: the leaders' interaction graph rests on them.
    #: At α = 0 a tie without a topic tie weighs 0 and is not among the edges above.
    aud_src: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    aud_dst: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    aud_w: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n(self) -> int:
        return len(self.keys)

    def graph(self) -> nk.Graph:
        return ga.build_graph(self.n, self.src, self.dst, self.weight)


#: creators whose text similarities to everyone are computed at once (a block × n dense matrix)
_BLOCK = 512


def _topic_edges(model: TopicModel, k: int, min_sim: float) -> dict[tuple[int, int], float]:
    """Each creator's ``k`` most similar creators by text similarity (:meth:`TopicModel.similarity`) ≥ ``min_sim``."""
    n = len(model.keys)
    out: dict[tuple[int, int], float] = {}
    if not model.n_topics or n < 2:
        return out
    for start in range(0, n, _BLOCK):
        rows = range(start, min(start + _BLOCK, n))
        sim = model.similarity(rows)
        sim[np.arange(len(rows)), np.asarray(rows)] = 0.0  # not its own neighbour
        top = np.argsort(-sim, axis=1, kind="stable")[:, :k]
        for r, i in enumerate(rows):
            for j in top[r]:
                s_ij = float(sim[r, j])
                if s_ij >= min_sim and s_ij > 0:
                    key = (min(i, int(j)), max(i, int(j)))
                    out[key] = max(out.get(key, 0.0), s_ij)
    return out


def _check_alpha(what: str, alpha: float) -> None:
    """``alpha`` is the audience weight of the creator graph, 0 … 1 (as ``niches --alpha``)."""
    check_param(what, "alpha", alpha, "it is 0 (topics only) to 1 (audience overlap only)", low=0, high=1)


def creator_graph(
    ws: Workspace,
    *,
    alpha: float = 0.5,
    topic_neighbours: int = 10,
    topic_min: float = 0.2,
    n_topics: int | None = None,
    seed: int = 0,
) -> CreatorGraph:
    """Build the creator graph (see module docstring for the weight formula)."""
    require_workspace(ws, "creator_graph")
    _check_alpha("creator_graph", alpha)
    model = topics(ws, n_topics=n_topics, random_state=seed)
    keys = list(model.keys)
    index = {k: i for i, k in enumerate(keys)}
    aud_pairs = pairwise_overlap(audience(ws)).select("a_platform", "a_id", "b_platform", "b_id", "cosine")
    aud: dict[tuple[int, int], float] = {}
    for r in aud_pairs.to_pyarrow().to_pylist():
        i, j = index.get((r["a_platform"], r["a_id"])), index.get((r["b_platform"], r["b_id"]))
        if i is not None and j is not None:
            aud[(min(i, j), max(i, j))] = float(r["cosine"])
    top = _topic_edges(model, topic_neighbours, topic_min)
    a = float(alpha)
    if not aud:
        a = 0.0
    elif not top:
        a = 1.0
    pairs = sorted(set(aud) | set(top))
    src = np.array([p[0] for p in pairs], dtype=np.int64)
    dst = np.array([p[1] for p in pairs], dtype=np.int64)
    aw = np.array([aud.get(p, 0.0) for p in pairs])
    tw = np.array([top.get(p, 0.0) for p in pairs])
    w = a * aw + (1 - a) * tw
    keep = w > 0
    tied = sorted(aud)
    return CreatorGraph(
        keys,
        src[keep],
        dst[keep],
        w[keep],
        aw[keep],
        tw[keep],
        a,
        model,
        np.array([p[0] for p in tied], dtype=np.int64),
        np.array([p[1] for p in tied], dtype=np.int64),
        np.array([aud[p] for p in tied], dtype=np.float64),
    )


@dataclass
class NicheGroups:
    """Result of :func:`niche_groups`: per-creator and per-group tables, the sweep, the chosen γ."""

    creators: pa.Table
    groups: pa.Table
    sweep: pa.Table
    resolution: float
    modularity: float
    alpha: float
    notes: list[str] = field(default_factory=list)


def _pct(x: np.ndarray) -> np.ndarray:
    """Mid-rank percentiles ``(rank − ½) / n`` (ties averaged): they average ½ for any n, so a single value (nobody to
    rank against) and values all tied are the neutral 0.5, and the top of two is 0.75 (``rank / n`` gave 1.0)."""
    if len(x) == 0:
        return x.astype(float)
    from scipy.stats import rankdata

    return (np.asarray(rankdata(x, method="average"), dtype=float) - 0.5) / len(x)


def _alpha_reason(cg: CreatorGraph) -> str:
    """Why the creator graph rests on one kind of tie only (:func:`creator_graph` sets α to 0 or 1)."""
    if cg.alpha == 0:
        return "no creators share engaged accounts"
    if cg.model.n_topics:
        return "no two creators' texts are alike (they share too few words)"
    return "no usable text for topics"


def _usernames(ws: Workspace, keys: list[tuple[str, str]]) -> list[str]:
    names: dict[tuple[str, str], str] = {}
    if ws.has_table("accounts"):
        acc = ws.table("accounts")
        posts = ws.table("posts").select(p_platform="platform", p_id="creator_id").distinct()
        j = acc.join(posts, [acc.platform == posts.p_platform, acc.account_id == posts.p_id])
        for r in j.select("platform", "account_id", "username").to_pyarrow().to_pylist():
            if r["username"]:
                names[(r["platform"], r["account_id"])] = r["username"]
    return [names.get(k, k[1]) for k in keys]


def niche_groups(
    ws: Workspace,
    *,
    resolution: float | None = None,
    resolutions: tuple[float, ...] = ga.DEFAULT_RESOLUTIONS,
    alpha: float = 0.5,
    n_topics: int | None = None,
    seed: int = 0,
    max_bridges: int = 10,
    regular_days: int = 3,
    leader_weights: tuple[float, float, float] | None = None,
    spec: Spec | str | os.PathLike[str] | None = None,
) -> NicheGroups:
    """Find niche groups, rank their leaders and name the bridges (see module docstring). ``leader_weights``
    (pagerank, core, reach) default to the ``[leaders]`` of ``spec`` (the packaged score spec when None)."""
    require_workspace(ws, "niche_groups")
    if leader_weights is None:
        leader_weights = load_spec(spec).leader_weights
    # as `niches --resolution` (> 0) and `--alpha` (0–1) bound them: a negative γ or α = 2 ran and gave groups
    _check_alpha("niche_groups", alpha)
    gamma = "a Leiden resolution is a number above 0"
    if resolution is not None:
        check_param(
            "niche_groups", "resolution", resolution, gamma + " (None: chosen by a sweep)", low=0, above=True
        )
    for r in resolutions if resolution is None else ():
        check_param("niche_groups", "resolutions", r, gamma, low=0, above=True)
    cg = creator_graph(ws, alpha=alpha, n_topics=n_topics, seed=seed)
    total = sum(leader_weights)  # relative weights: the score stays 0…1 whatever they sum to
    if not (all(w >= 0 for w in leader_weights) and total > 0):
        raise ValueError(
            f"niche_groups: leader_weights={leader_weights!r} must be numbers >= 0, not all 0 (relative weights)"
        )
    w_pr, w_core, w_reach = (w / total for w in leader_weights)
    g = cg.graph()
    notes: list[str] = []
    if resolution is None:
        best, rows = ga.resolution_sweep(g, resolutions, seed=seed)
    else:
        best = ga.leiden(g, resolution, seed=seed)
        rows = [
            ga.SweepRow(best.resolution, best.n_groups, best.modularity, best.quality, float("nan"), True)
        ]
    memb = best.membership
    n = cg.n
    names = _usernames(ws, cg.keys)

    # creator → creator engagement (a creator commenting on / writing in another creator's space)
    index = {k: i for i, k in enumerate(cg.keys)}
    act = activity(ws)
    cc = act.group_by(["creator_platform", "creator_id", "member_platform", "member_id"]).agg(
        acts=act.count()
    )
    inter_src: list[int] = []
    inter_dst: list[int] = []
    inter_w: list[float] = []
    if n:
        keys_t = ibis.memtable(
            pa.table({"k_platform": [k[0] for k in cg.keys], "k_id": [k[1] for k in cg.keys]})
        )
        cc = cc.join(keys_t, [cc.member_platform == keys_t.k_platform, cc.member_id == keys_t.k_id])
        for r in cc.to_pyarrow().to_pylist():
            i, j = (
                index.get((r["member_platform"], r["member_id"])),
                index.get((r["creator_platform"], r["creator_id"])),
            )
            if i is not None and j is not None and i != j:
                inter_src.append(i)
                inter_dst.append(j)
                inter_w.append(float(r["acts"]))

    # reach within each group, in the engine: a creator's *regulars* are accounts that engaged with them on at
    # least ``regular_days`` distinct days; the group's regulars are the union over its creators
    size = np.zeros(n)
    regulars = np.zeros(n)
    group_aud = np.zeros(max(best.n_groups, 1))
    group_reg = np.zeros(max(best.n_groups, 1))
    if n:
        gm = ibis.memtable(
            pa.table(
                {
                    "g_platform": [k[0] for k in cg.keys],
                    "g_id": [k[1] for k in cg.keys],
                    "grp": pa.array(memb, pa.int64()),
                }
            )
        )
        act_d = act.mutate(day=act.created_at.truncate("D"))
        pm = act_d.group_by(["creator_platform", "creator_id", "member_platform", "member_id"]).agg(
            days=act_d.day.nunique()
        )
        pm = pm.join(gm, [pm.creator_platform == gm.g_platform, pm.creator_id == gm.g_id])
        pm = pm.mutate(regular=pm.days >= regular_days)
        for r in (
            pm.group_by(["creator_platform", "creator_id"])
            .agg(n=pm.count(), reg=pm.regular.cast("int64").sum())
            .to_pyarrow()
            .to_pylist()
        ):
            i = index[(r["creator_platform"], r["creator_id"])]
            size[i], regulars[i] = r["n"], r["reg"] or 0
        members_g = pm.group_by(["grp", "member_platform", "member_id"]).agg(reg=pm.regular.max())
        for r in (
            members_g.group_by("grp")
            .agg(n=members_g.count(), reg=members_g.reg.cast("int64").sum())
            .to_pyarrow()
            .to_pylist()
        ):
            group_aud[int(r["grp"])], group_reg[int(r["grp"])] = r["n"], r["reg"] or 0

    pagerank = np.zeros(n)
    core = np.zeros(n, dtype=np.int64)
    reach = np.zeros(n)
    score = np.zeros(n)
    rank = np.zeros(n, dtype=np.int64)
    is_leader = np.zeros(n, dtype=bool)
    isrc = np.array(inter_src, dtype=np.int64)
    idst = np.array(inter_dst, dtype=np.int64)
    iw = np.array(inter_w, dtype=np.float64)
    for grp in range(best.n_groups):
        members = np.where(memb == grp)[0]
        local = np.full(n, -1, dtype=np.int64)
        local[members] = np.arange(len(members))
        # interaction graph of the group: shared-audience ties (cos_audience) + creator → creator engagement; every
        # audience tie, whatever α (at α = 0 one without a topic tie is not an edge of the creator graph)
        inside = (memb[cg.aud_src] == grp) & (memb[cg.aud_dst] == grp)
        inside_i = (memb[isrc] == grp) & (memb[idst] == grp) if len(isrc) else np.zeros(0, dtype=bool)
        s_ = np.concatenate([local[cg.aud_src[inside]], local[cg.aud_dst[inside]], local[isrc[inside_i]]])
        d_ = np.concatenate([local[cg.aud_dst[inside]], local[cg.aud_src[inside]], local[idst[inside_i]]])
        w_ = np.concatenate([cg.aud_w[inside], cg.aud_w[inside], np.log1p(iw[inside_i])])
        sub = ga.build_graph(len(members), s_, d_, w_, directed=True)
        pr = ga.pagerank(sub)
        cores = ga.core_numbers(sub)
        denom = group_reg[grp]
        rch = regulars[members] / denom if denom > 0 else np.zeros(len(members))
        plats = np.array([cg.keys[v][0] for v in members])
        pr_pct, core_pct = np.zeros(len(members)), np.zeros(len(members))
        for pl in np.unique(plats):  # centrality compares only creators whose audiences can be linked
            on = plats == pl
            pr_pct[on], core_pct[on] = _pct(pr[on]), _pct(cores[on].astype(float))
        sc = w_pr * pr_pct + w_core * core_pct + w_reach * _pct(rch)
        order = sorted(range(len(members)), key=lambda i: (-sc[i], -pr[i], names[members[i]]))
        n_lead = min(3, max(1, math.ceil(len(members) / 4)))
        for pos, i in enumerate(order):
            v = members[i]
            pagerank[v], core[v], reach[v], score[v], rank[v] = pr[i], cores[i], rch[i], sc[i], pos + 1
            is_leader[v] = pos < n_lead

    btw = ga.betweenness(g, seed=seed)
    part = ga.participation(g, memb) if n else np.zeros(0)
    adj: dict[int, set[int]] = {i: set() for i in range(n)}
    for a_, b_ in zip(cg.src, cg.dst, strict=True):
        adj[int(a_)].add(int(memb[b_]))
        adj[int(b_)].add(int(memb[a_]))
    candidates = [i for i in range(n) if part[i] > 0 and btw[i] > 0]
    candidates.sort(key=lambda i: (-btw[i], names[i]))
    bridge = np.zeros(n, dtype=bool)
    bridge[candidates[:max_bridges]] = True

    mix = cg.model.mix
    group_label: list[str] = []
    group_share: list[float] = []
    for grp in range(best.n_groups):
        members = np.where(memb == grp)[0]
        if mix.shape[1] and mix[members].sum() > 0:
            mean = mix[members].mean(axis=0)
            t = int(np.argmax(mean))
            group_label.append(", ".join(cg.model.terms[t][:5]))
            group_share.append(float(mean[t] / mean.sum()))
        else:
            group_label.append("")
            group_share.append(0.0)

    creators = pa.table(
        {
            "platform": [k[0] for k in cg.keys],
            "creator_id": [k[1] for k in cg.keys],
            "username": names,
            "group": pa.array(memb, pa.int64()),
            "group_label": [group_label[int(x)] for x in memb],
            "leader_rank": pa.array(rank, pa.int64()),
            "is_leader": pa.array(is_leader),
            "leader_score": pa.array(score),
            "pagerank": pa.array(pagerank),
            "core": pa.array(core, pa.int64()),
            "reach": pa.array(reach),
            "audience": pa.array(size.astype(np.int64)),
            "betweenness": pa.array(btw),
            "participation": pa.array(part),
            "is_bridge": pa.array(bridge),
            "bridges_to": [
                ", ".join(str(x) for x in sorted(adj[i] - {int(memb[i])})) if bridge[i] else ""
                for i in range(n)
            ],
            "topic_terms": cg.model.creator_table().column("topic_terms"),
        }
    )
    groups_rows = []
    for grp in range(best.n_groups):
        members = np.where(memb == grp)[0]
        leaders = sorted((int(v) for v in members if is_leader[v]), key=lambda v: rank[v])
        groups_rows.append(
            {
                "group": grp,
                "label": group_label[grp],
                "topic_share": group_share[grp],
                "size": len(members),
                "audience": int(group_aud[grp]) if grp < len(group_aud) else 0,
                "leaders": ", ".join(names[v] for v in leaders),
                "bridges": ", ".join(
                    names[v] for v in sorted((int(v) for v in members if bridge[v]), key=lambda v: -btw[v])
                ),
            }
        )
    groups = pa.Table.from_pylist(
        groups_rows,
        schema=pa.schema(
            [
                ("group", pa.int64()),
                ("label", pa.string()),
                ("topic_share", pa.float64()),
                ("size", pa.int64()),
                ("audience", pa.int64()),
                ("leaders", pa.string()),
                ("bridges", pa.string()),
            ]
        ),
    )
    sweep = pa.table(
        {
            "resolution": [r.resolution for r in rows],
            "n_groups": pa.array([r.n_groups for r in rows], pa.int64()),
            "modularity": [r.modularity for r in rows],
            "stability": [r.stability for r in rows],
            "chosen": [r.chosen for r in rows],
        }
    )
    if n == 1:  # "no creators share engaged accounts" of a workspace of one creator
        notes.append("one creator in this workspace: there is nobody to group it with")
    elif n > 1 and not len(cg.src):
        # α = 0 "topics only" said of a graph without a single topic tie either: the groups are no niches at all
        text = (
            "there is no usable text for topics"
            if not cg.model.n_topics
            else "no two creators' texts are alike"
        )
        notes.append(
            f"no ties between creators: no creators share engaged accounts and {text}; "
            "every creator is a niche group of its own"
        )
    elif cg.alpha != alpha:
        notes.append(f"audience weight α={cg.alpha:g} (asked {alpha:g}): {_alpha_reason(cg)}")
    return NicheGroups(creators, groups, sweep, best.resolution, best.modularity, cg.alpha, notes)
