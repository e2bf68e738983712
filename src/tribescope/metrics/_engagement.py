"""Engagement rates."""

from __future__ import annotations

import ibis.expr.types as ir

from tribescope.metrics._base import KEY, only_if, safe_div

__all__ = ["engagement", "post_engagement"]


def post_engagement(posts: ir.Table, accounts: ir.Table, comments: ir.Table | None = None) -> ir.Table:
    """The creators' posts (``creator_id`` not null) with the per-post engagement every ER of the metrics reads — one
    definition, so that ``er_median`` and the brand-deal ``sponsored_er_ratio`` compare the same thing:

    * ``n_comments_post`` — the platform's ``comments_count``, else the rows in ``comments`` under the post, else 0;
    * ``followers_creator`` — the creator's ``followers`` (its ``accounts`` row);
    * ``er`` = ``(likes + n_comments_post) / followers_creator`` (HypeAuditor's ER), null when ``likes`` is unknown
      (hidden likes are unknown, not 0) or followers are 0 or unknown;
    * ``er_likes`` = ``likes / followers_creator`` (Modash), same nulls;
    * ``er_views`` = ``(likes + n_comments_post) / views``, null unless likes are known and views > 0.
    """
    p = posts.filter(posts.creator_id.notnull())
    if comments is not None:
        # counted only under the posts without a count (most exports give one: a few rows to group, not every comment)
        uncounted = p.filter(p.comments_count.isnull()).select(_u_platform=p.platform, _u_post=p.post_id)
        counted = comments.semi_join(
            uncounted, [comments.platform == uncounted._u_platform, comments.post_id == uncounted._u_post]
        )
        n = counted.group_by("platform", "post_id").agg(_rows=counted.count())
        n = n.rename(_n_platform="platform", _n_post="post_id")
        p = p.left_join(n, [p.platform == n._n_platform, p.post_id == n._n_post]).drop(
            "_n_platform", "_n_post"
        )
        n_comments = p.comments_count.fill_null(p._rows).fill_null(0)
        p = p.mutate(n_comments_post=n_comments).drop("_rows")
    else:
        p = p.mutate(n_comments_post=p.comments_count.fill_null(0))
    a = accounts.select(
        _a_platform=accounts.platform, _a_id=accounts.account_id, followers_creator=accounts.followers
    )
    j = p.left_join(a, [p.platform == a._a_platform, p.creator_id == a._a_id]).drop("_a_platform", "_a_id")
    inter = j.likes.fill_null(0) + j.n_comments_post
    has_likes = j.likes.notnull()
    return j.mutate(
        er=only_if(has_likes, safe_div(inter, j.followers_creator)),
        er_likes=only_if(has_likes, safe_div(j.likes, j.followers_creator)),
        er_views=only_if(has_likes & (j.views.fill_null(0) > 0), safe_div(inter, j.views)),
    )


def engagement(posts: ir.Table, accounts: ir.Table, comments: ir.Table | None = None) -> ir.Table:
    """Per-creator engagement, over the creator's posts whose ``likes`` are known (hidden likes are unknown, not 0).

    Per post, ER = ``(likes + comments) / followers`` (``followers`` from the creator's ``accounts`` row);
    ``comments`` is the platform's ``comments_count``, else the rows in ``comments`` under the post, else 0
    (:func:`post_engagement`, which the brand-deal ``sponsored_er_ratio`` reads too).

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
    j = post_engagement(posts, accounts, comments)
    # er_mean and likes_cv come from sums in fixed point: a float sum (and DuckDB's float mean and standard deviation)
    # depends on the order the engine's threads add the rows in, and a score that recomputed a few creators (after
    # `forget`, or an import) gave them other last bits than a score of the whole workspace. The ER is summed with
    # 18 decimals; the likes, whole numbers, exactly: the sample variance is (n·Σx² − (Σx)²) / (n(n − 1)).
    lk = j.likes.cast("decimal(38, 0)")
    g = j.group_by(*KEY).agg(
        n_posts_er=j.er.count(),
        er_median=j.er.median(),
        er_mean=j.er.cast("decimal(38, 18)").mean().cast("float64"),
        er_likes_median=j.er_likes.median(),
        er_views_median=j.er_views.median(),
        _ln=j.likes.count(),
        _ls1=lk.sum(),
        _ls2=(lk * lk).sum(),
        likes_median=j.likes.cast("float64").median(),
        comments_median=j.n_comments_post.cast("float64").median(),
    )
    n = g._ln.cast("decimal(38, 0)")
    var = safe_div(n * g._ls2 - g._ls1 * g._ls1, n * (n - 1))
    likes_cv = only_if(g._ln >= 2, safe_div(var.sqrt() * g._ln, g._ls1))
    return g.mutate(likes_cv=likes_cv).drop("_ln", "_ls1", "_ls2")
