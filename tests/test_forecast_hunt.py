"""Forecast priors: creators (not campaign rows) are the unit, keyed by (platform, creator_id); unscored creators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tribescope.campaigns import _forecast
from tribescope.campaigns._forecast import (
    DEFAULT_RATE_PER_1K,
    TIER_FACTOR,
    fit_priors,
    forecast,
    prior_for,
)


def _history(
    platforms: list[str | None], ids: list[str], followers: list[int], conv: list[int]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "creator_platform": platforms,
            "creator_id": ids,
            "label_group": ["community"] * len(ids),
            "followers": followers,
            "conversions": conv,
            "revenue": [50.0 * c for c in conv],
        }
    )


def _mom(e: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Clayton & Kaldor's moments, written out: m = Σy/Σe, v = max(Var(y/e) − m·mean(1/e), (m/2)²)."""
    m = y.sum() / e.sum()
    v = max(float(np.var(y / e, ddof=1)) - m * float(np.mean(1 / e)), (m / 2) ** 2)
    return m * m / v, m / v


# creator a in three past campaigns (5, 10, 15 orders of 1k followers each), b, c and d once
HIST = _history(
    ["instagram"] * 6,
    ["a", "a", "a", "b", "c", "d"],
    [1000, 1000, 1000, 1000, 2000, 1000],
    [5, 10, 15, 0, 2, 6],
)


def test_prior_note_counts_distinct_creators_and_names_the_campaign_rows() -> None:
    p = fit_priors(HIST)["community"]
    assert p.source == "fitted on 4 past community creators (6 campaign rows)"


def test_prior_is_fitted_on_creators_with_their_campaigns_pooled() -> None:
    """a's three campaigns are one observation of a's rate: y = 30 over e = 3 (thousand), not three rates."""
    p = fit_priors(HIST)["community"]
    alpha, beta = _mom(np.array([3.0, 1, 2, 1]), np.array([30.0, 0, 2, 6]))
    assert (p.alpha, p.beta) == pytest.approx((alpha, beta))  # 1.66, 0.306
    rows = _mom(np.array([1.0, 1, 1, 1, 2, 1]), np.array([5.0, 10, 15, 0, 2, 6]))
    assert (p.alpha, p.beta) != pytest.approx(rows)  # 1.10, 0.203: a counted three times


def test_same_id_on_two_platforms_is_two_creators() -> None:
    """tiktok:bob and instagram:bob are two creators: with instagram:c that is the 3 a prior needs."""
    h = _history(["tiktok", "instagram", "instagram"], ["bob", "bob", "c"], [1000, 2000, 4000], [1, 6, 2])
    p = fit_priors(h)["community"]
    assert p.source == "fitted on 3 past community creators (3 campaign rows)"
    assert (p.alpha, p.beta) == pytest.approx(_mom(np.array([1.0, 2, 4]), np.array([1.0, 6, 2])))


def test_same_id_and_platform_twice_is_one_creator() -> None:
    h = _history(["instagram", "instagram", "instagram"], ["bob", "bob", "c"], [1000, 2000, 4000], [1, 6, 2])
    assert fit_priors(h) == {}


def test_a_row_without_platform_joins_the_only_creator_with_its_id() -> None:
    """Resolved as own history is (creator_keys): bob only on tiktok → the platform-less bob row is tiktok:bob,
    so this history has 2 creators, not 3, and the forecast falls back to the default prior."""
    h = _history(["tiktok", None, "instagram"], ["bob", "bob", "c"], [1000, 2000, 4000], [1, 6, 2])
    known = [("tiktok", "bob"), ("instagram", "c")]
    assert fit_priors(h, creators=known) == {}
    cand = pd.DataFrame(
        {
            "platform": ["instagram"],
            "creator_id": ["c"],
            "followers": [4000],
            "cost": [100.0],
            "label_group": ["community"],
            "tier": ["micro"],
        }
    )
    assert forecast(cand, h, creators=known).loc[0, "prior"].startswith("default prior")


def _candidates(scores: list[float | None]) -> pd.DataFrame:
    n = len(scores)
    return pd.DataFrame(
        {
            "platform": ["instagram"] * n,
            "creator_id": [f"c{i}" for i in range(n)],
            "followers": [10_000] * n,
            "cost": [100.0] * n,
            "label_group": ["community"] * n,
            "tier": ["micro"] * n,
            "community_score": scores,
        }
    )


