"""The campaign ROI report: per creator, per campaign and per label, with bootstrap CIs.

Formulas (every money figure in the plan's currency; ``cost`` = the plan's fee):

* ``impressions`` = Σ views of the creator's campaign posts; when no campaign post has views,
  ``followers × REACH_RATE`` (default 0.10, ``impressions_source = "estimated"``).
* ``engagements`` = Σ (likes + comments + shares) of the campaign posts; a post's comments are those the metrics
  count (:func:`tribescope.metrics.post_engagement`): its ``comments_count``, else its rows in ``comments``, else 0.
* ``CPM = cost / impressions × 1000``; ``CPE = cost / engagements``; ``CPA = cost / conversions``.
* ``conversions`` = orders credited by :func:`~tribescope.campaigns.attribute_orders`;
  ``conversion_rate = conversions / clicks`` (the clicks the row won, :func:`~tribescope.campaigns.attribute_clicks`);
  ``conversions_per_1k_followers = 1000 × conversions / followers``.
* ``revenue`` = Σ (Total − Refunded) of credited orders (orders refunded in full are not credited); no currency
  conversion: credited orders in another currency than the plan row's are counted in
  ``orders_in_other_currency`` and named in the notes; ``ROAS = revenue / cost``;
  ``ROI = (margin × revenue − cost) / cost`` (``margin`` = 1 by default, i.e. revenue ROI).
* Groups (campaign, label) pool their rows: ``CPM = Σ cost / Σ impressions × 1000`` over the rows with impressions
  (likewise CPE over the rows with engagements, conversions per 1k followers over the rows with followers); a figure
  no row has is empty, never 0.
* ``EMV = impressions × CPM_platform / 1000`` with the editable table ``emv_cpm.csv``
  (:func:`load_cpm_table`); each post contributes to one row only.
* A plan row without a platform is the account of its id on the one platform that has it (its followers, tier,
  label, posts and CPM); an id on several platforms takes no account's figures and the notes say so, and so do they
  for a creator the workspace does not know.
* ``campaign``: orders, clicks and posts are attributed over the whole plan, then the campaign's rows are shown —
  the figures its rows have in the full report.
* 95 % CIs: Poisson bootstrap of the credited orders (each order weighted by Poisson(1); Hanley &
  MacGibbon 2006, "Creating non-parametric bootstrap samples using Poisson frequencies"), B = 1,000;
  label and campaign CIs resample creators within the group as well.
* Incrementality: orders per day in a pre-period (default 30 days before the first start, cut to the
  part the export covers; at least 7 days) give the baseline; ``incremental = observed − baseline_rate × days`` over the campaign window, with a normal
  interval from the two Poisson counts. An export that ends inside the window (its last order's day) cuts the window
  there: the days after it have no orders to observe.
"""

from __future__ import annotations

import csv
import functools
import zlib
from dataclasses import dataclass, field
from datetime import UTC
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from tribescope.campaigns._attribution import (
    ATTRIBUTION_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    attribute_clicks,
    attribute_orders,
    campaign_posts,
)
from tribescope.campaigns._io import CampaignError, parse_money, workspace_creators
from tribescope.store import Workspace, require_workspace

__all__ = [
    "LABEL_GROUP_COLUMNS",
    "REACH_RATE",
    "CampaignReport",
    "bootstrap_creator",
    "campaign_report",
    "label_group",
    "load_cpm_table",
]

#: The "community vs broadcast" table's columns as ``tribescope campaign report`` prints them and the HTML report
#: shows them (the CSV of ``--out`` has every column)
LABEL_GROUP_COLUMNS: tuple[str, ...] = (
    "group",
    "creators",
    "cost",
    "conversions",
    "revenue",
    "cpa",
    "conversions_per_1k_followers",
    "roi",
    "roi_lo",
    "roi_hi",
    "roi_diff_vs_broadcast",
    "roi_diff_lo",
    "roi_diff_hi",
)

#: share of followers assumed to see a post when the export has no views (an assumption; edit per brand)
REACH_RATE = 0.10


def load_cpm_table(path: str | Path | None = None) -> dict[str, float]:
    """Platform → CPM for EMV, from ``path`` or the shipped ``emv_cpm.csv`` (columns platform, cpm)."""
    if path is None:
        text = resources.files("tribescope.campaigns").joinpath("emv_cpm.csv").read_text(encoding="utf-8")
    else:
        p = Path(path)
        if not p.exists():
            raise CampaignError(f"CPM table {p} not found (columns: platform,cpm)")
        text = p.read_text(encoding="utf-8")
    name = str(path or "emv_cpm.csv")
    reader = csv.DictReader(text.splitlines())
    cols = {(c or "").strip().lower(): c for c in (reader.fieldnames or [])}
    if "platform" not in cols or "cpm" not in cols:
        raise CampaignError(f"CPM table {name} needs the columns platform,cpm")
    out: dict[str, float] = {}
    last = reader.line_num
    for r in reader:
        line, last = last + 1, reader.line_num
        plat = (r.get(cols["platform"]) or "").strip().lower()
        if not plat:
            continue
        where = f"CPM table {name}, line {line}, field {cols['cpm']!r}"
        if not (r.get(cols["cpm"]) or "").strip():
            raise CampaignError(f"{where}: no CPM for {plat!r}")
        out[plat] = parse_money(r[cols["cpm"]], where)
        if out[plat] < 0:  # a negative CPM would make the creator's reach a negative EMV
            raise CampaignError(f"{where}: the CPM {r[cols['cpm']].strip()} for {plat!r} is negative")
    if not out:
        raise CampaignError(f"CPM table {name} has no rows (columns platform,cpm)")
    return out


