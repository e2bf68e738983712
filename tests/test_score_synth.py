"""The score on `tribescope synth` xs data: planted kinds separate, and PySpark gives DuckDB's scores."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from tribescope.score import score_creators

try:  # the tests folder may or may not be a package
    from ._score_fixtures import imported_synth
except ImportError:
    from _score_fixtures import imported_synth  # type: ignore[no-redef]

pytestmark = pytest.mark.slow

KIND_LABEL = {
    "community": "community_influencer",
    "broadcast": "broadcast_influencer",
    "boosted": "suspicious",
    "small": "creator",
}


@pytest.fixture(scope="module")
def xs(tmp_path_factory):
    d = tmp_path_factory.mktemp("synth_xs")
    ws = imported_synth(d, 4)
    with open(d / "exports" / "truth" / "creators.csv", newline="") as fh:
        truth = {(r["platform"], r["creator_id"]): r["kind"] for r in csv.DictReader(fh)}
    yield d, ws, truth
    ws.close()


def _auc(pos: list[float], neg: list[float]) -> float:
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def test_planted_community_creators_outscore_broadcast_ones(xs):
    _, ws, truth = xs
    rows = score_creators(ws, write=True, sentiment=False).to_pylist()
    assert len(rows) == len(truth)
    kind = {(r["platform"], r["creator_id"]): truth[(r["platform"], r["creator_id"])] for r in rows}
    comm = [r["community_score"] for r in rows if kind[(r["platform"], r["creator_id"])] == "community"]
    broad = [r["community_score"] for r in rows if kind[(r["platform"], r["creator_id"])] == "broadcast"]
    assert comm and broad
    assert _auc(comm, broad) >= 0.9  # measured 1.0 on s-scale seeds; looser here to catch regressions only
    judged = [r for r in rows if r["label"] != "insufficient_data"]
    agree = np.mean([r["label"] == KIND_LABEL[kind[(r["platform"], r["creator_id"])]] for r in judged])
    assert agree >= 0.75
    assert ws.has_table("creator_scores")


# Spark ↔ DuckDB score parity (models included) lives in tests/test_spark_backend.py.
