"""Budget plan: pick creators that maximise expected conversions within a budget.

Greedy knapsack with a diminishing-returns overlap penalty (documented in docs/campaigns.md):

* value of a candidate = expected conversions (:func:`~tribescope.campaigns.forecast`)
  × (1 − ``overlap_penalty`` × max audience overlap with the creators already picked), where overlap is the
  Wilson lower confidence bound (:func:`overlap_bound`, one-sided ``OVERLAP_CONFIDENCE``) of ``overlap_min`` =
  shared engaged accounts / the smaller audience (:func:`tribescope.niche.overlap`; skipped when the niche
  module or the comments are missing): known commenters are a sample of an audience, and 1 shared of 3 is no
  evidence of a 33 % overlap;
* the optimiser is given the ``shortlist`` best candidates by expected conversions per unit of cost (overlap is
  computed among them); while a candidate past them fits what the picks leave, the list doubles and the plan is made
  again (:func:`_room_for`), so the budget is never left unspent for want of a place on the list;
* at each step the affordable candidate with the highest value per unit of cost is picked (ties: higher
  community score, a missing score counting as the mean score of the scored candidates — average in expectation,
  as the forecast's :func:`~tribescope.campaigns._forecast.unscored_factor` takes it; then the earlier row); the
  values are recomputed after every pick;
* only creators expected to earn their fee back are planned: expected ROI (expected conversions × average order
  value − fee) / fee ≥ ``min_roi`` (default 0, break-even; ``None`` plans any) — the rest of the budget is left
  unspent rather than spent on creators expected below that ROI; a note says how many were left out, the best of
  their expected ROIs and what the threshold meant (above 0: how many of them would still earn their fee back);
* mix rules: at most ``(1 − min_community_share) × budget`` may go to creators outside the community
  group; at most ``max_macro`` creators of tier macro or mega; ``suspicious`` creators, creators
  flagged by the brand's exclusions and the brand's own accounts (its handles, matched by account id or
  username, on the handle's platform when it names one) are never picked.

Creators are keyed by ``(platform, creator_id)``: fees, past conversions and overlaps of one platform's
creator never go to another platform's creator with the same id. A campaign plan row without a platform
is matched by id only when that id belongs to a single platform among the workspace's creators
(:func:`~tribescope.campaigns._forecast.creator_keys`); otherwise it is nobody's fee or history.

Fees: the creator's fee in its latest imported campaign when it is above 0 ("last quoted"), else
``max(MIN_FEE, followers / 1000 × FEE_PER_1K[platform])`` rounded half up to 10 ("estimated"; also for a
latest campaign with fee 0, i.e. product-only / gifted) — a documented assumption to replace with real quotes.
No currency is converted: quoted fees in another currency than the estimates' (USD) are named in a note.

Platforms are matched whatever their case (``Instagram`` is ``instagram``). A creator without a follower count has
no exposure to forecast from: it is not planned, and a note names it (apart from the creators expected below
``min_roi``).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from tribescope.campaigns._forecast import creator_keys, forecast, mean_score, unscored_factor
from tribescope.campaigns._io import CampaignError, format_money, workspace_creators
from tribescope.campaigns._report import label_group
from tribescope.score._spec import FIRST_COLUMNS, score_text
from tribescope.store import Workspace, require_workspace

__all__ = [
    "FEE_PER_1K",
    "OVERLAP_CONFIDENCE",
    "BudgetPlan",
    "estimate_fee",
    "optimise",
    "overlap_bound",
    "plan_budget",
    "share_text",
]

#: assumed fee per 1,000 followers by platform when no quote is known (USD; edit to your market)
FEE_PER_1K = {"youtube": 20.0, "instagram": 10.0, "tiktok": 8.0, "twitter": 6.0, "reddit": 5.0}
MIN_FEE = 100.0
#: the currency of :data:`FEE_PER_1K` and :data:`MIN_FEE` (the estimated fees)
_FEE_CURRENCY = "USD"
#: one-sided confidence of the audience-overlap lower bound the plan discounts a pick's value by (:func:`overlap_bound`)
OVERLAP_CONFIDENCE = 0.95
_MACRO = ("macro", "mega")


def estimate_fee(platform: str | None, followers: float | None) -> float:
    """``max(MIN_FEE, followers / 1000 × FEE_PER_1K[platform])`` rounded half up to 10 (125 → 130; 10 per 1k
    for unknown platforms)."""
    f = 0.0 if followers is None or pd.isna(followers) else float(followers)
    # followers × rate / 10,000 in one division: a fee ending in exactly 5 is exactly k + 0.5 here
    tens = math.floor(f * FEE_PER_1K.get(platform or "", 10.0) / 10_000 + 0.5)
    return max(MIN_FEE, float(tens * 10))


def overlap_bound(shared: int, smaller: int, confidence: float = OVERLAP_CONFIDENCE) -> float:
    """Wilson score lower bound (Wilson 1927; Agresti & Coull 1998) of the overlap ``p = shared / n``, ``n`` the
    smaller audience's known commenters: ``(p + z²/2n − z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n)`` with ``z`` the
    one-sided normal quantile of ``confidence`` (0.95 → 1.645; 0.5 → the point estimate ``p``); 0 when ``n`` is 0.
    1 shared of 3 → 0.08, 3 of 3 → 0.53, 20 of 60 → 0.24, 1,000 of 3,000 → 0.32."""
    if not 0.5 <= confidence < 1:
        raise ValueError(f"the overlap confidence is a level in [0.5, 1), not {confidence!r}")
    if (
        smaller <= 0 or shared <= 0
    ):  # none shared: exactly 0 (the formula's rounding left 2e-17, written to --out)
        return 0.0
    n, p = float(smaller), min(shared, smaller) / smaller
    z = NormalDist().inv_cdf(confidence)
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - spread) / (1 + z * z / n))


#: a creator: ``(platform, creator_id)``; an overlap key: a sorted pair of those
CreatorKey = tuple[str, str]
OverlapKey = tuple[CreatorKey, CreatorKey]


def _key(platform: Any, creator_id: Any) -> CreatorKey:
    return ("" if platform is None or pd.isna(platform) else str(platform), str(creator_id))


def _pair(a: CreatorKey, b: CreatorKey) -> OverlapKey:
    return (a, b) if a <= b else (b, a)


def _score(v: Any, unscored: float = 0.0) -> float:
    """A community score for tie-breaks: None / NaN count as ``unscored`` (the mean score of the scored
    candidates, :func:`~tribescope.campaigns._forecast.mean_score`)."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return unscored
    return x if math.isfinite(x) else unscored


