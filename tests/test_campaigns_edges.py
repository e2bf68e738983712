"""Campaign edge cases a marketer hits: zero spend / zero conversions, mixed currencies, a budget below every fee,
a creator in several campaigns, re-imported duplicates, negative refunds, discount codes in any case / spacing.
Each either works (figures checked by hand) or is an error naming the file, the record and the field."""

from __future__ import annotations

import json

import pytest

from tribescope.campaigns import CampaignError, campaign_report, import_campaign, read_orders, read_plan
from tribescope.campaigns._plan import plan_budget

try:  # tests/ may or may not be a package
    from .test_campaigns_hunt import PLAN, _order, _report, _shopify
except ImportError:
    from test_campaigns_hunt import PLAN, _order, _report, _shopify  # type: ignore[no-redef]


def _code(code: str) -> dict[str, str]:
    return {"Discount Code": code}


# ----------------------------------------------------------------------------------------------- refunds, totals
def test_a_negative_refund_is_an_error_naming_file_line_order_and_field(tmp_path):
    """Refunded Amount −10 on a 50 order used to *add* 10 of revenue (50 − (−10) = 60)."""
    p = _shopify(
        tmp_path / "orders_export.csv",
        [
            _order("#1001", "2026-04-02 10:00:00 -0500", "50.00", **_code("ALICE15")),
            _order(
                "#1002",
                "2026-04-02 11:00:00 -0500",
                "50.00",
                **_code("ALICE15"),
                **{"Refunded Amount": "-10.00"},
            ),
        ],
    )
    with pytest.raises(CampaignError) as e:
        read_orders(p)
    msg = str(e.value)
    assert f"{p}, line 3, field 'Refunded Amount'" in msg and "order #1002" in msg and "negative" in msg


def test_a_negative_total_is_an_error(tmp_path):
    """A total of −50 was a credited conversion with revenue 0 (clipped): no sale is negative."""
    p = _shopify(
        tmp_path / "orders_export.csv",
        [_order("#1001", "2026-04-02 10:00:00 -0500", "(50.00)", **_code("ALICE15"))],
    )
    with pytest.raises(CampaignError, match=r"line 2, field 'Total': order #1001: the total -50 is negative"):
        read_orders(p)


def test_negative_refunds_in_the_orders_api_json_are_errors(tmp_path):
    base = {"name": "#1", "created_at": "2026-04-02T10:00:00-05:00", "total_price": "50.00"}
    p = tmp_path / "orders.json"
    p.write_text(json.dumps({"orders": [{**base, "total_refunded": "-5.00"}]}))
    with pytest.raises(
        CampaignError, match=r"order 1 \(#1\), field 'total_refunded': order #1: the refunded"
    ):
        read_orders(p)
    tx = {"kind": "refund", "status": "success", "amount": "-5.00"}
    p.write_text(json.dumps({"orders": [{**base, "refunds": [{"transactions": [tx]}]}]}))
    with pytest.raises(CampaignError, match=r"field 'refunds.transactions.amount'"):
        read_orders(p)
    p.write_text(json.dumps({"orders": [{**base, "total_price": "-50.00"}]}))
    with pytest.raises(CampaignError, match=r"field 'total_price': order #1: the total -50 is negative"):
        read_orders(p)


def test_a_negative_fee_in_the_plan_is_an_error(tmp_path):
    p = tmp_path / "plan.csv"
    p.write_text(PLAN.replace("100.00", "-100.00"))
    with pytest.raises(CampaignError, match=r"line 3, field 'cost': creator 'bob': the fee -100 is negative"):
        read_plan(p)


