"""Import a campaign plan, link clicks and a shop's orders export into workspace tables.

Tables (created by :func:`ensure_tables`):

* ``campaign_plan`` — one row per (campaign, creator): cost, dates, promo code, UTM campaign, link.
* ``campaign_orders`` — one row per shop order (line-item rows of a Shopify export collapsed).
* ``campaign_clicks`` — link clicks per day and UTM campaign / link.

Accepted column names (case- and space-insensitive; the first present wins):

* plan: ``campaign_id|campaign``; ``brand``; ``creator_platform|platform``; ``creator_id|creator|handle``;
  ``handle``; ``cost|fee|price``; ``currency``; ``start|start_date``; ``end|end_date``;
  ``promo_code|code|discount_code``; ``utm_campaign``; ``link|utm_link|affiliate_link|url``;
  ``post_ids|post_id`` (optional, ``;``-separated); ``label`` (optional: community / broadcast). The row's line in
  the file is stored as ``plan_line`` (the report's order within a campaign). An empty fee is an
  error (write 0 for a gifted campaign), and so is a row without a platform whose creator id the workspace has on
  several platforms (:func:`read_plan`'s ``creators``).
* orders: Shopify's admin export (``Name, Financial Status, Paid at, …, Total, Discount Code,
  Discount Amount, Created at, …, Cancelled at, Refunded Amount, Id``) plus the ``Landing Site`` /
  ``Referring Site`` columns order-export apps add; also the Orders API's snake_case names
  (``name, financial_status, total_price, discount_codes, created_at, landing_site, referring_site,
  cancelled_at``). The customer's e-mail address (``Email``, ``email``, ``billing_email``) is not read: no figure
  needs it (orders are attributed by discount code and UTM campaign), so it is not stored (docs/privacy.md). Rows repeating a ``Name`` without a ``Total`` (further line items) are folded into the row
  carrying it; the same order again *with* a ``Total`` (in a CSV or the Orders API JSON) is replaced by the later copy.
  ``Discount Code`` may hold several codes (``"WELCOME10, ALICE15"``); all are kept (comma-joined).
  ``Canceled at`` (the current US spelling) counts as ``Cancelled at``. WooCommerce exports (``order_number``,
  ``order_date``, ``status``, ``order_total``, ``order_currency``, ``coupon_items``) are read too, and
  ``.json`` / ``.ndjson`` files as the Shopify Orders API's response (:func:`_read_orders_json`). Test orders
  are skipped.
* clicks: ``date|day``; ``utm_campaign``; ``link|url``; ``clicks|count``. Rows of the same date, UTM and link are
  kept and added up by the report (an export breaks a day down by hour, source, device … in columns not read here).

Errors name the file, the line a record starts on (quoted fields may span lines) and the column.
Re-importing a plan replaces every row of the campaigns it names (a creator dropped from the file leaves).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyarrow as pa

from tribescope.errors import TribescopeError
from tribescope.store import Workspace, require_workspace, require_writable

__all__ = [
    "CampaignError",
    "ensure_tables",
    "format_money",
    "import_campaign",
    "parse_money",
    "parse_shop_time",
    "read_clicks",
    "read_orders",
    "read_plan",
    "utm_campaign_of",
]

_TS = pa.timestamp("us", tz="UTC")

PLAN_SCHEMA = pa.schema(
    [
        ("campaign_id", pa.string()),
        ("brand", pa.string()),
        ("creator_platform", pa.string()),
        ("creator_id", pa.string()),
        ("handle", pa.string()),
        ("cost", pa.float64()),
        ("currency", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("promo_code", pa.string()),
        ("utm_campaign", pa.string()),
        ("link", pa.string()),
        ("post_ids", pa.list_(pa.string())),
        ("label", pa.string()),
        ("plan_line", pa.int64()),  # the row's line in its plan file: the report's order within a campaign
    ]
)
ORDER_SCHEMA = pa.schema(
    [
        ("order_name", pa.string()),
        ("order_id", pa.string()),
        ("financial_status", pa.string()),
        ("created_at", _TS),
        ("currency", pa.string()),
        ("subtotal", pa.float64()),
        ("discount_code", pa.string()),
        ("discount_amount", pa.float64()),
        ("total", pa.float64()),
        ("refunded", pa.float64()),
        ("cancelled", pa.bool_()),
        ("landing_site", pa.string()),
        ("referring_site", pa.string()),
        ("utm_campaign", pa.string()),
        ("source_file", pa.string()),
    ]
)
CLICK_SCHEMA = pa.schema(
    [
        ("date", pa.date32()),
        ("utm_campaign", pa.string()),
        ("link", pa.string()),
        ("clicks", pa.int64()),
    ]
)
_SCHEMAS = {"campaign_plan": PLAN_SCHEMA, "campaign_orders": ORDER_SCHEMA, "campaign_clicks": CLICK_SCHEMA}


class CampaignError(TribescopeError):
    """A campaign file is missing a column, has a bad value, or nothing was imported yet."""


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _pick(row: dict[str, Any], *names: str) -> str:
    for n in names:
        v = row.get(_key(n))
        if v is not None and str(v).strip() != "":
            return str(v).strip()
    return ""


def _rows(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of a CSV file (keys normalised by :func:`_key`) and its normalised header. Each row also carries
    ``_line`` — the physical line its record starts on (quoted fields such as Shopify's ``Notes`` or addresses
    may span several lines) — and ``_fields``, the header as written (normalised key → name), for error messages."""
    if not path.exists():
        raise CampaignError(f"{path} not found")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        names = [h for h in (reader.fieldnames or []) if h is not None]
        header = [_key(h) for h in names]
        fields = {_key(h): h.strip() for h in names}
        rows: list[dict[str, Any]] = []
        last = reader.line_num  # the header's last line
        for r in reader:
            row: dict[str, Any] = {_key(k): (v or "") for k, v in r.items() if k is not None}
            row["_line"] = last + 1
            row["_fields"] = fields
            rows.append(row)
            last = reader.line_num
    return rows, header