@dataclass
class BudgetPlan:
    picks: pa.Table
    summary: dict[str, Any] = field(default_factory=dict)


def optimise(
    cand: pd.DataFrame,
    budget: float,
    *,
    overlap: dict[OverlapKey, float] | None = None,
    overlap_penalty: float = 1.0,
    min_community_share: float = 0.0,
    max_macro: int | None = None,
    unscored_score: float | None = None,
) -> pd.DataFrame:
    """Greedy selection over ``cand`` (columns platform, creator_id, cost, expected_conversions, label_group,
    tier, community_score). ``overlap`` maps a sorted pair of ``(platform, creator_id)`` keys to overlap in
    [0, 1] (a missing platform is ""). Ties in value per cost go to the higher community score, then to the
    earlier row. A missing score (None / NaN) counts as ``unscored_score`` — default the mean score of the scored
    rows of ``cand`` (:func:`~tribescope.campaigns._forecast.mean_score`), the same expectation the forecast gives an
    unscored creator (:func:`~tribescope.campaigns._forecast.unscored_factor`). Returns the picks in pick order with
    ``value`` (overlap-discounted conversions) and ``max_overlap``."""
    if budget <= 0:
        raise CampaignError("the budget must be positive")
    ov = overlap or {}
    if any(
        not isinstance(k[0], tuple) for k in ov
    ):  # the former creator-id pairs would silently match nothing
        raise TypeError(
            "overlap keys are sorted pairs of (platform, creator_id), e.g. (('instagram', 'a'), …)"
        )
    if unscored_score is None:
        unscored_score = mean_score(cand["community_score"]) if "community_score" in cand.columns else None
    fill = 0.0 if unscored_score is None else float(unscored_score)  # nobody scored: all tie alike
    left = budget
    non_comm_cap = (1 - min_community_share) * budget
    non_comm = 0.0
    macros = 0
    chosen: list[int] = []
    info: dict[int, tuple[float, float]] = {}
    avail = set(cand.index)
    plats = (
        cand["platform"] if "platform" in cand.columns else pd.Series(None, index=cand.index, dtype=object)
    )
    keys = {i: _key(plats[i], cand.loc[i, "creator_id"]) for i in cand.index}
    while True:
        best, best_key = None, None
        macro_full = max_macro is not None and macros >= max_macro
        fits = _fits(cand[cand.index.isin(avail)], left, non_comm, non_comm_cap, macro_full)
        for i in fits.index[fits.to_numpy()]:
            r = cand.loc[i]
            cost = float(r["cost"])
            mo = max(
                (ov.get(_pair(keys[i], keys[j]), 0.0) for j in chosen),
                default=0.0,
            )
            value = float(r["expected_conversions"]) * max(0.0, 1 - overlap_penalty * mo)
            key = (value / cost, _score(r.get("community_score"), fill), -i)
            if value > 0 and (best_key is None or key > best_key):
                best, best_key = i, key
                info[i] = (value, mo)
        if best is None:
            break
        r = cand.loc[best]
        chosen.append(best)
        avail.discard(best)
        left -= float(r["cost"])
        if r["label_group"] != "community":
            non_comm += float(r["cost"])
        if r.get("tier") in _MACRO:
            macros += 1
    out = cand.loc[chosen].copy()
    out["value"] = [info[i][0] for i in chosen]
    out["max_overlap"] = [info[i][1] for i in chosen]
    return out


