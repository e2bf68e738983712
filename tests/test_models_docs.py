"""The headline figures the docs state are the ones recorded in the shipped model files (which `tribescope train`
rebuilds and `tribescope eval` prints), so a retrained model with an unchanged doc fails here. No real data needed."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _model(pkg: str, name: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(resources.files(pkg).joinpath("models", name).read_text())
    return out


def _f(x: float) -> str:
    return f"{x:.3f}"


def test_niche_classifier_figures_in_findings_are_the_recorded_ones() -> None:
    doc = (DOCS / "findings-real-data.md").read_text()
    h = _model("tribescope.niche", "category.json")["held_out_metrics"]
    acc_ci = "[" + ", ".join(map(_f, h["accuracy_ci95"])) + "]"
    f1_ci = "[" + ", ".join(map(_f, h["macro_f1_ci95"])) + "]"
    assert f"**{_f(h['accuracy'])}** {acc_ci}" in doc
    assert f"**{_f(h['macro_f1'])}** {f1_ci}" in doc
    assert f"| {_f(h['majority_baseline_accuracy'])} |" in doc
    j = h["judged"]
    assert f"coverage {100 * j['coverage']:.1f} %, n {j['n']:,}" in doc
    assert f"**{_f(j['accuracy'])}**" in doc and f"**{_f(j['macro_f1'])}**" in doc


def test_comment_model_figures_in_authenticity_are_the_recorded_ones() -> None:
    doc = (DOCS / "authenticity.md").read_text()
    spam = _model("tribescope.authenticity", "spam.json")["meta"]["metrics"]
    attack = _model("tribescope.authenticity", "attack.json")["meta"]["metrics"]
    s = spam["held_out"]
    assert f"| **{_f(s['f1'])}** | {_f(s['accuracy'])} | {_f(s['roc_auc'])} |" in doc
    assert f"**{_f(spam['leave_one_video_out_mean_f1'])}**" in doc
    a = attack["held_out"]
    assert f"| **{_f(a['accuracy'])}** | {_f(a['f1'])} | {_f(a['roc_auc'])} |" in doc
    assert f"**{_f(attack['leave_one_fold_out_mean_accuracy'])}**" in doc


def test_account_model_figures_in_authenticity_are_the_recorded_ones() -> None:
    doc = (DOCS / "authenticity.md").read_text()
    m = _model("tribescope.authenticity", "fake_accounts.json")
    assert f"| `default` (`is_fake`) | **{m['threshold']:.2f}** |" in doc
    assert f"| `follower_audit` | **{m['operating_points']['follower_audit']['threshold']:.2f}** |" in doc
    met = m["metrics"]
    ins = met["held_out"]["instafake"]
    right = round(ins["accuracy"] * ins["n"])
    assert f"({_f(ins['accuracy'])} / {_f(ins['f1'])}; {right} of {ins['n']} right)" in doc
    cv = met["repeated_cv"]["srf_sensitivity_at_spec96"]
    assert f"**{_f(cv['mean'])} ± {_f(cv['sd'])}**" in doc
    tw = met["held_out"]["cresci2015_e13_int"]
    assert f"| {tw['n']:,} ({tw['positives']:,}) |" in doc and f"→ **{_f(tw['accuracy'])}**" in doc
