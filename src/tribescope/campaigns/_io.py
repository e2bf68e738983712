"""Import a campaign plan, link clicks and a shop's orders export into workspace tables.

Tables (created by :func:`ensure_tables`):

* ``campaign_plan`` — one row per (campaign, creator): cost, dates, promo code, UTM campaign, link.
* ``campaign_orders`` — one row per shop order (line-item rows of a Shopify export collapsed).
* ``campaign_clicks`` — link clicks per day and UTM campaign / link.

Accepted column names (case- and space-insensitive; the first present wins):

* plan: ``campaign_id|campaign``; ``brand``; ``creator_platform|platform``; ``creator_id|creator|handle``;
  ``handle``; ``cost|fee|price``; ``currency``; ``start|start_date``; ``end|end_date``;
  ``promo_code|code|discount_code``; ``utm_campaign``; ``link|utm_link|affiliate_link|url``;
  ``post_ids|post_id`` (optional, ``;``-separated); ``label`` (optional: community / broadcast).
* orders: Shopify's admin export (``Name, Email, Financial Status, Paid at, …, Total, Discount Code,
  Discount Amount, Created at, …, Cancelled at, Refunded Amount, Id``) plus the ``Landing Site`` /
  ``Referring Site`` columns order-export apps add; also the Orders API's snake_case names
  (``name, email, financial_status, total_price, discount_codes, created_at, landing_site, referring_site,
  cancelled_at``). Rows repeating a ``Name`` (further line items) are folded into the first.
* clicks: ``date|day``; ``utm_campaign``; ``link|url``; ``clicks|count``.
"""

from __future__ import annotations

