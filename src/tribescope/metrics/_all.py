"""All metric families joined into one per-creator table."""

from __future__ import annotations

from collections.abc import Sequence

import ibis.expr.types as ir

from tribescope.metrics._audience import audience_quality
from tribescope.metrics._base import KEY, join_all, threads
from tribescope.metrics._brand import brand_deals
from tribescope.metrics._community import offplatform
from tribescope.metrics._connectedness import connectedness
from tribescope.metrics._conversation import conversation
from tribescope.metrics._engagement import engagement
from tribescope.metrics._niche import niche
from tribescope.metrics._reach import DEFAULT_TIERS, reach

__all__ = ["creator_metrics"]


def creator_metrics(
    posts: ir.Table,
    comments: ir.Table,
    accounts: ir.Table,
    *,
    links: ir.Table | None = None,
    messages: ir.Table | None = None,
    tiers: Sequence[tuple[str, int]] = DEFAULT_TIERS,
    thread_rows: ir.Table | None = None,
) -> ir.Table:
    """Every metric family for every creator, one row per (platform, creator_id).

    ``thread_rows`` lets the caller pass a cached :func:`tribescope.metrics.threads` table (e.g. with a
    ``sentiment`` column joined in) so the comment features are computed once.
    """
    th = thread_rows if thread_rows is not None else threads(comments, posts, accounts)
    parts = [
        engagement(posts, accounts, comments),
        conversation(th, posts),
        connectedness(th),
        niche(posts),
        brand_deals(posts, accounts),
        audience_quality(th, accounts),
    ]
    if links is not None and messages is not None:
        parts.append(offplatform(links, messages, th))
    out = join_all(reach(posts, accounts, tiers), *parts)
    return out.order_by(list(KEY))
