"""The API's answers at its edges: `scored` on a workspace never scored, numbers refused with the allowed range, an
unknown brand in a plan."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

try:  # tests/ may or may not be a package
    from ._web_fixtures import pipeline_workspace, unscored_pipeline_workspace
except ImportError:
    from _web_fixtures import pipeline_workspace, unscored_pipeline_workspace  # type: ignore[no-redef]
from fastapi.testclient import TestClient

from tribescope.web import create_app

BASE = "http://127.0.0.1"
A, B = "youtube:cookswithmax", "youtube:nilsgaming"


@pytest.fixture(scope="module")
def unscored(tmp_path_factory):
    with TestClient(create_app(unscored_pipeline_workspace(tmp_path_factory)), base_url=BASE) as c:
        yield c


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    with TestClient(create_app(pipeline_workspace(tmp_path_factory)), base_url=BASE) as c:
        yield c


def _handles(client):
    items = client.get("/api/creators", params={"page_size": 3}).json()["items"]
    return [f"{r['platform']}:{r['creator_id']}" for r in items]


@pytest.mark.parametrize(
    "path",
    ["/api/similar?creator={a}&n=2", "/api/overlap?creators={a}&creators={b}", "/api/plan?budget=5000"],
    ids=["similar", "overlap", "plan"],
)
def test_scored_is_false_on_a_workspace_never_scored(unscored, scored, path):
    """/api/similar (and overlap, plan) said `scored: true` on a workspace without a score, beside lookalikes whose
    community_score and label were all empty; the creator list said `scored: false` for the same workspace."""
    a, b = _handles(unscored)[:2]
    got = unscored.get(path.format(a=a, b=b))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["available"] is True
    assert body["scored"] is False
    assert unscored.get("/api/creators").json()["scored"] is False
    a, b = _handles(scored)[:2]
    assert scored.get(path.format(a=a, b=b)).json()["scored"] is True


@pytest.mark.parametrize(
    ("query", "msg"),
    [
        ("min_score=nan", "min_score must be a number from 0 to 100"),
        ("min_score=inf", "min_score must be a number from 0 to 100"),
        ("min_score=-1", "min_score must be a number from 0 to 100"),
        ("min_score=abc", "min_score must be a number from 0 to 100"),
        ("max_score=100.5", "max_score must be a number from 0 to 100"),
        ("page=0", "page must be a whole number from 1 to 1,000,000"),
        ("page_size=1.5", "page_size must be a whole number from 1 to 500"),
    ],
)
def test_a_number_out_of_range_names_the_parameter_and_its_range(unscored, query, msg):
    """`min_score=nan` (or inf) was refused with 'Input should be less than or equal to 100' — true of no NaN, and
    only half the range; `-1` said only '≥ 0'."""
    got = unscored.get(f"/api/creators?{query}")
    assert got.status_code == 422
    (problem,) = got.json()["detail"]
    assert problem["msg"] == msg
    assert problem["loc"] == ["query", query.split("=")[0]]


def test_the_plan_budget_names_both_bounds(unscored):
    got = unscored.get("/api/plan?budget=nan")
    assert got.status_code == 422
    assert got.json()["detail"][0]["msg"] == "budget must be a number > 0 and ≤ 1,000,000,000,000"


def test_a_plan_for_an_unknown_brand_is_a_404(unscored):
    """It was a 200 with `available: false` (read as 'not computed yet'), as for a plan the workspace cannot make."""
    for path in ("/api/plan", "/api/plan.csv"):
        got = unscored.get(path, params={"budget": 1000, "brand": "nobrand"})
        assert got.status_code == 404, got.text
        assert "no brand 'nobrand'" in got.json()["error"]
    assert unscored.get("/api/plan", params={"budget": 1000}).status_code == 200


@pytest.mark.parametrize("path", ["/api/creators", "/api/plan?budget=1000", "/api/plan.csv?budget=1000"])
def test_an_unknown_platform_is_a_422_naming_the_platforms(unscored, path):
    """`platform=tiktk` was a 200 of no creator (the plan's a 200 'available: false'), as if none were on it."""
    got = unscored.get(path + ("&" if "?" in path else "?") + "platform=tiktk")
    assert got.status_code == 422, got.text
    (problem,) = got.json()["detail"]
    assert problem["loc"] == ["query", "platform"]
    assert (
        problem["msg"]
        == "platform must be one of youtube, instagram, tiktok, reddit, discord, patreon, twitter, generic"
    )


def test_a_known_platform_in_any_case_and_an_empty_one_still_filter(unscored):
    every = unscored.get("/api/creators").json()["total"]
    yt = unscored.get("/api/creators", params={"platform": "youtube"}).json()["total"]
    assert 0 < yt < every
    assert unscored.get("/api/creators", params={"platform": "YouTube"}).json()["total"] == yt
    assert unscored.get("/api/creators", params={"platform": ""}).json()["total"] == every


def test_the_dashboard_names_a_refused_parameter_once(unscored):
    """'page: page must be …' on the dashboard's error page once the message names its parameter."""
    page = unscored.get("/?page=abc").text
    assert "invalid request: page must be a whole number from 1 to 1,000,000 (got &#39;abc&#39;)" in page
