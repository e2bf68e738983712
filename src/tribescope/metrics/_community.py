"""Off-platform community: the creator's Discord server, subreddit or Patreon."""

from __future__ import annotations

import ibis.expr.types as ir

from tribescope.metrics._base import KEY, join_all, safe_div

__all__ = ["offplatform"]


def offplatform(links: ir.Table, messages: ir.Table, threads: ir.Table) -> ir.Table:
    """Per-creator off-platform community from ``community_links`` + ``community_messages``; a row for each
    creator with a linked space (the score's other creators get nulls).

    * ``community_spaces`` — linked spaces; ``community_members`` — sum of the members each space reports.
    * ``community_messages`` — messages in the linked spaces; ``community_active_members`` — their distinct
      authors; ``community_messages_per_member`` = messages / active members.
    * ``community_reply_share`` = messages that reply to another message / messages (members talking to each
      other).
    * ``community_overlap_share`` = the creator's commenters (distinct audience authors, as ``n_commenters``)
      whose handle also writes in a linked space / commenters (handles — the author name, else the id — compared
      lower-cased, across platforms).

    The article: community influencers gather their followers in their own spaces.
    """
    ln = links.select(
        _platform=links.platform,
        _space=links.space_id,
        platform=links.creator_platform,
        creator_id=links.creator_id,
        _members=links.members,
    )
    ls = ln.group_by(*KEY).agg(community_spaces=ln.count(), community_members=ln._members.sum())
    m = messages.select(
        _platform=messages.platform,
        _space=messages.space_id,
        _author=messages.author_id,
        _name=messages.author_name.lower().fill_null(messages.author_id.lower()),
        _is_reply=messages.reply_to.notnull().cast("int64"),
    )
    lm = ln.inner_join(m, ["_platform", "_space"])
    act = lm.group_by(*KEY).agg(
        community_messages=lm.count(),
        community_active_members=lm._author.nunique(),
        community_reply_share=lm._is_reply.mean(),
    )
    names = lm.select(*KEY, _name=lm._name).distinct()
    t = threads.filter(~threads.is_creator & threads.author_id.notnull())
    # per commenter (distinct author id, as ``n_commenters`` counts them), not per handle: two commenters whose names
    # lower-case alike are two commenters; one who wrote under two names counts once, matched by either
    com = t.select(
        *KEY, _author=t.author_id, _name=t.author_name.lower().fill_null(t.author_id.lower())
    ).distinct()
    both = com.semi_join(names, [*KEY, "_name"])
    ov = both.group_by(*KEY).agg(_both=both._author.nunique())
    nc = com.group_by(*KEY).agg(_nc=com._author.nunique())
    out = join_all(ls, act, ov, nc)
    return out.mutate(
        community_messages=out.community_messages.fill_null(0),
        community_active_members=out.community_active_members.fill_null(0),
        community_messages_per_member=safe_div(out.community_messages, out.community_active_members),
        community_overlap_share=safe_div(out._both.fill_null(0), out._nc),
    ).drop("_both", "_nc")
