"""Per-creator audience authenticity: the components the score folds in.

``creator_audience_authenticity(ws)`` → one row per ``(platform, creator_id)``:

* ``profiled_commenters`` — distinct non-creator commenters that have a profile row (followers or following known);
* ``real_follower_share = 1 − mean(is_fake)`` over those commenters (the shipped fake-account model, in the
  engine). Exports rarely list followers, so commenters with profiles stand in for the audience (documented);
* ``comments`` — non-creator comments on the creator's posts (not by one of the creator's own accounts:
  :func:`tribescope.metrics.own_account`, as ``n_follower_comments`` counts them);
* ``comment_authenticity`` — share of those comments that are not spam, not attacks, not by an account judged
  fake and not by a pod member;
* ``pod_engagement_share`` — share of those comments written by members of a pod (see :mod:`._pods`) that
  targeted this creator;
* ``authentic_engagement_rate = median_posts((likes · real_follower_share + comments · comment_authenticity)
  / followers)`` (comments: the platform's ``comments_count``, else the comment rows imported under the post) — the engagement rate with fake, pod and spam engagement taken out (likes cannot be attributed
  to accounts, so they are discounted by the real-follower share); over the posts whose likes are known, as
  ``er_median`` (hidden likes are unknown, not zero: a creator who hides them all has no such rate);
* ``suspicious_audience`` — ``real_follower_share < 0.5`` or ``comment_authenticity < 0.5`` (enough data only:
  ≥ 20 profiled commenters or ≥ 20 comments).
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from tribescope.authenticity._accounts import load_account_model
from tribescope.authenticity._comments import update_comment_features
from tribescope.authenticity._pods import PodParams, find_pods, pod_members
from tribescope.metrics._base import creator_posts_with_handle, only_if, with_own_author
from tribescope.store import require_workspace

__all__ = ["comment_scores", "creator_audience_authenticity", "score_accounts"]

MIN_EVIDENCE = 20


def score_accounts(ws: Any) -> ir.Table:
    """The ``accounts`` table plus ``fake_probability, is_fake, category, reasons`` (engine expression)."""
    require_workspace(ws, "score_accounts")
    return load_account_model().score(ws.table("accounts"))


def comment_scores(ws: Any) -> ir.Table:
    """The ``comment_features`` table (one row per comment: ``platform, comment_id, text_hash, spam_probability,
    is_spam, attack_probability, is_attack, quality, sentiment, model_version``), brought up to date
    incrementally and stored on a writable DuckDB workspace (:func:`._comments.update_comment_features`)."""
    require_workspace(ws, "comment_scores")
    return update_comment_features(ws)


def creator_audience_authenticity(
    ws: Any,
    *,
    pods: pa.Table | None = None,
    scores: pa.Table | ir.Table | None = None,
    posts: ir.Table | None = None,
    comments: ir.Table | None = None,
) -> ir.Table:
    """One row per creator with the authenticity components (see the module docstring for the formulas).

    ``posts``/``comments`` (default: the workspace's) restrict the result to some creators: their posts and every
    comment under them (incremental scoring); pods are always found over the whole workspace.
    """
    require_workspace(ws, "creator_audience_authenticity")
    scoped = posts is not None
    posts = ws.table("posts") if posts is None else posts
    comments = ws.table("comments") if comments is None else comments
    accounts = ws.table("accounts")
    if scoped:  # the model is applied per row: scoring only these comments' authors changes nothing
        au = (
            comments.filter(comments.author_id.notnull())
            .select(_u_platform=comments.platform, _u_id=comments.author_id)
            .distinct()
        )
        accounts = accounts.semi_join(
            au, [accounts.platform == au._u_platform, accounts.account_id == au._u_id]
        )
    acc = load_account_model().score(accounts, reasons=False)
    acc = acc.select(
        "platform", "account_id", "is_fake", profiled=acc.followers.notnull() | acc.following.notnull()
    )
    # only accounts that can count (judged fake, or profiled) are joined: a comment by any other author reads
    # is_fake = False, profiled = False through the left join all the same, and the join builds on far fewer rows
    acc = acc.filter(acc.is_fake.fill_null(False) | acc.profiled)
    if scores is None:
        scores = comment_scores(ws)
    sc = ibis.memtable(scores) if isinstance(scores, pa.Table) else scores
    # only comments judged spam or an attack are joined (keys are unique): the others read as not spam, not an
    # attack through the left join all the same, and the join then builds on a few rows instead of every comment
    sc = sc.filter(sc.is_spam.fill_null(False) | (sc.quality.fill_null("") == "attack"))
    sc = sc.select(s_platform="platform", s_comment_id="comment_id", is_spam="is_spam", quality="quality")
    if pods is None:
        pods = find_pods(ws, PodParams())
    pod_rows = pod_members(pods)
    pm = ibis.memtable(
        pa.table(
            {
                "pm_platform": pa.array([r[0] for r in pod_rows], pa.string()),
                "pm_author": pa.array([r[1] for r in pod_rows], pa.string()),
                "pm_creator": pa.array([r[2] for r in pod_rows], pa.string()),
            }
        )
    ).distinct()

    # the audience's comments: not those of the creator's own accounts (``own_account``, as the metrics count the
    # audience: ``comments`` is their ``n_follower_comments``) — the creator's replies under its numeric id were
    # judged as its audience's
    every = ws.table("accounts")
    p = creator_posts_with_handle(posts, every)
    j = comments.join(p, [comments.platform == p._pp, comments.post_id == p._pid]).drop(
        "_pp", "_pid", "post_created_at"
    )
    j, own = with_own_author(j, posts, every)
    j = j.filter(~own).drop("_creator_handle", "_oa_handle")
    j = j.left_join(sc, (j.platform == sc.s_platform) & (j.comment_id == sc.s_comment_id))
    a2 = acc.rename(a_platform="platform", a_account_id="account_id")
    j = j.left_join(a2, (j.platform == a2.a_platform) & (j.author_id == a2.a_account_id))
    j = j.left_join(
        pm, (j.platform == pm.pm_platform) & (j.author_id == pm.pm_author) & (j.creator_id == pm.pm_creator)
    )
    j = j.mutate(
        in_pod=j.pm_author.notnull(),
        bad=(
            j.is_spam.fill_null(False)
            | (j.quality.fill_null("") == "attack")
            | j.is_fake.fill_null(False)
            | j.pm_author.notnull()
        ),
    )
    per_comment = j.group_by(["platform", "creator_id"]).agg(
        comments=j.count(),
        comment_authenticity=1.0 - j.bad.cast("float64").mean(),
        pod_engagement_share=j.in_pod.cast("float64").mean(),
        spam_share=j.is_spam.fill_null(False).cast("float64").mean(),
    )
    commenters = (
        j.filter(j.author_id.notnull() & j.profiled.fill_null(False))
        .select("platform", "creator_id", "author_id", "is_fake")
        .distinct()
    )
    per_aud = commenters.group_by(["platform", "creator_id"]).agg(
        profiled_commenters=commenters.count(),
        real_follower_share=1.0 - commenters.is_fake.cast("float64").mean(),
    )
    base = posts.select("platform", "creator_id").distinct()
    out = base.left_join(per_comment, ["platform", "creator_id"]).select(
        "platform", "creator_id", "comments", "comment_authenticity", "pod_engagement_share", "spam_share"
    )
    out = out.left_join(per_aud, ["platform", "creator_id"]).select(
        *[out[c] for c in out.columns], "profiled_commenters", "real_follower_share"
    )
    # authentic engagement rate per post, then the median per creator
    cre = ws.table("accounts").select(c_platform="platform", c_id="account_id", c_followers="followers")
    pe = posts.join(cre, (posts.platform == cre.c_platform) & (posts.creator_id == cre.c_id))
    o = out.select(
        o_platform="platform", o_creator="creator_id", rfs="real_follower_share", ca="comment_authenticity"
    )
    pe = pe.join(o, (pe.platform == o.o_platform) & (pe.creator_id == o.o_creator))
    pe = pe.filter(pe.c_followers > 0)
    # a post's comments: the platform's count, else the rows imported under it (as er_median counts them) — counted
    # only under the posts without a count (most exports give one: a few rows to group, not every comment)
    uncounted = posts.filter(posts.comments_count.isnull()).select(_u_platform="platform", _u_post="post_id")
    counted = comments.semi_join(
        uncounted, [comments.platform == uncounted._u_platform, comments.post_id == uncounted._u_post]
    )
    nrows = counted.group_by(["platform", "post_id"]).agg(_rows=counted.count())
    nrows = nrows.rename(_r_platform="platform", _r_post="post_id")
    pe = pe.left_join(nrows, [pe.platform == nrows._r_platform, pe.post_id == nrows._r_post])
    n_comments = pe.comments_count.fill_null(pe._rows).fill_null(0)
    pe = pe.mutate(
        aer=only_if(
            pe.likes.notnull(),
            (
                pe.likes.cast("float64") * pe.rfs.fill_null(1.0)
                + n_comments.cast("float64") * pe.ca.fill_null(1.0)
            )
            / pe.c_followers.cast("float64"),
        )
    )
    aer = pe.group_by(["platform", "creator_id"]).agg(authentic_engagement_rate=pe.aer.median())
    out = out.left_join(aer, ["platform", "creator_id"]).select(
        *[out[c] for c in out.columns], "authentic_engagement_rate"
    )
    out = out.mutate(
        comments=out.comments.fill_null(0),
        profiled_commenters=out.profiled_commenters.fill_null(0),
    )
    enough_a = out.profiled_commenters >= MIN_EVIDENCE
    enough_c = out.comments >= MIN_EVIDENCE
    return out.mutate(
        suspicious_audience=(enough_a & (out.real_follower_share < 0.5)).fill_null(False)
        | (enough_c & (out.comment_authenticity < 0.5)).fill_null(False)
    ).order_by(["platform", "creator_id"])
