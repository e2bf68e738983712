"""A scored creator's profile imported again with another follower count (39,900 → 250,000: tier micro → mid, and the
score moves with it when re-scored) — the creator page showed the old count and score with no word that the data
changed, and `tribescope status` said nothing; both said so only for changed posts or comments."""

from __future__ import annotations

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
HEADER = "platform,account_id,username,full_name,bio,followers,following,posts,is_verified\n"


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """synth xs (scored) after cookswithmax's profile is imported again with 250,000 followers."""
    from tribescope.ingest import import_paths
    from tribescope.store import connect

    tmp = tmp_path_factory.mktemp("grown")
    path = tmp / "ws.duckdb"
    shutil.copy(pipeline_workspace(tmp_path_factory), path)
    ws = connect(path)
    try:
        (cid,) = ws.duck.execute(
            "SELECT creator_id FROM creator_scores WHERE handle = 'cookswithmax'"
        ).fetchone()
        acc = tmp / "accounts.csv"
        acc.write_text(HEADER + f"youtube,{cid},cookswithmax,Cookswithmax,Food creator,250000,0,110,false\n")
        import_paths(ws, [acc])
    finally:
        ws.close()
    return path, cid


def test_the_creator_page_says_the_follower_count_changed_since_the_score(grown):
    path, cid = grown
    with TestClient(create_app(path), base_url=BASE) as c:
        d = c.get(f"/api/creators/youtube/{cid}").json()
        page = c.get(f"/creator/youtube/{cid}").text
        other = c.get("/api/creators", params={"q": "devwitharjun"}).json()["items"][0]
        untouched = c.get(f"/api/creators/youtube/{other['creator_id']}").json()
    assert (
        d["creator"]["followers"] == 39_900 and d["profile"]["followers"] == 250_000
    )  # the score's, the data's
    assert d["stale"] == (
        "the data changed since the score: followers 39,900 then, 250,000 now — run `tribescope score` to score it again"
    )
    assert "followers 39,900 then, 250,000 now" in page
    assert untouched["stale"] is None


def test_status_counts_the_scored_creators_whose_follower_count_changed(grown):
    from tests._score_fixtures import run_cli

    code, out, err = run_cli(str(grown[0]), "status")
    assert code == 0, out + err
    assert "since then the follower count of 1 scored creator changed — run `tribescope score`" in out, out


def test_the_report_says_the_follower_count_changed_since_the_score(grown):
    from tribescope.report import render_report
    from tribescope.store import connect

    ws = connect(grown[0], read_only=True)
    try:
        page = render_report(ws, top=3, evidence=0)
    finally:
        ws.close()
    assert (
        "The follower count of 1 scored creator changed since the last score: its score, tier and followers are the "
        "stored ones" in page
    )
    assert "The posts or comments of" not in page  # only the profile changed
