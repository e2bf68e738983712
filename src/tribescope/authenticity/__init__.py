"""Audience authenticity: fake/bot accounts, comment quality (spam, attacks, generic), engagement pods.

Models are trained on real labelled data (see docs/authenticity.md) and shipped in ``models/``.
"""

from tribescope.authenticity._accounts import (
    CATEGORIES,
    FEATURES,
    AccountModel,
    ModelError,
    account_feature_exprs,
    features_from_canonical,
    load_account_model,
)
from tribescope.authenticity._comments import (
    QUALITY_CLASSES,
    comment_quality,
    load_text_model,
    rule_quality,
    score_comments,
)
from tribescope.authenticity._creator import comment_scores, creator_audience_authenticity, score_accounts
from tribescope.authenticity._pods import PodParams, find_pods, pod_pairs

__all__ = [
    "CATEGORIES",
    "FEATURES",
    "QUALITY_CLASSES",
    "AccountModel",
    "FakeAccountClassifier",
    "ModelError",
    "PodParams",
    "account_feature_exprs",
    "comment_quality",
    "comment_scores",
    "creator_audience_authenticity",
    "features_from_canonical",
    "find_pods",
    "load_account_model",
    "load_text_model",
    "pod_pairs",
    "rule_quality",
    "score_accounts",
    "score_comments",
]


def __getattr__(name: str) -> object:
    # ``FakeAccountClassifier`` (an sklearn estimator) is only built when asked for: applying the shipped model
    # never imports scikit-learn (see ``_accounts._make_classifier``)
    if name == "FakeAccountClassifier":
        from tribescope.authenticity import _accounts

        return _accounts.FakeAccountClassifier
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "FakeAccountClassifier"})
