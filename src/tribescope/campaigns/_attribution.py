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

Cancelled, voided and expired orders, and orders refunded in full (``Refunded Amount ≥ Total > 0``), are never
credited: they are not sales. Orders awaiting payment (financial status ``pending`` / ``authorized``,
:data:`~tribescope.campaigns._io.UNPAID_STATUSES`) are not credited either: they are not sales *yet* (the payment may
fail or the authorisation expire); the row they would go to is kept (``unpaid_row``) for the report's notes. Revenue of
an order = ``Total − Refunded Amount`` (a partial refund lowers it).

Clicks — each clicks row counts for one plan row at most (:func:`attribute_clicks`): in the row's window, by its UTM
campaign (when either side has one), else by its link; the latest-starting row wins.

Tracked links — one rule for posts and clicks (:func:`same_link`, :func:`link_pattern`): the same host
(case-insensitive; scheme, ``www.`` and port ignored) and the link's path exactly or followed by ``/``; query
parameters such as ``utm_*`` ignored ("…/p/12" never marks "…/p/123").

Posts — a campaign post is a post of the plan's creator published between ``start`` and
``end`` that is listed in the plan's ``post_ids`` or, when the plan lists none, that carries the promo
code or the UTM campaign (each as a whole token: "SAVE10" is not in "SAVE100"), the link (as a URL, above),
the row's brand name or a brand term as a whole word, optionally after '@' or '#' ("pack" is not in "backpack";
``brand_terms``; from :func:`tribescope.brand._text.stored_brand_terms`, a row naming a stored brand takes that
brand's terms only), whose @-mentioned or tagged accounts (``posts.mentions`` / ``posts.tagged_users``) include the
brand name or a term as a whole handle (Instagram's paid partnerships tag the brand without naming it in the
caption), or whose platform sponsor names the brand or a term (whole words too). Each post is
credited to one plan row only, so no post's reach or EMV is counted twice: by the orders' rule, the row's own mark
(a listed post id, then its code, UTM campaign or link) over a brand word or tag, then the latest-starting row.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pandas as pd

# the longest window a report takes: ten years after a campaign's end
from tribescope._limits import MAX_WINDOW_DAYS
from tribescope.campaigns._io import UNPAID_STATUSES, VOID_STATUSES, discount_codes, order_status

