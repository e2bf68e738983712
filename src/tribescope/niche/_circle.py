"""The inner circle of one creator's audience, after the Orbit model.

The Orbit model (Orbit, "The Orbit Model", github.com/orbit-love/orbit-model, 2020–2022) places each
community member by **love** (how engaged they are, over time) and **reach** (how far their own
influence goes); gravity ``= love × reach`` pulls members toward the centre. Here:

* ``love = Σ_{w ∈ active weeks} 0.5^{(t_last − w) / h}`` — each distinct ISO week in which the member engaged
  with the creator (a comment under a post, a message in the creator's community) counts 1, halved every
  ``h`` weeks (default 13) of age in whole weeks, counted back from the week of the latest engagement
  with this creator. Sustained,
  recent activity scores high; a single old comment scores < 1. An undated act (no ``created_at``) counts as the
  oldest possible, weight 0: its member is in the table (as in the audiences of ``overlap`` and ``niches``) and its
  ``acts``, but it earns no love and no active week (``first_seen`` / ``last_seen`` null when no act is dated).
* ``reach = log10(1 + followers)`` from the member's own profile when ``accounts.followers`` is known (a negative
  count, the -1 some scrapers write for "unknown", is not known), else
  ``log10(1 + r)`` where r is the number of distinct other members who replied to them (reach inside the
  community); ``reach_source`` says which.
* ``gravity = love × (1 + reach)``.

Orbit levels from love (Orbit's four levels; the half-life and the thresholds are the score spec's ``[circle]``,
``--spec FILE``): by default ``1 advocate`` (love ≥ 4), ``2 contributor`` (love ≥ 2), ``3 participant`` (love ≥ 1),
``4 explorer`` (below). The inner circle is the members at levels 1–2, ordered by gravity.
"""

from __future__ import annotations

import os

import ibis
import pyarrow as pa

from tribescope.niche._audience import activity, known_followers
from tribescope.score._spec import Spec, load_spec
from tribescope.store import Workspace, require_workspace

__all__ = ["LEVELS", "inner_circle"]

#: Orbit level → (name, minimum love): the packaged score spec's ``[circle]``
LEVELS: dict[int, tuple[str, float]] = load_spec().circle_levels


def inner_circle(
    ws: Workspace,
    creator: tuple[str, str],
    *,
    half_life_weeks: float | None = None,
    levels: dict[int, tuple[str, float]] | None = None,
    spec: Spec | str | os.PathLike[str] | None = None,
) -> pa.Table:
    """Every engaged member of ``creator`` with love, reach, gravity and Orbit level, best first.

    ``half_life_weeks`` and ``levels`` (level → (name, minimum love)) default to the ``[circle]`` of ``spec`` (the
    packaged score spec when None). Columns: ``member_platform, member_id, username, acts, active_weeks, first_seen,
    last_seen, love, followers, replied_by, reach, reach_source, gravity, level, level_name, inner_circle``.
    """
    require_workspace(ws, "inner_circle")
    from tribescope.niche._audience import check_param, require_creator

    sp = load_spec(spec)
    if half_life_weeks is None:
        half_life_weeks = sp.circle_half_life_weeks

    # 0 divided the age by 0 (love NaN) and a negative half-life made old weeks weigh more than recent ones
    check_param(
        "inner_circle",
        "half_life_weeks",
        half_life_weeks,
        "it is a number of weeks above 0",
        low=0,
        above=True,
    )

    creator = require_creator(ws, creator, "inner_circle")  # an unknown creator gave an empty table
    lv = levels or sp.circle_levels
    act = activity(ws)
    act = act.filter((act.creator_platform == creator[0]) & (act.creator_id == creator[1]))
    # an undated act (no created_at) stays: its member is engaged, as `overlap` and `niches` count them
    week = act.created_at.truncate("W")
    act = act.mutate(week=week)
    last = act.week.max().as_scalar()
    weeks = act.group_by(["member_platform", "member_id", "week"]).agg(n=act.count())
    age = ((last.epoch_seconds() - weeks.week.epoch_seconds()).cast("float64") / (7 * 86400.0)).round()
    age = ibis.greatest(age, 0.0)
    # undated acts (one null week) weigh 0, the limit of 0.5^(age/h) for the oldest possible act: no recency credit
    # (GREATEST skips NULLs, so the null age above is 0 — a full week's credit — unless decided here)
    decay = ibis.cases((weeks.week.notnull(), ibis.literal(0.5).pow(age / half_life_weeks)), else_=0.0)
    weeks = weeks.mutate(decay=decay)
    love = weeks.group_by(["member_platform", "member_id"]).agg(
        love=weeks.decay.sum(), active_weeks=weeks.week.count(), acts=weeks.n.sum()
    )
    span = act.group_by(["member_platform", "member_id"]).agg(
        first_seen=act.created_at.min(), last_seen=act.created_at.max()
    )
    # distinct other members who replied to each member (inside this creator's audience)
    rep = act.filter(act.parent_author_id.notnull() & (act.parent_author_id != act.member_id))
    rep = rep.group_by([rep.member_platform, rep.parent_author_id]).agg(replied_by=rep.member_id.nunique())
    rep = rep.select(r_platform="member_platform", r_id="parent_author_id", replied_by="replied_by")
    t = love.join(span, ["member_platform", "member_id"])
    t = t.left_join(rep, [t.member_platform == rep.r_platform, t.member_id == rep.r_id])
    t = t.select(*[c for c in t.columns if c not in ("r_platform", "r_id")])
    if ws.has_table("accounts"):
        acc = ws.table("accounts")
        acc = acc.select(
            a_platform="platform",
            a_id="account_id",
            username="username",
            followers=known_followers(acc.followers),  # a negative count (-1: unknown) is no reach
        )
        t = t.left_join(acc, [t.member_platform == acc.a_platform, t.member_id == acc.a_id])
        t = t.select(*[c for c in t.columns if c not in ("a_platform", "a_id")])
    else:
        t = t.mutate(username=ibis.null("string"), followers=ibis.null("int64"))
    replied = t.replied_by.fill_null(0)
    reach = ibis.cases(
        (t.followers.notnull(), (t.followers.cast("float64") + 1).log10()),
        else_=(replied.cast("float64") + 1).log10(),
    )
    t = t.mutate(
        replied_by=replied,
        reach=reach,
        reach_source=ibis.cases((t.followers.notnull(), "followers"), else_="replies"),
    )
    t = t.mutate(gravity=t.love * (1 + t.reach))
    cases = [(t.love >= lv[k][1], k) for k in sorted(lv) if k != max(lv)]
    t = t.mutate(level=ibis.cases(*cases, else_=max(lv)).cast("int64"))
    names = [(k, v[0]) for k, v in lv.items()]
    t = t.mutate(level_name=ibis.cases(*[(t.level == k, nm) for k, nm in names], else_=""))
    t = t.mutate(inner_circle=t.level <= 2)
    cols = [
        "member_platform",
        "member_id",
        "username",
        "acts",
        "active_weeks",
        "first_seen",
        "last_seen",
        "love",
        "followers",
        "replied_by",
        "reach",
        "reach_source",
        "gravity",
        "level",
        "level_name",
        "inner_circle",
    ]
    # member_platform last: Discord user 42 and Reddit user 42 of the same gravity came in the engine's order
    return (
        t.select(*cols).order_by([t.level, ibis.desc("gravity"), "member_id", "member_platform"]).to_pyarrow()
    )
