"""Per-comment features: rule categories as Ibis expressions, and VADER sentiment."""

from tribescope.features._rules import (
    ACTION_INTENT_PATTERN,
    GENERIC_PRAISE_PATTERN,
    LINK_SPAM_PATTERN,
    comment_features,
    content_tokens,
    normalized_words,
)
from tribescope.features.sentiment import add_sentiment, sentiment_scores

__all__ = [
    "ACTION_INTENT_PATTERN",
    "GENERIC_PRAISE_PATTERN",
    "LINK_SPAM_PATTERN",
    "add_sentiment",
    "comment_features",
    "content_tokens",
    "normalized_words",
    "sentiment_scores",
]
