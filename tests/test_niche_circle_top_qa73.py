"""`tribescope circle --top N`: `--top 0` printed the table's title and headers over no row; a table cut at N rows did
not say how many were left out (the summary line counts the whole circle)."""

from __future__ import annotations

import sys

import pytest

try:  # tests/ may or may not be a package
    from ._web_fixtures import pipeline_workspace
except ImportError:
    from _web_fixtures import pipeline_workspace  # type: ignore[no-redef]

from tribescope import cli
from tribescope.store import connect


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory):
    return pipeline_workspace(tmp_path_factory)


def _creator(path):
    ws = connect(path, read_only=True)
    try:
        p, c = ws.duck.execute(
            "SELECT platform, creator_id FROM creator_scores ORDER BY community_score DESC NULLS LAST LIMIT 1"
        ).fetchone()
    finally:
        ws.close()
    return f"{p}:{c}"


def _circle(path, monkeypatch, capsys, *args):
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(
        sys, "argv", ["tribescope", "--workspace", str(path), "circle", _creator(path), *args]
    )
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code in (0, None)
    return capsys.readouterr().out


def _inner(out):
    """The inner circle's size from the summary line: advocates + contributors."""
    import re

    counts = {k: int(n.replace(",", "")) for n, k in re.findall(r"([\d,]+) (advocates?|contributors?)", out)}
    return sum(counts.values())


def test_top_0_lists_no_table_and_says_so(ws_path, monkeypatch, capsys):
    out = _circle(ws_path, monkeypatch, capsys, "--top", "0")
    n = _inner(out)
    assert n > 1
    assert "level_name" not in out  # no headers over no row
    assert f"{n:,} members in the inner circle, none listed (--top 0)" in out


def test_a_cut_table_says_how_many_more(ws_path, monkeypatch, capsys):
    out = _circle(ws_path, monkeypatch, capsys, "--top", "1")
    n = _inner(out)
    assert "level_name" in out
    assert f"… {n - 1:,} more in the inner circle; --top N lists more" in out
