"""The README's Python API example runs as written, on synth exports, and gives what the CLI gives."""

from __future__ import annotations

import os
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Python API") :]
    (code,) = re.findall(r"```python\n(.*?)```", section[: section.index("\n## ", 3)], re.S)
    return code


def test_readme_python_example_runs_and_scores_as_the_cli(tmp_path, monkeypatch):
    from tribescope.synth import generate

    generate(tmp_path / "exports", "xs", 2)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(_python_block(), str(README), "exec"), scope)  # the README's own example
    best, why, pairs = scope["best"], scope["why"], scope["pairs"]
    assert len(best) == 5 and best[0]["community_score"] >= best[-1]["community_score"]
    assert why["creator_id"] == best[0]["creator_id"] and why["community_score"] == best[0]["community_score"]
    assert pairs.num_rows == 3  # three creators, three pairs
    # the same exports through the CLI, into another workspace, give the same scores
    import csv

    from typer.testing import CliRunner

    from tribescope.cli import app

    w, out = os.fspath(tmp_path / "cli.duckdb"), tmp_path / "cli.csv"
    for args in (["import", "exports"], ["score", "--out", os.fspath(out)]):
        r = CliRunner().invoke(app, ["-w", w, *args])
        assert r.exit_code == 0, r.output
    with out.open(encoding="utf-8") as f:
        cli = {(x["platform"], x["creator_id"]): float(x["community_score"]) for x in csv.DictReader(f)}
    for b in best:
        assert abs(cli[(b["platform"], b["creator_id"])] - b["community_score"]) < 1e-6


def _bakery(path):
    """A small workspace: creator ``cre`` (Instagram), two posts, the bakery thread of ten comments."""
    try:
        from ._score_fixtures import BAKERY_COMMENTS, T0
        from ._score_fixtures import insert as put
    except ImportError:  # run as top-level modules
        from _score_fixtures import BAKERY_COMMENTS, T0  # type: ignore[no-redef]
        from _score_fixtures import insert as put  # type: ignore[no-redef]
    import tribescope

    ws = tribescope.connect(path)
    put(
        ws,
        "posts",
        [
            {"platform": "instagram", "post_id": p, "creator_id": "cre", "created_at": T0, "likes": 10}
            for p in ("p1", "p2")
        ],
    )
    put(
        ws, "accounts", [{"platform": "instagram", "account_id": "cre", "username": "cre", "followers": 1000}]
    )
    put(ws, "comments", BAKERY_COMMENTS)
    ws.close()


def test_scoring_doc_example_runs_as_written(tmp_path, monkeypatch):
    """docs/scoring.md's Python example, as written (its workspace and creator named for this one)."""
    import pyarrow as pa

    doc = (README.parent / "docs" / "scoring.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", doc, re.S)
    assert '"brand.duckdb"' in code and '"somecreator"' in code
    monkeypatch.chdir(tmp_path)
    _bakery(tmp_path / "brand.duckdb")
    scope: dict = {}
    exec(
        compile(code.replace('explain(ws, "somecreator")', 'why = explain(ws, "cre")'), "scoring.md", "exec"),
        scope,
    )
    scores, why, ws = scope["scores"], scope["why"], scope["ws"]
    assert isinstance(scores, pa.Table) and scores.num_rows == 1
    assert (
        ws.table("creator_scores").to_pyarrow().column("community_score").to_pylist()
        == scores.column("community_score").to_pylist()
    )  # "also stored as the derived table creator_scores"
    assert (
        why["creator_id"] == "cre" and why["community_score"] == scores.column("community_score")[0].as_py()
    )
    assert {"components", "spec"} <= set(why)
    ws.close()


def test_readme_python_api_errors_are_what_it_says(tmp_path):
    """The paragraph under the README's example: a path for a workspace is a TypeError naming the function; a write
    to a read-only workspace a WorkspaceError saying what was to be written; an unknown creator CreatorNotFound; a
    number outside its CLI option's range a NicheError / BrandError naming the parameter; all TribescopeErrors; one
    string where a list of names is expected is one item."""
    import pytest

    import tribescope
    from tribescope.brand import BrandError, ambassadors
    from tribescope.niche import NicheError, inner_circle, niche_groups, overlap, resolve_creators, similar
    from tribescope.score import explain, score_workspace
    from tribescope.sponsored import classify_posts

    path = tmp_path / "brand.duckdb"
    _bakery(path)
    for fn in (
        explain,
        similar,
        inner_circle,
        resolve_creators,
        classify_posts,
        niche_groups,
        score_workspace,
    ):
        with pytest.raises(TypeError, match=fn.__name__):
            fn(str(path)) if fn in (niche_groups, score_workspace, classify_posts) else fn(str(path), "cre")
    ws = tribescope.connect(path, read_only=True)
    try:
        with pytest.raises(tribescope.WorkspaceError, match="read-only") as exc:
            score_workspace(ws)
        assert "creator_scores" in str(exc.value)
        nobody = ("instagram", "nobody")
        for call in (
            lambda: explain(ws, "nobody"),
            lambda: overlap(ws, [nobody, ("instagram", "cre")]),
            lambda: inner_circle(ws, nobody),
            lambda: similar(ws, nobody),
            lambda: resolve_creators(ws, ["nobody"]),
            lambda: classify_posts(ws, creator="nobody"),
        ):
            with pytest.raises(tribescope.CreatorNotFound):
                call()
        for call, err, param in (
            (lambda: similar(ws, ("instagram", "cre"), n=0), NicheError, "n=0"),
            (lambda: niche_groups(ws, alpha=2), NicheError, "alpha=2"),
            (lambda: ambassadors(ws, "Any", limit=-1), BrandError, "limit=-1"),
        ):
            with pytest.raises(err, match=param) as got:
                call()
            assert isinstance(got.value, tribescope.TribescopeError)
        assert issubclass(tribescope.CreatorNotFound, tribescope.TribescopeError)
        assert resolve_creators(ws, "cre") == resolve_creators(ws, ["cre"]) == [("instagram", "cre")]
    finally:
        ws.close()