def test_an_empty_fee_in_the_plan_is_an_error_not_a_gifted_campaign(tmp_path):
    """bob's fee cell left blank used to read as 0 — a gifted campaign, ROI undefined, the plan estimating a fee. A
    blank is a fee nobody wrote down: the error names file, line, field and creator and says to write 0 for gifted."""
    p = tmp_path / "plan.csv"
    p.write_text(PLAN.replace("100.00", ""))
    with pytest.raises(CampaignError) as e:
        read_plan(p)
    assert str(e.value) == (
        f"{p}, line 3, field 'cost': creator 'bob': no fee; write the amount paid, or 0 for a gifted / "
        "product-only campaign"
    )
    p.write_text(PLAN.replace("100.00", "0"))  # gifted, said so
    assert read_plan(p).column("cost").to_pylist() == [200.0, 0.0]
    p.write_text(PLAN.replace(",cost,", ",fee,").replace("100.00", " "))  # another column name, spaces only
    with pytest.raises(CampaignError, match=r"line 3, field 'fee': creator 'bob': no fee"):
        read_plan(p)


def test_a_bad_record_leaves_the_workspace_as_it_was(ws, tmp_path):
    good = _shopify(
        tmp_path / "good.csv", [_order("#1", "2026-04-02 10:00:00 -0500", "50.00", **_code("ALICE15"))]
    )
    _report(ws, tmp_path, good)
    before = ws.duck.execute("SELECT * FROM campaign_orders ORDER BY ALL").fetchall()
    bad = _shopify(
        tmp_path / "bad.csv",
        [_order("#1", "2026-04-02 10:00:00 -0500", "50.00", **_code("ALICE15"), **{"Refunded Amount": "-5"})],
    )
    with pytest.raises(CampaignError, match="Refunded Amount"):
        import_campaign(ws, orders=bad)
    assert ws.duck.execute("SELECT * FROM campaign_orders ORDER BY ALL").fetchall() == before


# ----------------------------------------------------------------------------------------------- currencies
def test_mixed_currencies_are_counted_and_the_note_names_the_orders_and_file(ws, tmp_path):
    p = _shopify(
        tmp_path / "orders_export.csv",
        [
            _order("#1001", "2026-04-02 10:00:00 -0500", "50.00", Currency="EUR", **_code("ALICE15")),
            _order("#1002", "2026-04-02 10:00:00 -0500", "30.00", Currency="usd", **_code("ALICE15")),
        ],
    )
    rep, c = _report(ws, tmp_path, p)
    assert c.loc["alice", "revenue"] == 80.0  # as written, no conversion
    assert c.loc["alice", "orders_in_other_currency"] == 1  # "usd" is the fee's USD
    note = next(n for n in rep.notes if "credited orders in EUR" in n)
    assert "but the fee is in USD" in note and "(order #1001 of orders_export.csv, field 'Currency')" in note


# ----------------------------------------------------------------------------------------------- zero spend / sales
def test_zero_fee_and_zero_conversions_leave_undefined_figures_empty(ws, tmp_path):
    """alice gifted (fee 0) with one sale: ROI / ROAS undefined (empty, not inf), CPA 0; bob paid 100 for nothing:
    ROI −1, CPA empty. The campaign pools them: ROI = (50 − 100) / 100."""
    p = _shopify(tmp_path / "o.csv", [_order("#1", "2026-04-02 10:00:00 -0500", "50.00", **_code("ALICE15"))])
    rep, c = _report(ws, tmp_path, p, PLAN.replace("200.00", "0"))
    a, b = c.loc["alice"], c.loc["bob"]
    assert a["roi"] is None or a["roi"] != a["roi"]  # None / NaN
    assert (a["roas"] is None or a["roas"] != a["roas"]) and a["cpa"] == 0.0 and a["conversions"] == 1
    assert b["roi"] == -1.0 and b["conversions"] == 0 and (b["cpa"] is None or b["cpa"] != b["cpa"])
    camp = rep.campaigns.to_pandas().set_index("group").loc["c1"]
    assert camp["roi"] == pytest.approx(-0.5) and camp["cpa"] == 100.0