def _candidates(ws: Workspace, platforms: list[str] | None) -> pd.DataFrame:
    if ws.has_table("creator_scores"):
        cs = ws.table("creator_scores")
        cols = [c for c in FIRST_COLUMNS if c in cs.columns]
        df = cs.select(*cols).to_pyarrow().to_pandas()
    else:
        p = ws.table("posts")
        creators = p.select("platform", "creator_id").distinct()
        a = ws.table("accounts")
        j = creators.left_join(a, [creators.platform == a.platform, creators.creator_id == a.account_id])
        df = j.select(creators.platform, creators.creator_id, handle=a.username, followers=a.followers)
        df = df.to_pyarrow().to_pandas()
        df["tier"] = None
        df["label"] = None
        df["community_score"] = np.nan
    if "handle" not in df:
        df["handle"] = df["creator_id"]
    if platforms:
        df = df[df["platform"].isin(platforms)]
    if "tier" in df and df["tier"].isna().all():
        from tribescope.campaigns._tiers import tier_of
        from tribescope.score._spec import load_spec

        sp = load_spec()  # once, not per creator
        df["tier"] = df["followers"].map(lambda f: tier_of(f, sp))
    df["label_group"] = df["label"].map(label_group)
    return df.reset_index(drop=True)


def _own_accounts(ws: Workspace, brand: str, cand: pd.DataFrame) -> set[CreatorKey]:
    """The candidates that are the brand's own accounts (:meth:`tribescope.brand.Brand.names`, as the evangelists
    and brand fit leave them out: :func:`~tribescope.brand._ambassadors.brand_accounts`), by the accounts table and
    by the candidates' own id / handle for creators without an ``accounts`` row."""
    from tribescope.brand._ambassadors import brand_accounts
    from tribescope.brand._profiles import get_brand

    b = get_brand(ws, brand)
    found = {_key(p, i) for p, i in brand_accounts(ws, b)}
    return {
        _key(p, i)
        for p, i, h in zip(cand["platform"], cand["creator_id"], cand["handle"], strict=True)
        if _key(p, i) in found or b.names(p, i, h if h is not None and pd.notna(h) else None)
    }


def _pct(x: float) -> str:
    """A signed percentage, whole unless that would hide a decimal (``+50%``, ``+12.5%``)."""
    whole = f"{x:+.0%}"
    return whole if abs(x * 100 - round(x * 100)) < 1e-9 else f"{x:+.1%}"


def _share(x: float) -> str:
    """A share as a percentage, whole unless that would hide a decimal (``70%``, ``67.5%``)."""
    return f"{x:.0%}" if abs(x * 100 - round(x * 100)) < 1e-9 else f"{x:.1%}"