def _field(row: dict[str, Any], *names: str) -> str:
    """The header name (as the file writes it) of the first of ``names`` present in ``row``, for messages."""
    fields = row.get("_fields") or {}
    for n in names:
        k = _key(n)
        if k in row and str(row.get(k) or "").strip() != "":
            return str(fields.get(k, n))
    for n in names:
        if _key(n) in fields:
            return str(fields[_key(n)])
    return names[0]


def _money(row: dict[str, Any], where: str, *names: str) -> float:
    """``parse_money`` of the first present of ``names``; an error names the file, line and field."""
    return parse_money(_pick(row, *names), f"{where}, field {_field(row, *names)!r}")


def _when(row: dict[str, Any], where: str, *names: str) -> datetime | None:
    """``parse_shop_time`` of the first present of ``names``; an error names the file, line and field."""
    return parse_shop_time(_pick(row, *names), f"{where}, field {_field(row, *names)!r}")


def _need(header: list[str], path: Path, what: str, *names: str) -> None:
    if not any(_key(n) in header for n in names):
        raise CampaignError(
            f"{path}: no {what} column (expected one of: {', '.join(names)}); "
            f"columns found: {', '.join(header) or 'none'}"
        )


#: an amount once its currency is off: digits with optional thousands separators (``,`` ``.`` space ``'``) and an
#: optional decimal part after ``.`` or ``,``
_AMOUNT = re.compile(r"\d+(?:[,.\s'’]\d{3})*(?:[.,]\d+)?")
#: a currency symbol or ISO code before or after the amount (``$12``, ``12 EUR``, ``US$ 5``, ``CHF 3'000.50``)
_CURRENCY = re.compile(r"^(?:[A-Z]{3}|[A-Z]{0,2}[$€£¥₹₩₽]|kr|zł)\s*|\s*(?:[A-Z]{3}|[$€£¥₹₩₽]|kr|zł)$")


def format_money(x: float) -> str:
    """``1,250`` for whole amounts, ``99.99`` (cents) otherwise — never rounded to a misleading whole number, nor to
    the cent when that changes it (a budget of ``99.996`` is not shown as ``100.00`` beside a fee of 100)."""
    x = float(x)
    if x == round(x):
        return f"{x:,.0f}"
    if x == round(x, 2):
        return f"{x:,.2f}"
    return f"{x:,.6f}".rstrip("0")


def parse_money(v: str, where: str = "", *, three_decimals: bool = True) -> float:
    """An amount as shops and spreadsheets write it → float; empty is 0.

    ``"1,234.50"``, ``"1.234,50"``, ``"$12"``, ``"12,50 €"``, ``"CHF 3'000"``, ``"-5"``, ``"(5.00)"`` (negative).
    With one kind of separator, a ``,`` or ``.`` followed by exactly three digits groups thousands when it appears
    more than once or after a group of one to three digits with a ``,`` (``1,234`` is 1234; ``1.5`` and ``12,50``
    are decimals; a lone ``1.234`` is read as the decimal the export's ``.`` usually is). Anything else
    (``"abc"``, ``"N/A"``, ``"12abc34"``) is an error naming ``where``, never a silent 0.

    ``three_decimals=False`` (an amount a person typed, such as a plan's fee, which never has three decimals): a lone
    ``.`` before exactly three digits (``"1.200"``, ``"€2.500"``) is an error naming ``where`` — in a European
    spreadsheet it groups thousands (1,200), in an export it would be 1.2, and a fee read 1,000 times too small moved
    the creator's ROI by as much.
    """
    raw = (v or "").replace("\u00a0", " ").strip()
    if not raw:
        return 0.0
    t, neg = raw, False
    if t.startswith("(") and t.endswith(")"):
        t, neg = t[1:-1].strip(), True
    if t.startswith("-") or t.startswith("\u2212"):
        t, neg = t[1:].strip(), not neg
    bare = _CURRENCY.sub("", t).strip()  # a code or symbol before and one after go in the one pass
    if bare.startswith("-") and bare != t:  # "$-12" (a sign after the currency), not "--12"
        bare, neg = bare[1:].strip(), not neg
    t = bare
    if not _AMOUNT.fullmatch(t):
        raise CampaignError(f"{where}: {v!r} is not an amount")
    seps = [c for c in t if not c.isdigit()]
    if not seps:
        out = float(t)
    else:
        last = t.rfind(seps[-1])
        tail = len(t) - last - 1
        distinct = set(seps)
        if len(distinct) > 1:  # "1,234.50" / "1.234,50" / "3'000.50": the last separator is the decimal one
            decimal = seps[-1] in ".," and len([c for c in seps if c == seps[-1]]) == 1
        else:
            decimal = seps[-1] in ".," and len(seps) == 1 and (tail != 3 or seps[-1] == ".")
        # "1.200" could group thousands — not "0.500" nor "1234.500", which no grouping writes
        if decimal and not three_decimals and seps == ["."] and tail == 3 and 1 <= last <= 3 and t[0] != "0":
            grouped = int(t.replace(".", ""))
            raise CampaignError(
                f"{where}: {v!r} could be {grouped:,} (a thousands separator, as European spreadsheets write it) or "
                f"{float(t):g}; write it without the separator ({grouped}) or with cents ({t},00 or {grouped:,}.00)"
            )
        whole, frac = (t[:last], t[last + 1 :]) if decimal else (t, "")
        out = float("".join(c for c in whole if c.isdigit()) + ("." + frac if frac else ""))
    return -out if neg else out


