"""Sorting the creator list by every column the dashboard's sort menu offers: "platform" and "creator_id" (the
tie-breakers of every sort) were an internal server error on the leaderboard, the JSON API and the CSV."""

from __future__ import annotations

import csv
import io

import pytest

pytest.importorskip("fastapi")

try:  # tests/ may or may not be a package
    from ._web_fixtures import pipeline_client
except ImportError:
    from _web_fixtures import pipeline_client  # type: ignore[no-redef]

client = pipeline_client  # the module's `client` fixture: a TestClient over the synth xs pipeline workspace


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort", ["platform", "creator_id"])
def test_sorting_by_a_tie_breaker_pages_every_creator_once_in_order(client, sort, order):
    everyone = client.get("/api/creators", params={"page_size": 500}).json()
    want = sorted(
        ((r["platform"], r["creator_id"]) for r in everyone["items"]),
        key=lambda k: k if sort == "platform" else (k[1], k[0]),
        reverse=order == "desc",
    )
    if sort == "platform":  # ties (one platform) by id, ascending, whatever the order
        plats = sorted({p for p, _ in want}, reverse=order == "desc")
        want = [(p, i) for p in plats for p, i in sorted(k for k in want if k[0] == p)]
    got = []
    for page in range(1, 6):  # 40 creators, 9 a page
        r = client.get("/api/creators", params={"sort": sort, "order": order, "page_size": 9, "page": page})
        assert r.status_code == 200, r.text
        got += [(x["platform"], x["creator_id"]) for x in r.json()["items"]]
    assert len(want) == 40 and got == want
    r = client.get("/api/creators.csv", params={"sort": sort, "order": order})
    assert r.status_code == 200, r.text
    assert [(x["platform"], x["creator_id"]) for x in csv.DictReader(io.StringIO(r.text))] == want
    page = client.get("/", params={"sort": sort, "order": order})
    assert page.status_code == 200
    assert f'<option value="{sort}" selected>' in page.text
