"""Campaigns: import plans and shop results, attribute orders, measure ROI, forecast, plan a budget."""

from tribescope.campaigns._attribution import ATTRIBUTION_WINDOW_DAYS, attribute_orders, campaign_posts
from tribescope.campaigns._forecast import (
    DEFAULT_AOV,
    DEFAULT_RATE_PER_1K,
    TIER_FACTOR,
    GammaPrior,
    backtest,
    fit_priors,
    forecast,
    prior_for,
)
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
from tribescope.campaigns._plan import FEE_PER_1K, BudgetPlan, estimate_fee, optimise, plan_budget
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
    "DEFAULT_AOV",
    "DEFAULT_RATE_PER_1K",
    "FEE_PER_1K",
    "REACH_RATE",
    "TIER_FACTOR",
    "BudgetPlan",
    "CampaignError",
    "CampaignReport",
    "GammaPrior",
    "attribute_orders",
    "backtest",
    "bootstrap_creator",
    "campaign_posts",
    "campaign_report",
    "ensure_tables",
    "estimate_fee",
    "find_campaign_files",
    "fit_priors",
    "forecast",
    "import_campaign",
    "label_group",
    "load_cpm_table",
    "optimise",
    "parse_money",
    "parse_shop_time",
    "plan_budget",
    "prior_for",
    "read_clicks",
    "read_orders",
    "read_plan",
    "utm_campaign_of",
]
