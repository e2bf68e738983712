"""What a user sees of the commands: ``--out`` files written when stdout is closed (``| head``), output that is not
wrapped at 80 columns when piped, counts that stay integers in JSON, the same community score in every CLI view,
notes that say when stored scores are missing or stale, and handles beside opaque ids."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests import _niche_world as W
from typer.testing import CliRunner

from tribescope.cli import app, state


def _world(path: Path) -> str:
    """Two niches of three creators (tests/_niche_world.py: ids ``fa``…, handles ``FA``…) and the brand Acme."""
    from tribescope.brand import add_brand
    from tribescope.store import connect

    ws = connect(path)
    try:
        W.build(ws)
        add_brand(
            ws, "Acme", handles=["instagram:fa"], keywords="gym workout, protein", description="Protein"
        )
    finally:
        ws.close()
    return str(path)


def _run(wsfile: str, *args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    """``tribescope -w WS ARGS…`` in-process: exit code, stdout, stderr (workspaces closed again, as ``main`` does)."""
    try:
        r = CliRunner().invoke(app, ["--workspace", wsfile, *args], env=env)
    finally:
        state.close_all()
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def unscored(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _world(tmp_path_factory.mktemp("ux") / "unscored.duckdb")


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = _world(tmp_path_factory.mktemp("ux") / "scored.duckdb")
    code, out, _ = _run(path, "score", "--no-models")
    assert code == 0, out
    return path


# ------------------------------------------------------------------------------ stdout closed (`| head`)
#: commands that print before they write their --out file, and the files they write for --out OUT.csv
PRINT_FIRST = {
    "brand show": (["brand", "show", "Acme"], ["OUT_fit.csv", "OUT_safety.csv", "OUT_evangelists.csv"]),
    "overlap": (["overlap", "fa", "ka"], ["OUT.csv"]),
    "circle": (["circle", "fa"], ["OUT.csv"]),
    "niches": (["niches"], ["OUT.csv"]),
    "posts": (["posts"], ["OUT.csv"]),
    "ambassadors": (["ambassadors", "--brand", "Acme"], ["OUT.csv"]),
    "plan": (["plan", "--brand", "Acme", "--budget", "5000"], ["OUT.csv"]),
}


def _tribescope(
    *args: str, stdout: int, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tribescope ARGS…`` in a process of its own, its stdout a pipe (never a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "tribescope", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        timeout=300,
    )


def _with_stdout_closed(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``tribescope ARGS…`` with a stdout whose reader is already gone, as ``tribescope … | head -0`` does."""
    r, w = os.pipe()
    os.close(r)
    try:
        return _tribescope(*args, stdout=w)
    finally:
        os.close(w)


@pytest.mark.parametrize("name", list(PRINT_FIRST))
def test_out_files_are_written_when_stdout_is_closed(unscored, tmp_path, name):
    ws = tmp_path / "w.duckdb"
    shutil.copy(unscored, ws)
    args, files = PRINT_FIRST[name]
    proc = _with_stdout_closed("-w", str(ws), *args, "--out", str(tmp_path / "OUT.csv"))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    for f in files:
        assert (tmp_path / f).read_text().startswith('"'), f  # a CSV header


