"""Leiden on a 1M-edge creator graph (target: ≤ 2 s on 2 cores). Not a test; prints its figures.

    .venv/bin/python benchmarks/bench_leiden.py [--edges 1000000] [--nodes 100000] [--groups 500] [--threads 2]

The graph is a weighted planted partition (stochastic block model): ``groups`` niches of equal size, 85 % of
each creator's edges inside its niche, weights ~ U(0.05, 1) — the shape of the creator graph of
:mod:`tribescope.niche._groups` (audience cosine + topic similarity). Reported: graph build time, Leiden time
(``networkit.community.ParallelLeiden``, γ = 1, 3 iterations), groups found, modularity, ARI vs the plant.
"""

from __future__ import annotations

import argparse
import os
import time

import networkit as nk
import numpy as np
from sklearn.metrics import adjusted_rand_score

from tribescope.niche import _graphalgo as ga


def planted(n: int, m: int, k: int, p_in: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = np.arange(n) % k
    src = rng.integers(0, n, m)
    inside = rng.random(m) < p_in
    # same-group partner: shift by a multiple of k (keeps the residue, i.e. the group)
    same = (src + k * rng.integers(1, max(n // k, 2), m)) % n
    other = rng.integers(0, n, m)
    dst = np.where(inside, same, other)
    return truth, src, dst, rng.uniform(0.05, 1.0, m)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edges", type=int, default=1_000_000)
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--groups", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    nk.setNumberOfThreads(a.threads)
    truth, s, d, w = planted(a.nodes, int(a.edges * 1.035), a.groups, 0.85, 0)
    t0 = time.perf_counter()
    g = ga.build_graph(a.nodes, s, d, w)
    t_build = time.perf_counter() - t0
    times = []
    for r in range(a.repeat):
        nk.setSeed(r, False)
        t1 = time.perf_counter()
        algo = nk.community.ParallelLeiden(g, randomize=True, iterations=3, gamma=1.0)
        algo.run()
        times.append(time.perf_counter() - t1)
        part = np.asarray(algo.getPartition().getVector())
    q = ga.modularity(g, part)  # (networkit.community.Modularity crashes on ParallelLeiden partitions in 11.3)
    print(f"graph: {g.numberOfNodes():,} nodes, {g.numberOfEdges():,} edges (build {t_build:.2f} s)")
    print(f"threads: {nk.getMaxNumberOfThreads()} (machine cores {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.1f})")
    print(f"Leiden γ=1: best {min(times):.2f} s, median {sorted(times)[len(times) // 2]:.2f} s over {a.repeat} runs")
    print(f"groups {len(set(part.tolist())):,} (planted {a.groups}), modularity {q:.3f}, "
          f"ARI vs planted {adjusted_rand_score(truth, part):.3f}")


if __name__ == "__main__":
    main()