def test_unscored_creator_takes_the_mean_score_factor_of_the_scored() -> None:
    """Scores 30 and 40 (factors 0.8, 0.9): the unscored creator gets 0.5 + 35/100 = 0.85, not 1 (score 50),
    so it is no longer forecast above every scored creator."""
    f = forecast(_candidates([30.0, 40.0, None]))
    base = DEFAULT_RATE_PER_1K["community"] * TIER_FACTOR["micro"] * 10  # 8 conversions at factor 1
    assert list(f["expected_conversions"]) == pytest.approx([base * 0.8, base * 0.9, base * 0.85])
    assert "no community score: mean factor of the scored creators ×0.85" in f.loc[2, "prior"]
    assert "no community score" not in f.loc[0, "prior"]


def test_unscored_factor_is_the_mean_factor_and_none_without_scores() -> None:
    unscored_factor = _forecast.unscored_factor
    assert unscored_factor([30.0, None, float("nan"), 40.0, pd.NA]) == pytest.approx(0.85)
    unscored_factor = _forecast.unscored_factor
    assert unscored_factor([None, float("nan")]) is None
    assert prior_for("community", "micro", None, unscored=0.85).mean == pytest.approx(0.8 * 0.85)


def test_without_any_score_the_factor_is_one_and_flagged() -> None:
    f = forecast(_candidates([None, None]))
    assert list(f["expected_conversions"]) == pytest.approx([8.0, 8.0])
    assert all("no community score: factor ×1" in p for p in f["prior"])


def test_an_explicit_unscored_factor_wins() -> None:
    """The caller (e.g. the plan, over the whole workspace) may pass the factor."""
    f = forecast(_candidates([30.0, None]), unscored=1.2)
    assert f.loc[1, "expected_conversions"] == pytest.approx(8.0 * 1.2)


def test_backtest_leaves_out_every_campaign_of_the_held_out_creator() -> None:
    """a's campaigns (5, 10, 15 orders) are left out together when a is held out: a's prediction comes from
    b, c, d alone, and the report counts 4 creators over 6 campaign rows (it said 6 creators)."""
    bt = _forecast.backtest(HIST)
    assert (bt["creators"], bt.get("campaign_rows")) == (4, 6)
    others = fit_priors(HIST[HIST["creator_id"] != "a"])
    assert "community" in others  # b, c, d: 3 creators
    predicted_a = bt["per_creator"].loc[HIST["creator_id"] == "a", "predicted"]
    assert list(predicted_a) == pytest.approx([others["community"].mean] * 3)  # 1k followers each


def test_plan_forecasts_an_unscored_creator_the_same_whatever_the_budget(ws):
    """The unscored creator's factor is the mean of every candidate's, not of those whose fee fits the budget: a
    smaller budget that leaves out the expensive, high-scoring creator must not change the unscored one's forecast."""
    import pyarrow as pa
    from tests import _niche_world as W

    from tribescope.campaigns._plan import plan_budget

    followers = {"star": 400_000, "low": 8_000, "unknown": 8_000}
    W.insert(
        ws,
        "accounts",
        [
            {"platform": "instagram", "account_id": c, "username": c, "followers": f}
            for c, f in followers.items()
        ],
    )
    W.insert(
        ws,
        "posts",
        [
            {"platform": "instagram", "post_id": f"{c}-p", "creator_id": c, "created_at": W.T0}
            for c in followers
        ],
    )
    ws.write_table(
        "creator_scores",
        pa.table(
            {
                "platform": ["instagram"] * 3,
                "creator_id": ["star", "low", "unknown"],
                "handle": ["star", "low", "unknown"],
                "followers": [400_000.0, 8_000.0, 8_000.0],
                "tier": ["mid", "nano", "nano"],
                "label": ["community_influencer", "broadcast_influencer", None],
                "community_score": [90.0, 30.0, None],
                "confidence": [1.0, 1.0, None],
            }
        ),
    )

    def unknown_forecast(budget: float) -> float:
        res = plan_budget(ws, budget, min_community_share=0.0, min_roi=None, use_overlap=False)
        rows = {r["creator_id"]: r for r in res.picks.to_pylist()}
        return rows["unknown"]["expected_conversions"]

    # the fee of `star` (400k followers at 10 per 1k: 4,000) fits 10,000, not 300
    assert unknown_forecast(10_000) == pytest.approx(unknown_forecast(300))
