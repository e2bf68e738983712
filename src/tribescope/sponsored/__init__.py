"""Sponsored posts: disclosed (platform flag, disclosure hashtags) and "likely sponsored" (a shipped model)."""

from tribescope.sponsored._classify import SPONSORED_SCHEMA, classify_posts
from tribescope.sponsored._disclosure import (
    DISCLOSURE_HASHTAGS,
    commercial_signals,
    disclosure_hashtags_in,
    is_disclosed,
)
from tribescope.sponsored._features import FEATURES, BrandIndex, brand_index, post_features
from tribescope.sponsored._model import SponsoredModel, load_model
from tribescope.sponsored._train import (
    average_precision,
    evaluate_kim,
    evaluate_scores,
    recall_at_k,
    train_kim,
)

__all__ = [
    "DISCLOSURE_HASHTAGS",
    "FEATURES",
    "SPONSORED_SCHEMA",
    "BrandIndex",
    "SponsoredModel",
    "average_precision",
    "brand_index",
    "classify_posts",
    "commercial_signals",
    "disclosure_hashtags_in",
    "evaluate_kim",
    "evaluate_scores",
    "is_disclosed",
    "load_model",
    "post_features",
    "recall_at_k",
    "train_kim",
]
