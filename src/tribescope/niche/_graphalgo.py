"""Graph algorithms on reduced creator graphs (networkit): Leiden with a resolution sweep, centralities.

The graphs handled here are small, already reduced edge lists (creators, not followers), built from
Arrow/NumPy arrays with :func:`build_graph`.

References
----------
* V. A. Traag, L. Waltman, N. J. van Eck. "From Louvain to Leiden: guaranteeing well-connected
  communities." Scientific Reports 9, 5233 (2019). — the Leiden algorithm.
* F. Nguyen et al. "Parallel Leiden" as implemented in networkit 11 (``networkit.community.ParallelLeiden``).
* J. Reichardt, S. Bornholdt. "Statistical mechanics of community detection." Phys. Rev. E 74, 016110
  (2006). — modularity with a resolution parameter γ:
  ``Q_γ = 1/(2m) Σ_ij [A_ij − γ k_i k_j / (2m)] δ(c_i, c_j)``.
* S. Fortunato, M. Barthélemy. "Resolution limit in community detection." PNAS 104 (2007). — why one γ is
  not enough: modularity at γ = 1 merges groups smaller than about √(2m) edges; hence the sweep.
* L. Page, S. Brin et al. "The PageRank citation ranking" (1999); S. B. Seidman, "Network structure and
  minimum degree" (1983) for k-cores; U. Brandes, "A faster algorithm for betweenness centrality" (2001).
* R. Guimerà, L. A. N. Amaral. "Functional cartography of complex metabolic networks." Nature 433 (2005).
  — participation coefficient ``P_i = 1 − Σ_s (k_is / k_i)²``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    import networkit as nk
else:

    class _Networkit:
        """``networkit``, imported on first use: importing it pulls in scikit-learn, SciPy's stats and pandas
        (~3 CPU-s), which ``tribescope score`` (that imports this package for the niche model) does not need."""

        def __getattr__(self, name: str) -> Any:
            import networkit

            return getattr(networkit, name)

    nk = _Networkit()

__all__ = [
    "DEFAULT_RESOLUTIONS",
    "LeidenResult",
    "SweepRow",
    "betweenness",
    "build_graph",
    "core_numbers",
    "leiden",
    "modularity",
    "pagerank",
    "participation",
    "resolution_sweep",
]

#: γ values tried by :func:`resolution_sweep` unless told otherwise.
DEFAULT_RESOLUTIONS: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)

#: graphs with fewer edges run single-threaded so a seed gives the same partition every time.
_DETERMINISTIC_BELOW = 200_000


@contextmanager
def _threads(n_edges: int, seed: int) -> Iterator[None]:
    before = nk.getMaxNumberOfThreads()
    try:
        if n_edges < _DETERMINISTIC_BELOW:
            nk.setNumberOfThreads(1)
        nk.setSeed(int(seed), False)
        yield
    finally:
        nk.setNumberOfThreads(before)


def build_graph(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    weight: np.ndarray | None = None,
    *,
    directed: bool = False,
) -> nk.Graph:
    """A networkit graph on nodes ``0..n-1`` from edge arrays (duplicates summed, self-loops dropped)."""
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    w = np.ones(len(src)) if weight is None else np.asarray(weight, dtype=np.float64)
    if len(src) and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise ValueError(f"edge endpoints must lie in 0..{n - 1}")
    keep = (src != dst) & (w > 0)
    src, dst, w = src[keep], dst[keep], w[keep]
    if not directed and len(src):
        # one canonical orientation per pair, so (u,v) and (v,u) merge into one edge
        lo, hi = np.minimum(src, dst), np.maximum(src, dst)
        src, dst = lo, hi
    if len(src):
        key = src * max(n, 1) + dst
        uniq, inv = np.unique(key, return_inverse=True)
        w = np.bincount(inv, weights=w).astype(np.float64)
        src, dst = (uniq // max(n, 1)).astype(np.int64), (uniq % max(n, 1)).astype(np.int64)
    return nk.GraphFromCoo(
        (w, (src.astype(np.uint64), dst.astype(np.uint64))), n=n, weighted=True, directed=directed
    )


@dataclass(frozen=True)
class LeidenResult:
    """A partition found by Leiden: ``membership[i]`` is node i's group (0-based, by decreasing size)."""

    membership: np.ndarray
    resolution: float
    quality: float  # Q_γ at the resolution used
    modularity: float  # standard modularity Q_1 (γ = 1), comparable across resolutions

    @property
    def n_groups(self) -> int:
        return int(self.membership.max()) + 1 if len(self.membership) else 0