import csv
import re
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
    ]
)
ORDER_SCHEMA = pa.schema(
    [
        ("order_name", pa.string()),
        ("order_id", pa.string()),
        ("email", pa.string()),
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


def _pick(row: dict[str, str], *names: str) -> str:
    for n in names:
        v = row.get(_key(n))
        if v is not None and str(v).strip() != "":
            return str(v).strip()
    return ""


def _rows(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    if not path.exists():
        raise CampaignError(f"{path} not found")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [_key(h) for h in (reader.fieldnames or [])]
        rows = [{_key(k): (v or "") for k, v in r.items() if k is not None} for r in reader]
    return rows, header


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
    """``1,250`` for whole amounts, ``99.99`` (cents) otherwise — never rounded to a misleading whole number."""
    return f"{x:,.0f}" if float(x) == round(float(x)) else f"{x:,.2f}"


def parse_money(v: str, where: str = "") -> float:
    """An amount as shops and spreadsheets write it → float; empty is 0.

    ``"1,234.50"``, ``"1.234,50"``, ``"$12"``, ``"12,50 €"``, ``"CHF 3'000"``, ``"-5"``, ``"(5.00)"`` (negative).
    With one kind of separator, a ``,`` or ``.`` followed by exactly three digits groups thousands when it appears
    more than once or after a group of one to three digits with a ``,`` (``1,234`` is 1234; ``1.5`` and ``12,50``
    are decimals; a lone ``1.234`` is read as the decimal the export's ``.`` usually is). Anything else
    (``"abc"``, ``"N/A"``, ``"12abc34"``) is an error naming ``where``, never a silent 0.
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


def _date(v: str, where: str) -> date | None:
    t = parse_shop_time(v, where)
    return t.date() if t else None


def utm_campaign_of(url: str | None) -> str | None:
    """The ``utm_campaign`` query parameter of a URL or landing path (lower-cased), else ``None``."""
    if not url:
        return None
    q = urlparse(url if "://" in url or url.startswith("/") else "/" + url).query
    vals = parse_qs(q).get("utm_campaign")
    return vals[0].strip().lower() if vals else None


def read_plan(path: str | Path) -> pa.Table:
    p = Path(path)
    rows, header = _rows(p)
    _need(header, p, "creator", "creator_id", "creator", "handle")
    _need(header, p, "cost", "cost", "fee", "price")
    out = []
    for i, r in enumerate(rows, start=2):
        where = f"{p}, line {i}"
        creator = _pick(r, "creator_id", "creator", "handle").lstrip("@")
        if not creator:
            raise CampaignError(f"{where}: empty creator")
        link = _pick(r, "link", "utm_link", "affiliate_link", "url")
        utm = _pick(r, "utm_campaign").lower() or (utm_campaign_of(link) or "")
        posts = _pick(r, "post_ids", "post_id")
        platform = _pick(r, "creator_platform", "platform").lower() or None
        cid = creator if platform == "youtube" or creator.startswith("UC") else creator.lower()
        out.append(
            {
                "campaign_id": _pick(r, "campaign_id", "campaign") or p.stem,
                "brand": _pick(r, "brand") or None,
                "creator_platform": platform,
                "creator_id": cid,
                "handle": _pick(r, "handle").lstrip("@") or creator,
                "cost": parse_money(_pick(r, "cost", "fee", "price"), where),
                "currency": _pick(r, "currency") or None,
                "start_date": _date(_pick(r, "start", "start_date"), where),
                "end_date": _date(_pick(r, "end", "end_date"), where),
                "promo_code": _pick(r, "promo_code", "code", "discount_code").upper() or None,
                "utm_campaign": utm or None,
                "link": link or None,
                "post_ids": [x.strip() for x in re.split(r"[;|]", posts) if x.strip()],
                "label": _pick(r, "label").lower() or None,
            }
        )
    return pa.Table.from_pylist(out, schema=PLAN_SCHEMA)


def read_orders(path: str | Path) -> pa.Table:
    p = Path(path)
    rows, header = _rows(p)
    _need(header, p, "order name", "Name", "name", "order_number")
    _need(header, p, "order total", "Total", "total_price")
    _need(header, p, "creation time", "Created at", "created_at")
    orders: dict[str, dict[str, Any]] = {}
    for i, r in enumerate(rows, start=2):
        where = f"{p}, line {i}"
        name = _pick(r, "Name", "name", "order_number")
        if not name:
            continue
        total_s = _pick(r, "Total", "total_price")
        if name in orders or not total_s:  # a further line item of an order already read
            continue
        landing = _pick(r, "Landing Site", "landing_site", "landing_site_ref")
        code = _pick(r, "Discount Code", "discount_codes", "discount_code")
        code = code.split(",")[0].strip().upper() if code else ""
        orders[name] = {
            "order_name": name,
            "order_id": _pick(r, "Id", "id") or None,
            "email": _pick(r, "Email", "email").lower() or None,
            "financial_status": _pick(r, "Financial Status", "financial_status").lower() or None,
            "created_at": parse_shop_time(_pick(r, "Created at", "created_at"), where),
            "currency": _pick(r, "Currency", "currency") or None,
            "subtotal": parse_money(_pick(r, "Subtotal", "subtotal_price"), where),
            "discount_code": code or None,
            "discount_amount": parse_money(_pick(r, "Discount Amount", "total_discounts"), where),
            "total": parse_money(total_s, where),
            "refunded": parse_money(_pick(r, "Refunded Amount", "total_refunded"), where),
            "cancelled": bool(_pick(r, "Cancelled at", "cancelled_at"))
            or _pick(r, "Financial Status", "financial_status").lower() == "voided",
            "landing_site": landing or None,
            "referring_site": _pick(r, "Referring Site", "referring_site") or None,
            "utm_campaign": utm_campaign_of(landing),
            "source_file": str(p),
        }
        if orders[name]["created_at"] is None:
            raise CampaignError(f"{where}, field 'Created at': empty creation time for order {name}")
    return pa.Table.from_pylist(list(orders.values()), schema=ORDER_SCHEMA)


def read_clicks(path: str | Path) -> pa.Table:
    p = Path(path)
    rows, header = _rows(p)
    _need(header, p, "clicks", "clicks", "count")
    out = []
    for i, r in enumerate(rows, start=2):
        where = f"{p}, line {i}"
        link = _pick(r, "link", "url")
        out.append(
            {
                "date": _date(_pick(r, "date", "day"), where),
                "utm_campaign": (_pick(r, "utm_campaign").lower() or utm_campaign_of(link)),
                "link": link or None,
                "clicks": int(parse_money(_pick(r, "clicks", "count"), where)),
            }
        )
    return pa.Table.from_pylist(out, schema=CLICK_SCHEMA)


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


def _replace(ws: Workspace, name: str, new: pa.Table, key: list[str]) -> int:
    """Upsert ``new`` into ``name`` by ``key`` (rows with the same key are replaced)."""
    ws.duck.register("__tribescope_new", new)
    try:
        cond = " AND ".join(f't."{k}" IS NOT DISTINCT FROM n."{k}"' for k in key)
        ws.duck.execute(
            f'DELETE FROM "{name}" t WHERE EXISTS (SELECT 1 FROM __tribescope_new n WHERE {cond})'
        )
        ws.duck.execute(f'INSERT INTO "{name}" SELECT * FROM __tribescope_new')
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
    """Read the given files and upsert them (plan by campaign+creator, orders by name, clicks by
    date+utm+link); all or nothing. Returns rows read per table."""
    require_writable(
        ws,
        "import_campaign",
        "the campaign files into campaign_plan, campaign_orders, campaign_clicks",
        duckdb_only=True,
    )
    tables: dict[str, pa.Table] = {}
    if plan is not None:
        tables["campaign_plan"] = read_plan(plan)
    if orders is not None:
        tables["campaign_orders"] = read_orders(orders)
    if clicks is not None:
        tables["campaign_clicks"] = read_clicks(clicks)
    if not tables:
        raise CampaignError("nothing to import: give --plan, --orders and/or --clicks")
    ensure_tables(ws)
    keys = {
        "campaign_plan": ["campaign_id", "creator_id"],
        "campaign_orders": ["order_name"],
        "campaign_clicks": ["date", "utm_campaign", "link"],
    }
    with ws.transaction():
        return {n: _replace(ws, n, t, keys[n]) for n, t in tables.items()}


def find_campaign_files(directory: str | Path) -> dict[str, Path]:
    """Guess plan / orders / clicks files in a folder (names containing plan, order, click)."""
    d = Path(directory)
    if not d.is_dir():
        raise CampaignError(f"{d}: {'not a folder' if d.exists() else 'no such folder'}")
    found: dict[str, Path] = {}
    for f in sorted(d.glob("*.csv")):
        n = f.name.lower()
        for kind, word in (("plan", "plan"), ("orders", "order"), ("clicks", "click")):
            if word in n and kind not in found:
                found[kind] = f
    return found