def test_a_budget_below_every_fee_names_the_cheapest(ws):
    from tribescope.brand import add_brand

    try:
        from .test_campaigns import _creators
    except ImportError:
        from test_campaigns import _creators  # type: ignore[no-redef]

    _creators(ws, [("instagram", "alice", 10_000), ("youtube", "bob", 50_000)])
    add_brand(ws, "Acme", keywords="acme")
    with pytest.raises(
        CampaignError, match=r"no creator's fee fits a budget of 50 \(the cheapest fee is 100\)"
    ):
        plan_budget(ws, 50, brand="Acme", use_overlap=False)


# ----------------------------------------------------------------------------------------------- several campaigns
def test_a_creator_in_two_campaigns_each_order_counts_once(ws, tmp_path):
    """alice in c1 (Apr 1–10) and c2 (Apr 5–20) with the same code: the Apr 2 order is c1's, the Apr 6 one is in both
    windows and goes to the latest-starting campaign, c2. Each order is counted once."""
    plan = PLAN + "c2,Acme,instagram,alice,alice,300.00,USD,2026-04-05,2026-04-20,ALICE15,c2-alice\n"
    p = _shopify(
        tmp_path / "o.csv",
        [
            _order("#1", "2026-04-02 10:00:00 -0500", "50.00", **_code("ALICE15")),
            _order("#2", "2026-04-06 10:00:00 -0500", "60.00", **_code("ALICE15")),
        ],
    )
    rep, _ = _report(ws, tmp_path, p, plan)
    c = rep.creators.to_pandas().set_index(["campaign_id", "creator_id"])
    assert c.loc[("c1", "alice"), ["conversions", "revenue"]].tolist() == [1, 50.0]
    assert c.loc[("c2", "alice"), ["conversions", "revenue"]].tolist() == [1, 60.0]
    assert c.loc[("c2", "alice"), "roi"] == pytest.approx((60 - 300) / 300)
    assert int(c["conversions"].sum()) == 2


# ----------------------------------------------------------------------------------------------- re-imports, codes
def test_duplicate_orders_and_a_reimport_change_nothing(ws, tmp_path):
    """The same order twice in one export counts once; importing the export again changes no table or figure."""
    p = _shopify(
        tmp_path / "orders_export.csv",
        [
            _order("#1", "2026-04-02 10:00:00 -0500", "50.00", **_code("ALICE15")),
            _order("#1", "2026-04-02 10:00:00 -0500", "50.00", **_code("ALICE15")),
            _order("#2", "2026-04-02 11:00:00 -0500", "70.00", **_code("ALICE15")),
        ],
    )
    _, c = _report(ws, tmp_path, p)

    def tables():
        return {
            n: ws.duck.execute(f'SELECT * FROM "{n}" ORDER BY ALL').fetchall()
            for n in ("campaign_plan", "campaign_orders")
        }

    first = tables()
    assert len(first["campaign_orders"]) == 2
    _, again = _report(ws, tmp_path, p)
    assert tables() == first
    assert c.loc["alice", ["conversions", "revenue"]].tolist() == [2, 120.0]
    assert again.loc["alice", ["conversions", "revenue"]].tolist() == [2, 120.0]


def test_discount_codes_in_any_case_and_spacing_match(ws, tmp_path):
    p = _shopify(
        tmp_path / "orders_export.csv",
        [
            _order("#1", "2026-04-02 10:00:00 -0500", "50.00", **_code("  alice15 ")),
            _order("#2", "2026-04-02 10:00:00 -0500", "20.00", **_code("Bob15\t, welcome10")),
        ],
    )
    _, c = _report(ws, tmp_path, p, PLAN.replace(",ALICE15,", ", alice15 ,"))
    assert c.loc["alice", "conversions_by_code"] == 1 and c.loc["bob", "conversions_by_code"] == 1
    rep = campaign_report(ws, n_boot=10)
    assert any("2 of 2 orders credited" in n for n in rep.notes)


