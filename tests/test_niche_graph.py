"""Graph algorithms behind niche groups: exact results on tiny canonical graphs, plus properties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tribescope.niche import _graphalgo as ga


def _cliques(sizes, bridges=(), n=None):
    """Disjoint cliques of the given sizes (nodes numbered consecutively) plus bridge edges."""
    edges, base = [], 0
    for s in sizes:
        edges += list(itertools.combinations(range(base, base + s), 2))
        base += s
    edges += list(bridges)
    e = np.array(edges)
    return ga.build_graph(n or base, e[:, 0], e[:, 1])


def test_two_cliques_joined_by_a_bridge_split_exactly():
    g = _cliques([5, 5], [(4, 5)])
    r = ga.leiden(g, 1.0, seed=1)
    assert r.membership.tolist() == [0] * 5 + [1] * 5
    # Q = 2 · (10/21 − (21/42)²)
    assert r.modularity == pytest.approx(2 * (10 / 21 - 0.25))


def test_modularity_matches_hand_computation_with_resolution():
    g = _cliques([3, 3], [(2, 3)])  # m = 7, each triangle: w_in = 3, vol = 7
    memb = np.array([0, 0, 0, 1, 1, 1])
    assert ga.modularity(g, memb, 1.0) == pytest.approx(2 * (3 / 7 - (7 / 14) ** 2))
    assert ga.modularity(g, memb, 2.0) == pytest.approx(2 * (3 / 7 - 2 * (7 / 14) ** 2))
    assert ga.modularity(g, np.zeros(6, dtype=int), 1.0) == pytest.approx(0.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_modularity_equals_the_textbook_formula_on_random_weighted_graphs(seed):
    """networkit's coverage/modularity route gives Σ_c [w_in/m − γ (vol/2m)²] from the edge list."""
    rng = np.random.default_rng(seed)
    n, m = 300, 2000
    src, dst, w = rng.integers(0, n, m), rng.integers(0, n, m), rng.uniform(0.1, 2.0, m)
    g = ga.build_graph(n, src, dst, w)
    memb = ga._relabel(rng.integers(0, 9, n))
    keep = src != dst
    s_, d_, w_ = src[keep], dst[keep], w[keep]
    tot = w_.sum()
    k = memb.max() + 1
    vol = np.bincount(memb[s_], weights=w_, minlength=k) + np.bincount(memb[d_], weights=w_, minlength=k)
    same = memb[s_] == memb[d_]
    w_in = np.bincount(memb[s_][same], weights=w_[same], minlength=k)
    for gamma in (0.5, 1.0, 2.0):
        want = float(np.sum(w_in / tot - gamma * (vol / (2 * tot)) ** 2))
        assert ga.modularity(g, memb, gamma) == pytest.approx(want, abs=1e-12)


def test_build_graph_merges_duplicates_both_directions_and_drops_self_loops():
    g = ga.build_graph(3, np.array([0, 1, 2, 0]), np.array([1, 0, 2, 2]), np.array([1.0, 2.0, 5.0, 1.0]))
    assert g.numberOfEdges() == 2
    assert g.weight(0, 1) == 3.0
    assert g.totalEdgeWeight() == 4.0


def test_sweep_finds_small_groups_that_gamma_one_merges():
    # ring of 16 triangles joined by single edges: the resolution-limit example (Fortunato & Barthélemy 2007)
    n_tri = 16
    bridges = [(3 * i + 2, (3 * i + 3) % (3 * n_tri)) for i in range(n_tri)]
    g = _cliques([3] * n_tri, bridges)
    best, rows = ga.resolution_sweep(g, (0.5, 1.0, 2.0, 3.0), seed=0)
    chosen = [r for r in rows if r.chosen]
    assert len(chosen) == 1 and chosen[0].resolution == best.resolution
    assert best.n_groups == n_tri
    truth = np.repeat(np.arange(n_tri), 3)
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(truth, best.membership) == pytest.approx(1.0)


def test_graph_without_structure_returns_gamma_one_run():
    g = _cliques([6])
    best, rows = ga.resolution_sweep(g, (0.5, 1.0, 2.0), seed=0)
    assert best.resolution == 1.0 and best.n_groups == 1
    assert [r.chosen for r in rows] == [False, True, False]


def test_same_seed_same_partition():
    rng = np.random.default_rng(3)
    s, d = rng.integers(0, 60, 400), rng.integers(0, 60, 400)
    g = ga.build_graph(60, s, d)
    a, b = ga.leiden(g, 1.0, seed=7), ga.leiden(g, 1.0, seed=7)
    assert a.membership.tolist() == b.membership.tolist()


def test_star_centralities():
    g = ga.build_graph(5, np.array([0, 0, 0, 0]), np.array([1, 2, 3, 4]))
    pr = ga.pagerank(g)
    assert pr.sum() == pytest.approx(1.0)
    assert pr.argmax() == 0 and np.allclose(pr[1:], pr[1])
    assert ga.core_numbers(g).tolist() == [1, 1, 1, 1, 1]
    b = ga.betweenness(g)
    # the centre lies on all C(4,2) = 6 shortest paths between leaves; normalised by C(4,2) = 6
    assert b.tolist() == pytest.approx([1.0, 0, 0, 0, 0])


def test_core_numbers_of_clique_with_tail():
    g = _cliques([4], [(3, 4), (4, 5)], n=6)
    assert ga.core_numbers(g).tolist() == [3, 3, 3, 3, 1, 1]


def test_edges_outside_the_node_range_are_refused():
    with pytest.raises(ValueError, match=r"0\.\.2"):
        ga.build_graph(3, np.array([0]), np.array([3]))


def test_participation_coefficient():
    g = _cliques([3, 3], [(2, 3)])
    p = ga.participation(g, np.array([0, 0, 0, 1, 1, 1]))
    # node 2: 2 edges inside, 1 outside → 1 − (2/3)² − (1/3)² = 4/9
    assert p.tolist() == pytest.approx([0, 0, 4 / 9, 4 / 9, 0, 0])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=2, max_value=6), min_size=2, max_size=6), st.integers(0, 5))
def test_disjoint_cliques_are_recovered(sizes, seed):
    """Property: disconnected cliques are always separate groups, one per clique."""
    g = _cliques(sizes)
    r = ga.leiden(g, 1.0, seed=seed)
    truth = np.repeat(np.arange(len(sizes)), sizes)
    assert r.n_groups == len(sizes)
    for k in range(len(sizes)):
        assert len(set(r.membership[truth == k])) == 1


@settings(max_examples=25, deadline=None)
@given(st.integers(5, 40), st.integers(0, 10_000))
def test_modularity_bounds_and_relabelling(n, seed):
    """Property: −1/2 ≤ Q ≤ 1, groups numbered 0..k−1 by decreasing size."""
    rng = np.random.default_rng(seed)
    s, d = rng.integers(0, n, 3 * n), rng.integers(0, n, 3 * n)
    g = ga.build_graph(n, s, d)
    r = ga.leiden(g, 1.0, seed=seed)
    assert -0.5 - 1e-9 <= r.modularity <= 1.0
    sizes = np.bincount(r.membership)
    assert list(sizes) == sorted(sizes, reverse=True)
