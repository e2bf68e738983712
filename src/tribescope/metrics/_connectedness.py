"""Community connectedness: do the creator's followers talk to *each other*, and keep coming back?

No commercial tool measures this; it is the core of the community-influencer idea (Cortizo: in a
community "followers interact with each other", return, and gather around the creator). Raw
follower↔follower reply counts are not enough — on big accounts they are mostly tag chains — so the
tie metrics count only conversational replies (``is_tie``) and reward ties that recur and are mutual.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tribescope.metrics._base import KEY, join_all, safe_div

__all__ = ["connectedness", "ties"]


def ties(threads: ir.Table) -> ir.Table:
    """Follower↔follower conversational replies as directed edges.

    Columns: ``platform, creator_id, post_id, comment_id, src`` (reply author), ``dst`` (its target),
    ``a``/``b`` (the pair, ordered).
    """
    t = threads.filter(threads.is_tie)
    return t.select(
        "platform",
        "creator_id",
        "post_id",
        "comment_id",
        src=t.author_id,
        dst=t.target_id,
        a=ibis.least(t.author_id, t.target_id),
        b=ibis.greatest(t.author_id, t.target_id),
    )


def connectedness(threads: ir.Table) -> ir.Table:
    """Per-creator connectedness metrics from :func:`tribescope.metrics.threads` rows.

    *Commenters* are the distinct audience authors (not the creator, author known); a *tie* is an ``is_tie`` reply
    (a follower↔follower reply that is not a bare tag, emoji or link spam); a *pair* is two commenters with ≥ 1 tie
    in either direction. Recurrence and reciprocity follow Granovetter (1973, "The Strength of Weak Ties"): a tie's
    strength grows with the time spent together and with reciprocity.

    * ``ff_reply_share`` = follower↔follower replies / all comments, the creator's included (raw; reported, not
      scored); ``n_ff_replies`` — their count.
    * ``ff_substantive_share`` = substantive follower↔follower replies / all comments.
    * ``interacting_commenter_share`` = commenters who sent or received ≥ 1 tie / commenters.
    * ``n_pairs``; ``reciprocity`` = pairs with ties in both directions / pairs.
    * ``recurring_pairs`` = pairs with ties under ≥ 2 different posts ("friendships");
      ``recurring_tie_share`` = recurring pairs / pairs; ``friend_commenter_share`` = commenters in a recurring
      pair / commenters.
    * ``returning_commenter_share`` = commenters on ≥ 2 posts / commenters (null with < 2 posts with comments of
      known authors: a comment whose export names no author cannot return; ``n_posts_with_comments`` counts it).
    * ``retention`` = commenters of the earlier half of the creator's commented posts who also comment on the later
      half / commenters of the earlier half (null with < 2 commented posts, as above). Posts are ordered by time (then id);
      with n commented posts the earlier half is the first ⌈n/2⌉, the later half the last ⌊n/2⌋.
    """
    t = threads
    base = t.group_by(*KEY).agg(
        _n_all=t.count(),
        _n_ff=t.is_ff_reply.cast("int64").sum(),
        _n_ffs=(t.is_ff_reply & t.is_substantive).cast("int64").sum(),
    )
    base = base.mutate(
        ff_reply_share=safe_div(base._n_ff, base._n_all),
        ff_substantive_share=safe_div(base._n_ffs, base._n_all),
        n_ff_replies=base._n_ff,
    ).drop("_n_all", "_n_ff", "_n_ffs")

    aud = t.filter(~t.is_creator & t.author_id.notnull())
    # retention between the earlier and later half of the creator's commented posts: each post is early (its number
    # ``_rn * 2 < _cnt``) or late
    pc = aud.select(*KEY, "post_id", "post_created_at").distinct()
    w = ibis.window(group_by=list(KEY), order_by=[pc.post_created_at, pc.post_id])
    pc = pc.mutate(_rn=ibis.row_number().over(w), _cnt=pc.count().over(ibis.window(group_by=list(KEY))))
    pcs = pc.select(_q_platform=pc.platform, _q_post=pc.post_id, _rn=pc._rn, _cnt=pc._cnt)
    # one pass over the commenters' rows for both "returning" and retention (one group-by, not two): an author
    # commented on ≥ 2 posts iff the least and greatest numbers of their posts differ (``_rn`` numbers a creator's
    # posts 0, 1, …: the same test as on the post ids, on integers — ~40 % cheaper than on strings, and cheaper
    # than a distinct count); the left join keeps every row (a row without a post matches nothing and adds nulls,
    # which min() / max() skip)
    ae = aud.left_join(pcs, [aud.platform == pcs._q_platform, aud.post_id == pcs._q_post])
    per_author = ae.group_by(*KEY, "author_id").agg(
        _p_lo=ae._rn.min(),
        _p_hi=ae._rn.max(),
        _cnt=ae._cnt.max(),
    )
    com = per_author.group_by(*KEY).agg(
        _n_commenters=per_author.count(),
        _n_returning=(per_author._p_lo != per_author._p_hi).fill_null(False).cast("int64").sum(),
    )

    e = ties(t)
    ends = e.select(*KEY, who=e.src).union(e.select(*KEY, who=e.dst)).distinct()
    inter = ends.group_by(*KEY).agg(_n_interacting=ends.count())

    pairs = e.group_by(*KEY, "a", "b").agg(
        _pp=e.post_id.nunique(),
        _ab=(e.src == e.a).cast("int64").max(),
        _ba=(e.src == e.b).cast("int64").max(),
    )
    pairs = pairs.mutate(
        _recip=((pairs._ab + pairs._ba) == 2).cast("int64"), _recur=(pairs._pp >= 2).cast("int64")
    )
    pstats = pairs.group_by(*KEY).agg(
        n_pairs=pairs.count(), _n_recip=pairs._recip.sum(), recurring_pairs=pairs._recur.sum()
    )
    rp = pairs.filter(pairs._recur == 1)
    friends = rp.select(*KEY, who=rp.a).union(rp.select(*KEY, who=rp.b)).distinct()
    fstats = friends.group_by(*KEY).agg(_n_friends=friends.count())

    au = per_author.filter(per_author._cnt >= 2)  # the creator has ≥ 2 commented posts
    # early is ``_rn * 2 < _cnt``, monotone in ``_rn``: an author has an early post iff their least number is early,
    # a late one iff their greatest is late (no per-row flags to aggregate)
    au = au.mutate(_e=(au._p_lo * 2 < au._cnt).cast("int64"), _l=(au._p_hi * 2 >= au._cnt).cast("int64"))
    ret = au.group_by(*KEY).agg(_n_early=au._e.sum(), _n_both=(au._e * au._l).sum())
    ret = ret.mutate(retention=safe_div(ret._n_both, ret._n_early)).select(*KEY, "retention")

    # commented posts per creator: the rows of ``pc`` (one per post), not a second distinct count over the comments
    pcount = pc.group_by(*KEY).agg(_n_pwc=pc.count())

    out = join_all(base, com, inter, pstats, fstats, ret, pcount)
    ncom = out._n_commenters.fill_null(0)
    return out.mutate(
        interacting_commenter_share=ibis.ifelse(
            ncom > 0,
            out._n_interacting.fill_null(0).cast("float64") / ncom.cast("float64"),
            ibis.null("float64"),
        ),
        n_pairs=out.n_pairs.fill_null(0),
        recurring_pairs=out.recurring_pairs.fill_null(0),
        reciprocity=safe_div(out._n_recip, out.n_pairs),
        recurring_tie_share=safe_div(out.recurring_pairs, out.n_pairs),
        friend_commenter_share=ibis.ifelse(
            ncom > 0, out._n_friends.fill_null(0).cast("float64") / ncom.cast("float64"), ibis.null("float64")
        ),
        returning_commenter_share=ibis.ifelse(
            out._n_pwc.fill_null(0) >= 2, safe_div(out._n_returning, out._n_commenters), ibis.null("float64")
        ),
    ).drop("_n_commenters", "_n_returning", "_n_interacting", "_n_recip", "_n_friends", "_n_pwc")