# ----------------------------------------------------------------------------------------------- campaign posts
def test_campaign_posts_of_one_brand_are_not_marked_by_another_stored_brand(ws, tmp_path):
    """Two stored brands. During Acme's campaign alice posts about Lumera (no code, no link): not an Acme campaign
    post — it used to be, since every stored brand's terms marked every campaign's posts. Her post naming Acme is
    one (the brand's name marks its posts, as docs/campaigns.md says), and so is bob's post naming Acme's handle."""
    import datetime as dt

    from tribescope.brand._text import stored_brand_terms

    try:
        from ._score_fixtures import insert as put
        from ._score_fixtures import two_brands
    except ImportError:
        from _score_fixtures import insert as put  # type: ignore[no-redef]
        from _score_fixtures import two_brands  # type: ignore[no-redef]

    two_brands(ws)
    t = dt.datetime(2026, 4, 3, 12, tzinfo=dt.UTC)
    put(
        ws,
        "posts",
        [
            {"platform": "instagram", "post_id": "a1", "creator_id": "alice", "created_at": t,
             "caption": "my new Lumera serum routine", "likes": 500, "views": 9_000},
            {"platform": "instagram", "post_id": "a2", "creator_id": "alice", "created_at": t,
             "caption": "loving my Acme kit", "likes": 100, "views": 1_000},
            {"platform": "instagram", "post_id": "b1", "creator_id": "bob", "created_at": t,
             "caption": "thanks @acmeco", "likes": 40, "views": 400},
        ],
    )  # fmt: skip
    (tmp_path / "plan.csv").write_text(PLAN)
    import_campaign(ws, plan=tmp_path / "plan.csv")
    rep = campaign_report(ws, n_boot=10, brand_terms=stored_brand_terms(ws))
    c = rep.creators.to_pandas().set_index("creator_id")
    assert c.loc["alice", ["posts", "impressions"]].tolist() == [1, 1_000.0]  # a2 only, not a1's 9,000 views
    assert c.loc["bob", ["posts", "impressions"]].tolist() == [1, 400.0]
    # without stored profiles the plan's brand name still marks alice's Acme post
    rep = campaign_report(ws, n_boot=10)
    assert rep.creators.to_pandas().set_index("creator_id").loc["alice", "posts"] == 1


def test_fees_in_several_currencies_are_named_in_the_notes(ws, tmp_path):
    """alice's fee in USD, bob's in EUR: the campaign's pooled cost 300 adds dollars to euros; the notes say so."""
    p = _shopify(tmp_path / "o.csv", [_order("#1", "2026-04-02 10:00:00 -0500", "50.00", **_code("ALICE15"))])
    rep, _ = _report(ws, tmp_path, p, PLAN.replace("100.00,USD", "100.00,EUR"))
    assert any(
        n.startswith("fees in EUR, USD: the label groups' cost, revenue and ROI and those of campaign c1")
        for n in rep.notes
    )
    rep, _ = _report(ws, tmp_path, p)  # one currency: no such note
    assert not any(n.startswith("fees in") for n in rep.notes)


def test_negative_or_fractional_clicks_are_errors(tmp_path):
    from tribescope.campaigns import read_clicks

    p = tmp_path / "link_clicks.csv"
    p.write_text("date,utm_campaign,clicks\n2026-04-02,c1-alice,12\n2026-04-03,c1-alice,-3\n")
    with pytest.raises(CampaignError, match=r"line 3, field 'clicks': '-3' is not a number of clicks"):
        read_clicks(p)
    p.write_text("date,utm_campaign,clicks\n2026-04-02,c1-alice,2.5\n")
    with pytest.raises(CampaignError, match=r"line 2, field 'clicks'"):
        read_clicks(p)
    p.write_text('date,utm_campaign,clicks\n2026-04-02,c1-alice,"1,200"\n')
    assert read_clicks(p).column("clicks").to_pylist() == [1200]


def test_plan_budget_refuses_a_budget_that_is_no_amount(ws):
    try:
        from .test_campaigns import _creators
    except ImportError:
        from test_campaigns import _creators  # type: ignore[no-redef]

    _creators(ws, [("instagram", "alice", 10_000)])
    for bad in (0, -5, float("nan"), float("inf")):
        with pytest.raises(CampaignError, match="the budget must be a finite amount above 0"):
            plan_budget(ws, bad, use_overlap=False)