def label_group(label: str | None) -> str:
    """Score label → report group: ``community`` | ``broadcast`` | the label itself | ``unscored``."""
    if not label:
        return "unscored"
    s = label.lower()
    if "community" in s:
        return "community"
    if "broadcast" in s or "suspicious" in s:
        return "broadcast"
    return s


def _key_seed(seed: int, *key: object) -> int:
    """A bootstrap seed for one creator row or group, from ``seed`` and the row's key (campaign, platform, creator) —
    not its position, which another campaign's import or ``--campaign`` moved (and with it the row's interval)."""
    text = "\x1f".join("" if k is None or (isinstance(k, float) and k != k) else str(k) for k in key)
    return int(seed) * 2**32 + zlib.crc32(text.encode("utf-8"))


def _div(a: float, b: float) -> float | None:
    return float(a) / float(b) if b else None


def _ci(x: np.ndarray) -> tuple[float | None, float | None]:
    x = x[np.isfinite(x)]
    if not len(x):
        return None, None
    return float(np.quantile(x, 0.025)), float(np.quantile(x, 0.975))


def bootstrap_creator(
    revenue: np.ndarray, cost: float, *, margin: float = 1.0, n_boot: int = 1000, seed: int = 0
) -> dict[str, tuple[float | None, float | None]]:
    """95 % CIs of conversions, revenue, ROI, ROAS and CPA for one creator from its credited orders'
    revenues (Poisson bootstrap)."""
    rng = np.random.default_rng(seed)
    w = rng.poisson(1.0, (n_boot, len(revenue))).astype(np.float64)
    conv = w.sum(axis=1)
    rev = w @ np.asarray(revenue, dtype=np.float64) if len(revenue) else np.zeros(n_boot)
    with np.errstate(divide="ignore", invalid="ignore"):
        cpa = np.where(conv > 0, cost / np.where(conv > 0, conv, 1), np.inf)
    return {
        "conversions": _ci(conv),
        "revenue": _ci(rev),
        "roi": _ci((margin * rev - cost) / cost) if cost else (None, None),
        "roas": _ci(rev / cost) if cost else (None, None),
        "cpa": _ci(cpa),
    }


@dataclass
class CampaignReport:
    creators: pa.Table
    labels: pa.Table
    campaigns: pa.Table
    incrementality: pa.Table
    notes: list[str] = field(default_factory=list)

    @staticmethod
    def paths(out: str | Path) -> dict[str, Path]:
        """The file of each table for ``out``: ``out`` itself (creators), ``<stem>_labels<suffix>``,
        ``_campaigns`` and ``_incrementality`` beside it (``.csv`` when ``out`` has no suffix)."""
        base = Path(out)
        suffix = base.suffix or ".csv"
        return {"creators": base} | {
            name: base.with_name(f"{base.stem}_{name}{suffix}")
            for name in ("labels", "campaigns", "incrementality")
        }

    def write_csv(self, out: str | Path) -> list[Path]:
        """Write the tables as CSV to :meth:`paths`, each whole or not at all (:func:`tribescope._files.write_whole`)."""
        from tribescope._files import write_whole

        paths = self.paths(out)
        for name, p in paths.items():
            write_whole(p, functools.partial(_write_csv, getattr(self, name)))
        return list(paths.values())


def _write_csv(table: pa.Table, path: Path) -> None:
    import pyarrow.csv as pacsv

    pacsv.write_csv(table, path)


