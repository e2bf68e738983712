"""Campaign inputs a marketer writes by hand: a creator repeated without its platform, an Instagram handle that starts
with "UC", Shopify rows that name no order or carry no total, upper-case file suffixes, absurd click counts and
CPMs, an attribution window past the calendar. Each is read as meant or refused with the file, line and field."""

from __future__ import annotations

import pytest

from tribescope.campaigns import (
    CampaignError,
    campaign_report,
    import_campaign,
    read_clicks,
    read_orders,
    read_plan,
)
from tribescope.campaigns._io import find_campaign_files, format_money
from tribescope.campaigns._plan import share_text
from tribescope.campaigns._report import load_cpm_table

try:  # tests/ may or may not be a package
    from .test_campaigns import _creators
    from .test_campaigns_hunt import PLAN, _order, _shopify
except ImportError:
    from test_campaigns import _creators  # type: ignore[no-redef]
    from test_campaigns_hunt import PLAN, _order, _shopify  # type: ignore[no-redef]


def test_a_creator_repeated_without_its_platform_is_the_same_creator(tmp_path):
    """``d1,instagram,skinbylina`` and ``d1,,SkinByLina`` are one account when the workspace's only skinbylina is on
    Instagram: the second row was imported too, and the report counted the creator's fee, reach and EMV twice."""
    p = tmp_path / "plan.csv"
    p.write_text(
        "campaign_id,creator_platform,creator_id,cost,start,end,promo_code\n"
        "d1,instagram,skinbylina,100,2026-06-01,2026-06-10,LINA10\n"
        "d1,,SkinByLina,150,2026-06-01,2026-06-10,LINA10\n"
    )
    with pytest.raises(CampaignError) as e:
        read_plan(p, [("instagram", "skinbylina")])
    assert str(e.value) == (
        f"{p}, line 3: creator 'SkinByLina' appears twice in campaign 'd1' (also line 2); one row per campaign and "
        "creator"
    )
    # an id the workspace holds on no platform, or on another one than the row's, is not taken for the same account
    assert read_plan(p, []).num_rows == 2
    assert read_plan(p, [("tiktok", "skinbylina")]).num_rows == 2


def test_only_a_youtube_channel_id_keeps_its_case(tmp_path):
    """``UCLA_fan`` on Instagram was stored as written (every id starting with "UC" was taken for a YouTube channel)
    and matched no account; a channel id keeps its case with or without its platform."""
    p = tmp_path / "plan.csv"
    chan = "UCz5iavGTrzHsS2Bd_l8f2lA"
    p.write_text(
        "campaign_id,creator_platform,creator_id,cost\n"
        "d2,instagram,UCLA_fan,100\n"
        "d2,instagram,Ucla_fan2,100\n"
        f"d2,youtube,{chan},100\n"
        f"d3,,{chan},100\n"
        "d3,,UCLA_Other,100\n"
    )
    assert read_plan(p).column("creator_id").to_pylist() == [
        "ucla_fan",
        "ucla_fan2",
        chan,
        chan,
        "ucla_other",
    ]


def test_shopify_rows_without_an_order_name_or_a_first_row_are_errors(tmp_path):
    """A row with a total and a code but no Name, a row without a Total whose order has no row above it, and a
    truncated row were all dropped without a word (0 orders imported from three)."""
    header = "Name,Financial Status,Currency,Total,Discount Code,Created at\n"
    p = tmp_path / "orders_export.csv"
    p.write_text(header + ",paid,USD,50.00,GLOWWITHMA15,2026-04-20 10:00:00 -0400\n")
    with pytest.raises(CampaignError) as e:
        read_orders(p)
    assert str(e.value).startswith(f"{p}, line 2, field 'Name': a row without an order name")
    for row in ("#9001,paid,USD,,GLOWWITHMA15,2026-04-20 10:00:00 -0400\n", "#9002,paid,USD\n"):
        p.write_text(header + row)
        with pytest.raises(
            CampaignError, match=r"line 2, field 'Total': order #900[12] has no total on any of its rows"
        ):
            read_orders(p)
    # a further line item of an order whose row with the Total is above or below it (a sorted sheet), and a
    # spreadsheet's empty trailing row, are still read as before
    p.write_text(
        header
        + "#9004,,,,,\n#9003,paid,USD,50.00,GLOWWITHMA15,2026-04-20 10:00:00 -0400\n#9003,,,,,\n"
        + "#9004,paid,USD,20.00,,2026-04-21 10:00:00 -0400\n,,,,,\n"
    )
    t = read_orders(p)
    assert t.column("total").to_pylist() == [50.0, 20.0]