def share_text(x: float, rule: float) -> str:
    """The community share of the budget ``x`` as the summary and its note print it: whole when that is true to the
    ``rule`` (``48%``, ``70%``), else with the fewest decimals that keep a share below the rule below it (``69.5%``
    under a 70 % rule: never "only 70% … (rule: ≥ 70%)"; ``0.001%``, not ``0%``, of a huge budget spent)."""
    if x >= rule - 1e-12:
        return f"{x:.0%}"
    for d in range(6):
        shown = float(f"{x * 100:.{d}f}")
        if shown < rule * 100 - 1e-9 and (shown > 0 or x <= 0):  # a share spent is never "0%"
            return f"{x:.{d}%}"
    return f"{x:.6%}" if x >= 5e-9 else "< 0.000001%"


def summary_text(summary: dict[str, Any]) -> str:
    """The line under a plan's picks (``tribescope plan``, the dashboard's plan): spend, creators, the community share
    of the budget (:func:`share_text` against the plan's rule), macro/mega creators and expected conversions."""
    s = summary
    share = share_text(s["community_share_of_budget"], s["min_community_share"])
    return (
        f"spent {format_money(s['spent'])} of {format_money(s['budget'])} on {s['creators']} creators; "
        f"{share} of the budget on community influencers; {s['macro_creators']} macro/mega; "
        f"expected conversions {s['expected_conversions']:.1f}"
    )


def _currency_note(cand: pd.DataFrame, fee_currency: dict[CreatorKey, str]) -> str | None:
    """A note when the candidates' last quoted fees are written in another currency than the estimated fees
    (:data:`FEE_PER_1K`, USD) or in several: the plan adds them to one budget as written, converting nothing
    (as the campaign report does, docs/campaigns.md); ``None`` when every quoted fee is in USD or unstated."""
    quoted: dict[str, list[str]] = {}
    for p, i, src in zip(cand["platform"], cand["creator_id"], cand["cost_source"], strict=True):
        if src == "last quoted":
            cur = fee_currency.get(_key(p, i), "")
            quoted.setdefault(cur, []).append(f"{_key(p, i)[0]}:{i}")
    foreign = {c: who for c, who in quoted.items() if c and c != _FEE_CURRENCY}
    if not foreign:
        return None
    named = "; ".join(
        f"{c} for {len(who)} creator(s) ({', '.join(sorted(who)[:5])}{', …' if len(who) > 5 else ''})"
        for c, who in sorted(foreign.items())
    )
    return (
        f"last quoted fees in {named} are planned as written next to the budget and the estimated fees "
        f"({_FEE_CURRENCY}): no currency is converted — give the budget and every fee in one currency"
    )


def _left_out_note(min_roi: float, roi: pd.Series) -> str:
    """The note on the creators ``min_roi`` left out: how many, the best of their expected ROIs and what the threshold
    means — at 0 they are expected to lose money, above 0 some may well earn their fee back (just not enough), below 0
    they are expected to lose more than the share of their fee the plan accepts."""
    best = float(roi.max())
    best_s = (
        f"{best:+.0%}" if f"{best:+.0%}" != _pct(min_roi) else f"{best:+.1%}"
    )  # never "below +50% (+50% …)"
    head = f"{len(roi)} creator(s) left out: expected ROI below {_pct(min_roi)} ({best_s} at best); "
    flag = f"min_roi={min_roi:g}, `--min-roi {min_roi:g}`"
    if min_roi > 0:
        earning = int((roi >= 0).sum())
        return head + (
            f"the plan leaves budget unspent rather than spend it on creators below the minimum expected ROI of "
            f"{_pct(min_roi)} "
            f"({flag})"
            + (
                f"; {earning} of them {'is' if earning == 1 else 'are'} expected to earn their fee back — lower the "
                "minimum to plan them"
                if earning
                else ""
            )
        )
    if min_roi < 0:
        return head + (
            f"the plan leaves budget unspent rather than expect to lose more than {-min_roi:.0%} of a fee ({flag})"
        )
    return head + f"the plan leaves budget unspent rather than expect to lose it (break-even, {flag})"


