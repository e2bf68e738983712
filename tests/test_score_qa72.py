"""The score's figures recomputed by hand on small metric frames (QA round 72)."""

from __future__ import annotations

from importlib import resources

import pandas as pd
import pytest

from tribescope.score import score_frame


def _always_recompute(tmp_path) -> str:
    """The default spec with ``recompute_min_creators = 0`` (the spec's "set to 0 to always recompute")."""
    text = resources.files("tribescope.score").joinpath("spec.toml").read_text("utf-8")
    assert "recompute_min_creators = 200" in text
    path = tmp_path / "always.toml"
    path.write_text(text.replace("recompute_min_creators = 200", "recompute_min_creators = 0"), "utf-8")
    return str(path)


def test_a_tier_whose_median_er_is_zero_keeps_the_published_benchmark(tmp_path):
    """Three nano creators with median ERs 0, 0 and 2.5 %: the workspace median, 0, became the tier's benchmark, so
    a3's er_ratio was 2.5 % / 0 = inf (engagement_vs_tier 100, er_ratio shown as none) and a1's and a2's 0 / 0 gave
    them no component at all. A median of 0 is no benchmark: HypeAuditor's 1K–5K row (6.45 %) stays."""
    df = pd.DataFrame(
        {
            "platform": ["instagram"] * 3,
            "creator_id": ["a1", "a2", "a3"],
            "handle": ["a1", "a2", "a3"],
            "followers": [2000, 2000, 2000],
            "tier": ["nano"] * 3,
            "er_median": [0.0, 0.0, 0.025],
            "n_posts_with_comments": [0, 0, 0],
            "n_follower_comments": [0, 0, 0],
        }
    )
    out = score_frame(df, _always_recompute(tmp_path)).set_index("creator_id")
    assert list(out["er_benchmark"]) == [0.0645] * 3
    assert set(out["er_benchmark_source"]) == {"HypeAuditor 2018 1K–5K"}
    assert out.loc["a3", "er_ratio"] == pytest.approx(0.025 / 0.0645)
    assert out.loc["a3", "c_engagement_vs_tier"] < 50  # below the benchmark, not 100
    assert (
        out.loc["a1", "c_engagement_vs_tier"] == 0.0
    )  # ratio_logistic: x = 0 gives 0, not a missing component

    # a tier whose median is above 0 is still recomputed
    df.loc[1, "er_median"] = 0.03
    out = score_frame(df, _always_recompute(tmp_path)).set_index("creator_id")
    assert list(out["er_benchmark"]) == [0.025] * 3
    assert out.loc["a2", "er_ratio"] == pytest.approx(0.03 / 0.025)


def test_score_frame_takes_a_hand_built_frame_without_the_comment_counts():
    """``score_frame`` of a frame without ``n_posts_with_comments`` / ``n_follower_comments`` (a hand-built frame
    "may lack columns its rules name") failed with AttributeError: 'int' object has no attribute 'fillna'. Nothing
    seen gives confidence 0 and the label too little data."""
    df = pd.DataFrame(
        {
            "platform": ["instagram"],
            "creator_id": ["a1"],
            "handle": ["a1"],
            "followers": [2000],
            "tier": ["nano"],
            "er_median": [0.05],
            "substantive_share": [0.4],  # at the component's centre: 50
        }
    )
    (row,) = score_frame(df).to_dict("records")
    assert row["confidence"] == 0.0
    assert row["label"] == "insufficient_data"
    assert row["c_substantive_comments"] == pytest.approx(50.0)