def _relabel(vec: Sequence[int]) -> np.ndarray:
    """Group ids 0..k-1 ordered by decreasing size, ties by smallest member (stable, seed-independent)."""
    a = np.asarray(vec, dtype=np.int64)
    if not len(a):
        return a
    ids, first, counts = np.unique(a, return_index=True, return_counts=True)
    order = sorted(range(len(ids)), key=lambda i: (-counts[i], first[i]))
    mapping = np.empty(ids.max() + 1, dtype=np.int64)
    for new, i in enumerate(order):
        mapping[ids[i]] = new
    return mapping[a]


def _adjacency(g: nk.Graph) -> sp.csr_matrix:
    return sp.csr_matrix(nk.algebraic.adjacencyMatrix(g, matrixType="sparse"))


def _coverage_q1(g: nk.Graph, membership: np.ndarray) -> tuple[float, float]:
    """``(C, Q_1)``: coverage ``Σ_c w_in(c)/m`` and standard modularity, computed natively by networkit.

    The partition handed to networkit is rebuilt from compact 0..k-1 labels with its upper bound set
    (networkit 11.3 reads out of bounds on ParallelLeiden's own, non-compact partition objects).
    """
    memb = np.asarray(membership, dtype=np.int64)
    if len(memb) != g.numberOfNodes():
        raise ValueError(f"membership has {len(memb)} entries for {g.numberOfNodes()} nodes")
    part = nk.Partition(len(memb), memb.tolist())
    part.setUpperBound(int(memb.max()) + 1)
    cov = float(nk.community.Coverage().getQuality(part, g))
    return cov, float(nk.community.Modularity().getQuality(part, g))


def modularity(g: nk.Graph, membership: np.ndarray, resolution: float = 1.0) -> float:
    """``Q_γ = Σ_c [ w_in(c)/m − γ (vol(c)/2m)² ]`` on an undirected weighted graph (Reichardt–Bornholdt).

    With coverage ``C = Σ_c w_in(c)/m`` and ``Q_1 = C − Σ_c (vol(c)/2m)²``: ``Q_γ = C − γ (C − Q_1)``.
    """
    if g.totalEdgeWeight() <= 0 or not len(membership):
        return 0.0
    cov, q1 = _coverage_q1(g, membership)
    return cov - float(resolution) * (cov - q1)


def leiden(g: nk.Graph, resolution: float = 1.0, *, seed: int = 0, iterations: int = 3) -> LeidenResult:
    """Leiden communities maximising ``Q_γ`` (modularity with resolution γ = ``resolution``).

    Runs ``networkit.community.ParallelLeiden(g, gamma=resolution)``; small graphs run on one thread
    with ``networkit.setSeed(seed)``, so the result is reproducible.
    """
    if g.numberOfNodes() == 0:
        return LeidenResult(np.zeros(0, dtype=np.int64), resolution, 0.0, 0.0)
    if g.numberOfEdges() == 0:
        memb = np.arange(g.numberOfNodes(), dtype=np.int64)
        return LeidenResult(memb, resolution, 0.0, 0.0)
    with _threads(g.numberOfEdges(), seed):
        algo = nk.community.ParallelLeiden(g, randomize=True, iterations=iterations, gamma=float(resolution))
        algo.run()
        vec = algo.getPartition().getVector()
    memb = _relabel(vec)
    if g.totalEdgeWeight() <= 0:
        return LeidenResult(memb, float(resolution), 0.0, 0.0)
    cov, q1 = _coverage_q1(g, memb)
    return LeidenResult(memb, float(resolution), cov - float(resolution) * (cov - q1), q1)


@dataclass(frozen=True)
class SweepRow:
    """One resolution of a sweep: groups found, Q_1 and stability (mean ARI across seeds and neighbouring γ)."""

    resolution: float
    n_groups: int
    modularity: float
    quality: float
    stability: float
    chosen: bool


