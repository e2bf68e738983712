"""The dashboard's "ROI per creator" chart over a workspace with two campaigns of the same creators: one bar per
campaign row, each at its own ROI. The bars were keyed by handle alone, so Vega-Lite stacked a creator's two
campaigns into one bar (KiraGames −0.71 in spring and −1.00 in autumn drawn as one bar reaching −1.71)."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

pytest.importorskip("fastapi")

try:  # tests/ may or may not be a package
    from ._web_fixtures import pipeline_workspace
except ImportError:
    from _web_fixtures import pipeline_workspace  # type: ignore[no-redef]
from fastapi.testclient import TestClient

from tribescope.web import create_app

BASE = "http://127.0.0.1"


@pytest.fixture(scope="module")
def two_campaigns(tmp_path_factory):
    """synth xs with its spring campaign, and an autumn one of the same eight creators (codes nobody used)."""
    from tribescope.campaigns import import_campaign
    from tribescope.store import connect

    tmp = tmp_path_factory.mktemp("two-campaigns")
    path = tmp / "ws.duckdb"
    shutil.copy(pipeline_workspace(tmp_path_factory), path)
    ws = connect(path)
    try:
        spring = ws.table("campaign_plan").execute()
        plan = tmp / "autumn_plan.csv"
        with plan.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(
                ["campaign_id", "brand", "creator_platform", "creator_id", "handle", "cost", "currency"]
            )
            w.writerows(
                ["autumn-26", r.brand, r.creator_platform, r.creator_id, r.handle, r.cost, r.currency]
                for r in spring.itertuples()
            )
            w.writerow([])
        import_campaign(ws, plan=plan)
    finally:
        ws.close()
    return path


def test_each_campaign_row_is_its_own_bar_at_its_own_roi(two_campaigns):
    with TestClient(create_app(two_campaigns), base_url=BASE) as c:
        rows = c.get("/api/campaigns", params={"page_size": 500}).json()["items"]
        page = c.get("/campaigns").text
    assert len(rows) == 16 and {r["campaign_id"] for r in rows} == {"brightfold-spring26", "autumn-26"}
    spec = json.loads(page.split('id="spec-campaign-roi">', 1)[1].split("</script>", 1)[0])
    y, x = spec["encoding"]["y"]["field"], spec["encoding"]["x"]
    drawn = {(v[y], v[x["field"]]) for v in spec["data"]["values"]}
    names = [name for name, _ in drawn]
    assert len(drawn) == len(names) == len(set(names)) == 16  # one bar per campaign row, none shares a name
    # each bar at its row's ROI, named by the creator (as the leaderboard names it: the plan's "KiraGames" is
    # kiragames there) and its campaign
    want = {(f"{r['handle']} · {r['campaign_id']}".lower(), r["roi"]) for r in rows}
    assert {(name.lower(), roi) for name, roi in drawn} == want
    assert x.get("stack", "zero") is None  # bars are never summed
