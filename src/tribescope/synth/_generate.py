"""``generate()``: build the world, stream every creator's posts and comments to disk, write the truth."""

from __future__ import annotations

import csv
import io
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from tribescope.errors import TribescopeError
from tribescope.synth._brand_community import write_brand_community
from tribescope.synth._campaign import write_campaign
from tribescope.synth._world import (
    REGIONS,
    SCALES,
    Creator,
    Post,
    World,
    _snowflake_for,
    build_world,
    simulate_creator,
)
from tribescope.synth._writers import (
    DiscordRedditWriter,
    InstagramWriter,
    TikTokWriter,
    YouTubeWriter,
    _Out,
    profile_rows,
)

__all__ = ["SynthSummary", "generate"]

MARKER = ".tribescope-synth.json"
_OWNED = (
    "youtube",
    "instagram",
    "tiktok",
    "reddit",
    "discord",
    "truth",
    "campaigns",
    "community_links.csv",
    MARKER,
)
ACCOUNT_COLUMNS = [
    "platform",
    "account_id",
    "username",
    "full_name",
    "bio",
    "followers",
    "following",
    "posts",
    "has_profile_pic",
    "is_private",
    "is_verified",
    "external_url",
]


@dataclass
class SynthSummary:
    """What :func:`generate` wrote."""

    out: str
    scale: str
    seed: int
    creators: int = 0
    posts: int = 0
    comments: int = 0
    community_messages: int = 0
    accounts: int = 0
    profiles: int = 0
    pods: int = 0
    sponsored_posts: int = 0
    orders: int = 0
    seconds: float = 0.0
    by_platform: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _csv(rows: list[dict[str, Any]] | list[list[Any]], cols: list[str]) -> str:
    buf = io.StringIO()
    if rows and isinstance(rows[0], dict):
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        for r in rows:
            assert isinstance(r, dict)
            w.writerow({k: ("true" if v is True else "false" if v is False else v) for k, v in r.items()})
    else:
        w2 = csv.writer(buf, lineterminator="\n")
        w2.writerow(cols)
        w2.writerows(rows)  # type: ignore[arg-type]
    return buf.getvalue()


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise TribescopeError(f"{out}: exists and is not a folder; choose a folder for the synthetic exports")
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise TribescopeError(
                f"{out}: folder is not empty and was not written by `tribescope synth`; "
                "choose an empty or new folder (synth replaces only its own earlier output)"
            )
        for name in _OWNED:
            p = out / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
    out.mkdir(parents=True, exist_ok=True)


