"""``tribescope score`` as one library call: the models, the metric stages beside them, the score, stored."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

    from tribescope.score._cache import StageTiming
    from tribescope.score._spec import Spec

__all__ = ["load_ahead", "score_workspace", "warm_up"]


def score_workspace(
    ws: Any,
    spec: Spec | str | os.PathLike[str] | None = None,
    *,
    sentiment: bool = True,
    models: bool = True,
    full: bool = False,
    progress: Callable[[str], None] | None = None,
    timings: list[StageTiming] | None = None,
) -> pa.Table:
    """Score every creator as ``tribescope score`` does; one row per (platform, creator_id), best score first
    (creators labelled ``insufficient_data`` after the others).

    :func:`~tribescope.score.score_creators` alone reads the model tables already stored (audience authenticity,
    niches) and computes none: on a workspace never scored by the CLI its scores lack the models' components. This
    brings them up to date first (:func:`tribescope.score._enrich.enrich`, on a writable DuckDB workspace or Spark),
    with the metric stages on a second connection beside them (DuckDB), then scores and stores the result.
    Only creators whose inputs changed since the last score are recomputed unless ``full``; ``models=False`` uses
    the stored model tables (``--no-models``), ``sentiment=False`` skips VADER. ``progress(message)`` is called as
    the work moves on (the CLI's status line). ``timings``: a list to which each stage's
    :class:`~tribescope.score._cache.StageTiming` is added (``tribescope score --timings``), also when the score fails.
    """
    from tribescope.score._cache import SCORE_MEMORY, ScoreRun, fingerprints_ahead
    from tribescope.store._workspace import require_workspace

    require_workspace(ws, "score_workspace")
    from tribescope.store import require_writable

    require_writable(ws, "score_workspace", "the model tables and the scores (table creator_scores)")
    from tribescope.score._spec import load_spec

    spec = load_spec(spec)  # a broken spec file fails here, before the models and metrics run
    _check_spec_columns(ws, spec, sentiment=sentiment)  # and a column it names that no score table has
    say = progress or (lambda message: None)
    with ws.memory_limit(SCORE_MEMORY):  # also around the fingerprints of ScoreRun.open
        say("checking what changed…")
        ahead = fingerprints_ahead(ws)  # the engine scans while the scoring modules load
        from tribescope.score._score import score_creators

        run = ScoreRun.open(ws, full=full, ahead=ahead)
        if timings is not None:
            # the caller's list from here on (the lane's view of the run, ScoreRun.on, shares it)
            timings.extend(run.timings)
            run.timings = timings
        with contextlib.ExitStack() as stack:
            duck = ws.backend == "duckdb"
            # the checkpoint that ends a score which deleted no row leaves the row groups as written
            skip_vacuum = stack.enter_context(ws.commit_vacuum()) if duck and not ws.read_only else None
            lane = None
            if models:
                from tribescope.score._enrich import enrich
                from tribescope.score._score import MetricLane

                if (
                    duck and not ws.read_only
                ):  # the metric stages run on a second connection beside the models
                    lane = stack.enter_context(MetricLane(ws, spec, run, sentiment=sentiment))
                say("applying models…")
                enrich(
                    ws,
                    progress=lambda name: say(f"applying models: {name}"),
                    run=run,
                    stored=lane.stored if lane is not None else None,
                )
                if lane is not None:
                    lane.models_done()  # the lane's last stages on every core
            say("computing metrics and scores…")
            tbl = score_creators(ws, spec=spec, sentiment=sentiment, run=run, lane=lane)
            if skip_vacuum is not None and not ws.rows_deleted:
                skip_vacuum()
    return tbl


def _check_spec_columns(ws: Any, spec: Spec, *, sentiment: bool) -> None:
    """:func:`~tribescope.score._spec.check_spec_columns` with the columns of the model tables the workspace holds,
    before the models and metrics run (the scoring modules are not loaded for it: they load while the engine scans).
    Skipped when a metric family is registered (:func:`~tribescope.score.register_metric_family`, whose columns are
    known only once computed): the check after the metrics still runs."""
    import sys

    from tribescope.score._spec import OPTIONAL_TABLES, check_spec_columns

    scoring = sys.modules.get("tribescope.score._score")
    if scoring is not None and getattr(scoring, "_FAMILIES", None):
        return
    extra = {c for name in OPTIONAL_TABLES if ws.has_table(name) for c in ws.table(name).columns}
    check_spec_columns(spec, sentiment=sentiment, extra=extra)


def warm_up() -> None:
    """Load what :func:`score_workspace` loads before its first query: the scoring, model and graph modules and the
    shipped models (each model's loader caches it per process). For a caller with time to spare before the score —
    ``tribescope score PATHS`` runs it on a thread while the import is in the engine; loading twice is harmless."""
    import scipy.sparse.csgraph  # noqa: F401  - the commenter graphs' components

    from tribescope.authenticity import creator_audience_authenticity  # noqa: F401
    from tribescope.authenticity._accounts import load_account_model
    from tribescope.authenticity._comments import load_text_model
    from tribescope.authenticity._pods import find_pods  # noqa: F401
    from tribescope.niche._category import load_category_model
    from tribescope.score import _enrich, _score  # noqa: F401

    load_account_model()
    load_text_model("spam")
    load_text_model("attack")
    load_category_model()


def load_ahead() -> threading.Thread:
    """:func:`warm_up` on a background thread, started here; the caller joins it before it imports anything more
    itself (two threads importing modules that import each other can deadlock). ``tribescope score PATHS`` starts it
    with its import's first progress (the files listed, hashed ahead and classified); the import loads no module
    :func:`warm_up` loads: ~0.45 CPU-s of module and model loading after the CLI's own (docs/perf-rounds.md,
    forty-second round), which the score would otherwise pay on its first stages; at the issue's 190k comments the
    command takes the same time with or without it within noise (the import keeps both cores busy too: fortieth
    round). A failure is ignored: the score loads the model itself and reports it with its own message."""

    def load() -> None:
        with contextlib.suppress(Exception):
            warm_up()

    t = threading.Thread(target=load, name="tribescope-load-ahead", daemon=True)
    t.start()
    return t