# ------------------------------------------------------------------------------ width when not a terminal
def _piped(wsfile: str, *args: str, columns: str | None) -> str:
    """What ``COLUMNS=columns tribescope -w WS ARGS… | cat`` prints (the tests' own COLUMNS left out)."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | ({"COLUMNS": columns} if columns else {})
    proc = _tribescope("-w", wsfile, *args, stdout=subprocess.PIPE, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_piped_tables_are_not_wrapped_at_80_columns(unscored):
    out = _piped(unscored, "overlap", "fa", "ka", columns=None)
    assert "…" not in out, out  # at 80 columns Rich cut the headers to "a_pl…"
    assert any("a_platform" in line and "cosine" in line for line in out.splitlines()), out


def test_piped_output_honours_columns(unscored):
    out = _piped(unscored, "overlap", "fa", "ka", columns="60")
    assert max(len(line) for line in out.splitlines()) <= 60, out


# ------------------------------------------------------------------------------ counts in JSON
def test_score_json_writes_counts_as_integers(unscored, tmp_path):
    from tribescope.store import connect

    path = tmp_path / "w.duckdb"
    shutil.copy(unscored, path)
    ws = connect(path)
    try:  # a creator whose follower count is unknown: pandas makes the column float (NaN)
        ws.duck.execute("UPDATE accounts SET followers = NULL WHERE account_id = 'kc'")
    finally:
        ws.close()
    out = tmp_path / "s.json"
    code, text, _ = _run(str(path), "score", "--no-models", "--out", str(out))
    assert code == 0, text
    rows = {r["creator_id"]: r for r in json.loads(out.read_text())}
    assert rows["fa"]["followers"] == 5000 and type(rows["fa"]["followers"]) is int, rows["fa"]["followers"]
    assert rows["kc"]["followers"] is None
    assert type(rows["fa"]["community_score"]) is float  # a score stays a number with decimals


# ------------------------------------------------------------------------------ one score, one rendering
def _stored_score(wsfile: str, creator: str) -> float:
    from tribescope.store import connect

    ws = connect(wsfile, read_only=True)
    try:
        sql = "SELECT community_score FROM creator_scores WHERE creator_id = ?"
        return float(ws.duck.execute(sql, [creator]).fetchone()[0])
    finally:
        ws.close()


def test_score_table_and_explain_show_the_same_score(scored):
    shown = f"{_stored_score(scored, 'fa'):.2f}"
    _, table, _ = _run(scored, "score", "--no-models")
    row = next(line for line in table.splitlines() if re.search(r"│ FA\s+│", line))
    assert f"│ {shown} │" in row, row
    _, why, _ = _run(scored, "explain", "fa")
    assert f"score {shown} ·" in why, why


# ------------------------------------------------------------------------------ missing and stale scores
def test_report_of_an_unscored_workspace_says_to_score_first(unscored, tmp_path):
    pytest.importorskip("jinja2")
    code, out, err = _run(unscored, "report", "--out", str(tmp_path / "r.html"), "--evidence", "0")
    assert code == 0 and (tmp_path / "r.html").exists(), out + err
    assert "tribescope score" in err, out + err


def test_forget_says_the_stored_scores_still_count_the_account(scored, tmp_path):
    ws = tmp_path / "w.duckdb"
    shutil.copy(scored, ws)
    code, out, err = _run(str(ws), "forget", "m1")
    assert code == 0 and "forgot 'm1'" in out, out + err
    assert "still count 'm1' until the next `tribescope score`" in err, err


def test_forget_in_an_unscored_workspace_has_no_note_on_scores(unscored, tmp_path):
    ws = tmp_path / "w.duckdb"
    shutil.copy(unscored, ws)
    code, out, err = _run(str(ws), "forget", "m1")
    assert code == 0 and "forgot 'm1'" in out and "tribescope score" not in out + err, out + err


# ------------------------------------------------------------------------------ handles beside ids
def test_similar_shows_the_handle_beside_the_id(unscored):
    code, out, _ = _run(unscored, "similar", "fa")
    assert code == 0, out
    assert "creators like instagram:fa (@FA)" in out, out
    assert re.search(r"│ fb\s+│ FB\s+│", out), out


def test_overlap_shows_the_handles_beside_the_ids(unscored):
    code, out, _ = _run(unscored, "overlap", "fa", "ka")
    assert code == 0, out
    assert re.search(r"│ fa\s+│ FA\s+│ instagram\s+│ ka\s+│ KA\s+│", out), out  # the pair
    assert re.search(r"│ ka\s+│ KA\s+│", out), out  # unique vs shared audience


# ------------------------------------------------------------------------------ the command list
def test_help_lists_every_command_under_its_panel_main_job_first():
    """`tribescope --help` groups the commands (the main job first: import, score, explain, report, serve); a command
    added without a place in HELP_PANELS would land in a default panel after them, so every command has one."""
    from tribescope.cli import app
    from tribescope.cli._app import HELP_PANELS

    res = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "140"})
    assert res.exit_code == 0, res.output
    out = res.output
    panels = [out.index(f"─ {p} ") for p in HELP_PANELS]
    assert panels == sorted(panels) and "─ Commands " not in out, out
    listed = re.findall(r"^│ (\w+) {2,}", out, flags=re.M)
    assert listed == [n for names in HELP_PANELS.values() for n in names], listed
    assert listed[:3] == ["import", "score", "explain"]


def test_counts_and_confidences_read_as_written():
    from tribescope.cli._score import _plural
    from tribescope.score._spec import confidence_text

    assert [_plural(1, "reply", "replies"), _plural(2, "post", "posts")] == ["1 reply", "2 posts"]
    assert [confidence_text(1.0), confidence_text(0.952), confidence_text(None)] == ["1.00", "0.95", "–"]
