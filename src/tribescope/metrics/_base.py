"""Shared building blocks: who wrote what to whom under which creator's post.

A reply's *target* is resolved the way people address each other in flat threads (Instagram,
YouTube, TikTok nest only one level, so replies say ``@name``): the commenter on the same post whose
handle the reply @-mentions first; else the creator when the reply mentions the creator's handle;
else the author of the parent comment.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tribescope.features import comment_features
from tribescope.features._rules import first_mention

__all__ = ["KEY", "creator_posts", "drop_right", "is_creator", "join_all", "only_if", "safe_div", "threads"]

#: Every metric table is keyed by these columns.
KEY = ("platform", "creator_id")


def safe_div(num: ir.NumericValue, den: ir.NumericValue) -> ir.FloatingValue:
    """``num / den`` as float, null when ``den`` is 0 or null."""
    return ibis.ifelse(den.fill_null(0) == 0, ibis.null("float64"), num.cast("float64") / den.cast("float64"))


def drop_right(t: ir.Table) -> ir.Table:
    """Drop the ``*_right`` duplicates a join may leave."""
    return t.drop(*[c for c in t.columns if c.endswith("_right")])


def join_all(left: ir.Table, *others: ir.Table) -> ir.Table:
    """Left-join per-creator tables on :data:`KEY`."""
    out = left
    for o in others:
        out = drop_right(out.left_join(o, list(KEY)))
    return out


def only_if(cond: ir.BooleanValue, value: ir.Value) -> ir.Value:
    """``value`` where ``cond`` holds, else null."""
    return ibis.ifelse(cond, value, ibis.null(value.type()))


def creator_posts(posts: ir.Table) -> ir.Table:
    """The posts that have a creator, as the join side for comments: ``_pp`` (platform), ``_pid`` (post id),
    ``creator_id``, ``post_created_at``."""
    return posts.filter(posts.creator_id.notnull()).select(
        _pp=posts.platform, _pid=posts.post_id, creator_id=posts.creator_id, post_created_at=posts.created_at
    )


def is_creator(t: ir.Table) -> ir.BooleanValue:
    """The row's ``author_id`` is its post's ``creator_id`` (never null: an unknown author is audience)."""
    return (t.author_id == t.creator_id).fill_null(False)


def threads(
    comments: ir.Table, posts: ir.Table, accounts: ir.Table | None = None, *, parents: ir.Table | None = None
) -> ir.Table:
    """Comments under creators' posts with rule features, the creator and each reply's target.

    Adds to :func:`tribescope.features.comment_features`: ``creator_id``, ``post_created_at``,
    ``parent_author_id``, ``target_id`` (see module doc), ``is_creator`` (the creator wrote it),
    ``is_reply``, ``is_ff_reply`` (a reply between two different non-creator accounts — follower↔follower),
    ``is_tie`` (an ``is_ff_reply`` that is conversation, i.e. not a bare tag, emoji or spam).

    ``parents`` (default ``comments``) is where parent comments are looked up: the whole ``comments`` table when
    ``comments``/``posts`` are restricted to some creators (incremental scoring).
    """
    f = comment_features(comments, posts)
    p = creator_posts(posts)
    if accounts is not None:
        # the creator's handle joined onto the posts (19k rows at m), not onto every comment (1M); only the creators'
        # accounts (a hash table of a few thousand, not of every commenter's account). Against ``posts``
        # itself, not ``p``: a relation used twice becomes a CTE, and Spark (Connect) cannot find a cached plan
        # holding a CTE again (fresh CTE ids each analysis), so ``.cache()`` of the thread rows failed there.
        acc = accounts.semi_join(
            posts, [accounts.platform == posts.platform, accounts.account_id == posts.creator_id]
        )
        acc = acc.select(_a_platform=acc.platform, _a_id=acc.account_id, _creator_handle=acc.username.lower())
        p = p.left_join(acc, [p._pp == acc._a_platform, p.creator_id == acc._a_id]).drop(
            "_a_platform", "_a_id"
        )
    j = f.inner_join(p, [f.platform == p._pp, f.post_id == p._pid]).drop("_pp", "_pid")

    # parent authors and @-mentioned commenters matter only for replies: both lookups keep just the rows some reply
    # of ``comments`` can match (hash tables of the replies' keys, not of every comment)
    rep = comments.filter(comments.parent_comment_id.notnull())
    pc = comments if parents is None else parents
    want = rep.select(_w_platform=rep.platform, _w_id=rep.parent_comment_id)
    pc = pc.semi_join(want, [pc.platform == want._w_platform, pc.comment_id == want._w_id])
    par = pc.select(_par_platform=pc.platform, _par_id=pc.comment_id, parent_author_id=pc.author_id)
    j = j.left_join(par, [j.platform == par._par_platform, j.parent_comment_id == par._par_id])
    j = j.drop("_par_platform", "_par_id")

    # the commenter a reply @-mentions: (platform, post, handle) of the replies' first mentions (the same expression
    # as ``first_mention``), then the commenters of those posts under those names (a null name matches nothing)
    ment = rep.filter(rep.text.contains("@"))
    keys = ment.select(_k_platform=ment.platform, _k_post=ment.post_id, _k_name=first_mention(ment.text))
    named = comments.filter(comments.author_id.notnull()).select(
        _n_platform=comments.platform,
        _n_post=comments.post_id,
        _n_name=comments.author_name.lower().fill_null(comments.author_id.lower()),
        _n_id=comments.author_id,
    )
    named = named.semi_join(
        keys,
        [named._n_platform == keys._k_platform, named._n_post == keys._k_post, named._n_name == keys._k_name],
    )
    named = named.group_by("_n_platform", "_n_post", "_n_name").agg(mentioned_id=named._n_id.min())
    j = j.left_join(
        named,
        [j.platform == named._n_platform, j.post_id == named._n_post, j.first_mention == named._n_name],
    ).drop("_n_platform", "_n_post", "_n_name")

    if accounts is not None:
        creator_handle = j._creator_handle.fill_null(j.creator_id.lower())
    else:
        creator_handle = j.creator_id.lower()
    mentions_creator = j.first_mention.notnull() & (
        (j.first_mention == creator_handle) | (j.first_mention == j.creator_id.lower())
    )
    mentioned_other = j.mentioned_id.notnull() & (j.mentioned_id != j.author_id.fill_null(""))
    is_reply = j.parent_comment_id.notnull()
    target = ibis.cases(
        (~is_reply, ibis.null("string")),
        (mentioned_other, j.mentioned_id),
        (mentions_creator, j.creator_id),
        else_=j.parent_author_id,
    )
    j = j.mutate(target_id=target, is_reply=is_reply, is_creator=is_creator(j))
    is_ff = (
        j.is_reply
        & ~j.is_creator
        & j.author_id.notnull()
        & j.target_id.notnull()
        & (j.target_id != j.creator_id)
        & (j.target_id != j.author_id)
    ).fill_null(False)
    j = j.mutate(is_ff_reply=is_ff, is_tie=is_ff & ~j.is_mention_only & ~j.is_link_spam & ~j.is_emoji_only)
    drop = [c for c in ("mentioned_id", "_creator_handle") if c in j.columns]
    return j.drop(*drop)