def _overlaps(ws: Workspace, short: pd.DataFrame, confidence: float) -> dict[OverlapKey, float]:
    """The audience overlap of each pair of ``short``'s creators (:func:`tribescope.niche.overlap`), at its Wilson lower
    bound (:func:`overlap_bound`)."""
    from tribescope.niche import overlap as niche_overlap
    from tribescope.niche._audience import creators_with_posts

    # a scored creator without posts (e.g. known by its linked community only) has no audience to compare
    keys = creators_with_posts(ws, list(zip(short["platform"], short["creator_id"], strict=True)))
    return {
        _pair(_key(r["a_platform"], r["a_id"]), _key(r["b_platform"], r["b_id"])): overlap_bound(
            r["shared"], min(r["size_a"], r["size_b"]), confidence
        )
        for r in niche_overlap(ws, keys).to_pylist()
    }


def _room_for(
    rest: pd.DataFrame, picks: pd.DataFrame, budget: float, min_community_share: float, max_macro: int | None
) -> bool:
    """Whether one of ``rest`` (candidates the optimiser was not given) fits what ``picks`` leave: the budget, the cap on
    spend outside the community group and the macro/mega cap — the test :func:`optimise` applies to a candidate."""
    left = budget - float(picks["cost"].sum())
    non_comm = float(picks.loc[picks["label_group"] != "community", "cost"].sum())
    cap = (1 - min_community_share) * budget
    macro_full = max_macro is not None and int(picks["tier"].isin(_MACRO).sum()) >= max_macro
    return bool((_fits(rest, left, non_comm, cap, macro_full) & (rest["expected_conversions"] > 0)).any())


def _fits(c: pd.DataFrame, left: float, non_comm: float, non_comm_cap: float, macro_full: bool) -> pd.Series:
    """Which candidates of ``c`` a plan can still take: a fee above 0 within what is ``left`` of the budget; outside
    the community group, within the cap on such spend (``non_comm`` spent of ``non_comm_cap``); no macro/mega creator
    once the cap on them is reached (``macro_full``). One test for :func:`optimise`'s steps and :func:`_room_for`."""
    cost = c["cost"].astype(float)
    ok = (cost > 0) & (cost <= left + 1e-9)
    ok &= (c["label_group"] == "community") | (non_comm + cost <= non_comm_cap + 1e-9)
    if macro_full and "tier" in c.columns:
        ok &= ~c["tier"].isin(_MACRO)
    return ok


def _with_results(
    ws: Workspace, history: pd.DataFrame, plan: pd.DataFrame, notes: list[str]
) -> pd.DataFrame | None:
    """The rows of ``history`` (the campaign report's creator table) whose campaign has results: the orders export
    holds orders from the campaign's start on. A campaign imported before its orders (no orders at all, or an export
    ending before it starts) read as one in which every creator sold nothing — its creators' own history pulled their
    forecast to about 0 and they fell out of the plan, under "forecast calibrated on N past campaign creator rows". Its
    fees still quote the creators; a note names it. ``None`` when no campaign has results."""
    last = None
    if ws.has_table("campaign_orders"):
        o = ws.table("campaign_orders")
        last = o.aggregate(last=o.created_at.max()).to_pyarrow().column("last")[0].as_py()
    starts = pd.to_datetime(plan.groupby("campaign_id")["start_date"].min())
    waiting = sorted(
        str(c)
        for c, t in starts.items()
        if last is None or (pd.notna(t) and pd.Timestamp(last).date() < t.date())
    )
    waiting = [c for c in waiting if c in set(history["campaign_id"].astype(str))]
    if waiting:
        shown = ", ".join(waiting[:5]) + (", …" if len(waiting) > 5 else "")
        notes.append(
            f"campaign(s) {shown} left out of the forecast's history: "
            + (
                "no orders are imported"
                if last is None
                else f"the orders export ends {pd.Timestamp(last).date()}, before they start"
            )
            + " — their results are not in yet (their fees still quote the creators); import the orders to use them"
        )
    kept = history[~history["campaign_id"].astype(str).isin(waiting)]
    return kept if len(kept) else None


