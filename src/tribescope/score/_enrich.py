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

They are derived tables: brought up to date by every ``tribescope score`` (unless ``--no-models``; only creators
whose inputs changed are recomputed, see :mod:`tribescope.score._cache`) and
written by :meth:`~tribescope.store.Workspace.write_table` — on DuckDB into the (writable) workspace file,
on Spark as Parquet under ``<PARQUET_DIR>/_derived/<table>/`` (the exported tables are never touched;
see docs/scale-out.md). On Spark the account model and the aggregations run in the engine; the pod
components and the niche classifier pull reduced data to the driver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa

from tribescope._gc import fewer_collections
from tribescope.score._cache import SCORE_MEMORY, Scope, ScoreRun, code_version, per_creator_digest

__all__ = ["ENRICHMENTS", "enrich"]

_RENAME = {"authentic_engagement_rate": "authentic_er", "pod_engagement_share": "pod_share"}


def _pod_rows(pods: pa.Table) -> list[tuple[str, str, str]]:
    """``(platform, creator targeted, member)`` of every pod."""
    from tribescope.authenticity._pods import pod_members

    return [(p, cr, a) for p, a, cr in pod_members(pods)]


def _authenticity(ws: Any, run: ScoreRun | None = None) -> pa.Table:
    """Per-creator audience authenticity; pods are found over all creators (recomputed when any creator's data
    changed), and a creator is recomputed when its data or its pod memberships changed."""
    from tribescope.authenticity import creator_audience_authenticity
    from tribescope.authenticity._pods import PodParams, find_pods

    run = run or ScoreRun.open(ws)  # a caching run has started the text features' warm-up (ScoreRun.open)
    params = PodParams()
    pods = run.global_result("pods", f"{code_version()}|{params}", lambda: find_pods(ws, params))

    def compute(sc: Scope) -> pa.Table:
        # every creator: the workspace's own tables (None), as restricting the accounts to the commenters first
        # keeps nearly all of them, at the cost of a grouping and a join (415k accounts at synth m)
        posts, comments = (None, None) if sc.full else (sc.posts, sc.comments)
        return creator_audience_authenticity(ws, pods=pods, posts=posts, comments=comments).to_pyarrow()

    t = run.stage("authenticity", code_version(), compute, extra=per_creator_digest(_pod_rows(pods)))
    return t.rename_columns([_RENAME.get(c, c) for c in t.column_names])


def _niches(ws: Any, run: ScoreRun | None = None) -> pa.Table:
    from tribescope.niche._category import predict_niche_category

    run = run or ScoreRun.open(ws)
    return run.stage(
        "niches",
        code_version(),
        lambda sc: predict_niche_category(ws, posts=sc.posts, comments=sc.comments),
    )


#: name → ``fn(workspace, run=None)``: one row per creator, stored as the workspace table ``name``
ENRICHMENTS: dict[str, Callable[..., pa.Table]] = {
    "creator_audience_authenticity": _authenticity,
    "creator_niches": _niches,
}


def _can_store(ws: Any) -> bool:
    """DuckDB: the workspace is open for writing. Spark: always (results go to the derived folder)."""
    return ws.backend == "pyspark" or (ws.backend == "duckdb" and not ws.read_only)


def enrich(
    ws: Any,
    progress: Callable[[str], None] | None = None,
    *,
    run: ScoreRun | None = None,
    stored: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Compute and store every enrichment table; returns rows per table.

    On a writable DuckDB workspace only creators whose inputs changed since the last score are recomputed
    (:mod:`tribescope.score._cache`); pass the ``run`` of a whole ``score`` to share its fingerprints.
    ``stored(name)`` is called once each table is stored (``tribescope score``: :meth:`MetricLane.stored`)."""
    if not _can_store(ws):
        return {}
    out: dict[str, int] = {}
    with fewer_collections(), ws.memory_limit(SCORE_MEMORY):
        run = run or ScoreRun.open(ws)
        for name, fn in ENRICHMENTS.items():
            if progress:
                progress(name)
            tbl = fn(ws, run)
            ws.write_table(name, tbl)
            out[name] = tbl.num_rows
            if stored:
                stored(name)
        run.commit()
    return out
