"""Lookalike creators: similar by topic, audience and community profile, with the reasons.

``similarity = (w_t · topic + w_a · cos_audience + w_p · profile) / (w_t + w_a + w_p)``, the weights the score spec's
``[similar]`` (``--spec FILE``; the packaged spec's are 0.4, 0.3, 0.3):

* ``topic = √(cos_topic · cos_words)`` — text similarity (:meth:`~tribescope.niche._topics.TopicModel.similarity`):
  the geometric mean of the cosines of the two creators' NMF topic mixes and of their TF-IDF rows, so that two
  creators who share no word score 0 even when a coarse model (few topics) puts them in the same topic;
* ``cos_audience = |A ∩ B| / √(|A||B|)`` over engaged audiences (:mod:`tribescope.niche._audience`);
* ``profile = 1 − mean_f |x_f(A) − x_f(B)|`` over community-profile features scaled to [0, 1]:
  ``size = min(log10(1 + followers) / 7, 1)``; ``reply_share`` (comments that reply to a comment);
  ``returning_share`` (commenters on ≥ 2 of the creator's posts); ``responsiveness`` (comments written by the
  creator — by one of the creator's own accounts, :func:`tribescope.metrics._base.own_account`, as the metrics and
  the engaged audiences tell the creator from their audience); ``community`` (runs an off-platform space: 0/1). Features missing for either creator are skipped
  (``size`` is missing when the follower count is, e.g. for Reddit creators, or negative: -1 is "unknown" to some
  scrapers). ``community`` is compared only beside another comparable feature, or when either creator runs a space:
  that neither runs one is no likeness on its own. With nothing comparable ``profile`` is null (missing; it adds 0
  to the similarity) and no profile reason is given.
"""

from __future__ import annotations

import math
import os
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from tribescope.metrics._base import own_account, own_account_handles
from tribescope.niche._audience import audience, known_followers
from tribescope.niche._topics import TopicModel, text_similarity, topics
from tribescope.score._spec import Spec, load_spec
from tribescope.store import Workspace, require_workspace

__all__ = ["PROFILE_FEATURES", "community_profile", "similar"]

PROFILE_FEATURES = ("size", "reply_share", "returning_share", "responsiveness", "community")


def community_profile(ws: Workspace) -> ir.Table:
    """Per creator ``(platform, creator_id, followers, size, reply_share, returning_share, responsiveness, community)``."""
    require_workspace(ws, "community_profile")
    posts = ws.table("posts")
    cr = posts.group_by(["platform", "creator_id"]).agg(n_posts=posts.count())
    if ws.has_table("comments"):
        c = ws.table("comments")
        p = posts.select(p_platform="platform", p_post="post_id", p_creator="creator_id")
        j = c.join(p, [c.platform == p.p_platform, c.post_id == p.p_post])
        # the creator's own comments (responsiveness) and audience (returning share) as the metrics tell them apart
        if ws.has_table("accounts"):
            oa = own_account_handles(posts, ws.table("accounts"), "oa")
            acc = ws.table("accounts")
            ca = acc.select(c_platform=acc.platform, c_id=acc.account_id, c_handle=acc.username.lower())
            j = j.left_join(oa, [j.platform == oa._oa_platform, j.author_id == oa._oa_id])
            j = j.left_join(ca, [j.platform == ca.c_platform, j.p_creator == ca.c_id])
            j = j.mutate(own=own_account(j.author_id, j._oa_handle, j.p_creator, j.c_handle))
        else:
            j = j.mutate(own=own_account(j.author_id, None, j.p_creator, None))
        per = j.group_by([j.platform, j.p_creator]).agg(
            n_comments=j.count(),
            n_replies=j.parent_comment_id.notnull().cast("int64").sum(),
            n_own=j.own.cast("int64").sum(),
        )
        others = j.filter(~j.own & j.author_id.notnull())
        by_member = others.group_by([others.platform, others.p_creator, others.author_id]).agg(
            n_post=others.post_id.nunique()
        )
        ret = by_member.group_by(["platform", "p_creator"]).agg(
            commenters=by_member.count(), returning=(by_member.n_post >= 2).cast("int64").sum()
        )
        per = per.left_join(ret, ["platform", "p_creator"]).select(
            "platform", "p_creator", "n_comments", "n_replies", "n_own", "commenters", "returning"
        )
        cr = cr.left_join(per, [cr.platform == per.platform, cr.creator_id == per.p_creator]).select(
            "platform", "creator_id", "n_comments", "n_replies", "n_own", "commenters", "returning"
        )
    else:
        cr = cr.mutate(
            n_comments=ibis.null("int64"),
            n_replies=ibis.null("int64"),
            n_own=ibis.null("int64"),
            commenters=ibis.null("int64"),
            returning=ibis.null("int64"),
        )
    if ws.has_table("accounts"):
        acc = ws.table("accounts")
        # a negative count (-1: "unknown" to some scrapers) is a missing follower count, as null is
        acc = acc.select(a_platform="platform", a_id="account_id", followers=known_followers(acc.followers))
        cr = cr.left_join(acc, [cr.platform == acc.a_platform, cr.creator_id == acc.a_id])
        cr = cr.select(*[x for x in cr.columns if x not in ("a_platform", "a_id")])
    else:
        cr = cr.mutate(followers=ibis.null("int64"))
    if ws.has_table("community_links"):
        lk = ws.table("community_links")
        lk = lk.group_by([lk.creator_platform, lk.creator_id]).agg(spaces=lk.count())
        lk = lk.select(l_platform="creator_platform", l_id="creator_id", spaces="spaces")
        cr = cr.left_join(lk, [cr.platform == lk.l_platform, cr.creator_id == lk.l_id])
        cr = cr.select(*[x for x in cr.columns if x not in ("l_platform", "l_id")])
    else:
        cr = cr.mutate(spaces=ibis.null("int64"))
    nc = cr.n_comments.cast("float64")
    # LEAST skips NULLs in DuckDB and Spark (least(NULL, 1) = 1): a missing follower count must stay missing
    size = ibis.cases(
        (cr.followers.notnull(), ibis.least((cr.followers.cast("float64") + 1).log10() / 7.0, 1.0)),
        else_=ibis.null("float64"),
    )
    return cr.select(
        "platform",
        "creator_id",
        "followers",
        size=size,
        reply_share=ibis.cases((nc > 0, cr.n_replies.cast("float64") / nc), else_=ibis.null("float64")),
        returning_share=ibis.cases(
            (cr.commenters > 0, cr.returning.cast("float64") / cr.commenters.cast("float64")),
            else_=ibis.null("float64"),
        ),
        responsiveness=ibis.cases((nc > 0, cr.n_own.cast("float64") / nc), else_=ibis.null("float64")),
        community=(cr.spaces.fill_null(0) > 0).cast("float64"),
    )