def _utc(df: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as tz-aware UTC (the Spark backend returns them naive, in its UTC session time zone)."""
    for c in df.columns:
        if pd.api.types.is_datetime64_any_dtype(df[c]) and getattr(df[c].dt, "tz", None) is None:
            df[c] = df[c].dt.tz_localize(UTC)
    return df


def _frame(ws: Workspace, name: str) -> pd.DataFrame:
    if not ws.has_table(name):
        return pd.DataFrame()
    return _utc(ws.table(name).to_pyarrow().to_pandas())


def _creator_info(ws: Workspace) -> pd.DataFrame:
    acc = ws.table("accounts").select("platform", "account_id", "followers", "username")
    df = acc.to_pyarrow().to_pandas().rename(columns={"account_id": "creator_id"})
    if ws.has_table("creator_scores"):
        cs = ws.table("creator_scores")
        cols = [c for c in ("platform", "creator_id", "tier", "label", "community_score") if c in cs.columns]
        s = cs.select(*cols).to_pyarrow().to_pandas()
        df = df.merge(s, on=["platform", "creator_id"], how="outer")
    return df


def _resolve_platforms(
    plan: pd.DataFrame, creators: list[tuple[str, str]], info: pd.DataFrame
) -> tuple[list[str | None], dict[str, list[str]]]:
    """Each plan row's platform: its own, else the one platform whose creators (``creators``, those with posts; else
    the accounts / scores in ``info``) have its id. Also the ids on several platforms (→ ``None``, with those
    platforms), which :func:`~tribescope.campaigns.read_plan` refuses at import but posts imported later can make."""
    by_id: dict[str, set[str]] = {}
    for p, c in creators:
        by_id.setdefault(str(c), set()).add(str(p))
    by_info: dict[str, set[str]] = {}
    for p, c in zip(info["platform"], info["creator_id"], strict=True):
        if isinstance(p, str) and p and c is not None and pd.notna(c):
            by_info.setdefault(str(c), set()).add(p)
    out: list[str | None] = []
    ambiguous: dict[str, list[str]] = {}
    for p, c in zip(plan["creator_platform"], plan["creator_id"], strict=True):
        if isinstance(p, str) and p:
            out.append(p)
            continue
        on = sorted(by_id.get(str(c)) or by_info.get(str(c)) or ())
        out.append(on[0] if len(on) == 1 else None)
        if len(on) > 1:
            ambiguous[str(c)] = on
    return out, ambiguous


def _posts(ws: Workspace, plan: pd.DataFrame) -> pd.DataFrame:
    """The plan creators' posts, with ``n_comments_post``: the comments the metrics count under each post
    (:func:`tribescope.metrics.post_engagement`: ``comments_count``, else the post's rows in ``comments``, else 0)."""
    from tribescope.metrics import post_engagement

    p = ws.table("posts")
    ids = sorted(set(plan["creator_id"]))
    comments = ws.table("comments") if ws.has_table("comments") else None
    p = post_engagement(p.filter(p.creator_id.isin(ids)), ws.table("accounts"), comments)
    p = p.select(
        "platform",
        "post_id",
        "creator_id",
        "created_at",
        "title",
        "caption",
        "likes",
        "comments_count",
        "n_comments_post",
        "shares",
        "views",
        "sponsor",
        "mentions",
        "tagged_users",
    )
    return _utc(p.to_pyarrow().to_pandas())


def _ordered(plan: pd.DataFrame) -> pd.DataFrame:
    """The plan by campaign id, each campaign in its file's row order (``plan_line``, which
    :func:`~tribescope.campaigns.read_plan` stores), then by platform and creator id — an explicit order, never the
    table's physical one (rows imported before ``plan_line`` existed keep the table's order among themselves)."""
    keys = (
        ["campaign_id", "plan_line", "creator_platform", "creator_id"]
        if "plan_line" in plan.columns
        else ["campaign_id"]
    )
    return plan.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True)


