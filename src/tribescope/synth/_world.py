"""The synthetic population: creators, audiences, pods, communities and what they post and say.

The model (each number a documented default, chosen from the article and published figures):

* **Kinds.** ``community`` (followers talk to each other, return across posts, join the creator's
  Discord/subreddit, few sponsored posts), ``broadcast`` (large counts, one-off generic comments,
  many sponsored posts), ``boosted`` (bought followers, engagement pods, bot comments) and ``small``
  (< 1,000 followers, little data). Some community creators are noisy and some broadcast creators
  have a few loyal fans, so no single field separates the kinds.
* **Followers** are log-normal per kind with overlapping ranges (community mostly 5k–100k, some
  above; broadcast mostly 100k–3M, some below 100k).
* **Engagement rate** ``(likes + comments) / followers`` follows HypeAuditor's 2018 Instagram medians
  by tier (6.45 % at 1–5k, 3.76 % at 5–20k, 2.63 % at 20–100k, 2.57 % at 100k–1M, 2.56 % above),
  times log-normal noise per creator and per post. Boosted creators' rate applies to their *real*
  followers only, so their apparent rate is low.
* **Comments.** Each creator has a *core* audience (Zipf-weighted, so some members come back on
  almost every post) and a tail of one-off commenters drawn from a large platform-wide pool.
  Community cores are large and talk: replies go mostly to a "friend" of the parent's author inside
  the core (recurring, reciprocal pairs) with substantive or action-intent text. Broadcast replies
  are rare, mostly tags and low-effort, between one-off accounts.
* **Niches.** Each niche has a pool of enthusiasts per platform; creators draw part of their core
  from it. The niche's 1–2 *leaders* draw most of their core from it, have the niche's largest
  audience, and therefore share commenters with everyone in the niche.
* **Pods** (boosted creators): 5–15 accounts, including the boosted creators themselves, comment
  on each other's posts within the first hour, repeatedly.

Every creator is simulated from its own random stream ``default_rng([seed, 1, index])``, so the
output is byte-identical per seed and each creator can be streamed to disk on its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import numpy as np

from tribescope.synth import _ids
from tribescope.synth import _text as tx
from tribescope.synth._vocab import FIRST_NAMES, NICHES, WORDS, Niche

__all__ = [
    "KINDS",
    "PLATFORMS",
    "SCALES",
    "Campaign",
    "Creator",
    "Pool",
    "Post",
    "ScaleSpec",
    "Space",
    "World",
    "build_world",
    "hypeauditor_er",
    "simulate_creator",
]

KINDS = ("community", "broadcast", "boosted", "small")
PLATFORMS = ("youtube", "instagram", "tiktok")
KIND_SHARE = (0.36, 0.28, 0.14, 0.22)
#: platform mix per kind (youtube, instagram, tiktok): mostly YouTube and Instagram, some TikTok
PLATFORM_P = {
    "community": (0.45, 0.42, 0.13),
    "broadcast": (0.38, 0.45, 0.17),
    "boosted": (0.10, 0.70, 0.20),
    "small": (0.35, 0.45, 0.20),
}
T_EXPORT = dt.datetime(2026, 7, 1, tzinfo=dt.UTC).timestamp()
T_END = T_EXPORT - 3 * 86400
T_START = T_END - 200 * 86400
DAY = 86400.0


@dataclass(frozen=True)
class ScaleSpec:
    creators: int
    posts: tuple[int, int]
    comments: int


SCALES = {
    "xs": ScaleSpec(40, (6, 14), 10_000),
    "s": ScaleSpec(150, (12, 30), 100_000),
    "m": ScaleSpec(800, (15, 40), 1_000_000),
    "l": ScaleSpec(4000, (20, 60), 10_000_000),
}


def hypeauditor_er(followers: np.ndarray) -> np.ndarray:
    """Median engagement rate by follower tier, HypeAuditor "State of Influencer Marketing" 2018
    (Instagram): 6.45 % (1–5k), 3.76 % (5–20k), 2.63 % (20–100k), 2.57 % (100k–1M), 2.56 % (>1M);
    below 1k we use 8 % (tier not published; small accounts engage most)."""
    f = np.asarray(followers, dtype=np.float64)
    return np.select(
        [f < 1_000, f < 5_000, f < 20_000, f < 100_000, f < 1_000_000],
        [0.08, 0.0645, 0.0376, 0.0263, 0.0257],
        0.0256,
    )


# ---------------------------------------------------------------------------------------- accounts

REGIONS = ("creator", "fan", "casual", "fake", "pod_helper")


@dataclass
class Pool:
    """All accounts of one platform, addressed by integer index.

    Regions (contiguous index ranges): creators | niche fans (per niche) | casual | fakes | pod helpers.
    """

    platform: str
    handles: list[str]
    ids: list[str]
    region: np.ndarray  # int8 index into REGIONS
    fan_ranges: dict[int, tuple[int, int]]
    casual: tuple[int, int]
    fakes: tuple[int, int]
    helpers: tuple[int, int]
    seen: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.seen = np.zeros(len(self.handles), dtype=bool)

    @property
    def is_fake(self) -> np.ndarray:
        out: np.ndarray = self.region == REGIONS.index("fake")
        return out


_HOBBIES = tuple(sorted({w for nc in NICHES for w in nc.words if w.isalpha()} | set(WORDS[:40])))


def _person_handles(rng: np.random.Generator, n: int, fake: bool) -> list[str]:
    """Handles of ordinary people (or of fake accounts, which mostly carry long digit runs)."""
    first = rng.integers(0, len(FIRST_NAMES), n).tolist()
    word = rng.integers(0, len(WORDS), n).tolist()
    hob = rng.integers(0, len(_HOBBIES), n).tolist()
    style = rng.integers(0, 12, n).tolist()
    num2 = rng.integers(0, 100, n).tolist()
    year = rng.integers(1975, 2011, n).tolist()
    digits = rng.random(n).tolist()
    big = rng.integers(10_000, 99_999_999, n).tolist()
    fn, ws, hs = FIRST_NAMES, WORDS, _HOBBIES
    out: list[str] = []
    for i in range(n):
        f, w, b, s, d = fn[first[i]], ws[word[i]], hs[hob[i]], style[i], digits[i]
        if fake and d < 0.72:
            g = big[i]
            h = (f"{f}_{g}", f"{f}{w}{g % 100000}", f"user{g}", f"{f}.{w}{g % 10000}")[s % 4]
        else:
            h = (
                f"{f}.{w}", f"{f}_{w}", f"{w}_{f}", f"{f}{w}", f"the{f}{w}", f"{f}.{w}_",
                f"{w}.{f}", f"{f}__{w}", f"{f}.{b}", f"{b}with{f}", f"{f}_{w}_{b}", f"{w}{b}",
            )[s]  # fmt: skip
            d = d if not fake else d - 0.72
            if d < 0.18:
                h += f"{num2[i]:02d}"
            elif d < 0.26:
                h += str(year[i])
        out.append(h)
    return out


_DECOR = (
    "{}_",
    "its{}",
    "{}x",
    "im{}",
    "real{}",
    "{}.official",
    "_{}",
    "{}_xo",
    "hey{}",
    "{}.jpg",
    "{}.here",
)


def _dedupe(handles: list[str], taken: set[str]) -> list[str]:
    """Make handles unique as people do: decorate a taken handle (``its…``, ``…_``, ``real…``), then
    number it (``maya.sun2``, …)."""
    out = []
    nxt: dict[str, int] = {}
    for h in handles:
        if h in taken:
            k = nxt.get(h, 0)
            while k < len(_DECOR) and _DECOR[k].format(h) in taken:
                k += 1
            if k < len(_DECOR):
                nxt[h] = k + 1
                h = _DECOR[k].format(h)
            else:
                k = max(k, len(_DECOR) + 2)
                while f"{h}{k - len(_DECOR)}" in taken:
                    k += 1
                nxt[h] = k + 1
                h = f"{h}{k - len(_DECOR)}"
        taken.add(h)
        out.append(h)
    return out


# ---------------------------------------------------------------------------------------- model objects


@dataclass
class Space:
    """An off-platform community (Discord server or subreddit) run by a creator."""

    platform: str  # discord | reddit
    space_id: str
    name: str
    creator: int
    members: np.ndarray  # pool indices on the creator's platform
    n_messages: int
    lively: bool


@dataclass
class Creator:
    idx: int
    platform: str
    kind: str
    niche: int
    is_leader: bool
    followers: int
    real_followers: int
    er: float
    n_posts: int
    pool_idx: int
    handle: str = ""
    title: str = ""
    account_id: str = ""
    noisy: bool = False
    loyal_fans: bool = False
    core: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    p_core: float = 0.0
    reply_frac: float = 0.0
    creator_reply: float = 0.0
    fake_share: float = 0.0
    sponsor_rate: float = 0.0
    comment_ratio: float = 0.0
    pod: int = -1
    space: Space | None = None
    campaign_code: str | None = None
    campaign_link: str | None = None
    post_t: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    likes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    n_comments: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    views: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    disabled: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    created_at: float = 0.0
    country: str = "US"


@dataclass
class Campaign:
    campaign_id: str
    brand: str
    brand_handle: str
    shop: str
    start: float
    end: float
    creators: list[int]
    cost: dict[int, float]
    rate: dict[int, float]  # planted expected conversions per follower


@dataclass
class Post:
    post_id: str
    creator: int
    t: float
    title: str
    caption: str
    hashtags: list[str]
    keywords: list[str]
    likes: int
    n_comments: int
    views: int
    duration_s: int
    is_video: bool
    sponsor: str | None
    sponsor_handle: str | None
    disclosure: str  # flag | hashtag | both | code | none
    comments_disabled: bool
    # comments (parallel arrays; parent is a local index or -1)
    c_author: np.ndarray
    c_parent: np.ndarray
    c_t: np.ndarray
    c_likes: np.ndarray
    c_text: list[str]


@dataclass
class Pod:
    pod_id: str
    platform: str
    members: np.ndarray  # pool indices
    creators: list[int]


@dataclass
class World:
    scale: str
    seed: int
    niches: tuple[Niche, ...]
    creators: list[Creator]
    pools: dict[str, Pool]
    pods: list[Pod]
    spaces: list[Space]
    campaign: Campaign
    brand_handles: dict[str, str]

    def creator_handle(self, c: Creator) -> str:
        return c.handle


# ---------------------------------------------------------------------------------------- build


def _counts(n: int, shares: tuple[float, ...]) -> list[int]:
    raw = np.array(shares) * n
    base = np.floor(raw).astype(int)
    rest = n - base.sum()
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return [int(x) for x in base]


def _slug(s: str) -> str:
    return "".join(ch for ch in s.lower() if ch.isalnum())


def build_world(scale: str, seed: int) -> World:
    """Draw the population: creators, audiences, pods, spaces, the campaign. No comments yet."""
    spec = SCALES[scale]
    rng = np.random.default_rng([seed, 0])
    n = spec.creators
    n_niche = min(len(NICHES), max(4, n // 6))
    niches = NICHES[:n_niche]

    kinds = np.repeat(np.arange(4), _counts(n, KIND_SHARE))
    rng.shuffle(kinds)
    niche_of = rng.permutation(np.arange(n) % n_niche)
    plat = np.array([rng.choice(3, p=PLATFORM_P[KINDS[k]]) for k in kinds])
    # each niche has a home platform (YouTube or Instagram) where most of its creators post
    home = rng.integers(0, 2, n_niche)
    at_home = (rng.random(n) < 0.55) & (kinds != 2)
    plat = np.where(at_home, home[niche_of], plat)
    # every niche gets at least one community creator (a niche needs someone to lead it)
    for ni in range(n_niche):
        members = np.flatnonzero(niche_of == ni)
        if not (kinds[members] == 0).any():
            cand = members[kinds[members] != 1]
            pick = int(cand[0] if len(cand) else members[0])
            kinds[pick] = 0

    # followers per kind (log-normal, overlapping)
    f = np.zeros(n)
    z = rng.standard_normal(n)
    f = np.where(kinds == 0, np.exp(np.log(22_000) + 0.85 * z), f)
    f = np.where(kinds == 1, np.exp(np.log(520_000) + 1.0 * z), f)
    f = np.where(kinds == 2, np.exp(np.log(65_000) + 0.9 * z), f)
    f = np.where(kinds == 3, 10 ** rng.uniform(2.15, 2.999, n), f)
    lo = np.array([2_500, 35_000, 8_000, 120])[kinds]
    hi = np.array([450_000, 9_000_000, 1_500_000, 999])[kinds]
    f = np.clip(f, lo, hi)
    bought = np.where(
        kinds == 2, rng.uniform(0.35, 0.8, n), np.where(kinds == 1, rng.uniform(0, 0.12, n), 0.0)
    )
    bought = np.where(kinds == 0, rng.uniform(0, 0.03, n), bought)

    # leaders: 1–2 community creators per niche on the niche's main platform, with its largest audience
    is_leader = np.zeros(n, dtype=bool)
    for ni in range(n_niche):
        # leaders live on the niche's main platform (where most of its creators are)
        pl = np.bincount(plat[niche_of == ni], minlength=3).argmax()
        cand = np.flatnonzero((niche_of == ni) & (kinds == 0) & (plat == pl))
        if len(cand) == 0:  # promote a non-broadcast creator there to lead a community
            other = np.flatnonzero((niche_of == ni) & (plat == pl) & (kinds != 1))
            other = other if len(other) else np.flatnonzero((niche_of == ni) & (plat == pl))
            kinds[other[0]] = 0
            f[other[0]] = np.exp(np.log(22_000) + 0.85 * z[other[0]])
            bought[other[0]] = 0.0
            cand = other[:1]
        n_lead = 2 if len(cand) >= 4 else 1
        leaders = cand[np.argsort(-f[cand], kind="stable")[:n_lead]]
        same = np.flatnonzero(
            (niche_of == ni) & (plat == pl) & (kinds != 1) & ~np.isin(np.arange(n), leaders)
        )
        top = f[same].max() if len(same) else 0.0
        for ld in leaders:
            f[ld] = min(max(f[ld], top * rng.uniform(1.3, 1.8), 30_000 * rng.uniform(1.0, 2.0)), 480_000)
            is_leader[ld] = True
    f = np.round(f).astype(np.int64)
    real = np.round(f * (1 - bought)).astype(np.int64)

    er = hypeauditor_er(real) * (real / f)
    er *= np.exp(rng.normal(np.array([0.15, 0.1, 0.1, 0.1])[kinds], 0.3))

    lo_p, hi_p = spec.posts
    n_posts = rng.integers(lo_p, hi_p + 1, n)
    n_posts = np.where(kinds == 3, np.maximum(2, n_posts // 3), n_posts)
    n_posts = np.where(is_leader, hi_p, n_posts)  # leaders post steadily
    er = np.where(is_leader, np.maximum(er, hypeauditor_er(real)), er)

    creators: list[Creator] = []
    for i in range(n):
        c = Creator(
            idx=i,
            platform=PLATFORMS[plat[i]],
            kind=KINDS[kinds[i]],
            niche=int(niche_of[i]),
            is_leader=bool(is_leader[i]),
            followers=int(f[i]),
            real_followers=int(real[i]),
            er=float(er[i]),
            n_posts=int(n_posts[i]),
            pool_idx=-1,
        )
        k = c.kind
        c.noisy = k == "community" and rng.random() < 0.2 and not c.is_leader
        c.loyal_fans = k == "broadcast" and rng.random() < 0.3
        c.p_core = {
            "community": rng.uniform(0.28, 0.42) if c.noisy else rng.uniform(0.5, 0.75),
            "broadcast": rng.uniform(0.1, 0.2) if c.loyal_fans else rng.uniform(0.02, 0.07),
            "boosted": rng.uniform(0.05, 0.12),
            "small": rng.uniform(0.3, 0.6),
        }[k]
        # raw reply shares overlap between kinds (on big accounts replies are mostly tags, as in real data);
        # what differs is who replies to whom: recurring, substantive pairs inside a community's core
        c.reply_frac = {
            "community": rng.uniform(0.04, 0.1) if c.noisy else rng.uniform(0.14, 0.36),
            "broadcast": rng.uniform(0.04, 0.14),
            "boosted": rng.uniform(0.02, 0.06),
            "small": rng.uniform(0.05, 0.25),
        }[k]
        c.creator_reply = {"community": 0.35, "broadcast": 0.06, "boosted": 0.12, "small": 0.6}[
            k
        ] * rng.uniform(0.6, 1.3)
        c.fake_share = {
            "community": rng.uniform(0.0, 0.02),
            "broadcast": rng.uniform(0.01, 0.07),
            "boosted": rng.uniform(0.12, 0.32),
            "small": rng.uniform(0.0, 0.03),
        }[k]
        c.sponsor_rate = {
            "community": rng.beta(1.2, 16),
            "broadcast": rng.beta(4, 8),
            "boosted": rng.beta(3, 10),
            "small": rng.beta(0.6, 20),
        }[k]
        c.comment_ratio = (
            {"community": 0.045, "broadcast": 0.012, "boosted": 0.02, "small": 0.06}[k]
            * float(np.exp(rng.normal(0, 0.3)))
            * (1.5 if c.platform == "youtube" else 0.6 if c.platform == "tiktok" else 1.0)
        )
        c.created_at = T_START - rng.uniform(300, 3000) * DAY
        c.country = str(
            rng.choice(
                ["US", "GB", "CA", "DE", "AU", "IN", "ES", "FR", "NL", "BR"],
                p=[0.42, 0.12, 0.08, 0.08, 0.06, 0.07, 0.05, 0.04, 0.04, 0.04],
            )
        )
        creators.append(c)

    # campaign creators are chosen before posts are drawn (one post each falls in the campaign window)
    campaign = _choose_campaign(rng, creators, seed)

    # posts: times, likes, platform comment counts, exported rows
    for c in creators:
        crng = np.random.default_rng([seed, 2, c.idx])
        t = np.sort(crng.uniform(T_START, T_END, c.n_posts))
        if c.idx in campaign.creators:
            j = int(crng.integers(0, c.n_posts))
            t[j] = campaign.start + crng.uniform(0.5, 10) * DAY
            t = np.sort(t)
        c.post_t = t
        mult = np.exp(crng.normal(0, 0.4, c.n_posts))
        likes = np.maximum(0, c.followers * c.er * mult * (1 - c.comment_ratio))
        c.likes = np.round(likes).astype(np.int64)
        cc = c.followers * c.er * mult * c.comment_ratio * np.exp(crng.normal(0, 0.35, c.n_posts))
        c.disabled = crng.random(c.n_posts) < 0.015
        c.n_comments = np.where(c.disabled, 0, np.round(cc)).astype(np.int64)
        if c.platform == "youtube":
            c.views = np.round(c.real_followers * np.exp(crng.normal(np.log(0.18), 0.8, c.n_posts))).astype(
                np.int64
            )
        elif c.platform == "tiktok":
            c.views = np.round(c.real_followers * np.exp(crng.normal(np.log(0.5), 1.1, c.n_posts))).astype(
                np.int64
            )
        else:
            c.views = np.round(c.likes * np.exp(crng.normal(np.log(12), 0.4, c.n_posts))).astype(np.int64)
        c.views = np.maximum(c.views, c.likes)

    _allocate_rows(creators, spec.comments)

    pools, pods = _build_pools(rng, creators, n_niche, seed)
    spaces = _build_spaces(rng, creators, pools, seed)
    _finish_campaign(rng, campaign, creators)
    brand_handles = {b: _slug(b) for nc in niches for b in nc.brands}
    brand_handles[campaign.brand] = campaign.brand_handle
    return World(scale, seed, niches, creators, pools, pods, spaces, campaign, brand_handles)


def _allocate_rows(creators: list[Creator], target: int) -> None:
    """Exported comment rows per post: ``min(platform count, cap)`` with ``cap`` found by bisection so
    the total is close to ``target`` (exports hold the first pages of big threads, all of small ones).
    Niche leaders' threads are exported 2.5× deeper (they are the accounts a brand studies first)."""
    cc = np.concatenate([c.n_comments for c in creators]).astype(np.float64)
    total = cc.sum()
    if total < target * 1.05:  # scale platform counts up so there is enough to export
        factor = target * 1.05 / max(total, 1.0)
        for c in creators:
            c.n_comments = np.round(c.n_comments * factor).astype(np.int64)
        cc = np.concatenate([c.n_comments for c in creators]).astype(np.float64)
    boost = np.concatenate([np.full(c.n_posts, 2.5 if c.is_leader else 1.0) for c in creators])
    lo, hi = 1.0, float(cc.max()) + 1
    for _ in range(50):
        mid = (lo + hi) / 2
        if np.minimum(cc, mid * boost).sum() < target:
            lo = mid
        else:
            hi = mid
    for c in creators:
        c.rows = np.minimum(c.n_comments, np.round(hi * (2.5 if c.is_leader else 1.0))).astype(np.int64)