def parse_shop_time(v: str, where: str = "") -> datetime | None:
    """Shopify ``2024-03-05 14:02:11 -0500`` / ISO 8601 / ``YYYY-MM-DD`` → UTC datetime."""
    v = (v or "").strip()
    if not v:
        return None
    for fmt in (
        "%Y-%m-%d %H:%M:%S %z",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
    ):
        try:
            t = datetime.strptime(v.replace("Z", "+0000"), fmt)
        except ValueError:
            continue
        return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC)
    try:
        t = datetime.fromisoformat(v)
        return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC)
    except ValueError:
        raise CampaignError(
            f"{where}: {v!r} is not a date/time (expected e.g. 2024-03-05 14:02:11 -0500)"
        ) from None


def _date(row: dict[str, Any], where: str, *names: str) -> date | None:
    t = _when(row, where, *names)
    return t.date() if t else None


def utm_campaign_of(url: str | None) -> str | None:
    """The ``utm_campaign`` query parameter of a URL or landing path (lower-cased), else ``None``."""
    if not url:
        return None
    url = url.strip().replace("&amp;", "&")  # HTML-escaped query strings, as some exports write them
    q = urlparse(url if "://" in url or url.startswith("/") else "/" + url).query
    vals = parse_qs(q).get("utm_campaign")
    return vals[0].strip().lower() if vals else None


def _fee(row: dict[str, Any], where: str, creator: str) -> float:
    """The plan row's fee (0 = product-only / gifted); an empty or negative fee is an error naming the field: a blank
    cell is a fee nobody wrote down, not a free campaign (it used to be read as 0, i.e. gifted, which made the
    creator's ROI undefined and the plan estimate its fee)."""
    if not _pick(row, "cost", "fee", "price"):
        raise CampaignError(
            f"{where}, field {_field(row, 'cost', 'fee', 'price')!r}: creator {creator!r}: no fee; write the amount "
            "paid, or 0 for a gifted / product-only campaign"
        )
    names = ("cost", "fee", "price")
    fee = parse_money(_pick(row, *names), f"{where}, field {_field(row, *names)!r}", three_decimals=False)
    if fee < 0:
        raise CampaignError(
            f"{where}, field {_field(row, 'cost', 'fee', 'price')!r}: creator {creator!r}: the fee "
            f"{format_money(fee)} is negative (0 for a product-only / gifted campaign)"
        )
    return fee


def _own_marks(
    row: dict[str, Any],
    where: str,
    campaign: str,
    cid: str,
    creator: str,
    utm: str,
    marks: dict[tuple[str, str, str], tuple[str, str, int]],
) -> None:
    """A promo code or UTM campaign is one creator's within a campaign: an order carrying it must say who sold. Two
    creators of one campaign with the same code (or UTM campaign) is an error naming both lines; it used to credit every
    such order to the row listed last. One creator's accounts on several platforms may share a code."""
    for kind, field, values in (
        (
            "promo code",
            _field(row, "promo_code", "code", "discount_code"),
            discount_codes(_pick(row, "promo_code", "code", "discount_code")),
        ),
        (
            "UTM campaign",
            _field(row, "utm_campaign", "link", "utm_link", "affiliate_link", "url"),
            [utm] if utm else [],
        ),
    ):
        for v in values:
            other = marks.setdefault((campaign, kind, v), (cid, creator, row["_line"]))
            if other[0] != cid:
                raise CampaignError(
                    f"{where}, field {field!r}: creator {creator!r} has the {kind} {v!r}, and so has creator "
                    f"{other[1]!r} (line {other[2]}) in campaign {campaign!r}: an order carrying it could be either's "
                    "sale; give each creator its own (or leave it empty and attribute by the other field)"
                )


#: a YouTube channel id (``UC`` and 22 characters of base64url): case-sensitive, unlike a handle
_YOUTUBE_CHANNEL = re.compile(r"UC[0-9A-Za-z_-]{22}")


def creator_id_of(platform: str | None, creator: str) -> str:
    """A plan row's creator id as the workspace stores it: with a platform, as its accounts are keyed
    (:func:`~tribescope.ingest.reddit.account_key`: a handle lower-cased, a YouTube channel id as written); without
    one, as written when it is a YouTube channel id, else lower-cased. A handle that merely starts with ``UC``
    (``UCLA_fan`` on Instagram) was kept as written and matched no account."""
    if platform is not None:
        from tribescope.ingest.reddit import account_key

        return account_key(platform, creator)
    return creator if _YOUTUBE_CHANNEL.fullmatch(creator) else creator.lower()


