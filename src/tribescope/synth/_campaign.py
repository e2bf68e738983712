"""A brand campaign with planted ROI: the plan, a Shopify orders export and link clicks.

Planted truth: each campaign creator has an expected conversion rate per follower
(:data:`~tribescope.synth._world.CONVERSION_RATE` by kind, times log-normal noise; boosted creators'
rate counts only their real followers). Orders for creator *c* ~ Poisson(followers × rate), placed
over the days after the creator's campaign post (exponential, mean 3 days). About 55 % of buyers use
only the promo code, 25 % the code and the UTM link, 12 % only the UTM link, and 8 % neither (these
are real sales that no attribution can find). A baseline of organic orders runs from 30 days before
the campaign to 14 days after it.

``truth/campaign_truth.csv``, per campaign creator: ``orders`` placed (any financial status) and
``attributed_orders`` (of them, those carrying the code or the UTM link); ``conversions`` and
``attributed_conversions``, the same counted as the campaign report counts a conversion — a paid order
that stood, not one awaiting payment (``pending``), refunded in full, voided or cancelled; and ``revenue``
(``Total − Refunded Amount`` of those conversions) and ``roi`` = (revenue − cost) / cost. Both come from the
report's own rule (:func:`tribescope.campaigns._attribution.attribute_orders`, statuses in
:mod:`tribescope.campaigns._io`), so a perfect attribution of a creator's sales lands on its planted figures.

The orders file uses the column names of Shopify's admin orders export ("Name", "Email",
"Financial Status", "Paid at", …, "Created at", "Lineitem …", "Billing …", "Id", "Tags", "Source",
…), with one row per line item (extra rows of an order repeat only Name, Email and the line-item
fields). Two columns Shopify's admin CSV does not have are appended: "Landing Site" and
"Referring Site" — the order API's ``landing_site`` / ``referring_site``, which order-export apps add
— because UTM attribution needs them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from pathlib import Path
from typing import Any

import numpy as np

from tribescope.synth._vocab import FIRST_NAMES, WORDS
from tribescope.synth._world import DAY, Creator, World

__all__ = ["ORDER_COLUMNS", "write_campaign"]

ORDER_COLUMNS = [
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Billing City",
    "Billing Zip",
    "Billing Province",
    "Billing Country",
    "Shipping Name",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
    "Notes",
    "Note Attributes",
    "Cancelled at",
    "Payment Method",
    "Refunded Amount",
    "Vendor",
    "Id",
    "Tags",
    "Risk Level",
    "Source",
    "Lineitem discount",
    "Landing Site",
    "Referring Site",
]

PRODUCTS = (
    ("Brightfold Everyday Bottle", 34.0, "BF-BTL-01"),
    ("Brightfold Trail Pack", 89.0, "BF-PCK-02"),
    ("Brightfold Mini Kit", 24.0, "BF-KIT-03"),
    ("Brightfold Travel Pouch", 29.0, "BF-PCH-04"),
    ("Brightfold Insulated Mug", 38.0, "BF-MUG-05"),
)
_CITIES = (
    ("Austin", "78701", "TX"),
    ("Denver", "80202", "CO"),
    ("Portland", "97205", "OR"),
    ("Brooklyn", "11201", "NY"),
    ("Chicago", "60601", "IL"),
    ("Seattle", "98101", "WA"),
    ("Atlanta", "30303", "GA"),
    ("Boston", "02108", "MA"),
    ("Phoenix", "85004", "AZ"),
)
_REF = {
    "instagram": ("https://l.instagram.com/", "https://www.instagram.com/", ""),
    "youtube": ("https://www.youtube.com/", "https://m.youtube.com/", ""),
    "tiktok": ("https://www.tiktok.com/", ""),
}
_TZ = zoneinfo.ZoneInfo("America/New_York")


def _shop_time(t: float) -> str:
    return dt.datetime.fromtimestamp(int(t), dt.UTC).astimezone(_TZ).strftime("%Y-%m-%d %H:%M:%S %z")


def _date(t: float) -> str:
    return dt.datetime.fromtimestamp(int(t), dt.UTC).strftime("%Y-%m-%d")


def _csv(rows: list[dict[str, Any]], cols: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def _conversions(
    sales: list[tuple[int, bool, str, float, float]],
) -> tuple[dict[int, int], dict[int, int], dict[int, float]]:
    """Per creator index: conversions, conversions carrying the code or the UTM link, and their revenue — by the
    campaign report's one rule of a sale (:func:`~tribescope.campaigns._attribution.attribute_orders`: paid and
    standing; ``pending`` / ``authorized`` orders, orders refunded in full and voided or cancelled ones are none;
    revenue = Total − Refunded Amount), applied to the orders as the export writes them."""
    if not sales:  # no campaign creator placed an order
        return {}, {}, {}
    import pandas as pd

    # imported here: the campaigns package (pyarrow, the store) is not needed to import ``tribescope.synth``
    from tribescope.campaigns._attribution import attribute_orders

    orders = pd.DataFrame(
        sales, columns=["creator", "marked", "financial_status", "total", "refunded"]
    ).assign(cancelled=False)
    # no plan: only the sale / revenue columns are wanted, not who the report credits
    sold = attribute_orders(pd.DataFrame(), orders)
    sold = sold[~sold["void"]]
    conv: dict[int, int] = sold.groupby("creator").size().to_dict()
    conv_marked: dict[int, int] = sold[sold["marked"]].groupby("creator").size().to_dict()
    revenue: dict[int, float] = sold.groupby("creator")["revenue"].sum().to_dict()
    return conv, conv_marked, revenue


def write_campaign(
    world: World, campaign_posts: dict[int, tuple[str, float]], out: Path, truth: Path
) -> dict[str, int]:
    """Write ``out/campaigns/`` (plan, orders, link clicks) and ``truth/campaign_truth.csv``."""
    camp = world.campaign
    rng = np.random.default_rng([world.seed, 10])
    cdir = out / "campaigns"
    cdir.mkdir(parents=True, exist_ok=True)
    (cdir / ".tribescopeignore").write_text(
        "campaign files: imported by `tribescope campaign import` (not `import`)\n"
    )
    creators: list[Creator] = [world.creators[i] for i in camp.creators]

    plan = []
    for c in creators:
        plan.append(
            {
                "campaign_id": camp.campaign_id,
                "brand": camp.brand,
                "creator_platform": c.platform,
                "creator_id": c.account_id,
                "handle": c.handle,
                "cost": f"{camp.cost[c.idx]:.2f}",
                "currency": "USD",
                "start": _date(camp.start),
                "end": _date(camp.end),
                "promo_code": c.campaign_code,
                "utm_campaign": (c.campaign_link or "").split("utm_campaign=")[-1],
                "link": c.campaign_link,
            }
        )
    (cdir / "campaign_plan.csv").write_text(_csv(plan, list(plan[0]) if plan else ["campaign_id"]))

    # orders: (time, creator index or -1, code, landing, referrer, carries the code or the UTM link)
    orders: list[tuple[float, int, str, str, str, bool]] = []
    truth_rows = []
    for c in creators:
        post_id, post_t = campaign_posts.get(c.idx, ("", camp.start + 5 * DAY))
        rate = camp.rate[c.idx]
        expected = c.followers * rate
        n = int(rng.poisson(expected))
        ts = post_t + rng.exponential(3 * DAY, n) + rng.uniform(600, 7200, n)
        ts = np.minimum(ts, camp.end + 14 * DAY - rng.uniform(0, DAY, n))
        u = rng.random(n)
        attributed = 0
        for k in range(n):
            prod_path = "/products/" + PRODUCTS[int(rng.integers(0, len(PRODUCTS)))][0].lower().replace(
                " ", "-"
            )
            utm = (c.campaign_link or "").split("?", 1)[-1]
            ref = _REF[c.platform][int(rng.integers(0, len(_REF[c.platform])))]
            if u[k] < 0.55:
                code, land = c.campaign_code or "", prod_path if rng.random() < 0.5 else "/"
            elif u[k] < 0.80:
                code, land = c.campaign_code or "", f"/?{utm}"
            elif u[k] < 0.92:
                code, land = "", f"/?{utm}"
            else:
                code, land = "", "/"
            marked = bool(u[k] < 0.92)  # carries the code or the UTM link
            attributed += marked
            orders.append((float(ts[k]), c.idx, code, land, ref, marked))
        truth_rows.append(
            {
                "campaign_id": camp.campaign_id,
                "creator_platform": c.platform,
                "creator_id": c.account_id,
                "handle": c.handle,
                "kind": c.kind,
                "followers": c.followers,
                "post_id": post_id,
                "cost": f"{camp.cost[c.idx]:.2f}",
                "expected_conversion_rate": f"{rate:.6f}",
                "expected_orders": f"{expected:.2f}",
                "orders": n,
                "attributed_orders": attributed,
            }
        )
    # organic baseline
    exp_total = sum(world.creators[i].followers * camp.rate[i] for i in camp.creators)
    lam = max(2.0, 0.6 * exp_total / 28)
    t0, t1 = camp.start - 30 * DAY, camp.end + 14 * DAY
    n_org = int(rng.poisson(lam * (t1 - t0) / DAY))
    for t in np.sort(rng.uniform(t0, t1, n_org)):
        uo = rng.random()
        code = "" if uo < 0.7 else ("WELCOME10" if uo < 0.9 else "SPRING20")
        land = (
            "/",
            "/collections/all",
            "/products/brightfold-everyday-bottle?utm_source=google&utm_medium=cpc",
            "/?utm_source=newsletter&utm_medium=email",
        )[int(rng.integers(0, 4))]
        ref = (
            "https://www.google.com/",
            "",
            "https://duckduckgo.com/",
            "android-app://com.google.android.gm/",
        )[int(rng.integers(0, 4))]
        orders.append((float(t), -1, code, land, ref, False))
    orders.sort(key=lambda o: o[0])

    rows: list[dict[str, Any]] = []
    # the creators' orders as the report reads them: (creator index, carries code or link, status, total, refunded)
    sales: list[tuple[int, bool, str, float, float]] = []
    for num, (t, ci, code, land, ref, marked) in enumerate(orders):
        r = rng.random(12)
        first = FIRST_NAMES[int(r[0] * len(FIRST_NAMES))]
        last = WORDS[int(r[1] * len(WORDS))].capitalize()
        email = f"{first}.{last.lower()}{int(r[2] * 100)}@example.{('com', 'net', 'org')[int(r[3] * 3)]}"
        items = [PRODUCTS[int(r[4] * len(PRODUCTS))]] + (
            [PRODUCTS[int(r[5] * len(PRODUCTS))]] if r[6] < 0.15 else []
        )
        qty = [1 + int(r[7] < 0.12)] + [1] * (len(items) - 1)
        subtotal = sum(p[1] * q for p, q in zip(items, qty, strict=True))
        pct = (
            0.15
            if code.endswith("15")
            else 0.10
            if code == "WELCOME10"
            else 0.20
            if code == "SPRING20"
            else 0.0
        )
        disc = round(subtotal * pct, 2)
        shipping = 0.0 if subtotal - disc >= 50 else 5.95
        taxes = round((subtotal - disc) * 0.07, 2)
        total = round(subtotal - disc + shipping + taxes, 2)
        status = (
            "paid"
            if r[8] < 0.92
            else ("refunded" if r[8] < 0.96 else ("partially_refunded" if r[8] < 0.98 else "pending"))
        )
        refunded = (
            total
            if status == "refunded"
            else round(total * 0.4, 2)
            if status == "partially_refunded"
            else 0.0
        )
        if ci >= 0:
            sales.append((ci, marked, status, total, refunded))
        city = _CITIES[int(r[9] * len(_CITIES))]
        created = _shop_time(t)
        name = f"#{1001 + num}"
        fulfilled = r[10] < 0.9 and status != "pending"
        base = {
            "Name": name,
            "Email": email,
            "Financial Status": status,
            "Paid at": "" if status == "pending" else _shop_time(t + 2),
            "Fulfillment Status": "fulfilled" if fulfilled else "unfulfilled",
            "Fulfilled at": _shop_time(t + 2 * DAY) if fulfilled else "",
            "Accepts Marketing": "yes" if r[11] < 0.4 else "no",
            "Currency": "USD",
            "Subtotal": f"{subtotal:.2f}",
            "Shipping": f"{shipping:.2f}",
            "Taxes": f"{taxes:.2f}",
            "Total": f"{total:.2f}",
            "Discount Code": code,
            "Discount Amount": f"{disc:.2f}",
            "Shipping Method": "Standard" if shipping else "Free Shipping",
            "Created at": created,
            "Billing Name": f"{first.capitalize()} {last}",
            "Billing City": city[0],
            "Billing Zip": city[1],
            "Billing Province": city[2],
            "Billing Country": "US",
            "Shipping Name": f"{first.capitalize()} {last}",
            "Shipping City": city[0],
            "Shipping Zip": city[1],
            "Shipping Province": city[2],
            "Shipping Country": "US",
            "Notes": "",
            "Note Attributes": "",
            "Cancelled at": "",
            "Payment Method": "Shopify Payments",
            "Refunded Amount": f"{refunded:.2f}",
            "Vendor": "Brightfold",
            "Id": str(5_600_000_000_000 + num * 7919),
            "Tags": "",
            "Risk Level": "Low",
            "Source": "web",
            "Landing Site": land,
            "Referring Site": ref,
        }
        for k, (p, q) in enumerate(zip(items, qty, strict=True)):
            li = {
                "Lineitem quantity": q,
                "Lineitem name": p[0],
                "Lineitem price": f"{p[1]:.2f}",
                "Lineitem compare at price": "",
                "Lineitem sku": p[2],
                "Lineitem requires shipping": "true",
                "Lineitem taxable": "true",
                "Lineitem fulfillment status": "fulfilled" if fulfilled else "pending",
                "Lineitem discount": f"{round(p[1] * q * pct, 2):.2f}",
            }
            rows.append(base | li if k == 0 else {"Name": name, "Email": email} | li)
    rows.reverse()  # the admin export lists the newest order first
    (cdir / "orders_export.csv").write_text(_csv(rows, ORDER_COLUMNS))

    # link clicks per day and UTM campaign (a link shortener / analytics export)
    clicks = []
    for c in creators:
        _, post_t = campaign_posts.get(c.idx, ("", camp.start + 5 * DAY))
        utm = (c.campaign_link or "").split("utm_campaign=")[-1]
        total_clicks = int(rng.poisson(max(1.0, c.real_followers * camp.rate[c.idx] * 0.37 / 0.03)))
        days = np.floor(rng.exponential(2.5, total_clicks)).astype(int)
        for d, k in zip(*np.unique(days, return_counts=True), strict=True):
            clicks.append(
                {
                    "date": _date(post_t + int(d) * DAY),
                    "utm_campaign": utm,
                    "link": c.campaign_link,
                    "clicks": int(k),
                }
            )
    (cdir / "link_clicks.csv").write_text(_csv(clicks, ["date", "utm_campaign", "link", "clicks"]))

    conv, conv_marked, revenue = _conversions(sales)
    for tr, c in zip(truth_rows, creators, strict=True):
        rev = revenue.get(c.idx, 0.0)
        cost = camp.cost[c.idx]
        tr["conversions"] = conv.get(c.idx, 0)
        tr["attributed_conversions"] = conv_marked.get(c.idx, 0)
        tr["revenue"] = f"{rev:.2f}"
        tr["roi"] = f"{(rev - cost) / cost:.4f}"
    cols = [
        "campaign_id",
        "creator_platform",
        "creator_id",
        "handle",
        "kind",
        "followers",
        "post_id",
        "cost",
        "expected_conversion_rate",
        "expected_orders",
        "orders",
        "attributed_orders",
        "conversions",
        "attributed_conversions",
        "revenue",
        "roi",
    ]
    (truth / "campaign_truth.csv").write_text(_csv(truth_rows, cols))
    return {"orders": len(orders), "campaign_creators": len(creators)}
