"""A component with a value that the score left out (its `min_support`: five profiled commenters behind a real-follower
share) was drawn on the creator page and in the report with its value and no score, nothing saying why, while
`explain` said "too little data: profiled_commenters 5 < 10 (min_support)". The API's components and the page now give
explain's reason."""

from __future__ import annotations

import html
import re

import pytest

pytest.importorskip("fastapi")

try:  # the tests folder may or may not be a package
    from ._web_fixtures import pipeline_workspace
except ImportError:
    from _web_fixtures import pipeline_workspace  # type: ignore[no-redef]

from fastapi.testclient import TestClient

from tribescope.store import connect
from tribescope.web import create_app

BASE = "http://127.0.0.1"
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")


def test_left_out_components_say_why_as_explain_does(tmp_path_factory):
    from tribescope.score import explain

    w = pipeline_workspace(tmp_path_factory)
    with TestClient(create_app(w), base_url=BASE) as c:
        items = c.get("/api/creators?page_size=500").json()["items"]
        found = None
        for x in items:
            d = c.get(f"/api/creators/{x['platform']}/{x['creator_id']}").json()
            left = {r["component"]: r["missing"] for r in d["components"]["data"] if r["missing"]}
            if any(r["value"] is not None and r["score"] is None for r in d["components"]["data"]):
                found = x
                break
        assert found is not None, "synth xs seed 1 has creators with too few profiled commenters"
        page = html.unescape(c.get(f"/creator/{found['platform']}/{found['creator_id']}").text)
        c.app.state.store.close()
    # every component with a value and no score has a reason, and only those
    assert set(left) == {
        r["component"] for r in d["components"]["data"] if r["value"] is not None and r["score"] is None
    }
    ws = connect(w, read_only=True)
    try:
        ex = explain(ws, f"{found['platform']}:{found['creator_id']}")
    finally:
        ws.close()
    assert left == {k["name"]: k["missing"] for k in ex["components"] if k["name"] in left}
    assert all(v.startswith("too little data: ") for v in left.values()), left
    note = re.search(r'<p class="note left-out">(.*?)</p>', page, re.S)
    assert note is not None
    for name, why in left.items():
        assert f"{name} — {why}" in note.group(1)