def campaign_report(
    ws: Workspace,
    *,
    campaign: str | None = None,
    cpm_table: dict[str, float] | None = None,
    margin: float = 1.0,
    window_days: int = ATTRIBUTION_WINDOW_DAYS,
    pre_days: int = 30,
    n_boot: int = 1000,
    seed: int = 0,
    brand_terms: list[str] | None = None,
) -> CampaignReport:
    """Compute the ROI report from ``campaign_plan``, ``campaign_orders``, ``campaign_clicks`` and posts."""
    require_workspace(ws, "campaign_report")
    if not 0 <= window_days <= MAX_WINDOW_DAYS:
        raise CampaignError(
            f"an attribution window of {window_days:,} days; it is 0 to {MAX_WINDOW_DAYS:,} days after a campaign's "
            f"end (default {ATTRIBUTION_WINDOW_DAYS})"
        )
    plan = _frame(ws, "campaign_plan")
    if plan.empty:
        raise CampaignError(
            f"no campaign plan in {ws.path}; run `tribescope campaign import --plan FILE` first"
        )
    if campaign is not None and not (plan["campaign_id"] == campaign).any():
        raise CampaignError(
            f"no campaign {campaign!r} in the plan; known: {', '.join(sorted(set(plan['campaign_id'])))}"
        )
    # by campaign, each in its file's row order (``plan_line``, stored at import) — never the table's physical order,
    # which a re-import or a copy of the table may change (each row's bootstrap seed follows its key, _key_seed)
    plan = _ordered(plan)
    # orders, clicks and posts are attributed over the whole plan and only then narrowed to ``campaign``: an order
    # (click, post) another campaign's row wins is never this campaign's — with ``--campaign`` it used to be, so the
    # campaign's figures and intervals differed from its rows in the full report
    shown = [int(k) for k in plan.index[plan["campaign_id"] == campaign]] if campaign is not None else None
    view = plan if shown is None else plan.loc[shown]
    cpm = cpm_table or load_cpm_table()
    orders = _frame(ws, "campaign_orders")
    if orders.empty:
        orders = pd.DataFrame(
            columns=[
                "order_name",
                "created_at",
                "total",
                "refunded",
                "cancelled",
                "discount_code",
                "utm_campaign",
            ]
        )
    att = attribute_orders(plan, orders, window_days=window_days)
    clicks = _frame(ws, "campaign_clicks")
    info = _creator_info(ws)
    notes: list[str] = []
    # a row without a platform is the account of its id on the one platform that has it; on several, nobody's
    with_posts = workspace_creators(ws)
    resolved, ambiguous = _resolve_platforms(plan, with_posts, info)
    known = {(str(pl), str(c)) for pl, c in with_posts} | {
        (str(pl), str(c)) for pl, c in zip(info["platform"], info["creator_id"], strict=True)
    }
    for cid, on in ambiguous.items():
        if cid not in set(view["creator_id"].astype(str)):
            continue
        notes.append(
            f"{cid}: the plan gives no platform and the workspace has {' and '.join(on)} creators of that id — "
            "no account's followers, tier, score label or posts are used (it used to take the first account's); "
            "import the plan again with a creator_platform"
        )
    # the rows of ambiguous ids mark no post (either account's could be another person's); positions kept
    ok = [k for k, c in enumerate(plan["creator_id"]) if resolved[k] or str(c) not in ambiguous]
    posts = campaign_posts(
        plan.assign(creator_platform=resolved).iloc[ok].reset_index(drop=True), _posts(ws, plan), brand_terms
    )
    posts["plan_row"] = [ok[int(j)] for j in posts["plan_row"]]
    missing_cpm: set[str] = set()

    rows: list[dict[str, object]] = []
    rev_by_row: dict[int, np.ndarray] = {}
    clicks_row = attribute_clicks(plan, clicks, window_days=window_days) if not clicks.empty else None
    for i, r in plan.iterrows() if shown is None else plan.loc[shown].iterrows():
        plat = resolved[int(i)]
        if plat:
            m = info[(info["creator_id"] == r["creator_id"]) & (info["platform"] == plat)]
        else:  # no platform known: no account's figures (several platforms, or none with this id)
            m = info.iloc[0:0]
        mi = m.iloc[0] if len(m) else pd.Series(dtype=object)
        # the creator as the workspace names them (the dashboard and `score` do): the plan's handle is what the
        # plan's author typed ("MaxCoach" for @maxcoach); kept for a row whose account is not in the workspace
        username = mi.get("username")
        handle = str(username) if isinstance(username, str) and username else r["handle"]
        if str(r["creator_id"]) not in ambiguous and (
            plat is None or (plat, str(r["creator_id"])) not in known
        ):
            line = r.get("plan_line")
            notes.append(
                f"{r['handle']} ({r['campaign_id']}"
                + (f", plan line {int(line)}" if line is not None and pd.notna(line) else "")
                + f"): no {plat + ' ' if plat else ''}account {r['creator_id']!r} in the workspace — no followers, "
                "tier, score label or posts for this row; import the creator's data, or correct the creator_id "
                "(and creator_platform) in the plan"
            )
        followers = mi.get("followers")
        followers = float(followers) if followers is not None and pd.notna(followers) else None
        label = r.get("label") or (mi.get("label") if pd.notna(mi.get("label", None)) else None)
        mine = att[att["plan_row"] == i]
        rev = mine["revenue"].to_numpy(dtype=np.float64)
        plan_cur = str(r.get("currency") or "").upper()
        order_cur = (
            mine["currency"].dropna().astype(str).str.upper()
            if "currency" in mine.columns
            else pd.Series(dtype=str)
        )
        other_cur = sorted(set(order_cur[order_cur != plan_cur])) if plan_cur else []
        if not plan_cur and order_cur.nunique() > 1:
            other_cur = sorted(set(order_cur))
        if other_cur:
            odd = mine.loc[order_cur[order_cur.isin(other_cur)].index]
            names = odd["order_name"].astype(str).tolist() if "order_name" in odd.columns else []
            files = (
                sorted({Path(str(f)).name for f in odd["source_file"].dropna()})
                if "source_file" in odd.columns
                else []
            )
            where = (
                f" (order{'s' if len(names) > 1 else ''} {', '.join(names[:3])}{' …' if len(names) > 3 else ''}"
                + (f" of {', '.join(files)}" if files else "")
                + ", field 'Currency')"
                if names
                else ""
            )
            notes.append(
                f"{handle} ({r['campaign_id']}): credited orders in {', '.join(other_cur)} "
                f"but the fee is in {plan_cur or 'an unstated currency'}; revenue, ROI and ROAS add the amounts "
                f"as written — convert the orders export to one currency first{where}"
            )
        # by the row's position in the creator table, where the groups' bootstrap reads it
        rev_by_row[len(rows)] = rev
        conv = len(mine)
        revenue = float(rev.sum())
        cost = float(r["cost"])
        ps = posts[posts["plan_row"] == i] if len(posts) else posts
        views = ps["views"].dropna() if len(ps) else pd.Series(dtype=float)
        if len(views) and views.sum() > 0:
            impressions, src = float(views.sum()), "views"
        elif followers:
            impressions, src = followers * REACH_RATE, "estimated"
        else:
            impressions, src = None, None
        eng = None
        if len(ps):
            # the comments the metrics count (post_engagement); shares too, which CPE counts on purpose
            eng = float(ps[["likes", "n_comments_post", "shares"]].fillna(0).to_numpy().sum())
        n_clicks = None
        if clicks_row is not None:  # the clicks this row won (attribute_clicks: its window, UTM or link)
            sel = clicks_row == int(i)
            n_clicks = int(clicks.loc[sel, "clicks"].sum()) if sel.any() else None
        ci = bootstrap_creator(
            rev,
            cost,
            margin=margin,
            n_boot=n_boot,
            seed=_key_seed(seed, r["campaign_id"], r["creator_platform"], r["creator_id"]),
        )
        rate = cpm.get(plat or "generic", cpm.get("generic"))
        if rate is None and impressions:
            missing_cpm.add(plat or "generic")
        emv = impressions * rate / 1000 if impressions and rate is not None else None
        rows.append(
            {
                "campaign_id": r["campaign_id"],
                "creator_platform": r["creator_platform"],
                "creator_id": r["creator_id"],
                "handle": handle,
                "label": label,
                "label_group": label_group(label),
                "tier": mi.get("tier") if pd.notna(mi.get("tier", None)) else None,
                "followers": followers,
                "cost": cost,
                "posts": len(ps),
                "impressions": impressions,
                "impressions_source": src,
                "engagements": eng,
                "clicks": n_clicks,
                "conversions": conv,
                "conversions_by_code": int((mine["rule"] == "code").sum()),
                "conversions_by_utm": int((mine["rule"] == "utm").sum()),
                "revenue": revenue,
                "orders_in_other_currency": int(order_cur.isin(other_cur).sum()) if other_cur else 0,
                "cpm": _div(cost * 1000, impressions or 0),
                "cpe": _div(cost, eng or 0),
                "cpa": _div(cost, conv),
                "conversion_rate": _div(conv, n_clicks or 0),
                "conversions_per_1k_followers": _div(1000 * conv, followers or 0),
                "roas": _div(revenue, cost),
                "roi": _div(margin * revenue - cost, cost),
                "emv": emv,
                "conversions_lo": ci["conversions"][0],
                "conversions_hi": ci["conversions"][1],
                "revenue_lo": ci["revenue"][0],
                "revenue_hi": ci["revenue"][1],
                "roi_lo": ci["roi"][0],
                "roi_hi": ci["roi"][1],
                "roas_lo": ci["roas"][0],
                "roas_hi": ci["roas"][1],
                "cpa_lo": ci["cpa"][0],
                "cpa_hi": ci["cpa"][1],
            }
        )
    cr = pd.DataFrame(rows)

    def _currencies(col: pd.Series) -> list[str]:
        return sorted({str(c).strip().upper() for c in col.dropna() if str(c).strip()})

    if len(_currencies(view["currency"])) > 1:  # pooled totals would add dollars to euros
        mixed = [
            str(cid)
            for cid, sub in view.groupby("campaign_id", sort=True)
            if len(_currencies(sub["currency"])) > 1
        ]
        notes.append(
            f"fees in {', '.join(_currencies(view['currency']))}: the label groups' cost, revenue and ROI"
            + (f" and those of campaign {', '.join(mixed)}" if mixed else "")
            + " add the amounts as written — give every fee (and order) in one currency"
        )
    if clicks_row is not None and shown is None and (clicks_row < 0).any():
        # clicks no row won: a UTM campaign or link that is no plan row's (a typo, another channel), or outside its
        # window — said, not silently left out of every conversion rate
        lost = clicks[clicks_row < 0]
        what = lost["utm_campaign"].fillna(lost["link"]).fillna("(no UTM campaign or link)").astype(str)
        per = lost.groupby(what, sort=True)["clicks"].sum().sort_values(ascending=False, kind="stable")
        shown_keys = ", ".join(f"{k!r} ({int(v):,})" for k, v in per.head(3).items())
        notes.append(
            f"{int(lost['clicks'].sum()):,} of {int(clicks['clicks'].sum()):,} clicks ({len(lost)} rows of the clicks "
            f"import) count for no plan row — their UTM campaign or link is no row's, or their date is outside the "
            f"row's window (start … end + {window_days} days): {shown_keys}{' …' if len(per) > 3 else ''}"
        )
    if missing_cpm:
        notes.append(
            f"no CPM for {', '.join(sorted(missing_cpm))} in the CPM table (and no 'generic' row): EMV left empty"
        )
    if (cr["impressions_source"] == "estimated").any():
        notes.append(f"impressions estimated as followers × {REACH_RATE} where posts carry no views")
    notes.extend(_shared_codes(plan, view, window_days))
    won = att[att["plan_row"].isin(view.index)]  # orders this report's rows won
    notes.append(
        f"{len(won)} of {len(att)} orders credited to a creator"
        + (f" of campaign {campaign}" if shown is not None else "")
        + f" ({int((won['rule'] == 'code').sum())} by code, {int((won['rule'] == 'utm').sum())} by UTM)"
    )
    notes.extend(_unpaid_note(att, view))
    notes.extend(_outside_note(att, view, window_days))
    waiting = _without_results(view, att)
    if waiting:
        notes.append(waiting)

    labels = _group_table(cr, rev_by_row, "label_group", margin=margin, n_boot=n_boot, seed=seed)
    camps = _group_table(cr, rev_by_row, "campaign_id", margin=margin, n_boot=n_boot, seed=seed)
    present = set(cr["label_group"])
    cost_of = cr.groupby("label_group")["cost"].sum()
    d: tuple[float, float, float] | None = None
    if att.empty:  # no orders imported: no sale was measured, the groups' ROIs are −1 alike for want of data
        notes.append("no orders imported: the community − broadcast ROI comparison is not made")
    elif not {"community", "broadcast"} <= present:
        missing = " and ".join(g for g in ("community", "broadcast") if g not in present)
        notes.append(
            f"no {missing} creators in this report: the community − broadcast ROI comparison is not made"
        )
    elif not (cost_of["community"] > 0 and cost_of["broadcast"] > 0):
        notes.append(
            "a group's fees add up to 0 (gifted only): its ROI, and the community − broadcast difference, are undefined"
        )
    else:
        d = _roi_difference(cr, rev_by_row, margin=margin, n_boot=n_boot, seed=seed)
        notes.append(f"community − broadcast pooled ROI = {d[0]:+.2f} (95% CI {d[1]:+.2f} … {d[2]:+.2f})")
    # the columns are always there (empty without a comparison), so exported files keep one layout
    labels = labels.assign(
        roi_diff_vs_broadcast=pd.Series(
            [d[0] if d and g == "community" else None for g in labels["group"]], dtype="float64"
        ),
        roi_diff_lo=pd.Series(
            [d[1] if d and g == "community" else None for g in labels["group"]], dtype="float64"
        ),
        roi_diff_hi=pd.Series(
            [d[2] if d and g == "community" else None for g in labels["group"]], dtype="float64"
        ),
    )
    inc = _incrementality(view, att, window_days=window_days, pre_days=pre_days)
    return CampaignReport(
        creators=pa.Table.from_pandas(cr, preserve_index=False),
        labels=pa.Table.from_pandas(labels, preserve_index=False),
        campaigns=pa.Table.from_pandas(camps, preserve_index=False),
        incrementality=pa.Table.from_pandas(inc, preserve_index=False),
        notes=notes,
    )


