"""The creator list's label and tier filters take a label by the name every view shows it ("too little data"), and
any case, as the platform filter does; a name that is no label still matches nothing."""

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
def api(tmp_path_factory: pytest.TempPathFactory):
    app = create_app(pipeline_workspace(tmp_path_factory))
    with TestClient(app, base_url=BASE) as c:
        yield c
    app.state.store.close()


def _ids(c: TestClient, **params: str) -> list[str]:
    j = c.get("/api/creators", params={**params, "page_size": 500}).json()
    return [x["creator_id"] for x in j["items"]]


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("insufficient_data", "too little data"),
        ("insufficient_data", "Too Little Data"),
        ("insufficient_data", "insufficient data"),
        ("community_influencer", "community influencer"),
        ("community_influencer", "Community_Influencer"),
        ("broadcast_influencer", "broadcast influencer"),
    ],
)
def test_a_label_as_the_tables_show_it_filters_as_the_stored_label(api, stored: str, shown: str) -> None:
    want = _ids(api, label=stored)
    assert want  # synth xs has creators of each of these labels
    assert _ids(api, label=shown) == want  # "too little data" found nothing
    # the CSV export and the dashboard's leaderboard filter alike
    assert api.get("/api/creators.csv", params={"label": shown}).headers["x-total-count"] == str(len(want))
    page = api.get("/", params={"label": shown}).text
    assert f"{len(want)} creators" in page
    # the filter form shows the label chosen (it showed "any", and Apply dropped the filter)
    assert f'<option value="{stored}" selected>' in page


def test_a_tier_in_any_case_filters_as_the_tier(api) -> None:
    micro = _ids(api, tier="micro")
    assert micro and _ids(api, tier="Micro") == micro and _ids(api, tier=" MICRO ") == micro


def test_a_name_that_is_no_label_matches_nothing(api) -> None:
    j = api.get("/api/creators", params={"label": "influencer"}).json()
    assert j["total"] == 0 and j["items"] == []


def test_label_value_maps_every_name_of_a_label_to_the_stored_one() -> None:
    from tribescope.score._spec import LABEL_NAMES, label_value

    for stored, shown in LABEL_NAMES.items():
        assert label_value(shown) == label_value(shown.upper()) == label_value(stored) == stored
    assert label_value("reach_only") == "reach_only"  # another spec's label, as given
