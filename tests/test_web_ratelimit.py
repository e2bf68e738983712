"""Rate limit on the expensive endpoints: token bucket per client IP, 429 + Retry-After, cheap reads free."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

try:  # tests/ may or may not be a package
    from ._web_fixtures import workspace
except ImportError:
    from _web_fixtures import workspace  # type: ignore[no-redef]
from fastapi.testclient import TestClient

from tribescope.web import create_app
from tribescope.web._ratelimit import TokenBuckets, is_expensive

BASE = "http://127.0.0.1"


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory):
    return workspace(tmp_path_factory, scored=False)


def test_token_bucket_exact_refill():
    now = [100.0]
    b = TokenBuckets(rate=2.0, burst=3, clock=lambda: now[0])
    assert [b.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert b.take("a") == pytest.approx(0.5)  # empty: one token comes back after 1 / 2 s
    assert b.take("b") == 0.0  # another client has its own bucket
    now[0] += 0.5
    assert b.take("a") == 0.0
    assert b.take("a") == pytest.approx(0.5)
    now[0] += 60  # refill is capped at the burst
    assert [b.take("a") for _ in range(4)][-1] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("method", "path", "query", "expensive"),
    [
        ("GET", "/api/creators", b"", False),
        ("GET", "/api/creators", b"format=csv", True),
        ("GET", "/api/creators.csv", b"", True),
        ("GET", "/api/creators/instagram/alice_bakes", b"", False),
        ("GET", "/api/creators/instagram/alice_bakes", b"evidence=true", True),
        ("GET", "/creator/instagram/alice_bakes", b"evidence=1", True),
        # every spelling FastAPI reads as true asks for the evidence (t, y, T, Y were free of the limit)
        *(
            ("GET", "/api/creators/instagram/alice_bakes", b"evidence=" + v, True)
            for v in (b"t", b"Y", b"On", b"yes")
        ),
        *(
            ("GET", "/creator/instagram/alice_bakes", b"evidence=" + v, False)
            for v in (b"0", b"F", b"no", b"off")
        ),
        ("GET", "/api/overlap", b"creators=a:b&creators=c:d", True),
        ("GET", "/api/plan", b"budget=100", True),
        ("GET", "/campaigns", b"", False),
        ("GET", "/campaigns", b"budget=100", True),
        ("POST", "/api/jobs/score", b"", True),
        ("GET", "/api/jobs", b"", False),
        ("GET", "/api/health", b"", False),
        ("GET", "/", b"", False),
    ],
)
def test_which_requests_are_expensive(method, path, query, expensive):
    assert is_expensive(method, path, query) is expensive


def test_over_the_limit_gives_429_and_cheap_endpoints_stay_free(ws_path):
    app = create_app(ws_path, rate_limit=0.01, rate_burst=3)  # one token per 100 s: no refill in this test
    try:
        with TestClient(app, base_url=BASE) as c:
            assert [c.get("/api/creators.csv").status_code for _ in range(3)] == [200, 200, 200]
            r = c.get("/api/creators?format=csv")
            assert r.status_code == 429
            wait = int(r.headers["retry-after"])  # ≈ 100 s, less the time the 3 exports took
            assert 90 <= wait <= 100
            assert r.headers["content-type"] == "application/json"
            assert r.json() == {
                "error": f"too many expensive requests from this client; retry in {wait} s",
                "retry_after": wait,
            }
            assert r.headers["x-content-type-options"] == "nosniff"
            assert c.get("/api/overlap?creators=instagram:a&creators=instagram:b").status_code == 429
            assert c.get("/api/creators/instagram/alice_bakes?evidence=true").status_code == 429
            # the leaderboard, details without evidence, health and pages are not limited
            assert {c.get("/api/creators").status_code for _ in range(30)} == {200}
            assert c.get("/api/creators/instagram/alice_bakes").status_code == 200
            assert c.get("/api/health").status_code == 200
            assert c.get("/").status_code == 200
    finally:
        app.state.store.close()


def test_limit_can_be_turned_off_and_unauthorised_requests_use_no_tokens(ws_path):
    app = create_app(ws_path, rate_limit=None)
    try:
        with TestClient(app, base_url=BASE) as c:
            assert {c.get("/api/creators.csv").status_code for _ in range(20)} == {200}
    finally:
        app.state.store.close()
    app = create_app(ws_path, token="s3cret", rate_limit=0.01, rate_burst=1)
    try:
        with TestClient(app, base_url=BASE) as c:
            assert [c.get("/api/creators.csv").status_code for _ in range(3)] == [401, 401, 401]
            auth = {"Authorization": "Bearer s3cret"}
            assert [c.get("/api/creators.csv", headers=auth).status_code for _ in range(2)] == [200, 429]
    finally:
        app.state.store.close()
