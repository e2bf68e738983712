"""Campaign import and report as a marketing manager meets them: real Shopify / WooCommerce / Orders API files,
re-imports, refunds, currencies (each test pins a bug found by hand; see docs/campaigns.md)."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from tribescope.campaigns import (
    CampaignError,
    attribute_orders,
    campaign_report,
    find_campaign_files,
    import_campaign,
    read_orders,
    read_plan,
    utm_campaign_of,
)

try:  # tests/ may or may not be a package
    from ._score_fixtures import insert as _put
except ImportError:
    from _score_fixtures import insert as _put  # type: ignore[no-redef]

#: Shopify's admin orders export header, in Shopify's column order (line items repeat the order's Name)
_SHOPIFY_COLUMNS = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,"
    "Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,"
    "Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,"
    "Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,"
    "Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,"
    "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,"
    "Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,"
    "Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,"
    "Lineitem discount,Tax 1 Name,Tax 1 Value,Phone,Receipt Number,Duties,Billing Province Name,"
    "Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,Payment References"
)
SHOPIFY_HEADER = _SHOPIFY_COLUMNS.split(",")

PLAN = (
    "campaign_id,brand,creator_platform,creator_id,handle,cost,currency,start,end,promo_code,utm_campaign\n"
    "c1,Acme,instagram,alice,alice,200.00,USD,2026-04-01,2026-04-10,ALICE15,c1-alice\n"
    "c1,Acme,instagram,bob,bob,100.00,USD,2026-04-01,2026-04-10,BOB15,c1-bob\n"
)


def _shopify(path, orders, header=SHOPIFY_HEADER):
    """Write a Shopify export: each order is a dict of column → value (continuation rows: only Name + line item)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, header)
        w.writeheader()
        for o in orders:
            w.writerow({h: o.get(h, "") for h in header})
    return path


def _order(name, created, total, **kw):
    return {
        "Name": name,
        "Email": "buyer@example.com",
        "Financial Status": "paid",
        "Paid at": created,
        "Currency": "USD",
        "Subtotal": total,
        "Total": total,
        "Created at": created,
        "Lineitem quantity": "1",
        "Lineitem name": "Bottle",
        "Refunded Amount": "0.00",
        "Id": name.strip("#"),
        **kw,
    }


def _report(ws, tmp_path, orders, plan=PLAN):
    (tmp_path / "plan.csv").write_text(plan)
    import_campaign(ws, plan=tmp_path / "plan.csv", orders=orders)
    rep = campaign_report(ws, n_boot=50)
    return rep, rep.creators.to_pandas().set_index("creator_id")


# ------------------------------------------------------------------------------------------- bad rows
def test_bad_amount_names_file_physical_line_and_field(tmp_path):
    """A Shopify note spanning two lines: the error names the physical line of the bad record and its column."""
    p = _shopify(
        tmp_path / "orders_export.csv",
        [
            _order("#1001", "2026-04-02 10:00:00 -0500", "50.00", Notes="leave at door\nring twice"),
            {"Name": "#1001", "Lineitem quantity": "1", "Lineitem name": "Mug"},
            _order("#1002", "2026-04-02 11:00:00 -0500", "4x2"),
        ],
    )
    with pytest.raises(CampaignError) as e:
        read_orders(p)
    assert f"{p}, line 5, field 'Total'" in str(e.value)  # header 1, #1001 lines 2-3, line item 4, #1002 5


def test_bad_plan_fee_and_dates_name_the_field(tmp_path):
    p = tmp_path / "plan.csv"
    p.write_text(PLAN.replace("200.00", "two hundred"))
    with pytest.raises(CampaignError, match=r"line 2, field 'cost'"):
        read_plan(p)
    p.write_text(PLAN.replace("2026-04-01,2026-04-10,ALICE15", "2026-04-11,2026-04-10,ALICE15"))
    with pytest.raises(CampaignError, match=r"line 2, field 'end': end 2026-04-10 is before start"):
        read_plan(p)
    p.write_text(PLAN + "c1,Acme,instagram,Alice,alice,50,USD,2026-04-01,2026-04-10,ALICE20,c1-alice2\n")
    with pytest.raises(
        CampaignError, match=r"line 4: creator 'Alice' appears twice in campaign 'c1' \(also line 2\)"
    ):
        read_plan(p)


