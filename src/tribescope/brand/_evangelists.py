"""Organic evangelists: accounts that mention the brand without being paid to.

A mention is a post (title/caption matches the brand's handles/keywords/name, or the brand's handle is
@-mentioned or tagged), an audience comment, or a community message that names the brand. Posts are
*organic* when they are neither disclosed (platform flag, disclosure hashtag, sponsor = brand) nor
"likely sponsored" by the shipped model, nor part of an imported campaign plan for the brand. The
brand's own accounts (its handles, matched by account id or username) and the creators of its campaign plans are
left out, and so is a creator's comment under its own sponsored post (the promotion itself: "use code X10"). Per account: mentions by kind, followers, and up to three quotes.

Ranking: ``mentions × log10(10 + followers)`` — repeated unprompted mentions first, reach second.
"""

from __future__ import annotations

import math
from typing import Any

import ibis
import pyarrow as pa

from tribescope.brand._profiles import Brand, check_limit, get_brand
from tribescope.brand._text import brand_terms, engine_pattern, post_text, quote
from tribescope.store import Workspace, require_workspace

__all__ = ["evangelists"]

SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("account_id", pa.string()),
        ("username", pa.string()),
        ("followers", pa.int64()),
        ("is_creator", pa.bool_()),
        ("post_mentions", pa.int64()),
        ("comment_mentions", pa.int64()),
        ("community_mentions", pa.int64()),
        ("mentions", pa.int64()),
        ("score", pa.float64()),
        ("evidence", pa.list_(pa.string())),
    ]
)


def evangelists(ws: Workspace, brand: Brand | str, *, limit: int | None = 100) -> pa.Table:
    """Accounts mentioning the brand unasked, best first; at most ``limit`` (None or 0: all)."""
    require_workspace(ws, "evangelists")
    check_limit("evangelists", limit, "accounts to return")
    if not isinstance(brand, Brand | str):
        raise TypeError(f"evangelists takes a Brand or a brand name, not {type(brand).__name__} {brand!r}")
    from tribescope.brand._ambassadors import brand_accounts
    from tribescope.sponsored import classify_posts

    b = get_brand(ws, brand) if isinstance(brand, str) else brand
    terms = brand_terms(b)
    pat = engine_pattern(terms)
    own = set(b.bare_handles)  # handles as posts @-mention or tag them
    # the brand's own accounts: found by id or username (brand_accounts), or named by id alone (Brand.names)
    own_keys = set(brand_accounts(ws, b))
    p = ws.table("posts")
    handle_hit = (
        ibis.or_(*[p.mentions.contains(h) | p.tagged_users.contains(h) for h in own])
        if own
        else ibis.literal(False)
    )
    hit_posts = p.filter(post_text(p).re_search(pat) | ibis.coalesce(handle_hit, False))
    prow = (
        hit_posts.select("platform", "post_id", "creator_id", txt=post_text(hit_posts))
        .to_pyarrow()
        .to_pylist()
    )
    c = ws.table("comments")
    hit = c.filter(ibis.coalesce(c.text, "").re_search(pat))
    under = p.select(_pp="platform", _pid="post_id", _pc="creator_id")
    hit = hit.left_join(under, [hit.platform == under._pp, hit.post_id == under._pid])
    crows = hit.select(
        "platform", "comment_id", "author_id", "text", "post_id", on_own=hit.author_id == hit._pc
    )
    crows = crows.to_pyarrow().to_pylist()
    # the posts naming the brand, and those under which their creator named it (a creator's comment under its own
    # sponsored post is part of that promotion, "use code X10", not unprompted): classified in one pass
    to_classify = {r["post_id"] for r in prow} | {r["post_id"] for r in crows if r["on_own"]}
    sponsored: set[tuple[str, str]] = set()
    if to_classify:
        for r in classify_posts(ws, post_ids=sorted(to_classify)).to_pylist():
            if r["sponsored"] != "no":
                sponsored.add((r["platform"], r["post_id"]))
    paid_creators: set[tuple[str | None, str]] = set()
    if ws.has_table("campaign_plan"):
        cp = ws.table("campaign_plan")
        rows = cp.select("creator_platform", "creator_id", "brand").to_pyarrow().to_pylist()
        paid_creators = {
            (r["creator_platform"], r["creator_id"])
            for r in rows
            if not r["brand"] or r["brand"].lower() == b.name.lower()
        }
    acc: dict[tuple[str, str], dict[str, Any]] = {}

    def paid(platform: str, account: str) -> bool:
        return (platform, account) in paid_creators or (None, account) in paid_creators

    def add(platform: str, account: str | None, kind: str, quote_: str) -> None:
        if not account or paid(platform, account):
            return
        if (platform, account) in own_keys or b.names(platform, account):
            return
        a = acc.setdefault((platform, account), {"post": 0, "comment": 0, "community": 0, "ev": []})
        a[kind] += 1
        if len(a["ev"]) < 3:
            a["ev"].append(quote_)

    for r in prow:
        if (r["platform"], r["post_id"]) in sponsored:
            continue
        add(r["platform"], r["creator_id"], "post", f'post {r["post_id"]}: "{quote(r["txt"], 160)}"')
    for r in crows:
        if r["on_own"] and (r["platform"], r["post_id"]) in sponsored:
            continue
        add(r["platform"], r["author_id"], "comment", f'comment {r["comment_id"]}: "{quote(r["text"], 160)}"')
    m = ws.table("community_messages")
    mrows = (
        m.filter(ibis.coalesce(m.text, "").re_search(pat))
        .select("platform", "message_id", "space_name", "author_id", "text")
        .to_pyarrow()
        .to_pylist()
    )
    for r in mrows:
        add(
            r["platform"],
            r["author_id"],
            "community",
            f'message {r["message_id"]} in {r["space_name"] or "?"}: "{quote(r["text"], 160)}"',
        )
    if not acc:
        return SCHEMA.empty_table()
    a = ws.table("accounts")
    info = {
        (r["platform"], r["account_id"]): r
        for r in a.filter(a.account_id.isin(sorted({k[1] for k in acc})))
        .select("platform", "account_id", "username", "followers")
        .to_pyarrow()
        .to_pylist()
    }
    creators = {
        (r["platform"], r["creator_id"])
        for r in p.select("platform", "creator_id").distinct().to_pyarrow().to_pylist()
    }
    out = []
    for (plat, aid), v in acc.items():
        i = info.get((plat, aid), {})
        fol = i.get("followers")
        n = v["post"] + v["comment"] + v["community"]
        out.append(
            {
                "platform": plat,
                "account_id": aid,
                "username": i.get("username") or aid,
                "followers": fol,
                "is_creator": (plat, aid) in creators,
                "post_mentions": v["post"],
                "comment_mentions": v["comment"],
                "community_mentions": v["community"],
                "mentions": n,
                "score": n * math.log10(10 + (fol or 0)),
                "evidence": v["ev"],
            }
        )
    out.sort(key=lambda x: (-x["score"], x["platform"], x["account_id"]))
    return pa.Table.from_pylist(out[:limit] if limit else out, schema=SCHEMA)