def _build_pools(
    rng: np.random.Generator, creators: list[Creator], n_niche: int, seed: int
) -> tuple[dict[str, Pool], list[Pod]]:
    pools: dict[str, Pool] = {}
    pods: list[Pod] = []
    taken: set[str] = set()
    for p in PLATFORMS:
        cs = [c for c in creators if c.platform == p]
        rows_p = int(sum(int(c.rows.sum()) for c in cs))
        # core sizes first (they decide the niche fan pools)
        for c in cs:
            tot = max(int(c.rows.sum()), 1)
            c_core = {
                "community": np.clip(tot * (0.14 if c.is_leader else 0.11), 8, 900),
                "broadcast": np.clip(tot * (0.015 if c.loyal_fans else 0.006), 2, 60),
                "boosted": np.clip(tot * 0.02, 2, 40),
                "small": np.clip(tot * 0.3, 2, 25),
            }[c.kind]
            c.core = np.zeros(int(c_core), dtype=np.int64)
        fan_sizes = []
        for ni in range(n_niche):
            leaders = [c for c in cs if c.niche == ni and c.is_leader]
            others = [c for c in cs if c.niche == ni and not c.is_leader]
            size = int(0.95 * max((len(c.core) for c in leaders), default=0))
            size = max(size, int(0.35 * sum(len(c.core) for c in others)), 10)
            fan_sizes.append(size)
        n_creators = len(cs)
        n_fans = sum(fan_sizes)
        n_casual = max(3000, int(0.6 * rows_p))
        n_fakes = max(400, int(0.05 * rows_p))
        boosted = [c for c in cs if c.kind == "boosted"]
        # pods: boosted creators of a platform in groups of 1–3, plus helper accounts (5–15 in all)
        order = [boosted[i] for i in rng.permutation(len(boosted))]
        groups: list[list[Creator]] = []
        while order:
            k = int(rng.integers(2, 4))
            if len(order) - k == 1:
                k += 1  # no pod of a single creator when others are left
            groups.append(order[:k])
            order = order[k:]
        # 5–15 accounts per pod; a lone boosted creator's pod is its helpers only
        helper_counts = [int(rng.integers(5, 16)) - (len(g) if len(g) > 1 else 0) for g in groups]
        n_helpers = sum(helper_counts)
        total = n_creators + n_fans + n_casual + n_fakes + n_helpers
        region = np.zeros(total, dtype=np.int8)
        a = n_creators
        fan_ranges = {}
        for ni, s in enumerate(fan_sizes):
            fan_ranges[ni] = (a, a + s)
            a += s
        region[n_creators:a] = 1
        casual = (a, a + n_casual)
        region[casual[0] : casual[1]] = 2
        fakes = (casual[1], casual[1] + n_fakes)
        region[fakes[0] : fakes[1]] = 3
        helpers = (fakes[1], fakes[1] + n_helpers)
        region[helpers[0] : helpers[1]] = 4

        prng = np.random.default_rng([seed, 3, PLATFORMS.index(p)])
        creator_handles = _creator_handles(prng, cs)
        handles = (
            creator_handles
            + _person_handles(prng, n_fans + n_casual, fake=False)
            + _person_handles(prng, n_fakes, fake=True)
            + _person_handles(prng, n_helpers, fake=False)
        )
        handles = _dedupe(handles, taken)  # handles are unique across platforms
        ids = _ids.yt_channel_ids(prng, total) if p == "youtube" else [h.lower() for h in handles]
        pool = Pool(p, handles, ids, region, fan_ranges, casual, fakes, helpers)
        pools[p] = pool
        for j, c in enumerate(cs):
            c.pool_idx = j
            c.handle = handles[j]
            c.account_id = ids[j]
            c.title = _title_of(c.handle)
            pool.seen[j] = True
        # cores: part from the niche's enthusiasts (Zipf-weighted, so popular fans are shared), rest private
        for c in cs:
            k = len(c.core)
            share = (
                0.85
                if c.is_leader
                else {"community": 0.4, "broadcast": 0.1, "boosted": 0.05, "small": 0.35}[c.kind]
            )
            a0, a1 = fan_ranges[c.niche]
            nf = min(round(k * share), a1 - a0)
            crng = np.random.default_rng([seed, 4, c.idx])
            w = 1.0 / np.arange(1, a1 - a0 + 1) ** 0.7
            fans = (
                crng.choice(np.arange(a0, a1), size=nf, replace=False, p=w / w.sum())
                if nf
                else np.zeros(0, np.int64)
            )
            priv = crng.integers(casual[0], casual[1], size=k - nf)
            core = np.concatenate([fans, priv]).astype(np.int64)
            crng.shuffle(core)
            c.core = core
        h0 = helpers[0]
        for g, hc in zip(groups, helper_counts, strict=True):
            pod_id = f"pod-{p[:2]}-{len(pods) + 1:03d}"
            own = [c.pool_idx for c in g] if len(g) > 1 else []
            members = np.concatenate([np.array(own, dtype=np.int64), np.arange(h0, h0 + hc)]).astype(np.int64)
            h0 += hc
            for c in g:
                c.pod = len(pods)
            pods.append(Pod(pod_id, p, members, [c.idx for c in g]))
    return pools, pods


