"""Shared building blocks: who wrote what to whom under which creator's post.

A reply's *target* is resolved the way people address each other in flat threads (Instagram,
YouTube, TikTok nest only one level, so replies say ``@name``), from the reply's *first* @-mention (the one the app
writes when a reader taps "reply"; later ones tag others): the commenter on the same post with that handle; else the
creator when it is the creator's handle; else the author of the parent comment.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from tribescope.features import comment_features
from tribescope.features._rules import first_mention
from tribescope.schema import PLATFORMS

__all__ = [
    "KEY",
    "creator_not_found",
    "creator_posts",
    "creator_posts_with_handle",
    "drop_right",
    "is_creator",
    "join_all",
    "name_key",
    "only_if",
    "own_account",
    "own_account_handles",
    "own_handles_rows",
    "safe_div",
    "split_creator_name",
    "threads",
    "with_own_author",
]

#: Every metric table is keyed by these columns.
KEY = ("platform", "creator_id")


def split_creator_name(name: str, platforms: Iterable[str] = ()) -> tuple[str, str]:
    """``(platform, key)`` of a creator as a person names one — ``PLATFORM:ID``, an account id or a handle — by the one
    rule of every command that takes a creator (``explain``, the niche commands, ``posts --creator``): spaces around it
    and a leading ``@`` dropped, the platform prefix case-insensitive (``YouTube:x`` is ``youtube:x``) and only a known
    platform (:data:`~tribescope.schema.PLATFORMS` or one of ``platforms``), else the whole name is the key (an id
    holding a colon); ``platform`` is ``""`` when none is named."""
    key = name.strip().lstrip("@")
    plat, sep, rest = key.partition(":")
    plat = plat.strip().lower()
    if sep and (plat in PLATFORMS or plat in {p.lower() for p in platforms}):
        return plat, rest.strip().lstrip("@")
    return "", key


def name_key(name: str) -> str:
    """How a typed creator name and a stored id or handle are compared (:func:`split_creator_name`'s commands): in
    Unicode's composed form (NFC) and lower case — "zoë" typed with a combining diaeresis (NFD, as macOS file names
    and some tools write it) is the stored "Zoë", not an unknown creator with "did you mean 'Zoë'?"."""
    return unicodedata.normalize("NFC", name).lower()


def creator_not_found(ws: Any, name: str, plat: str, ident: str, rows: Iterable[Mapping[str, Any]]) -> str:
    """Why ``name`` names no creator: an account of the workspace without posts ("has no posts"), else no such
    creator, with close handles (difflib) when there are any — ``explain`` and the niche commands say it alike. ``plat`` and
    ``ident`` are :func:`split_creator_name` of ``name``; ``rows`` the creators (``platform``, ``creator_id``,
    ``username``). No workspace path: the user named the workspace, and a path in an error message says nothing more."""
    ident_l = name_key(ident).lstrip("@")
    if ws is not None and ws.has_table("accounts"):
        acc = ws.table("accounts")
        match = (
            (acc.account_id == ident)
            | (acc.account_id.lower() == ident_l)
            | (acc.username.lower() == ident_l)
        )
        if plat:
            match = match & (acc.platform == plat)
        if int(acc.filter(match).count().to_pyarrow().as_py()):
            return (
                f"creator {name!r} has no posts in this workspace: only accounts that published posts are creators "
                "(`tribescope score` lists them)"
            )
    msg = (
        f"no creator {name!r} in this workspace (looked at creator ids and handles of accounts with posts); "
        "`tribescope score` lists them"
    )
    names: dict[str, str] = {}  # lower-cased handle or id → what to suggest (PLATFORM:ID when one was named)
    for r in rows:
        for n in (r["username"], r["creator_id"]):
            if n:
                names.setdefault(name_key(n), f"{r['platform']}:{r['creator_id']}" if plat else n)
    close = difflib.get_close_matches(ident_l, list(names), n=3, cutoff=0.75)
    if close:
        msg += "; did you mean " + " or ".join(repr(names[c]) for c in close) + "?"
    return msg


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


def own_account(
    member_id: ir.StringValue,
    member_handle: ir.StringValue | None,
    creator_id: ir.StringValue,
    creator_handle: ir.StringValue | None,
) -> ir.BooleanValue:
    """Whether an author (of a comment under the creator's posts, or of a message in a space ``community_links``
    maps to the creator) is one of the creator's **own accounts** — the one definition of "the creator, not their
    audience" for the metrics (:func:`threads`' ``is_creator``, :func:`~tribescope.metrics.offplatform`) and the
    engaged audiences of ``tribescope.niche`` (``overlap``, ``similar``, ``niches``, ``circle``).

    Own: the creator's id itself, or an account whose id or handle (``accounts.username``), lower-cased, is the
    creator's id or handle, lower-cased — the creator's Instagram comment under its numeric id, their Discord account
    "wandersbymaya" in their own server. The callers compare only authors on the creator's platform or on the
    platform of a space linked to the creator, where a handle names one account. Never null: an unknown author is
    audience. The handles are given lower-cased (``accounts.username.lower()``; the ids are lower-cased here); a
    handle's value may be null (no ``accounts`` row, no username), and ``None`` leaves it out (no ``accounts`` at all;
    not a null literal, which Ibis compares as ``IS NULL``)."""
    m_id, c_id = member_id.lower(), creator_id.lower()
    # one null-to-false around the whole disjunction (an OR is true when any term is, whatever the nulls), not one per
    # term; the ids' own equality is the lower-cased ids' (equal ids are equal lower-cased)
    own = m_id == c_id
    pairs = ((m_id, creator_handle), (member_handle, c_id), (member_handle, creator_handle))
    for m, c in pairs:
        if m is not None and c is not None:
            own = own | (m == c)
    return own.fill_null(False)


def own_account_handles(posts: ir.Table, accounts: ir.Table, tag: str) -> ir.Table:
    """The accounts whose handle (``accounts.username``, lower-cased) is some creator's id or handle on the same
    platform: the only accounts whose handle :func:`own_account` can find to be a creator's. Columns
    ``_{tag}_platform``, ``_{tag}_id``, ``_{tag}_handle``; a few rows per creator, so joining them onto every comment
    is a probe of a tiny hash table, not a join with every commenter's account. ``tag`` names the columns (and makes
    each use a relation of its own: a relation used twice becomes a CTE, see :func:`threads`)."""
    cp, ci, ap, ai, an = (f"_{tag}_{c}" for c in ("cp", "ci", "ap", "ai", "an"))
    cr = posts.filter(posts.creator_id.notnull())
    cr = cr.select(**{cp: cr.platform, ci: cr.creator_id}).distinct()
    ca = accounts.select(**{ap: accounts.platform, ai: accounts.account_id, an: accounts.username.lower()})
    cj = cr.left_join(ca, [cr[cp] == ca[ap], cr[ci] == ca[ai]])
    # each creator's two names (id and handle, lower-cased) as rows: one relation, no union of two reads of it
    names = cj.select(_np=cj[cp], _nm=ibis.array([cj[ci].lower(), cj[an]]).unnest())
    acc = accounts.filter(accounts.username.notnull())
    acc = acc.select(
        **{
            f"_{tag}_platform": acc.platform,
            f"_{tag}_id": acc.account_id,
            f"_{tag}_handle": acc.username.lower(),
        }
    )
    return acc.semi_join(names, [acc[f"_{tag}_platform"] == names._np, acc[f"_{tag}_handle"] == names._nm])


def creator_posts_with_handle(posts: ir.Table, accounts: ir.Table | None) -> ir.Table:
    """:func:`creator_posts` with ``_creator_handle`` (the creator's ``accounts.username``, lower-cased; null when
    unknown) when ``accounts`` is given. The handle is joined onto the posts (19k rows at m), not onto every comment
    (1M), from the creators' accounts only (a hash table of a few thousand, not of every commenter's account). Against
    ``posts`` itself, not :func:`creator_posts`' relation: a relation used twice becomes a CTE, and Spark (Connect)
    cannot find a cached plan holding a CTE again (fresh CTE ids each analysis), so ``.cache()`` of the thread rows
    failed there."""
    p = creator_posts(posts)
    if accounts is None:
        return p
    acc = accounts.semi_join(
        posts, [accounts.platform == posts.platform, accounts.account_id == posts.creator_id]
    )
    acc = acc.select(_a_platform=acc.platform, _a_id=acc.account_id, _creator_handle=acc.username.lower())
    return p.left_join(acc, [p._pp == acc._a_platform, p.creator_id == acc._a_id]).drop(
        "_a_platform", "_a_id"
    )


def own_handles_rows(posts: ir.Table, accounts: ir.Table) -> pa.Table:
    """:func:`own_account_handles` computed now (804 rows at synth m), for :func:`_tagged_handles`: built once per
    :func:`threads` call (or once for every group of creators of a score: ``threads(…, handles=)``), not once per
    probe inside its plan (each build scans ``accounts`` twice)."""
    t = own_account_handles(posts, accounts, "h")
    return t.to_pyarrow().cast(t.schema().to_pyarrow())


def _tagged_handles(posts: ir.Table, rows: pa.Table, tag: str) -> ir.Table:
    """:func:`own_handles_rows` as an in-memory table with :func:`own_account_handles`' ``tag``-named columns. A
    fresh table per use: a relation used twice becomes a CTE (see :func:`creator_posts_with_handle`). Registered
    with ``posts``' backend now (:func:`memtable_with`)."""
    names = [f"_{tag}_platform", f"_{tag}_id", f"_{tag}_handle"]
    return memtable_with(posts, rows.rename_columns(names))