def _unpaid_note(att: pd.DataFrame, view: pd.DataFrame) -> list[str]:
    """A note for the orders this report's rows would be credited once paid (financial status pending / authorized,
    :func:`~tribescope.campaigns.attribute_orders`): not counted, but never dropped without a word."""
    waiting = att[att["unpaid_row"].isin(view.index)] if "unpaid_row" in att.columns else att.iloc[0:0]
    if waiting.empty:
        return []
    waiting = waiting.sort_values(["created_at", "order_name"], kind="stable")  # the oldest first
    n = len(waiting)
    statuses = (
        sorted({str(x) for x in waiting["financial_status"].dropna()})
        if "financial_status" in waiting
        else []
    )
    names = waiting["order_name"].astype(str).tolist() if "order_name" in waiting.columns else []
    shown = f": {', '.join(names[:3])}{' …' if n > 3 else ''}" if names else ""
    return [
        f"{n} order{'s' if n > 1 else ''} with a creator's code or UTM campaign {'are' if n > 1 else 'is'} awaiting "
        f"payment (financial status {' / '.join(statuses) or 'unpaid'}) and not counted as "
        f"conversion{'s' if n > 1 else ''} or revenue{shown} — import the orders again once paid"
    ]


def _without_results(view: pd.DataFrame, att: pd.DataFrame) -> str | None:
    """A note for the campaigns of ``view`` whose results are not in: no orders imported, or an orders export that ends
    before the campaign starts. Their conversions (0), revenue (0) and ROI (−1) are for want of orders, not of sales —
    the report printed them, and a community − broadcast difference of +0.00 (95 % CI +0.00 … +0.00), without a word."""
    last = att["created_at"].max() if len(att) else None
    starts = pd.to_datetime(view.groupby("campaign_id")["start_date"].min())
    waiting = sorted(
        str(c) for c, t in starts.items() if last is None or (pd.notna(t) and last.date() < t.date())
    )
    if not waiting:
        return None
    shown = ", ".join(waiting[:5]) + (", …" if len(waiting) > 5 else "")
    why = (
        "no orders are imported"
        if last is None
        else f"the orders export ends {last.date()}, before they start"
    )
    return (
        f"campaign(s) {shown}: {why} — their conversions, revenue and ROI (−1) are not measured yet; import the shop's "
        "orders (`tribescope campaign import --orders FILE`)"
    )