def _creator_handles(rng: np.random.Generator, cs: list[Creator]) -> list[str]:
    out = []
    for c in cs:
        nc = NICHES[c.niche]
        first = FIRST_NAMES[int(rng.integers(0, len(FIRST_NAMES)))]
        hw = nc.handle_words[int(rng.integers(0, len(nc.handle_words)))]
        style = int(rng.integers(0, 6))
        h = (
            f"{first}{hw}",
            f"{hw}with{first}",
            f"the{first}{hw}",
            f"{first}.{hw}",
            f"{first}_{hw}",
            f"{hw}by{first}",
        )[style]
        if c.platform == "youtube" and rng.random() < 0.5:
            h = "".join(part.capitalize() for part in h.replace(".", " ").replace("_", " ").split())
        out.append(h)
    return out


def _title_of(handle: str) -> str:
    import re

    parts = re.findall(r"[A-Z]?[a-z]+|\d+", handle.replace(".", " ").replace("_", " "))
    return " ".join(p.capitalize() for p in parts) or handle


def _snowflake_for(seed: int, platform: str, idx: int) -> str:
    h = hashlib.blake2b(f"{seed}:{platform}:{idx}".encode(), digest_size=8).digest()
    x = int.from_bytes(h, "big")
    created_ms = int((1_460_000_000 + (x >> 40) % 260_000_000) * 1000)
    return str(((created_ms - _ids.DISCORD_EPOCH_MS) << 22) | (x & ((1 << 22) - 1)))


