"""Property-based API tests: requests generated from the OpenAPI schema never cause a server error,
and responses match the documented status codes, content types and schemas.

Schemathesis' own pytest plugin does not run under pytest 9, so each operation is driven here with
Hypothesis directly (``operation.as_strategy()`` → ``case.call_and_validate()``).
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

try:  # tests/ may or may not be a package
    from ._web_fixtures import workspace
except ImportError:
    from _web_fixtures import workspace  # type: ignore[no-redef]
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from tribescope.web import create_app  # noqa: E402

OPERATIONS = [
    ("GET", "/api/health"),
    ("GET", "/api/summary"),
    ("GET", "/api/creators"),
    ("GET", "/api/creators.csv"),
    ("GET", "/api/creators/{platform}/{creator_id}"),
    ("GET", "/api/creators/{platform}"),
    ("GET", "/api/niches"),
    ("GET", "/api/niches.csv"),
    ("GET", "/api/niches/creators"),
    ("GET", "/api/niches/creators.csv"),
    ("GET", "/api/brands"),
    ("GET", "/api/brands.csv"),
    ("GET", "/api/campaigns"),
    ("GET", "/api/campaigns.csv"),
    ("GET", "/api/campaigns/labels"),
    ("GET", "/api/campaigns/labels.csv"),
    ("GET", "/api/overlap"),
    ("GET", "/api/overlap.csv"),
    ("GET", "/api/plan"),
    ("GET", "/api/plan.csv"),
    ("GET", "/api/similar"),
    ("GET", "/api/similar.csv"),
    ("POST", "/api/jobs/import"),
    ("POST", "/api/jobs/score"),
    ("GET", "/api/jobs"),
    ("GET", "/api/jobs/{job_id}"),
]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    # TestClient-style ASGI calls send Host: testserver
    app = create_app(workspace(tmp_path_factory, scored=False), allowed_hosts=["testserver"])
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


def test_every_operation_is_fuzzed(api_schema):
    have = {(r.ok().method.upper(), r.ok().path) for r in api_schema.get_all_operations()}
    assert have == set(OPERATIONS)


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_never_fails(api_schema, method, path):
    op = api_schema[path][method]

    @given(case=op.as_strategy())
    @settings(
        max_examples=6,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def run(case):
        # Every other built-in check runs (no 5xx, status codes, content types, response schemas, auth,
        # negative data rejected). Left out: "schema-valid request accepted" — `sort` names a column of
        # the workspace's score table, which the schema cannot enumerate, so an unknown one is a 400.
        case.call_and_validate(timeout=60, excluded_checks=[positive_data_acceptance])

    run()
