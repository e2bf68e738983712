"""Shared helpers: engine-side regular expressions (RE2: no look-around) and text quoting."""

from __future__ import annotations

import re

import ibis
import ibis.expr.types as ir

from tribescope.brand._profiles import Brand
from tribescope.store import Workspace

__all__ = [
    "BrandTerms",
    "audience_comments",
    "brand_terms",
    "engine_pattern",
    "post_text",
    "quote",
    "stored_brand_terms",
    "word_pattern",
]


def brand_terms(brand: Brand) -> list[str]:
    """Lower-cased words that name the brand: handles, keywords, the name."""
    terms = {*brand.bare_handles, *brand.keywords, brand.name.lower()}
    return sorted((t for t in terms if t), key=len, reverse=True)


class BrandTerms(list[str]):
    """:func:`stored_brand_terms`: every stored brand's terms as one list, and ``by_brand`` (lower-cased brand name →
    that brand's terms), so that a campaign of one brand is not marked by another brand's words
    (:func:`~tribescope.campaigns.campaign_posts` reads ``by_brand`` per plan row)."""

    def __init__(self, by_brand: dict[str, list[str]]) -> None:
        super().__init__(t for terms in by_brand.values() for t in terms)
        self.by_brand = by_brand


def stored_brand_terms(ws: Workspace) -> BrandTerms:
    """:func:`brand_terms` of every brand profile stored in the workspace (none without a ``brands`` table): the
    words that mark campaign posts when ``campaign report`` is given no ``--brand-term`` (CLI and dashboard). A plan
    row naming a stored brand is marked by that brand's terms only (:class:`BrandTerms`)."""
    from tribescope.brand._profiles import list_brands

    if not ws.has_table("brands"):
        return BrandTerms({})
    return BrandTerms({b.name.lower(): brand_terms(b) for b in list_brands(ws)})


def _words(terms: list[str]) -> list[str]:
    """The words of ``terms`` as both brand-word patterns read them: stripped, lower-cased, a leading '@' or '#'
    dropped ("#Pack" is the term "pack"), without empty ones or repeats, longest first (a phrase before its words)."""
    words = {" ".join(t.strip().lower().lstrip("@#").split()) for t in terms if t and t.strip()} - {""}
    return sorted(words, key=lambda w: (-len(w), w))


def _phrase(term: str) -> str:
    """A term as a regular expression read alike by RE2 and Python: its words escaped, any run of blanks between
    them (a line break in a caption, two spaces) matching the one blank of the term."""
    return r"\s+".join(re.escape(w) for w in term.split(" "))


#: an RE2 pattern that matches no text (no term left)
_NO_TEXT = r"[^\s\S]"


def engine_pattern(terms: list[str]) -> str:
    """The in-database twin of :func:`word_pattern` (one rule; evangelists and brand safety read it): a
    case-insensitive RE2 pattern (no look-around) matching any term as a whole word, optionally after '@' or '#'; a
    term written with a leading '@' or '#' is the same term ("#pack" marks "pack", "#pack" and "@pack"). No term
    left: a pattern that matches no text."""
    words = _words(terms)
    if not words:
        return _NO_TEXT
    alt = "|".join(_phrase(t) for t in words)
    return rf"(?i)(^|[^\pL\pN_])[@#]?({alt})([^\pL\pN_]|$)"


def word_pattern(terms: list[str]) -> re.Pattern[str] | None:
    """The Python twin of :func:`engine_pattern` (and what :func:`~tribescope.brand.brand_matcher` returns for a
    brand's :func:`brand_terms`; sponsored classification and campaign posts both read it): any of ``terms``
    as a whole word, case-insensitive, optionally after '@' or '#' — "pack" marks "the pack", "#pack" and "@pack",
    never "backpack" or "packed"; a multi-word term ("trail pack") is a phrase, whatever blanks part its words in the
    text ("trail\\npack"). A term written with a leading '@' or
    '#' is the same term. ``None`` when no term is left."""
    words = _words(terms)
    if not words:
        return None
    alt = "|".join(_phrase(t) for t in words)
    return re.compile(rf"(?<!\w)[@#]?(?:{alt})(?!\w)", re.IGNORECASE)


def audience_comments(ws: Workspace, brand: Brand | None) -> ir.Table:
    """The comments of each creator's audience, one rule for brand fit and brand safety: every comment under the
    creator's posts but the creator's own and, with a ``brand``, the brand's (an author id or name equal to one of its
    handles, on the handle's platform when it names one, or the id of one of its accounts,
    :func:`~tribescope.brand._ambassadors.brand_accounts` — a YouTube channel ``UC…`` whose stored username is the
    handle, writing under the display name "Acme Outdoors": "thanks for the love! our trail pack …" is the brand
    talking, not the creator's audience). Columns: the comments' own, and ``c_creator`` (the post's creator)."""
    from tribescope.brand._ambassadors import brand_accounts

    p, c = ws.table("posts"), ws.table("comments")
    own = p.select(c_platform="platform", c_post="post_id", c_creator="creator_id")
    j = c.join(own, [c.platform == own.c_platform, c.post_id == own.c_post])
    j = j.filter(ibis.coalesce(j.author_id, "") != j.c_creator)
    if brand is None:
        return j
    for plat, handle in brand.handle_pairs():
        mine = (ibis.coalesce(j.author_id, "").lower() == handle) | (
            ibis.coalesce(j.author_name, "").lower() == handle
        )
        j = j.filter(~(mine & (j.platform == plat)) if plat else ~mine)
    for plat, account in brand_accounts(ws, brand):
        j = j.filter(~((j.platform == plat) & (ibis.coalesce(j.author_id, "") == account)))
    return j


def post_text(p: ir.Table) -> ir.StringValue:
    """``title + ' ' + caption`` of a posts table, nulls as empty."""
    return ibis.coalesce(p.title, "").concat(" ", ibis.coalesce(p.caption, ""))


def quote(text: str | None, n: int = 200) -> str:
    """A short one-line quote: whitespace collapsed, cut at ``n`` characters with an ellipsis."""
    s = " ".join((text or "").split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"
