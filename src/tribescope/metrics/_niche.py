"""Niche focus: how concentrated a creator's topics are."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tribescope.metrics._base import KEY

__all__ = ["niche"]


def niche(posts: ir.Table) -> ir.Table:
    """Per-creator hashtag concentration.

    ``niche_focus`` = 1 − H / ln N, where H is the Shannon (1948) entropy of the creator's hashtag usage
    (each use of a tag on a post counts once) and N the number of uses: 1 when one tag is used
    throughout, 0 when every use is a different tag (null with < 2 uses). The article: community
    influencers are niche — "a leader emerges out of each niche interest group".
    ``n_hashtag_uses`` and ``n_hashtags`` (distinct) are reported alongside: 0 for a creator whose posts carry none.
    """
    mine = posts.filter(posts.creator_id.notnull())
    p = mine.filter(mine.hashtags.notnull())
    u = p.select(*KEY, "post_id", tag=p.hashtags.unnest()).distinct()
    c = u.group_by(*KEY, "tag").agg(_k=u.count())
    tot = c.group_by(*KEY).agg(n_hashtag_uses=c._k.sum(), n_hashtags=c.count())
    cj = c.inner_join(tot, list(KEY))
    cj = cj.drop(*[x for x in cj.columns if x.endswith("_right")])
    pr = cj._k.cast("float64") / cj.n_hashtag_uses.cast("float64")
    ent = (
        cj.mutate(_h=-(pr * pr.ln()))
        .group_by(*KEY)
        .agg(
            # summed in fixed point (18 decimals): a float sum follows the order the engine's threads add the tags in,
            # and the same hashtags gave a niche_focus differing in its last bit from one score to the next
            _h=ibis._["_h"].cast("decimal(38, 18)").sum().cast("float64"),
            n_hashtag_uses=ibis._["n_hashtag_uses"].max(),
            n_hashtags=ibis._["n_hashtags"].max(),
        )
    )
    raw = 1.0 - ent._h / ent.n_hashtag_uses.cast("float64").ln()
    # within [0, 1]: every use a different tag gives 1 − ln N / ln N, which floating point may put at −1e-17
    focus = ibis.ifelse(
        ent.n_hashtag_uses >= 2, ibis.greatest(0.0, ibis.least(1.0, raw)), ibis.null("float64")
    )
    ent = ent.mutate(niche_focus=focus).drop("_h")
    # every creator with a post: one without a hashtag used 0 (not an unknown count)
    out = mine.select(*KEY).distinct().left_join(ent, list(KEY))
    out = out.drop(*[x for x in out.columns if x.endswith("_right")])
    return out.mutate(n_hashtag_uses=out.n_hashtag_uses.fill_null(0), n_hashtags=out.n_hashtags.fill_null(0))
