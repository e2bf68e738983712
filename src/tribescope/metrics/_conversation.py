"""Conversation quality under a creator's posts (rule features; trained classifiers plug in later)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tribescope.metrics._base import KEY, join_all, only_if, safe_div

__all__ = ["conversation", "sentiment_mean"]


def sentiment_mean(sentiment: ir.NumericColumn, empty: ir.BooleanColumn | None = None) -> ir.FloatingScalar:
    """``sentiment_mean``: the mean VADER compound (Hutto & Gilbert 2014, −1…1) of a creator's audience comments
    **that have a score**. A comment without one (no ``comment_features`` row, a null ``sentiment``) is *unknown*, not
    neutral: it is skipped, never counted as 0 (which would pull the mean toward 0 by the share of unscored comments);
    null when no comment has a score. So is a comment without text (``empty``: the comments' ``is_empty`` — null,
    empty or blank text, as a deleted text or a GIF or sticker alone is exported): VADER gives its nothing 0, which
    is no neutral opinion. The one definition of the column: :func:`conversation` (when its thread rows carry
    ``sentiment``) and the score's ``sentiment`` stage (``tribescope.score``) both aggregate with it.

    Summed in fixed point (six decimals; the stored scores carry four): a sum of floats depends on the order the
    engine's threads add them in, and the same comments gave a mean differing in its last bit from one score to the
    next."""
    if empty is not None:
        sentiment = only_if(~empty, sentiment)
    return sentiment.cast("decimal(18, 6)").mean().cast("float64")  # SQL's mean skips nulls


def conversation(threads: ir.Table, posts: ir.Table) -> ir.Table:
    """Per-creator conversation quality from :func:`tribescope.metrics.threads` rows.

    *Audience* comments are those the creator did not write (``~is_creator``, an unknown author included).
    Counts: ``n_comments`` — every comment row under the creator's posts; ``n_follower_comments`` — audience
    comments; ``n_commenters`` — distinct audience authors; ``n_posts_with_comments`` — posts with ≥ 1 audience
    comment.

    * ``comments_per_post`` = audience comments / the creator's posts in the workspace.
    * ``substantive_share``, ``emoji_only_share``, ``generic_share``, ``mention_only_share``,
      ``link_spam_share``, ``action_intent_share`` = audience comments in the rule category of
      :func:`tribescope.features.comment_features` / audience comments (HypeAuditor "comment authenticity";
      the article's followers "on the edge of their seat to take action").
    * ``relevance_share`` = audience comments sharing a content word with the post's caption/title / audience
      comments.
    * ``sentiment_mean`` — :func:`sentiment_mean` of the audience comments (a comment without a ``sentiment`` or
      without text is skipped, not counted as 0), only when ``threads`` has that column; the score table's ``sentiment_mean`` (the
      score's ``sentiment`` stage, from the stored ``comment_features``) is the same aggregate.
    * ``creator_comment_share`` = comments written by the creator / all comments (``n_comments``).
    * ``creator_reply_share`` = audience top-level comments with ≥ 1 creator reply in their thread (to the comment,
      or to a reply under it; with or without a time) / audience top-level comments; ``creator_reply_delay_h`` —
      median over the answered ones of the hours from the comment to the creator's first reply (where both have a
      time; a reply timed before the comment it answers has a wrong time and gives no delay — never a negative one).
    """
    t = threads
    aud = t.filter(~t.is_creator)
    aud_f = aud.mutate(
        **{
            c: aud[c].cast("int64")
            for c in (
                "is_substantive",
                "is_emoji_only",
                "is_generic",
                "is_mention_only",
                "is_link_spam",
                "has_action_intent",
                "is_relevant",
            )
        }
    )
    aggs = dict(
        n_follower_comments=aud_f.count(),
        n_commenters=aud_f.author_id.nunique(),
        n_posts_with_comments=aud_f.post_id.nunique(),
        substantive_share=aud_f.is_substantive.mean(),
        emoji_only_share=aud_f.is_emoji_only.mean(),
        generic_share=aud_f.is_generic.mean(),
        mention_only_share=aud_f.is_mention_only.mean(),
        link_spam_share=aud_f.is_link_spam.mean(),
        action_intent_share=aud_f.has_action_intent.mean(),
        relevance_share=aud_f.is_relevant.mean(),
    )
    if "sentiment" in aud_f.columns:
        aggs["sentiment_mean"] = sentiment_mean(
            aud_f.sentiment, aud_f.is_empty if "is_empty" in aud_f.columns else None
        )
    a = aud_f.group_by(*KEY).agg(**aggs)

    allc = t.group_by(*KEY).agg(n_comments=t.count(), _n_creator=t.is_creator.cast("int64").sum())
    allc = allc.mutate(creator_comment_share=safe_div(allc._n_creator, allc.n_comments)).drop("_n_creator")

    # creator responsiveness: each creator reply counts for its thread's top-level comment — its parent, or its
    # parent's parent where it answers a reply in the thread (threads nest one level on Instagram, YouTube, TikTok)
    cr = t.filter(t.is_creator & t.is_reply)
    up = t.filter(t.is_reply).select(
        _u_platform="platform", _u_id="comment_id", _u_parent="parent_comment_id"
    )
    cr = cr.left_join(up, [cr.platform == up._u_platform, cr.parent_comment_id == up._u_id])
    cr = cr.mutate(_root=cr._u_parent.fill_null(cr.parent_comment_id))
    top = aud.filter(~aud.is_reply)
    # each creator reply with the time of the audience comment it answers: a reply timed before that comment has a
    # wrong time (a reply cannot precede what it answers) and gives no delay — it still answers the comment
    tt = top.select(_t_platform=top.platform, _t_id=top.comment_id, _t_at=top.created_at)
    cr = cr.inner_join(tt, [cr.platform == tt._t_platform, cr._root == tt._t_id])
    first = cr.group_by(_r_platform=cr.platform, _r_parent=cr._root).agg(
        _first_reply=only_if(cr.created_at >= cr._t_at, cr.created_at).min(), _n_replies=cr.count()
    )
    tj = top.left_join(first, [top.platform == first._r_platform, top.comment_id == first._r_parent])
    # answered whether or not the reply has a time (the delay needs one)
    replied = tj._n_replies.notnull()
    delay_h = (tj._first_reply.epoch_seconds() - tj.created_at.epoch_seconds()).cast("float64") / 3600.0
    tj = tj.mutate(_replied=replied.cast("int64"), _delay=ibis.ifelse(replied, delay_h, ibis.null("float64")))
    # (``delay_h`` is null where the reply or the comment has no time: the median skips it)
    r = tj.group_by(*KEY).agg(
        creator_reply_share=tj._replied.mean(), creator_reply_delay_h=tj._delay.median()
    )

    p = posts.filter(posts.creator_id.notnull())
    np_ = p.group_by(*KEY).agg(_n_posts=p.count())
    out = join_all(np_, allc, a, r)
    out = out.mutate(
        n_comments=out.n_comments.fill_null(0),
        n_follower_comments=out.n_follower_comments.fill_null(0),
        n_commenters=out.n_commenters.fill_null(0),
        n_posts_with_comments=out.n_posts_with_comments.fill_null(0),
    )
    return out.mutate(comments_per_post=safe_div(out.n_follower_comments, out._n_posts)).drop("_n_posts")