__all__ = [
    "ATTRIBUTION_WINDOW_DAYS",
    "MAX_WINDOW_DAYS",
    "attribute_clicks",
    "attribute_orders",
    "campaign_posts",
    "link_pattern",
    "same_link",
]

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
    ``revenue`` (Total − Refunded; 0 for an order that is no sale), ``void`` (no sale: cancelled, voided, expired,
    refunded in full — or awaiting payment), ``unpaid`` (awaiting payment: financial status in
    :data:`~tribescope.campaigns._io.UNPAID_STATUSES`), ``unpaid_row`` (the row an unpaid order would be credited to
    once paid, else -1) and ``outside_row`` (a sale that carries a row's code — else its UTM campaign — but was placed
    outside every such row's window: the latest-starting such row, else -1). Only paid orders that stood are
    credited."""
    o = orders.copy()
    total = pd.to_numeric(o["total"], errors="coerce").fillna(0.0)
    refunded = pd.to_numeric(o["refunded"], errors="coerce").fillna(0.0)
    status = (
        o["financial_status"].map(order_status)
        if "financial_status" in o.columns
        else pd.Series("", index=o.index, dtype=object)
    )
    # a status read before VOID_STATUSES held it (``expired``) counts as the readers now store it
    cancelled = o["cancelled"].astype("boolean").fillna(False).astype(bool) | status.isin(VOID_STATUSES)
    void = cancelled | ((refunded > 0) & (refunded >= total))
    unpaid = status.isin(UNPAID_STATUSES) & ~void
    o["revenue"] = (total - refunded).clip(lower=0.0)
    o.loc[cancelled | unpaid, "revenue"] = 0.0
    o["void"] = void | unpaid  # no sale: cancelled / voided / expired, refunded in full, or not paid (yet)
    o["unpaid"] = unpaid
    o["plan_row"] = -1
    o["unpaid_row"] = -1
    o["outside_row"] = -1
    o["rule"] = None
    if plan.empty or o.empty:
        return o
    start, end = _window(plan, window_days)
    order_by_start = sorted(range(len(plan)), key=lambda i: (start.iloc[i], i), reverse=True)
    codes = [set(discount_codes(c)) for c in plan["promo_code"].fillna("")]  # "ALICE15; ALICE20": either
    utms = plan["utm_campaign"].fillna("").str.lower().tolist()
    rows, rules, waiting, outside = [], [], [], []
    for code, utm, t, cancelled, not_paid in zip(
        o["discount_code"].fillna("").astype(str),
        o["utm_campaign"].fillna("").str.lower(),
        o["created_at"],
        void,
        unpaid,
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
        away = -1
        if hit < 0 and not cancelled and not not_paid:
            # a sale carrying a row's code (else its UTM campaign) that no such row's window holds: not credited, but
            # kept for the report's notes (the latest-starting such row) — a code shared before the start, or sales
            # after the attribution window, were dropped without a word
            mine = set(discount_codes(code))
            away = next((i for i in order_by_start if codes[i] & mine), -1)
            if away < 0 and utm:
                away = next((i for i in order_by_start if utms[i] and utms[i] == utm), -1)
        if not_paid:  # awaiting payment: not a conversion (yet); the row it would go to, for the notes
            hit, rule, wait = -1, None, hit
        else:
            wait = -1
        rows.append(hit)
        rules.append(rule)
        waiting.append(wait)
        outside.append(away)
    o["plan_row"] = rows
    o["rule"] = rules
    o["unpaid_row"] = waiting
    o["outside_row"] = outside
    return o


def _link_parts(url: str | None) -> tuple[str, str] | None:
    """A tracked link's ``(host, path)``: the host lower-cased without ``www.`` and a port, the path as written
    without a trailing ``/`` (``""`` for the shop's home page); scheme, query (``utm_*`` …) and fragment are
    dropped. ``None`` without a host."""
    u = (url or "").strip().replace("&amp;", "&")
    if not u:
        return None
    parts = urlsplit(u if "://" in u else "//" + u.lstrip("/"))
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host:
        return None
    return host, parts.path.rstrip("/")


def same_link(link: str | None, url: str | None) -> bool:
    """Whether ``url`` is the tracked ``link`` (the rule of docs/campaigns.md, one for posts and clicks): the same
    host (case-insensitive; scheme, ``www.`` and port ignored) and the link's path exactly, or followed by ``/`` and
    more (``/p/12`` is ``/p/12``, ``/p/12/`` and ``/p/12/red``, never ``/p/123``); query parameters (``utm_*``) and
    the fragment are ignored; the path is case-sensitive, as servers and link shorteners read it."""
    a, b = _link_parts(link), _link_parts(url)
    if a is None or b is None or a[0] != b[0]:
        return False
    return b[1] == a[1] or b[1].startswith(a[1] + "/")


def link_pattern(link: str | None) -> re.Pattern[str] | None:
    """A regular expression finding the tracked ``link`` in a post's text by :func:`same_link`'s rule: the host as a
    whole name (not ``myshop.example`` for ``shop.example``), with or without scheme and ``www.``, then the path
    ending where a path segment ends (``/p/12`` marks ``…/p/12?utm_source=ig``, ``…/p/12/`` and ``…/p/12.`` at
    the end of a sentence, never ``…/p/123`` nor ``…/p/12.html``)."""
    parts = _link_parts(link)
    if parts is None:
        return None
    host, path = parts
    return re.compile(
        r"(?<![\w.@-])(?i:(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?"
        + re.escape(host)
        + r")(?::\d+)?"
        + re.escape(path)
        + r"(?![\w~%-]|\.\w)"
    )


def attribute_clicks(
    plan: pd.DataFrame, clicks: pd.DataFrame, *, window_days: int = ATTRIBUTION_WINDOW_DAYS
) -> pd.Series:
    """Per clicks row (``clicks``' index), the plan row it counts for (index into ``plan``, or -1) — each row for one
    plan row at most, by the orders' rule: dated between the row's ``start`` and ``end + window`` (its orders'
    window), with the row's UTM campaign — when the click or the row carries one, it decides (two creators' links to
    one shop page differ only there) — else, neither carrying one, with the row's link (:func:`same_link`); when
    several rows' windows hold the click (or it has no date), the latest-starting row wins. Clicks used to be counted
    for every row of the same UTM or identical link string whatever their date, so a creator's evergreen link counted
    the same clicks in each of its campaigns."""
    out = pd.Series(-1, index=clicks.index, dtype="int64")
    if plan.empty or clicks.empty:
        return out
    start, end = _window(plan, window_days)
    latest_first = sorted(range(len(plan)), key=lambda i: (start.iloc[i], i), reverse=True)
    utms = [str(u or "").strip().lower() for u in plan["utm_campaign"].fillna("")]
    links = [str(x or "").strip() for x in plan["link"].fillna("")]
    day = pd.to_datetime(clicks["date"]).dt.tz_localize(UTC) if len(clicks) else clicks["date"]
    c_utm = clicks["utm_campaign"].fillna("").astype(str).str.strip().str.lower()
    c_link = clicks["link"].fillna("").astype(str).str.strip()
    for (cu, cl), idx in pd.Series(clicks.index, index=clicks.index).groupby([c_utm, c_link]).groups.items():
        if cu:
            rows = [i for i in latest_first if utms[i] == cu]
        else:
            rows = [i for i in latest_first if not utms[i] and links[i] and cl and same_link(links[i], cl)]
        t = day.loc[idx]
        left = pd.Series(True, index=idx)
        for i in rows:
            # an undated row (a links summary without days) is in every window: the latest-starting row takes it
            hit = left & (t.isna() | ((t >= start.iloc[i]) & (t < end.iloc[i])))
            out.loc[hit[hit].index] = i
            left &= ~hit
            if not left.any():
                break
    return out


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
    ("SAVE10" never marks "SAVE100"); the link as a URL (:func:`link_pattern`: "…/p/12" never marks "…/p/123"); an
    @-mention or tagged account (``mentions`` / ``tagged_users``, when ``posts`` has them) that is the brand's name or
    a term as a whole handle (case-insensitive, without '@': the tag "brightfold" marks, "brightfold_fan" does not) —
    as the caption's "@brightfold" does; or a platform sponsor naming the brand or a term as a whole word. A post
    several rows mark goes to the row with the strongest mark (listed > its own code / UTM / link > a brand word or
    tag), then to the latest-starting row — the rule orders follow (:func:`attribute_orders`)."""
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
    raw = posts["title"].fillna("") + " " + posts["caption"].fillna("")  # a link's path keeps its case
    cands: list[pd.DataFrame] = []
    for i in range(len(plan)):
        r = plan.iloc[i]
        mine = posts["creator_id"] == r["creator_id"]
        if r.get("creator_platform"):
            mine &= posts["platform"] == r["creator_platform"]
        ids = list(r["post_ids"]) if r.get("post_ids") is not None and len(r["post_ids"]) else []
        if ids:
            sel, strength = mine & posts["post_id"].isin(ids), pd.Series(0, index=posts.index)
        else:
            in_time = (posts["created_at"] >= start.iloc[i]) & (posts["created_at"] < end.iloc[i])
            brand = str(r.get("brand") or "").strip().lower()
            mine_terms = terms
            if by_brand is not None and brand:  # another stored brand's words mark no post of this campaign
                mine_terms = [t.lower() for t in by_brand.get(brand, []) if t]
            # the brand's name marks its posts (docs/campaigns.md), with or without a stored profile
            if brand:
                mine_terms = [*mine_terms, brand]
            own = pd.Series(False, index=posts.index)  # the row's own marks: its link, code or UTM campaign
            link = link_pattern(str(r.get("link") or ""))
            if link is not None:
                own |= raw.str.contains(link)
            tokens = _token_pattern([*discount_codes(r.get("promo_code")), str(r.get("utm_campaign") or "")])
            if tokens is not None:
                own |= text.str.contains(tokens)
            hit = own.copy()
            words = word_pattern(mine_terms)
            if words is not None:
                hit |= text.str.contains(words) | sponsor.str.contains(words)
            handles = {h for h in (_handle(t) for t in mine_terms) if h}
            if handles:  # the brand @-mentioned or tagged, as a whole handle
                hit |= pd.Series([not hs.isdisjoint(handles) for hs in tagged], index=posts.index, dtype=bool)
            sel, strength = mine & in_time & hit, (~own).astype("int64") + 1
        if sel.any():
            cands.append(
                pd.DataFrame(
                    {
                        "j": posts.index[sel],
                        "strength": strength[sel].to_numpy(),
                        "start": start.iloc[i],
                        "row": i,
                    }
                )
            )
    if not cands:
        return posts.assign(plan_row=pd.Series(dtype="int64")).iloc[0:0]
    # a post marked by several rows: the strongest mark (listed > its code / UTM / link > a brand word), then the
    # latest-starting row — the orders' rule (a code beats a link, then the latest-starting row)
    c = pd.concat(cands, ignore_index=True).sort_values(
        ["strength", "start", "row"], ascending=[True, False, False], kind="stable"
    )
    key = pd.MultiIndex.from_arrays(
        [posts.loc[c["j"], "platform"].to_numpy(), posts.loc[c["j"], "post_id"].to_numpy()]
    )
    c = c[~key.duplicated()].sort_values(["row", "j"], kind="stable")
    out = posts.loc[c["j"]].assign(plan_row=c["row"].to_numpy()).reset_index(drop=True)
    return out