# ------------------------------------------------------------------------------------------- Shopify export
def test_an_order_with_several_discount_codes_credits_the_creators_code(ws, tmp_path):
    """Shopify writes every code of an order in `Discount Code` ("WELCOME10, ALICE15"); the creator's code need
    not be the first."""
    p = _shopify(
        tmp_path / "orders_export.csv",
        [_order("#1001", "2026-04-02 10:00:00 -0500", "50.00", **{"Discount Code": "WELCOME10, alice15"})],
    )
    assert read_orders(p).column("discount_code").to_pylist() == ["WELCOME10,ALICE15"]
    _, c = _report(ws, tmp_path, p)
    assert c.loc["alice", "conversions"] == 1 and c.loc["alice", "revenue"] == 50.0


def test_canceled_at_as_current_exports_spell_it(tmp_path):
    header = [("Canceled at" if h == "Cancelled at" else h) for h in SHOPIFY_HEADER]
    p = _shopify(
        tmp_path / "orders_export.csv",
        [
            _order(
                "#1001",
                "2026-04-02 10:00:00 -0500",
                "50.00",
                **{"Discount Code": "ALICE15", "Canceled at": "2026-04-03 09:00:00 -0500"},
            )
        ],
        header=header,
    )
    t = read_orders(p).to_pandas()
    assert t["cancelled"].tolist() == [True]
    assert attribute_orders(read_plan(_plan(tmp_path)).to_pandas(), t)["plan_row"].tolist() == [-1]


def _plan(tmp_path, text=PLAN):
    p = tmp_path / "plan.csv"
    p.write_text(text)
    return p


def test_orders_refunded_in_full_are_not_conversions(ws, tmp_path):
    """All of bob's orders were refunded: 0 conversions and no CPA, not 2 conversions at CPA 50; a partial
    refund still counts, at Total − Refunded Amount."""
    p = _shopify(
        tmp_path / "orders_export.csv",
        [
            _order(
                "#1001",
                "2026-04-02 10:00:00 -0500",
                "60.00",
                **{"Discount Code": "BOB15", "Financial Status": "refunded", "Refunded Amount": "60.00"},
            ),
            _order(
                "#1002",
                "2026-04-03 10:00:00 -0500",
                "40.00",
                **{"Discount Code": "BOB15", "Financial Status": "refunded", "Refunded Amount": "40.00"},
            ),
            _order(
                "#1003",
                "2026-04-03 10:00:00 -0500",
                "80.00",
                **{
                    "Discount Code": "ALICE15",
                    "Financial Status": "partially_refunded",
                    "Refunded Amount": "30.00",
                },
            ),
        ],
    )
    _, c = _report(ws, tmp_path, p)
    assert c.loc["bob", "conversions"] == 0 and c.loc["bob", "revenue"] == 0.0
    assert c.loc["bob", "cpa"] is None or c["cpa"].isna()["bob"]
    assert c.loc["alice", "conversions"] == 1 and c.loc["alice", "revenue"] == 50.0


def test_test_orders_of_the_bogus_gateway_are_no_sales(tmp_path):
    p = _shopify(
        tmp_path / "orders_export.csv",
        [
            _order("#1001", "2026-04-02 10:00:00 -0500", "50.00", **{"Payment Method": "bogus"}),
            _order("#1002", "2026-04-02 10:00:00 -0500", "20.00", **{"Payment Method": "Shopify Payments"}),
        ],
    )
    assert read_orders(p).column("order_name").to_pylist() == ["#1002"]


def test_utm_in_an_html_escaped_landing_site():
    assert utm_campaign_of("/?utm_source=ig&amp;utm_campaign=C1-Alice") == "c1-alice"
    assert utm_campaign_of("/products/x?ref=a&utm_campaign=c1%2Dalice#top") == "c1-alice"


