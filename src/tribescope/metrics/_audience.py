"""Audience quality from rules (until the trained fake-account model lands)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tribescope.metrics._base import KEY, safe_div

__all__ = ["account_category", "audience_quality"]


def account_category(accounts: ir.Table) -> ir.Table:
    """``accounts`` with ``category_rule`` ∈ real | influencer | mass_follower | suspicious (null when both
    followers and following are unknown), the first that holds of:

    *suspicious* when documented bot signals add up: no profile picture and no posts, or following ≥ 7,500
    (Instagram's follow cap) with < 500 followers, or following > 500 with followers < 1 % of following;
    *influencer* > 5,000 followers and < 1,500 following; *mass follower* > 1,500 following; else *real*.
    HypeAuditor's audience categories (real, influencers, mass followers, suspicious accounts).
    """
    a = accounts
    fol = a.followers
    ing = a.following
    suspicious = (
        ((a.has_profile_pic == False) & (a.posts.fill_null(1) == 0))  # noqa: E712
        | ((ing >= 7500) & (fol.fill_null(0) < 500))
        | ((ing > 500) & (fol.fill_null(0).cast("float64") < ing.cast("float64") * 0.01))
    ).fill_null(False)
    cat = ibis.cases(
        (fol.isnull() & ing.isnull(), ibis.null("string")),
        (suspicious, "suspicious"),
        ((fol.fill_null(0) > 5000) & (ing.fill_null(0) < 1500), "influencer"),
        (ing.fill_null(0) > 1500, "mass_follower"),
        else_="real",
    )
    return a.mutate(category_rule=cat)


def audience_quality(threads: ir.Table, accounts: ir.Table) -> ir.Table:
    """Per-creator audience categories (:func:`account_category`) over distinct commenters (not the creator)
    whose profile is known.

    ``audience_profiles`` = commenters with a profile; ``audience_real_share`` = (real + influencer) /
    profiled; ``audience_mass_follower_share`` = mass followers / profiled; ``audience_suspicious_share`` =
    suspicious / profiled; ``audience_reachability`` = profiled commenters following < 1,500 accounts (unknown
    following counts as reachable) / profiled (HypeAuditor's "audience reachability": such accounts actually see
    posts). No row (null) for a creator without profiled commenters.
    """
    t = threads.filter(~threads.is_creator & threads.author_id.notnull())
    ac = account_category(accounts)
    ac = ac.filter(ac.category_rule.notnull()).select(
        _a_platform=ac.platform, _a_id=ac.account_id, _cat=ac.category_rule, _ing=ac.following
    )
    # only the rows of profiled commenters before the distinct (~8 % of the rows at m: a probe of a small hash table
    # instead of a group-by of every commenter)
    t = t.semi_join(ac, [t.platform == ac._a_platform, t.author_id == ac._a_id])
    au = t.select(*KEY, "author_id").distinct()
    j = au.inner_join(ac, [au.platform == ac._a_platform, au.author_id == ac._a_id])
    j = j.mutate(
        _real=j._cat.isin(["real", "influencer"]).cast("int64"),
        _mass=(j._cat == "mass_follower").cast("int64"),
        _susp=(j._cat == "suspicious").cast("int64"),
        _reach=(j._ing.fill_null(0) < 1500).cast("int64"),
    )
    g = j.group_by(*KEY).agg(
        audience_profiles=j.count(), _r=j._real.sum(), _m=j._mass.sum(), _s=j._susp.sum(), _rc=j._reach.sum()
    )
    return g.mutate(
        audience_real_share=safe_div(g._r, g.audience_profiles),
        audience_mass_follower_share=safe_div(g._m, g.audience_profiles),
        audience_suspicious_share=safe_div(g._s, g.audience_profiles),
        audience_reachability=safe_div(g._rc, g.audience_profiles),
    ).drop("_r", "_m", "_s", "_rc")
