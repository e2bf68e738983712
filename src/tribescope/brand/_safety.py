"""Brand safety: keyword categories in a creator's own posts, toxic audience comments, brand exclusions.

Per creator: posts whose title/caption matches each category's word list (:data:`SAFETY_CATEGORIES`,
an editable starting point in the spirit of the GARM Brand Safety Floor categories — adult, weapons,
drugs, alcohol, gambling, hate / profanity), the share of audience comments that use profanity or slurs
(``toxic_comment_share``; flagged above :data:`TOXIC_SHARE_FLAG`; the audience as brand fit reads it,
:func:`~tribescope.brand._text.audience_comments`: neither the creator's own comments nor the brand's replies; empty,
not 0, for a creator without audience comments), posts
mentioning the brand's ``exclusions`` (the creator is then ``excluded``) and posts mentioning a ``competitor``
(informational; :attr:`~tribescope.brand.Brand.competitor_terms`). The brand's own accounts are not listed, as brand
fit does not rank them (:func:`~tribescope.brand._ambassadors.brand_accounts`).
Counting runs in the engine (Ibis ``re_search``).
"""

from __future__ import annotations

import ibis
import pyarrow as pa

from tribescope.brand._profiles import Brand, get_brand
from tribescope.brand._text import audience_comments, engine_pattern, post_text, quote
from tribescope.store import Workspace, require_workspace

__all__ = ["SAFETY_CATEGORIES", "TOXIC_SHARE_FLAG", "TOXIC_WORDS", "safety_flags"]

SAFETY_CATEGORIES: dict[str, list[str]] = {
    "adult": ["nsfw", "onlyfans", "porn", "xxx", "nude", "nudes", "explicit"],
    "weapons": ["gun", "guns", "rifle", "ammo", "firearm", "firearms", "shooting range"],
    "drugs": ["weed", "cocaine", "meth", "420", "thc", "cannabis", "vape", "vaping"],
    "alcohol": ["vodka", "whiskey", "tequila", "beer", "wine", "drunk", "hangover"],
    "gambling": ["casino", "betting", "bet365", "poker", "slots", "sportsbook", "jackpot"],
    "hate_profanity": ["fuck", "fucking", "shit", "bitch", "retard", "retarded", "faggot", "nazi"],
}
TOXIC_WORDS = [
    "fuck",
    "fucking",
    "shit",
    "bitch",
    "idiot",
    "stupid",
    "loser",
    "retard",
    "retarded",
    "faggot",
    "kill yourself",
    "kys",
    "ugly",
    "trash",
    "hate you",
]
#: a creator is flagged ``toxic_audience`` when more than this share of audience comments is toxic
TOXIC_SHARE_FLAG = 0.05

SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("creator_id", pa.string()),
        ("posts", pa.int64()),
        *[(f"posts_{c}", pa.int64()) for c in SAFETY_CATEGORIES],
        ("audience_comments", pa.int64()),
        ("toxic_comment_share", pa.float64()),
        ("posts_exclusions", pa.int64()),
        ("posts_competitors", pa.int64()),
        ("flags", pa.list_(pa.string())),
        ("excluded", pa.bool_()),
        ("evidence", pa.list_(pa.string())),
    ]
)


def safety_flags(ws: Workspace, brand: Brand | str | None = None, *, flagged_only: bool = False) -> pa.Table:
    """One row per creator with category counts, toxic-audience share, flags and quoted evidence."""
    require_workspace(ws, "safety_flags")
    if brand is not None and not isinstance(brand, Brand | str):
        raise TypeError(
            f"safety_flags takes a Brand, a brand name or None, not {type(brand).__name__} {brand!r}"
        )
    from tribescope.brand._ambassadors import brand_accounts

    b = get_brand(ws, brand) if isinstance(brand, str) else brand
    own = set(brand_accounts(ws, b)) if b else set()  # the brand's own accounts: not creators it could hire
    p = ws.table("posts")
    text = post_text(p)
    cats = dict(SAFETY_CATEGORIES)
    extra: dict[str, list[str]] = {}
    if b and b.exclusions:
        extra["exclusions"] = b.exclusions
    if b and b.competitors:
        extra["competitors"] = b.competitor_terms
    hits = {name: text.re_search(engine_pattern(words)) for name, words in {**cats, **extra}.items()}
    agg = p.group_by(["platform", "creator_id"]).aggregate(
        posts=p.count(), **{f"posts_{k}": v.cast("int64").sum() for k, v in hits.items()}
    )
    # audience comments: neither the creator's own nor the brand's replies (audience_comments, as brand fit reads them)
    j = audience_comments(ws, b)
    tox = (
        j.group_by([j.platform, j.c_creator])
        .aggregate(
            audience_comments=j.count(),
            toxic=ibis.coalesce(j.text, "").re_search(engine_pattern(TOXIC_WORDS)).cast("int64").sum(),
        )
        .rename(t_platform="platform", t_creator="c_creator")
    )
    res = agg.left_join(tox, [agg.platform == tox.t_platform, agg.creator_id == tox.t_creator])
    df = res.to_pyarrow().to_pandas()
    flagged_posts = p.filter(ibis.or_(*[v for v in hits.values()])) if hits else p.limit(0)
    ev_rows = (
        flagged_posts.select("platform", "creator_id", "post_id", txt=text, **{k: v for k, v in hits.items()})
        .to_pyarrow()
        .to_pylist()
    )
    evidence: dict[tuple[str, str], list[str]] = {}
    for r in ev_rows:
        key = (r["platform"], r["creator_id"])
        which = [k for k in hits if r[k]]
        if len(evidence.setdefault(key, [])) < 3:
            evidence[key].append(f'[{", ".join(which)}] post {r["post_id"]}: "{quote(r["txt"], 160)}"')
    out = []
    for _, r in df.iterrows():
        if (r["platform"], r["creator_id"]) in own:
            continue
        ac = int(r["audience_comments"]) if r["audience_comments"] == r["audience_comments"] else 0
        tx = int(r["toxic"]) if r["toxic"] == r["toxic"] else 0
        # no audience comment: the share is unknown (empty), not 0 % — `brand show` printed 0.00, a clean audience
        share = tx / ac if ac else None
        flags = [k for k in cats if int(r[f"posts_{k}"] or 0) > 0]
        if share is not None and share > TOXIC_SHARE_FLAG:
            flags.append("toxic_audience")
        n_ex = int(r.get("posts_exclusions") or 0) if "posts_exclusions" in r else 0
        n_co = int(r.get("posts_competitors") or 0) if "posts_competitors" in r else 0
        if n_ex:
            flags.append("brand_exclusion")
        if n_co:
            flags.append("competitor_mention")
        if flagged_only and not flags:
            continue
        key = (r["platform"], r["creator_id"])
        out.append(
            {
                "platform": r["platform"],
                "creator_id": r["creator_id"],
                "posts": int(r["posts"]),
                **{f"posts_{k}": int(r[f"posts_{k}"] or 0) for k in cats},
                "audience_comments": ac,
                "toxic_comment_share": share,
                "posts_exclusions": n_ex,
                "posts_competitors": n_co,
                "flags": flags,
                "excluded": n_ex > 0,
                "evidence": evidence.get(key, []),
            }
        )
    out.sort(key=lambda x: (-len(x["flags"]), x["platform"], x["creator_id"]))
    return pa.Table.from_pylist(out, schema=SCHEMA)
