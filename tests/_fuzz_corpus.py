"""Generators of realistic import files for every importer, with known-bad records mixed in.

Shared by ``tests/test_fuzz_importers.py`` (hypothesis) and the atheris harnesses in ``fuzz/``.
Each builder writes ``n`` records in the real export shape of its format (see ``tests/fixtures``)
and returns what an import with ``skip_bad=True`` must produce: the number of records the importer
counts, how many of them are bad, and per key of the main table its creation time (UTC epoch
seconds) and parent pointer. Ids repeat on purpose (duplicate ids with conflicting content),
replies come before their parents or point at parents that are not in the file, timestamps are
written in other zones and formats, and some fields are huge or deeply nested.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BUILDERS", "DEEP", "FORMATS", "SUFFIX", "TS_BASE", "Built", "fmt_ts"]

TS_BASE = dt.datetime(2024, 3, 1, 17, 0, 0, tzinfo=dt.UTC)
_ZONES = (0, 60, -300, 330, 545, -720, 840, -210)  # minutes east of UTC
DEEP = "[" * 10_000 + "]" * 10_000  # 10k levels of nesting
HUGE = 1 << 20  # a 1 MB text field


def fmt_ts(rng: random.Random, t: dt.datetime, *, text_only: bool = False) -> Any:
    """``t`` (UTC) written the way some export writes it: another zone, epoch s/ms, RFC-2822-ish, 7 digits."""
    local = t.astimezone(dt.timezone(dt.timedelta(minutes=rng.choice(_ZONES))))
    k = rng.randrange(8)
    if k == 0:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if k == 1:
        return local.isoformat()
    if k == 2:
        return local.strftime("%Y-%m-%d %H:%M:%S%z")
    if k == 3:
        return str(int(t.timestamp())) if text_only else int(t.timestamp())
    if k == 4:
        return str(int(t.timestamp()))
    if k == 5:
        return str(int(t.timestamp()) * 1000) if text_only else int(t.timestamp()) * 1000
    if k == 6:
        return local.strftime("%a %b %d %H:%M:%S %z %Y")
    return (
        local.strftime("%Y-%m-%dT%H:%M:%S.%f")
        + "3"
        + local.strftime("%z")[:3]
        + ":"
        + local.strftime("%z")[3:]
    )


_WORDS = (
    "love",
    "this",
    "ça",
    "日本語",
    "🙂",
    "<b>bold</b>",
    "&amp;",
    "#tag",
    "@someone",
    "\t",
    "\\",
    '"q"',
    "\u200b",
)


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(1, 8)))


@dataclass
class Built:
    """A generated file and what importing it with ``skip_bad=True`` must give."""

    data: bytes
    records: int  # records as the importer counts them
    bad: int  # of which this many must be rejected
    table: str  # the main table
    key: str  # its id column
    parent: str | None  # its parent-pointer column
    #: key → (created_at epoch seconds, parent id) for keys written exactly once by a good record
    expect: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    #: every key a good record wrote (the main table grows by exactly this many rows)
    keys: set[str] = field(default_factory=set)


class _Plan:
    """Which records are bad, which ids repeat, where replies point; shared by every builder."""

    def __init__(self, rng: random.Random, n: int, tag: str, bad_rate: float, huge: bool) -> None:
        self.rng, self.n, self.tag = rng, n, tag
        self.bad_idx = {i for i in range(1, n) if rng.random() < bad_rate}  # record 0 stays good (sniffing)
        self.huge_idx = rng.randrange(1, n) if huge and n > 1 else -1
        self.ids = [f"{tag}k{rng.randrange(max(1, int(n * 0.9)))}" for _ in range(n)]  # ~5 % repeat
        self.counts: dict[str, int] = {}
        for i, k in enumerate(self.ids):
            if i not in self.bad_idx:
                self.counts[k] = self.counts.get(k, 0) + 1
        self.expect: dict[str, tuple[int, str | None]] = {}

    def parent(self, i: int) -> str | None:
        """None (top level), a later record's id (reply before its parent) or an id not in the file."""
        r = self.rng.random()
        if r < 0.5:
            return None
        if r < 0.8 and i + 1 < self.n:
            return self.ids[self.rng.randrange(i + 1, self.n)]
        return f"{self.tag}missing{i}"

    def when(self, i: int) -> dt.datetime:
        return TS_BASE + dt.timedelta(seconds=i * 37 + self.rng.randrange(30))

    def note(self, i: int, t: dt.datetime, parent: str | None) -> None:
        k = self.ids[i]
        if i not in self.bad_idx and self.counts.get(k) == 1:
            self.expect[k] = (int(t.timestamp()), parent)

    def text(self, i: int) -> str:
        return "x" * HUGE if i == self.huge_idx else _text(self.rng)

    def built(self, data: bytes, records: int, bad: int, table: str, key: str, parent: str | None) -> Built:
        return Built(data, records, bad, table, key, parent, self.expect, set(self.counts))


