"""Brand profiles, stored in the workspace table ``brands``.

A profile: ``name`` (key), ``handles`` (the brand's own accounts, lower-cased without '@'; a handle
may be written ``platform:handle`` to pin a platform), ``keywords`` (product / brand words to look for),
``description`` (free text used for brand fit), ``competitors`` (competing brand names — several words are a phrase,
"Osprey Packs" — or handles, ``@osprey`` or ``instagram:osprey``; lower-cased, without '@') and
``exclusions`` (brand-safety keywords the brand never wants next to its name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tribescope import schema
from tribescope.errors import TribescopeError
from tribescope.store import Workspace, require_workspace, require_writable

__all__ = ["Brand", "BrandError", "add_brand", "brand_matcher", "ensure_tables", "get_brand", "list_brands"]

_DDL = """CREATE TABLE IF NOT EXISTS brands (
    name VARCHAR PRIMARY KEY, handles VARCHAR[], keywords VARCHAR[], description VARCHAR,
    competitors VARCHAR[], exclusions VARCHAR[], created_at TIMESTAMPTZ DEFAULT current_timestamp)"""


class BrandError(TribescopeError):
    """A brand profile is missing or malformed, or a brand function was given a parameter out of its range."""


def check_limit(what: str, limit: Any, rows: str) -> None:
    """``limit`` (the most ``rows`` to return) is None or an int ≥ 0, as the CLI's ``--limit`` (min 0) bounds it; 0,
    as None, returns every row. A negative one silently kept ``out[:-1]`` (all but one) or one row."""
    if limit is None:
        return
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise TypeError(f"{what} takes limit as an int or None, not {limit!r}")
    if limit < 0:
        raise BrandError(
            f"{what}: limit={limit!r} is out of range; it is the number of {rows}, 0 or more (None: all)"
        )


@dataclass
class Brand:
    name: str
    handles: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    description: str = ""
    competitors: list[str] = field(default_factory=list)
    exclusions: list[str] = field(default_factory=list)

    @property
    def bare_handles(self) -> list[str]:
        """Handles without any ``platform:`` prefix."""
        return [h.split(":", 1)[-1] for h in self.handles]

    @property
    def competitor_terms(self) -> list[str]:
        """The words that name a competitor in a post: each competitor, a ``platform:`` prefix dropped
        (``instagram:osprey`` is named "osprey" or "@osprey" in a caption)."""
        out: list[str] = []
        for c in self.competitors:
            p, sep, rest = c.partition(":")
            t = rest if sep and p in schema.PLATFORMS and rest else c
            if t not in out:
                out.append(t)
        return out

    def handle_pairs(self) -> list[tuple[str | None, str]]:
        """``(platform or None, handle)`` for every handle."""
        out: list[tuple[str | None, str]] = []
        for h in self.handles:
            if ":" in h:
                p, a = h.split(":", 1)
                out.append((p, a))
            else:
                out.append((None, h))
        return out

    def names(self, platform: str | None, account_id: str | None, username: str | None = None) -> bool:
        """Whether one of the brand's handles names this account: its id or username (case-insensitive), on the
        handle's platform when the handle gives one (``instagram:brightfold``), on every platform when not."""
        ids = {str(v).lower() for v in (account_id, username) if v}
        return any((p is None or p == platform) and h in ids for p, h in self.handle_pairs())

    def to_row(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "handles": self.handles,
            "keywords": self.keywords,
            "description": self.description,
            "competitors": self.competitors,
            "exclusions": self.exclusions,
        }


#: a handle as posts @-mention or tag it (Instagram, TikTok, YouTube, Reddit, Discord names)
_HANDLE = re.compile(r"(?:(?P<platform>[a-z]+):)?[\w.\-]+")


def _norm_list(
    values: Iterable[str] | str | None, *, handle: bool = False, name: bool = False, what: str = "values"
) -> list[str]:
    """One comma-separated str or strs → lower-cased, stripped strs (handles without '@', refused when no post could
    @-mention them; ``name``: a name or a handle, without '@', blanks inside collapsed); any other type is a TypeError
    naming ``what``."""
    if values is None:
        return []
    if isinstance(values, str):
        values = values.split(",")
    elif not isinstance(values, Iterable):
        raise TypeError(f"{what}: give a str or a list of str, not {type(values).__name__} {values!r}")
    out = []
    for v in values:
        if not isinstance(v, str):
            raise TypeError(
                f"{what}: give a str or a list of str, not a list holding {type(v).__name__} {v!r}"
            )
        v = v.strip().lower()
        if name:
            v = " ".join(v.replace("@", "").split())
        if handle:
            v = v.replace("@", "")
            m = _HANDLE.fullmatch(v)
            if v and (m is None or (m["platform"] is not None and m["platform"] not in schema.PLATFORMS)):
                raise BrandError(
                    f"{v!r} is not a handle: give the account's name as it is @-mentioned (letters, digits, . _ -), "
                    f"optionally as PLATFORM:NAME with a platform among {', '.join(schema.PLATFORMS)}"
                )
        if v and v not in out:
            out.append(v)
    return out


