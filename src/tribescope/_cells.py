"""How a table's figures and labels read in every view: the CLI's tables (``campaign report``, ``plan``, ``brand
show``, ``ambassadors``, ``posts``), the dashboard's and the HTML report's. One rule per kind of column, so a figure
reads the same wherever it is shown (the CLI printed an ROI "0.512" and the label group "insufficient_data" where the
dashboard showed "0.51" and "too little data").
"""

from __future__ import annotations

import math
from typing import Any

from tribescope.score._spec import COUNT_COLUMNS, is_share, label_text

__all__ = [
    "LABEL_COLUMNS",
    "MONEY_COLUMNS",
    "ONE_DECIMAL_COLUMNS",
    "RATIO_COLUMNS",
    "SHARE_COLUMNS",
    "WHOLE_COLUMNS",
    "figure_cell",
    "is_share_column",
]

#: Columns of counts: shown whole, with thousands separators, whatever type the library gives them (an estimated
#: 34.6 impressions reads 35: followers × REACH_RATE when the posts carry no views is a count all the same — the
#: library, API and CSV keep the raw estimate, from which EMV and CPM are computed; the plan's interval bounds
#: ``conversions_lo`` / ``conversions_hi`` read "16" as its rationale says). Forecasts (``expected_conversions``,
#: ``baseline_orders``) keep their fraction (:data:`ONE_DECIMAL_COLUMNS`).
WHOLE_COLUMNS = COUNT_COLUMNS | {
    "activity",
    "audience",
    "clicks",
    "comments",
    "comments_count",
    "conversions",
    "conversions_by_code",
    "conversions_by_utm",
    "conversions_hi",
    "conversions_lo",
    "creators",
    "credited_orders",
    "engagements",
    "impressions",
    "likes",
    "mentions",
    "observed_orders",
    "orders",
    "orders_in_other_currency",
    "posts",
    "pre_orders",
    "repliers",
    "shared",
    "size",
    "size_a",
    "size_b",
    "sparked",
    "unique",
    "views",
}
#: Columns of money (the campaign currency): two decimals.
MONEY_COLUMNS = frozenset(
    {
        "cost",
        "cpa",
        "cpa_hi",
        "cpa_lo",
        "cpe",
        "cpm",
        "emv",
        "expected_revenue",
        "fee",
        "revenue",
        "revenue_hi",
        "revenue_lo",
    }
)
#: Ratios of money (ROI, ROAS and their intervals): two decimals, whatever their size (-1.00 beside 3.19).
RATIO_COLUMNS = frozenset(
    {
        "expected_roi",
        "median_creator_roi",
        "roas",
        "roas_hi",
        "roas_lo",
        "roi",
        "roi_diff_hi",
        "roi_diff_lo",
        "roi_diff_vs_broadcast",
        "roi_hi",
        "roi_lo",
    }
)
#: Columns holding a score label (``community_influencer``, a campaign report's label group ``insufficient_data``):
#: shown by the name every view gives it (:func:`~tribescope.score._spec.label_text`). A table whose ``group`` is a
#: label group (the campaign report's "community vs broadcast") names it too; a per-campaign ``group`` is an id.
LABEL_COLUMNS = frozenset({"label", "label_group"})
#: Shares of an audience (0–1) besides the ``*_share`` columns: a percentage with one decimal.
SHARE_COLUMNS = frozenset({"max_overlap", "overlap_min"})
#: Expected counts: one decimal, as the plan's rationale writes expected conversions ("expects 36.7 conversions") and
#: ``tribescope campaign report`` the incrementality baseline.
ONE_DECIMAL_COLUMNS = frozenset(
    {
        "baseline_orders",
        "expected_conversions",
        "incremental_hi",
        "incremental_lo",
        "incremental_orders",
        "value",
    }
)


def figure_cell(v: Any, column: str, labels: frozenset[str] = LABEL_COLUMNS) -> str | None:
    """``v``, a cell of ``column``, by its column's rule — a label by its name (``labels``: the label columns of the
    table), a count whole (half up: 34.5 impressions is 35, as a person rounds), money and ROI with two decimals, an
    expected count with one, a share as a percentage with one — or ``None`` when no rule takes it (the view's own
    format does: a text, a list, a flag, another number)."""
    if column in labels and isinstance(v, str):
        return label_text(v)
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
        if column in WHOLE_COLUMNS:
            return f"{math.floor(v + 0.5):,}"
        if column in MONEY_COLUMNS or column in RATIO_COLUMNS:
            return f"{v:,.2f}"
        if column in ONE_DECIMAL_COLUMNS:
            return f"{v:,.1f}"
        if column in SHARE_COLUMNS or is_share(
            column
        ):  # as the plan's rationale writes an overlap ("≥ 3.2%")
            return f"{100 * v:.1f}%"
    return None


def is_share_column(column: str) -> bool:
    """Whether ``column`` holds a share 0…1, shown as a percentage: a ``*_share`` column or a metric the spec calls a
    share (:func:`~tribescope.score._spec.is_share`), or an audience overlap (:data:`SHARE_COLUMNS`)."""
    return column in SHARE_COLUMNS or is_share(column)