def test_the_last_quoted_fee_does_not_change_when_a_campaign_is_imported_again(ws, tmp_path):
    """alice in two campaigns starting the same day (fees 200 and 300). The plan's "last quoted" fee was the fee of
    whichever row the table held last, so re-importing c1 alone turned 300 into 200; now the later end, then the
    campaign id decide (c2's 300), whatever the import order."""
    from tribescope.brand import add_brand

    try:
        from .test_campaigns import _creators
    except ImportError:
        from test_campaigns import _creators  # type: ignore[no-redef]

    _creators(ws, [("instagram", "alice", 10_000)])
    add_brand(ws, "Acme", keywords="acme")
    head = "campaign_id,creator_platform,creator_id,cost,start,end\n"
    c1, c2 = tmp_path / "c1.csv", tmp_path / "c2.csv"
    c1.write_text(head + "c1,instagram,alice,200,2026-04-01,2026-04-10\n")
    c2.write_text(head + "c2,instagram,alice,300,2026-04-01,2026-04-10\n")

    def fee() -> float:
        res = plan_budget(ws, 1000, brand="Acme", min_community_share=0.0, use_overlap=False, min_roi=None)
        return float(res.picks.to_pandas().set_index("creator_id").loc["alice", "cost"])

    import_campaign(ws, plan=c1)
    import_campaign(ws, plan=c2)
    first = fee()
    import_campaign(ws, plan=c1)  # the same file again: nothing may change
    assert fee() == first == 300.0


def test_reimporting_one_campaign_changes_no_figure_of_the_report(ws, tmp_path):
    """Re-importing c1 moves its rows to the end of the plan table; the report (rows, bootstrap intervals, whose
    seeds follow the row) used to follow the table's order, so the same data gave other intervals."""
    orders = _shopify(
        tmp_path / "orders_export.csv",
        [
            _order(f"#{n}", f"2026-04-0{2 + n % 5} 10:00:00 -0500", f"{20 + 7 * n}.00", **_code(code))
            for n, code in enumerate(["ALICE15", "BOB15", "CARA15", "ALICE15", "CARA15", "BOB15", "CARA15"])
        ],
    )
    c1 = tmp_path / "c1.csv"
    c1.write_text(PLAN)
    c2 = tmp_path / "c2.csv"
    c2.write_text(
        "campaign_id,brand,creator_platform,creator_id,handle,cost,currency,start,end,promo_code\n"
        "c2,Acme,instagram,cara,cara,150.00,USD,2026-04-01,2026-04-10,CARA15\n"
    )
    import_campaign(ws, plan=c1, orders=orders)
    import_campaign(ws, plan=c2)

    def figures():
        rep = campaign_report(ws, n_boot=200)
        return {n: getattr(rep, n).to_pylist() for n in ("creators", "labels", "campaigns")}

    first = figures()
    import_campaign(ws, plan=c1)
    assert figures() == first


