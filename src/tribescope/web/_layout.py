"""A small deterministic force-directed layout for the network pictures (drawing only, not a metric)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["spring_layout"]


def spring_layout(
    n: int, edges: Sequence[tuple[int, int]], *, iterations: int = 80, seed: int = 7
) -> np.ndarray:
    """Positions in [0, 1]² for ``n`` nodes (Fruchterman & Reingold 1991, "Graph drawing by force-directed
    placement"): repulsion k²/d between all pairs, attraction d²/k along edges, linear cooling.

    Vectorised over all pairs (O(n²) per iteration, fine for the ≤ 120 nodes drawn).
    """
    if n == 0:
        return np.zeros((0, 2))
    if n == 1:
        return np.array([[0.5, 0.5]])
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    k = 1.0 / np.sqrt(n)
    e = np.array(edges, dtype=int).reshape(-1, 2)
    t = 0.1
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=-1), 1e-3)
        disp = ((k * k / dist**2)[:, :, None] * delta).sum(axis=1)
        if len(e):
            d = pos[e[:, 0]] - pos[e[:, 1]]
            dl = np.maximum(np.linalg.norm(d, axis=1), 1e-3)
            f = (dl / k)[:, None] * d
            np.add.at(disp, e[:, 0], -f)
            np.add.at(disp, e[:, 1], f)
        length = np.maximum(np.linalg.norm(disp, axis=1), 1e-9)
        pos += disp / length[:, None] * np.minimum(length, t)[:, None]
        t -= 0.1 / iterations
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    out: np.ndarray = (pos - lo) / span
    return out
