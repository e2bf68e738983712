"""benchmarks/eval_niche_similarity.py: the AUC it reports on creators whose niches are known, and its CLI without the
Kim et al. data (docs/niche.md, "Measured on real data")."""

from __future__ import annotations

import math

from benchmarks.eval_niche_similarity import evaluate, main, markdown, workspace_metrics

BAKERS = [
    "sourdough bread starter flour oven crumb bake",
    "bread flour sourdough loaf bake oven starter",
    "crumb loaf sourdough bake flour bread",
]
LIFTERS = [
    "deadlift squat barbell powerlifting plates gym",
    "barbell squat deadlift gym powerlifting bench",
    "powerlifting bench squat barbell deadlift plates",
]


def test_two_separated_niches_rank_every_same_niche_pair_first():
    m = workspace_metrics(BAKERS + LIFTERS, ["food"] * 3 + ["fitness"] * 3)
    assert m["auc_words"] == 1.0
    assert m["auc_sim"] == 1.0
    assert m["k"] == 2  # min(20, max(2, round(√6)))
    # bakers and lifters share no word: the geometric mean never calls such a pair similar
    assert m["no_word_sim"] == 0


def test_evaluate_averages_draws_and_prints_a_markdown_row_per_size():
    docs, labels = BAKERS + LIFTERS, ["food"] * 3 + ["fitness"] * 3
    rows = evaluate(docs, labels, sizes=[4, 6], draws=3, seed=0, draws_largest=1)
    assert [(r["n"], r["draws"]) for r in rows] == [(4, 3), (6, 1)]
    assert rows[1]["auc_words"] == 1.0
    assert all(math.isnan(r["auc_words"]) or 0.0 <= r["auc_words"] <= 1.0 for r in rows)
    table = markdown(rows).splitlines()
    assert len(table) == 4 and table[3].startswith("| 6 (2) | 1 | ")
    # fixed seeds: the same call gives the same figures
    assert evaluate(docs, labels, sizes=[4], draws=3, seed=0) == rows[:1]


def test_cli_without_the_data_exits_with_a_message(tmp_path, capsys):
    assert main(["--data", str(tmp_path / "absent")]) == 2
    err = capsys.readouterr().err
    assert "no Kim et al. train split" in err and "--data" in err