def test_brand_terms_codes_and_utms_mark_campaign_posts_as_whole_words():
    """The keyword "pack" marked alice's "my new backpack" and the code SAVE10 her "SAVE100 at Lumera" (substrings);
    brand words now match as whole words (optionally after @ / #, a multi-word term as a phrase), as every brand
    mention does, and codes / UTM campaigns as whole tokens. The link is still found anywhere."""
    import datetime as dt

    import pandas as pd

    from tribescope.campaigns import campaign_posts

    t = pd.Timestamp(dt.datetime(2026, 4, 3, 12, tzinfo=dt.UTC))
    plan = pd.DataFrame(
        [
            {
                "campaign_id": "c1", "brand": "Acme", "creator_platform": "instagram", "creator_id": "alice",
                "start_date": dt.date(2026, 4, 1), "end_date": dt.date(2026, 4, 10), "promo_code": "SAVE10; ALI-TT",
                "utm_campaign": "c1-alice", "link": "https://shop.example/?ref=alice", "post_ids": [],
            }
        ]
    )  # fmt: skip
    captions = {
        "backpack": ("my new backpack", False),
        "packed": ("all packed for the trip", False),
        "acmehealth": ("thanks acmehealth", False),
        "save100": ("use SAVE100 at Lumera", False),
        "ali": ("code ALI-TTX", False),
        "utm2": ("https://lumera.com/?utm_campaign=c1-alice2", False),
        "trailpacks": ("trail packs compared", False),
        "pack": ("the pack, finally", True),
        "hashtag": ("#Pack life", True),
        "mention": ("thanks @ACME!", True),
        "phrase": ("my Trail Pack review", True),
        "code": ("use code save10!", True),
        "code2": ("(ALI-TT)", True),
        "utm": ("link: https://x.co/?utm_source=ig&utm_campaign=c1-alice&utm_medium=influencer", True),
        "link": ("https://shop.example/?ref=alice&utm_source=ig", True),
    }
    posts = pd.DataFrame(
        [
            {"platform": "instagram", "post_id": k, "creator_id": "alice", "created_at": t, "title": None,
             "caption": c, "sponsor": None}
            for k, (c, _) in captions.items()
        ]
        + [
            {"platform": "instagram", "post_id": "sponsor", "creator_id": "alice", "created_at": t, "title": None,
             "caption": "new video", "sponsor": "Acme, Lumera"},
            {"platform": "instagram", "post_id": "sponsor2", "creator_id": "alice", "created_at": t, "title": None,
             "caption": "new video", "sponsor": "acmehealth"},
        ]
    )  # fmt: skip
    got = set(campaign_posts(plan, posts, ["pack", "trail pack", "@acme"])["post_id"])
    assert got == {k for k, (_, want) in captions.items() if want} | {"sponsor"}


def test_the_min_roi_note_says_what_the_threshold_was(ws):
    """With min_roi 0.5 cara (expected ROI +20 %) is left out: she is expected to earn her fee back, yet the note
    said the plan left the budget unspent "rather than expect to lose it". It now names the threshold and counts the
    creators left out who would still earn their fee back; at 0 and below 0 it says what is lost."""
    from tribescope.brand import add_brand

    try:
        from .test_campaigns import _creators
    except ImportError:
        from test_campaigns import _creators  # type: ignore[no-redef]

    _creators(ws, [("instagram", "alice", 10_000), ("instagram", "bob", 30_000), ("youtube", "cara", 5_000)])
    add_brand(ws, "Acme", keywords="acme")

    def notes(min_roi: float) -> list[str]:
        res = plan_budget(ws, 5000, brand="Acme", use_overlap=False, min_community_share=0.0, min_roi=min_roi)
        return [n for n in res.summary["notes"] if "left out: expected ROI" in n]

    assert notes(0.5) == [
        "1 creator(s) left out: expected ROI below +50% (+20% at best); the plan leaves budget unspent rather than "
        "spend it on creators below the minimum expected ROI of +50% (min_roi=0.5, `--min-roi 0.5`); 1 of them is "
        "expected to earn their fee back — lower the minimum to plan them"
    ]
    (n,) = notes(1.125)  # a threshold of 112.5 % is not rounded to 112 %
    assert (
        n.startswith("3 creator(s) left out: expected ROI below +112.5% (+100% at best)")
        and "3 of them are" in n
    )
    assert notes(0.0) == []  # everyone breaks even here
    _creators(ws, [("youtube", "dan", 500)])  # fee 100 for 0.4 expected conversions × 50: ROI −80 %
    (n,) = notes(0.0)
    assert n.endswith("rather than expect to lose it (break-even, min_roi=0, `--min-roi 0`)")
    (n,) = notes(-0.5)
    assert n.endswith("rather than expect to lose more than 50% of a fee (min_roi=-0.5, `--min-roi -0.5`)")


