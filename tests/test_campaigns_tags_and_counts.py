"""Campaign posts marked by a tag of the brand's account, and the report's counts printed as counts."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from tribescope.campaigns import campaign_posts, campaign_report, import_campaign

try:  # tests/ may or may not be a package
    from ._score_fixtures import insert as put
    from ._score_fixtures import two_brands
    from .test_campaigns_hunt import PLAN, _order, _shopify
except ImportError:
    from _score_fixtures import insert as put  # type: ignore[no-redef]
    from _score_fixtures import two_brands  # type: ignore[no-redef]
    from test_campaigns_hunt import PLAN, _order, _shopify  # type: ignore[no-redef]

T = dt.datetime(2026, 4, 3, 12, tzinfo=dt.UTC)


def _post(pid: str, creator: str, caption: str, **kw) -> dict:
    return {
        "platform": "instagram",
        "post_id": pid,
        "creator_id": creator,
        "created_at": T,
        "caption": caption,
        **kw,
    }


def test_a_post_that_only_tags_the_brand_is_a_campaign_post(ws, tmp_path):
    """Instagram's paid partnerships tag the brand's account without naming it in the caption. Such a post was not a
    campaign post (the rule read title, caption and sponsor only), while every other brand-mention rule counts a tag.
    Now a post whose @-mentions or tagged accounts hold one of the brand's handles (whole handle) is one; another
    stored brand's handle, or a longer handle, is not."""
    from tribescope.brand._text import stored_brand_terms

    two_brands(ws)
    put(
        ws,
        "posts",
        [
            _post("a1", "alice", "morning routine", tagged_users=["acmeco"], views=3_000),
            _post("a2", "alice", "evening routine", tagged_users=["lumera"], views=9_000),
            _post(
                "a3", "alice", "weekend", tagged_users=["acmeco_fan"], mentions=["acmeco.shop"], views=7_000
            ),
            _post("b1", "bob", "new kit", mentions=["acmeco"], views=400),
        ],
    )
    (tmp_path / "plan.csv").write_text(PLAN)
    import_campaign(ws, plan=tmp_path / "plan.csv")
    c = campaign_report(ws, n_boot=10, brand_terms=stored_brand_terms(ws)).creators.to_pandas()
    c = c.set_index("creator_id")
    assert c.loc["alice", ["posts", "impressions", "impressions_source"]].tolist() == [1, 3_000.0, "views"]
    assert c.loc["bob", ["posts", "impressions"]].tolist() == [1, 400.0]


def test_tags_match_whole_handles_case_insensitively_without_at():
    """The library call on a frame: a tag or mention matches a brand handle (or the brand's name, as "@acme" in the
    caption does) as a whole handle in any case, with or without '@'; "acmeco2" or "theacmeco" do not."""
    plan = pd.DataFrame(
        [
            {
                "campaign_id": "c1", "brand": "Acme", "creator_platform": "instagram", "creator_id": "alice",
                "start_date": dt.date(2026, 4, 1), "end_date": dt.date(2026, 4, 10), "promo_code": None,
                "utm_campaign": None, "link": None, "post_ids": [],
            }
        ]
    )  # fmt: skip
    tags = {
        "upper": (["AcmeCo"], None, True),
        "at": (None, ["@acmeco"], True),
        "name": (["acme"], None, True),
        "longer": (["acmeco2"], ["theacmeco"], False),
        "none": (None, None, False),
        "other": (["lumera"], [], False),
    }
    posts = pd.DataFrame(
        [
            {"platform": "instagram", "post_id": k, "creator_id": "alice", "created_at": pd.Timestamp(T),
             "title": None, "caption": "new video", "sponsor": None, "mentions": m, "tagged_users": t}
            for k, (m, t, _) in tags.items()
        ]
    )  # fmt: skip
    got = set(campaign_posts(plan, posts, ["@acmeco"])["post_id"])
    assert got == {k for k, (_, _, want) in tags.items() if want}


def test_campaign_report_prints_impressions_whole_and_the_baseline_with_one_decimal(ws, tmp_path):
    """Estimated impressions (followers × 0.10 when the posts carry no views) are a count: the CLI printed 12,345 × 0.1
    as "1,234.50" and engagements as "140.00"; the incrementality baseline, an expected count, as "11.20". Now
    impressions and engagements print whole (half up: 1,235), the baseline with one decimal; the CSV keeps the raw
    estimate, from which EMV is computed."""
    from typer.testing import CliRunner

    from tribescope.cli import app

    put(
        ws,
        "accounts",
        [
            {"platform": "instagram", "account_id": "alice", "username": "alice", "followers": 12_345},
            {"platform": "instagram", "account_id": "bob", "username": "bob", "followers": 1_000},
        ],
    )
    put(ws, "posts", [_post("a1", "alice", "use code ALICE15", likes=120, comments_count=20)])
    # 7 orders in the 15 pre-period days the export covers (from 03-17), 3 in the 24 campaign days: baseline 11.2
    pre = [_order(f"#p{i}", f"2026-03-{17 + 2 * i:02d} 10:00:00 +0000", "20.00") for i in range(7)]
    during = [
        _order(f"#c{i}", f"2026-04-0{2 + i} 10:00:00 +0000", "30.00", **{"Discount Code": "ALICE15"})
        for i in range(3)
    ]
    orders = _shopify(tmp_path / "orders_export.csv", pre + during)
    (tmp_path / "plan.csv").write_text(PLAN)
    import_campaign(ws, plan=tmp_path / "plan.csv", orders=orders)
    path = str(ws.path)
    ws.close()
    out = tmp_path / "roi.csv"
    res = CliRunner().invoke(
        app, ["-w", path, "campaign", "report", "--no-backtest", "--out", str(out)], terminal_width=400
    )
    assert res.exit_code == 0, res.output
    alice = next(line for line in res.output.splitlines() if line.lstrip().startswith("alice "))
    cells = [c.strip() for c in re.split(r"[│┃]", alice)]
    # handle, label_group, cost, impressions, engagements, …
    assert cells[3:5] == ["1,235", "140"], alice
    df = pd.read_csv(out).set_index("creator_id")
    assert df.loc["alice", "impressions"] == 1_234.5  # the raw estimate, as the library gives it
    assert df.loc["alice", "emv"] == 1_234.5 * 7.0 / 1000
    inc = pd.read_csv(tmp_path / "roi_incrementality.csv").iloc[0]
    row = next(ln for ln in res.output.splitlines() if ln.lstrip().startswith("c1 ") and "baseline" in ln)
    cells = [c.strip() for c in re.split(r"[│┃]", row)]
    # campaign_id, pre_orders, observed_orders, baseline_orders, incremental_orders, incremental_lo, incremental_hi
    assert cells[3] == f"{inc['baseline_orders']:,.1f}"  # it printed 11.20
    assert cells[4] == f"{inc['incremental_orders']:,.1f}"
