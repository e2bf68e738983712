"""Campaign ROI figures a marketer checks by hand (QA round 71): each test recomputes a figure from small files and
asserts what the report, plan or importer gives for it."""

from __future__ import annotations

import datetime as dt

import pytest

from tribescope.campaigns import campaign_report, import_campaign

try:  # tests/ may or may not be a package
    from .test_campaigns import ORDER_HEADER, _order
except ImportError:
    from test_campaigns import ORDER_HEADER, _order  # type: ignore[no-redef]


def _orders_per_day(first: dt.date, days: int, per_day: int, start: int) -> list[str]:
    rows, n = [], start
    for d in range(days):
        day = first + dt.timedelta(days=d)
        for h in range(per_day):
            rows.append(_order(f"#{n}", f"{day} {10 + h:02d}:00:00 +0000", "40.00"))
            n += 1
    return rows


def test_incrementality_counts_the_days_the_orders_export_covers(ws, tmp_path):
    """An export pulled a week into a 10-day campaign (window 14 days): 2 orders a day before it, 4 a day during it.
    The baseline ran to the window's end (24 days, 48 orders) against the 7 days of orders the export holds (28), so
    a campaign that doubled sales read −20 incremental orders; the observed days are what the export covers: 7 days,
    baseline 14, +14."""
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "campaign_id,creator_platform,creator_id,cost,start,end,promo_code\n"
        "c1,instagram,alice,200,2026-03-01,2026-03-10,ALICE15\n"
    )
    orders = tmp_path / "orders_export.csv"
    rows = _orders_per_day(dt.date(2026, 1, 30), 30, 2, 1000)  # 01-30 … 02-28: the 30-day pre-period
    rows += _orders_per_day(dt.date(2026, 3, 1), 7, 4, 2000)  # 03-01 … 03-07: pulled on 03-08
    orders.write_text("\n".join([ORDER_HEADER, *rows]) + "\n")
    import_campaign(ws, plan=plan, orders=orders)
    inc = campaign_report(ws, n_boot=20, pre_days=30, window_days=14).incrementality.to_pylist()[0]
    assert inc["pre_orders"] == 60 and inc["pre_days"] == pytest.approx(30.0)
    assert inc["observed_orders"] == 28
    assert inc["campaign_days"] == pytest.approx(7.0)
    assert inc["baseline_orders"] == pytest.approx(14.0)
    assert inc["incremental_orders"] == pytest.approx(14.0)
    assert "the export ends 2026-03-07, before the window's end 2026-03-24" in inc["note"]
    # an export that covers the whole window counts all of it, and says nothing of an end
    more = tmp_path / "more_orders.csv"
    more.write_text(ORDER_HEADER + "\n" + _order("#3000", "2026-03-30 10:00:00 +0000", "40.00") + "\n")
    import_campaign(ws, orders=more)
    inc = campaign_report(ws, n_boot=20, pre_days=30, window_days=14).incrementality.to_pylist()[0]
    assert inc["campaign_days"] == pytest.approx(24.0)
    assert inc["baseline_orders"] == pytest.approx(48.0)
    assert "export ends" not in inc["note"]
