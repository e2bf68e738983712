"""`tribescope accounts` on count cells as analytics exports write them: abbreviated counts are read as the importers
read them, and a cell that is no count is an error naming its line and column (never silently "unknown")."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from tribescope.cli import app


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_abbreviated_and_grouped_counts_score_as_the_plain_number(tmp_path: Path) -> None:
    """ "12.3K" followers used to be read as unknown: the same profile as "12300" got another probability and the
    category "real" instead of "influencer" (followers > 5,000)."""
    base = {"following": "150", "posts": "45", "has_profile_pic": "true", "bio": "hi"}
    rows = [
        {"username": "anna", "followers": "12300", **base},
        {"username": "anna", "followers": "12.3K", **base},
        {"username": "anna", "followers": "12,300", **base},
        {"username": "anna", "followers": "N/A", **base},  # an unknown count, as exports write it
        {"username": "anna", "followers": "", **base},
    ]
    src, out = tmp_path / "a.csv", tmp_path / "o.csv"
    _write(src, rows)
    r = CliRunner().invoke(app, ["accounts", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    res = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert res["followers"].tolist() == ["12300", "12.3K", "12,300", "N/A", ""]  # the input cells unchanged
    assert len(set(res["fake_probability"][:3])) == 1
    assert res["category"].tolist()[:3] == ["influencer"] * 3
    assert res["fake_probability"][3] == res["fake_probability"][4]  # N/A is empty: unknown
    assert res["category"][3] == "real"


def test_a_cell_that_is_no_count_is_an_error_naming_line_and_column(tmp_path: Path) -> None:
    for cell in ("abc", "1,5"):  # "1,5" used to become 15 (the comma dropped)
        src, out = tmp_path / "a.csv", tmp_path / "o.csv"
        _write(src, [{"username": "a", "followers": "10"}, {"username": "b", "followers": cell}])
        r = CliRunner().invoke(app, ["accounts", str(src), "--out", str(out)])
        assert r.exit_code == 1
        msg = " ".join(r.output.split())
        assert f"a.csv: line 3, column followers: '{cell}' is not a count" in msg
        assert not out.exists()


def test_a_flag_cell_that_is_no_flag_is_an_error_and_na_is_unknown(tmp_path: Path) -> None:
    """has_profile_pic "Y" used to be read as unknown without a word (the model's "no picture" evidence lost)."""
    src, out = tmp_path / "a.csv", tmp_path / "o.csv"
    # (this test refused "Y", which `tribescope import` reads as true — docs/importing-csv.md — qa71: "yes!" instead)
    _write(src, [{"username": "a", "has_profile_pic": "yes!"}])
    r = CliRunner().invoke(app, ["accounts", str(src), "--out", str(out)])
    assert r.exit_code == 1 and not out.exists()
    assert "a.csv: line 2, column has_profile_pic: 'yes!' is not a flag" in " ".join(r.output.split())
    _write(src, [{"username": "a", "has_profile_pic": v} for v in ("N/A", "", "TRUE", "no")])
    r = CliRunner().invoke(app, ["accounts", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    p = pd.read_csv(out, dtype=str, keep_default_na=False)["fake_probability"].tolist()
    assert p[0] == p[1] != p[2]  # N/A and empty: unknown; TRUE: known


def test_profile_columns_are_read_in_any_case_and_by_their_aliases_as_import_reads_them(
    tmp_path: Path,
) -> None:
    """`Followers,Following,Posts` (a spreadsheet's header) were left unread while `username` was found: the same
    account scored 0.06 "real" instead of 0.99 "suspicious". The header is mapped as `tribescope import` maps it."""
    probs = []
    for head in (
        ("followers", "following", "posts"),
        ("Followers", "Following", "Posts"),
        ("Follower Count", "followingCount", "media_count"),
    ):
        src, out = tmp_path / "a.csv", tmp_path / "o.csv"
        _write(src, [{"Username": "botty1234", head[0]: "3", head[1]: "7500", head[2]: "0"}])
        r = CliRunner().invoke(app, ["accounts", str(src), "--out", str(out)])
        assert r.exit_code == 0, r.output
        res = pd.read_csv(out, dtype=str, keep_default_na=False)
        assert list(res.columns[:4]) == ["Username", *head]  # the input's columns as they were
        probs.append((res["fake_probability"][0], res["is_fake"][0]))
    assert probs[0][1] == "true" and probs == [probs[0]] * 3, probs
    src = tmp_path / "b.csv"
    _write(src, [{"username": "a", "Followers": "lots"}])
    r = CliRunner().invoke(app, ["accounts", str(src), "--out", str(tmp_path / "o.csv")])
    assert r.exit_code == 1 and "line 2, column Followers: 'lots' is not a count" in " ".join(
        r.output.split()
    )
