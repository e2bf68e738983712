"""Forecast conversions and ROI per creator: an empirical-Bayes Gamma–Poisson (shrinkage) model.

Model. A creator's orders in a campaign ~ Poisson(λ · e), with exposure ``e = followers / 1000`` and
λ the conversions per 1,000 followers. λ ~ Gamma(α_g, β_g) for the creator's group
g ∈ {community, broadcast, other} (from the score label). With past campaigns the group prior is fitted
by the method of moments on the creators' observed rates (Clayton & Kaldor 1987, "Empirical Bayes estimates
of age-standardized relative risks"), the unit being the creator ``(platform, creator_id)``, its campaigns
pooled (``y_i`` = Σ conversions, ``e_i`` = Σ exposure, ``r_i = y_i / e_i``):

    m = Σ y / Σ e,   v = max(Var(r_i) − m · mean(1/e_i), (m/2)^2),   α = m²/v,   β = m/v

and a creator with its own history gets the posterior Gamma(α + conversions, β + e) — its own rate shrunk
toward the group's. Own history is matched by ``(platform, creator_id)`` (:func:`creator_keys`): a past
campaign row without a platform counts for a creator only when its id is unambiguous (one platform among the
known creators). Without history (or fewer than 3 creators in a group) the documented default prior is used:
mean = :data:`DEFAULT_RATE_PER_1K` [group] × :data:`TIER_FACTOR` [tier] × (0.5 + community_score/100), shape
α = 1 (an exponential prior: wide on purpose); a creator without a community score takes the mean factor of
the scored candidates (:func:`unscored_factor`), not the factor of score 50, and its prior says so.

Prediction: the posterior predictive of conversions is negative binomial (``r = α``, ``p = β/(β + e)``); its mean
is ``e·α/β`` and the 80 % prediction interval its exact 10 % and 90 % quantiles (:func:`predictive_quantiles`:
whole counts, the same for a creator whatever else is forecast with it). Revenue = N × AOV
(average credited order value in the history, else :data:`DEFAULT_AOV`); ROI = (revenue − cost) / cost.

Back-test: leave-one-creator-out over the history — the prior is refitted without the creator, its
conversions predicted from its followers alone, and the 80 % interval's coverage, the mean absolute
error and the Spearman rank correlation of predicted vs observed conversions reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_AOV",
    "DEFAULT_RATE_PER_1K",
    "TIER_FACTOR",
    "GammaPrior",
    "backtest",
    "creator_keys",
    "fit_priors",
    "forecast",
    "mean_score",
    "predictive_quantiles",
    "prior_for",
    "score_factor",
    "unscored_factor",
]

#: default conversions per 1,000 followers per campaign post, by group (assumption; replaced by history)
DEFAULT_RATE_PER_1K = {"community": 0.8, "broadcast": 0.15, "other": 0.4}
#: larger audiences convert less per follower (assumption; replaced by history)
TIER_FACTOR = {"creator": 1.2, "nano": 1.2, "micro": 1.0, "mid": 0.7, "macro": 0.5, "mega": 0.4}
#: average order value when no order history is imported
DEFAULT_AOV = 50.0


@dataclass(frozen=True)
class GammaPrior:
    """Gamma(α, β) on conversions per 1,000 followers; mean α/β."""

    alpha: float
    beta: float
    source: str

    @property
    def mean(self) -> float:
        return self.alpha / self.beta


def _group(label_group: str | None) -> str:
    return label_group if label_group in ("community", "broadcast") else "other"


def score_factor(score: float) -> float:
    """The default prior's community-score factor ``0.5 + score/100``: 0.5 at score 0, 1 at 50, 1.5 at 100."""
    return 0.5 + float(score) / 100


