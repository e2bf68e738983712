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
