"""Ambassadors: the most influential members of the brand's own community ("community commerce").

The brand's community = people who comment under the brand's own posts (accounts named in the brand's
``handles``) and who write in the brand's own spaces (``community_links`` rows owned by a brand account — its
``creator_platform`` and ``creator_id`` both: a server linked to tiktok ``acme`` is not the brand's when the brand is
instagram ``acme`` — or a subreddit / server whose id or name is one of the brand's handles or its name). Accounts,
posts and spaces are matched on their platform and id together.

Per member (the brand's accounts excluded):

* ``reach`` — the member's followers (accounts table; 0 when unknown);
* ``activity`` — comments + community messages in the brand's community;
* ``sparked`` — replies to the member's comments/messages written by *other* accounts, and
  ``repliers`` — distinct other accounts replying (the conversation the member starts).

``influence = 100 × mean(pct(log1p(reach)), pct(activity), pct(sparked))`` where ``pct`` is the
percentile rank within the community (average ranks). Evidence: the member's messages that drew
the most replies, quoted.
"""

from __future__ import annotations

from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from tribescope.brand._profiles import Brand, BrandError, check_limit, get_brand
from tribescope.brand._text import quote
from tribescope.store import Workspace, require_workspace

__all__ = ["ambassadors", "brand_accounts"]

SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("member_id", pa.string()),
        ("username", pa.string()),
        ("followers", pa.int64()),
        ("activity", pa.int64()),
        ("sparked", pa.int64()),
        ("repliers", pa.int64()),
        ("influence", pa.float64()),
        ("evidence", pa.list_(pa.string())),
    ]
)


def brand_accounts(ws: Workspace, brand: Brand) -> list[tuple[str, str]]:
    """``(platform, account_id)`` of the brand's own accounts found in the workspace (:meth:`Brand.names`): in
    ``accounts`` by id or username, and among the creators of ``posts`` by id — the brand's posts imported without
    a profile row (no ``accounts`` row) are its account all the same."""
    require_workspace(ws, "brand_accounts")
    if not isinstance(brand, Brand):
        raise TypeError(
            f"brand_accounts takes a Brand (get_brand(ws, name)), not {type(brand).__name__} {brand!r}"
        )
    a = ws.table("accounts")
    handles = brand.bare_handles
    rows = (
        a.filter(a.account_id.lower().isin(handles) | ibis.coalesce(a.username, "").lower().isin(handles))
        .select("platform", "account_id", "username")
        .to_pyarrow()
        .to_pylist()
    )
    p = ws.table("posts")
    rows += (
        p.filter(p.creator_id.lower().isin(handles))
        .select(platform="platform", account_id="creator_id", username=ibis.null("string"))
        .distinct()
        .to_pyarrow()
        .to_pylist()
    )
    return sorted({(r["platform"], r["account_id"]) for r in rows if brand.names(**r)})