def _outside_note(att: pd.DataFrame, view: pd.DataFrame, window_days: int) -> list[str]:
    """A note for the sales that carry this report's rows' code or UTM campaign but were placed outside the row's window
    (``start … end + window``; :func:`~tribescope.campaigns.attribute_orders`' ``outside_row``): not credited, as the
    rule says, but counted and named — before the start (a code shared early) and after the window apart — as the
    clicks outside a window are, never dropped without a word."""
    away = att[att["outside_row"].isin(view.index)] if "outside_row" in att.columns else att.iloc[0:0]
    if away.empty:
        return []
    away = away.sort_values(["created_at", "order_name"], kind="stable")  # the oldest first
    start = pd.to_datetime(view["start_date"]).dt.tz_localize(UTC).reindex(away["outside_row"]).to_numpy()
    early = int((away["created_at"].to_numpy() < start).sum())
    n = len(away)
    names = away["order_name"].astype(str).tolist() if "order_name" in away.columns else []
    shown = f": {', '.join(names[:3])}{' …' if n > 3 else ''}" if names else ""
    when = " and ".join(
        part
        for part in (
            f"{early} before the row's start" if early else "",
            f"{n - early} after its end + {window_days} days" if n - early else "",
        )
        if part
    )
    return [
        f"{n} paid order{'s' if n > 1 else ''} with a creator's code or UTM campaign {'were' if n > 1 else 'was'} "
        f"placed outside the row's window ({when}) and {'are' if n > 1 else 'is'} not credited{shown} — widen "
        "`--window` if sales after it are the campaign's, or check the plan's dates"
    ]


def _shared_codes(plan: pd.DataFrame, view: pd.DataFrame, window_days: int) -> list[str]:
    """Notes for a promo code on two creators' rows in different campaigns whose windows (start … end + window) overlap:
    an order in the overlap goes to the latest-starting row by rule, though either creator may have sold it
    (:func:`~tribescope.campaigns.read_plan` refuses it within one campaign)."""
    from tribescope.campaigns._io import discount_codes

    start = pd.to_datetime(plan["start_date"])
    end = pd.to_datetime(plan["end_date"]) + pd.Timedelta(days=1 + window_days)
    by_code: dict[str, list[int]] = {}
    for k, codes in enumerate(plan["promo_code"]):
        for c in discount_codes(codes):
            by_code.setdefault(c, []).append(k)
    out: list[str] = []
    for code, ks in sorted(by_code.items()):
        for a_i, a in enumerate(ks):
            for b in ks[a_i + 1 :]:
                if plan.at[a, "creator_id"] == plan.at[b, "creator_id"] or not (
                    a in view.index or b in view.index
                ):
                    continue
                if pd.isna(start[a]) or pd.isna(start[b]) or pd.isna(end[a]) or pd.isna(end[b]):
                    overlap = True
                else:
                    overlap = max(start[a], start[b]) < min(end[a], end[b])
                if overlap:
                    first, later = sorted((a, b), key=lambda k: (start[k], k))
                    out.append(
                        f"promo code {code!r} is {plan.at[first, 'handle']}'s in {plan.at[first, 'campaign_id']} and "
                        f"{plan.at[later, 'handle']}'s in {plan.at[later, 'campaign_id']}, whose windows overlap: orders "
                        f"with it in the overlap are credited to the latest-starting row, "
                        f"{plan.at[later, 'handle']} ({plan.at[later, 'campaign_id']}) — give each creator its own code"
                    )
    return out


