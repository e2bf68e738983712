"""A workspace scored with the user's own spec (`tribescope score --spec FILE`), as the e-mailed report shows it: the
report reads the stored scores with the same spec (`tribescope report --spec FILE`), so its creator sections'
evidence is that spec's, without the warning that another spec made the score."""

from __future__ import annotations

import html
import re
from importlib import resources
from pathlib import Path

import pytest

pytest.importorskip("tribescope.score")

from tribescope.score import score_creators

try:  # the tests folder may or may not be a package
    from ._score_fixtures import bakery, run_cli
    from ._web_fixtures import score_job
except ImportError:
    from _score_fixtures import bakery, run_cli  # type: ignore[no-redef]
    from _web_fixtures import score_job  # type: ignore[no-redef]

DEFAULT = resources.files("tribescope.score").joinpath("spec.toml").read_text("utf-8")
#: a signal that holds for every creator with posts, worded so that only this spec can print it
OWN_SIGNAL = '\n[[signal]]\nwhen = "n_posts >= 1"\ntext = "house rule: {:.0f} posts checked by hand"\n'


def _own_spec(tmp_path: Path) -> Path:
    text = re.sub(r'(?m)^version = "[^"]*"', 'version = "7.7.7-house"', DEFAULT, count=1) + OWN_SIGNAL
    p = tmp_path / "house.toml"
    p.write_text(text, encoding="utf-8")
    return p


#: the report's niche topics (NMF) on a three-creator workspace: sklearn's loss warns; not what these tests are about
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_report_reads_a_score_with_the_spec_that_made_it(ws, tmp_path):
    from tribescope.report import render_report

    bakery(ws)
    spec = _own_spec(tmp_path)
    stored = score_creators(ws, spec, sentiment=False).to_pylist()
    assert {r["spec_version"] for r in stored} == {"7.7.7-house"}

    own = _text(render_report(ws, top=1, evidence=1, spec=spec))
    assert "house rule: " in own  # the evidence lists this spec's signals …
    assert (
        "the stored score was computed with spec" not in own
    )  # … and does not say another spec made the score

    packaged = _text(render_report(ws, top=1, evidence=1))  # without it: the packaged spec, and it says so
    assert "house rule: " not in packaged
    assert "the stored score was computed with spec 7.7.7-house" in packaged


def test_the_report_says_which_spec_made_the_scores(ws, tmp_path):
    """Its leaderboard names the spec that made the stored scores, with the hash that tells an edited copy whose
    version was not bumped (as `tribescope score` titles its table); it said nothing of it."""
    from tribescope.report import render_report
    from tribescope.score import load_spec

    bakery(ws)
    spec = _own_spec(tmp_path)
    score_creators(ws, spec, sentiment=False)
    sp = load_spec(spec)
    page = _text(render_report(ws, top=1, evidence=0))
    assert f"Scored with score spec 7.7.7-house, {sp.hash}." in page


def test_cli_report_spec_fails_before_writing_anything(ws, tmp_path):
    bakery(ws)
    spec = _own_spec(tmp_path)
    score_creators(ws, spec, sentiment=False)
    path = str(ws.path)
    ws.close()
    broken = tmp_path / "broken.toml"
    broken.write_text(DEFAULT.replace("weight = 0.13", "weight = -0.13", 1), encoding="utf-8")
    out = tmp_path / "r.html"
    code, stdout, stderr = run_cli(path, "report", "--out", str(out), "--spec", str(broken))
    assert code == 1
    assert "broken.toml" in stderr + stdout and "'weight' must be a number >= 0" in stderr + stdout
    assert not out.exists()

    code, stdout, stderr = run_cli(
        path, "report", "--out", str(out), "--top", "1", "--evidence", "1", "--spec", str(spec)
    )
    assert code == 0, stdout + stderr
    page = _text(out.read_text(encoding="utf-8"))
    assert "house rule: " in page and "the stored score was computed with spec" not in page