def _top_terms(model: TopicModel, i: int, n: int = 15) -> list[str]:
    if model.tfidf is None:
        return []
    row = model.tfidf[i].toarray().ravel()  # type: ignore[attr-defined,index]
    vocab = model.vectorizer.get_feature_names_out()
    idx = [j for j in np.argsort(-row)[:n] if row[j] > 0]
    return [str(vocab[j]) for j in idx]


def similar(
    ws: Workspace,
    creator: tuple[str, str],
    *,
    n: int = 10,
    weights: tuple[float, float, float] | None = None,
    model: TopicModel | None = None,
    spec: Spec | str | os.PathLike[str] | None = None,
) -> pa.Table:
    """The ``n`` creators most similar to ``creator`` with ``topic``, ``audience``, ``profile`` parts and ``reasons``
    (only creators with something alike: similarity above 0). ``creator`` is a ``(platform, creator_id)`` pair of a
    creator with posts (else :class:`CreatorNotFound`). ``weights`` (topic, audience, profile) default to the
    ``[similar]`` of ``spec`` (the packaged score spec when None)."""
    require_workspace(ws, "similar")
    if weights is None:
        weights = load_spec(spec).similar_weights
    total = sum(weights)  # relative weights: the similarity stays 0…1 whatever they sum to
    if not (all(w >= 0 for w in weights) and total > 0):
        raise ValueError(f"similar: weights={weights!r} must be numbers >= 0, not all 0 (relative weights)")
    weights = (weights[0] / total, weights[1] / total, weights[2] / total)
    if model is not None and not isinstance(model, TopicModel):
        raise TypeError(
            f"similar takes model=TopicModel (tribescope.niche.topics(ws)), not {type(model).__name__}"
        )
    from tribescope.niche._audience import check_param, require_creator

    # -1 listed all creators but one (rows[:-1]), as `similar --n` refuses it
    check_param("similar", "n", n, "it is the number of lookalikes, 1 or more", low=1, integer=True)
    creator = require_creator(ws, creator, "similar")
    model = model or topics(ws)
    keys = list(model.keys)
    index = {k: i for i, k in enumerate(keys)}
    me = index.get(creator)
    # audience cosine: target's members joined with everyone's members, in the engine
    aud = audience(ws)
    mine = aud.filter((aud.creator_platform == creator[0]) & (aud.creator_id == creator[1]))
    mine = mine.select(m_platform="member_platform", m_id="member_id")
    j = aud.join(mine, [aud.member_platform == mine.m_platform, aud.member_id == mine.m_id])
    shared = {
        (r["creator_platform"], r["creator_id"]): int(r["n"])
        for r in j.group_by(["creator_platform", "creator_id"]).agg(n=j.count()).to_pyarrow().to_pylist()
    }
    sizes = {
        (r["creator_platform"], r["creator_id"]): int(r["n"])
        for r in aud.group_by(["creator_platform", "creator_id"]).agg(n=aud.count()).to_pyarrow().to_pylist()
    }
    prof = {(r["platform"], r["creator_id"]): r for r in community_profile(ws).to_pyarrow().to_pylist()}
    my_prof = prof.get(creator, {})
    my_size = sizes.get(creator, 0)
    my_terms = set(_top_terms(model, me)) if me is not None else set()
    n_keys = len(keys)
    t_mix, t_words = (
        (model.topic_cosine([me])[0], model.word_cosine([me])[0])
        if me is not None and model.n_topics
        else (np.zeros(n_keys), np.zeros(n_keys))
    )
    t_sim = text_similarity(t_mix, t_words)
    rows: list[dict[str, Any]] = []
    for k in keys:
        if k == creator:
            continue
        i = index[k]
        t_cos = float(t_sim[i])
        sh = shared.get(k, 0)
        a_cos = sh / math.sqrt(my_size * sizes[k]) if sh and my_size and sizes.get(k) else 0.0
        p = prof.get(k, {})
        feats = [f for f in PROFILE_FEATURES if my_prof.get(f) is not None and p.get(f) is not None]
        if feats == ["community"] and not (my_prof["community"] or p["community"]):
            feats = []  # that neither runs a community is no likeness on its own: it gave "profile 1.00"
        diffs = [abs(my_prof[f] - p[f]) for f in feats]
        p_sim = 1.0 - float(np.mean(diffs)) if diffs else None  # nothing comparable: missing, not a likeness
        score = weights[0] * t_cos + weights[1] * a_cos + weights[2] * (p_sim if p_sim is not None else 0.0)
        reasons = []
        common = [t for t in _top_terms(model, i) if t in my_terms][:5]
        if t_cos > 0:
            reasons.append(
                f"topics {t_cos:.2f} (topic mix cos {t_mix[i]:.2f}, words cos {t_words[i]:.2f}"
                + (f"; shared terms: {', '.join(common)})" if common else ")")
            )
        if sh:
            smaller = min(my_size, sizes[k])
            # a share as the CLI's tables show one ("42.9%"); "1 shared engaged account", not "accounts"
            reasons.append(
                f"{sh:,} shared engaged account{'' if sh == 1 else 's'} ({sh / smaller:.1%} of the smaller audience)"
            )
        if diffs:
            parts = []
            if my_prof.get("followers") is not None and p.get("followers") is not None:
                parts.append(f"followers {my_prof['followers']:,} vs {p['followers']:,}")
            for f in ("reply_share", "returning_share"):
                if my_prof.get(f) is not None and p.get(f) is not None:
                    parts.append(f"{f.replace('_', ' ')} {my_prof[f]:.1%} vs {p[f]:.1%}")
            if my_prof.get("community") and p.get("community"):
                parts.append("both run an off-platform community")
            reasons.append(f"profile {p_sim:.2f}" + (f" ({'; '.join(parts)})" if parts else ""))
        rows.append(
            {
                "platform": k[0],
                "creator_id": k[1],
                "similarity": score,
                "topic": t_cos,
                "audience": a_cos,
                "shared_accounts": sh,
                "profile": p_sim,
                "reasons": "; ".join(reasons),
            }
        )
    # a creator with nothing alike (no shared word, no shared engaged account, no comparable profile) is no lookalike:
    # it was listed with similarity 0.00 and no reason
    rows = [r for r in rows if r["similarity"] > 0]
    rows.sort(key=lambda r: (-r["similarity"], r["platform"], r["creator_id"]))
    return pa.Table.from_pylist(
        rows[:n],
        schema=pa.schema(
            [
                ("platform", pa.string()),
                ("creator_id", pa.string()),
                ("similarity", pa.float64()),
                ("topic", pa.float64()),
                ("audience", pa.float64()),
                ("shared_accounts", pa.int64()),
                ("profile", pa.float64()),
                ("reasons", pa.string()),
            ]
        ),
    )