def _nsum(col: pd.Series) -> float:
    """Sum of a column that may be all-null (object dtype); nulls count as 0."""
    return float(pd.to_numeric(col, errors="coerce").fillna(0.0).sum())


def _known(sub: pd.DataFrame, col: str) -> tuple[float | None, float, float]:
    """Σ ``col`` over the rows of ``sub`` that have it (``None`` when none has), and those rows' Σ cost and Σ
    conversions: what a group's ratio of ``col`` pools."""
    v = pd.to_numeric(sub[col], errors="coerce")
    has = v.notna()
    if not has.any():
        return None, 0.0, 0.0
    return (
        float(v[has].sum()),
        float(sub.loc[has, "cost"].sum()),
        float(pd.to_numeric(sub.loc[has, "conversions"], errors="coerce").fillna(0).sum()),
    )


def _pooled(cost: np.ndarray, rev: np.ndarray, margin: float) -> float | None:
    c = float(cost.sum())
    return (margin * float(rev.sum()) - c) / c if c else None


def _creator_rows(cr: pd.DataFrame, idx: np.ndarray) -> list[list[int]]:
    """The rows ``idx`` of the creator table grouped by creator ``(creator_platform, creator_id)``, in the order each
    creator first appears: a creator in several campaigns is one creator of a group, and one unit of its bootstrap."""
    by: dict[tuple[str, str], list[int]] = {}
    for k in idx:
        p, c = cr.at[k, "creator_platform"], cr.at[k, "creator_id"]
        by.setdefault(("" if p is None or pd.isna(p) else str(p), str(c)), []).append(int(k))
    return list(by.values())


