"""The creator list's niche filter takes any case, as its platform, tier and label filters do: `niche=Food` found
nobody on synth xs while `niche=food` found its food creators."""

from __future__ import annotations

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
def client(tmp_path_factory):
    """synth xs with the niche category `tribescope score` gives its creators (the text classifier's, stored in
    ``creator_scores.niche_category``: lower case): food for its food creators, travel for the others."""
    from tribescope.store import connect

    path = pipeline_workspace(tmp_path_factory)
    ws = connect(path)
    try:
        ws.duck.execute("ALTER TABLE creator_scores ADD COLUMN IF NOT EXISTS niche_category VARCHAR")
        ws.duck.execute(
            "UPDATE creator_scores SET niche_category = CASE WHEN regexp_matches(handle, 'cook|chef|eats|kitchen') "
            "THEN 'food' ELSE 'travel' END"
        )
    finally:
        ws.close()
    with TestClient(create_app(path), base_url=BASE) as c:
        yield c


def _ids(client, **params) -> list[str]:
    r = client.get("/api/creators", params={"page_size": 500, **params})
    assert r.status_code == 200, r.text
    return [x["creator_id"] for x in r.json()["items"]]


def test_the_niche_filter_takes_any_case(client):
    food = _ids(client, niche="food")
    everyone = _ids(client)
    assert 0 < len(food) < len(everyone)
    assert _ids(client, niche="Food") == food
    assert _ids(client, niche=" FOOD ") == food
    csv_rows = client.get("/api/creators.csv", params={"niche": "Food"}).text.strip().splitlines()
    assert len(csv_rows) - 1 == len(food)
    assert _ids(client, niche="Foo") == []  # a whole niche, not a part of one
