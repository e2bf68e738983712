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
    _write(src, [{"username": "a", "has_profile_pic": "Y"}])
    r = CliRunner().invoke(app, ["accounts", str(src), "--out", str(out)])
    assert r.exit_code == 1 and not out.exists()
    assert "a.csv: line 2, column has_profile_pic: 'Y' is not a flag" in " ".join(r.output.split())
    _write(src, [{"username": "a", "has_profile_pic": v} for v in ("N/A", "", "TRUE", "no")])
    r = CliRunner().invoke(app, ["accounts", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    p = pd.read_csv(out, dtype=str, keep_default_na=False)["fake_probability"].tolist()
    assert p[0] == p[1] != p[2]  # N/A and empty: unknown; TRUE: known