def _boot_group(
    cr: pd.DataFrame,
    rev_by_row: dict[int, np.ndarray],
    idx: np.ndarray,
    margin: float,
    n_boot: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap pooled ROI and conversions of the rows ``idx``: creators resampled — each with all its campaign rows
    (:func:`_creator_rows`), not row by row, which drew one creator's campaigns as independent creators and made a
    group's interval too wide or too narrow — and orders Poisson-weighted."""
    costs = cr["cost"].to_numpy(dtype=np.float64)
    units = _creator_rows(cr, idx)
    roi = np.empty(n_boot)
    conv = np.empty(n_boot)
    for b in range(n_boot):
        pick = [k for u in rng.choice(len(units), len(units), replace=True) for k in units[int(u)]]
        c = costs[pick].sum()
        rv, cv = 0.0, 0.0
        for k in pick:
            r = rev_by_row[int(k)]
            if len(r):
                w = rng.poisson(1.0, len(r))
                rv += float(w @ r)
                cv += float(w.sum())
        roi[b] = (margin * rv - c) / c if c else np.nan
        conv[b] = cv
    return roi, conv


def _group_table(
    cr: pd.DataFrame, rev_by_row: dict[int, np.ndarray], by: str, *, margin: float, n_boot: int, seed: int
) -> pd.DataFrame:
    out = []
    for g, sub in cr.groupby(by, dropna=False, sort=True):
        rng = np.random.default_rng(_key_seed(seed + 7, g))  # the group's own stream: no other group moves it
        idx = sub.index.to_numpy()
        revs = np.asarray([rev_by_row[int(k)].sum() for k in idx])
        roi_b, _ = _boot_group(cr, rev_by_row, idx, margin, min(n_boot, 400), rng)
        lo, hi = _ci(roi_b)
        cost = float(sub["cost"].sum())
        conv = int(sub["conversions"].sum())
        # a figure unknown on every row is unknown for the group (empty, never 0); a ratio pools the rows that have
        # its denominator only — the fee of a creator without impressions bought none that CPM could divide by
        imp, imp_cost, _ = _known(sub, "impressions")
        eng, eng_cost, _ = _known(sub, "engagements")
        fol, _, fol_conv = _known(sub, "followers")
        out.append(
            {
                "group": g,
                # distinct creators: one in two campaigns is one creator of the group (it was counted twice)
                "creators": len(_creator_rows(cr, idx)),
                "cost": cost,
                "impressions": imp,
                "engagements": eng,
                "conversions": conv,
                "revenue": float(revs.sum()),
                "cpm": _div(imp_cost * 1000, imp or 0),
                "cpe": _div(eng_cost, eng or 0),
                "cpa": _div(cost, conv),
                "conversions_per_1k_followers": _div(1000 * fol_conv, fol or 0),
                "roas": _div(float(revs.sum()), cost),
                "roi": _pooled(sub["cost"].to_numpy(), revs, margin),
                "roi_lo": lo,
                "roi_hi": hi,
                "median_creator_roi": float(sub["roi"].median()) if sub["roi"].notna().any() else None,
                # empty when no row has one (no CPM for the platform, no impressions): unknown, never 0
                "emv": float(_nsum(sub["emv"])) if sub["emv"].notna().any() else None,
            }
        )
    return pd.DataFrame(out)


def _roi_difference(
    cr: pd.DataFrame, rev_by_row: dict[int, np.ndarray], *, margin: float, n_boot: int, seed: int
) -> tuple[float, float, float]:
    rng = np.random.default_rng(seed + 11)
    a = cr.index[cr["label_group"] == "community"].to_numpy()
    b = cr.index[cr["label_group"] == "broadcast"].to_numpy()
    ra, _ = _boot_group(cr, rev_by_row, a, margin, min(n_boot, 400), rng)
    rb, _ = _boot_group(cr, rev_by_row, b, margin, min(n_boot, 400), rng)

    def pooled(idx: np.ndarray) -> float:
        return (
            _pooled(
                cr.loc[idx, "cost"].to_numpy(), np.asarray([rev_by_row[int(k)].sum() for k in idx]), margin
            )
            or 0.0
        )

    lo, hi = _ci(ra - rb)
    return pooled(a) - pooled(b), float(lo or 0.0), float(hi or 0.0)


#: the estimate's columns of a campaign whose incrementality is not estimated (no pre-period, an export ending early)
_NOT_ESTIMATED = dict.fromkeys(
    ("baseline_orders", "incremental_orders", "incremental_lo", "incremental_hi", "incremental_revenue")
)


def _incrementality(
    plan: pd.DataFrame, att: pd.DataFrame, *, window_days: int, pre_days: int
) -> pd.DataFrame:
    out = []
    for cid, sub in plan.groupby("campaign_id", sort=True):
        starts = pd.to_datetime(sub["start_date"]).dropna()
        ends = pd.to_datetime(sub["end_date"]).dropna()
        if not len(starts) or not len(ends) or att.empty:
            continue
        t0 = starts.min().tz_localize(UTC)
        t1 = ends.max().tz_localize(UTC) + pd.Timedelta(days=1 + window_days)
        pre0 = t0 - pd.Timedelta(days=pre_days)
        ts = att["created_at"]
        # orders that stood: paid, not cancelled, voided, expired or refunded in full (as attribution counts conversions)
        void = att["void"] if "void" in att.columns else att["cancelled"]
        live = ~void.astype("boolean").fillna(False).astype(bool)
        n_pre = int(((ts >= pre0) & (ts < t0) & live).sum())
        n_obs = int(((ts >= t0) & (ts < t1) & live).sum())
        rev_obs = float(att.loc[(ts >= t0) & (ts < t1), "revenue"].sum())
        rev_pre = float(att.loc[(ts >= pre0) & (ts < t0), "revenue"].sum())  # pre-period revenue
        # the export may start inside the pre-period: use the covered part (from the first order's day) …
        first = ts.min().floor("D")
        pre_start = max(pre0, first)
        eff_pre = (t0 - pre_start).total_seconds() / 86400
        # … and end inside the campaign window (pulled before its end + window closed): the observed orders cover
        # up to the last order's day, and so does the baseline — the full window's baseline against a part of its
        # orders made every missing day look like lost sales
        obs_end = min(t1, ts.max().floor("D") + pd.Timedelta(days=1))
        days = max(0.0, (obs_end - t0).total_seconds() / 86400)
        cut = (
            f"; the export ends {(obs_end - pd.Timedelta(days=1)).date()}, before the window's end "
            f"{(t1 - pd.Timedelta(days=1)).date()}: days after it are not counted"
            if obs_end < t1
            else ""
        )
        credited = int(att["plan_row"].isin(sub.index).sum())
        if days <= 0:
            out.append(
                {
                    "campaign_id": cid,
                    "pre_days": pre_days,
                    "campaign_days": 0.0,
                    "pre_orders": n_pre,
                    "observed_orders": n_obs,
                    **_NOT_ESTIMATED,
                    "credited_orders": credited,
                    "note": f"the orders export ends {(obs_end - pd.Timedelta(days=1)).date()}, before the campaign "
                    "starts; incrementality not estimated",
                }
            )
            continue
        if eff_pre < 7 or n_pre == 0:
            out.append(
                {
                    "campaign_id": cid,
                    "pre_days": pre_days,
                    "campaign_days": days,
                    "pre_orders": n_pre,
                    "observed_orders": n_obs,
                    **_NOT_ESTIMATED,
                    "credited_orders": credited,
                    "note": "no complete pre-period in the orders export; incrementality not estimated",
                }
            )
            continue
        k = days / eff_pre
        base = n_pre * k
        inc = n_obs - base
        sd = float(np.sqrt(n_obs + k * k * n_pre))
        out.append(
            {
                "campaign_id": cid,
                "pre_days": eff_pre,
                "campaign_days": days,
                "pre_orders": n_pre,
                "observed_orders": n_obs,
                "baseline_orders": base,
                "incremental_orders": inc,
                "incremental_lo": inc - 1.96 * sd,
                "incremental_hi": inc + 1.96 * sd,
                "incremental_revenue": rev_obs - rev_pre * k,
                "credited_orders": credited,
                "note": "baseline = pre-period orders per day × campaign days (all orders in the export)"
                + cut,
            }
        )
    cols = [
        "campaign_id",
        "pre_days",
        "campaign_days",
        "pre_orders",
        "observed_orders",
        "baseline_orders",
        "incremental_orders",
        "incremental_lo",
        "incremental_hi",
        "incremental_revenue",
        "credited_orders",
        "note",
    ]
    return pd.DataFrame(out, columns=cols)