def read_plan(path: str | Path, creators: Iterable[tuple[Any, Any]] | None = None) -> pa.Table:
    """A campaign plan file (module docstring). ``creators``: the workspace's ``(platform, creator_id)`` pairs
    (:func:`import_campaign` passes the creators with posts); a row without a platform whose creator id is on several
    of their platforms is an error naming the file, line and those platforms — which account was paid is not for the
    report to guess (it used to take the first account's followers)."""
    p = Path(path)
    rows, header = _rows(p)
    platforms_of: dict[str, set[str]] = {}
    for cp, ci in creators or ():
        if cp and ci:
            platforms_of.setdefault(str(ci), set()).add(str(cp))
    _need(header, p, "creator", "creator_id", "creator", "handle")
    _need(header, p, "cost", "cost", "fee", "price")
    out = []
    seen: dict[tuple[str, str | None, str], int] = {}
    marks: dict[tuple[str, str, str], tuple[str, str, int]] = {}
    for r in rows:
        where = f"{p}, line {r['_line']}"
        creator = _pick(r, "creator_id", "creator", "handle").lstrip("@")
        if not creator:
            raise CampaignError(
                f"{where}, field {_field(r, 'creator_id', 'creator', 'handle')!r}: empty creator"
            )
        link = _pick(r, "link", "utm_link", "affiliate_link", "url")
        utm = _pick(r, "utm_campaign").lower() or (utm_campaign_of(link) or "")
        posts = _pick(r, "post_ids", "post_id")
        platform = _pick(r, "creator_platform", "platform").lower() or None
        cid = creator_id_of(platform, creator)
        campaign = _pick(r, "campaign_id", "campaign") or p.stem
        start = _date(r, where, "start", "start_date")
        end = _date(r, where, "end", "end_date")
        if start and end and end < start:
            raise CampaignError(
                f"{where}, field {_field(r, 'end', 'end_date')!r}: end {end} is before start {start}"
            )
        on = sorted(platforms_of.get(cid, ()))
        if platform is None and len(on) > 1:
            raise CampaignError(
                f"{where}, field {_field(r, 'creator_platform', 'platform')!r}: creator {creator!r} has no platform "
                f"and the workspace has {' and '.join(on)} creators of that id; write which account the campaign "
                f"paid: one of {', '.join(on)}"
            )
        # the account the row resolves to: a row without a platform is that of the workspace's one creator of the id
        key = (campaign, platform or (on[0] if len(on) == 1 else None), cid)
        if key in seen:
            raise CampaignError(
                f"{where}: creator {creator!r} appears twice in campaign {campaign!r} (also line {seen[key]}); "
                "one row per campaign and creator"
            )
        seen[key] = r["_line"]
        _own_marks(r, where, campaign, cid, creator, utm, marks)
        out.append(
            {
                "campaign_id": campaign,
                "brand": _pick(r, "brand") or None,
                "creator_platform": platform,
                "creator_id": cid,
                "handle": _pick(r, "handle").lstrip("@") or creator,
                "cost": _fee(r, where, creator),
                "currency": _pick(r, "currency").upper() or None,
                "start_date": start,
                "end_date": end,
                "promo_code": _pick(r, "promo_code", "code", "discount_code").upper() or None,
                "utm_campaign": utm or None,
                "link": link or None,
                "post_ids": [x.strip() for x in re.split(r"[;|]", posts) if x.strip()],
                "label": _pick(r, "label").lower() or None,
                "plan_line": r["_line"],
            }
        )
    return pa.Table.from_pylist(out, schema=PLAN_SCHEMA)


def discount_codes(v: Any) -> list[str]:
    """An order's discount codes, upper-cased: Shopify's export writes several as ``"CODE1, CODE2"``; the
    Orders API gives ``discount_codes`` as a list of ``{"code": …}`` objects."""
    if v is None:
        return []
    if isinstance(v, list):
        vals = [str(x.get("code") or "") if isinstance(x, dict) else str(x) for x in v]
    elif "code:" in str(v):  # WooCommerce ``coupon_items``: "code:summer10|amount:5.00;code:…"
        vals = re.findall(r"code:([^|;]*)", str(v))
    else:
        vals = re.split(r"[,;]", str(v))
    out: list[str] = []
    for x in vals:
        c = x.strip().upper()
        if c and c not in out:
            out.append(c)
    return out


_TRUE = {"true", "yes", "1", "y", "t"}

#: financial statuses of an order that is no sale: Shopify's ``voided`` (an authorised payment cancelled) and
#: ``expired`` (an authorisation never captured); WooCommerce's ``cancelled``, ``failed`` and ``trash``. Such an order is
#: stored as ``cancelled`` by both readers (CSV and Orders API JSON) and never credited.
VOID_STATUSES = frozenset({"voided", "expired", "cancelled", "canceled", "failed", "trash"})
#: financial statuses of an order not paid (yet): Shopify's ``pending`` (a manual payment method, or a provider that
#: needs time; "payment might fail") and ``authorized`` (manual capture: the payment is validated, not taken, and
#: expires if not captured); WooCommerce's ``pending`` (pending payment), ``on-hold`` (awaiting payment) and checkout
#: drafts. Not a conversion until paid: the report leaves them out and its notes count them
#: (:func:`~tribescope.campaigns.attribute_orders`).
UNPAID_STATUSES = frozenset({"pending", "authorized", "on-hold", "on_hold", "checkout-draft", "draft"})


