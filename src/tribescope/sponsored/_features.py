"""Features of one post for the "likely sponsored" model, and the workspace's set of known brand accounts.

The strongest honest signal for an undisclosed paid post is that it @-mentions or tags an account that
*other* creators' disclosed posts name as their paid-partnership sponsor (Instagram's "Paid partnership
with …" header, ``posts.sponsor``). :class:`BrandIndex` holds, per sponsor handle, the creators whose
platform-flagged posts named it. A post's features count only creators **other than its own**, so a
post never sees its own label, and the index is built from the platform flag only (never from the
model's own guesses).

Where the index comes from:

* in a workspace, :func:`brand_index` — one Ibis query over ``posts`` (platform-flagged posts,
  ``sponsor`` split on ',' and unnested, distinct ``(sponsor, creator_id)`` pairs);
* in training and evaluation, :meth:`BrandIndex.from_pairs` over the *training* creators only (folds
  grouped by creator), so no held-out creator's tag reaches the features.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tribescope.sponsored._disclosure import (
    _model_commercial_signal,
    _model_disclosure_hashtag,
    visible_hashtags,
)
from tribescope.store import require_workspace

__all__ = ["FEATURES", "BrandIndex", "brand_index", "post_features", "post_handles"]

#: feature names, in model order (documented in docs/campaigns.md)
FEATURES = (
    "mentions",  # distinct @-mentions in the caption (≤ 10)
    "tagged",  # accounts tagged on the media (≤ 20)
    "mentioned_and_tagged",  # handles both @-mentioned and tagged (the sponsor usually is both)
    "known_sponsor_max",  # max over mentioned/tagged handles: other creators it sponsored (≤ 5)
    "known_sponsor_handles",  # mentioned/tagged handles known as a sponsor of another creator
    "known_sponsor_mentioned_max",  # as known_sponsor_max over @-mentions only
    "brandlike_handles",  # mentioned/tagged handles that look like a brand (official, shop, …)
    "brandlike_mentioned_and_tagged",  # brand-like handles that are both mentioned and tagged
    "disclosure_hashtag",  # a disclosure hashtag (#ad, #werbung, …)
    "commercial_signal",  # a promo code or an affiliate link
    "verified",  # the creator's account is verified
    "log_likes",  # log1p(likes)
    "after_2017",  # posted in 2017 or later (Instagram's branded-content tag)
    "sponsor_cue",  # a sponsorship word: thanks, partner, collab, gifted, giveaway, code, link in bio, …
)

#: a handle that reads like a company account (lower-case handle, no '@')
BRANDLIKE = re.compile(
    r"official|shop|store|brand|beauty|cosmetic|makeup|skin|hair|fashion|wear|apparel|cloth|boutique|jewel|"
    r"watch|swim|sport|nutrition|food|coffee|hotel|resort|tourism|visit|travel|magazine|_us$|usa$|uk$|"
    r"italia$|france$|_de$|global|hq$|app$|club$|co$|inc$|london$|paris$|design|studio|group|label|"
    r"collection|lab$|labs$|home$|kitchen|baby|kids|mama|organic|natural|supplement|fitness|gym|active|"
    r"outdoor|bikes?$|cars?$|motors?|perfume|parfum|eyewear|optic|shoes|bags?$|denim|jeans|tv$|news$|"
    r"media$|records$|music$|films?$|games?$|agency"
)
#: sponsorship vocabulary (English plus the common European "in collaboration with" words)
SPONSOR_CUE = re.compile(
    r"\b(thank|thanks|partner|partnered|collab|gifted|in collaboration|in partnership|samarbe\w*|"
    r"yhteisty\w*|kooperation|collaborazione|colaboraci\w*|parceria|giveaway|arvonta|win|discount|"
    r"link in bio|swipe up|use code|code)\b",
    re.IGNORECASE,
)
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)")
_Y2017 = 2017


@dataclass
class BrandIndex:
    """Sponsor handle → the creators whose platform-flagged posts named it as paid partner."""

    creators: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> BrandIndex:
        """From ``(sponsor handle, creator id)`` pairs (handles lower-cased, '@' stripped)."""
        acc: dict[str, set[str]] = {}
        for handle, creator in pairs:
            h = (handle or "").strip().lstrip("@").lower()
            if h:
                acc.setdefault(h, set()).add((creator or "").lower())
        return cls({h: frozenset(c) for h, c in acc.items()})

    def others(self, handle: str, creator: str | None) -> int:
        """How many creators other than ``creator`` named ``handle`` as their sponsor."""
        c = self.creators.get(handle)
        if not c:
            return 0
        return len(c) - (1 if creator is not None and creator.lower() in c else 0)

    def __len__(self) -> int:
        return len(self.creators)


def brand_index(ws: Any) -> BrandIndex:
    """The workspace's known brand accounts: one Ibis query over ``posts`` (platform flag only)."""
    require_workspace(ws, "brand_index")
    p = ws.table("posts")
    flagged = p.filter(p.is_paid_partnership.fill_null(False) & p.sponsor.notnull())
    pairs = (
        flagged.select(creator_id=flagged.creator_id, handle=flagged.sponsor.split(",").unnest())
        .mutate(handle=lambda t: t.handle.strip().lower())
        .filter(lambda t: t.handle != "")
        .distinct()
        .to_pyarrow()
        .to_pylist()
    )
    return BrandIndex.from_pairs((r["handle"], r["creator_id"]) for r in pairs)


