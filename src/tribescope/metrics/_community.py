"""Off-platform community: the creator's Discord server, subreddit or Patreon."""

from __future__ import annotations

import ibis.expr.types as ir

from tribescope.metrics._base import KEY, join_all, own_account, safe_div

__all__ = ["offplatform"]


def offplatform(
    links: ir.Table, messages: ir.Table, threads: ir.Table, accounts: ir.Table | None = None
) -> ir.Table:
    """Per-creator off-platform community from ``community_links`` + ``community_messages``; a row for each
    creator with a linked space (the score's other creators get nulls).

    A space's *members* are its messages' authors other than the creator's own accounts (:func:`own_account`, the
    definition ``is_creator`` of the thread rows and the engaged audiences of ``tribescope.niche`` use: with the
    handles of ``accounts`` when given — the creator's Discord account in their own server — else the ids alone),
    each keyed by its platform and id (Discord user 42 and Reddit user 42 are two people).

    * ``community_spaces`` — linked spaces; ``community_members`` — sum of the members each space reports.
    * ``community_messages`` — messages in the linked spaces (the creator's included); ``community_active_members``
      — distinct members who wrote; ``community_messages_per_member`` = the members' messages / active members.
    * ``community_reply_share`` = messages that reply to another message / messages (members talking to each
      other).
    * ``community_overlap_share`` = the creator's commenters (distinct audience authors, as ``n_commenters``)
      whose handle also writes in a linked space as a member / commenters (handles — the author name, else the id —
      compared lower-cased, across platforms).

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
    member_handle: ir.StringValue | None = None
    creator_handle: ir.StringValue | None = None
    if accounts is not None:
        ma = accounts.select(
            _m_platform=accounts.platform, _m_id=accounts.account_id, _m_handle=accounts.username.lower()
        )
        # the linked creators' own accounts alone: the join below then builds on a few rows, not on every account
        # (DuckDB, misjudging the messages' side, built it on all 4.6M accounts at synth l: 0.45 of 1.4 CPU-s), and
        # only their handles are lower-cased (not all 4.5M usernames first: ~0.14 s a group of creators at synth l)
        ca = accounts.semi_join(ln, [accounts.platform == ln.platform, accounts.account_id == ln.creator_id])
        ca = ca.select(_c_platform=ca.platform, _c_id=ca.account_id, _c_handle=ca.username.lower())
        lm = lm.left_join(ma, [lm._platform == ma._m_platform, lm._author == ma._m_id])
        lm = lm.left_join(ca, [lm.platform == ca._c_platform, lm.creator_id == ca._c_id])
        member_handle, creator_handle = lm._m_handle, lm._c_handle
    lm = lm.mutate(
        _member=lm._author.notnull() & ~own_account(lm._author, member_handle, lm.creator_id, creator_handle)
    )
    act = lm.group_by(*KEY).agg(
        community_messages=lm.count(),
        _member_messages=lm._member.cast("int64").sum(),
        community_reply_share=lm._is_reply.mean(),
    )
    mem = lm.filter(lm._member)
    per = mem.select(*KEY, "_platform", "_author").distinct()
    am = per.group_by(*KEY).agg(community_active_members=per.count())
    names = mem.select(*KEY, _name=mem._name).distinct()
    # only the commenters of creators with a linked space: the result has a row for those alone (about a third of
    # synth m's creators: the per-commenter distinct below groups a third of the thread rows, not all of them)
    t = threads.filter(~threads.is_creator & threads.author_id.notnull())
    t = t.semi_join(ls.select(*KEY), list(KEY))
    # per commenter (distinct author id, as ``n_commenters`` counts them), not per handle: two commenters whose names
    # lower-case alike are two commenters; one who wrote under two names counts once, matched by either
    com = t.select(
        *KEY, _author=t.author_id, _name=t.author_name.lower().fill_null(t.author_id.lower())
    ).distinct()
    both = com.semi_join(names, [*KEY, "_name"])
    ov = both.group_by(*KEY).agg(_both=both._author.nunique())
    nc = com.group_by(*KEY).agg(_nc=com._author.nunique())
    out = join_all(ls, act, am, ov, nc)
    out = out.mutate(
        community_messages=out.community_messages.fill_null(0),
        community_active_members=out.community_active_members.fill_null(0),
    )
    return out.select(
        *KEY,
        "community_spaces",
        "community_members",
        "community_messages",
        "community_active_members",
        "community_reply_share",
        community_messages_per_member=safe_div(out._member_messages, out.community_active_members),
        community_overlap_share=safe_div(out._both.fill_null(0), out._nc),
    )