def order_status(v: Any) -> str:
    """An order's financial status as stored: lower-case, without WooCommerce's ``wc-`` prefix, words joined by ``_``
    (``"Partially refunded"`` → ``partially_refunded``, as Shopify's export and API write it)."""
    s = str(v or "").strip().lower().removeprefix("wc-")
    return re.sub(r"\s+", "_", s)


#: Shopify's test payment gateway (orders placed while testing checkout)
_BOGUS = {"bogus", "bogus gateway", "(for testing) bogus gateway"}

# orders columns: Shopify's admin export, the Orders API's snake_case names, WooCommerce's order exports
_O_NAME = (
    "Name",
    "name",
    "order_number",
    "order_number_formatted",
    "Order Number",
    "Order #",
    "order_id",
    "Order ID",
)
_O_TOTAL = ("Total", "total_price", "order_total", "Order Total", "Net Sales")
_O_CREATED = ("Created at", "created_at", "order_date", "Order Date", "date_created", "date", "Date")
_O_CODES = (
    "Discount Code",
    "discount_codes",
    "discount_code",
    "coupon_items",
    "coupons",
    "Coupon Code",
    "Coupon(s)",
)

_O_REFUNDED = ("Refunded Amount", "total_refunded", "order_refund", "refunded_total")


def _not_negative(amount: float, where: str, order: str, what: str) -> None:
    """An order's total and refunded amount are never below 0: a negative refund would add revenue and a negative
    total is no sale (some accounting exports sign money out as negative; the shop exports read here do not)."""
    if amount < 0:
        raise CampaignError(
            f"{where}: order {order}: the {what} {format_money(amount)} is negative; orders exports write totals "
            "and refunds as amounts of 0 or more (a refund is the order's Refunded Amount, not a negative total)"
        )


#: cancellation time: Shopify's export writes ``Cancelled at`` (older) or ``Canceled at`` (current US English)
_CANCELLED = ("Cancelled at", "Canceled at", "cancelled_at", "canceled_at")


def read_orders(path: str | Path) -> pa.Table:
    """A shop's orders → one row per order (see the module docstring). ``.json`` files are read as the Shopify
    Orders API's response (``{"orders": [...]}``, a list of orders, or one order per line)."""
    p = Path(path)
    if p.suffix.lower() in (".json", ".ndjson", ".jsonl"):
        return _read_orders_json(p)
    rows, header = _rows(p)
    _need(header, p, "order name", *_O_NAME)
    _need(header, p, "order total", *_O_TOTAL)
    _need(header, p, "creation time", *_O_CREATED)
    orders: dict[str, dict[str, Any]] = {}
    items: dict[str, str] = {}  # order name → where its first row without a Total is
    for r in rows:
        where = f"{p}, line {r['_line']}"
        name = _pick(r, *_O_NAME)
        if not name:
            if not any(str(v).strip() for k, v in r.items() if not k.startswith("_")):
                continue  # an empty row (a spreadsheet's trailing ",,,,")
            raise CampaignError(
                f"{where}, field {_field(r, *_O_NAME)!r}: a row without an order name; every row of an orders "
                "export names its order (a line-item row repeats it)"
            )
        if not _pick(r, *_O_TOTAL):
            # a further line item: Shopify writes the order's fields (Total, codes, landing site …) on one row of the
            # order only; a row without a Total adds nothing to the order — when the file has that row (anywhere: a
            # sorted sheet moves it)
            items.setdefault(name, f"{where}, field {_field(r, *_O_TOTAL)!r}")
            continue
        # a row repeating a Name *with* a Total is the order again (two exports pasted together, an app repeating the
        # order on every line-item row): the later copy wins, as in the Orders API JSON and as a re-import replaces an
        # order of the same Name — it is the newer state (a refund added since)
        orders.pop(name, None)
        if (
            _pick(r, "Test", "test").lower() in _TRUE
            or _pick(r, "Payment Method", "gateway").lower() in _BOGUS
        ):
            # a test order (Orders API ``test``; Shopify's test gateway "bogus"), never a sale
            orders[name] = {}
            continue
        landing = _pick(r, "Landing Site", "landing_site", "landing_site_ref")
        status = order_status(_pick(r, "Financial Status", "financial_status", "status", "Order Status"))
        total = _money(r, where, *_O_TOTAL)
        refunded = _money(r, where, *_O_REFUNDED)
        _not_negative(total, f"{where}, field {_field(r, *_O_TOTAL)!r}", name, "total")
        _not_negative(refunded, f"{where}, field {_field(r, *_O_REFUNDED)!r}", name, "refunded amount")
        if status == "refunded" and not _pick(r, *_O_REFUNDED):
            refunded = (
                total  # WooCommerce: a refunded order without a refund amount column is refunded in full
            )
        orders[name] = {
            "order_name": name,
            "order_id": _pick(r, "Id", "id") or None,
            "financial_status": status or None,
            "created_at": _when(r, where, *_O_CREATED),
            "currency": _pick(r, "Currency", "currency", "order_currency").upper() or None,
            "subtotal": _money(r, where, "Subtotal", "subtotal_price"),
            "discount_code": ",".join(discount_codes(_pick(r, *_O_CODES))) or None,
            "discount_amount": _money(
                r, where, "Discount Amount", "total_discounts", "discount_total", "cart_discount"
            ),
            "total": total,
            "refunded": refunded,
            "cancelled": bool(_pick(r, *_CANCELLED)) or status in VOID_STATUSES,
            "landing_site": landing or None,
            "referring_site": _pick(r, "Referring Site", "referring_site") or None,
            "utm_campaign": utm_campaign_of(landing) or (_pick(r, "utm_campaign").lower() or None),
            "source_file": str(p),
        }
        if orders[name]["created_at"] is None:
            raise CampaignError(
                f"{where}, field {_field(r, *_O_CREATED)!r}: empty creation time for order {name}"
            )
    lost = next((name for name in items if name not in orders), None)
    if lost is not None:  # its rows would be dropped without a word
        raise CampaignError(
            f"{items[lost]}: order {lost} has no total on any of its rows; one row of each order carries the order's "
            "Total (the others are its further line items)"
        )
    return pa.Table.from_pylist([o for o in orders.values() if o], schema=ORDER_SCHEMA)


