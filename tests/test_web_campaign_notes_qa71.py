"""The campaign report's notes reach every place its figures are shown (QA round 71): the dashboard's campaigns page,
``/api/campaigns`` and ``/api/campaigns/labels``, and the e-mailed HTML report showed the pooled ROI of a campaign paid
in two currencies, and the rows of creators the workspace does not know, without the caveats ``tribescope campaign
report`` prints under the same figures."""

from __future__ import annotations

import html
import re

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from tribescope.campaigns import campaign_report, import_campaign
from tribescope.store import connect
from tribescope.web import create_app

BASE = "http://127.0.0.1"
MIXED = "fees in EUR, USD: the label groups' cost, revenue and ROI and those of campaign c1 add the amounts as written"
UNKNOWN = "ghost (c1, plan line 3): no instagram account 'ghost' in the workspace"


@pytest.fixture
def path(tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "campaign_id,creator_platform,creator_id,cost,currency,start,end,promo_code\n"
        "c1,instagram,alice,200,USD,2026-04-01,2026-04-10,ALICE15\n"
        'c1,instagram,ghost,"1.500,00",EUR,2026-04-01,2026-04-10,GHOST15\n'
    )
    orders = tmp_path / "orders_export.csv"
    orders.write_text(
        "Name,Financial Status,Total,Discount Code,Created at\n"
        "#1,paid,120.00,ALICE15,2026-04-02 10:00:00 +0000\n"
        "#2,paid,80.00,GHOST15,2026-04-03 10:00:00 +0000\n"
    )
    p = tmp_path / "ws.duckdb"
    ws = connect(p)
    try:
        import_campaign(ws, plan=plan, orders=orders)
        notes = campaign_report(ws).notes  # what `tribescope campaign report` prints under its tables
    finally:
        ws.close()
    assert any(n.startswith(MIXED) for n in notes) and any(n.startswith(UNKNOWN) for n in notes)
    return p


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_the_api_and_the_dashboard_give_the_campaign_reports_notes(path):
    from tribescope.web._data import clear_cache

    clear_cache()
    with TestClient(create_app(path), base_url=BASE) as c:
        for url in ("/api/campaigns", "/api/campaigns/labels"):
            got = c.get(url).json()
            assert any(n.startswith(MIXED) for n in got["notes"]), (url, got)
            assert any(n.startswith(UNKNOWN) for n in got["notes"]), (url, got)
            assert not any(str(path) in n for n in got["notes"])  # no server path
        rows = {r["creator_id"]: r for r in c.get("/api/campaigns").json()["items"]}
        assert rows["ghost"]["cost"] == 1500.0 and rows["ghost"]["revenue"] == 80.0
        page = _text(c.get("/campaigns").text)
        assert MIXED in page and UNKNOWN in page


def test_the_html_report_gives_the_campaign_reports_notes(path):
    from tribescope.report import render_report
    from tribescope.web._data import clear_cache

    clear_cache()
    ws = connect(path, read_only=True)
    try:
        page = _text(render_report(ws))
    finally:
        ws.close()
    assert MIXED in page and UNKNOWN in page
