"""Engagement rates."""

from __future__ import annotations

import ibis.expr.types as ir

from tribescope.metrics._base import KEY, only_if, safe_div

__all__ = ["engagement"]


def engagement(posts: ir.Table, accounts: ir.Table, comments: ir.Table | None = None) -> ir.Table:
    """Per-creator engagement, over the creator's posts whose ``likes`` are known (hidden likes are unknown, not 0).

    Per post, ER = ``(likes + comments) / followers`` (``followers`` from the creator's ``accounts`` row);
    ``comments`` is the platform's ``comments_count``, else the rows in ``comments`` under the post, else 0.

    * ``n_posts_er`` — posts with an ER (likes known and followers > 0).
    * ``er_median`` / ``er_mean`` — median / mean of the per-post ER (HypeAuditor's "ER", the Instagram
      industry standard; the score's ``er_ratio`` divides ``er_median`` by the benchmark's *median* ER).
    * ``er_likes_median`` — median ``likes / followers`` (Modash's median-likes ER: robust to one viral post).
    * ``er_views_median`` — median ``(likes + comments) / views`` over posts with likes and views > 0 (video
      platforms).
    * ``likes_median``, ``comments_median`` — median likes (posts with likes) and comments (every post) per post.
    * ``likes_cv`` — coefficient of variation of likes across posts: *sample* standard deviation (n − 1) / mean;
      null with fewer than 2 posts with likes. Spiky likes are a known sign of bought likes (HypeAuditor
      "likes spread").
    """
    p = posts.filter(posts.creator_id.notnull())
    if comments is not None:
        n = comments.group_by("platform", "post_id").agg(_rows=comments.count())
        n = n.rename(_n_platform="platform", _n_post="post_id")
        p = p.left_join(n, [p.platform == n._n_platform, p.post_id == n._n_post]).drop(
            "_n_platform", "_n_post"
        )
        n_comments = p.comments_count.fill_null(p._rows).fill_null(0)
    else:
        n_comments = p.comments_count.fill_null(0)
    a = accounts.select(
        _a_platform=accounts.platform, _a_id=accounts.account_id, _followers=accounts.followers
    )
    p = p.mutate(_nc=n_comments)
    j = p.left_join(a, [p.platform == a._a_platform, p.creator_id == a._a_id])
    inter = j.likes.fill_null(0) + j._nc
    has_likes = j.likes.notnull()
    j = j.mutate(
        _er=only_if(has_likes, safe_div(inter, j._followers)),
        _erl=only_if(has_likes, safe_div(j.likes, j._followers)),
        _erv=only_if(has_likes & (j.views.fill_null(0) > 0), safe_div(inter, j.views)),
        _likes=j.likes.cast("float64"),
    )
    g = j.group_by(*KEY).agg(
        n_posts_er=j._er.count(),
        er_median=j._er.median(),
        er_mean=j._er.mean(),
        er_likes_median=j._erl.median(),
        er_views_median=j._erv.median(),
        _lmean=j._likes.mean(),
        _lstd=j._likes.std(),
        likes_median=j._likes.median(),
        comments_median=j._nc.cast("float64").median(),
    )
    return g.mutate(likes_cv=safe_div(g._lstd, g._lmean)).drop("_lmean", "_lstd")