def _json_money(v: Any, where: str) -> float:
    if v is None or isinstance(v, bool):
        return 0.0
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, dict):  # a MoneyBag / price set: {"shop_money": {"amount": "1.00", ...}, ...}
        v = (v.get("shop_money") or v).get("amount")
    return parse_money(str(v), where)


def _read_orders_json(p: Path) -> pa.Table:
    """The Shopify Orders API (REST ``orders.json``): ``name, id, financial_status, created_at, currency,
    subtotal_price, total_discounts, total_price, discount_codes[].code, refunds[].transactions[]`` (successful
    ``refund`` transactions are the refunded amount; without ``refunds``, ``total_refunded`` or
    ``total_price − current_total_price``; without any, a ``refunded`` order is refunded in full),
    ``cancelled_at``, ``landing_site``, ``referring_site``, ``test`` (test orders are skipped)."""
    import json

    if not p.exists():
        raise CampaignError(f"{p} not found")
    text = p.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
        if isinstance(
            data, dict
        ):  # {"orders": [...]} (a page), {"order": {...}} (one order) or an order itself
            items: list[Any] = data["orders"] if "orders" in data else [data.get("order", data)]
        elif isinstance(data, list):
            items = data
        else:
            raise CampaignError(f'{p}: expected Shopify orders ({{"orders": [...]}} or a list of orders)')
        lines = None
    except json.JSONDecodeError:  # one order per line (NDJSON)
        items, lines = [], []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise CampaignError(f"{p}, line {n}: not JSON ({exc.msg})") from None
                lines.append(n)
    out: dict[str, dict[str, Any]] = {}
    for k, o in enumerate(items):
        where = f"{p}, line {lines[k]}" if lines else f"{p}, order {k + 1}"
        if not isinstance(o, dict):
            raise CampaignError(f"{where}: not an order object")
        name = str(o.get("name") or o.get("order_number") or o.get("id") or "").strip()
        if not name:
            raise CampaignError(f"{where}, field 'name': an order without name or id")
        where = f"{where} ({name})"
        out.pop(name, None)  # the same order again: the later copy wins (as in a CSV export and a re-import)
        if str(o.get("test")).lower() == "true" or str(o.get("gateway") or "").lower() in _BOGUS:
            continue
        if o.get("total_price") in (None, ""):
            raise CampaignError(f"{where}, field 'total_price': no order total")
        total = _json_money(o.get("total_price"), f"{where}, field 'total_price'")
        _not_negative(total, f"{where}, field 'total_price'", name, "total")
        refunded = 0.0
        if o.get("refunds"):
            for rf in o["refunds"]:
                for tx in rf.get("transactions") or []:
                    if tx.get("kind") == "refund" and tx.get("status", "success") == "success":
                        amount = _json_money(
                            tx.get("amount"), f"{where}, field 'refunds.transactions.amount'"
                        )
                        _not_negative(
                            amount, f"{where}, field 'refunds.transactions.amount'", name, "refunded amount"
                        )
                        refunded += amount
        elif o.get("total_refunded") not in (None, ""):
            refunded = _json_money(o.get("total_refunded"), f"{where}, field 'total_refunded'")
            _not_negative(refunded, f"{where}, field 'total_refunded'", name, "refunded amount")
        elif o.get("current_total_price") not in (None, ""):
            refunded = max(
                0.0,
                total - _json_money(o.get("current_total_price"), f"{where}, field 'current_total_price'"),
            )
        elif order_status(o.get("financial_status")) == "refunded":
            # refunded, and no amount anywhere: refunded in full, as a CSV row of that status without a refund column
            refunded = total
        created = parse_shop_time(str(o.get("created_at") or ""), f"{where}, field 'created_at'")
        if created is None:
            raise CampaignError(f"{where}, field 'created_at': empty creation time")
        status = order_status(o.get("financial_status"))
        landing = str(o.get("landing_site") or o.get("landing_site_ref") or "") or None
        out[name] = {
            "order_name": name,
            "order_id": str(o["id"]) if o.get("id") is not None else None,
            "financial_status": status or None,
            "created_at": created,
            "currency": str(o.get("currency") or "").upper() or None,
            "subtotal": _json_money(o.get("subtotal_price"), f"{where}, field 'subtotal_price'"),
            "discount_code": ",".join(discount_codes(o.get("discount_codes") or o.get("discount_code")))
            or None,
            "discount_amount": _json_money(o.get("total_discounts"), f"{where}, field 'total_discounts'"),
            "total": total,
            "refunded": refunded,
            "cancelled": bool(o.get("cancelled_at") or o.get("canceled_at")) or status in VOID_STATUSES,
            "landing_site": landing,
            "referring_site": str(o.get("referring_site") or "") or None,
            "utm_campaign": utm_campaign_of(landing),
            "source_file": str(p),
        }
    return pa.Table.from_pylist(list(out.values()), schema=ORDER_SCHEMA)