def test_orders_in_another_currency_are_flagged(ws, tmp_path):
    p = _shopify(
        tmp_path / "orders_export.csv",
        [
            _order(
                "#1001", "2026-04-02 10:00:00 -0500", "50.00", Currency="EUR", **{"Discount Code": "ALICE15"}
            ),
            _order("#1002", "2026-04-02 10:00:00 -0500", "20.00", **{"Discount Code": "BOB15"}),
        ],
    )
    rep, c = _report(ws, tmp_path, p)
    assert c.loc["alice", "orders_in_other_currency"] == 1 and c.loc["bob", "orders_in_other_currency"] == 0
    assert any("credited orders in EUR but the fee is in USD" in n for n in rep.notes)


# ------------------------------------------------------------------------------------------- other shops
def test_shopify_orders_api_json(ws, tmp_path):
    """`orders.json` of the Orders API: discount_codes[], refunds[].transactions[], test and cancelled orders."""
    orders = {
        "orders": [
            {
                "id": 450789469,
                "name": "#1001",
                "email": "Bob@Example.com",
                "created_at": "2026-04-02T10:00:00-04:00",
                "currency": "USD",
                "financial_status": "partially_refunded",
                "total_price": "100.00",
                "subtotal_price": "90.00",
                "total_discounts": "10.00",
                "discount_codes": [
                    {"code": "welcome10", "amount": "5.00", "type": "fixed_amount"},
                    {"code": "bob15", "amount": "5.00", "type": "percentage"},
                ],
                "landing_site": "/?utm_source=ig",
                "referring_site": "https://l.instagram.com/",
                "cancelled_at": None,
                "test": False,
                "refunds": [
                    {
                        "transactions": [
                            {"kind": "refund", "status": "success", "amount": "30.00"},
                            {"kind": "refund", "status": "failure", "amount": "70.00"},
                        ]
                    }
                ],
            },
            {
                "id": 450789470,
                "name": "#1002",
                "created_at": "2026-04-03T10:00:00Z",
                "currency": "USD",
                "total_price": "40.00",
                "discount_codes": [],
                "landing_site": "/products/x?utm_source=ig&utm_campaign=C1-Alice",
                "test": True,
            },
            {
                "id": 450789471,
                "name": "#1003",
                "created_at": "2026-04-03T10:00:00Z",
                "currency": "USD",
                "total_price": "40.00",
                "landing_site": "/?utm_campaign=c1-alice",
                "cancelled_at": "2026-04-04T10:00:00Z",
            },
            {
                "id": 450789472,
                "name": "#1004",
                "created_at": "2026-04-03T10:00:00Z",
                "currency": "USD",
                "total_price": "25.00",
                "landing_site": "/?utm_source=ig&utm_campaign=c1-alice",
            },
        ]
    }
    (tmp_path / "orders.json").write_text(json.dumps(orders))
    (tmp_path / "campaign_plan.csv").write_text(PLAN)
    files = find_campaign_files(tmp_path)
    assert files["orders"].name == "orders.json"
    t = read_orders(files["orders"]).to_pandas().set_index("order_name")
    assert sorted(t.index) == ["#1001", "#1003", "#1004"]  # the test order is no sale
    assert t.loc["#1001", "discount_code"] == "WELCOME10,BOB15" and t.loc["#1001", "refunded"] == 30.0
    assert bool(t.loc["#1003", "cancelled"])
    import_campaign(ws, **files)
    c = campaign_report(ws, n_boot=50).creators.to_pandas().set_index("creator_id")
    assert (c.loc["bob", "conversions"], c.loc["bob", "revenue"]) == (1, 70.0)
    assert (c.loc["alice", "conversions"], c.loc["alice", "revenue"]) == (1, 25.0)


