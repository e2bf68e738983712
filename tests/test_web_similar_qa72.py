"""The dashboard's lookalike page takes a creator as /api/similar and `tribescope similar` do — by id, or by handle in
any case: /similar?creator=youtube:cookswithmax was a 404 "no creator" while /api/similar answered it."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")

try:  # tests/ may or may not be a package
    from ._web_fixtures import pipeline_client
except ImportError:
    from _web_fixtures import pipeline_client  # type: ignore[no-redef]

client = pipeline_client  # the module's `client` fixture: a TestClient over the synth xs pipeline workspace


def _listed(html: str) -> list[str]:
    table = html.split('id="lookalikes"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'class="creator-link" href="/creator/([^"]+)"', table)


@pytest.mark.parametrize("name", ["cookswithmax", "CooksWithMax", "@cookswithmax"])
def test_the_lookalike_page_takes_a_handle_as_the_api_does(client, name):
    (me,) = client.get("/api/creators", params={"q": "cookswithmax"}).json()["items"]
    by_id = client.get("/similar", params={"creator": f"youtube:{me['creator_id']}"})
    assert by_id.status_code == 200
    api = client.get("/api/similar", params={"creator": f"youtube:{name}"}).json()
    page = client.get("/similar", params={"creator": f"youtube:{name}"})
    assert page.status_code == 200, page.text[:300]
    assert "<h1>Creators like cookswithmax</h1>" in page.text
    want = [f"{r['platform']}/{r['creator_id']}" for r in api["items"]]
    assert len(want) == 10 and _listed(page.text) == want == _listed(by_id.text)


def test_an_unknown_creator_is_a_404_naming_the_platform_as_the_api_does(client):
    r = client.get("/similar", params={"creator": "YouTube:nobody-here"})
    assert r.status_code == 404
    assert "no creator youtube:nobody-here in this workspace" in r.text