#: the most clicks one row may count: far above any link's (a day of every person online, many times over), far below
#: what the report's 64-bit sums would wrap at
MAX_CLICKS = 10**12


def read_clicks(path: str | Path) -> pa.Table:
    p = Path(path)
    rows, header = _rows(p)
    _need(header, p, "clicks", "clicks", "count")
    out = []
    for r in rows:
        where = f"{p}, line {r['_line']}"
        link = _pick(r, "link", "url")
        n = _money(r, where, "clicks", "count")
        if n < 0 or n != int(n) or n > MAX_CLICKS:
            raise CampaignError(
                f"{where}, field {_field(r, 'clicks', 'count')!r}: {_pick(r, 'clicks', 'count')!r} is not a "
                f"number of clicks (a whole number from 0 to {MAX_CLICKS:,})"
            )
        out.append(
            {
                "date": _date(r, where, "date", "day"),
                "utm_campaign": (_pick(r, "utm_campaign").lower() or utm_campaign_of(link)),
                "link": link or None,
                "clicks": int(n),
            }
        )
    return pa.Table.from_pylist(out, schema=CLICK_SCHEMA)


def workspace_creators(ws: Workspace) -> list[tuple[str, str]]:
    """Every ``(platform, creator_id)`` with posts (none without a ``posts`` table): what a campaign plan row without
    a platform is resolved against (:func:`read_plan`, :func:`~tribescope.campaigns._forecast.creator_keys`)."""
    if not ws.has_table("posts"):
        return []
    p = ws.table("posts")
    rows = p.select("platform", "creator_id").distinct().to_pyarrow().to_pylist()
    return [(r["platform"], r["creator_id"]) for r in rows if r["platform"] and r["creator_id"]]


def ensure_tables(ws: Workspace) -> None:
    """Create the campaign tables when missing (empty, typed)."""
    require_workspace(ws, "campaigns.ensure_tables")
    if ws.backend == "duckdb" and ws.read_only and not all(ws.has_table(n) for n in _SCHEMAS):
        require_writable(ws, "campaigns.ensure_tables", "the tables " + ", ".join(_SCHEMAS))
    if ws.backend != "duckdb" or ws.read_only:
        return
    for name, schema in _SCHEMAS.items():
        if not ws.has_table(name):
            ws.write_table(name, schema.empty_table())
    # a workspace from before the column: add it (empty; the report keeps those rows' table order)
    if "plan_line" not in ws.table("campaign_plan").columns:
        ws.duck.execute('ALTER TABLE "campaign_plan" ADD COLUMN plan_line BIGINT')


def _replace(ws: Workspace, name: str, new: pa.Table, key: list[str]) -> int:
    """Upsert ``new`` into ``name`` by ``key`` (rows with the same key are replaced)."""
    ws.duck.register("__tribescope_new", new)
    try:
        cond = " AND ".join(f't."{k}" IS NOT DISTINCT FROM n."{k}"' for k in key)
        ws.duck.execute(
            f'DELETE FROM "{name}" t WHERE EXISTS (SELECT 1 FROM __tribescope_new n WHERE {cond})'
        )
        ws.duck.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM __tribescope_new')
    finally:
        ws.duck.unregister("__tribescope_new")
    return int(new.num_rows)


def import_campaign(
    ws: Workspace,
    *,
    plan: str | Path | None = None,
    orders: str | Path | None = None,
    clicks: str | Path | None = None,
) -> dict[str, int]:
    """Read the given files and upsert them (plan: every campaign it names is replaced whole; orders by name;
    clicks by date+utm+link); all or nothing. Returns rows read per table."""
    require_writable(
        ws,
        "import_campaign",
        "the campaign files into campaign_plan, campaign_orders, campaign_clicks",
        duckdb_only=True,
    )
    tables: dict[str, pa.Table] = {}
    if plan is not None:
        tables["campaign_plan"] = read_plan(plan, creators=workspace_creators(ws))
        _refuse_forgotten(ws, tables["campaign_plan"], Path(plan))
    if orders is not None:
        tables["campaign_orders"] = read_orders(orders)
    if clicks is not None:
        tables["campaign_clicks"] = read_clicks(clicks)
    if not tables:
        raise CampaignError("nothing to import: give --plan, --orders and/or --clicks")
    ensure_tables(ws)
    keys = {
        # a plan file is the whole of each campaign it names: a creator dropped from it leaves the campaign
        "campaign_plan": ["campaign_id"],
        "campaign_orders": ["order_name"],
        "campaign_clicks": ["date", "utm_campaign", "link"],
    }
    with ws.transaction():
        _drop_stored_emails(ws)
        read = {n: _replace(ws, n, t, keys[n]) for n, t in tables.items()}
        _remember_files(ws, [Path(p) for p in (plan, orders, clicks) if p is not None])
        if orders is not None:  # an orders file named after a forgotten creator names them nowhere
            from tribescope.store._privacy import scrub_new_orders

            scrub_new_orders(ws, str(Path(orders)))  # as ``read_orders`` records it
        return read


