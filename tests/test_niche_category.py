"""The shipped niche-category model: loads without pickle, applies to a workspace, reports its metrics."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from tests import _niche_world as W

from tribescope.niche import CATEGORIES, load_category_model, predict_niche_category


def test_shipped_model_and_metrics():
    m = load_category_model()
    assert set(m.classes) == set(CATEGORIES)
    assert m.coef.shape[0] == len(CATEGORIES)
    meta = json.loads((resources.files("tribescope.niche") / "models" / "category.json").read_text())
    held = meta["held_out_metrics"]
    assert held["n"] > 1000 and 0 < held["macro_f1"] <= held["accuracy"] <= 1
    assert held["accuracy"] > held["majority_baseline_accuracy"]


def test_predicts_categories_from_text_alone(ws):
    W.build(ws)
    # an imported influencer list whose Category column is empty changes nothing
    ws.duck.execute("UPDATE accounts SET category = ''")
    t = {r["creator_id"]: r for r in predict_niche_category(ws).to_pylist()}
    assert {t[c]["niche_category"] for c in ("fa", "fb", "fc")} == {"fitness"}
    assert {t[c]["niche_category"] for c in ("ka", "kb", "kc")} == {"food"}
    assert all(0 < r["niche_confidence"] <= 1 for r in t.values())


def test_creators_without_enough_text_are_not_judged(ws):
    W.insert(ws, "posts", [{"platform": "instagram", "post_id": "p", "creator_id": "quiet", "caption": "🙂"}])
    (row,) = predict_niche_category(ws).to_pylist()
    assert row["niche_category"] is None and row["niche_confidence"] is None


def test_confidence_threshold_abstains(ws):
    W.build(ws)
    t = predict_niche_category(ws, min_confidence=1.0).to_pylist()
    assert all(r["niche_category"] is None for r in t)


def test_probabilities_sum_to_one():
    m = load_category_model()
    p = m.predict_proba(["pasta recipe dinner", "gym squat protein", ""], ["a", "b", "c"])
    assert p.sum(axis=1) == pytest.approx([1.0, 1.0, 1.0])