def _lines(values: list[Any]) -> bytes:
    return b"".join(
        (v if isinstance(v, bytes) else json.dumps(v, ensure_ascii=False).encode()) + b"\n" for v in values
    )


#: Lines that are bad as a whole in any JSON Lines file: malformed JSON, invalid UTF-8, 10k levels deep.
def _bad_line(rng: random.Random) -> bytes:
    return rng.choice(
        [
            b'{"id": "unterminated", "text": "oops',
            b'{"text": "\xff\xfe not utf-8 \xc3\x28"}',
            DEEP.encode(),
            b'{"a": 1} trailing garbage',
            b"NaN-ish {",
        ]
    )


# ---------------------------------------------------------------------------- youtube


def build_youtube(rng: random.Random, n: int, tag: str, bad_rate: float = 0.03, huge: bool = False) -> Built:
    p = _Plan(rng, n, tag, bad_rate, huge)
    items: list[Any] = []
    for i in range(n):
        t = p.when(i)
        cid, vid = p.ids[i], f"{tag}v{i % 40}"
        par = p.parent(i)
        sn = {
            "videoId": vid,
            "channelId": f"UC{tag}owner",
            "textOriginal": p.text(i),
            "authorDisplayName": f"@User{i % 97}",
            "authorChannelId": {"value": f"UC{tag}a{i % 97}"},
            "publishedAt": fmt_ts(rng, t),
            "likeCount": rng.randrange(1000),
        }
        if par is None:
            item: Any = {
                "kind": "youtube#commentThread",
                "id": cid,
                "snippet": {
                    "videoId": vid,
                    "channelId": f"UC{tag}owner",
                    "totalReplyCount": 0,
                    "topLevelComment": {"kind": "youtube#comment", "id": cid, "snippet": sn},
                },
            }
        else:
            item = {"kind": "youtube#comment", "id": cid, "snippet": {**sn, "parentId": par}}
        if i in p.bad_idx:
            item = rng.choice(
                [
                    {"kind": "youtube#commentThread", "id": cid, "snippet": "not an object"},
                    {
                        "kind": "youtube#comment",
                        "id": cid,
                        "snippet": {**sn, "publishedAt": "the day before yesterday"},
                    },
                    {"kind": "youtube#comment", "id": cid, "snippet": {**sn, "likeCount": "lots"}},
                    {"kind": "youtube#comment", "id": {"nested": cid}, "snippet": sn},
                    [cid, vid],
                    {
                        "kind": "youtube#comment",
                        "id": cid,
                        "snippet": {**sn, "textOriginal": json.loads("[" * 500 + "]" * 500)},
                    },
                ]
            )
        else:
            p.note(i, t, par)
        items.append(item)
    lines: list[Any] = []
    bad_lines = 0
    for s in range(0, n, 50):
        lines.append({"kind": "youtube#commentThreadListResponse", "items": items[s : s + 50]})
        if s and rng.random() < bad_rate * 10:
            lines.append(_bad_line(rng))
            bad_lines += 1
    return p.built(
        _lines(lines),
        n + bad_lines,
        len(p.bad_idx) + bad_lines,
        "comments",
        "comment_id",
        "parent_comment_id",
    )


# ---------------------------------------------------------------------------- tiktok