def test_the_same_order_twice_in_one_export_the_later_copy_wins_in_csv_and_json(tmp_path):
    """#1 appears twice — first paid, later refunded in full (two exports pasted together). The Orders API JSON kept
    the later copy, the CSV the first: one rule now, the later copy, in both formats. A row repeating a Name without
    a Total is still a further line item of the order above it, never a copy."""
    p = _shopify(
        tmp_path / "orders_export.csv",
        [
            _order("#1", "2026-04-02 10:00:00 -0500", "50.00", **_code("ALICE15")),
            {"Name": "#1", "Lineitem quantity": "1", "Lineitem name": "Mug"},  # a line item of the first copy
            _order("#2", "2026-04-02 11:00:00 -0500", "70.00", **_code("BOB15")),
            {"Name": "#2", "Lineitem quantity": "2", "Lineitem name": "Lid"},
            _order(
                "#1",
                "2026-04-02 10:00:00 -0500",
                "50.00",
                **_code("ALICE15"),
                **{"Refunded Amount": "50.00", "Financial Status": "refunded"},
            ),
            {"Name": "#1", "Lineitem quantity": "1", "Lineitem name": "Mug"},
        ],
    )
    got = {r["order_name"]: r for r in read_orders(p).to_pylist()}
    assert sorted(got) == ["#1", "#2"]
    assert (got["#1"]["refunded"], got["#1"]["financial_status"]) == (50.0, "refunded")
    assert (got["#2"]["total"], got["#2"]["discount_code"]) == (
        70.0,
        "BOB15",
    )  # its line item changed nothing
    base = {"name": "#1", "created_at": "2026-04-02T10:00:00-05:00", "total_price": "50.00"}
    j = tmp_path / "orders.json"
    j.write_text(json.dumps({"orders": [base, {**base, "total_refunded": "50.00"}]}))
    assert [(r["order_name"], r["refunded"]) for r in read_orders(j).to_pylist()] == [("#1", 50.0)]
    j.write_text(
        json.dumps({"orders": [{**base, "total_refunded": "50.00"}, base]})
    )  # the later copy, both ways
    assert [(r["order_name"], r["refunded"]) for r in read_orders(j).to_pylist()] == [("#1", 0.0)]


def test_click_rows_of_the_same_day_utm_and_link_are_added_up_and_a_reimport_replaces_them(ws, tmp_path):
    """A clicks export breaks a day down by hour, source, country or device — columns the reader does not keep — so
    two rows of the same date, UTM campaign and link are two counts, added up (never de-duplicated: two hours with
    the same count would be lost). Importing the file again replaces them (key: date + UTM + link), so a re-import
    counts nothing twice."""
    from tribescope.campaigns import read_clicks

    p = _shopify(tmp_path / "o.csv", [_order("#1", "2026-04-02 10:00:00 -0500", "50.00", **_code("ALICE15"))])
    clicks = tmp_path / "link_clicks.csv"
    clicks.write_text(
        "date,utm_campaign,link,source,clicks\n"
        "2026-04-02 10:00,c1-alice,https://acme.shop/?utm_campaign=c1-alice,instagram,6\n"
        "2026-04-02 11:00,c1-alice,https://acme.shop/?utm_campaign=c1-alice,instagram,6\n"
        "2026-04-02 11:00,c1-alice,https://acme.shop/?utm_campaign=c1-alice,stories,8\n"
    )
    assert read_clicks(clicks).num_rows == 3
    _report(ws, tmp_path, p)
    for _ in range(2):  # the first import, then the same file again
        import_campaign(ws, clicks=clicks)
        a = campaign_report(ws, n_boot=10).creators.to_pandas().set_index("creator_id").loc["alice"]
        assert (a["clicks"], a["conversion_rate"]) == (20, pytest.approx(1 / 20))
    clicks.write_text(
        "date,utm_campaign,link,clicks\n2026-04-02,c1-alice,https://acme.shop/?utm_campaign=c1-alice,15\n"
    )
    import_campaign(ws, clicks=clicks)  # a corrected day replaces that day's rows
    assert (
        campaign_report(ws, n_boot=10).creators.to_pandas().set_index("creator_id").loc["alice", "clicks"]
        == 15
    )