def memtable_with(like: ir.Table, data: pa.Table) -> ir.Table:
    """``data`` as an in-memory table registered now with ``like``'s backend, for expressions that are ``.cache()``d:
    PySpark's ``.cache()`` compiles its plan without registering the plan's in-memory tables (DuckDB's does), and
    failed with "table or view not found"."""
    t = ibis.memtable(data)
    like._find_backend()._register_in_memory_tables(t)
    return t


def with_own_author(
    j: ir.Table, posts: ir.Table, accounts: ir.Table | None, *, handles: pa.Table | None = None
) -> tuple[ir.Table, ir.BooleanValue]:
    """``j`` (rows with ``platform``, ``author_id``, ``creator_id`` and, when ``accounts`` is given,
    ``_creator_handle`` of :func:`creator_posts_with_handle`) and whether each row's author is one of the creator's
    own accounts (:func:`own_account`): with ``accounts``, the handles of the authors that may be such an account
    under another id are probed from :func:`own_account_handles` (a tiny table; ``handles``, the rows of
    :func:`own_handles_rows`, when the caller has computed them already); without, the ids alone. The one rule of
    the thread rows' ``is_creator`` and the audience of ``sentiment_mean``."""
    if accounts is None:
        return j, own_account(j.author_id, None, j.creator_id, None)
    oa = (
        own_account_handles(posts, accounts, "oa")
        if handles is None
        else _tagged_handles(posts, handles, "oa")
    )
    j = j.left_join(oa, [j.platform == oa._oa_platform, j.author_id == oa._oa_id]).drop(
        "_oa_platform", "_oa_id"
    )
    return j, own_account(j.author_id, j._oa_handle, j.creator_id, j._creator_handle)


