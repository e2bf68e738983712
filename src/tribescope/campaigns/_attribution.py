"""Attribution of shop orders and posts to campaign creators (documented in docs/campaigns.md).

Orders — each order is credited to **at most one** plan row:

1. **Discount code.** One of the order's discount codes (an order may carry several, e.g. a welcome code and
   the creator's) equals a plan row's ``promo_code`` (case-insensitive; a plan row may list several codes
   separated by ``,`` or ``;``) and the order was created between the
   row's ``start`` and ``end + window`` days (default 14). A code wins over a UTM link when both are present
   and disagree (the buyer typed it).
2. **UTM.** Otherwise the ``utm_campaign`` of the order's landing site equals the row's
   ``utm_campaign`` (taken from the plan or parsed from its link), in the same time window.
3. Several matching rows (the same code reused across campaigns): the latest-starting row whose window
   holds the order wins.

Cancelled and voided orders, and orders refunded in full (``Refunded Amount ≥ Total > 0``), are never
credited: they are not sales. Revenue of an order = ``Total − Refunded Amount`` (a partial refund lowers it).

Posts — a campaign post is a post of the plan's creator published between ``start`` and
``end`` that is listed in the plan's ``post_ids`` or, when the plan lists none, that carries the promo
code or the UTM campaign (each as a whole token: "SAVE10" is not in "SAVE100"), the link (as written, anywhere),
the row's brand name or a brand term as a whole word, optionally after '@' or '#' ("pack" is not in "backpack";
``brand_terms``; from :func:`tribescope.brand._text.stored_brand_terms`, a row naming a stored brand takes that
brand's terms only), whose @-mentioned or tagged accounts (``posts.mentions`` / ``posts.tagged_users``) include the
brand name or a term as a whole handle (Instagram's paid partnerships tag the brand without naming it in the
caption), or whose platform sponsor names the brand or a term (whole words too). Each post is
credited to one plan row only (the earliest-starting), so no post's reach or EMV is counted twice.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pandas as pd

from tribescope.campaigns._io import discount_codes

__all__ = ["ATTRIBUTION_WINDOW_DAYS", "attribute_orders", "campaign_posts"]

#: days after a plan row's end during which its code / link still earns orders
ATTRIBUTION_WINDOW_DAYS = 14


def _window(plan: pd.DataFrame, window_days: int) -> tuple[pd.Series, pd.Series]:
    start = pd.to_datetime(plan["start_date"]).dt.tz_localize(UTC)
    end = pd.to_datetime(plan["end_date"]).dt.tz_localize(UTC) + pd.Timedelta(days=1 + window_days)
    start = start.fillna(pd.Timestamp(datetime(1970, 1, 1, tzinfo=UTC)))
    end = end.fillna(pd.Timestamp(datetime(2262, 1, 1, tzinfo=UTC)))
    return start, end


def attribute_orders(
    plan: pd.DataFrame, orders: pd.DataFrame, *, window_days: int = ATTRIBUTION_WINDOW_DAYS
) -> pd.DataFrame:
    """``orders`` with columns ``plan_row`` (index into ``plan`` or -1), ``rule`` (code | utm | None),
    ``revenue`` (Total − Refunded; 0 for cancelled orders) and ``void`` (cancelled, voided or refunded in full). Cancelled / voided orders and orders refunded in full
    are never credited."""
    o = orders.copy()
    total = pd.to_numeric(o["total"], errors="coerce").fillna(0.0)
    refunded = pd.to_numeric(o["refunded"], errors="coerce").fillna(0.0)
    o["revenue"] = (total - refunded).clip(lower=0.0)
    o.loc[o["cancelled"].astype("boolean").fillna(False).astype(bool), "revenue"] = 0.0
    void = o["cancelled"].astype("boolean").fillna(False).astype(bool) | (
        (refunded > 0) & (refunded >= total)
    )
    o["void"] = void  # no order after all: cancelled / voided, or refunded in full
    o["plan_row"] = -1
    o["rule"] = None
    if plan.empty or o.empty:
        return o
    start, end = _window(plan, window_days)
    order_by_start = sorted(range(len(plan)), key=lambda i: (start.iloc[i], i), reverse=True)
    codes = [set(discount_codes(c)) for c in plan["promo_code"].fillna("")]  # "ALICE15; ALICE20": either
    utms = plan["utm_campaign"].fillna("").str.lower().tolist()
    rows, rules = [], []
    for code, utm, t, cancelled in zip(
        o["discount_code"].fillna("").astype(str),
        o["utm_campaign"].fillna("").str.lower(),
        o["created_at"],
        void,
        strict=True,
    ):
        hit, rule = -1, None
        if not cancelled:
            mine = set(discount_codes(code))
            if mine:
                for i in order_by_start:
                    if codes[i] & mine and start.iloc[i] <= t < end.iloc[i]:
                        hit, rule = i, "code"
                        break
            if hit < 0 and utm:
                for i in order_by_start:
                    if utms[i] and utms[i] == utm and start.iloc[i] <= t < end.iloc[i]:
                        hit, rule = i, "utm"
                        break
        rows.append(hit)
        rules.append(rule)
    o["plan_row"] = rows
    o["rule"] = rules
    return o


#: a promo code or UTM campaign as a token of a post's text or link: not inside a longer code ("SAVE10" never marks
#: "SAVE100", "spring" never "utm_campaign=spring26"); codes may hold '-' ("ALICE-TT"), so it continues a token too
_TOKEN = r"(?<![\w-])(?:{})(?![\w-])"


def _token_pattern(values: list[str]) -> re.Pattern[str] | None:
    vals = sorted({v.strip().lower() for v in values if v and v.strip()}, key=len, reverse=True)
    if not vals:
        return None
    return re.compile(_TOKEN.format("|".join(re.escape(v) for v in vals)), re.IGNORECASE)


def _handle(value: object) -> str:
    """A handle as ``posts.mentions`` / ``tagged_users`` hold it: lower-cased, without '@' (or a '#' a term may
    carry), surrounding spaces stripped."""
    return str(value).strip().lower().lstrip("@#").strip() if value is not None else ""


def _tagged_handles(posts: pd.DataFrame) -> list[frozenset[str]]:
    """Per post, the accounts it @-mentions or tags (``mentions`` ∪ ``tagged_users``; empty without the columns)."""
    out: list[frozenset[str]] = []
    cols = [c for c in ("mentions", "tagged_users") if c in posts.columns]
    for vals in zip(*(posts[c] for c in cols), strict=True) if cols else ((),) * len(posts):
        hs: set[str] = set()
        for v in vals:
            if v is None or v is pd.NA or isinstance(v, float):  # a null list
                continue
            if isinstance(v, str):  # a hand-built frame: "a, b"
                v = v.split(",")
            hs.update(h for h in (_handle(x) for x in v) if h)
        out.append(frozenset(hs))
    return out


def campaign_posts(
    plan: pd.DataFrame, posts: pd.DataFrame, brand_terms: list[str] | None = None
) -> pd.DataFrame:
    """Posts credited to plan rows: ``posts`` rows plus ``plan_row``; each post at most once.

    Without ``post_ids`` a post is marked by (case-insensitive) the brand's name or a brand term as a whole word,
    optionally after '@' or '#' (:func:`tribescope.brand._text.word_pattern`, the rule every brand mention follows:
    "pack" never marks "backpack"; a multi-word term is a phrase); a promo code or the UTM campaign as a whole token
    ("SAVE10" never marks "SAVE100"); the link as written, anywhere in the text (a longer URL holding it counts); an
    @-mention or tagged account (``mentions`` / ``tagged_users``, when ``posts`` has them) that is the brand's name or
    a term as a whole handle (case-insensitive, without '@': the tag "brightfold" marks, "brightfold_fan" does not) —
    as the caption's "@brightfold" does; or a platform sponsor naming the brand or a term as a whole word."""
    from tribescope.brand._text import word_pattern

    if plan.empty or posts.empty:
        return posts.assign(plan_row=pd.Series(dtype="int64")).iloc[0:0]
    start, _ = _window(plan, 0)
    end = pd.to_datetime(plan["end_date"]).dt.tz_localize(UTC) + pd.Timedelta(days=1)
    end = end.fillna(pd.Timestamp(datetime(2262, 1, 1, tzinfo=UTC)))
    terms = [t.lower() for t in (brand_terms or []) if t]
    # stored brand profiles (tribescope.brand.stored_brand_terms): a row naming a stored brand takes its terms only
    by_brand: dict[str, list[str]] | None = getattr(brand_terms, "by_brand", None)
    text = (posts["title"].fillna("") + " " + posts["caption"].fillna("")).str.lower()
    sponsor = posts["sponsor"].fillna("").str.lower()
    tagged = _tagged_handles(posts)
    taken: set[tuple[str, str]] = set()
    out = []
    for i in sorted(range(len(plan)), key=lambda k: (start.iloc[k], k)):
        r = plan.iloc[i]
        mine = posts["creator_id"] == r["creator_id"]
        if r.get("creator_platform"):
            mine &= posts["platform"] == r["creator_platform"]
        ids = list(r["post_ids"]) if r.get("post_ids") is not None and len(r["post_ids"]) else []
        if ids:
            sel = mine & posts["post_id"].isin(ids)
        else:
            in_time = (posts["created_at"] >= start.iloc[i]) & (posts["created_at"] < end.iloc[i])
            brand = str(r.get("brand") or "").strip().lower()
            mine_terms = terms
            if by_brand is not None and brand:  # another stored brand's words mark no post of this campaign
                mine_terms = [t.lower() for t in by_brand.get(brand, []) if t]
            # the brand's name marks its posts (docs/campaigns.md), with or without a stored profile
            if brand:
                mine_terms = [*mine_terms, brand]
            hit = pd.Series(False, index=posts.index)
            link = str(r.get("link") or "").strip().lower()
            if link:
                hit |= text.str.contains(link, regex=False)
            tokens = _token_pattern([*discount_codes(r.get("promo_code")), str(r.get("utm_campaign") or "")])
            if tokens is not None:
                hit |= text.str.contains(tokens)
            words = word_pattern(mine_terms)
            if words is not None:
                hit |= text.str.contains(words) | sponsor.str.contains(words)
            handles = {h for h in (_handle(t) for t in mine_terms) if h}
            if handles:  # the brand @-mentioned or tagged, as a whole handle
                hit |= pd.Series([not hs.isdisjoint(handles) for hs in tagged], index=posts.index, dtype=bool)
            sel = mine & in_time & hit
        for j in posts.index[sel]:
            key = (posts.at[j, "platform"], posts.at[j, "post_id"])
            if key in taken:
                continue
            taken.add(key)
            out.append({**posts.loc[j].to_dict(), "plan_row": i})
    cols = [*posts.columns, "plan_row"]
    return pd.DataFrame(out, columns=cols)
