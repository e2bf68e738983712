"""Model-based tables the score joins when present (issues 4 and 5, folded in).

* ``comment_features`` (stored by ``creator_audience_authenticity`` on a writable DuckDB workspace) — spam, attack,
  quality class and sentiment per comment, computed in the engine and updated incrementally
  (:func:`tribescope.authenticity.comment_scores`); the per-creator authenticity and the score's
  ``sentiment_mean`` read it, so each text is scored once.

* ``creator_audience_authenticity`` — trained fake-account, spam/attack and pod models
  (:func:`tribescope.authenticity.creator_audience_authenticity`), renamed to the spec's metrics:
  ``authentic_engagement_rate`` → ``authentic_er``, ``pod_engagement_share`` → ``pod_share``.
* ``creator_niches`` — the niche-category classifier
  (:func:`tribescope.niche.predict_niche_category`): ``niche_category``, ``niche_confidence``.

They are derived tables: recomputed by every ``tribescope score`` (unless ``--no-models``) and
written by :meth:`~tribescope.store.Workspace.write_table` — on DuckDB into the (writable) workspace file,
on Spark as Parquet under ``<PARQUET_DIR>/_derived/<table>/`` (the exported tables are never touched;
see docs/scale-out.md). On Spark the account model and the aggregations run in the engine; the pod
components and the niche classifier pull reduced data to the driver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

__all__ = ["ENRICHMENTS", "enrich"]

_RENAME = {"authentic_engagement_rate": "authentic_er", "pod_engagement_share": "pod_share"}


def _authenticity(ws: Any) -> pa.Table:
    from tribescope.authenticity import creator_audience_authenticity

    t = creator_audience_authenticity(ws).to_pyarrow()
    return t.rename_columns([_RENAME.get(c, c) for c in t.column_names])


def _niches(ws: Any) -> pa.Table:
    from tribescope.niche import predict_niche_category

    return predict_niche_category(ws)


ENRICHMENTS: dict[str, Callable[[Any], pa.Table]] = {
    "creator_audience_authenticity": _authenticity,
    "creator_niches": _niches,
}


def _can_store(ws: Any) -> bool:
    """DuckDB: the workspace is open for writing. Spark: always (results go to the derived folder)."""
    return ws.backend == "pyspark" or (ws.backend == "duckdb" and not ws.read_only)


def enrich(ws: Any, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Compute and store every enrichment table; returns rows per table."""
    if not _can_store(ws):
        return {}
    out: dict[str, int] = {}
    for name, fn in ENRICHMENTS.items():
        if progress:
            progress(name)
        tbl = fn(ws)
        ws.write_table(name, tbl)
        out[name] = tbl.num_rows
    return out
