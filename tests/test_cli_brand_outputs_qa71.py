"""What the brand and campaign commands print beside an ``--out`` file (QA round 71)."""

from __future__ import annotations

from typer.testing import CliRunner

from tribescope.cli import app

try:  # tests/ may or may not be a package
    from ._score_fixtures import insert as _put
except ImportError:
    from _score_fixtures import insert as _put  # type: ignore[no-redef]


def test_posts_with_out_says_the_rest_is_in_the_file_not_to_pass_out(ws, tmp_path):
    """`posts --limit 2 --out p.csv` ended with "… 3 more rows (use --out FILE for all)" — advice to a user who had
    just given it — and `--limit 0 --out p.csv` printed an empty table's header; `tribescope score` already said
    "… N more in FILE" and printed no table of no rows."""
    _put(
        ws,
        "posts",
        [
            {"platform": "instagram", "post_id": f"p{i}", "creator_id": "alice", "caption": f"post {i}"}
            for i in range(5)
        ],
    )
    path = ws.path
    ws.close()
    out = tmp_path / "p.csv"
    run = CliRunner().invoke
    res = run(
        app, ["--workspace", str(path), "posts", "--limit", "2", "--out", str(out)], env={"COLUMNS": "200"}
    )
    assert res.exit_code == 0, res.output
    assert "use --out FILE" not in res.output and f"… 3 more rows in {out}, with every column" in res.output
    assert f"wrote 5 rows to {out}" in res.output
    res = run(
        app, ["--workspace", str(path), "posts", "--limit", "0", "--out", str(out)], env={"COLUMNS": "200"}
    )
    assert res.exit_code == 0, res.output
    assert "┃" not in res.output and "more" not in res.output and f"wrote 5 rows to {out}" in res.output
    res = run(app, ["--workspace", str(path), "posts", "--limit", "2"], env={"COLUMNS": "200"})
    assert "… 3 more rows (use --out FILE for all)" in res.output