def test_the_dashboard_reads_and_rescores_with_the_spec_it_is_served_with(ws, tmp_path):
    """`serve --spec FILE`: the creator page's evidence is that spec's, and a re-score from the dashboard (`--write`)
    keeps scoring with it — it used to replace the user's scores with the packaged spec's without a word."""

    from fastapi.testclient import TestClient

    from tribescope.web import create_app

    bakery(ws)
    spec = _own_spec(tmp_path)
    score_creators(ws, spec, sentiment=False)
    path = ws.path
    ws.close()

    app = create_app(path, read_only=False, spec=spec)
    try:
        with TestClient(app, base_url="http://127.0.0.1") as c:
            got = c.get("/api/creators/instagram/cre", params={"evidence": "true"})
            assert got.status_code == 200, got.text
            ev = got.json()["explain"]
            assert ev["available"], ev
            assert any(s.startswith("house rule: ") for s in ev["data"]["evidence"]["suspicious_signals"])
            assert ev["data"]["warnings"] == []

            job = score_job(c)
            assert job["status"] == "done", job
    finally:
        app.state.store.close()
    from tribescope.store import connect

    again = connect(path, read_only=True)
    try:
        versions = again.table("creator_scores").select("spec_version").distinct().to_pyarrow()
        assert versions["spec_version"].to_pylist() == ["7.7.7-house"]
    finally:
        again.close()


def test_cli_serve_spec_fails_before_the_server_starts(ws, tmp_path):
    bakery(ws)
    path = str(ws.path)
    ws.close()
    broken = tmp_path / "broken.toml"
    broken.write_text(DEFAULT.replace('metric = "followers"', 'metric = "folowers"', 1), encoding="utf-8")
    code, stdout, stderr = run_cli(path, "serve", "--port", "0", "--spec", str(broken))
    assert code == 1
    assert "broken.toml" in stderr + stdout and "did you mean 'followers'" in stderr + stdout


def test_explain_says_an_unknown_name_as_the_niche_commands_do(ws):
    """`explain` of a typo suggests the close handle, and of a commenter says it has no posts, as `similar`, `circle`
    and `overlap` say it (docs/niche.md "as explain says it"); it said only "no creator …"."""
    from tribescope.errors import CreatorNotFound
    from tribescope.niche import resolve_creators
    from tribescope.score import explain

    bakery(ws)
    for name, says in (
        ("@cree", "did you mean 'Cre'?"),
        ("instagram:cree", "did you mean 'instagram:cre'?"),
        ("alice", "creator 'alice' has no posts in this workspace"),
    ):
        with pytest.raises(CreatorNotFound) as got:
            explain(ws, name)
        assert says in str(got.value)
        with pytest.raises(CreatorNotFound) as niche:
            resolve_creators(ws, [name])
        assert str(got.value) == str(niche.value)


def test_the_leaderboard_orders_a_specs_own_tiers_by_size(ws, tmp_path):
    """A spec naming its own tiers (`[tiers] small = 0, big = 5000, huge = 50000`): the dashboard's sort by tier
    and its tier filter list them smallest first; the sort found none of the packaged names and left every creator
    unordered, the filter listed them by name (big, huge, small)."""
    from tribescope.web._data import CreatorQuery, facets, list_creators

    try:
        from ._score_fixtures import BAKERY_POSTS, insert
    except ImportError:
        from _score_fixtures import BAKERY_POSTS, insert  # type: ignore[no-redef]

    bakery(ws)
    # carol (9,000 followers) and dave (900) post too, and a creator with 60,000 followers
    insert(
        ws,
        "accounts",
        [{"platform": "instagram", "account_id": "zed", "username": "zed", "followers": 60_000}],
    )
    more = []
    for who in ("carol", "dave", "zed"):
        for p in BAKERY_POSTS:
            more.append({**p, "post_id": f"{who}_{p['post_id']}", "creator_id": who})
    insert(ws, "posts", more)
    tiers = "[tiers]\ncreator = 0\nnano = 1_000\nmicro = 10_000\nmid = 100_000\nmacro = 500_000\nmega = 1_000_000\n"
    assert tiers in DEFAULT
    spec = tmp_path / "tiers.toml"
    spec.write_text(
        DEFAULT.replace(tiers, "[tiers]\nsmall = 0\nbig = 5_000\nhuge = 50_000\n"), encoding="utf-8"
    )
    score_creators(ws, spec, sentiment=False)

    asc = list_creators(ws, CreatorQuery(sort="tier", order="asc"))
    assert [(r["creator_id"], r["tier"]) for r in asc.rows] == [
        ("cre", "small"),
        ("dave", "small"),
        ("carol", "big"),
        ("zed", "huge"),
    ]
    desc = list_creators(ws, CreatorQuery(sort="tier", order="desc"))
    assert [r["tier"] for r in desc.rows] == ["huge", "big", "small", "small"]
    assert facets(ws)["tier"] == ["small", "big", "huge"]
