"""Campaign follow-ups: no shop-customer e-mail stored, group figures unknown when every row's are, orders awaiting
payment not counted (CSV and JSON alike). Figures computed by hand in each test."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tribescope.campaigns import CampaignError, campaign_report, import_campaign, read_orders

try:  # tests/ may or may not be a package
    from ._score_fixtures import insert as _put
except ImportError:
    from _score_fixtures import insert as _put  # type: ignore[no-redef]

HEADER = "Name,Email,Financial Status,Currency,Total,Discount Code,Created at,Cancelled at,Refunded Amount"
PLAN = (
    "campaign_id,brand,creator_platform,creator_id,handle,cost,currency,start,end,promo_code\n"
    "c1,Acme,instagram,alice,alice,200,USD,2026-04-01,2026-04-10,ALICE15\n"
    "c1,Acme,instagram,bob,bob,100,USD,2026-04-01,2026-04-10,BOB15\n"
)


def _csv(tmp_path, rows, name="orders.csv"):
    p = tmp_path / name
    p.write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    return p


def _plan(tmp_path):
    p = tmp_path / "plan.csv"
    p.write_text(PLAN)
    return p


def test_orders_keep_no_customer_email(ws, tmp_path):
    """No figure reads a customer's e-mail: neither reader keeps it and the workspace holds none."""
    csv_orders = _csv(tmp_path, ["#1,Ann.Lee@mail.example,paid,USD,50,ALICE15,2026-04-02 10:00:00 +0000,,0"])
    js = tmp_path / "orders.json"
    js.write_text(
        json.dumps(
            {
                "orders": [
                    {
                        "name": "#2",
                        "email": "bo@mail.example",
                        "contact_email": "bo@mail.example",
                        "financial_status": "paid",
                        "total_price": "30.00",
                        "created_at": "2026-04-03T10:00:00Z",
                        "discount_codes": [{"code": "BOB15"}],
                    }
                ]
            }
        )
    )
    for f in (csv_orders, js):
        assert "email" not in read_orders(f).column_names
    import_campaign(ws, plan=_plan(tmp_path), orders=csv_orders)
    import_campaign(ws, orders=js)
    assert "email" not in ws.table("campaign_orders").columns
    dump = ws.duck.execute("SELECT * FROM campaign_orders").fetchall()
    assert len(dump) == 2 and "mail.example" not in repr(dump)
    c = campaign_report(ws, n_boot=50).creators.to_pandas().set_index("creator_id")
    assert c.loc["alice", "conversions"] == 1 and c.loc["bob", "conversions"] == 1


def test_an_old_workspaces_stored_emails_go_on_the_next_campaign_import(ws, tmp_path):
    """A workspace whose campaign_orders has the old ``email`` column loses it (and the addresses) on its next
    campaign import, whatever that import brings; its orders stay."""
    ws.duck.execute(
        "CREATE TABLE campaign_orders (order_name VARCHAR, order_id VARCHAR, email VARCHAR, financial_status VARCHAR,"
        " created_at TIMESTAMPTZ, currency VARCHAR, subtotal DOUBLE, discount_code VARCHAR, discount_amount DOUBLE,"
        " total DOUBLE, refunded DOUBLE, cancelled BOOLEAN, landing_site VARCHAR, referring_site VARCHAR,"
        " utm_campaign VARCHAR, source_file VARCHAR)"
    )
    ws.duck.execute(
        "INSERT INTO campaign_orders VALUES ('#9', '9', 'old@mail.example', 'paid', '2026-04-02 10:00:00+00', 'USD',"
        " 40, 'ALICE15', 0, 40, 0, false, NULL, NULL, NULL, 'old.csv')"
    )
    import_campaign(ws, plan=_plan(tmp_path))
    assert "email" not in ws.table("campaign_orders").columns
    assert ws.duck.execute("SELECT order_name, total FROM campaign_orders").fetchall() == [("#9", 40.0)]
    c = campaign_report(ws, n_boot=50).creators.to_pandas().set_index("creator_id")
    assert c.loc["alice", "conversions"] == 1 and c.loc["alice", "revenue"] == 40.0


def test_group_figures_unknown_on_every_row_are_empty_and_ratios_pool_known_rows(ws, tmp_path):
    """alice: 20,000 followers, no posts → impressions 2,000 (estimated), 1 conversion; bob: not in the workspace →
    no impressions, engagements or followers, 1 conversion. Group CPM = 200 × 1000 / 2,000 = 100 (not 300 × 1000 /
    2,000 = 150: bob's fee bought no known impression); conversions per 1k followers = 1000 × 1 / 20,000 = 0.05 (not
    2 / 20 = 0.1); engagements unknown on both rows → empty, and CPE empty (was 0 and None)."""
    _put(
        ws,
        "accounts",
        [{"platform": "instagram", "account_id": "alice", "username": "alice", "followers": 20_000}],
    )
    orders = _csv(
        tmp_path,
        [
            "#1,,paid,USD,50,ALICE15,2026-04-02 10:00:00 +0000,,0",
            "#2,,paid,USD,30,BOB15,2026-04-03 10:00:00 +0000,,0",
        ],
    )
    import_campaign(ws, plan=_plan(tmp_path), orders=orders)
    rep = campaign_report(ws, n_boot=50)
    c = rep.creators.to_pandas().set_index("creator_id")
    assert c.loc["alice", "impressions"] == 2000.0 and pd.isna(c.loc["bob", "impressions"])
    for table in (rep.campaigns, rep.labels):
        g = table.to_pandas().iloc[0]
        assert g["creators"] == 2 and g["cost"] == 300.0 and g["conversions"] == 2
        assert g["impressions"] == 2000.0
        assert g["cpm"] == 100.0
        assert g["conversions_per_1k_followers"] == 0.05
        assert pd.isna(g["engagements"]) and pd.isna(g["cpe"])


