"""Writers: the synthetic world in the platforms' real export formats (see ``docs``/formats contract).

* YouTube Data API v3: ``channels.list``, ``videos.list``, ``commentThreads.list`` (with up to five
  ``replies`` per thread, as the API returns) and ``comments.list`` pages (``parentId``) for threads
  with more replies.
* Instagram web GraphQL ``shortcode_media`` documents (threaded comments; a few in the older
  ``edge_media_to_comment`` shape), and a profile list CSV with the canonical ``accounts`` columns.
* TikTok Research API video query, comment list (top-level comments carry ``parent_comment_id`` =
  video id, as the API does) and user info responses; comments carry a non-standard ``username``.
* DiscordChatExporter JSON, one file per channel; Pushshift-style Reddit NDJSON.

Every writer streams: one creator at a time, one page per line.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

from tribescope.synth import _ids
from tribescope.synth import _text as tx
from tribescope.synth._world import DAY, REGIONS, T_EXPORT, Creator, Pool, Post, Space, World, _snowflake_for

__all__ = ["DiscordRedditWriter", "InstagramWriter", "TikTokWriter", "YouTubeWriter", "profile_rows"]

_DUMP = orjson.OPT_APPEND_NEWLINE


def iso(t: float) -> str:
    return dt.datetime.fromtimestamp(int(t), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def isos(t: np.ndarray) -> list[str]:
    """RFC 3339 UTC strings for many epoch seconds at once."""
    if len(t) == 0:
        return []
    return [
        s + "Z" for s in np.datetime_as_string(np.asarray(t, dtype=np.int64).astype("datetime64[s]")).tolist()
    ]


def _etag(s: str) -> str:
    return hashlib.blake2b(s.encode(), digest_size=20).hexdigest()[:27]


def _cheap_etag(cid: str) -> str:
    """An opaque per-comment etag (cheap: derived from the id, as stable as the API's)."""
    return (cid[::-1] + "Q0aXKm")[:27]


def _num_id(seed: int, salt: str, idx: int, lo: int = 1_000_000_000, span: int = 60_000_000_000) -> str:
    h = hashlib.blake2b(f"{seed}:{salt}:{idx}".encode(), digest_size=8).digest()
    return str(lo + int.from_bytes(h, "big") % span)


def _duration(s: int) -> str:
    h, rem = divmod(int(s), 3600)
    m, sec = divmod(rem, 60)
    out = "PT"
    if h:
        out += f"{h}H"
    if m:
        out += f"{m}M"
    if sec or out == "PT":
        out += f"{sec}S"
    return out


class _Out:
    """Lazily opened output files under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, IO[bytes]] = {}

    def f(self, rel: str) -> IO[bytes]:
        fh = self.files.get(rel)
        if fh is None:
            p = self.root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            fh = open(p, "wb")  # noqa: SIM115 (closed in close())
            self.files[rel] = fh
        return fh

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()
        self.files.clear()


# ------------------------------------------------------------------------------------------ YouTube


class YouTubeWriter:
    def __init__(self, world: World, out: _Out, record: Any) -> None:
        self.w = world
        self.out = out
        self.record = record  # callback(post_id, post, creator)
        self.channels: list[dict[str, Any]] = []

    def creator(self, c: Creator, posts: list[Post]) -> int:
        rng = np.random.default_rng([self.w.seed, 6, c.idx])
        pool = self.w.pools["youtube"]
        vids = _ids.yt_video_ids(rng, len(posts))
        items = []
        n_rows = 0
        for p, vid in zip(posts, vids, strict=True):
            p.post_id = vid
            self.record(vid, p, c)
            stats: dict[str, str] = {"viewCount": str(p.views), "favoriteCount": "0"}
            if rng.random() > 0.02:
                stats["likeCount"] = str(p.likes)
            if not p.comments_disabled:
                stats["commentCount"] = str(p.n_comments)
            items.append(
                {
                    "kind": "youtube#video",
                    "etag": _etag(vid),
                    "id": vid,
                    "snippet": {
                        "publishedAt": iso(p.t),
                        "channelId": c.account_id,
                        "title": p.title,
                        "description": p.caption,
                        "thumbnails": {
                            "default": {
                                "url": f"https://i.ytimg.com/vi/{vid}/default.jpg",
                                "width": 120,
                                "height": 90,
                            }
                        },
                        "channelTitle": c.title,
                        "tags": p.hashtags,
                        "categoryId": "22",
                        "liveBroadcastContent": "none",
                        "defaultAudioLanguage": "en",
                    },
                    "contentDetails": {
                        "duration": _duration(p.duration_s),
                        "dimension": "2d",
                        "definition": "hd",
                        "caption": "false",
                        "licensedContent": True,
                        "projection": "rectangular",
                    },
                    "statistics": stats,
                    "paidProductPlacementDetails": {
                        "hasPaidProductPlacement": p.disclosure in ("flag", "both")
                    },
                }
            )
            n_rows += self._comments(rng, c, pool, p, vid)
        for k in range(0, len(items), 50):
            page = items[k : k + 50]
            self.out.f("youtube/videos.jsonl").write(
                orjson.dumps(
                    {
                        "kind": "youtube#videoListResponse",
                        "etag": _etag(str(page[0]["id"]) + "page"),
                        "items": page,
                        "pageInfo": {"totalResults": len(page), "resultsPerPage": len(page)},
                    },
                    option=_DUMP,
                )
            )
        stats_c: dict[str, Any] = {
            "viewCount": str(int(sum(p.views for p in posts) * 3)),
            "videoCount": str(len(posts) + int(rng.integers(0, 200))),
        }
        hidden = rng.random() < 0.03
        if not hidden:
            stats_c["subscriberCount"] = str(_round_subs(c.followers))
        stats_c["hiddenSubscriberCount"] = hidden
        self.channels.append(
            {
                "kind": "youtube#channel",
                "etag": _etag(c.account_id),
                "id": c.account_id,
                "snippet": {
                    "title": c.title,
                    "description": _bio(self.w, c),
                    "customUrl": "@" + c.handle.lower(),
                    "publishedAt": iso(c.created_at),
                    "country": c.country,
                    "thumbnails": {
                        "default": {
                            "url": f"https://yt3.ggpht.com/{c.account_id[2:14]}=s88-c-k-c0x00ffffff-no-rj"
                        }
                    },
                },
                "statistics": stats_c,
            }
        )
        return n_rows

    def _comment(
        self,
        pool: Pool,
        c: Creator,
        vid: str,
        cid: str,
        p: Post,
        i: int,
        parent: str | None,
        anon: bool,
        ts: list[str],
    ) -> dict[str, Any]:
        a = int(p.c_author[i])
        h = pool.handles[a]
        text = p.c_text[i]
        sn: dict[str, Any] = {
            "channelId": c.account_id,
            "videoId": vid,
            "textDisplay": html.escape(text, quote=False).replace("\n", "<br>"),
            "textOriginal": text,
        }
        if parent:
            sn["parentId"] = parent
        sn["authorDisplayName"] = "@" + h
        sn["authorProfileImageUrl"] = (
            f"https://yt3.ggpht.com/ytc/{pool.ids[a][2:20]}=s48-c-k-c0x00ffffff-no-rj"
        )
        if not anon:
            sn["authorChannelUrl"] = "http://www.youtube.com/@" + h.lower()
            sn["authorChannelId"] = {"value": pool.ids[a]}
        sn["canRate"] = True
        sn["viewerRating"] = "none"
        sn["likeCount"] = int(p.c_likes[i])
        sn["publishedAt"] = ts[i]
        sn["updatedAt"] = ts[i]
        return {"kind": "youtube#comment", "etag": _cheap_etag(cid), "id": cid, "snippet": sn}

    def _comments(self, rng: np.random.Generator, c: Creator, pool: Pool, p: Post, vid: str) -> int:
        n = len(p.c_author)
        if n == 0 or p.comments_disabled:
            return 0
        top = np.flatnonzero(p.c_parent < 0)
        top_ids = _ids.yt_comment_ids(rng, len(top))
        id_of = dict(zip(top.tolist(), top_ids, strict=True))
        reps = np.flatnonzero(p.c_parent >= 0)
        suffix = _ids.yt_reply_suffixes(rng, len(reps))
        anon = rng.random(n) < 0.003  # a few authors whose channel is gone: no authorChannelId
        ts = isos(p.c_t)
        children: dict[int, list[int]] = {}
        for r in reps[np.argsort(p.c_t[reps], kind="stable")]:
            children.setdefault(int(p.c_parent[r]), []).append(int(r))
        rid = {int(r): f"{id_of[int(p.c_parent[r])]}.{s}" for r, s in zip(reps, suffix, strict=True)}
        threads = []
        extra_pages = []
        for i in top[np.argsort(-p.c_t[top], kind="stable")]:  # order=time: newest first
            i = int(i)
            tid = id_of[i]
            kids = children.get(i, [])
            th: dict[str, Any] = {
                "kind": "youtube#commentThread",
                "etag": _cheap_etag(tid[4:] + "t"),
                "id": tid,
                "snippet": {
                    "channelId": c.account_id,
                    "videoId": vid,
                    "topLevelComment": self._comment(pool, c, vid, tid, p, i, None, bool(anon[i]), ts),
                    "canReply": True,
                    "totalReplyCount": len(kids),
                    "isPublic": True,
                },
            }
            if kids:
                th["replies"] = {
                    "comments": [
                        self._comment(pool, c, vid, rid[r], p, r, tid, bool(anon[r]), ts) for r in kids[:5]
                    ]
                }
            if len(kids) > 5:
                extra_pages.append(
                    {
                        "kind": "youtube#commentListResponse",
                        "etag": _etag(tid + "r"),
                        "pageInfo": {"totalResults": len(kids), "resultsPerPage": 100},
                        "items": [
                            self._comment(pool, c, vid, rid[r], p, r, tid, bool(anon[r]), ts) for r in kids
                        ],
                    }
                )
            threads.append(th)
        fh = self.out.f("youtube/commentThreads.jsonl")
        for k in range(0, len(threads), 100):
            page: dict[str, Any] = {"kind": "youtube#commentThreadListResponse", "etag": _etag(f"{vid}{k}")}
            if k + 100 < len(threads):
                page["nextPageToken"] = _etag(f"{vid}{k}next")[:24]
            page["pageInfo"] = {"totalResults": len(threads[k : k + 100]), "resultsPerPage": 100}
            page["items"] = threads[k : k + 100]
            fh.write(orjson.dumps(page, option=_DUMP))
        if extra_pages:
            fh2 = self.out.f("youtube/comments.jsonl")
            for pg in extra_pages:
                fh2.write(orjson.dumps(pg, option=_DUMP))
        return n

    def finish(self) -> None:
        if not self.channels:
            return
        pages = [
            {
                "kind": "youtube#channelListResponse",
                "etag": _etag(self.channels[k]["id"] + "cl"),
                "pageInfo": {"totalResults": len(self.channels[k : k + 50]), "resultsPerPage": 50},
                "items": self.channels[k : k + 50],
            }
            for k in range(0, len(self.channels), 50)
        ]
        doc: Any = pages[0] if len(pages) == 1 else pages
        self.out.f("youtube/channels.json").write(orjson.dumps(doc, option=orjson.OPT_INDENT_2))


def _round_subs(n: int) -> int:
    """The API rounds subscriber counts to three significant figures."""
    if n < 1000:
        return n
    e = len(str(n)) - 3
    return int(round(n, -e))


def _bio(world: World, c: Creator) -> str:
    nc = world.niches[c.niche]
    rng = np.random.default_rng([world.seed, 7, c.idx])
    a, b = (nc.words[int(x)] for x in rng.choice(len(nc.words), 2, replace=False))
    s = f"{nc.name.capitalize()} creator. {a.capitalize()}, {b} and honest reviews."
    if c.space is not None:
        s += " Join the community: " + (
            "discord.gg/" + c.handle.lower().replace(".", "")[:10]
            if c.space.platform == "discord"
            else f"r/{c.space.space_id}"
        )
    if c.kind in ("broadcast", "boosted"):
        s += (
            " Business: hello@"
            + c.handle.lower().replace(".", "").replace("_", "")[:14]
            + "-mgmt.example.com"
        )
    return s


# ------------------------------------------------------------------------------------------ Instagram


class InstagramWriter:
    def __init__(self, world: World, out: _Out, record: Any) -> None:
        self.w = world
        self.out = out
        self.record = record

    def _owner_id(self, idx: int) -> str:
        return self._owner_ids(np.array([idx]))[0]

    def _owner_ids(self, idx: np.ndarray) -> list[str]:
        # a bijection of the account index (multiplier coprime with the modulus): unique numeric ids
        x = (idx.astype(np.int64) * 2_654_435_761 + self.w.seed * 7_919) % 59_999_999_999 + 1_000_000_000
        out: list[str] = x.astype(str).tolist()
        return out

    def creator(self, c: Creator, posts: list[Post]) -> int:
        rng = np.random.default_rng([self.w.seed, 6, c.idx])
        pool = self.w.pools["instagram"]
        media_ids = _ids.ig_numeric_ids(rng, len(posts), 19)
        scodes = [s[:11] for s in _ids.yt_video_ids(rng, len(posts))]
        owner = {
            "id": self._owner_id(c.pool_idx),
            "username": c.handle,
            "full_name": c.title,
            "is_verified": c.followers > 800_000 and rng.random() < 0.7,
            "profile_pic_url": f"https://scontent.cdninstagram.com/v/t51.2885-19/{self._owner_id(c.pool_idx)}_n.jpg",
            "edge_followed_by": {"count": c.followers},
            "edge_owner_to_timeline_media": {"count": len(posts) + int(rng.integers(10, 900))},
        }
        fh = self.out.f("instagram/media.jsonl")
        n_rows = 0
        for p, mid, sc in zip(posts, media_ids, scodes, strict=True):
            p.post_id = mid
            self.record(mid, p, c)
            old_shape = rng.random() < 0.06
            edges, n_written = self._comment_edges(rng, pool, p, threaded=not old_shape)
            n_rows += n_written
            typename = (
                "GraphVideo" if p.is_video else ("GraphSidecar" if rng.random() < 0.3 else "GraphImage")
            )
            m: dict[str, Any] = {
                "__typename": typename,
                "id": mid,
                "shortcode": sc,
                "dimensions": {"height": 1350, "width": 1080},
                "display_url": f"https://scontent.cdninstagram.com/v/t51.2885-15/{mid}_n.jpg",
                "is_video": p.is_video,
            }
            if p.is_video:
                m["video_view_count"] = p.views
                m["video_duration"] = float(p.duration_s)
            m["edge_media_to_caption"] = {"edges": [{"node": {"text": p.caption}}]}
            m["taken_at_timestamp"] = int(p.t)
            like_key = "edge_liked_by" if rng.random() < 0.15 else "edge_media_preview_like"
            m[like_key] = {"count": p.likes, "edges": []}
            ckey = "edge_media_to_comment" if old_shape else "edge_media_to_parent_comment"
            m[ckey] = {
                "count": p.n_comments,
                "page_info": {"has_next_page": p.n_comments > n_written, "end_cursor": None},
                "edges": edges,
            }
            m["comments_disabled"] = p.comments_disabled
            m["owner"] = owner
            m["is_paid_partnership"] = p.disclosure in ("flag", "both")
            sponsors = []
            tagged = []
            if p.disclosure in ("flag", "both") and p.sponsor_handle:
                sponsors.append(
                    {
                        "node": {
                            "sponsor": {
                                "id": _num_id(self.w.seed, "brand", hash_str(p.sponsor_handle)),
                                "username": p.sponsor_handle,
                            }
                        }
                    }
                )
            if p.sponsor_handle and rng.random() < 0.5:
                tagged.append({"node": {"user": {"username": p.sponsor_handle}, "x": 0.5, "y": 0.6}})
            if rng.random() < 0.15 and len(p.c_author):
                tagged.append(
                    {"node": {"user": {"username": pool.handles[int(p.c_author[0])]}, "x": 0.3, "y": 0.4}}
                )
            m["edge_media_to_sponsor_user"] = {"edges": sponsors}
            m["edge_media_to_tagged_user"] = {"edges": tagged}
            m["location"] = None
            fh.write(orjson.dumps({"graphql": {"shortcode_media": m}}, option=_DUMP))
        return n_rows

    def _node(
        self,
        pool: Pool,
        p: Post,
        i: int,
        cid: str,
        oid: list[str],
        ct: list[int],
        cl: list[int],
        au: list[int],
    ) -> dict[str, Any]:
        return {
            "id": cid,
            "text": p.c_text[i],
            "created_at": ct[i],
            "did_report_as_spam": False,
            "owner": {
                "id": oid[i],
                "is_verified": False,
                "profile_pic_url": f"https://scontent.cdninstagram.com/v/t51.2885-19/{oid[i]}_s.jpg",
                "username": pool.handles[au[i]],
            },
            "viewer_has_liked": False,
            "edge_liked_by": {"count": cl[i]},
        }

    def _comment_edges(
        self, rng: np.random.Generator, pool: Pool, p: Post, threaded: bool
    ) -> tuple[list[Any], int]:
        n = len(p.c_author)
        if n == 0:
            return [], 0
        ids = _ids.ig_numeric_ids(rng, n, 17)
        oid = self._owner_ids(p.c_author)
        ct = p.c_t.astype(np.int64).tolist()
        cl = p.c_likes.tolist()
        au = p.c_author.tolist()
        top = np.flatnonzero(p.c_parent < 0)
        top = top[np.argsort(p.c_t[top], kind="stable")]
        kids: dict[int, list[int]] = {}
        if threaded:
            reps = np.flatnonzero(p.c_parent >= 0)
            for r in reps[np.argsort(p.c_t[reps], kind="stable")]:
                kids.setdefault(int(p.c_parent[r]), []).append(int(r))
        edges = []
        written = 0
        for i in top.tolist():
            node = self._node(pool, p, i, ids[i], oid, ct, cl, au)
            written += 1
            if threaded:
                ks = kids.get(i, [])
                node["edge_threaded_comments"] = {
                    "count": len(ks),
                    "page_info": {"has_next_page": False, "end_cursor": None},
                    "edges": [{"node": self._node(pool, p, r, ids[r], oid, ct, cl, au)} for r in ks],
                }
                written += len(ks)
            edges.append({"node": node})
        return edges, written


def hash_str(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode(), digest_size=6).digest(), "big")


# ------------------------------------------------------------------------------------------ TikTok


def _tt_error(seed: int, key: str) -> dict[str, str]:
    return {"code": "ok", "message": "", "log_id": "2026070100" + _etag(f"{seed}{key}")[:22].upper()}


class TikTokWriter:
    def __init__(self, world: World, out: _Out, record: Any) -> None:
        self.w = world
        self.out = out
        self.record = record

    def creator(self, c: Creator, posts: list[Post]) -> int:
        rng = np.random.default_rng([self.w.seed, 6, c.idx])
        pool = self.w.pools["tiktok"]
        vids = _ids.tiktok_ids(rng, len(posts))
        videos = []
        n_rows = 0
        for p, vid in zip(posts, vids, strict=True):
            p.post_id = str(vid)
            self.record(str(vid), p, c)
            v: dict[str, Any] = {
                "id": vid,
                "create_time": int(p.t),
                "username": c.handle,
                "region_code": c.country,
                "video_description": p.caption,
                "like_count": p.likes,
                "comment_count": p.n_comments,
                "share_count": int(p.likes * rng.uniform(0.01, 0.08)),
                "view_count": p.views,
                "favorites_count": int(p.likes * rng.uniform(0.02, 0.1)),
                "hashtag_names": p.hashtags,
                "video_duration": p.duration_s,
                "music_id": int(
                    rng.integers(6_900_000_000_000_000_000, 7_300_000_000_000_000_000, dtype=np.int64)
                ),
            }
            if rng.random() < 0.6:
                v["voice_to_text"] = f"hey guys today {p.keywords[0]} " + " ".join(
                    p.title.lower().split()[:6]
                )
            videos.append(v)
            n_rows += self._comments(rng, pool, p, vid)
        fh = self.out.f("tiktok/videos.jsonl")
        for k in range(0, len(videos), 100):
            page = videos[k : k + 100]
            fh.write(
                orjson.dumps(
                    {
                        "data": {
                            "videos": page,
                            "cursor": k + len(page),
                            "has_more": k + 100 < len(videos),
                            "search_id": _etag(f"{c.handle}{k}")[:19],
                        },
                        "error": _tt_error(self.w.seed, f"v{c.idx}{k}"),
                    },
                    option=_DUMP,
                )
            )
        return n_rows

    def _comments(self, rng: np.random.Generator, pool: Pool, p: Post, vid: int) -> int:
        n = len(p.c_author)
        if n == 0:
            return 0
        ids = _ids.tiktok_ids(rng, n)
        n_rep = (
            np.bincount(p.c_parent[p.c_parent >= 0], minlength=n)
            if (p.c_parent >= 0).any()
            else np.zeros(n, int)
        )
        order = np.argsort(p.c_t, kind="stable")
        rows = []
        for i in order:
            i = int(i)
            par = int(p.c_parent[i])
            rows.append(
                {
                    "id": ids[i],
                    "video_id": vid,
                    "text": p.c_text[i],
                    "like_count": int(p.c_likes[i]),
                    "reply_count": int(n_rep[i]) if par < 0 else 0,
                    "parent_comment_id": vid if par < 0 else ids[par],
                    "create_time": int(p.c_t[i]),
                    "username": pool.handles[int(p.c_author[i])],
                }
            )
        fh = self.out.f("tiktok/comments.jsonl")
        for k in range(0, len(rows), 100):
            page = rows[k : k + 100]
            fh.write(
                orjson.dumps(
                    {
                        "data": {"comments": page, "cursor": k + len(page), "has_more": k + 100 < len(rows)},
                        "error": _tt_error(self.w.seed, f"c{vid}{k}"),
                    },
                    option=_DUMP,
                )
            )
        return n


# ------------------------------------------------------------------------------------------ profiles


def profile_rows(world: World, platform: str) -> Iterator[dict[str, Any]]:
    """Profiles of the platform's creators and of a sample of the accounts seen in the exports.

    Real accounts: log-normal followers (median ~300) and following (median ~400), a picture for 93 %.
    Fake (bought / bot) accounts: few followers, following ≫ followers, often no picture and no posts,
    digits in the handle — but a quarter look like ordinary accounts.
    """
    pool = world.pools[platform]
    rng = np.random.default_rng([world.seed, 8, ("youtube", "instagram", "tiktok").index(platform)])
    seen = np.flatnonzero(pool.seen)
    core_members = np.zeros(len(pool.handles), dtype=bool)
    for cr in world.creators:
        if cr.platform == platform and len(cr.core):
            core_members[cr.core] = True
    reg = pool.region[seen]
    p_keep = np.where(
        reg == REGIONS.index("fake"), 0.6, np.where(reg == REGIONS.index("pod_helper"), 1.0, 0.15)
    )
    p_keep = np.where(core_members[seen], 0.5, p_keep)
    p_keep = np.where(reg == REGIONS.index("creator"), 1.0, p_keep)
    keep = seen[rng.random(len(seen)) < p_keep]
    by_pool = {c.pool_idx: c for c in world.creators if c.platform == platform}
    n = len(keep)
    u = rng.random((n, 10))
    z = rng.standard_normal((n, 4))
    for k, idx in enumerate(keep):
        idx = int(idx)
        h = pool.handles[idx]
        region = REGIONS[int(pool.region[idx])]
        c: Creator | None = by_pool.get(idx)
        if c is not None:
            row = {
                "followers": c.followers,
                "following": int(np.exp(6 + z[k, 1])),
                "posts": c.n_posts + int(u[k, 0] * 500),
                "has_profile_pic": True,
                "is_private": False,
                "is_verified": c.followers > 800_000 and u[k, 1] < 0.7,
                "bio": _bio(world, c),
                "full_name": c.title,
                "external_url": (c.campaign_link or f"https://linktr.ee/{h.lower()}")
                if u[k, 2] < 0.8
                else "",
            }
        elif region == "fake":
            looks_real = u[k, 0] < 0.25
            row = {
                "followers": int(np.exp((5.0 if looks_real else 3.0) + 1.1 * z[k, 0])),
                "following": int(min(7500, np.exp((6.4 if looks_real else 7.3) + 0.6 * z[k, 1]))),
                "posts": 0
                if (u[k, 1] < 0.6 and not looks_real)
                else int(np.exp((2.5 if looks_real else 1.0) + z[k, 2])),
                "has_profile_pic": bool(u[k, 2] < (0.9 if looks_real else 0.35)),
                "is_private": bool(u[k, 3] < 0.2),
                "is_verified": False,
                "bio": ("love life ✨" if u[k, 4] < 0.5 else "dm for promo 📩")
                if u[k, 5] < (0.5 if looks_real else 0.15)
                else "",
                "full_name": _full_name(h) if u[k, 6] < (0.8 if looks_real else 0.4) else "",
                "external_url": "https://bit.ly/" + _etag(h)[:7] if u[k, 7] < 0.1 else "",
            }
        elif region == "pod_helper":
            row = {
                "followers": int(np.exp(8.5 + 0.7 * z[k, 0])),
                "following": int(np.exp(7.0 + 0.4 * z[k, 1])),
                "posts": int(np.exp(5.0 + 0.5 * z[k, 2])),
                "has_profile_pic": True,
                "is_private": False,
                "is_verified": False,
                "bio": "creator ✨ collabs in dm",
                "full_name": _full_name(h),
                "external_url": f"https://linktr.ee/{h.lower()}" if u[k, 3] < 0.6 else "",
            }
        else:
            micro = core_members[idx] and u[k, 8] < 0.08  # some community members are micro-influencers
            row = {
                "followers": int(np.exp((8.8 if micro else 5.7) + (0.6 if micro else 1.3) * z[k, 0])),
                "following": int(min(7500, np.exp(6.0 + 0.8 * z[k, 1]))),
                "posts": int(np.exp(4.0 + 1.0 * z[k, 2])),
                "has_profile_pic": bool(u[k, 2] < 0.93),
                "is_private": bool(u[k, 3] < (0.05 if micro else 0.35)),
                "is_verified": False,
                "bio": _person_bio(world, h, u[k, 4]) if u[k, 5] < 0.6 else "",
                "full_name": _full_name(h) if u[k, 6] < 0.85 else "",
                "external_url": f"https://linktr.ee/{h.lower()}"
                if u[k, 7] < (0.6 if micro else 0.06)
                else "",
            }
        yield {"platform": platform, "account_id": pool.ids[idx], "username": h, **row}


def _full_name(h: str) -> str:
    parts = [p for p in h.replace(".", " ").replace("_", " ").split() if p.isalpha()]
    return " ".join(p.capitalize() for p in parts[:2])


def _person_bio(world: World, h: str, u: float) -> str:
    nc = world.niches[hash_str(h) % len(world.niches)]
    opts = (
        f"{nc.name} lover",
        f"{nc.keywords[0]} | coffee | dogs",
        "living my best life",
        "🌿 slow living",
        f"{nc.words[1]} enthusiast 📍 somewhere",
        "mum of two",
        "student • photography",
    )
    return opts[int(u * len(opts)) % len(opts)]


# ------------------------------------------------------------------------------------------ Discord / Reddit


_ANNOUNCE = (
    "new video is up! {t}",
    "going live in 10 minutes 🎥",
    "thanks for 10k everyone!!",
    "poll: what should the next video be about?",
    "merch drop this friday",
    "{t} — out now, link in #announcements",
)
_WELCOME = ("Welcome {u} to the server! 🎉", "{u} just joined. Say hi!", "Welcome aboard, {u}!")


class DiscordRedditWriter:
    def __init__(self, world: World, out: _Out) -> None:
        self.w = world
        self.out = out
        self._sf_cache: dict[tuple[str, int], str] = {}

    def _sf(self, platform: str, idx: int) -> str:
        key = (platform, idx)
        v = self._sf_cache.get(key)
        if v is None:
            v = self._sf_cache[key] = _snowflake_for(self.w.seed, platform, idx)
        return v

    def member_name(self, pool: Pool, idx: int, platform: str) -> str:
        h = pool.handles[idx].lower()
        if platform == "reddit":
            h = h.replace(".", "_")
            if hash_str(h) % 4 == 0:
                h = f"{h}_{hash_str(h) % 100:02d}"
        return h

    def space(self, s: Space, titles: list[str]) -> int:
        c = self.w.creators[s.creator]
        pool = self.w.pools[c.platform]
        rng = np.random.default_rng([self.w.seed, 9, c.idx])
        nc = self.w.niches[c.niche]
        n = s.n_messages
        members = s.members
        m = len(members)
        zipf = 1.0 / np.arange(1, m + 1) ** 0.8
        auth = members[rng.choice(m, size=n, p=zipf / zipf.sum())]
        by_creator = rng.random(n) < (0.08 if s.lively else 0.35)
        auth = np.where(by_creator, c.pool_idx, auth)
        t = np.sort(rng.uniform(T_EXPORT - 150 * DAY, T_EXPORT - 600, n))
        reply_p = 0.4 if s.lively else 0.05
        is_reply = rng.random(n) < reply_p
        is_reply[0] = False
        back = rng.integers(1, 15, n)
        reply_to = np.where(is_reply, np.maximum(np.arange(n) - back, 0), -1)
        reply_to[0] = -1
        if s.lively:
            cats = np.where(
                is_reply,
                tx.FF_REPLY,
                np.asarray(
                    rng.choice(
                        [tx.SUBST, tx.ACTION, tx.QUESTION, tx.GENERIC, tx.EMOJI],
                        size=n,
                        p=[0.36, 0.18, 0.2, 0.2, 0.06],
                    )
                ),
            )
            cats = np.where(is_reply & (rng.random(n) < 0.2), tx.LOW_EFFORT, cats)
        else:
            cats = np.asarray(
                rng.choice([tx.GENERIC, tx.EMOJI, tx.LOW_EFFORT, tx.SUBST], size=n, p=[0.45, 0.2, 0.2, 0.15])
            )
        mention = [pool.handles[int(x)].lower() for x in members[:12]]
        texts = tx.render(rng, cats, nc, [nc.keywords[:4]] * n, mention)
        for i in np.flatnonzero(by_creator & ~is_reply):
            texts[i] = _ANNOUNCE[int(rng.integers(0, len(_ANNOUNCE)))].format(
                t=titles[int(rng.integers(0, len(titles)))] if titles else ""
            )
        for i in np.flatnonzero(is_reply):
            txt = texts[i]
            if txt.startswith("@"):
                sp = txt.find(" ")
                texts[i] = txt[sp + 1 :] if sp > 0 else "yes!"
        if s.platform == "discord":  # with the welcome bot's messages
            return self._discord(rng, s, c, pool, auth, t, reply_to, texts, nc.name)
        self._reddit(rng, s, c, pool, auth, t, reply_to, texts)
        return n

    def _discord(
        self,
        rng: np.random.Generator,
        s: Space,
        c: Creator,
        pool: Pool,
        auth: np.ndarray,
        t: np.ndarray,
        reply_to: np.ndarray,
        texts: list[str],
        niche: str,
    ) -> int:
        n = len(auth)
        chans = ["general", f"{niche}-talk"] + (["wins"] if s.lively else ["announcements"])
        ch_of = rng.choice(len(chans), size=n, p=[0.5, 0.35, 0.15])
        # replies stay in their parent's channel
        for i in range(n):
            if reply_to[i] >= 0:
                ch_of[i] = ch_of[reply_to[i]]
        msg_ids = _ids.discord_snowflakes(rng, t)
        chan_ids = _ids.discord_snowflakes(rng, np.full(len(chans), c.created_at + 210 * DAY))
        cat_id = _ids.discord_snowflakes(rng, np.array([c.created_at + 205 * DAY]))[0]
        bot_id = _snowflake_for(self.w.seed, "bot", 0)
        folder = "discord/" + "".join(ch if ch.isalnum() else "-" for ch in s.name).strip("-").lower()
        written = 0
        for k, name in enumerate(chans):
            idx = np.flatnonzero(ch_of == k)
            msgs = []
            for i in idx.tolist():
                a = int(auth[i])
                user: dict[str, Any] = {
                    "id": self._sf(c.platform, a),
                    "name": self.member_name(pool, a, "discord"),
                    "discriminator": "0000",
                    "nickname": pool.handles[a]
                    if rng.random() < 0.3
                    else self.member_name(pool, a, "discord"),
                    "color": None,
                    "isBot": False,
                    "roles": [],
                    "avatarUrl": "https://cdn.discordapp.com/embed/avatars/0.png",
                }
                ts = dt.datetime.fromtimestamp(float(t[i]), dt.UTC)
                msg: dict[str, Any] = {
                    "id": msg_ids[i],
                    "type": "Reply" if reply_to[i] >= 0 else "Default",
                    "timestamp": ts.isoformat(timespec="milliseconds"),
                    "timestampEdited": None,
                    "callEndedTimestamp": None,
                    "isPinned": False,
                    "content": texts[i],
                    "author": user,
                    "attachments": [],
                    "embeds": [],
                    "stickers": [],
                    "reactions": [],
                    "mentions": [],
                }
                if rng.random() < (0.3 if s.lively else 0.1):
                    msg["reactions"] = [
                        {
                            "emoji": {
                                "id": None,
                                "name": "🔥",
                                "code": "fire",
                                "isAnimated": False,
                                "imageUrl": "https://cdn.jsdelivr.net/gh/twitter/twemoji@latest/assets/svg/1f525.svg",
                            },
                            "count": int(rng.integers(1, 12)),
                        }
                    ]
                if reply_to[i] >= 0:
                    r = int(reply_to[i])
                    msg["reference"] = {
                        "messageId": msg_ids[r],
                        "channelId": chan_ids[k],
                        "guildId": s.space_id,
                    }
                    ra = int(auth[r])
                    msg["mentions"] = [
                        {
                            "id": self._sf(c.platform, ra),
                            "name": self.member_name(pool, ra, "discord"),
                            "discriminator": "0000",
                            "nickname": self.member_name(pool, ra, "discord"),
                            "isBot": False,
                        }
                    ]
                msgs.append(msg)
                if name == "general" and rng.random() < 0.03:  # a welcome bot, as servers have
                    msgs.append(
                        {
                            "id": str(int(msg_ids[i]) + 1),
                            "type": "Default",
                            "timestamp": (ts + dt.timedelta(seconds=1)).isoformat(timespec="milliseconds"),
                            "timestampEdited": None,
                            "callEndedTimestamp": None,
                            "isPinned": False,
                            "content": _WELCOME[int(rng.integers(0, 3))].format(u="@" + str(user["name"])),
                            "author": {
                                "id": bot_id,
                                "name": "Tribebot",
                                "discriminator": "4821",
                                "nickname": "Tribebot",
                                "color": None,
                                "isBot": True,
                                "roles": [],
                                "avatarUrl": "",
                            },
                            "attachments": [],
                            "embeds": [],
                            "stickers": [],
                            "reactions": [],
                            "mentions": [],
                        }
                    )
            doc = {
                "guild": {
                    "id": s.space_id,
                    "name": s.name,
                    "iconUrl": "https://cdn.discordapp.com/embed/avatars/1.png",
                },
                "channel": {
                    "id": chan_ids[k],
                    "type": "GuildTextChat",
                    "categoryId": cat_id,
                    "category": "Text Channels",
                    "name": name,
                    "topic": None if name == "general" else f"All about {niche}",
                },
                "dateRange": {"after": None, "before": None, "searchQuery": None},
                "exportedAt": dt.datetime.fromtimestamp(T_EXPORT, dt.UTC).isoformat(timespec="milliseconds"),
                "messages": msgs,
                "messageCount": len(msgs),
            }
            self.out.f(f"{folder}/{name}.json").write(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
            written += len(msgs)
        return written

    def _reddit(
        self,
        rng: np.random.Generator,
        s: Space,
        c: Creator,
        pool: Pool,
        auth: np.ndarray,
        t: np.ndarray,
        reply_to: np.ndarray,
        texts: list[str],
    ) -> None:
        n = len(auth)
        sub = s.space_id
        sub_id = "t5_" + _ids.b36(hash_str(sub) % 36**6)
        is_sub = rng.random(n) < 0.2
        is_sub[0] = True
        ids = [_ids.b36(int(x)) for x in rng.integers(36**6, 36**7 - 1, n)]
        thread = np.zeros(n, dtype=np.int64)
        cur = 0
        parent = np.full(n, -1)
        for i in range(n):
            if is_sub[i]:
                cur = i
                thread[i] = i
                continue
            thread[i] = cur
            r = int(reply_to[i])
            parent[i] = r if (r >= 0 and thread[r] == cur and not is_sub[r]) else cur
        n_com = np.bincount(thread[~is_sub], minlength=n)
        deleted = rng.random(n) < 0.015
        score = np.floor(np.exp(rng.normal(1.2, 1.1, n))).astype(int)
        f_sub = self.out.f(f"reddit/{sub}_submissions.ndjson")
        f_com = self.out.f(f"reddit/{sub}_comments.ndjson")
        nc = self.w.niches[c.niche]
        for i in range(n):
            a = int(auth[i])
            author = "[deleted]" if deleted[i] else self.member_name(pool, a, "reddit")
            if is_sub[i]:
                kw = nc.keywords[int(rng.integers(0, len(nc.keywords)))]
                title = (
                    f"Anyone else working on {kw}?",
                    f"My progress with {kw}",
                    f"Question about {kw}",
                    f"Weekly {nc.name} thread",
                    f"{kw.capitalize()} tips thread",
                )[int(rng.integers(0, 5))]
                f_sub.write(
                    orjson.dumps(
                        {
                            "id": ids[i],
                            "name": "t3_" + ids[i],
                            "subreddit": sub,
                            "subreddit_id": sub_id,
                            "author": author,
                            "title": title,
                            "selftext": texts[i],
                            "created_utc": int(t[i]),
                            "score": int(score[i]),
                            "num_comments": int(n_com[i]),
                            "is_self": True,
                            "over_18": False,
                            "permalink": f"/r/{sub}/comments/{ids[i]}/{_ids.reddit_slug(title)}/",
                            "url": f"https://www.reddit.com/r/{sub}/comments/{ids[i]}/",
                        },
                        option=_DUMP,
                    )
                )
            else:
                pr = int(parent[i])
                f_com.write(
                    orjson.dumps(
                        {
                            "id": ids[i],
                            "name": "t1_" + ids[i],
                            "parent_id": ("t3_" if is_sub[pr] else "t1_") + ids[pr],
                            "link_id": "t3_" + ids[int(thread[i])],
                            "subreddit": sub,
                            "subreddit_id": sub_id,
                            "author": author,
                            "body": "[deleted]" if deleted[i] else texts[i],
                            "created_utc": int(t[i]),
                            "score": int(score[i]),
                            "permalink": f"/r/{sub}/comments/{ids[int(thread[i])]}/_/{ids[i]}/",
                        },
                        option=_DUMP,
                    )
                )


def csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("true" if v is True else "false" if v is False else v) for k, v in r.items()})
    return buf.getvalue()
