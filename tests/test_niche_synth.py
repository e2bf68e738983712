"""Planted niches and leaders of `tribescope synth` are recovered (generate → import → niche_groups)."""

from __future__ import annotations

import csv

import pytest
from sklearn.metrics import adjusted_rand_score

from tribescope.ingest import import_paths
from tribescope.ingest._run import expand_paths
from tribescope.niche import niche_groups
from tribescope.synth import generate


@pytest.mark.slow
def test_xs_synth_niches_and_leaders_recovered(tmp_path, ws):
    out = tmp_path / "synth"
    generate(out, "xs", 0)
    import_paths(ws, expand_paths([out]))
    res = niche_groups(ws, seed=0)
    with (out / "truth" / "creators.csv").open(newline="") as fh:
        truth = {(r["platform"], r["creator_id"]): r for r in csv.DictReader(fh)}
    rows = res.creators.to_pylist()
    keys = [(r["platform"], r["creator_id"]) for r in rows]
    assert set(keys) == set(truth)
    ari = adjusted_rand_score([truth[k]["niche"] for k in keys], [r["group"] for r in rows])
    assert ari >= 0.8
    leaders = [r for r, k in zip(rows, keys, strict=True) if truth[k]["is_leader"] == "true"]
    assert leaders and all(r["leader_rank"] <= 3 for r in leaders)
