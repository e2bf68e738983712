"""Brand fit: TF-IDF cosine similarity between the brand profile and each creator's content and audience.

Documents (Salton & Buckley 1988 TF-IDF, sublinear tf, L2-normalised; cosine similarity):

* brand = name + handles + keywords + description (keywords counted twice: they are what the brand sells);
* content = the creator's post titles and captions;
* audience = comments by other accounts under the creator's posts — not the creator's own, nor the brand's (an
  author id or name equal to one of its handles, on the handle's platform when it names one, or the id of one of its
  accounts: :func:`~tribescope.brand._text.audience_comments`).

The brand's own accounts (its handles: :func:`~tribescope.brand._ambassadors.brand_accounts`) are not ranked.

``fit = 0.7 × content_similarity + 0.3 × audience_similarity`` (0…1). A creator without audience comments in the
workspace has no audience similarity (null, not 0: nothing says the audience talks of other things) and its fit is
its content similarity alone, which the evidence says. Evidence: the creator's three posts most similar to the brand
profile, quoted. The vocabulary is fitted on the workspace's creators
plus the brand, so common words weigh little. Fully offline (scikit-learn).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from tribescope.brand._profiles import Brand, get_brand
from tribescope.brand._text import audience_comments, post_text, quote
from tribescope.store import Workspace, require_workspace

__all__ = ["CONTENT_WEIGHT", "brand_document", "brand_fit"]

CONTENT_WEIGHT = 0.7

SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("creator_id", pa.string()),
        ("fit", pa.float64()),
        ("content_similarity", pa.float64()),
        ("audience_similarity", pa.float64()),
        ("posts", pa.int64()),
        ("evidence", pa.list_(pa.string())),
    ]
)


def brand_document(brand: Brand) -> str:
    """The text that stands for the brand in the TF-IDF space."""
    kw = " ".join(brand.keywords)
    return " ".join([brand.name, " ".join(brand.bare_handles), kw, kw, brand.description])


def brand_fit(ws: Workspace, brand: Brand | str, *, max_comment_chars: int = 200_000) -> pa.Table:
    """One row per creator, best fit first."""
    require_workspace(ws, "brand_fit")
    if not isinstance(brand, Brand | str):
        raise TypeError(f"brand_fit takes a Brand or a brand name, not {type(brand).__name__} {brand!r}")
    from sklearn.feature_extraction.text import TfidfVectorizer

    from tribescope.brand._ambassadors import brand_accounts

    b = get_brand(ws, brand) if isinstance(brand, str) else brand
    own = set(brand_accounts(ws, b))  # the brand's own accounts are not creators it could hire
    p = ws.table("posts")
    posts = [
        r
        for r in p.select("platform", "creator_id", "post_id", txt=post_text(p)).to_pyarrow().to_pylist()
        if (r["platform"], r["creator_id"]) not in own
    ]
    if not posts:
        return SCHEMA.empty_table()
    # the audience: other accounts' comments, not the brand's own replies (audience_comments, as brand safety reads it)
    j = audience_comments(ws, b)
    j = j.filter(j.text.notnull())
    aud = (
        j.group_by([j.platform, j.c_creator]).aggregate(txt=j.text.group_concat(" ")).to_pyarrow().to_pylist()
    )
    aud_text = {(r["platform"], r["c_creator"]): (r["txt"] or "")[:max_comment_chars] for r in aud}
    by_creator: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in posts:
        by_creator.setdefault((r["platform"], r["creator_id"]), []).append(r)
    keys = sorted(by_creator)
    content_docs = [" ".join(x["txt"] or "" for x in by_creator[k]) for k in keys]
    audience_docs = [aud_text.get(k, "") for k in keys]
    heard = [bool(aud_text.get(k, "").strip()) for k in keys]
    bdoc = brand_document(b)
    vec = TfidfVectorizer(sublinear_tf=True, min_df=1, token_pattern=r"(?u)\b\w\w+\b")
    vec.fit([*content_docs, *audience_docs, bdoc])
    bv = vec.transform([bdoc])
    cs = np.asarray((vec.transform(content_docs) @ bv.T).todense()).ravel()
    au = np.asarray((vec.transform(audience_docs) @ bv.T).todense()).ravel()
    post_sims = np.asarray((vec.transform([r["txt"] or "" for r in posts]) @ bv.T).todense()).ravel()
    best: dict[tuple[str, str], list[tuple[float, str, str]]] = {}
    for r, s in zip(posts, post_sims, strict=True):
        if s > 0:
            best.setdefault((r["platform"], r["creator_id"]), []).append(
                (float(s), r["post_id"], r["txt"] or "")
            )
    out = []
    for k, c_sim, a_sim, has_audience in zip(keys, cs, au, heard, strict=True):
        ev = [
            f'post {pid} (similarity {s:.2f}): "{quote(t, 160)}"'
            for s, pid, t in sorted(best.get(k, []), key=lambda x: -x[0])[:3]
        ]
        if not has_audience:
            ev.append("no audience comments: fit is the content similarity alone")
        out.append(
            {
                "platform": k[0],
                "creator_id": k[1],
                "fit": float(
                    CONTENT_WEIGHT * c_sim + (1 - CONTENT_WEIGHT) * a_sim if has_audience else c_sim
                ),
                "content_similarity": float(c_sim),
                "audience_similarity": float(a_sim) if has_audience else None,
                "posts": len(by_creator[k]),
                "evidence": ev,
            }
        )
    out.sort(key=lambda x: (-float(x["fit"]), str(x["platform"]), str(x["creator_id"])))  # type: ignore[arg-type]
    return pa.Table.from_pylist(out, schema=SCHEMA)
