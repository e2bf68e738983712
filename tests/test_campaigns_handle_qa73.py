"""`campaign report` named a creator as the plan file wrote it ("MaxCoach") where the workspace, `score` and the
dashboard name them by their handle ("maxcoach"); a row whose account is not in the workspace keeps the plan's."""

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


def _renamed(path):
    """The plan rows whose handle is not the workspace's (synth writes some capitalised), with the workspace's."""
    ws = connect(path, read_only=True)
    try:
        return dict(
            ws.duck.execute(
                "SELECT p.handle, a.username FROM campaign_plan p JOIN accounts a "
                "ON a.platform = p.creator_platform AND a.account_id = p.creator_id WHERE p.handle <> a.username"
            ).fetchall()
        )
    finally:
        ws.close()


def test_the_report_names_each_creator_by_the_workspaces_handle(ws_path):
    from tribescope.campaigns import campaign_report

    renamed = _renamed(ws_path)
    assert renamed, "synth writes some plan handles in another case"
    ws = connect(ws_path, read_only=True)
    try:
        handles = set(campaign_report(ws, n_boot=50).creators.column("handle").to_pylist())
    finally:
        ws.close()
    for plan_handle, username in renamed.items():
        assert username in handles
        assert plan_handle not in handles


def test_the_command_line_prints_the_workspaces_handle(ws_path, monkeypatch, capsys):
    renamed = _renamed(ws_path)
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setattr(sys, "argv", ["tribescope", "--workspace", str(ws_path), "campaign", "report"])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    assert exc.value.code in (0, None)
    cells = {c.strip() for line in capsys.readouterr().out.splitlines() for c in line.split("│")}
    for plan_handle, username in renamed.items():
        assert username in cells and plan_handle not in cells