def build_tiktok(rng: random.Random, n: int, tag: str, bad_rate: float = 0.03, huge: bool = False) -> Built:
    # TikTok ids are int64 in JSON: map the plan's text ids to numbers.
    p = _Plan(rng, n, tag, bad_rate, huge)
    base = 7_310_000_000_000_000_000 + (zlib.crc32(tag.encode()) % 10**9) * 1000
    num: dict[str, int] = {}

    def nid(k: str) -> int:
        return num.setdefault(k, base + len(num))

    vid = base - 1
    items: list[Any] = []
    for i in range(n):
        t = p.when(i)
        par = p.parent(i)
        c = {
            "id": nid(p.ids[i]),
            "video_id": vid,
            "text": p.text(i),
            "like_count": rng.randrange(100),
            "reply_count": 0,
            "parent_comment_id": nid(par) if par else vid,
            "create_time": fmt_ts(rng, t),
            "username": f"Fan.{i % 71}",
        }
        if i in p.bad_idx:
            c = rng.choice(
                [
                    {**c, "id": {"x": 1}},
                    {**c, "like_count": "many"},
                    {**c, "create_time": "yesterday"},
                    "a string, not a comment",
                    {**c, "video_id": None},
                ]
            )
        else:
            p.note(i, t, par)
        items.append(c)
    # keys in the table are the numeric ids as text
    p.expect = {
        str(nid(k)): (ts, None if par is None else str(nid(par))) for k, (ts, par) in p.expect.items()
    }
    keys = {str(nid(k)) for k in p.counts}
    lines: list[Any] = []
    bad_lines = 0
    for s in range(0, n, 100):
        lines.append(
            {
                "data": {"comments": items[s : s + 100], "cursor": s + 100, "has_more": True},
                "error": {"code": "ok", "message": "", "log_id": f"log{s}"},
            }
        )
        if s and rng.random() < bad_rate * 10:
            lines.append(_bad_line(rng))
            bad_lines += 1
    b = p.built(
        _lines(lines),
        n + bad_lines,
        len(p.bad_idx) + bad_lines,
        "comments",
        "comment_id",
        "parent_comment_id",
    )
    b.keys = keys
    return b


# ---------------------------------------------------------------------------- instagram web GraphQL


def build_instagram_graphql(
    rng: random.Random, n: int, tag: str, bad_rate: float = 0.03, huge: bool = False
) -> Built:
    """One post per line (posts are the records); each carries a few comments with threaded replies."""
    p = _Plan(rng, n, tag, bad_rate, huge)
    lines: list[Any] = []
    for i in range(n):
        t = p.when(i)
        pid = p.ids[i]
        comments = [
            {
                "node": {
                    "id": f"{pid}c{j}.{i}",
                    "text": _text(rng),
                    "created_at": int(t.timestamp()) + j,
                    "owner": {"username": f"Fan_{j}", "is_verified": False},
                    "edge_liked_by": {"count": j},
                    "edge_threaded_comments": {
                        "count": 1,
                        "edges": [
                            {
                                "node": {
                                    "id": f"{pid}r{j}.{i}",
                                    "text": "reply",
                                    "created_at": int(t.timestamp()) + 9,
                                    "owner": {"username": "replier"},
                                }
                            }
                        ],
                    },
                }
            }
            for j in range(rng.randrange(3))
        ]
        post = {
            "__typename": rng.choice(["GraphImage", "GraphVideo", "GraphSidecar"]),
            "id": pid,
            "shortcode": f"SC{i}",
            "taken_at_timestamp": fmt_ts(rng, t),
            "owner": {
                "username": f"Creator.{i % 13}",
                "id": str(i % 13),
                "full_name": "C",
                "edge_followed_by": {"count": 1000 + i},
            },
            "edge_media_to_caption": {"edges": [{"node": {"text": p.text(i)}}]},
            "edge_liked_by": {"count": rng.randrange(10_000)},
            "edge_media_to_parent_comment": {"count": len(comments), "edges": comments},
        }
        if i in p.bad_idx:
            post = rng.choice(
                [
                    {**post, "owner": None},
                    {**post, "taken_at_timestamp": "soon"},
                    {**post, "edge_liked_by": {"count": "a lot"}},
                    {**post, "id": {"nested": pid}},
                    {**post, "edge_media_to_parent_comment": {"edges": [{"node": {"text": "no id"}}]}},
                ]
            )
            lines.append({"graphql": {"shortcode_media": post}} if rng.random() < 0.5 else post)
        else:
            p.note(i, t, None)
            lines.append({"graphql": {"shortcode_media": post}} if i and rng.random() < 0.5 else post)
    bad_lines = 0
    out: list[Any] = []
    for i, line in enumerate(lines):
        out.append(line)
        if i and rng.random() < bad_rate:
            out.append(_bad_line(rng))
            bad_lines += 1
    return p.built(_lines(out), n + bad_lines, len(p.bad_idx) + bad_lines, "posts", "post_id", None)


# ---------------------------------------------------------------------------- instagram Graph API


