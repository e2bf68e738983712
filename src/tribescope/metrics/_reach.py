"""Reach and tier."""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

__all__ = ["DEFAULT_TIERS", "reach", "tier_of"]

#: (name, lower bound inclusive) in ascending order; the spec file carries the same defaults.
#: Nano/micro/mid/macro/mega follow the industry convention (e.g. Influencer Marketing Hub, HypeAuditor);
#: "creator" (< 1,000) is below the influencer threshold.
DEFAULT_TIERS: tuple[tuple[str, int], ...] = (
    ("creator", 0),
    ("nano", 1_000),
    ("micro", 10_000),
    ("mid", 100_000),
    ("macro", 500_000),
    ("mega", 1_000_000),
)


def tier_of(followers: ir.IntegerValue, tiers: Sequence[tuple[str, int]] = DEFAULT_TIERS) -> ir.StringValue:
    """Tier name for a follower count (null followers → null tier)."""
    cases = [(followers >= lo, name) for name, lo in sorted(tiers, key=lambda t: -t[1])]
    return ibis.ifelse(followers.isnull(), ibis.null("string"), ibis.cases(*cases, else_=tiers[0][0]))


def reach(posts: ir.Table, accounts: ir.Table, tiers: Sequence[tuple[str, int]] = DEFAULT_TIERS) -> ir.Table:
    """One row per creator, keyed by ``platform``, ``creator_id`` (any account with posts).

    ``n_posts`` — the creator's posts in the workspace; ``first_post_at`` / ``last_post_at`` — the earliest / latest
    post time; ``handle`` (username, else the creator id), ``followers``, ``following``, ``is_verified`` — from the
    creator's ``accounts`` row; ``tier`` = the highest tier whose lower bound ≤ followers (:func:`tier_of`;
    boundaries in the score spec's ``[tiers]``, industry convention: nano 1k, micro 10k, mid 100k, macro 500k,
    mega 1M).
    """
    p = posts.filter(posts.creator_id.notnull())
    c = p.group_by("platform", "creator_id").agg(
        n_posts=p.count(), first_post_at=p.created_at.min(), last_post_at=p.created_at.max()
    )
    a = accounts.select(
        _a_platform=accounts.platform,
        _a_id=accounts.account_id,
        handle=accounts.username,
        followers=accounts.followers,
        following=accounts.following,
        is_verified=accounts.is_verified,
    )
    j = c.left_join(a, [c.platform == a._a_platform, c.creator_id == a._a_id]).drop("_a_platform", "_a_id")
    return j.mutate(handle=j.handle.fill_null(j.creator_id), tier=tier_of(j.followers, tiers))
