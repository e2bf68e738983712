"""Shared helpers: engine-side regular expressions (RE2: no look-around) and text quoting."""

from __future__ import annotations

import re

import ibis
import ibis.expr.types as ir

from tribescope.brand._profiles import Brand
from tribescope.store import Workspace

__all__ = ["brand_terms", "engine_pattern", "post_text", "quote"]


def brand_terms(brand: Brand) -> list[str]:
    """Lower-cased words that name the brand: handles, keywords, the name."""
    terms = {*brand.bare_handles, *brand.keywords, brand.name.lower()}
    return sorted((t for t in terms if t), key=len, reverse=True)


def stored_brand_terms(ws: Workspace) -> list[str]:
    """:func:`brand_terms` of every brand profile stored in the workspace (none without a ``brands`` table): the
    words that mark campaign posts when ``campaign report`` is given no ``--brand-term`` (CLI and dashboard)."""
    from tribescope.brand._profiles import list_brands

    if not ws.has_table("brands"):
        return []
    return [t for b in list_brands(ws) for t in brand_terms(b)]


def engine_pattern(terms: list[str]) -> str:
    """A case-insensitive RE2 pattern matching any term as a whole word, optionally after '@' or '#'."""
    alt = "|".join(re.escape(t) for t in terms)
    return rf"(?i)(^|[^\pL\pN_])[@#]?({alt})([^\pL\pN_]|$)"


def post_text(p: ir.Table) -> ir.StringValue:
    """``title + ' ' + caption`` of a posts table, nulls as empty."""
    return ibis.coalesce(p.title, "").concat(" ", ibis.coalesce(p.caption, ""))


def quote(text: str | None, n: int = 200) -> str:
    """A short one-line quote: whitespace collapsed, cut at ``n`` characters with an ellipsis."""
    s = " ".join((text or "").split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"