def test_a_folder_s_campaign_files_are_found_whatever_the_case_of_their_suffix(tmp_path):
    """``orders_export.CSV`` and ``link_clicks.CSV`` were left out without a word (only ``*.csv`` was looked for)."""
    (tmp_path / "plan.csv").write_text(PLAN)
    _shopify(tmp_path / "orders_export.CSV", [_order("#1", "2026-04-02 10:00:00 -0500", "50.00")])
    (tmp_path / "link_clicks.CSV").write_text("date,utm_campaign,clicks\n2026-04-02,c1-alice,12\n")
    (tmp_path / "orders.CSV.bak").write_text("")  # not a campaign file
    found = find_campaign_files(tmp_path)
    assert {k: v.name for k, v in found.items()} == {
        "plan": "plan.csv",
        "orders": "orders_export.CSV",
        "clicks": "link_clicks.CSV",
    }
    assert read_orders(found["orders"]).num_rows == 1


def test_click_counts_past_any_link_s_are_errors(tmp_path):
    """``99999999999999999999`` clicks crashed the import (OverflowError); two rows of 9e18 wrapped the report's sum
    to −446,744,073,709,551,360 clicks."""
    p = tmp_path / "link_clicks.csv"
    p.write_text("date,utm_campaign,clicks\n2026-04-10,c1-alice,99999999999999999999\n")
    with pytest.raises(CampaignError, match=r"line 2, field 'clicks': .* from 0 to 1,000,000,000,000"):
        read_clicks(p)
    p.write_text("date,utm_campaign,clicks\n2026-04-10,c1-alice,1000000000000\n")
    assert read_clicks(p).column("clicks").to_pylist() == [10**12]


def test_a_negative_cpm_is_an_error(tmp_path):
    """A CPM of −7 gave the campaign an EMV of −2,580.53."""
    p = tmp_path / "cpm.csv"
    p.write_text("platform,cpm\ninstagram,8\ngeneric,-7\n")
    with pytest.raises(CampaignError) as e:
        load_cpm_table(p)
    assert str(e.value) == f"CPM table {p}, line 3, field 'cpm': the CPM -7 for 'generic' is negative"


def test_an_attribution_window_past_the_calendar_is_an_error(ws, tmp_path):
    """``--window 100000`` crashed the report (OverflowError in int64 addition; pandas' OutOfBoundsTimedelta)."""
    _creators(ws, [("instagram", "alice", 10_000), ("instagram", "bob", 5_000)])
    (tmp_path / "plan.csv").write_text(PLAN)
    import_campaign(ws, plan=tmp_path / "plan.csv")
    for bad in (100_000, 3661, -1):
        with pytest.raises(
            CampaignError, match=rf"an attribution window of {bad:,} days; it is 0 to 3,660 days"
        ):
            campaign_report(ws, window_days=bad, n_boot=10)
    assert campaign_report(ws, window_days=3660, n_boot=10).creators.num_rows == 2


def test_money_and_shares_are_never_shown_as_something_else():
    """A budget of 99.996 read "100.00" beside "the cheapest fee is 100"; 9,570 spent of 1e9 read "0% of the budget"."""
    assert [format_money(x) for x in (100, 1250.5, 99.99, 99.996, 0.001)] == [
        "100",
        "1,250.50",
        "99.99",
        "99.996",
        "0.001",
    ]
    assert share_text(9_570 / 1e9, 0.7) == "0.001%"
    assert share_text(0.0, 0.7) == "0%"
    assert share_text(0.695, 0.7) == "69.5%"


def test_eval_limit_is_at_least_one_row():
    """``eval comments --limit=-5`` measured on a held-out part silently trimmed by five rows (pandas' head(-5))."""
    from tribescope.authenticity._train import evaluate_accounts, evaluate_comments

    for bad in (-5, 0, True):
        with pytest.raises(ValueError, match="a number of rows, 1 or more"):
            evaluate_comments(limit=bad)
        with pytest.raises(ValueError, match="a number of rows, 1 or more"):
            evaluate_accounts(None, limit=bad)  # type: ignore[arg-type]


def test_a_brand_is_found_by_the_name_it_was_saved_under_with_spaces_around(ws):
    """``brand add "  Acme  "`` saved "Acme"; ``brand show "Acme "`` then said there was no brand 'Acme '."""
    from tribescope.brand import add_brand, get_brand

    add_brand(ws, "  Acme  ", keywords=["widget"])
    assert get_brand(ws, "Acme ").name == get_brand(ws, " acme").name == "Acme"