#: the size and SHA-256 of every file a campaign import read (no path: a file name may name a creator), so that
#: ``tribescope forget --reports DIR`` knows a plan or shop export in DIR is an input, not a report to delete
FILES_TABLE = "campaign_files"


def _remember_files(ws: Workspace, paths: list[Path]) -> None:
    """Add ``(bytes, sha256)`` of each file of ``paths`` (a folder: every file under it) to :data:`FILES_TABLE`."""
    import hashlib

    files = sorted({f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()})
    rows = {(f.stat().st_size, hashlib.sha256(f.read_bytes()).hexdigest()) for f in files}
    ws.duck.execute(f'CREATE TABLE IF NOT EXISTS "{FILES_TABLE}" (bytes BIGINT, sha256 VARCHAR)')
    known = set(ws.duck.execute(f'SELECT bytes, sha256 FROM "{FILES_TABLE}"').fetchall())
    new = sorted(rows - known)
    if new:
        ws.duck.executemany(f'INSERT INTO "{FILES_TABLE}" VALUES (?, ?)', new)


def _refuse_forgotten(ws: Workspace, plan: pa.Table, path: Path) -> None:
    """A plan row whose creator (id or handle) is on the workspace's erasure list (``tribescope forget``) is an error
    naming its line: the plan used to bring a forgotten creator back although ``forget`` says later imports do not. The
    row is refused, not dropped — it is a fee paid, and leaving it out would change the campaign's cost and ROI."""
    from tribescope.store._privacy import forgotten_among

    rows = plan.select(["creator_platform", "creator_id", "handle", "plan_line"]).to_pylist()
    names = [(r["creator_platform"], str(r[c] or "")) for r in rows for c in ("creator_id", "handle")]
    hits = sorted({k // 2 for k in forgotten_among(ws, names)})
    if hits:
        r = rows[hits[0]]
        more = f" (and {len(hits) - 1} more row{'s' if len(hits) > 2 else ''})" if len(hits) > 1 else ""
        raise CampaignError(
            f"{path}, line {r['plan_line']}: creator {r['handle'] or r['creator_id']!r}"
            f"{' (' + r['creator_platform'] + ')' if r['creator_platform'] else ''} was forgotten (`tribescope "
            f"forget`: the erasure list){more}; remove the row from the plan, or undo the erasure (docs/privacy.md). "
            "Nothing was imported"
        )


def _drop_stored_emails(ws: Workspace) -> None:
    """Drop ``campaign_orders.email``, which imports before 2026-12 stored (the shop customers' e-mail addresses) though
    no figure reads it: an old workspace loses it on its next campaign import (docs/privacy.md)."""
    if "email" in ws.table("campaign_orders").columns:
        ws.duck.execute('ALTER TABLE "campaign_orders" DROP COLUMN email')


def find_campaign_files(directory: str | Path, given: Iterable[str] = ()) -> dict[str, Path]:
    """Guess plan / orders / clicks files in a folder (names containing plan, order, click; orders also as Shopify
    JSON). ``given``: the kinds the caller names a file for itself (the CLI's ``--plan`` / ``--orders`` /
    ``--clicks``), not searched. Two files of one kind are an error naming both: importing one of them and dropping the
    other without a word lost its orders (``orders_a.csv`` and ``orders_b.csv``: only ``orders_a`` was read)."""
    d = Path(directory)
    if not d.is_dir():
        raise CampaignError(f"{d}: {'not a folder' if d.exists() else 'no such folder'}")
    skip = set(given)
    found: dict[str, list[Path]] = {}
    # the suffix in any case: ``orders_export.CSV`` is an orders file too
    kinds = (".csv", ".json", ".ndjson", ".jsonl")
    for f in sorted(f for f in d.iterdir() if f.suffix.lower() in kinds and f.is_file()):
        n = f.name.lower()
        for kind, word in (("plan", "plan"), ("orders", "order"), ("clicks", "click")):
            if kind in skip or (kind != "orders" and not n.endswith(".csv")):
                continue
            if word in n:
                found.setdefault(kind, []).append(f)
    for kind, files in found.items():
        if len(files) > 1:
            raise CampaignError(
                f"{d}: {len(files)} {kind} files ({', '.join(f.name for f in files)}); a folder is read as one plan, "
                f"one orders and one clicks file: combine them into one, or name the one to import with --{kind}"
            )
    return {kind: files[0] for kind, files in found.items()}
