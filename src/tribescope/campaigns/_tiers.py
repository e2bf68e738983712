"""Follower tiers when no score table gives them: the score spec's ``[tiers]`` (it repeated the packaged spec's bounds
as constants of its own, which an edit of the spec did not move)."""

from __future__ import annotations

import os

from tribescope.score._spec import Spec, load_spec

__all__ = ["tier_of"]


def tier_of(followers: float | None, spec: Spec | str | os.PathLike[str] | None = None) -> str | None:
    """Tier of a follower count by the ``[tiers]`` of ``spec`` (the packaged score spec when None): the tier with the
    highest lower bound (inclusive) at or below it; ``None`` when the count is unknown."""
    if followers is None or followers != followers:
        return None
    tiers = load_spec(spec).tiers  # ascending, the first at 0
    return next((name for name, lo in reversed(tiers) if followers >= lo), tiers[0][0])