def build_instagram_graph_api(
    rng: random.Random, n: int, tag: str, bad_rate: float = 0.03, huge: bool = False
) -> Built:
    """IG Comment pages (``/{media-id}/comments`` with ``media`` and ``parent_id``) plus one IG Media page."""
    p = _Plan(rng, n, tag, bad_rate, huge)
    items: list[Any] = []
    for i in range(n):
        t = p.when(i)
        par = p.parent(i)
        c: dict[str, Any] = {
            "id": p.ids[i],
            "text": p.text(i),
            "timestamp": fmt_ts(rng, t),
            "username": f"fan_{i % 50}",
            "like_count": rng.randrange(50),
            "media": {"id": f"{tag}m{i % 7}"},
        }
        if par:
            c["parent_id"] = par
        if i in p.bad_idx:
            c = rng.choice(
                [
                    {**c, "media": {}},
                    {**c, "timestamp": "whenever"},
                    {**c, "like_count": "x"},
                    {**c, "id": None},
                    {**c, "username": ["a", "list"]},
                ]
            )
        else:
            p.note(i, t, par)
        items.append(c)
    media_page = {
        "data": [
            {
                "id": f"{tag}m{j}",
                "username": "Creator",
                "media_type": "IMAGE",
                "caption": "#hi",
                "like_count": 5,
                "comments_count": 1,
                "timestamp": "2024-03-01T10:00:00+0000",
                "permalink": f"https://www.instagram.com/p/{tag}{j}/",
            }
            for j in range(7)
        ],
        "paging": {"cursors": {"after": "x"}},
    }
    lines: list[Any] = [media_page]
    bad_lines = 0
    for s in range(0, n, 50):
        lines.append({"data": items[s : s + 50], "paging": {"next": "https://graph.facebook.com/x"}})
        if rng.random() < bad_rate * 10:
            lines.append(_bad_line(rng))
            bad_lines += 1
    return p.built(
        _lines(lines),
        n + 7 + bad_lines,
        len(p.bad_idx) + bad_lines,
        "comments",
        "comment_id",
        "parent_comment_id",
    )


# ---------------------------------------------------------------------------- instagram Kim et al.


def build_instagram_kim(
    rng: random.Random, n: int, tag: str, bad_rate: float = 0.03, huge: bool = False
) -> Built:
    p = _Plan(rng, n, tag, bad_rate, huge)
    lines: list[Any] = []
    bad_lines = 0
    for i in range(n):
        t = p.when(i)
        par = p.parent(i)
        c = {
            "comment_id": p.ids[i],
            "post_id": f"{tag}p{i % 9}",
            "owner_username": f"Fan{i % 60}",
            "owner_is_verified": i % 5 == 0,
            "text": p.text(i),
            "created_at": fmt_ts(rng, t),
            "like_count": rng.randrange(30),
            "parent_comment_id": par,
        }
        if i in p.bad_idx:
            c = rng.choice(
                [
                    {**c, "comment_id": {"x": 1}},
                    {**c, "created_at": "tomorrow"},
                    {**c, "like_count": "x"},
                    {**c, "owner_username": 12},
                    {**c, "post_id": None},
                ]
            )
        else:
            p.note(i, t, par)
        lines.append(c)
        if i and rng.random() < bad_rate:
            lines.append(_bad_line(rng))
            bad_lines += 1
    return p.built(
        _lines(lines),
        n + bad_lines,
        len(p.bad_idx) + bad_lines,
        "comments",
        "comment_id",
        "parent_comment_id",
    )


# ---------------------------------------------------------------------------- reddit


def build_reddit(rng: random.Random, n: int, tag: str, bad_rate: float = 0.03, huge: bool = False) -> Built:
    p = _Plan(rng, n, tag, bad_rate, huge)
    lines: list[Any] = []
    bad_lines = 0
    for i in range(n):
        t = p.when(i)
        par = p.parent(i)
        c = {
            "id": p.ids[i],
            "subreddit": "CozyKnits",
            "author": f"Knitter{i % 80}",
            "body": p.text(i),
            "link_id": f"t3_{tag}s{i % 5}",
            "parent_id": f"t1_{par}" if par else f"t3_{tag}s{i % 5}",
            "created_utc": fmt_ts(rng, t),
            "score": rng.randrange(-5, 100),
        }
        if i in p.bad_idx:
            c = rng.choice(
                [
                    {**c, "subreddit": None},
                    {**c, "created_utc": "a while ago"},
                    {**c, "score": "x"},
                    {**c, "id": {"x": 1}},
                    {**c, "author": 42},
                    {**c, "link_id": None},
                ]
            )
        else:
            p.note(i, t, par or f"{tag}s{i % 5}")
        lines.append(c)
        if i and rng.random() < bad_rate:
            lines.append(_bad_line(rng))
            bad_lines += 1
    return p.built(
        _lines(lines),
        n + bad_lines,
        len(p.bad_idx) + bad_lines,
        "community_messages",
        "message_id",
        "reply_to",
    )