def _space_key(kind: str, name: str) -> str:
    """What makes a space name unique: a subreddit name case-insensitively, a Discord export folder by
    the slug the writer derives from the server name."""
    if kind == "discord":
        return "d:" + "".join(ch if ch.isalnum() else "-" for ch in name).strip("-").lower()
    return "r:" + name.lower()


def _build_spaces(
    rng: np.random.Generator, creators: list[Creator], pools: dict[str, Pool], seed: int
) -> list[Space]:
    spaces: list[Space] = []
    # Two creators of one handle on different platforms would get the same server / subreddit name;
    # real names are unique (a subreddit's case-insensitively; a DiscordChatExporter folder by its
    # slug), so a taken one is numbered like people do. Untaken names are unchanged.
    taken: set[str] = set()
    for c in creators:
        p_space = {"community": 0.75, "broadcast": 0.15, "boosted": 0.0, "small": 0.05}[c.kind]
        if c.noisy:
            p_space = 0.4
        if rng.random() >= p_space:
            continue
        kind = "discord" if rng.random() < 0.62 else "reddit"
        srng = np.random.default_rng([seed, 5, c.idx])
        pool = pools[c.platform]
        lively = c.kind in ("community", "small")
        if lively:
            core_in = c.core[srng.random(len(c.core)) < 0.8]
            extra = srng.integers(pool.casual[0], pool.casual[1], size=max(5, len(c.core) // 2))
        else:
            core_in = c.core[srng.random(len(c.core)) < 0.3]
            extra = srng.integers(pool.casual[0], pool.casual[1], size=max(20, int(c.rows.sum()) // 20))
        members = np.unique(np.concatenate([core_in, extra]).astype(np.int64))
        rows = int(c.rows.sum())
        n_msg = int(max(30, rows * (0.3 if lively else 0.05)))
        if kind == "discord":
            sid = _ids.discord_snowflakes(srng, np.array([c.created_at + 200 * DAY]))[0]
            name = f"{_title_of(c.handle)}'s {('Crew', 'Club', 'Community', 'Hangout', 'Lab')[int(srng.integers(0, 5))]}"
        else:
            base = _title_of(c.handle).replace(" ", "")
            sid = (base + ("Community", "Fans", "Club", "")[int(srng.integers(0, 4))])[:21]
            name = sid
        first, n = name, 1
        while (key := _space_key(kind, name)) in taken:
            n += 1
            if kind == "discord":
                name = f"{first} #{n}"
            else:
                sid = name = first[: 21 - len(str(n))] + str(n)
        taken.add(key)
        space = Space(kind, sid, name, c.idx, members, n_msg, lively)
        c.space = space
        spaces.append(space)
    return spaces


def _choose_campaign(rng: np.random.Generator, creators: list[Creator], seed: int) -> Campaign:
    n = len(creators)
    k = int(np.clip(n // 5, 8, 60))
    by_kind = {kd: [c.idx for c in creators if c.kind == kd] for kd in KINDS}
    want = dict(zip(KINDS, _counts(k, (0.45, 0.3, 0.15, 0.1)), strict=True))
    chosen: list[int] = []
    for kd in KINDS:
        pool = by_kind[kd]
        m = min(want[kd], len(pool))
        chosen += [int(x) for x in rng.choice(pool, size=m, replace=False)] if m else []
    start = T_END - 80 * DAY
    return Campaign(
        campaign_id="brightfold-spring26",
        brand="Brightfold",
        brand_handle="brightfold",
        shop="brightfold-shop.com",
        start=start,
        end=start + 28 * DAY,
        creators=sorted(chosen),
        cost={},
        rate={},
    )


#: planted expected conversions per follower for the campaign, by kind (community converts best)
CONVERSION_RATE = {"community": 0.0012, "broadcast": 0.00015, "boosted": 0.00012, "small": 0.0009}
#: fee per 1,000 followers by platform (USD)
FEE_PER_K = {"youtube": 20.0, "instagram": 12.0, "tiktok": 8.0}


def _finish_campaign(rng: np.random.Generator, camp: Campaign, creators: list[Creator]) -> None:
    for i in camp.creators:
        c = creators[i]
        rate = CONVERSION_RATE[c.kind] * float(np.exp(rng.normal(0, 0.3)))
        if c.kind == "boosted":
            rate *= c.real_followers / c.followers * 2
        camp.rate[i] = rate
        camp.cost[i] = float(
            round(max(100.0, c.followers / 1000 * FEE_PER_K[c.platform] * np.exp(rng.normal(0, 0.25))), -1)
        )
        code = (c.handle.split(".")[0].split("_")[0].upper()[:10]) + "15"
        c.campaign_code = code
        c.campaign_link = (
            f"https://{camp.shop}/?utm_source={c.platform}&utm_medium=influencer"
            f"&utm_campaign={camp.campaign_id}-{_slug(c.handle)}"
        )


# ---------------------------------------------------------------------------------------- simulate


def _choice_cats(rng: np.random.Generator, n: int, probs: dict[int, float]) -> np.ndarray:
    keys = np.array(list(probs))
    cdf = np.cumsum(np.array(list(probs.values()), dtype=np.float64))
    return keys[np.minimum(np.searchsorted(cdf / cdf[-1], rng.random(n), side="right"), len(keys) - 1)]


def _draw(rng: np.random.Generator, cdf: np.ndarray, n: int) -> np.ndarray:
    """``n`` indices drawn with the probabilities whose cumulative sums are ``cdf`` (ends at 1)."""
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)


def simulate_creator(world: World, c: Creator) -> list[Post]:
    """All posts of one creator with their comments (deterministic per seed and creator).

    Comments of all posts are drawn at once (vectorised), then split by post.
    """
    seed = world.seed
    rng = np.random.default_rng([seed, 1, c.idx])
    niche = world.niches[c.niche]
    pool = world.pools[c.platform]
    camp = world.campaign
    # the creator's focus: 4 favourite keywords (niche focus); broadcast creators stray off-niche
    fav = rng.permutation(len(niche.keywords))[:4]
    campaign_post = -1
    if c.idx in camp.creators:
        campaign_post = int(np.argmin(np.abs(c.post_t - (camp.start + 5 * DAY))))
    n = c.n_posts
    u = rng.random((n, 6))
    kw_pairs: list[list[str]] = []
    post_niche: list[Niche] = []
    metas = []
    for j in range(n):
        pn = niche
        if c.kind == "broadcast" and u[j, 0] < 0.3:
            pn = world.niches[int(u[j, 1] * len(world.niches))]
        if u[j, 2] < 0.8 and pn is niche:
            a, b = rng.permutation(fav)[:2]
            kws = [niche.keywords[int(a)], niche.keywords[int(b)]]
        else:
            a, b = rng.permutation(len(pn.keywords))[:2]
            kws = [pn.keywords[int(a)], pn.keywords[int(b)]]
        sponsor = sponsor_handle = promo = None
        disclosure = "none"
        if j == campaign_post:
            sponsor, sponsor_handle, promo = camp.brand, camp.brand_handle, c.campaign_code
            disclosure = ("flag", "hashtag", "both", "code")[
                int(np.searchsorted([0.3, 0.55, 0.8], u[j, 3], side="right"))
            ]
        elif u[j, 4] < c.sponsor_rate:
            sponsor = pn.brands[int(u[j, 5] * len(pn.brands))]
            sponsor_handle = world.brand_handles[sponsor]
            disclosure = ("flag", "hashtag", "both", "code")[
                int(np.searchsorted([0.3, 0.5, 0.7], u[j, 3], side="right"))
            ]
        if c.platform == "tiktok" and disclosure in ("flag", "both"):
            disclosure = "hashtag"  # the Research API has no paid-partnership field
        title, cap, tags = tx.caption(
            rng,
            pn,
            kws,
            sponsor=sponsor,
            sponsor_handle=sponsor_handle,
            disclosure=disclosure,
            promo_code=promo,
            platform=c.platform,
        )
        if j == campaign_post and c.campaign_link:
            cap += f" {c.campaign_link}" if c.platform == "youtube" else " (link in bio)"
        kw_pairs.append(kws)
        post_niche.append(pn)
        metas.append((title, cap, tags, kws, sponsor, sponsor_handle, disclosure))

    author, parent, ts, likes, texts, bounds = _comments(rng, world, c, pool, niche, kw_pairs)
    pool.seen[author] = True
    is_video = (rng.random(n) < 0.4) | (c.platform != "instagram")
    dur = rng.integers(20, 1500, n) if c.platform == "youtube" else rng.integers(8, 90, n)
    posts: list[Post] = []
    for j in range(n):
        title, cap, tags, kws, sponsor, sponsor_handle, disclosure = metas[j]
        a, b = int(bounds[j]), int(bounds[j + 1])
        posts.append(
            Post(
                post_id="",
                creator=c.idx,
                t=float(c.post_t[j]),
                title=title,
                caption=cap,
                hashtags=tags,
                keywords=kws,
                likes=int(c.likes[j] * (0.75 if sponsor else 1.0)),
                n_comments=max(int(c.n_comments[j]), b - a),
                views=int(c.views[j]),
                duration_s=int(dur[j]),
                is_video=bool(is_video[j]),
                sponsor=sponsor,
                sponsor_handle=sponsor_handle,
                disclosure=disclosure,
                comments_disabled=bool(c.disabled[j]),
                c_author=author[a:b],
                c_parent=parent[a:b] - np.where(parent[a:b] >= 0, a, 0),
                c_t=ts[a:b],
                c_likes=likes[a:b],
                c_text=texts[a:b],
            )
        )
    return posts


def _comments(
    rng: np.random.Generator,
    world: World,
    c: Creator,
    pool: Pool,
    niche: Niche,
    kw_pairs: list[list[str]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Comments of all posts: (author, parent (global index or -1), time, likes, text, post bounds)."""
    n_posts = c.n_posts
    rows = c.rows.astype(np.int64)
    K = len(c.core)
    is_comm = c.kind in ("community", "small")
    zipf = np.cumsum(1.0 / np.arange(1, max(K, 1) + 1) ** 0.9)
    zipf /= zipf[-1]
    pod = world.pods[c.pod] if c.pod >= 0 else None
    # pod members (not the poster), each on ~85 % of posts, within the first hour
    if pod is not None:
        m = pod.members[pod.members != c.pool_idx]
        present = rng.random((n_posts, len(m))) < 0.85
        rank = np.cumsum(present, axis=1)
        present &= rank <= np.maximum(rows - 1, 0)[:, None]
        pod_post, pod_k = np.nonzero(present)
        pod_auth = m[pod_k]
    else:
        pod_post = np.zeros(0, np.int64)
        pod_auth = np.zeros(0, np.int64)
    n_pod = np.bincount(pod_post, minlength=n_posts)
    rest = rows - n_pod
    n_fake = rng.binomial(rest, c.fake_share)
    n_reg = rest - n_fake
    n_rep = np.where(n_reg > 1, rng.binomial(n_reg, c.reply_frac), 0)
    n_top = n_reg - n_rep
    fix = (n_top == 0) & (n_rep > 0)
    n_top = np.where(fix, 1, n_top)
    n_rep = np.where(fix, n_rep - 1, n_rep)

    # regular top-level comments: core (Zipf) or tail
    T = int(n_top.sum())
    top_post = np.repeat(np.arange(n_posts), n_top)
    from_core = (rng.random(T) < c.p_core) if K else np.zeros(T, dtype=bool)
    core_pos = _draw(rng, zipf, T)
    tail = _tail(rng, pool, c, T)
    top_auth = np.where(from_core, c.core[core_pos] if K else tail, tail)
    top_core_pos = np.where(from_core, core_pos, -1)
    F = int(n_fake.sum())
    fake_post = np.repeat(np.arange(n_posts), n_fake)
    fake_auth = rng.integers(pool.fakes[0], pool.fakes[1], size=F)

    # replies: parent among the same post's regular top-level comments (core-authored ones preferred)
    R = int(n_rep.sum())
    rep_post = np.repeat(np.arange(n_posts), n_rep)
    top_start = np.concatenate([[0], np.cumsum(n_top)])
    w = np.where(top_core_pos >= 0, 3.0 if is_comm else 1.0, 1.0)
    W = np.concatenate([[0.0], np.cumsum(w)])
    lo_w, hi_w = W[top_start[rep_post]], W[top_start[rep_post + 1]]
    rep_parent_top = np.searchsorted(W, lo_w + rng.random(R) * (hi_w - lo_w), side="right") - 1
    rep_parent_top = np.clip(rep_parent_top, top_start[rep_post], top_start[rep_post + 1] - 1)
    by_creator = rng.random(R) < c.creator_reply
    uu = rng.random(R)
    ppos = top_core_pos[rep_parent_top] if R else np.zeros(0, np.int64)
    offs = np.array([1, -1, 2, -2, 3])[rng.integers(0, 5, R)]
    if K and (is_comm or c.loyal_fans):
        friend = np.where(ppos >= 0, (ppos + offs) % K, _draw(rng, zipf, R))
        f_core = np.where(uu < 0.6, friend, _draw(rng, zipf, R))
        use_core = uu < (0.9 if is_comm else 0.35)
    else:
        f_core = np.zeros(R, np.int64)
        use_core = np.zeros(R, dtype=bool)
    tail_r = _tail(rng, pool, c, R)
    rep_auth = np.where(use_core, c.core[f_core] if K else tail_r, tail_r)
    rep_auth = np.where(by_creator, c.pool_idx, rep_auth)
    rep_auth = np.where(
        rep_auth == top_auth[rep_parent_top] if R else False, tail_r, rep_auth
    )  # no self-replies
    if is_comm:
        rc = _choice_cats(
            rng, R, {tx.FF_REPLY: 0.62, tx.ACTION: 0.16, tx.QUESTION: 0.07, tx.LOW_EFFORT: 0.15}
        )
    elif c.loyal_fans:
        rc = np.where(
            use_core, tx.FF_REPLY, _choice_cats(rng, R, {tx.TAG: 0.45, tx.LOW_EFFORT: 0.45, tx.FF_REPLY: 0.1})
        )
    else:
        rc = _choice_cats(rng, R, {tx.TAG: 0.45, tx.LOW_EFFORT: 0.42, tx.FF_REPLY: 0.13})
    rep_cat = np.where(by_creator, tx.CREATOR_REPLY, rc)

    # categories of top-level comments
    if c.kind == "community" and not c.noisy:
        core_p = {
            tx.SUBST: 0.46,
            tx.ACTION: 0.2,
            tx.QUESTION: 0.12,
            tx.GENERIC: 0.14,
            tx.EMOJI: 0.05,
            tx.TAG: 0.03,
        }
        tail_p = {
            tx.SUBST: 0.3,
            tx.ACTION: 0.08,
            tx.QUESTION: 0.1,
            tx.GENERIC: 0.32,
            tx.EMOJI: 0.13,
            tx.TAG: 0.07,
        }
    elif c.kind in ("community", "small"):
        core_p = {
            tx.SUBST: 0.36,
            tx.ACTION: 0.14,
            tx.QUESTION: 0.12,
            tx.GENERIC: 0.24,
            tx.EMOJI: 0.1,
            tx.TAG: 0.04,
        }
        tail_p = {
            tx.SUBST: 0.2,
            tx.ACTION: 0.05,
            tx.QUESTION: 0.1,
            tx.GENERIC: 0.4,
            tx.EMOJI: 0.16,
            tx.TAG: 0.09,
        }
    else:
        core_p = {
            tx.SUBST: 0.3,
            tx.ACTION: 0.08,
            tx.QUESTION: 0.1,
            tx.GENERIC: 0.35,
            tx.EMOJI: 0.12,
            tx.TAG: 0.05,
        }
        tail_p = {
            tx.SUBST: 0.1,
            tx.ACTION: 0.02,
            tx.QUESTION: 0.06,
            tx.GENERIC: 0.45,
            tx.EMOJI: 0.2,
            tx.TAG: 0.17,
        }
    top_cat = np.where(top_core_pos >= 0, _choice_cats(rng, T, core_p), _choice_cats(rng, T, tail_p))

    # times (seconds after the post) and likes
    t_post = c.post_t
    slow = 4.0 if is_comm else 2.5
    t_top = t_post[top_post] + np.exp(rng.normal(np.log(slow * 3600), 1.3, T))
    t_fake = t_post[fake_post] + np.exp(rng.normal(np.log(1800), 1.0, F))
    t_pod = t_post[pod_post] + rng.uniform(60, 3300, len(pod_post))
    t_rep = t_top[rep_parent_top] + np.exp(rng.normal(np.log(5400), 1.2, R)) if R else np.zeros(0)

    # assemble, grouped by post: [top | fake | pod | replies] then a stable sort by post
    post_of = np.concatenate([top_post, fake_post, pod_post, rep_post])
    author = np.concatenate([top_auth, fake_auth, pod_auth, rep_auth]).astype(np.int64)
    cats = np.concatenate([top_cat, np.full(F, tx.BOT), np.full(len(pod_post), tx.POD), rep_cat]).astype(
        np.int64
    )
    ts = np.concatenate([t_top, t_fake, t_pod, t_rep])
    parent_g = np.concatenate([np.full(T + F + len(pod_post), -1), rep_parent_top]).astype(np.int64)
    order = np.argsort(post_of, kind="stable")
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    post_of, author, cats, ts, parent_g = (
        post_of[order],
        author[order],
        cats[order],
        ts[order],
        parent_g[order],
    )
    parent = np.where(parent_g >= 0, inv[np.maximum(parent_g, 0)], -1)
    N = len(author)
    ts = np.minimum(ts, T_EXPORT - 60 - rng.uniform(0, 3600, N))
    has_par = parent >= 0
    ts[has_par] = np.maximum(ts[has_par], ts[parent[has_par]] + 30)
    ts = np.floor(ts)
    likes = (
        np.floor(np.exp(rng.normal(0, 1.3, N)) * (1 + c.followers / 2e5) ** 0.5 - 1).clip(0).astype(np.int64)
    )
    likes = np.where(cats == tx.BOT, 0, likes)
    bounds = np.searchsorted(post_of, np.arange(n_posts + 1))

    # texts: replies address their parent's author; tags address other accounts
    mention_pool = [pool.handles[int(x)] for x in _tail(rng, pool, c, 8)]
    if K:
        mention_pool += [pool.handles[int(x)] for x in c.core[:8]]
    texts = tx.render(rng, cats, niche, [kw_pairs[int(j)] for j in post_of], mention_pool)
    handles = pool.handles
    for i in np.flatnonzero(has_par):
        txt = texts[i]
        if txt.startswith("@"):
            sp = txt.find(" ")
            texts[i] = "@" + handles[int(author[parent[i]])] + (txt[sp:] if sp > 0 else "")
    return author, parent, ts, likes, texts, bounds


def _tail(rng: np.random.Generator, pool: Pool, c: Creator, n: int) -> np.ndarray:
    """One-off commenters: mostly the platform's casual pool, some niche enthusiasts."""
    if n == 0:
        return np.zeros(0, np.int64)
    cas = rng.integers(pool.casual[0], pool.casual[1], size=n)
    a0, a1 = pool.fan_ranges[c.niche]
    fan = rng.integers(a0, a1, size=n)
    return np.where(rng.random(n) < (0.12 if c.kind in ("community", "small") else 0.03), fan, cas).astype(
        np.int64
    )