def ensure_tables(ws: Workspace) -> None:
    """Create the ``brands`` table when missing (DuckDB workspaces only)."""
    require_workspace(ws, "brand.ensure_tables")
    if ws.backend == "duckdb" and ws.read_only and not ws.has_table("brands"):
        require_writable(ws, "brand.ensure_tables", "the table brands (brand profiles)")
    if ws.backend == "duckdb" and not ws.read_only:
        ws.duck.execute(_DDL)


def add_brand(
    ws: Workspace,
    name: str,
    *,
    handles: Iterable[str] | str | None = None,
    keywords: Iterable[str] | str | None = None,
    description: str = "",
    competitors: Iterable[str] | str | None = None,
    exclusions: Iterable[str] | str | None = None,
) -> Brand:
    """Create or replace the profile ``name`` (whatever its case: ``acme`` replaces ``Acme`` and is then spelt
    ``acme``); returns it normalised (lower-case lists, no '@')."""
    if not isinstance(name, str):
        raise TypeError(f"add_brand takes the brand name as a str, not {type(name).__name__} {name!r}")
    require_writable(ws, "add_brand", f"the brand profile {name.strip()!r} (table brands)", duckdb_only=True)
    if not name or not name.strip():
        raise BrandError("a brand needs a name: tribescope brand add NAME --handle … --keyword …")
    b = Brand(
        name=name.strip(),
        handles=_norm_list(handles, handle=True, what="add_brand handles"),
        keywords=_norm_list(keywords, what="add_brand keywords"),
        description=description or "",
        # a competitor is a brand name as much as a handle: "Osprey Packs" is a phrase to look for, not an error
        competitors=_norm_list(competitors, name=True, what="add_brand competitors"),
        exclusions=_norm_list(exclusions, what="add_brand exclusions"),
    )
    if not (b.handles or b.keywords):
        raise BrandError(
            f"brand {b.name!r} needs at least one --handle or --keyword to be recognised in posts"
        )
    ensure_tables(ws)
    with ws.transaction():
        # names are case-insensitive (get_brand, the campaign plans' brand column): "acme" replaces "Acme", it is not a
        # second profile that `brand show acme` would never reach
        ws.duck.execute("DELETE FROM brands WHERE lower(name) = lower(?)", [b.name])
        ws.duck.execute(
            "INSERT INTO brands (name, handles, keywords, description, competitors, exclusions) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [b.name, b.handles, b.keywords, b.description, b.competitors, b.exclusions],
        )
    return b


def list_brands(ws: Workspace) -> list[Brand]:
    """Every stored profile, by name."""
    require_workspace(ws, "list_brands")
    if not ws.has_table("brands"):
        return []
    t = ws.table("brands")
    rows = (
        t.select("name", "handles", "keywords", "description", "competitors", "exclusions")
        .order_by("name")
        .to_pyarrow()
        .to_pylist()
    )
    return [
        Brand(
            name=r["name"],
            handles=list(r["handles"] or []),
            keywords=list(r["keywords"] or []),
            description=r["description"] or "",
            competitors=list(r["competitors"] or []),
            exclusions=list(r["exclusions"] or []),
        )
        for r in rows
    ]


def get_brand(ws: Workspace, name: str) -> Brand:
    """The profile ``name`` (case-insensitive, spaces around it ignored, as :func:`add_brand` stores it); a
    :class:`BrandError` naming the known brands otherwise."""
    require_workspace(ws, "get_brand")
    if not isinstance(name, str):
        raise TypeError(f"get_brand takes the brand name as a str, not {type(name).__name__} {name!r}")
    brands = list_brands(ws)
    for b in brands:
        if b.name.lower() == name.strip().lower():
            return b
    known = ", ".join(b.name for b in brands) or "none yet"
    raise BrandError(
        f"no brand {name!r} in workspace {ws.path} (known: {known}); add it with "
        f"`tribescope brand add {name} --handle … --keyword …`"
    )


#: matches nothing: the pattern of a brand without a single word
_NOTHING = re.compile(r"(?!)")


def brand_matcher(brand: Brand) -> re.Pattern[str]:
    """A case-insensitive pattern for the brand in free text: a handle, keyword or the name as a whole word,
    optionally after '@' or '#' — :func:`~tribescope.brand._text.word_pattern` of
    :func:`~tribescope.brand._text.brand_terms`, the rule campaign posts follow too (one function, not two)."""
    from tribescope.brand._text import brand_terms, word_pattern

    return word_pattern(brand_terms(brand)) or _NOTHING