# ---------------------------------------------------------------------------- discord


def build_discord(rng: random.Random, n: int, tag: str, bad_rate: float = 0.03, huge: bool = False) -> Built:
    """One DiscordChatExporter document (records = messages); a bad message is rejected alone."""
    p = _Plan(rng, n, tag, bad_rate, huge)
    msgs: list[bytes] = []
    for i in range(n):
        t = p.when(i)
        par = p.parent(i)
        m: Any = {
            "id": p.ids[i],
            "type": "Reply" if par else "Default",
            "timestamp": fmt_ts(rng, t),
            "content": p.text(i),
            "author": {"id": f"{tag}u{i % 40}", "name": f"knit{i % 40}", "nickname": "K", "isBot": False},
            "reactions": [{"emoji": {"name": "🧶"}, "count": rng.randrange(5)}],
        }
        if par:
            m["reference"] = {"messageId": par, "channelId": "c1", "guildId": "g1"}
        raw = None
        if i in p.bad_idx:
            k = rng.randrange(6)
            if k == 5:
                raw = (f'{{"id": "{p.ids[i]}", "content": {DEEP}}}').encode()
            else:
                m = [
                    {**m, "id": None},
                    {**m, "timestamp": "later"},
                    {**m, "reactions": "many"},
                    {**m, "author": "someone"},
                    ["not", "a", "message"],
                ][k]
        else:
            p.note(i, t, par)
        msgs.append(raw or json.dumps(m, ensure_ascii=False).encode())
    head = {
        "guild": {"id": f"{tag}g", "name": "Knitting Circle"},
        "channel": {"id": f"{tag}ch", "type": "GuildTextChat", "name": "general"},
        "exportedAt": "2024-04-01T00:00:00+02:00",
    }
    data = (
        (json.dumps(head)[:-1] + ',\n"messages": [\n').encode()
        + b",\n".join(msgs)
        + (b'\n],\n"messageCount": %d\n}\n' % n)
    )
    return p.built(data, n, len(p.bad_idx), "community_messages", "message_id", "reply_to")


# ---------------------------------------------------------------------------- generic CSV


def build_csv(rng: random.Random, n: int, tag: str, bad_rate: float = 0.03, huge: bool = False) -> Built:
    import csv
    import io

    p = _Plan(rng, n, tag, bad_rate, huge)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(
        [
            "platform",
            "comment_id",
            "post_id",
            "author_id",
            "author_name",
            "parent_comment_id",
            "created_at",
            "text",
            "likes",
            "extra column",
        ]
    )
    raw_rows: dict[int, bytes] = {}
    for i in range(n):
        t = p.when(i)
        par = p.parent(i)
        text = p.text(i) if rng.random() < 0.9 else rng.choice(['multi\nline, "quoted"', DEEP, "=1+1", ""])
        row = [
            "youtube",
            p.ids[i],
            f"{tag}p{i % 11}",
            f"a{i % 30}",
            f"Author {i % 30}",
            par or "",
            fmt_ts(rng, t, text_only=True),
            text,
            str(rng.randrange(100)),
        ]
        if i in p.bad_idx:
            k = rng.randrange(6)
            if k == 5:  # invalid UTF-8 inside an otherwise fine row
                raw_rows[i] = f"youtube,{p.ids[i]},p1,a1,A,,2024-01-01,".encode() + b"caf\xe9 \xff,1,x\r\n"
            else:
                row = [
                    [*row[:8], "many"],
                    [*row[:6], "garbage", *row[7:]],
                    ["myspace", *row[1:]],
                    [*row[:1], "", *row[2:]],
                    row[:4],
                ][k]
        else:
            p.note(i, t, par)
        if i in raw_rows:
            out.write(f"\x00RAW{i}\x00")
        else:
            w.writerow([*row, "ignored"] if len(row) == 9 else row)
    data = out.getvalue().encode()
    for i, raw in raw_rows.items():
        data = data.replace(b"\x00RAW%d\x00" % i, raw)
    return p.built(data, n, len(p.bad_idx), "comments", "comment_id", "parent_comment_id")


BUILDERS: dict[str, Callable[..., Built]] = {
    "youtube": build_youtube,
    "tiktok": build_tiktok,
    "instagram-graphql": build_instagram_graphql,
    "instagram-graph-api": build_instagram_graph_api,
    "instagram-kim": build_instagram_kim,
    "reddit": build_reddit,
    "discord": build_discord,
    "csv": build_csv,
}
FORMATS = tuple(BUILDERS)
SUFFIX = {"csv": ".csv", "discord": ".json"}
