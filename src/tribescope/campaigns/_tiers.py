"""Follower tiers when no score table gives them (same bounds as the score spec's ``[tiers]``)."""

from __future__ import annotations

__all__ = ["TIERS", "tier_of"]

#: lower bound (inclusive) of each tier
TIERS = (
    ("mega", 1_000_000),
    ("macro", 500_000),
    ("mid", 100_000),
    ("micro", 10_000),
    ("nano", 1_000),
    ("creator", 0),
)


def tier_of(followers: float | None) -> str | None:
    """Tier of a follower count (``None`` when unknown)."""
    if followers is None or followers != followers:
        return None
    for name, lo in TIERS:
        if followers >= lo:
            return name
    return "creator"