def ambassadors(ws: Workspace, brand: Brand | str, *, limit: int | None = 50) -> pa.Table:
    """Rank the brand community's members by influence, best first; at most ``limit`` (None or 0: all)."""
    require_workspace(ws, "ambassadors")
    check_limit("ambassadors", limit, "members to return")
    if not isinstance(brand, Brand | str):
        raise TypeError(f"ambassadors takes a Brand or a brand name, not {type(brand).__name__} {brand!r}")
    b = get_brand(ws, brand) if isinstance(brand, str) else brand
    own = brand_accounts(ws, b)
    names = [*b.bare_handles, b.name.lower()]
    cl = ws.table("community_links")
    spaces = {
        (r["platform"], r["space_id"])
        for r in cl.filter(
            ibis.or_(*[(cl.creator_platform == pl) & (cl.creator_id == i) for pl, i in own])
            if own
            else ibis.literal(False)
        )
        .select("platform", "space_id")
        .to_pyarrow()
        .to_pylist()
    }
    m = ws.table("community_messages")
    spaces |= {
        (r["platform"], r["space_id"])
        for r in m.filter(
            m.space_id.lower().isin(names)
            | ibis.coalesce(m.space_name, "").lower().isin(names)
            | ibis.coalesce(m.space_name, "").lower().isin([f"r/{n}" for n in names])
        )
        .select("platform", "space_id")
        .distinct()
        .to_pyarrow()
        .to_pylist()
    }
    if not own and not spaces:
        raise BrandError(
            f"none of brand {b.name!r}'s accounts ({', '.join(b.handles) or 'no handles'}) or spaces is in "
            f"{ws.path}; import the brand's own posts, server or subreddit first"
        )
    # items: (platform, item_id, author, parent, text) over comments under the brand's posts and space messages
    items: list[dict[str, Any]] = []
    if own:
        p = ws.table("posts")
        bp = p.filter(ibis.or_(*[(p.platform == pl) & (p.creator_id == i) for pl, i in own]))
        bp = bp.select(b_platform="platform", b_post="post_id")
        c = ws.table("comments")
        j = c.join(bp, [c.platform == bp.b_platform, c.post_id == bp.b_post])
        items += (
            j.select(
                platform=j.platform,
                item_id=j.comment_id,
                author=j.author_id,
                parent=j.parent_comment_id,
                text=j.text,
            )
            .to_pyarrow()
            .to_pylist()
        )
    if spaces:
        mm = m.filter(ibis.or_(*[(m.platform == pl) & (m.space_id == s) for pl, s in sorted(spaces)]))
        items += (
            mm.select(
                platform=mm.platform,
                item_id=mm.message_id,
                author=mm.author_id,
                parent=mm.reply_to,
                text=mm.text,
            )
            .to_pyarrow()
            .to_pylist()
        )
    df = pd.DataFrame(items, columns=["platform", "item_id", "author", "parent", "text"])
    df = df[df["author"].notna()]
    own_keys = set(own)
    df = df[[(pl, a) not in own_keys for pl, a in zip(df["platform"], df["author"], strict=True)]]
    if df.empty:
        return SCHEMA.empty_table()
    # a member is (platform, account): "fan1" on Instagram and "fan1" on Reddit are two members, and a reply answers
    # the item of that id on its own platform — the Reddit fan1 used to take the Instagram fan1's replies and quotes
    author_of = {(p, i): a for p, i, a in zip(df["platform"], df["item_id"], df["author"], strict=True)}
    replies = df[df["parent"].notna()].copy()
    replies["to"] = [
        author_of.get((p, i)) for p, i in zip(replies["platform"], replies["parent"], strict=True)
    ]
    replies = replies[replies["to"].notna() & (replies["to"] != replies["author"])]
    sparked = replies.groupby(["platform", "to"]).size()
    repliers = replies.groupby(["platform", "to"])["author"].nunique()
    per_item = replies.groupby(["platform", "parent"]).size()
    g = df.groupby(["platform", "author"]).size().rename("activity").reset_index()
    members = pd.MultiIndex.from_frame(g[["platform", "author"]])
    g["sparked"] = sparked.reindex(members).fillna(0).astype(int).to_numpy()
    g["repliers"] = repliers.reindex(members).fillna(0).astype(int).to_numpy()
    a = ws.table("accounts")
    acc = (
        a.filter(a.account_id.isin(sorted(set(g["author"]))))
        .select("platform", "account_id", "username", "followers")
        .to_pyarrow()
        .to_pandas()
    )
    g = g.merge(acc, left_on=["platform", "author"], right_on=["platform", "account_id"], how="left")
    fol = g["followers"].fillna(0).astype(float)
    pct = pd.DataFrame(
        {
            "r": np.log1p(fol).rank(pct=True),
            "a": g["activity"].rank(pct=True),
            "s": g["sparked"].rank(pct=True),
        }
    )
    g["influence"] = 100 * pct.mean(axis=1)
    out = []
    for _, r in g.sort_values(
        ["influence", "sparked", "activity"], ascending=False, kind="stable"
    ).iterrows():
        mine = df[(df["platform"] == r["platform"]) & (df["author"] == r["author"])].copy()
        mine["n_replies"] = (
            per_item.reindex(pd.MultiIndex.from_frame(mine[["platform", "item_id"]]))
            .fillna(0)
            .astype(int)
            .to_numpy()
        )
        top = mine.sort_values("n_replies", ascending=False, kind="stable").head(2)
        ev = [
            f'{row.item_id} ({row.n_replies} {"reply" if row.n_replies == 1 else "replies"}): "{quote(row.text, 160)}"'
            for row in top.itertuples()
        ]
        out.append(
            {
                "platform": r["platform"],
                "member_id": r["author"],
                "username": r["username"] if isinstance(r["username"], str) else r["author"],
                "followers": int(r["followers"]) if pd.notna(r["followers"]) else None,
                "activity": int(r["activity"]),
                "sparked": int(r["sparked"]),
                "repliers": int(r["repliers"]),
                "influence": float(r["influence"]),
                "evidence": ev,
            }
        )
        if limit and len(out) >= limit:
            break
    return pa.Table.from_pylist(out, schema=SCHEMA)