def test_a_plan_row_without_a_platform_on_several_platforms_is_an_error_naming_file_line_and_platforms(
    ws, tmp_path
):
    """dan has an Instagram account (4,000 followers) and a TikTok one (900,000); a plan row "k1,,dan" silently took
    the first account's followers (and its posts). Importing it is now an error naming the file, the line and the
    platforms to choose from; the workspace is left as it was. A row whose id is on one platform takes that
    account (its followers, and its platform's CPM for EMV)."""
    try:
        from .test_campaigns import _creators
    except ImportError:
        from test_campaigns import _creators  # type: ignore[no-redef]

    _creators(ws, [("instagram", "dan", 4_000), ("tiktok", "dan", 900_000), ("tiktok", "erin", 5_000)])
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "campaign_id,creator_id,cost,start,end,promo_code\n"
        "k1,erin,250,2026-04-01,2026-04-10,ERIN10\n"
        "k1,Dan,300,2026-04-01,2026-04-10,DAN10\n"
    )
    with pytest.raises(CampaignError) as e:
        import_campaign(ws, plan=plan)
    assert str(e.value) == (
        f"{plan}, line 3, field 'creator_platform': creator 'Dan' has no platform and the workspace has instagram "
        "and tiktok creators of that id; write which account the campaign paid: one of instagram, tiktok"
    )
    assert not ws.has_table("campaign_plan") or ws.table("campaign_plan").count().execute() == 0
    plan.write_text(plan.read_text().replace("creator_id,", "platform,creator_id,").replace("k1,", "k1,,"))
    with pytest.raises(CampaignError, match=r"line 3, field 'platform': creator 'Dan' has no platform"):
        import_campaign(ws, plan=plan)
    plan.write_text(plan.read_text().replace("k1,,Dan", "k1,tiktok,Dan"))
    import_campaign(ws, plan=plan)
    c = campaign_report(ws, n_boot=10).creators.to_pandas().set_index("creator_id")
    assert c.loc["dan", "followers"] == 900_000
    assert c.loc["erin", ["followers", "emv"]].tolist() == [5_000, 500 * 6.00 / 1000]  # TikTok's CPM 6.00


def test_a_creator_id_on_several_platforms_after_the_import_takes_no_accounts_figures(ws, tmp_path):
    """The plan was imported when only instagram:dan had posts; tiktok:dan's came later. The report no longer takes
    the first account's followers: they stay empty, and a note names the id, the platforms and the fix."""
    try:
        from .test_campaigns import _creators
    except ImportError:
        from test_campaigns import _creators  # type: ignore[no-redef]

    _creators(ws, [("instagram", "dan", 4_000), ("instagram", "erin", 5_000)])
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "campaign_id,creator_id,cost,start,end,promo_code\n"
        "k1,dan,300,2026-04-01,2026-04-10,DAN10\n"
        "k1,erin,250,2026-04-01,2026-04-10,ERIN10\n"
    )
    import_campaign(ws, plan=plan)
    c = campaign_report(ws, n_boot=10).creators.to_pandas().set_index("creator_id")
    assert c.loc["dan", "followers"] == 4_000 and c.loc["erin", "emv"] == 500 * 7.00 / 1000  # Instagram's CPM
    _creators(ws, [("tiktok", "dan", 900_000)])
    rep = campaign_report(ws, n_boot=10)
    c = rep.creators.to_pandas().set_index("creator_id")
    assert c.loc["dan", "followers"] != c.loc["dan", "followers"]  # NaN: neither account's
    assert c.loc["erin", "followers"] == 5_000
    assert (
        "dan: the plan gives no platform and the workspace has instagram and tiktok creators of that id — no "
        "account's followers, tier, score label or posts are used (it used to take the first account's); import the "
        "plan again with a creator_platform"
    ) in rep.notes