def resolution_sweep(
    g: nk.Graph,
    resolutions: Sequence[float] = DEFAULT_RESOLUTIONS,
    *,
    seeds: int = 3,
    seed: int = 0,
    min_q: float = 0.9,
) -> tuple[LeidenResult, list[SweepRow]]:
    """Run Leiden at each γ with several seeds and choose the most *stable* resolution.

    For each γ the best run (highest ``Q_γ``) is kept. Its stability is the mean adjusted Rand index
    between it and (a) the other seeds' partitions at the same γ and (b) the kept partitions at the
    neighbouring γ values — a partition that survives re-seeding and a change of resolution is a
    real structure, not an artefact of one γ (the "plateau" criterion; Fortunato & Barthélemy 2007
    show why γ = 1 alone can merge small groups). Ties are broken by higher ``Q_1``, then by γ
    closest to 1. Only partitions with more than one group and ``Q_1 ≥ min_q · max_γ Q_1`` (default 0.9 — on
    graphs with weak structure, e.g. GitHub followers, an unstructured γ can look "stable") compete; when there
    is none, the run at the γ closest to 1 is returned (the graph has no community structure).
    """
    if not resolutions:
        raise ValueError("resolution_sweep needs at least one resolution")
    from sklearn.metrics import adjusted_rand_score  # here: importing scikit-learn costs ~3 CPU-s

    res = sorted(float(r) for r in resolutions)
    kept: list[LeidenResult] = []
    within: list[float] = []
    for gamma in res:
        runs = [leiden(g, gamma, seed=seed + s) for s in range(max(seeds, 1))]
        best = max(runs, key=lambda r: r.quality)
        kept.append(best)
        others = [adjusted_rand_score(best.membership, r.membership) for r in runs if r is not best]
        within.append(float(np.mean(others)) if others else 1.0)
    stab: list[float] = []
    for i, best in enumerate(kept):
        scores = [within[i]]
        for j in (i - 1, i + 1):
            if 0 <= j < len(kept):
                scores.append(_ari(best.membership, kept[j].membership))
        stab.append(float(np.mean(scores)))
    q_max = max(r.modularity for r in kept)
    multi = [
        i
        for i, r in enumerate(kept)
        if 1 < r.n_groups < max(g.numberOfNodes(), 2) and r.modularity > 0 and r.modularity >= min_q * q_max
    ]
    pool = multi or [min(range(len(kept)), key=lambda i: abs(np.log(res[i])))]
    pick = max(pool, key=lambda i: (round(stab[i], 6), round(kept[i].modularity, 6), -abs(np.log(res[i]))))
    rows = [
        SweepRow(res[i], kept[i].n_groups, kept[i].modularity, kept[i].quality, stab[i], i == pick)
        for i in range(len(kept))
    ]
    return kept[pick], rows


def _ari(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2:
        return 1.0
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(a, b))


def pagerank(g: nk.Graph, damping: float = 0.85) -> np.ndarray:
    """PageRank scores (sum 1) with damping ``damping``; weighted edges pass proportionally more rank."""
    if g.numberOfNodes() == 0:
        return np.zeros(0)
    pr = nk.centrality.PageRank(g, damp=damping, tol=1e-10)
    pr.run()
    s = np.asarray(pr.scores(), dtype=np.float64)
    total = s.sum()
    return s / total if total > 0 else s


def core_numbers(g: nk.Graph) -> np.ndarray:
    """k-core number of each node (Seidman 1983) on the unweighted, undirected graph."""
    if g.numberOfNodes() == 0:
        return np.zeros(0, dtype=np.int64)
    h = nk.graphtools.toUnweighted(g)
    if h.isDirected():
        h = nk.graphtools.toUndirected(h)
    h.removeSelfLoops()
    cd = nk.centrality.CoreDecomposition(h)
    cd.run()
    return np.asarray(cd.scores(), dtype=np.int64)


def betweenness(g: nk.Graph, *, exact_below: int = 5000, epsilon: float = 0.01, seed: int = 0) -> np.ndarray:
    """Normalised betweenness (Brandes 2001); an edge's length is ``1 / weight`` (strong ties are short).

    Above ``exact_below`` nodes the estimate of ``networkit.centrality.ApproxBetweenness`` (error ≤ ε) is used.
    """
    n = g.numberOfNodes()
    if n < 3:
        return np.zeros(n)
    a = _adjacency(g)
    if not g.isDirected():
        a = sp.triu(a, k=1)
    a = a.tocoo()
    dist = build_graph(n, a.row, a.col, 1.0 / np.maximum(a.data, 1e-12), directed=g.isDirected())
    with _threads(0, seed):
        if n < exact_below:
            b = nk.centrality.Betweenness(dist, normalized=True)
        else:  # pragma: no cover - large graphs only
            b = nk.centrality.ApproxBetweenness(dist, epsilon=epsilon)
        b.run()
        return np.asarray(b.scores(), dtype=np.float64)


def participation(g: nk.Graph, membership: np.ndarray) -> np.ndarray:
    """Participation coefficient ``P_i = 1 − Σ_s (k_is / k_i)²`` with weighted degrees (Guimerà & Amaral 2005)."""
    n = g.numberOfNodes()
    if n == 0:
        return np.zeros(0)
    memb = np.asarray(membership, dtype=np.int64)
    a = _adjacency(g)
    onehot = sp.csr_matrix((np.ones(n), (np.arange(n), memb)), shape=(n, int(memb.max()) + 1))
    per = (a @ onehot).toarray()  # k_is: weight from node i into group s
    k = per.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 1.0 - ((per / k[:, None]) ** 2).sum(axis=1)
    return np.where(k > 0, p, 0.0)