def test_group_impressions_empty_when_no_row_has_any(ws, tmp_path):
    """Neither creator is in the workspace: no impressions anywhere → the group's impressions and CPM are empty (the
    impressions used to read 0)."""
    import_campaign(ws, plan=_plan(tmp_path))
    g = campaign_report(ws, n_boot=50).campaigns.to_pandas().iloc[0]
    assert pd.isna(g["impressions"]) and pd.isna(g["cpm"]) and pd.isna(g["conversions_per_1k_followers"])


def _json_orders(path, statuses):
    path.write_text(
        json.dumps(
            [
                {
                    "name": f"#{k}",
                    "financial_status": s,
                    "total_price": "10.00",
                    "created_at": f"2026-04-0{k + 1}T10:00:00Z",
                    "discount_codes": [{"code": "ALICE15"}],
                }
                for k, s in enumerate(statuses)
            ]
        )
    )
    return path


STATUSES = ["paid", "pending", "authorized", "expired", "voided", "partially_refunded"]


def test_orders_awaiting_payment_are_not_conversions_in_csv_and_json_alike(ws, tmp_path):
    """Six ALICE15 orders of 10: paid and partially refunded (0 refunded here) count → 2 conversions, revenue 20;
    pending and authorized are not paid yet (Shopify: "payment might fail" / not captured) → not counted, named in
    the notes; expired and voided are no sale. The CSV export and the Orders API JSON give the same figures."""
    csv_rows = [
        f"#{k},,{s},USD,10.00,ALICE15,2026-04-0{k + 1} 10:00:00 +0000,,0" for k, s in enumerate(STATUSES)
    ]
    sources = {"csv": _csv(tmp_path, csv_rows), "json": _json_orders(tmp_path / "orders.json", STATUSES)}
    stored = {
        kind: read_orders(f).to_pandas().set_index("order_name")[["financial_status", "cancelled"]]
        for kind, f in sources.items()
    }
    pd.testing.assert_frame_equal(stored["csv"], stored["json"])
    assert stored["csv"]["cancelled"].to_dict() == {
        "#0": False,
        "#1": False,
        "#2": False,
        "#3": True,
        "#4": True,
        "#5": False,
    }
    import_campaign(ws, plan=_plan(tmp_path))
    for f in sources.values():
        import_campaign(ws, orders=f)
        rep = campaign_report(ws, n_boot=50)
        alice = rep.creators.to_pandas().set_index("creator_id").loc["alice"]
        assert alice["conversions"] == 2 and alice["revenue"] == 20.0
        assert any(
            n.startswith("2 orders with a creator's code or UTM campaign are awaiting payment")
            and "authorized / pending" in n
            and "#1, #2" in n
            for n in rep.notes
        ), rep.notes
        inc = rep.incrementality.to_pandas().iloc[0]
        assert inc["credited_orders"] == 2


def test_an_order_stored_before_expired_counted_as_void_is_not_credited(ws, tmp_path):
    """An order imported when ``expired`` was not read as a cancellation (stored cancelled = false) is no sale either:
    attribution reads the stored status."""
    import_campaign(ws, plan=_plan(tmp_path))
    ws.duck.execute(
        "INSERT INTO campaign_orders (order_name, financial_status, created_at, total, refunded, cancelled,"
        " discount_code) VALUES ('#7', 'expired', '2026-04-02 10:00:00+00', 25, 0, false, 'ALICE15')"
    )
    alice = campaign_report(ws, n_boot=50).creators.to_pandas().set_index("creator_id").loc["alice"]
    assert alice["conversions"] == 0 and alice["revenue"] == 0.0


def test_a_plan_row_of_a_forgotten_creator_is_refused_naming_its_line(ws, tmp_path):
    """``forget bob`` deletes bob's plan row and says later imports drop what they bring of him; importing the plan
    again used to bring the row (handle and fee) back. Now the import is refused, naming the line; nothing is
    written. Another platform's bob (forgotten on instagram only) is not refused."""
    from tribescope.store._privacy import forget

    _put(
        ws, "accounts", [{"platform": "instagram", "account_id": "bob", "username": "bob", "followers": 900}]
    )
    import_campaign(ws, plan=_plan(tmp_path))
    rep = forget(ws, "bob", platform="instagram")
    assert rep.deleted.get("campaign_plan") == 1 and rep.suppressed
    with pytest.raises(CampaignError, match=r"plan\.csv, line 3: creator 'bob' \(instagram\) was forgotten"):
        import_campaign(ws, plan=_plan(tmp_path))
    assert ws.duck.execute("SELECT creator_id FROM campaign_plan").fetchall() == [("alice",)]
    other = tmp_path / "tiktok_plan.csv"
    other.write_text(PLAN.replace("instagram,bob", "tiktok,bob").replace("c1,", "c2,"))
    import_campaign(ws, plan=other)
    assert ws.duck.execute("SELECT count(*) FROM campaign_plan WHERE creator_id = 'bob'").fetchone()[0] == 1