def test_woocommerce_orders_export(tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text(
        "order_id,order_number,order_date,status,shipping_total,discount_total,order_total,order_currency,"
        "billing_email,coupon_items\n"
        "4993,4993,2026-04-02 10:37:00,completed,0,5,45.00,USD,c@x.com,code:bob15|description:|amount:5.00\n"
        "4994,4994,2026-04-03 10:37:00,refunded,0,5,45.00,USD,c@x.com,code:BOB15|description:|amount:5.00\n"
        "4995,4995,2026-04-03 10:37:00,cancelled,0,0,45.00,USD,c@x.com,\n"
    )
    t = read_orders(p).to_pandas().set_index("order_name")
    assert t["discount_code"].tolist() == ["BOB15", "BOB15", None]
    assert t["refunded"].tolist() == [0.0, 45.0, 0.0] and t["cancelled"].tolist() == [False, False, True]
    att = attribute_orders(read_plan(_plan(tmp_path)).to_pandas(), t.reset_index())
    assert att["plan_row"].tolist() == [1, -1, -1]


# ------------------------------------------------------------------------------------------- re-imports
def test_reimport_is_idempotent_and_a_changed_plan_replaces_the_campaign(ws, tmp_path):
    p = _shopify(
        tmp_path / "orders_export.csv",
        [
            _order("#1001", "2026-04-02 10:00:00 -0500", "50.00", **{"Discount Code": "ALICE15"}),
            _order("#1002", "2026-04-02 10:00:00 -0500", "20.00", **{"Discount Code": "BOB15"}),
        ],
    )
    plan = _plan(tmp_path)

    def tables():
        return {
            n: ws.duck.execute(f'SELECT * FROM "{n}" ORDER BY ALL').fetchall()
            for n in ("campaign_plan", "campaign_orders")
        }

    import_campaign(ws, plan=plan, orders=p)
    first = tables()
    import_campaign(ws, plan=plan, orders=p)
    assert tables() == first
    # bob is dropped from the plan and alice's fee corrected: the campaign is what the file now says
    _plan(tmp_path, PLAN.replace("200.00", "250.00").rsplit("c1,Acme,instagram,bob", 1)[0])
    import_campaign(ws, plan=plan)
    rows = ws.duck.execute("SELECT creator_id, cost FROM campaign_plan").fetchall()
    assert rows == [("alice", 250.0)]
    # a bad orders row: nothing of that import lands, the plan included
    bad = _shopify(tmp_path / "bad.csv", [_order("#1003", "2026-04-02 10:00:00 -0500", "N/A")])
    before = tables()
    with pytest.raises(CampaignError, match="field 'Total'"):
        import_campaign(ws, plan=_plan(tmp_path, PLAN), orders=bad)
    assert tables() == before


# ------------------------------------------------------------------------------------------- EMV rate card
def test_cpm_table_as_a_spreadsheet_writes_it(tmp_path):
    from tribescope.campaigns import load_cpm_table

    p = tmp_path / "cpm.csv"
    p.write_text("Platform,CPM\nInstagram,$7.50\nyoutube,9\n")
    assert load_cpm_table(p) == {"instagram": 7.5, "youtube": 9.0}
    p.write_text("platform,cpm\ninstagram,7\nyoutube,\n")
    with pytest.raises(CampaignError, match=r"line 3, field 'cpm': no CPM for 'youtube'"):
        load_cpm_table(p)
    p.write_text("platform,cpm\ninstagram,seven\n")
    with pytest.raises(CampaignError, match=r"line 2, field 'cpm': 'seven' is not an amount"):
        load_cpm_table(p)


def test_a_platform_missing_from_the_cpm_table_has_no_emv_not_zero(ws, tmp_path):
    _put(
        ws,
        "accounts",
        [{"platform": "instagram", "account_id": "alice", "username": "alice", "followers": 20_000}],
    )
    import_campaign(ws, plan=_plan(tmp_path))
    rep = campaign_report(ws, n_boot=20, cpm_table={"youtube": 9.0})
    c = rep.creators.to_pandas().set_index("creator_id")
    assert c.loc["alice", "impressions"] == 2000.0 and c["emv"].isna()["alice"]
    assert any("no CPM for instagram" in n for n in rep.notes)
    c = (
        campaign_report(ws, n_boot=20, cpm_table={"generic": 5.0})
        .creators.to_pandas()
        .set_index("creator_id")
    )
    assert c.loc["alice", "emv"] == pytest.approx(10.0)  # 2,000 × 5 / 1000


def test_a_creator_with_two_codes_in_the_plan(tmp_path):
    plan = read_plan(_plan(tmp_path, PLAN.replace(",ALICE15,", ",ALICE15; alice-tiktok,"))).to_pandas()
    p = _shopify(
        tmp_path / "orders_export.csv",
        [
            _order("#1001", "2026-04-02 10:00:00 -0500", "50.00", **{"Discount Code": "ALICE-TIKTOK"}),
            _order("#1002", "2026-04-02 10:00:00 -0500", "50.00", **{"Discount Code": "alice15"}),
        ],
    )
    att = attribute_orders(plan, read_orders(p).to_pandas())
    assert att["plan_row"].tolist() == [0, 0] and att["rule"].tolist() == ["code", "code"]


# ------------------------------------------------------------------------------------------- community vs broadcast
LABELLED = (
    "campaign_id,creator_platform,creator_id,cost,currency,start,end,promo_code,label\n"
    "c1,instagram,alice,{a},USD,2026-04-01,2026-04-10,ALICE15,community\n"
    "c1,instagram,bob,100,USD,2026-04-01,2026-04-10,BOB15,{b}\n"
)


def test_comparison_with_an_empty_group_keeps_the_columns_and_says_why(ws, tmp_path):
    p = _shopify(
        tmp_path / "orders_export.csv",
        [_order("#1001", "2026-04-02 10:00:00 -0500", "50.00", **{"Discount Code": "ALICE15"})],
    )
    rep, _ = _report(ws, tmp_path, p, plan=LABELLED.format(a=200, b="community"))
    lab = rep.labels.to_pandas()
    assert lab["group"].tolist() == ["community"] and lab["roi_diff_vs_broadcast"].isna().all()
    assert {"roi_diff_lo", "roi_diff_hi"} <= set(lab.columns)
    assert any("no broadcast creators" in n for n in rep.notes)


def test_gifted_only_community_has_no_roi_difference(ws, tmp_path):
    """Community fees sum to 0 (product seeding): its ROI is undefined, so is the difference — not 0 − ROI(bob)."""
    p = _shopify(
        tmp_path / "orders_export.csv",
        [_order("#1001", "2026-04-02 10:00:00 -0500", "50.00", **{"Discount Code": "ALICE15"})],
    )
    rep, _ = _report(ws, tmp_path, p, plan=LABELLED.format(a=0, b="broadcast"))
    lab = rep.labels.to_pandas().set_index("group")
    assert lab.loc["community", "roi"] is None or pd.isna(lab.loc["community", "roi"])
    assert pd.isna(lab.loc["community", "roi_diff_vs_broadcast"])
    assert not any("community − broadcast pooled ROI" in n for n in rep.notes)


def test_orders_api_single_order_and_bad_records(tmp_path):
    p = tmp_path / "order.json"
    p.write_text(
        json.dumps(
            {"order": {"name": "#9", "total_price": "3.00", "created_at": "2026-04-02T10:00:00.123-04:00"}}
        )
    )
    assert read_orders(p).column("total").to_pylist() == [3.0]
    p.write_text(json.dumps({"orders": [{"name": "#9", "created_at": "2026-04-02T10:00:00Z"}]}))
    with pytest.raises(CampaignError, match=r"order 1 \(#9\), field 'total_price'"):
        read_orders(p)
    p = tmp_path / "orders.ndjson"
    p.write_text(
        '{"name": "#1", "total_price": "3.00", "created_at": "2026-04-02"}\n\n{"name": "#2", "total_price": "x"}\n'
    )
    with pytest.raises(CampaignError, match=r"line 3 \(#2\), field 'total_price': 'x' is not an amount"):
        read_orders(p)
