"""`tribescope niches / overlap / circle / similar` on the hand-written world."""

from __future__ import annotations

import csv

import pytest
from tests import _niche_world as W
from typer.testing import CliRunner

from tribescope.cli import app
from tribescope.store import connect


@pytest.fixture
def wsfile(tmp_path):
    path = tmp_path / "w.duckdb"
    ws = connect(path)
    W.build(ws)
    ws.close()
    return str(path)


def _run(wsfile, *args):
    r = CliRunner().invoke(app, ["--workspace", wsfile, *args])
    assert r.exit_code == 0, r.output
    return r.output


def test_niches_lists_groups_and_writes_creators(wsfile, tmp_path):
    out = tmp_path / "niches.csv"
    text = _run(wsfile, "niches", "--out", str(out))
    assert "2 niche groups" in text and "resolution sweep" in text and "FA" in text
    with out.open(newline="") as fh:
        rows = {r["creator_id"]: r for r in csv.DictReader(fh)}
    assert (
        rows["fa"]["leader_rank"] == "1" and rows["fa"]["group"] == rows["fb"]["group"] != rows["ka"]["group"]
    )


def test_overlap_command(wsfile):
    text = _run(wsfile, "overlap", "fa", "fb", "fc", "--minhash", "64")
    assert "0.375" in text and "jaccard_minhash" in text
    assert "reaches 9 distinct engaged accounts" in text


def test_overlap_minhash_of_two_empty_audiences_prints_a_dash_as_the_exact_jaccard(tmp_path):
    """`overlap --minhash` printed 0.000 for two creators nobody engaged with, beside the exact Jaccard's '-'."""
    path = tmp_path / "e.duckdb"
    ws = connect(path)
    W.insert(
        ws, "posts", [{"platform": "instagram", "post_id": f"{c}-p", "creator_id": c} for c in ("xa", "xb")]
    )
    ws.close()
    out = tmp_path / "o.csv"
    text = _run(str(path), "overlap", "xa", "xb", "--minhash", "8", "--out", str(out))
    row = next(line for line in text.splitlines() if "xa" in line and "xb" in line)
    cells = [c.strip() for c in row.split("│")]
    assert cells[-4:] == ["-", "-", "-", "-"]  # jaccard, overlap_min, cosine, jaccard_minhash
    with out.open(newline="") as fh:
        (r,) = list(csv.DictReader(fh))
    assert r["jaccard"] == r["jaccard_minhash"] == ""


def test_overlap_unknown_creator_fails_with_a_message(wsfile):
    r = CliRunner().invoke(app, ["--workspace", wsfile, "overlap", "fa", "ghost"])
    assert r.exit_code == 1 and "no creator 'ghost' in this workspace" in r.output


def test_overlap_of_one_creator_named_twice_fails_with_a_message(wsfile):
    r = CliRunner().invoke(app, ["--workspace", wsfile, "overlap", "fa", "@FA"])
    assert r.exit_code == 1 and "at least two different creators" in r.output


def test_circle_and_similar_commands(wsfile):
    text = _run(wsfile, "circle", "fa", "--all")
    assert "8 engaged members" in text and "m1" in text
    text = _run(wsfile, "similar", "instagram:fa", "-n", "2")
    assert "fb" in text and "shared engaged" in text