def plan_budget(
    ws: Workspace,
    budget: float,
    *,
    brand: str | None = None,
    platforms: list[str] | None = None,
    min_community_share: float = 0.7,
    max_macro: int | None = 2,
    overlap_penalty: float = 1.0,
    use_overlap: bool = True,
    overlap_confidence: float = OVERLAP_CONFIDENCE,
    shortlist: int = 60,
    seed: int = 0,
    min_roi: float | None = 0.0,
) -> BudgetPlan:
    """Plan ``budget`` over the workspace's creators; see the module docstring for the rules."""
    require_workspace(ws, "plan_budget")
    if isinstance(budget, bool) or not isinstance(budget, numbers.Real):
        raise TypeError(f"plan_budget takes the budget as a number, not {type(budget).__name__} {budget!r}")
    if not math.isfinite(budget) or budget <= 0:
        raise CampaignError(f"the budget must be a finite amount above 0, not {budget!r}")
    if isinstance(platforms, str):  # one platform, not its letters one by one
        platforms = [platforms]
    # platforms are stored lower-case ("Instagram" is instagram, as everywhere else a platform is given)
    platforms = [str(p).strip().lower() for p in platforms if str(p).strip()] if platforms else None
    from tribescope.campaigns._report import campaign_report

    cand = _candidates(ws, platforms)
    if cand.empty:
        present = sorted({str(p) for p in _candidates(ws, None)["platform"].dropna()}) if platforms else []
        raise CampaignError(
            f"no creators to plan with in {ws.path} on {', '.join(platforms)}; its creators are on "
            f"{', '.join(present)}"
            if present and platforms
            else f"no creators to plan with in {ws.path}"
            + (f" on {', '.join(platforms)}" if platforms else "")
            + "; import some posts first"
        )
    notes: list[str] = []
    if not ws.has_table("creator_scores"):
        hint = ws.scoring_hint()
        notes.append(
            f"no creator_scores table: labels unknown, default tier priors used ({hint[0].lower()}{hint[1:]})"
        )
    cand = cand[cand["label"].fillna("") != "suspicious"]
    if brand:
        from tribescope.brand._safety import safety_flags

        own = _own_accounts(ws, brand, cand)
        if own:
            notes.append(
                f"the brand's own account(s) left out: {', '.join(f'{p}:{i}' for p, i in sorted(own))}"
            )
        flags = safety_flags(ws, brand).to_pandas()
        flags = flags[flags["excluded"].fillna(False).astype(bool)] if len(flags) else flags
        excluded = {_key(p, i) for p, i in zip(flags["platform"], flags["creator_id"], strict=True)}
        if excluded:
            notes.append(
                f"{len(excluded)} creator(s) left out by the brand's exclusions: "
                f"{', '.join(sorted(i for _, i in excluded))}"
            )
        drop = own | excluded
        cand = cand[
            [_key(p, i) not in drop for p, i in zip(cand["platform"], cand["creator_id"], strict=True)]
        ]
    history = None
    # fees by (platform, creator_id): another platform's creator with the same id has its own fee
    last_fee: dict[CreatorKey, float] = {}
    fee_currency: dict[CreatorKey, str] = {}  # the currency each last quoted fee is written in ("" unstated)
    known = workspace_creators(ws)
    if ws.has_table("campaign_plan") and int(ws.table("campaign_plan").count().execute()):
        try:
            history = campaign_report(ws, n_boot=50).creators.to_pandas()
            # the fee of each creator's latest campaign (by start date; undated rows first), not the last file row
            fees = (
                ws.table("campaign_plan")
                .select(
                    "creator_platform",
                    "creator_id",
                    "cost",
                    "currency",
                    "start_date",
                    "end_date",
                    "campaign_id",
                )
                .to_pandas()
            )
            # campaigns starting the same day: the later end, then the campaign id — never the table's row order,
            # which a re-import of one campaign changes (its rows are deleted and inserted again)
            fees = fees.sort_values(
                ["start_date", "end_date", "campaign_id"], na_position="first", kind="stable"
            )
            fee_keys = creator_keys(fees["creator_platform"], fees["creator_id"], known)
            last_fee, fee_currency = {}, {}
            for k, c, cur in zip(fee_keys, fees["cost"], fees["currency"], strict=True):
                if k is not None and pd.notna(c):
                    last_fee[k] = float(c)
                    fee_currency[k] = str(cur).strip().upper() if cur is not None and pd.notna(cur) else ""
            history = _with_results(ws, history, fees, notes)
            if history is None:
                notes.append(
                    "no campaign with results yet: default priors by label and tier (docs/campaigns.md)"
                )
            else:
                notes.append(f"forecast calibrated on {len(history)} past campaign creator rows")
            unmatched = sorted(
                {str(i) for k, i in zip(fee_keys, fees["creator_id"], strict=True) if k is None}
            )
            if unmatched:
                notes.append(
                    "campaign rows without a platform whose creator id is on several platforms (or on none) "
                    f"are no creator's fee or history: {', '.join(unmatched)}"
                )
        except CampaignError as exc:
            notes.append(f"no usable campaign history ({exc}); default priors")
    else:
        notes.append("no past campaigns imported: default priors by label and tier (docs/campaigns.md)")
    cand = cand.copy()
    costs, sources, gifted = [], [], []
    for p, c, f in zip(cand["platform"], cand["creator_id"], cand["followers"], strict=True):
        fee = last_fee.get(_key(p, c))
        if fee is not None and fee > 0:
            costs.append(fee)
            sources.append("last quoted")
        else:  # no past campaign, or a product-only (gifted) one with fee 0: nothing was quoted
            costs.append(estimate_fee(p, f))
            sources.append("estimated")
        gifted.append(fee is not None and fee <= 0)
    cand["cost"] = costs
    cand["cost_source"] = sources
    cand["_gifted"] = gifted
    note = _currency_note(cand, fee_currency)
    if note:
        notes.append(note)
    # an unscored creator's score factor: the mean of every candidate's, not only of those whose fee fits this budget
    unscored = unscored_factor(cand["community_score"]) if "community_score" in cand.columns else None
    # … and the same expectation breaks ties in the optimiser: an unscored creator is an average one
    unscored_score = mean_score(cand["community_score"]) if "community_score" in cand.columns else None
    fits = cand[cand["cost"] <= budget].reset_index(drop=True)
    if fits.empty:
        cheapest = f" (the cheapest fee is {format_money(float(cand['cost'].min()))})" if len(cand) else ""
        raise CampaignError(f"no creator's fee fits a budget of {format_money(budget)}{cheapest}")
    cand = fits
    fc = forecast(cand, history, seed=seed, creators=known, unscored=unscored)
    cand = pd.concat([cand.reset_index(drop=True), fc.drop(columns=["platform", "creator_id"])], axis=1)
    cand = cand.sort_values("expected_conversions", ascending=False, kind="stable")
    # no follower count (a YouTube channel hiding its subscribers, a creator without an accounts row): no exposure to
    # forecast from, so 0 conversions — not a creator "expected to lose its fee"; said apart, by name
    unknown = pd.to_numeric(cand["followers"], errors="coerce").isna().to_numpy()
    if unknown.any():
        who = sorted(
            f"{_key(p, i)[0]}:{i}"
            for p, i in zip(cand["platform"][unknown], cand["creator_id"][unknown], strict=True)
        )
        notes.append(
            f"{len(who)} creator(s) without a follower count not planned: the forecast reads the audience from "
            f"followers ({', '.join(who[:5])}{', …' if len(who) > 5 else ''}); import their profiles to plan them"
        )
        cand = cand[~unknown]
    community_below_roi = (
        0  # community creators the ROI threshold left out (the community-share note names them)
    )
    if min_roi is not None:
        roi = pd.to_numeric(cand["expected_roi"], errors="coerce")
        losing = roi < min_roi
        if losing.any():
            notes.append(_left_out_note(min_roi, roi[losing]))
            community_below_roi = int((cand["label_group"][losing] == "community").sum())
            cand = cand[~losing]
    cand["ratio"] = cand["expected_conversions"] / cand["cost"]
    ranked = cand.sort_values("ratio", ascending=False, kind="stable").reset_index(drop=True)
    overlap: dict[OverlapKey, float] = {}
    overlap_failed = False
    done = 0  # the candidates whose audience overlaps are computed: the first ``done`` of ``ranked``
    size = shortlist
    while True:
        # audience overlap is computed among the best ``size`` by value per cost, where the greedy picks; when the
        # picks leave budget that a candidate past them could take, the list grows and the plan is made again — it used
        # to stop at the first 60, leaving the rest of the budget unspent (and the community share short) with more
        # creators eligible and affordable, and without a word
        short = ranked.head(size)
        if use_overlap and not overlap_failed and len(short) > done:
            try:
                overlap = _overlaps(ws, short, overlap_confidence)
            except Exception as exc:  # overlap is optional: missing module, no comments, …
                overlap_failed = True
                notes.append(f"audience overlap not used ({type(exc).__name__}: {exc})")
        done = len(short)
        picks = optimise(
            short,
            budget,
            overlap=overlap,
            overlap_penalty=overlap_penalty,
            min_community_share=min_community_share,
            max_macro=max_macro,
            unscored_score=unscored_score,
        )
        if done >= len(ranked) or not _room_for(
            ranked.iloc[done:], picks, budget, min_community_share, max_macro
        ):
            break
        size *= 2
    rationale = []
    for _, r in picks.iterrows():
        fee_note = (
            "estimated fee: its latest campaign was product-only (fee 0)"
            if r["cost_source"] == "estimated" and r.get("_gifted")
            else f"{r['cost_source']} fee"
        )
        bits = [
            f"expects {r['expected_conversions']:.1f} conversions "
            f"(80% PI {r['conversions_lo']:.0f}–{r['conversions_hi']:.0f}) for {format_money(r['cost'])} "
            f"({fee_note})"
        ]
        if r.get("expected_roi") is not None and pd.notna(r.get("expected_roi")):
            bits.append(f"expected ROI {r['expected_roi']:+.0%}")
        lab = r.get("label") or "unscored"
        sc = r.get("community_score")
        bits.append(
            f"{lab}"
            + (f", community score {score_text(sc)}" if sc is not None and pd.notna(sc) else "")
            + f", {r.get('tier') or '?'} tier"
        )
        if r["max_overlap"] >= 0.0005:  # what rounds to 0.0 % is no overlap to speak of
            bits.append(
                f"≥ {r['max_overlap']:.1%} audience overlap with earlier picks "
                f"({overlap_confidence:.0%} lower bound; value discounted)"
            )
        bits.append(f"prior: {r['prior']}")
        rationale.append("; ".join(bits))
    picks = picks.assign(rank=np.arange(1, len(picks) + 1), rationale=rationale)
    cols = [
        "rank",
        "platform",
        "creator_id",
        "handle",
        "label",
        "label_group",
        "tier",
        "followers",
        "community_score",
        "cost",
        "cost_source",
        "expected_conversions",
        "conversions_lo",
        "conversions_hi",
        "value",
        "max_overlap",
        "expected_revenue",
        "expected_roi",
        "rationale",
    ]
    picks = picks[[c for c in cols if c in picks.columns]]
    spent = float(picks["cost"].sum()) if len(picks) else 0.0
    comm = float(picks.loc[picks["label_group"] == "community", "cost"].sum()) if len(picks) else 0.0
    summary = {
        "budget": budget,
        "spent": spent,
        "creators": len(picks),
        "community_share_of_budget": comm / budget,
        "min_community_share": min_community_share,
        "community_share_of_spend": comm / spent if spent else 0.0,
        "macro_creators": int(picks["tier"].isin(_MACRO).sum()) if len(picks) else 0,
        "expected_conversions": float(picks["value"].sum()) if len(picks) else 0.0,
        "expected_conversions_before_overlap": float(picks["expected_conversions"].sum())
        if len(picks)
        else 0.0,
        "notes": notes,
    }
    if summary["expected_conversions_before_overlap"] - summary["expected_conversions"] >= 0.05:
        notes.append(
            f"expected conversions {summary['expected_conversions']:.1f} are the picks' "
            f"{summary['expected_conversions_before_overlap']:.1f} less their audience overlap with earlier picks "
            "(the value column)"
        )
    if comm < min_community_share * budget and len(picks):
        notes.append(
            f"only {share_text(comm / budget, min_community_share)} of the budget found community creators to spend on "
            f"(rule: ≥ {_share(min_community_share)}); the rest is left unspent"
            + (
                f" — {community_below_roi} community creator(s) were left out for an expected ROI below "
                f"{_pct(min_roi)} (`--min-roi`)"
                if community_below_roi and min_roi is not None
                else ""
            )
        )
    return BudgetPlan(
        picks=pa.Table.from_pandas(picks.reset_index(drop=True), preserve_index=False), summary=summary
    )