def post_handles(row: dict[str, Any]) -> tuple[set[str], set[str]]:
    """``(@-mentioned handles, tagged handles)`` of a post, lower-cased."""
    ments = row.get("mentions")
    if ments is None:
        ments = _MENTION.findall(row.get("caption") or "")
    m = {h.lower().lstrip("@") for h in ments if h}
    t = {h.lower().lstrip("@") for h in (row.get("tagged_users") or []) if h}
    return m, t


def _num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(v) else v


def post_features(row: dict[str, Any], brands: BrandIndex | None = None) -> list[float]:
    """The feature vector of one post (order :data:`FEATURES`). ``row`` keys: ``caption``, ``mentions``,
    ``tagged_users``, ``creator_id``, ``is_verified``, ``likes``, ``created_at``, ``hashtags``, ``platform``
    (optional: on :data:`~tribescope.sponsored._disclosure.HIDDEN_TAG_PLATFORMS` the hashtags list is not read)."""
    brands = brands or BrandIndex()
    caption = row.get("caption") or ""
    creator = row.get("creator_id")
    m, t = post_handles(row)
    both = m & t
    handles = m | t
    known = [brands.others(h, creator) for h in handles]
    known_m = [brands.others(h, creator) for h in m]
    brandlike = {h for h in handles if BRANDLIKE.search(h)}
    created = row.get("created_at")
    year = created.year if isinstance(created, datetime) else 0
    return [
        float(min(len(m), 10)),
        float(min(len(t), 20)),
        float(min(len(both), 10)),
        float(min(max(known, default=0), 5)),
        float(min(sum(1 for k in known if k > 0), 5)),
        float(min(max(known_m, default=0), 5)),
        float(min(len(brandlike), 10)),
        float(min(len(brandlike & both), 10)),
        # as trained (the rule's disclosure and code forms grow without moving the model's inputs), over the tags a
        # viewer sees (not YouTube's hidden snippet.tags)
        1.0
        if _model_disclosure_hashtag(caption, visible_hashtags(row.get("platform"), row.get("hashtags")))
        else 0.0,
        1.0 if _model_commercial_signal(caption) else 0.0,
        1.0 if row.get("is_verified") else 0.0,
        math.log1p(max(_num(row.get("likes")), 0.0)),
        1.0 if year >= _Y2017 else 0.0,
        1.0 if SPONSOR_CUE.search(caption) else 0.0,
    ]
