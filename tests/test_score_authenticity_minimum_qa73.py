"""The authenticity models' components have a minimum of data, as the core components do (spec v1.3.0): one audience
comment gave ``comment_authenticity`` 100 % and five profiled commenters a real-follower share that moved the score by
10 points. Below the spec's ``min_support`` the component is left out, ``explain`` says why, and — with some but too
little data behind it — its weight counts against the coverage, so the confidence falls."""

from __future__ import annotations

import math

import pandas as pd
import pytest

pytest.importorskip("tribescope.score")

from tribescope.score import load_spec, score_frame
from tribescope.score._score import _why_missing

#: a nano creator with a measured community (every core metric known, well over every core minimum)
CORE = {
    "platform": "instagram",
    "handle": "bakes",
    "followers": 8_000,
    "tier": "nano",
    "n_posts": 12,
    "n_posts_with_comments": 12,
    "n_follower_comments": 300,
    "n_commenters": 120,
    "n_pairs": 30,
    "n_hashtag_uses": 40,
    "interacting_commenter_share": 0.3,
    "friend_commenter_share": 0.06,
    "ff_substantive_share": 0.1,
    "reciprocity": 0.08,
    "returning_commenter_share": 0.25,
    "retention": 0.3,
    "graph_lcc_share": 0.25,
    "substantive_share": 0.6,
    "action_intent_share": 0.07,
    "relevance_share": 0.4,
    "creator_reply_share": 0.15,
    "er_median": 0.04,
    "sponsored_share": 0.1,
    "niche_focus": 0.4,
}


def _frame(**models: dict[str, float]) -> pd.DataFrame:
    """One row per creator id: the core metrics plus that creator's model-table columns."""
    return pd.DataFrame([{**CORE, "creator_id": cid, **cols} for cid, cols in models.items()])


def _row(df: pd.DataFrame, cid: str) -> pd.Series:
    return df[df["creator_id"] == cid].iloc[0]


def test_one_comment_or_five_accounts_leave_the_authenticity_components_out():
    sp = load_spec()
    df = score_frame(
        _frame(
            # one audience comment judged authentic, five profiled commenters of whom three are real
            few={
                "comments": 1,
                "comment_authenticity": 1.0,
                "profiled_commenters": 5,
                "real_follower_share": 0.6,
                "authentic_er": 0.03,
            },
            # the same shares measured over enough comments and accounts
            enough={
                "comments": 40,
                "comment_authenticity": 1.0,
                "profiled_commenters": 12,
                "real_follower_share": 0.6,
                "authentic_er": 0.03,
            },
            # no model table row at all
            none={},
        ),
        sp,
    )
    few, enough, none = _row(df, "few"), _row(df, "enough"), _row(df, "none")
    for c in ("c_comment_authenticity", "c_real_followers", "c_authentic_engagement"):
        assert math.isnan(few[c]), c
        assert not math.isnan(enough[c]), c
    # left out entirely: the score is the core components' alone, as for a creator without the models' table
    assert few["community_score"] == none["community_score"]
    assert few["w_comment_authenticity"] == 0.0
    # the real-follower share of 60 % over 12 accounts pulls the score down; over 5 it does not count
    assert enough["community_score"] < few["community_score"]
    by = {c.name: c for c in sp.components}
    assert (
        _why_missing(by["comment_authenticity"], few, True)
        == "too little data: comments 1 < 10 (min_support)"
    )
    assert (
        _why_missing(by["real_followers"], few, True)
        == "too little data: profiled_commenters 5 < 10 (min_support)"
    )
    assert (
        _why_missing(by["authentic_engagement"], few, True)
        == "too little data: profiled_commenters 5 < 10 (min_support)"
    )


def test_too_little_model_data_lowers_the_confidence_and_no_profiles_do_not():
    sp = load_spec()
    df = score_frame(
        _frame(
            few={
                "comments": 300,
                "comment_authenticity": 0.95,
                "profiled_commenters": 5,
                "real_follower_share": 0.8,
                "authentic_er": 0.03,
            },
            # an export that lists no commenter's profile: the profile components do not apply (nothing measured)
            unprofiled={
                "comments": 300,
                "comment_authenticity": 0.95,
                "profiled_commenters": 0,
                "real_follower_share": None,
                "authentic_er": 0.04,
            },
            enough={
                "comments": 300,
                "comment_authenticity": 0.95,
                "profiled_commenters": 50,
                "real_follower_share": 0.8,
                "authentic_er": 0.03,
            },
        ),
        sp,
    )
    few, unprofiled, enough = _row(df, "few"), _row(df, "unprofiled"), _row(df, "enough")
    assert enough["coverage"] == pytest.approx(1.0)
    assert unprofiled["coverage"] == pytest.approx(1.0)
    assert unprofiled["confidence"] == enough["confidence"] == 1.0
    # real_followers (.06) and authentic_engagement (.05) measured on 5 accounts: missing weight beside the core .95
    assert few["coverage"] == pytest.approx(0.95 / (0.95 + 0.06 + 0.05))
    assert few["confidence"] == round(0.95 / 1.06, 3)
