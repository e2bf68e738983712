"""A campaign folder is read as one plan, one orders and one clicks file: a second file of a kind is an error naming
both (it used to be dropped without a word), unless the CLI names the file of that kind itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from tribescope.campaigns import CampaignError, find_campaign_files


def _folder(tmp_path: Path, *names: str) -> Path:
    for n in names:
        (tmp_path / n).write_text("x\n")
    return tmp_path


def test_two_orders_files_in_a_folder_are_an_error_naming_both(tmp_path: Path) -> None:
    d = _folder(tmp_path, "plan.csv", "orders_a.csv", "orders_b.csv")
    with pytest.raises(CampaignError, match=r"2 orders files \(orders_a\.csv, orders_b\.csv\).*--orders"):
        find_campaign_files(d)


def test_a_kind_named_by_the_caller_is_not_searched(tmp_path: Path) -> None:
    d = _folder(tmp_path, "plan.csv", "orders_a.csv", "orders_b.csv", "clicks.csv")
    assert find_campaign_files(d, given={"orders"}) == {"plan": d / "plan.csv", "clicks": d / "clicks.csv"}


def test_one_file_of_each_kind_is_found(tmp_path: Path) -> None:
    d = _folder(tmp_path, "spring_plan.csv", "shop_orders.json", "link_clicks.csv", "notes.csv")
    assert find_campaign_files(d) == {
        "plan": d / "spring_plan.csv",
        "orders": d / "shop_orders.json",
        "clicks": d / "link_clicks.csv",
    }


def test_the_cli_names_both_files_and_imports_nothing(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tribescope.cli import app

    (tmp_path / "c").mkdir()
    d = _folder(tmp_path / "c", "plan.csv", "orders_a.csv", "orders_b.csv")
    ws = tmp_path / "w.duckdb"
    r = CliRunner().invoke(app, ["-w", str(ws), "campaign", "import", str(d)])
    assert r.exit_code != 0
    assert "orders_a.csv, orders_b.csv" in r.output
    assert not ws.exists()
