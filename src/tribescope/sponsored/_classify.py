"""Label every post: ``disclosed`` | ``likely`` | ``no`` sponsored, with the probability and brands named."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from tribescope.sponsored._disclosure import commercial_signals, disclosure_hashtags_in
from tribescope.sponsored._features import BrandIndex, brand_index, post_handles
from tribescope.sponsored._model import SponsoredModel, load_model
from tribescope.store import Workspace, require_workspace, require_writable

__all__ = ["SPONSORED_SCHEMA", "classify_posts"]

SPONSORED_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("post_id", pa.string()),
        ("creator_id", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("sponsored", pa.string()),
        ("sponsored_probability", pa.float64()),
        ("disclosure", pa.string()),
        ("signals", pa.list_(pa.string())),
        ("brands_mentioned", pa.list_(pa.string())),
    ]
)


def _post_rows(
    ws: Workspace, creator: str | None, platform: str | None, post_ids: list[str] | None = None
) -> list[dict[str, Any]]:
    p = ws.table("posts")
    if post_ids is not None:
        p = p.filter(p.post_id.isin(post_ids))
    if creator is not None:  # PLATFORM:ID, an account id or a username, as the other commands take a creator
        from tribescope.niche._audience import resolve_creators

        plat, cid = resolve_creators(
            ws, [f"{platform}:{creator}" if platform and ":" not in creator else creator]
        )[0]
        p = p.filter((p.platform == plat) & (p.creator_id == cid))
    if platform is not None:
        p = p.filter(p.platform == platform)
    a = ws.table("accounts").select(
        a_platform="platform", a_id="account_id", followers="followers", is_verified="is_verified"
    )
    j = p.left_join(a, [p.platform == a.a_platform, p.creator_id == a.a_id])
    cols = [
        "platform",
        "post_id",
        "creator_id",
        "created_at",
        "media_type",
        "title",
        "caption",
        "likes",
        "comments_count",
        "is_paid_partnership",
        "sponsor",
        "hashtags",
        "mentions",
        "tagged_users",
        "followers",
        "is_verified",
    ]
    rows: list[dict[str, Any]] = (
        j.select(*cols).order_by(["platform", "creator_id", "post_id"]).to_pyarrow().to_pylist()
    )
    return rows


def classify_posts(
    ws: Workspace,
    *,
    creator: str | None = None,
    platform: str | None = None,
    model: SponsoredModel | None = None,
    write: bool = False,
    post_ids: list[str] | None = None,
    known_brands: BrandIndex | None = None,
) -> pa.Table:
    """One row per post: ``platform, post_id, creator_id, created_at, sponsored, sponsored_probability,
    disclosure, brands_mentioned``.

    * ``disclosed`` — the platform's paid-partnership flag (``disclosure = 'platform'``) or a disclosure
      hashtag (``disclosure = '#ad'`` …); probability 1.
    * ``likely`` — not disclosed, and the model probability ≥ the model's threshold (chosen by F1 on
      out-of-fold predictions, stored with the model) or a commercial signal in the text (a promo code or an
      affiliate link: a material connection that should have been disclosed); ``signals`` says which.
    * ``no`` — otherwise.

    The model's known-brand features use ``known_brands`` — by default :func:`brand_index` over the whole
    workspace (every creator's platform-flagged posts and their ``sponsor``, one Ibis query), counting for
    each post only creators other than its own; ``creator`` / ``platform`` / ``post_ids`` restrict the
    posts scored, never the brand index.

    ``brands_mentioned``: every stored brand profile (``brands``) whose handle, keyword or name is
    @-mentioned / tagged (a whole handle) or appears in the caption or title or the platform's sponsor (whole
    words, optionally after '@' or '#') — the rule campaign posts follow — then the platform's sponsor, then the
    @-mentioned / tagged accounts (:func:`~tribescope.sponsored._features.post_handles`, as the model's features
    read them) that another creator's flagged post names as its sponsor.
    ``creator`` / ``platform`` / ``post_ids`` restrict the posts. With ``write=True`` the result replaces the
    workspace table ``sponsored_posts``.
    """
    require_workspace(ws, "classify_posts")
    if write:
        require_writable(ws, "classify_posts", "the table sponsored_posts (write=True)")
    if creator is not None and not isinstance(creator, str):
        raise TypeError(
            f"classify_posts takes the creator as a PLATFORM:ID, id or username str, not {creator!r}"
        )
    if model is not None and not isinstance(model, SponsoredModel):
        raise TypeError(
            f"classify_posts takes model=SponsoredModel (load_model()), not {type(model).__name__}"
        )
    from tribescope.brand._profiles import brand_matcher, list_brands
    from tribescope.brand._text import brand_terms

    model = model or load_model()
    rows = _post_rows(ws, creator, platform, post_ids)
    if known_brands is None:
        known_brands = brand_index(ws) if rows else BrandIndex()
    probs: list[float] = model.predict_proba(rows, known_brands).tolist() if rows else []
    # a brand is named by its terms (handles, keywords, name: brand_terms) — in the text as whole words (brand_matcher),
    # as a whole @-mentioned or tagged handle, or in the platform's sponsor as a whole word: the rule campaign posts
    # follow (campaigns.campaign_posts)
    brands = [
        (b, brand_matcher(b), {t.strip().lower().lstrip("@#") for t in brand_terms(b)} - {""})
        for b in list_brands(ws)
    ]
    out: dict[str, list[Any]] = {f.name: [] for f in SPONSORED_SCHEMA}
    for r, prob in zip(rows, probs, strict=True):
        # title and caption on their own lines, as the score's sponsored_share reads them (a label opens a line)
        text = "\n".join(x for x in (r.get("title"), r.get("caption")) if x)
        tags = disclosure_hashtags_in(text, r.get("hashtags"), platform=r["platform"])
        if r.get("is_paid_partnership"):
            label, disclosure, p = "disclosed", "platform", 1.0
        elif tags:
            label, disclosure, p = "disclosed", " ".join("#" + t for t in tags), 1.0
        else:
            p = float(prob)
            label, disclosure = ("likely" if p >= model.threshold else "no"), None
        signals = commercial_signals(text)
        if p >= model.threshold and label == "likely":
            signals = [f"model {p:.2f} ≥ {model.threshold:.2f}", *signals]
        if signals and label == "no":
            label = "likely"
        sponsors = [s.strip().lower() for s in (r.get("sponsor") or "").split(",") if s.strip()]
        # the handles as the model's features read them (lower-cased, '@' dropped, @-mentions from the caption
        # when the source has no mentions column): one definition, so a known sponsor the model counts is named
        mentioned, tagged = post_handles(r)
        handles = mentioned | tagged
        named: list[str] = []
        covered: set[str] = set()
        for b, pat, own in brands:
            if own & handles or any(pat.search(s) for s in sponsors) or pat.search(text):
                named.append(b.name)
                covered |= own
                sponsors = [s for s in sponsors if not pat.search(s)]
        # then the platform sponsor, then mentioned/tagged accounts other creators' flagged posts name as sponsor
        known = sorted(h for h in handles - covered if known_brands.others(h, r["creator_id"]) > 0)
        for s in [*sponsors, *known]:
            if s not in named:
                named.append(s)
        for k, v in (
            ("platform", r["platform"]),
            ("post_id", r["post_id"]),
            ("creator_id", r["creator_id"]),
            ("created_at", r["created_at"]),
            ("sponsored", label),
            ("sponsored_probability", p),
            ("disclosure", disclosure),
            ("signals", signals),
            ("brands_mentioned", named),
        ):
            out[k].append(v)
    table = pa.table(out, schema=SPONSORED_SCHEMA)
    if write:
        ws.write_table("sponsored_posts", table)
    return table