def _known_score(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None


def mean_score(scores: Iterable[Any]) -> float | None:
    """The mean of the known (finite) community scores; ``None`` when none is scored. What a creator whose score
    is unknown is in expectation: the forecast's :func:`unscored_factor` and the plan's tie-breaks use it."""
    known = [x for x in map(_known_score, scores) if x is not None]
    return float(np.mean(known)) if known else None


def unscored_factor(scores: Iterable[Any]) -> float | None:
    """The score factor of a creator whose community score is unknown: the mean factor of the scored creators,
    ``E[0.5 + S/100] = 0.5 + mean(S)/100`` (expected conversions are linear in the factor, so the mean — not the
    median — is the expected factor of a creator drawn from the same workspace). ``None`` when none is scored."""
    m = mean_score(scores)
    return score_factor(m) if m is not None else None


def _row_creators(history: pd.DataFrame, known: Iterable[tuple[Any, Any]] | None) -> list[tuple[str, str]]:
    """The creator ``(platform, creator_id)`` of each history row (:func:`creator_keys`, resolved against
    ``known``, default the history's own platform-bearing rows); a row without a platform whose id is ambiguous
    is the creator ``("", creator_id)``; without a ``creator_id`` column each row is a creator."""
    plats = _platforms(history)
    if "creator_id" not in history.columns:
        return [("", f"row {n}") for n in range(len(history))]
    ids = list(history["creator_id"])
    pairs = list(known) if known is not None else list(zip(plats, ids, strict=True))
    return [k or ("", str(i)) for k, i in zip(creator_keys(plats, ids, pairs), ids, strict=True)]


def _creator_totals(history: pd.DataFrame, known: Iterable[tuple[Any, Any]] | None) -> pd.DataFrame:
    """One row per (group, creator) of ``history``: Σ conversions, Σ exposure (followers/1000 of each campaign)
    and the number of campaign rows; creators as :func:`_row_creators`."""
    return (
        pd.DataFrame(
            {
                "group": history["label_group"].map(_group).to_numpy(),
                "creator": _row_creators(history, known),
                "e": history["followers"].to_numpy(dtype=float) / 1000,
                "y": pd.to_numeric(history["conversions"], errors="coerce").fillna(0).to_numpy(dtype=float),
            }
        )
        .groupby(["group", "creator"], sort=True)
        .agg(e=("e", "sum"), y=("y", "sum"), rows=("e", "size"))
        .reset_index()
    )


def fit_priors(
    history: pd.DataFrame,
    *,
    min_creators: int = 3,
    creators: Iterable[tuple[Any, Any]] | None = None,
) -> dict[str, GammaPrior]:
    """Method-of-moments Gamma prior per group from ``history`` (columns label_group, followers, conversions;
    optionally creator_platform / platform and creator_id).

    The unit is the creator, as in the model (one λ per creator): a creator's campaign rows are pooled into
    ``y_i = Σ conversions``, ``e_i = Σ followers/1000`` (its sufficient statistics), and with ``r_i = y_i / e_i``
    over the group's ``n ≥ min_creators`` creators (Clayton & Kaldor 1987)::

        m = Σ y / Σ e,   v = max(Var(r) − m · mean(1/e), (m/2)²),   α = m²/v,   β = m/v

    Creators are ``(platform, creator_id)`` (:func:`_row_creators`; ``creators``: the known pairs rows without
    a platform are resolved against). The prior's ``source`` names both counts: "fitted on 3 past community
    creators (5 campaign rows)"."""
    out: dict[str, GammaPrior] = {}
    h = history.dropna(subset=["followers"])
    h = h[h["followers"] > 0]
    if h.empty:
        return out
    for g, sub in _creator_totals(h, creators).groupby("group"):
        if len(sub) < min_creators:
            continue
        e = sub["e"].to_numpy(dtype=float)
        y = sub["y"].to_numpy(dtype=float)
        m = y.sum() / e.sum()
        if m <= 0:
            continue
        r = y / e
        v = max(float(np.var(r, ddof=1)) - m * float(np.mean(1 / e)), (m / 2) ** 2)
        out[str(g)] = GammaPrior(
            alpha=float(m * m / v),
            beta=float(m / v),
            source=f"fitted on {len(sub)} past {g} creators ({int(sub['rows'].sum())} campaign rows)",
        )
    return out


def prior_for(
    group: str | None,
    tier: str | None,
    score: float | None,
    priors: dict[str, GammaPrior] | None = None,
    *,
    unscored: float | None = None,
) -> GammaPrior:
    """The prior of one creator: the fitted group prior when there is one, else the documented default
    ``DEFAULT_RATE_PER_1K[group] × TIER_FACTOR[tier] × factor``, α = 1. ``factor`` is :func:`score_factor` of
    the community score; without a score it is ``unscored`` (:func:`unscored_factor` of the other candidates;
    1, the factor of score 50, when none is scored) and the source says so."""
    g = _group(group)
    if priors and g in priors:
        return priors[g]
    src = f"default prior ({g}, tier {tier or '?'}"
    s = _known_score(score)
    if s is not None:
        factor = score_factor(s)
    elif unscored is not None:
        factor = unscored
        src += f", no community score: mean factor of the scored creators ×{factor:.2f}"
    else:
        factor = 1.0
        src += ", no community score: factor ×1"
    mean = DEFAULT_RATE_PER_1K[g] * TIER_FACTOR.get(tier or "", 1.0) * factor
    return GammaPrior(alpha=1.0, beta=1.0 / mean, source=src + ")")


def _present(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and np.isnan(v)) and v is not pd.NA and v != ""


def creator_keys(
    platforms: Iterable[Any], ids: Iterable[Any], known: Iterable[tuple[Any, Any]]
) -> list[tuple[str, str] | None]:
    """``(platform, creator_id)`` of each row given by ``platforms`` / ``ids`` (e.g. campaign plan rows).

    A row with a platform keeps it. A row without one takes the platform of the only known creator with that id
    (``known``: ``(platform, creator_id)`` pairs, e.g. the workspace's creators); when the id is on several
    platforms (ambiguous) or on none, the row gets ``None``: it is not attributed to any creator."""
    by_id: dict[str, set[str]] = {}
    for p, i in known:
        if _present(p) and _present(i):
            by_id.setdefault(str(i), set()).add(str(p))
    out: list[tuple[str, str] | None] = []
    for p, i in zip(platforms, ids, strict=True):
        if not _present(i):
            out.append(None)
        elif _present(p):
            out.append((str(p), str(i)))
        else:
            ps = by_id.get(str(i), set())
            out.append((next(iter(ps)), str(i)) if len(ps) == 1 else None)
    return out


def _platforms(df: pd.DataFrame) -> list[Any]:
    for col in ("creator_platform", "platform"):
        if col in df.columns:
            return list(df[col])
    return [None] * len(df)


def predictive_quantiles(alpha: float, beta: float, exposure: float, probs: tuple[float, ...]) -> list[float]:
    """Quantiles of the posterior predictive of conversions, exact: N ~ Poisson(λ·e) with λ ~ Gamma(α, β) is
    negative binomial with ``r = α`` and ``p = β / (β + e)`` (mean ``e·α/β``); each quantile is the smallest whole
    count whose CDF reaches it. Exact, so a creator's interval depends on its own prior and exposure only — never
    on the other candidates forecast with it, nor on a random seed — and is a whole number of conversions."""
    from scipy.stats import nbinom

    if exposure <= 0:
        return [0.0 for _ in probs]
    q = nbinom.ppf(list(probs), alpha, beta / (beta + exposure))
    return [float(x) for x in np.asarray(q, dtype=float)]


def forecast(
    candidates: pd.DataFrame,
    history: pd.DataFrame | None = None,
    *,
    aov: float | None = None,
    level: float = 0.8,
    seed: int = 0,
    creators: Iterable[tuple[Any, Any]] | None = None,
    unscored: float | None = None,
) -> pd.DataFrame:
    """Expected conversions, revenue and ROI with ``level`` prediction intervals.

    ``candidates``: platform, creator_id, followers, cost, and optionally label_group, tier,
    community_score. ``history``: the creator table of :func:`campaign_report` (past campaigns; its
    ``creator_platform`` or ``platform`` column keys a row's own history by ``(platform, creator_id)``).
    ``creators``: the known ``(platform, creator_id)`` pairs against which history rows (and candidates) without
    a platform are resolved (:func:`creator_keys`; default: the candidates). ``unscored``: the default prior's
    score factor of a candidate without a community score (default: :func:`unscored_factor` of the candidates).
    The intervals are exact (:func:`predictive_quantiles`); ``seed`` is kept for callers and no longer used.
    """
    hist = (
        history
        if history is not None and len(history)
        else pd.DataFrame(
            columns=["platform", "creator_id", "label_group", "followers", "conversions", "revenue"]
        )
    )
    known = (
        list(creators)
        if creators is not None
        else list(zip(_platforms(candidates), candidates["creator_id"], strict=True))
    )
    priors = fit_priors(hist, creators=known)
    if aov is None:
        conv = float(hist["conversions"].sum()) if len(hist) else 0.0
        aov = float(hist["revenue"].sum()) / conv if conv else DEFAULT_AOV
    if unscored is None and "community_score" in candidates.columns:
        unscored = unscored_factor(candidates["community_score"])
    # every past campaign of the creator is exposure (followers / 1000 each), as its conversions are summed:
    # Gamma(α + Σ conversions, β + Σ exposure). Keyed by (platform, creator_id): another platform's creator with
    # the same id has its own history; a row whose platform is unknown and ambiguous is no one's own history.
    own: dict[tuple[str, str], tuple[float, float]] = {}
    if len(hist):
        hk = creator_keys(_platforms(hist), hist["creator_id"], known)
        for k, conv_, fol_ in zip(hk, hist["conversions"], hist["followers"], strict=True):
            if k is None:
                continue
            c0, f0 = own.get(k, (0.0, 0.0))
            own[k] = (
                c0 + (float(conv_) if pd.notna(conv_) else 0.0),
                f0 + (float(fol_) if pd.notna(fol_) else 0.0),
            )
    cand_keys = creator_keys(_platforms(candidates), candidates["creator_id"], known)
    q = ((1 - level) / 2, 1 - (1 - level) / 2)
    rows: list[dict[str, Any]] = []
    for key, (_, c) in zip(cand_keys, candidates.iterrows(), strict=True):
        f = c.get("followers")
        f = float(f) if f is not None and pd.notna(f) else 0.0
        e = f / 1000
        p = prior_for(
            c.get("label_group"), c.get("tier"), c.get("community_score"), priors, unscored=unscored
        )
        a, b, src = p.alpha, p.beta, p.source
        o = own.get(key) if key is not None else None
        if o is not None and o[1]:
            a, b = a + o[0], b + o[1] / 1000
            src += f" + own history ({int(o[0])} conversion{'' if int(o[0]) == 1 else 's'})"
        lo, hi = predictive_quantiles(a, b, e, q)
        mean = e * a / b
        cost = float(c.get("cost") or 0)
        rows.append(
            {
                "platform": c.get("platform"),
                "creator_id": c["creator_id"],
                "expected_conversions": mean,
                "conversions_lo": lo,
                "conversions_hi": hi,
                "rate_per_1k": a / b,
                "expected_revenue": mean * aov,
                "expected_roi": (mean * aov - cost) / cost if cost else None,
                # ROI is increasing in conversions (AOV ≥ 0): its quantiles are those of the conversions
                "roi_lo": (lo * aov - cost) / cost if cost else None,
                "roi_hi": (hi * aov - cost) / cost if cost else None,
                "prior": src,
                "aov": aov,
            }
        )
    return pd.DataFrame(rows)


def backtest(history: pd.DataFrame, *, level: float = 0.8, seed: int = 0) -> dict[str, Any]:
    """Leave-one-creator-out back-test of :func:`forecast` on past campaign creators.

    Each campaign row is predicted from its followers alone, with the priors refitted on the other creators: all
    the rows of its creator ``(platform, creator_id)`` (:func:`_row_creators`) are left out, so a creator's other
    campaigns do not inform its own prediction. ``creators`` counts distinct creators, ``campaign_rows`` the
    rows predicted."""
    h = history.dropna(subset=["followers"]).reset_index(drop=True)
    who = _row_creators(h, None)
    n_creators = len(set(who))
    if n_creators < 4:
        return {
            "creators": n_creators,
            "campaign_rows": len(h),
            "note": "fewer than 4 past creators: nothing to back-test",
        }
    preds, lo, hi = [], [], []
    for i in range(len(h)):
        rest = h[[k != who[i] for k in who]]
        cand = h.loc[[i]].assign(creator_id="__held_out__")
        f = forecast(cand, rest, level=level, seed=seed + i).iloc[0]
        preds.append(f["expected_conversions"])
        lo.append(f["conversions_lo"])
        hi.append(f["conversions_hi"])
    y = h["conversions"].to_numpy(dtype=float)
    p = np.asarray(preds)
    inside = (y >= np.asarray(lo)) & (y <= np.asarray(hi))
    rank_corr = float(pd.Series(p).rank().corr(pd.Series(y).rank())) if len(set(y)) > 1 else float("nan")
    return {
        "creators": n_creators,
        "campaign_rows": len(h),
        "level": level,
        "coverage": float(inside.mean()),
        "mae_conversions": float(np.abs(p - y).mean()),
        "spearman": rank_corr,
        "per_creator": pd.DataFrame(
            {
                "creator_id": h["creator_id"],
                "label_group": h["label_group"],
                "observed": y,
                "predicted": p,
                "lo": lo,
                "hi": hi,
                "inside": inside,
            }
        ),
    }
