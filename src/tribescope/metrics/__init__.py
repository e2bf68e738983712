"""Per-creator metric families: backend-free Ibis functions keyed by ``(platform, creator_id)``.

Each function takes Ibis tables (the workspace's canonical tables or :func:`threads`) and returns an
Ibis table with one row per creator; formulas and sources are in each docstring.
"""

from tribescope.metrics._all import creator_metric_parts, creator_metrics
from tribescope.metrics._audience import account_category, audience_quality
from tribescope.metrics._base import KEY, threads
from tribescope.metrics._brand import DISCLOSURE_TAGS, brand_deals, sponsored_posts
from tribescope.metrics._community import offplatform
from tribescope.metrics._connectedness import connectedness, ties
from tribescope.metrics._conversation import conversation, sentiment_mean
from tribescope.metrics._engagement import engagement, post_engagement
from tribescope.metrics._niche import niche
from tribescope.metrics._reach import DEFAULT_TIERS, reach, tier_of

__all__ = [
    "DEFAULT_TIERS",
    "DISCLOSURE_TAGS",
    "KEY",
    "account_category",
    "audience_quality",
    "brand_deals",
    "connectedness",
    "conversation",
    "creator_metric_parts",
    "creator_metrics",
    "engagement",
    "niche",
    "offplatform",
    "post_engagement",
    "reach",
    "sentiment_mean",
    "sponsored_posts",
    "threads",
    "tier_of",
    "ties",
]
