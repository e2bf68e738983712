"""Per-creator commenter graphs on networkit.

Nodes are a creator's commenters; an undirected edge joins two commenters who exchanged at least one
conversational reply (:func:`tribescope.metrics.ties`). The edge list is reduced in the engine and
pulled out as Arrow, so this runs the same on DuckDB and Spark.
"""

from __future__ import annotations

from collections import defaultdict

import ibis.expr.types as ir
import networkit as nk
import numpy as np
import pyarrow as pa

__all__ = ["commenter_graph_edges", "commenter_graph_stats", "graph_stats_from_edges"]

_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("creator_id", pa.string()),
        ("graph_nodes", pa.int64()),
        ("graph_edges", pa.int64()),
        ("graph_lcc_share", pa.float64()),
        ("graph_clustering", pa.float64()),
        ("graph_density", pa.float64()),
    ]
)


def commenter_graph_edges(ties: ir.Table) -> ir.Table:
    """Distinct undirected commenter pairs per creator (``platform, creator_id, a, b``)."""
    return ties.select("platform", "creator_id", "a", "b").distinct()


def graph_stats_from_edges(edges: pa.Table, commenters: pa.Table | None = None) -> pa.Table:
    """Graph statistics per creator from an Arrow edge list (``platform, creator_id, a, b``).

    ``commenters`` (``platform, creator_id, n_commenters``) sets the node count including commenters who
    talk to nobody; without it only the interacting commenters are nodes.

    * ``graph_lcc_share`` — size of the largest connected component with ≥ 2 nodes / nodes (0 without edges).
    * ``graph_clustering`` — average local clustering coefficient over nodes of degree ≥ 2 (Watts &
      Strogatz 1998; null when no node has degree ≥ 2).
    * ``graph_density`` — edges / possible edges among the *interacting* commenters, 2E / (k(k − 1)).
    """
    by_creator: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    cols = edges.select(["platform", "creator_id", "a", "b"]).to_pydict()
    for p, c, a, b in zip(cols["platform"], cols["creator_id"], cols["a"], cols["b"], strict=True):
        if a is not None and b is not None and a != b:
            by_creator[(p, c)].append((a, b))
    n_nodes: dict[tuple[str, str], int] = {}
    if commenters is not None:
        cc = commenters.to_pydict()
        for p, c, n in zip(cc["platform"], cc["creator_id"], cc["n_commenters"], strict=True):
            n_nodes[(p, c)] = int(n or 0)
    out: dict[str, list[object]] = {f.name: [] for f in _SCHEMA}
    for key in sorted(set(by_creator) | set(n_nodes)):
        pairs = sorted(set(by_creator.get(key, [])))
        idx: dict[str, int] = {}
        for a, b in pairs:
            idx.setdefault(a, len(idx))
            idx.setdefault(b, len(idx))
        k = len(idx)
        n = max(n_nodes.get(key, k), k)
        lcc = clustering = density = None
        if pairs:
            g = nk.Graph(k, weighted=False, directed=False)
            for a, b in pairs:
                g.addEdge(idx[a], idx[b])
            cc = nk.components.ConnectedComponents(g)
            cc.run()
            lcc = max(cc.getComponentSizes().values()) / n if n else None
            deg = np.array([g.degree(v) for v in range(k)])
            if (deg >= 2).any():
                local = nk.centrality.LocalClusteringCoefficient(g, turbo=False)
                local.run()
                scores = np.array(local.scores())
                clustering = float(scores[deg >= 2].mean())
            density = 2.0 * len(pairs) / (k * (k - 1)) if k > 1 else None
        elif n:
            lcc = 0.0
        out["platform"].append(key[0])
        out["creator_id"].append(key[1])
        out["graph_nodes"].append(n)
        out["graph_edges"].append(len(pairs))
        out["graph_lcc_share"].append(lcc)
        out["graph_clustering"].append(clustering)
        out["graph_density"].append(density)
    return pa.table(out, schema=_SCHEMA)


def commenter_graph_stats(threads: ir.Table) -> pa.Table:
    """:func:`graph_stats_from_edges` for every creator of a :func:`tribescope.metrics.threads` table."""
    from tribescope.metrics import ties

    edges = commenter_graph_edges(ties(threads)).to_pyarrow()
    aud = threads.filter(~threads.is_creator & threads.author_id.notnull())
    com = aud.group_by("platform", "creator_id").agg(n_commenters=aud.author_id.nunique()).to_pyarrow()
    return graph_stats_from_edges(edges, com)
