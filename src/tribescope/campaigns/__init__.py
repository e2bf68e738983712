"""Campaigns: import plans and shop results, attribute orders, measure ROI, forecast, plan a budget."""

from tribescope.campaigns._attribution import ATTRIBUTION_WINDOW_DAYS, attribute_orders, campaign_posts
from tribescope.campaigns._io import (
    CampaignError,
    ensure_tables,
    find_campaign_files,
    import_campaign,
    parse_money,
    parse_shop_time,
    read_clicks,
    read_orders,
    read_plan,
    utm_campaign_of,
)
from tribescope.campaigns._report import (
    REACH_RATE,
    CampaignReport,
    bootstrap_creator,
    campaign_report,
    label_group,
    load_cpm_table,
)

__all__ = [
    "ATTRIBUTION_WINDOW_DAYS",
    "REACH_RATE",
    "CampaignError",
    "CampaignReport",
    "attribute_orders",
    "bootstrap_creator",
    "campaign_posts",
    "campaign_report",
    "ensure_tables",
    "find_campaign_files",
    "import_campaign",
    "label_group",
    "load_cpm_table",
    "parse_money",
    "parse_shop_time",
    "read_clicks",
    "read_orders",
    "read_plan",
    "utm_campaign_of",
]
