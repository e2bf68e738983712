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

__all__ = ["creator_metric_parts", "creator_metrics"]


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
    parts = creator_metric_parts(
        posts, comments, accounts, links=links, messages=messages, tiers=tiers, thread_rows=thread_rows
    )
    return join_all(parts[0], *parts[1:]).order_by(list(KEY))


def creator_metric_parts(
    posts: ir.Table,
    comments: ir.Table,
    accounts: ir.Table,
    *,
    links: ir.Table | None = None,
    messages: ir.Table | None = None,
    tiers: Sequence[tuple[str, int]] = DEFAULT_TIERS,
    thread_rows: ir.Table | None = None,
) -> list[ir.Table]:
    """The metric families as separate per-creator tables, :func:`reach` first (small expressions compile
    and run faster one by one than as one big join)."""
    th = thread_rows if thread_rows is not None else threads(comments, posts, accounts)
    parts = [
        reach(posts, accounts, tiers),
        engagement(posts, accounts, comments),
        conversation(th, posts),
        connectedness(th),
        niche(posts),
        brand_deals(posts, accounts, comments),
        audience_quality(th, accounts),
    ]
    if links is not None and messages is not None:
        parts.append(offplatform(links, messages, th, accounts))
    return parts