def is_creator(t: ir.Table) -> ir.BooleanValue:
    """:func:`own_account` from the row's ``author_id`` and ``creator_id`` alone (no handles: the ids, lower-cased,
    compared); :func:`threads` adds the handles when it has ``accounts``. Never null: an unknown author is audience."""
    return own_account(t.author_id, None, t.creator_id, None)


def _parent_authors(pc: ir.Table, want: ir.Table) -> ir.Table:
    """The comments of ``pc`` whose key ``want`` names (``_w_platform``, ``_w_id``), with their authors."""
    pc = pc.semi_join(want, [pc.platform == want._w_platform, pc.comment_id == want._w_id])
    return pc.select(_par_platform=pc.platform, _par_id=pc.comment_id, parent_author_id=pc.author_id)


def threads(
    comments: ir.Table,
    posts: ir.Table,
    accounts: ir.Table | None = None,
    *,
    parents: ir.Table | None = None,
    handles: pa.Table | None = None,
) -> ir.Table:
    """Comments under creators' posts with rule features, the creator and each reply's target.

    Adds to :func:`tribescope.features.comment_features`: ``creator_id``, ``post_created_at``,
    ``parent_author_id``, ``target_id`` (see module doc), ``is_creator`` (one of the creator's own accounts wrote it:
    :func:`own_account`, with the handles of ``accounts`` when given, else the ids alone), ``is_reply``,
    ``is_ff_reply`` (a reply between two different accounts, neither the creator's own — follower↔follower),
    ``is_tie`` (an ``is_ff_reply`` that is conversation, i.e. not a bare tag, emoji or spam).

    ``parents`` (default ``comments``) is where parent comments are looked up: the whole ``comments`` table when
    ``comments``/``posts`` are restricted to some creators (incremental scoring, groups of creators). A parent is then
    looked up among ``comments`` first — a reply's parent is a comment of the same post, as a rule — and in
    ``parents`` only when it is not there: each key names one comment, so the rows found are the same, and the scan of
    the whole table probes the few keys left (none, as a rule: a probe DuckDB then skips).

    ``handles``: the rows of :func:`own_handles_rows` for ``accounts`` and posts of these creators or more (a score
    by groups of creators computes them once for all its groups); computed here when not given. Rows of other
    creators' names change nothing: :func:`own_account` compares an author's handle with the row's own creator.
    """
    f = comment_features(comments, posts)
    p = creator_posts_with_handle(posts, accounts)
    j = f.inner_join(p, [f.platform == p._pp, f.post_id == p._pid]).drop("_pp", "_pid")

    # parent authors and @-mentioned commenters matter only for replies: both lookups keep just the rows some reply
    # of ``comments`` can match (hash tables of the replies' keys, not of every comment)
    rep = comments.filter(comments.parent_comment_id.notnull())
    want = rep.select(_w_platform=rep.platform, _w_id=rep.parent_comment_id)
    par = _parent_authors(comments, want)
    if parents is not None:
        left = want.anti_join(par, [want._w_platform == par._par_platform, want._w_id == par._par_id])
        par = par.union(_parent_authors(parents, left), distinct=False)
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

    j_creator_handle: ir.StringValue | None = None
    # the accounts that may be a creator's own under another id, computed once for both probes (authors, targets)
    if accounts is None:
        handles = None
    elif handles is None:
        handles = own_handles_rows(posts, accounts)
    j, own = with_own_author(j, posts, accounts, handles=handles)
    if accounts is not None:
        creator_handle = j._creator_handle.fill_null(j.creator_id.lower())
        j_creator_handle = j._creator_handle
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
    j = j.mutate(target_id=target, is_reply=is_reply, is_creator=own)
    if handles is not None:
        # a reply to one of the creator's own accounts is a reply to the creator, not follower↔follower
        ot = _tagged_handles(posts, handles, "ot")
        j = j.left_join(ot, [j.platform == ot._ot_platform, j.target_id == ot._ot_id])
        j = j.drop("_ot_platform", "_ot_id")
        target_handle: ir.StringValue | None = j._ot_handle
        j_creator_handle = j._creator_handle
    else:
        target_handle = None
    to_creator = own_account(j.target_id, target_handle, j.creator_id, j_creator_handle)
    # the reply target's own-account test only on the replies it can decide (a CASE, not a conjunction: the engine
    # evaluates it for those rows alone, not for every comment)
    is_ff = ibis.ifelse(
        j.is_reply
        & ~j.is_creator
        & j.author_id.notnull()
        & j.target_id.notnull()
        & (j.target_id != j.author_id),
        ~to_creator,
        False,
    )
    j = j.mutate(is_ff_reply=is_ff)
    j = j.mutate(is_tie=j.is_ff_reply & ~j.is_mention_only & ~j.is_link_spam & ~j.is_emoji_only)
    drop = [c for c in ("mentioned_id", "_creator_handle", "_oa_handle", "_ot_handle") if c in j.columns]
    return j.drop(*drop)
