"""The creator page's Posts table lists the newest 30 posts; for a creator with more it said nothing, and read as
every post of the creator. It says "the newest 30 of the N posts" (and the API gives ``post_count``)."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("fastapi")

try:  # tests/ may or may not be a package
    from ._web_fixtures import pipeline_workspace, with_posts
except ImportError:
    from _web_fixtures import pipeline_workspace, with_posts  # type: ignore[no-redef]
from fastapi.testclient import TestClient

from tribescope.web import create_app

BASE = "http://127.0.0.1"


@pytest.fixture(scope="module")
def many_posts(tmp_path_factory):
    """synth xs, with 20 more posts of chefbyilse (11 in the export: 31 in all)."""
    rows = "".join(
        f"instagram,extra{i:02d},chefbyilse,2026-07-{i + 1:02d}T10:00:00Z,image,Extra post {i},100,3,,false\n"
        for i in range(20)
    )
    return with_posts(pipeline_workspace(tmp_path_factory), tmp_path_factory.mktemp("posts"), rows)


def _posts_card(html: str) -> str:
    return html.split("<h3>Posts</h3>", 1)[1].split("</section>", 1)[0]


def test_the_posts_table_says_it_lists_the_newest_30_of_more(many_posts):
    with TestClient(create_app(many_posts), base_url=BASE) as c:
        d = c.get("/api/creators/instagram/chefbyilse").json()
        card = _posts_card(c.get("/creator/instagram/chefbyilse").text)
        other = c.get("/api/creators/youtube/UCCGAkTk9AT0okwx5ZFeQvhA").json()
        few = _posts_card(c.get("/creator/youtube/UCCGAkTk9AT0okwx5ZFeQvhA").text)
    assert d["post_count"] == 31 == len(d["posts"])
    assert card.count("<tr>") - 1 == 30
    assert re.sub(r"<[^>]+>", "", card).count("The newest 30 of the 31 posts.") == 1
    # a creator with every post in the table: no note
    assert other["post_count"] == len(other["posts"]) == few.count("<tr>") - 1 <= 30
    assert "The newest" not in few