def generate(
    out: str | Path,
    scale: str = "xs",
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> SynthSummary:
    """Write a synthetic sample with planted truth to ``out``.

    ``scale`` is ``xs`` (≈10k comments), ``s`` (≈100k), ``m`` (≈1M) or ``l`` (≈10M). The same
    ``seed`` gives byte-identical files. ``progress(done, total)`` is called after each creator.
    Exports go to ``out/<platform>/…`` in the platforms' real formats, the planted truth to
    ``out/truth/`` and the brand campaign to ``out/campaigns/`` (both marked ``.tribescopeignore``).
    """
    if scale not in SCALES:
        raise TribescopeError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    t_start = time.perf_counter()
    out = Path(out)
    _prepare(out)
    world = build_world(scale, seed)
    summary = SynthSummary(str(out), scale, seed, creators=len(world.creators), pods=len(world.pods))
    files = _Out(out)
    sponsored: list[dict[str, Any]] = []
    campaign_posts: dict[int, tuple[str, float]] = {}
    titles: dict[int, list[str]] = {}
    camp = world.campaign

    def record(post_id: str, p: Post, c: Creator) -> None:
        if p.sponsor:
            sponsored.append(
                {
                    "platform": c.platform,
                    "post_id": post_id,
                    "creator_id": c.account_id,
                    "brand": p.sponsor,
                    "disclosed": p.disclosure in ("flag", "hashtag", "both"),
                    "disclosure": p.disclosure,
                    "campaign_id": camp.campaign_id if p.sponsor == camp.brand else "",
                }
            )
            if p.sponsor == camp.brand:
                campaign_posts[c.idx] = (post_id, p.t)

    writers: dict[str, Any] = {
        "youtube": YouTubeWriter(world, files, record),
        "instagram": InstagramWriter(world, files, record),
        "tiktok": TikTokWriter(world, files, record),
    }
    total = len(world.creators)
    try:
        for k, c in enumerate(world.creators):
            posts = simulate_creator(world, c)
            n = writers[c.platform].creator(c, posts)
            summary.comments += n
            summary.posts += len(posts)
            bp = summary.by_platform.setdefault(c.platform, {"creators": 0, "posts": 0, "comments": 0})
            bp["creators"] += 1
            bp["posts"] += len(posts)
            bp["comments"] += n
            if c.space is not None:
                titles[c.idx] = [p.title for p in posts[:10]]
            if progress:
                progress(k + 1, total)
        writers["youtube"].finish()
        dr = DiscordRedditWriter(world, files)
        space_authors: dict[str, set[str]] = {"discord": set(), "reddit": set()}
        for s in world.spaces:
            written = dr.space(s, titles.get(s.creator, []))
            summary.community_messages += written
            bp = summary.by_platform.setdefault(s.platform, {"spaces": 0, "messages": 0})
            bp["spaces"] += 1
            bp["messages"] += written  # what the export holds (the plan's n_messages missed some)
            c = world.creators[s.creator]
            pool = world.pools[c.platform]
            for a in np.concatenate([s.members, [c.pool_idx]]):
                a = int(a)
                space_authors[s.platform].add(
                    _snowflake_for(seed, c.platform, a)
                    if s.platform == "discord"
                    else dr.member_name(pool, a, "reddit")
                )
        _write_profiles(world, files, summary)
    finally:
        files.close()

    links = []
    rng = np.random.default_rng([seed, 11])
    for s in world.spaces:
        c = world.creators[s.creator]
        mult = rng.uniform(1.5, 3.0) if s.lively else rng.uniform(5, 20)
        links.append(
            {
                "platform": s.platform,
                "space_id": s.space_id.lower() if s.platform == "reddit" else s.space_id,
                "space_name": s.name,
                "creator_platform": c.platform,
                "creator_id": c.account_id,
                "members": int(len(s.members) * mult),
            }
        )
    (out / "community_links.csv").write_text(
        _csv(links, ["platform", "space_id", "space_name", "creator_platform", "creator_id", "members"])
    )

    truth = out / "truth"
    truth.mkdir(exist_ok=True)
    (truth / ".tribescopeignore").write_text(
        "planted truth of `tribescope synth`: not an export, never imported\n"
    )
    summary.sponsored_posts = len(sponsored)
    _write_truth(world, truth, sponsored, space_authors, summary)
    summary.orders = write_campaign(world, campaign_posts, out, truth)["orders"]
    # the brand's own subreddit (own random stream; not a creator's), counted with the other spaces' messages
    brand_msgs = write_brand_community(world, out, truth)
    summary.community_messages += brand_msgs
    bp = summary.by_platform.setdefault("reddit", {"spaces": 0, "messages": 0})
    bp["spaces"] += 1
    bp["messages"] += brand_msgs
    summary.seconds = round(time.perf_counter() - t_start, 3)
    meta = {k: v for k, v in summary.as_dict().items() if k not in ("seconds", "out")}
    (out / MARKER).write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
    return summary


def _write_profiles(world: World, files: _Out, summary: SynthSummary) -> None:
    """Profile lists, streamed: Instagram as a canonical accounts CSV, TikTok as user-info responses."""
    buf = io.TextIOWrapper(
        files.f("instagram/accounts.csv"), encoding="utf-8", newline="", write_through=True
    )
    w = csv.DictWriter(buf, fieldnames=ACCOUNT_COLUMNS, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in profile_rows(world, "instagram"):
        w.writerow({k: ("true" if v is True else "false" if v is False else v) for k, v in r.items()})
        summary.profiles += 1
    buf.detach()
    fh = None
    for r in profile_rows(world, "tiktok"):
        fh = fh or files.f("tiktok/users.jsonl")
        summary.profiles += 1
        fh.write(
            orjson.dumps(
                {
                    "data": {
                        "display_name": r["full_name"] or r["username"],
                        "bio_description": r["bio"],
                        "avatar_url": ""
                        if not r["has_profile_pic"]
                        else f"https://p16-sign.tiktokcdn.com/{r['account_id'][:12]}.jpeg",
                        "is_verified": bool(r["is_verified"]),
                        "follower_count": int(r["followers"]),
                        "following_count": int(r["following"]),
                        "likes_count": int(r["followers"] * 7),
                        "video_count": int(r["posts"]),
                        "bio_url": r["external_url"],
                    },
                    "error": {"code": "ok", "message": "", "log_id": "20260701" + r["account_id"][:16]},
                    "username": r["username"],
                },
                option=orjson.OPT_APPEND_NEWLINE,
            )
        )


def _write_truth(
    world: World,
    truth: Path,
    sponsored: list[dict[str, Any]],
    space_authors: dict[str, set[str]],
    summary: SynthSummary,
) -> None:
    cr = [
        {
            "platform": c.platform,
            "creator_id": c.account_id,
            "handle": c.handle,
            "kind": c.kind,
            "niche": world.niches[c.niche].name,
            "is_leader": c.is_leader,
            "followers": c.followers,
            "real_followers": c.real_followers,
            "noisy": c.noisy or c.loyal_fans,
            "pod_id": world.pods[c.pod].pod_id if c.pod >= 0 else "",
            "space_platform": c.space.platform if c.space else "",
            "space_id": (c.space.space_id.lower() if c.space.platform == "reddit" else c.space.space_id)
            if c.space
            else "",
        }
        for c in world.creators
    ]
    (truth / "creators.csv").write_text(_csv(cr, list(cr[0])))
    n = 0
    with open(truth / "accounts.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["platform", "account_id", "is_fake", "role"])
        for p, pool in world.pools.items():
            seen = np.flatnonzero(pool.seen)
            fake = pool.is_fake[seen].tolist()
            region = pool.region[seen].tolist()
            ids = pool.ids
            w.writerows(
                [p, ids[i], "true" if f else "false", REGIONS[r]]
                for i, f, r in zip(seen.tolist(), fake, region, strict=True)
            )
            n += len(seen)
        for p in ("discord", "reddit"):
            for a in sorted(space_authors[p]):
                w.writerow([p, a.lower() if p == "reddit" else a, "false", "member"])
                n += 1
    summary.accounts = n
    pods = []
    for pod in world.pods:
        pool = world.pools[pod.platform]
        creator_set = {world.creators[i].pool_idx for i in pod.creators}
        for a in pod.members:
            pods.append(
                {
                    "pod_id": pod.pod_id,
                    "platform": pod.platform,
                    "account_id": pool.ids[int(a)],
                    "is_creator": int(a) in creator_set,
                }
            )
    (truth / "pods.csv").write_text(_csv(pods, ["pod_id", "platform", "account_id", "is_creator"]))
    (truth / "sponsored_posts.csv").write_text(
        _csv(
            sponsored,
            ["platform", "post_id", "creator_id", "brand", "disclosed", "disclosure", "campaign_id"],
        )
    )
