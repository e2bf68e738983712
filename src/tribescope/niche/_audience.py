"""Engaged audiences of creators and their overlap, computed in the engine (Ibis).

A creator's *engaged audience* is the set of accounts that engaged with them: authors of comments
under the creator's posts (other than the creator), and authors of messages in the off-platform
spaces the creator runs (``community_links``; other than the creator's own accounts, as the metrics define them
(:func:`tribescope.metrics._base.own_account`): an author whose id or handle, lower-cased, is the creator's id or
handle, on the creator's platform or a linked space's platform — the creator's Discord account in their own server). Members are keyed by ``(member_platform, member_id)``,
so a Discord member and a YouTube commenter are different accounts unless the ids coincide.

Overlap of audiences A and B (Jaccard 1901; Szymkiewicz–Simpson; Salton & McGill 1983):

* ``shared = |A ∩ B|``
* ``jaccard = |A ∩ B| / |A ∪ B|``
* ``overlap_min = |A ∩ B| / min(|A|, |B|)`` — share of the smaller audience also in the larger one
* ``cosine = |A ∩ B| / √(|A| |B|)`` — the symmetric, size-balanced measure used for the creator graph

For very large audiences, :func:`audience_sketches` keeps a bottom-k MinHash sketch per creator
(Broder 1997; Cohen & Kaplan, "Summarizing data using bottom-k sketches", PODC 2007) and
:func:`estimate_jaccard` estimates Jaccard from two sketches with standard error ≈ √(J(1−J)/k).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from tribescope.errors import CreatorNotFound, TribescopeError
from tribescope.metrics._base import creator_not_found, name_key, own_account, split_creator_name
from tribescope.store import Workspace, require_workspace

__all__ = [
    "CreatorNotFound",
    "NicheError",
    "activity",
    "audience",
    "audience_sketches",
    "estimate_jaccard",
    "overlap",
    "overlap_list",
    "pairwise_overlap",
    "resolve_creators",
]


_ACT_COLS = [
    "creator_platform",
    "creator_id",
    "member_platform",
    "member_id",
    "kind",
    "created_at",
    "item_id",
    "parent_author_id",
]


class NicheError(TribescopeError):
    """A niche function was given a parameter out of its range (the message names it and the range)."""


def check_param(
    what: str,
    name: str,
    value: Any,
    allowed: str,
    *,
    low: float,
    high: float = math.inf,
    above: bool = False,
    integer: bool = False,
) -> None:
    """Refuse ``value`` of the parameter ``name`` of ``what`` unless it is a number (an int when ``integer``; never a
    bool) from ``low`` (above it when ``above``) to ``high``, as the CLI's options bound it: a :class:`NicheError`
    saying ``allowed`` (the range in words). NaN and infinities are out of range; a wrong type is a TypeError."""
    if isinstance(value, bool) or not isinstance(value, int if integer else int | float):
        raise TypeError(f"{what} takes {name} as {'an int' if integer else 'a number'}, not {value!r}")
    if not (math.isfinite(value) and (value > low if above else value >= low) and value <= high):
        raise NicheError(f"{what}: {name}={value!r} is out of range; {allowed}")


def activity(ws: Workspace) -> ir.Table:
    """Every engagement act: ``(creator_platform, creator_id, member_platform, member_id, kind, created_at, item_id,
    parent_author_id)``; ``kind`` is ``comment`` or ``community``; ``parent_author_id`` is who the act replies to."""
    require_workspace(ws, "activity")
    parts: list[ir.Table] = []
    posts = ws.table("posts")
    if ws.has_table("comments"):
        c = ws.table("comments")
        p = posts.select(p_platform=posts.platform, p_post_id=posts.post_id, p_creator=posts.creator_id)
        j = c.join(p, [c.platform == p.p_platform, c.post_id == p.p_post_id])
        parent = c.select(q_platform=c.platform, q_id=c.comment_id, q_author=c.author_id)
        j = j.left_join(parent, [j.platform == parent.q_platform, j.parent_comment_id == parent.q_id])
        j = j.filter(j.author_id.notnull() & (j.author_id != j.p_creator))
        parts.append(
            j.select(
                creator_platform=j.platform,
                creator_id=j.p_creator,
                member_platform=j.platform,
                member_id=j.author_id,
                kind=ibis.literal("comment"),
                created_at=j.created_at,
                item_id=j.comment_id,
                parent_author_id=j.q_author,
            )
        )
    if ws.has_table("community_messages") and ws.has_table("community_links"):
        m = ws.table("community_messages")
        lk = ws.table("community_links")
        lk = lk.select(
            l_platform=lk.platform, l_space=lk.space_id, l_cplat=lk.creator_platform, l_cid=lk.creator_id
        )
        j = m.join(lk, [m.platform == lk.l_platform, m.space_id == lk.l_space])
        parent = m.select(q_platform=m.platform, q_id=m.message_id, q_author=m.author_id)
        j = j.left_join(parent, [j.platform == parent.q_platform, j.reply_to == parent.q_id])
        # the creator writing in its own space is not its audience: the space's platform and the author id are
        # the creator's own account (as the comment branch drops ``author_id == p_creator``)
        own = ((j.platform == j.l_cplat) & (j.author_id == j.l_cid)).fill_null(False)
        j = j.filter(j.author_id.notnull() & ~own)
        parts.append(
            j.select(
                creator_platform=j.l_cplat,
                creator_id=j.l_cid,
                member_platform=j.platform,
                member_id=j.author_id,
                kind=ibis.literal("community"),
                created_at=j.created_at,
                item_id=j.message_id,
                parent_author_id=j.q_author,
            )
        )
    if not parts:
        schema = {
            "creator_platform": "string",
            "creator_id": "string",
            "member_platform": "string",
            "member_id": "string",
            "kind": "string",
            "created_at": "timestamp('UTC')",
            "item_id": "string",
            "parent_author_id": "string",
        }
        return ibis.memtable(pa.table({k: pa.array([], pa.string()) for k in schema})).cast(schema)
    out = parts[0]
    for p2 in parts[1:]:
        out = out.union(p2, distinct=False)
    return _without_own_accounts(ws, out)


def _without_own_accounts(ws: Workspace, act: ir.Table) -> ir.Table:
    """``act`` without the creator's own accounts under another id, by the metrics' one definition
    (:func:`tribescope.metrics._base.own_account`, which ``is_creator`` of the thread rows uses too): a member whose id
    or handle (``accounts.username``), lower-cased, is the creator's id or handle — e.g. the Discord account
    "wandersbymaya" of the creator @wandersbymaya in their own server (a space ``community_links`` maps to them), or
    an Instagram comment of the creator's account under its numeric id. Every member here is on the creator's
    platform or on the platform of a space linked to them, so a same-handle member is the creator, not one of their
    followers."""
    if not ws.has_table("accounts"):
        return act.filter(~own_account(act.member_id, None, act.creator_id, None)).select(*_ACT_COLS)
    acc = ws.table("accounts")
    m = acc.select(m_platform=acc.platform, m_id=acc.account_id, m_handle=acc.username.lower())
    c = acc.select(c_platform=acc.platform, c_id=acc.account_id, c_handle=acc.username.lower())
    j = act.left_join(m, [act.member_platform == m.m_platform, act.member_id == m.m_id])
    j = j.left_join(c, [j.creator_platform == c.c_platform, j.creator_id == c.c_id])
    return j.filter(~own_account(j.member_id, j.m_handle, j.creator_id, j.c_handle)).select(*_ACT_COLS)


def known_followers(followers: ir.IntegerValue) -> ir.IntegerValue:
    """``followers`` where it is a count (≥ 0), else null: a negative count is the "unknown" some scrapers write
    (-1), not a size — ``log10(1 + followers)`` of it failed ("cannot take logarithm of zero") or was NaN."""
    return ibis.ifelse(followers >= 0, followers, ibis.null(followers.type()))


def creator_pairs(creators: Any, what: str) -> list[tuple[str, str]]:
    """``creators`` as ``(platform, creator_id)`` pairs; a name (a string, or strings in the list) is a TypeError
    saying to resolve it first — a string was unpacked into letters, a made-up pair ``('r', 'u')``."""
    items = [creators] if isinstance(creators, str) else list(creators)
    for c in items:
        if isinstance(c, str) or not (
            isinstance(c, tuple | list) and len(c) == 2 and all(isinstance(x, str) for x in c)
        ):
            raise TypeError(
                f"{what} takes (platform, creator_id) pairs, not {c!r}; "
                "resolve names with tribescope.niche.resolve_creators(ws, [...])"
            )
    return [(c[0], c[1]) for c in items]


def require_creator(ws: Workspace, creator: Any, what: str) -> tuple[str, str]:
    """The one ``(platform, creator_id)`` pair ``creator``, which must have posts in ``ws`` (else
    :class:`CreatorNotFound`: an unknown creator gave an empty table or arbitrary rows)."""
    (key,) = creator_pairs([creator] if not isinstance(creator, str) else creator, what)
    p = ws.table("posts")
    if not int(p.filter((p.platform == key[0]) & (p.creator_id == key[1])).count().to_pyarrow().as_py()):
        raise CreatorNotFound(
            f"creator {key[0]}:{key[1]} has no posts in this workspace "
            "(tribescope.niche.resolve_creators maps handles to creators)"
        )
    return key


def creators_with_posts(
    ws: Workspace, creators: Any, what: str = "creators_with_posts"
) -> list[tuple[str, str]]:
    """Those of ``creators`` (``(platform, creator_id)`` pairs, :func:`creator_pairs`) that have posts in ``ws``, in
    the given order without repeats; one query for all."""
    keys = list(dict.fromkeys(creator_pairs(creators, what)))
    if not keys:
        return keys
    p = ws.table("posts")
    p = p.filter(
        p.platform.isin(sorted({k[0] for k in keys})) & p.creator_id.isin(sorted({k[1] for k in keys}))
    )
    rows = p.select("platform", "creator_id").distinct().to_pyarrow().to_pylist()
    known = {(r["platform"], r["creator_id"]) for r in rows}
    return [k for k in keys if k in known]


def require_creators(ws: Workspace, creators: Any, what: str) -> list[tuple[str, str]]:
    """``creators`` as ``(platform, creator_id)`` pairs (:func:`creator_pairs`), each of which must have posts in
    ``ws``, else :class:`CreatorNotFound` naming every unknown one (an unknown creator read as an empty audience:
    zero overlap, never an error)."""
    keys = creator_pairs(creators, what)
    known = set(creators_with_posts(ws, keys, what))
    missing = [f"{k[0]}:{k[1]}" for k in dict.fromkeys(keys) if k not in known]
    if missing:
        raise CreatorNotFound(
            f"{what}: {', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no posts in this workspace "
            "(tribescope.niche.resolve_creators maps handles to creators)"
        )
    return keys


def audience(ws: Workspace, creators: Sequence[tuple[str, str]] | None = None) -> ir.Table:
    """Distinct engaged accounts per creator: ``(creator_platform, creator_id, member_platform, member_id)``."""
    require_workspace(ws, "audience")
    a = activity(ws).select("creator_platform", "creator_id", "member_platform", "member_id").distinct()
    if creators is not None:
        a = _restrict(a, creator_pairs(creators, "audience"))
    return a


def _restrict(a: ir.Table, creators: Sequence[tuple[str, str]]) -> ir.Table:
    creators = list(dict.fromkeys(creators))  # a creator named twice is one creator, not its audience twice
    keys = ibis.memtable(
        pa.table(
            {
                "k_platform": pa.array([c[0] for c in creators], pa.string()),
                "k_id": pa.array([c[1] for c in creators], pa.string()),
            }
        )
    )
    j = a.join(keys, [a.creator_platform == keys.k_platform, a.creator_id == keys.k_id])
    return j.select(*a.columns)


def pairwise_overlap(aud: ir.Table, *, min_shared: int = 1) -> ir.Table:
    """All creator pairs sharing ≥ ``min_shared`` engaged accounts, with shared, jaccard, overlap_min, cosine.

    Pairs are ordered ``(a_platform, a_id) < (b_platform, b_id)``; computed by a self-join on the member key.
    """
    sizes = aud.group_by(["creator_platform", "creator_id"]).agg(size=aud.member_id.count())
    a = aud.select(
        a_platform=aud.creator_platform, a_id=aud.creator_id, mp=aud.member_platform, mid=aud.member_id
    )
    b = aud.select(
        b_platform=aud.creator_platform, b_id=aud.creator_id, mp2=aud.member_platform, mid2=aud.member_id
    )
    j = a.join(b, [a.mp == b.mp2, a.mid == b.mid2])
    j = j.filter((j.a_platform < j.b_platform) | ((j.a_platform == j.b_platform) & (j.a_id < j.b_id)))
    pairs = j.group_by(["a_platform", "a_id", "b_platform", "b_id"]).agg(shared=j.mid.count())
    pairs = pairs.filter(pairs.shared >= min_shared)
    sa = sizes.select(sa_platform=sizes.creator_platform, sa_id=sizes.creator_id, size_a=sizes.size)
    sb = sizes.select(sb_platform=sizes.creator_platform, sb_id=sizes.creator_id, size_b=sizes.size)
    pairs = pairs.join(sa, [pairs.a_platform == sa.sa_platform, pairs.a_id == sa.sa_id])
    pairs = pairs.join(sb, [pairs.b_platform == sb.sb_platform, pairs.b_id == sb.sb_id])
    shared = pairs.shared.cast("float64")
    smaller = ibis.least(pairs.size_a, pairs.size_b).cast("float64")
    return pairs.select(
        "a_platform",
        "a_id",
        "b_platform",
        "b_id",
        "size_a",
        "size_b",
        "shared",
        jaccard=shared / (pairs.size_a + pairs.size_b - pairs.shared).cast("float64"),
        overlap_min=shared / smaller,
        cosine=shared / (pairs.size_a.cast("float64") * pairs.size_b.cast("float64")).sqrt(),
    )


def resolve_creators(ws: Workspace, names: Sequence[str]) -> list[tuple[str, str]]:
    """Map ``platform:id``, an account id, or a username (case-insensitive) to creator keys ``(platform, id)``; spaces
    around a name, a leading ``@`` and the platform's case do not matter, as in ``explain``
    (:func:`~tribescope.metrics._base.split_creator_name`).

    Raises :class:`CreatorNotFound` naming what was not found. One name alone is taken as a list of it.
    """
    require_workspace(ws, "resolve_creators")
    names = [names] if isinstance(names, str) else list(names)  # one name alone: not its letters one by one
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise TypeError(
            f"resolve_creators takes names (PLATFORM:ID, an id or a username) as str, not {bad[0]!r}"
        )
    posts = ws.table("posts")
    creators = posts.select("platform", "creator_id").distinct()
    if ws.has_table("accounts"):
        acc = ws.table("accounts").select(a_platform="platform", a_id="account_id", username="username")
        creators = creators.left_join(
            acc, [creators.platform == acc.a_platform, creators.creator_id == acc.a_id]
        )
        creators = creators.select("platform", "creator_id", "username")
    else:
        creators = creators.mutate(username=ibis.null("string"))
    rows = creators.to_pyarrow().to_pylist()
    out: list[tuple[str, str]] = []
    platforms = {r["platform"] for r in rows}
    for name in names:
        plat, ident = split_creator_name(name, platforms)  # as `explain` reads a creator's name
        ident_l = name_key(ident)
        hits = [
            (r["platform"], r["creator_id"])
            for r in rows
            if (not plat or r["platform"] == plat)
            and (
                r["creator_id"] == ident
                or name_key(r["creator_id"]) == ident_l
                or name_key(r["username"] or "") == ident_l
            )
        ]
        hits = sorted(set(hits))
        if not hits:
            raise CreatorNotFound(creator_not_found(ws, name, plat, ident, rows))
        if len(hits) > 1:
            raise CreatorNotFound.ambiguous(name, hits)
        out.append(hits[0])
    return out


def overlap(ws: Workspace, creators: Sequence[tuple[str, str]]) -> pa.Table:
    """Pairwise overlap of the named creators' engaged audiences (every pair, zero-sharing pairs included); a
    creator without posts in ``ws`` is :class:`CreatorNotFound`. A share whose denominator is an empty audience is
    null, not 0: ``overlap_min`` and ``cosine`` when either creator has no engaged account, ``jaccard`` when neither
    has."""
    require_workspace(ws, "overlap")
    creators = require_creators(ws, creators, "overlap")
    aud = audience(ws, creators)
    got = {
        (r["a_platform"], r["a_id"], r["b_platform"], r["b_id"]): r
        for r in pairwise_overlap(aud).to_pyarrow().to_pylist()
    }
    sizes = {
        (r["creator_platform"], r["creator_id"]): int(r["n"])
        for r in aud.group_by(["creator_platform", "creator_id"]).agg(n=aud.count()).to_pyarrow().to_pylist()
    }
    keys = sorted(set(creators))
    rows = []
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            r = got.get((*a, *b))
            sa, sb = sizes.get(a, 0), sizes.get(b, 0)
            shared = int(r["shared"]) if r else 0
            union = sa + sb - shared
            rows.append(
                {
                    "a_platform": a[0],
                    "a_id": a[1],
                    "b_platform": b[0],
                    "b_id": b[1],
                    "size_a": sa,
                    "size_b": sb,
                    "shared": shared,
                    # a share of an empty audience is unknown (null), not 0: "0.0% of the smaller audience"
                    # said of a creator nobody engaged with read as a measured, disjoint audience
                    "jaccard": shared / union if union else None,
                    "overlap_min": shared / min(sa, sb) if min(sa, sb) else None,
                    "cosine": shared / float(np.sqrt(sa * sb)) if sa and sb else None,
                }
            )
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("a_platform", pa.string()),
                ("a_id", pa.string()),
                ("b_platform", pa.string()),
                ("b_id", pa.string()),
                ("size_a", pa.int64()),
                ("size_b", pa.int64()),
                ("shared", pa.int64()),
                ("jaccard", pa.float64()),
                ("overlap_min", pa.float64()),
                ("cosine", pa.float64()),
            ]
        ),
    )


def overlap_list(ws: Workspace, creators: Sequence[tuple[str, str]]) -> tuple[pa.Table, dict[str, int]]:
    """Unique vs shared audience of a list of creators.

    Per creator: ``audience`` (engaged accounts), ``unique`` (engage with no other listed creator),
    ``shared`` (= audience − unique), ``unique_share`` (null for an empty audience). Totals: ``reach`` = |∪ audiences| (distinct accounts
    the list reaches), ``sum_audiences`` = Σ|audience|, ``duplicated`` = sum_audiences − reach.
    """
    require_workspace(ws, "overlap_list")
    creators = require_creators(ws, creators, "overlap_list")  # pairs given as lists: hashable below
    aud = audience(ws, creators)
    per_member = aud.group_by(["member_platform", "member_id"]).agg(n_creators=aud.count())
    j = aud.join(per_member, ["member_platform", "member_id"])
    agg = j.group_by(["creator_platform", "creator_id"]).agg(
        audience=j.count(), unique=(j.n_creators == 1).cast("int64").sum()
    )
    got = {(r["creator_platform"], r["creator_id"]): r for r in agg.to_pyarrow().to_pylist()}
    rows: list[dict[str, Any]] = []
    for key in sorted(set(creators)):
        r = got.get(key, {"audience": 0, "unique": 0})
        n, u = int(r["audience"]), int(r["unique"] or 0)
        rows.append(
            {
                "platform": key[0],
                "creator_id": key[1],
                "audience": n,
                "unique": u,
                "shared": n - u,
                "unique_share": u / n if n else None,  # of no audience: unknown, not 0
            }
        )
    reach = int(per_member.count().execute())
    total = sum(int(r["audience"]) for r in rows)
    table = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("platform", pa.string()),
                ("creator_id", pa.string()),
                ("audience", pa.int64()),
                ("unique", pa.int64()),
                ("shared", pa.int64()),
                ("unique_share", pa.float64()),
            ]
        ),
    )
    return table, {"reach": reach, "sum_audiences": total, "duplicated": total - reach}


def audience_sketches(aud: ir.Table, k: int = 256) -> ir.Table:
    """Bottom-k MinHash sketch per creator: the k smallest 64-bit hashes of its member keys.

    Returns ``(creator_platform, creator_id, h)`` with at most ``k`` rows per creator; the hash is the
    engine's ``hash()`` of ``member_platform || ':' || member_id`` (stable within one engine).
    """
    h = aud.mutate(h=aud.member_platform.concat(":", aud.member_id).hash())
    w = ibis.window(group_by=[h.creator_platform, h.creator_id], order_by=h.h)
    r = h.mutate(_rn=ibis.row_number().over(w))
    return r.filter(r._rn < k).select("creator_platform", "creator_id", "h")


def estimate_jaccard(sketch_a: np.ndarray, sketch_b: np.ndarray, k: int) -> float | None:
    """Bottom-k estimate of Jaccard: among the k smallest hashes of S_A ∪ S_B, the share that is in both.

    ``Ĵ = |bottom_k(S_A ∪ S_B) ∩ S_A ∩ S_B| / |bottom_k(S_A ∪ S_B)|`` (Cohen & Kaplan 2007); None (unknown) when
    both sketches are empty, as :func:`overlap`'s exact ``jaccard`` of two empty audiences is null, not 0.
    """
    a = np.unique(np.asarray(sketch_a))
    b = np.unique(np.asarray(sketch_b))
    union = np.union1d(a, b)[:k]
    if not len(union):
        return None
    both = np.intersect1d(a, b)
    return float(np.isin(union, both).sum() / len(union))
