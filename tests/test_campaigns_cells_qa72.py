"""`tribescope campaign report` writes a label group and an ROI as the dashboard and the report do."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest

from tribescope.campaigns import campaign_report, import_campaign

try:  # tests/ may or may not be a package
    from ._score_fixtures import insert as put
    from .test_campaigns_hunt import PLAN, _order, _shopify
    from .test_campaigns_tags_and_counts import _post
except ImportError:
    from _score_fixtures import insert as put  # type: ignore[no-redef]
    from test_campaigns_hunt import PLAN, _order, _shopify  # type: ignore[no-redef]
    from test_campaigns_tags_and_counts import _post  # type: ignore[no-redef]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"[│┃]", line)]


def test_campaign_report_cli_names_label_groups_and_rounds_roi_as_the_dashboard(ws, tmp_path):
    """A creator labelled insufficient_data: the CLI printed the label group as the stored value
    ("insufficient_data") where the dashboard and the HTML report say "too little data", and an ROI under 1 with
    three decimals ("0.512") where they show two. Now one rule (tribescope._cells.figure_cell) for both; a
    campaign's own id in the per-campaign table stays as it is (c1, not a label's name)."""
    from typer.testing import CliRunner

    from tribescope.cli import app
    from tribescope.web._render import _column_cell

    put(
        ws,
        "accounts",
        [
            {"platform": "instagram", "account_id": "alice", "username": "alice", "followers": 12_345},
            {"platform": "instagram", "account_id": "bob", "username": "bob", "followers": 1_000},
        ],
    )
    put(ws, "posts", [_post("a1", "alice", "use code ALICE15", likes=120, comments_count=20)])
    ws.write_table(
        "creator_scores",
        pa.table(
            {
                "platform": ["instagram", "instagram"],
                "creator_id": ["alice", "bob"],
                "label": ["insufficient_data", "community_influencer"],
                "community_score": [30.0, 70.0],
            }
        ),
    )
    during = [
        _order(f"#c{i}", f"2026-04-0{2 + i} 10:00:00 +0000", "30.00", **{"Discount Code": "ALICE15"})
        for i in range(3)
    ]
    (tmp_path / "plan.csv").write_text(PLAN)
    import_campaign(ws, plan=tmp_path / "plan.csv", orders=_shopify(tmp_path / "orders_export.csv", during))
    rep = campaign_report(ws)
    alice = rep.creators.to_pandas().set_index("creator_id").loc["alice"]
    assert alice["label_group"] == "insufficient_data"  # the stored value, in files and the API
    roi = alice["roi"]
    assert roi == pytest.approx(roi) and abs(roi) < 10
    path = str(ws.path)
    ws.close()
    res = CliRunner().invoke(app, ["-w", path, "campaign", "report", "--no-backtest"], terminal_width=400)
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    row = _cells(next(ln for ln in lines if ln.lstrip().startswith("alice ")))
    # handle, label_group, cost, impressions, engagements, clicks, conversions, revenue, cpm, cpe, cpa, roas, roi
    assert row[1] == "too little data" == _column_cell("insufficient_data", "label_group")
    assert row[12] == f"{roi:,.2f}" == _column_cell(roi, "roi")
    group = next(ln for ln in lines if ln.lstrip().startswith("too little data "))
    assert "insufficient_data" not in res.output
    assert _cells(group)[0] == "too little data"
    assert any(ln.lstrip().startswith("c1 ") for ln in lines)  # the per-campaign table: the id as it is
