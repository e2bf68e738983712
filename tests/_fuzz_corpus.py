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

__all__ = ["BUILDERS", "DEEP", "FORMATS", "PATREON_PRIVATE", "SUFFIX", "TS_BASE", "Built", "fmt_ts"]

TS_BASE = dt.datetime(2024, 3, 1, 17, 0, 0, tzinfo=dt.UTC)
_ZONES = (0, 60, -300, 330, 545, -720, 840, -210)  # minutes east of UTC
DEEP = "[" * 10_000 + "]" * 10_000  # 10k levels of nesting
HUGE = 1 << 20  # a 1 MB text field


def fmt_ts(rng: random.Random, t: dt.datetime, *, text_only: bool = False, iso: bool = False) -> Any:
    """``t`` (UTC) written the way some export writes it: another zone, epoch s/ms, RFC-2822-ish, 7 digits.

    ``iso``: only the ISO-8601 forms an API such as Patreon's writes (``Z``, an offset, or milliseconds and an
    offset as in ``2024-04-02T16:30:00.000+02:00``), never epoch numbers or RFC-2822."""
    local = t.astimezone(dt.timezone(dt.timedelta(minutes=rng.choice(_ZONES))))
    k = rng.choice((0, 1, 8)) if iso else rng.randrange(8)
    if k == 8:
        return local.isoformat(timespec="milliseconds")
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
    expect: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)
    #: every key a good record wrote (the main table grows by exactly this many rows)
    keys: set[str] = field(default_factory=set)
    #: the file name's suffix when not the format's usual one (:data:`SUFFIX`), e.g. a CSV variant of a format
    suffix: str | None = None
    #: text the file holds that must land nowhere in the workspace, rejects included (e-mail and postal addresses)
    never: tuple[str, ...] = ()


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
        self.expect: dict[str, tuple[int | None, str | None]] = {}

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


# ---------------------------------------------------------------------------- patreon

#: personal data a Patreon export holds (member and user e-mails, postal addresses, phone numbers, Discord handles,
#: the creator's private notes): none of it may land anywhere in the workspace, rejects included
PATREON_PRIVATE = ("@inbox.example", "Privet Lane", "555-0143", "yarnfan#", "met at the fair")
_PATREON_CSV_HEADER = [
    *("Name", "Email", "Discord", "Patron Status", "Follows You", "Free Member", "Free Trial"),
    *("Lifetime Amount", "Pledge Amount", "Charge Frequency", "Tier", "Addressee", "Street", "City", "State"),
    *("Zip", "Country", "Phone", "Patronage Since Date", "Last Charge Date", "Last Charge Status"),
    *("Additional Details", "User ID", "Last Updated", "Currency", "Max Posts", "Access Expiration"),
    *("Next Charge Date", "Full country name", "Subscription Source"),
]
#: a response a harvest script wrote when the API throttled it (one record, refused)
_PATREON_THROTTLED = {
    "errors": [
        {
            "code": None,
            "code_name": "RequestThrottled",
            "detail": "You have made too many attempts. Please try again later.",
            "id": "5a3e1f7c",
            "retry_after_seconds": 30,
            "status": "429",
            "title": "You have made too many attempts. Please try again later.",
        }
    ]
}
_PATREON_NAMES = ("Ann Öz", "Bo 日本語", 'Cé "Q"', "Dee\u200b", "Eli \\", "Fay 🙂", "Gus\t&amp;")


class _PatreonIds:
    """Patreon's numeric ids (as text), unique to the tag: the plan's ids, users, the campaign."""

    def __init__(self, tag: str) -> None:
        self.prefix = str(10**10 + zlib.crc32(tag.encode()))
        self.num: dict[str, str] = {}

    def __call__(self, k: str) -> str:
        v = self.num.get(k)
        if v is None:
            v = self.num[k] = f"{self.prefix}{len(self.num):05d}"
        return v

    def user(self, j: int) -> str:
        return f"{self.prefix}6{j:04d}"

    @property
    def campaign(self) -> str:
        return f"{self.prefix}99999"


def _rel1(t: str, i: str | None) -> dict[str, Any]:
    """A to-one JSON:API relationship."""
    return {"data": None if i is None else {"id": i, "type": t}}


def build_patreon(rng: random.Random, n: int, tag: str, bad_rate: float = 0.03, huge: bool = False) -> Built:
    """Patreon: one time in four the members CSV of the creator dashboard (records = rows, main table
    ``accounts``), else API responses one per line (see :mod:`tribescope.ingest.patreon`): the campaign, posts
    pages with their ``included`` campaign and creator, post comments pages with commenter/parent/post
    relationships and replies in ``included``, members pages with their users and addresses. Records: the
    resources of ``data`` and the replies of ``included`` (a comment ``included`` again as a parent is none); keys
    ``POST_ID`` and ``comment:COMMENT_ID``. Ids are numeric text; plan ids repeat across posts, comments and CSV
    rows, and a post and a comment may share a number."""
    p = _Plan(rng, n, tag, bad_rate, huge)
    ids = _PatreonIds(tag)
    b = _patreon_csv(p, ids) if rng.random() < 0.25 else _patreon_api(p, ids, bad_rate)
    b.never = PATREON_PRIVATE
    return b


def _patreon_api(p: _Plan, ids: _PatreonIds, bad_rate: float) -> Built:
    rng, n, cid = p.rng, p.n, ids.campaign
    # the users: 0 is the creator, 1–59 comment (and some are patrons); the same names in every page
    names = {
        j: (f"{rng.choice(_PATREON_NAMES)} {j}", None if rng.random() < 0.3 else f"knit_{j}")
        for j in range(60)
    }
    joined = {j: TS_BASE - dt.timedelta(days=30 + j * 11, seconds=j * 7) for j in range(60)}

    def user(j: int, uid: str | None = None, created: Any = None) -> dict[str, Any]:
        full, vanity = names[j % 60]
        uid = uid or ids.user(j)
        a: dict[str, Any] = {
            "created": fmt_ts(rng, joined[j % 60], iso=True) if created is None else created,
            "full_name": full,
            "vanity": vanity,
            "url": f"https://www.patreon.com/user?u={uid}",
            "image_url": "https://c8.patreon.com/2/200/x",
        }
        if rng.random() < 0.5:  # requested with the identity[email] scope
            a |= {
                "email": f"fan.{uid}@inbox.example",
                "first_name": full.split()[0],
                "last_name": "",
                "is_email_verified": True,
                "social_connections": {"discord": {"url": None, "user_id": f"yarnfan#{j:04d}"}},
            }
        return {"type": "user", "id": uid, "attributes": a}

    campaign_v2 = {"type": "campaign", "id": cid, "attributes": {"vanity": "knitcircle"}}
    campaign_web = {
        "type": "campaign",
        "id": cid,
        "attributes": {"name": "Knit Circle ça 🙂", "vanity": "knitcircle", "patron_count": 120},
    }
    threads: list[tuple[str, str | None]] = []  # the posts so far (id, title): comments sit under them
    #: per record: (its key in community_messages, None for a member; good; created_at; parent key)
    out: list[tuple[str | None, bool, dt.datetime, str | None]] = []
    pages: list[Any] = []
    bad_lines = 0
    start = 0
    while start < n:
        recs = range(start, min(n, start + rng.randrange(5, 90)))
        start = recs.stop
        kind = rng.choices(("post", "comment", "member"), (3, 6, 1))[0] if threads else "post"
        cursor = f"{rng.getrandbits(40):010x}"
        if kind == "post":
            page = _patreon_posts(p, ids, recs, out, threads, cursor, user(0), campaign_v2)
        elif kind == "comment":
            page = _patreon_comments(p, ids, recs, out, threads, cursor, user, campaign_web)
        else:
            page = {
                "data": [],
                "included": [campaign_v2],
                "links": {
                    "next": f"https://www.patreon.com/api/oauth2/v2/campaigns/{cid}/members"
                    f"?include=user,address&page%5Bcursor%5D={cursor}"
                },
                "meta": {"pagination": {"cursors": {"next": cursor}, "total": n}},
            }
            for i in recs:
                _patreon_member(p, ids, i, names, user, page)
                out.append((None, i not in p.bad_idx, p.when(i), None))
            rng.shuffle(page["included"])
        pages.append(page)
        if rng.random() < bad_rate * 5:  # a page that cannot be read, or holds no data
            bad = {
                "data": 7,
                "links": {"self": f"https://www.patreon.com/api/oauth2/v2/campaigns/{cid}/posts"},
            }
            pages.append(rng.choice([_bad_line(rng), _PATREON_THROTTLED, bad]))
            bad_lines += 1
        if rng.random() < 0.03:  # the last page of a listing: no records
            pages.append({"data": [], "meta": {"pagination": {"cursors": {"next": None}, "total": 0}}})
    # the campaign itself (GET /api/oauth2/v2/campaigns/ID?include=creator), one more record; never first
    pages.insert(
        rng.randrange(1, len(pages) + 1),
        {
            "data": {
                "type": "campaign",
                "id": cid,
                "attributes": {
                    "created_at": fmt_ts(rng, TS_BASE - dt.timedelta(days=900), iso=True),
                    "creation_name": _text(rng),
                    "is_monthly": True,
                    "patron_count": 120,
                    "summary": f"<p>{_text(rng)}</p>",
                    "url": "https://www.patreon.com/knitcircle",
                    "vanity": "knitcircle",
                },
                "relationships": {"creator": _rel1("user", ids.user(0))},
            },
            "included": [user(0)],
            "links": {"self": f"https://www.patreon.com/api/oauth2/v2/campaigns/{cid}"},
        },
    )
    counts: dict[str, int] = {}
    for key, good, _, _ in out:
        if key is not None and good:
            counts[key] = counts.get(key, 0) + 1
    p.expect = {
        key: (int(t.timestamp()), par) for key, good, t, par in out if good and key and counts[key] == 1
    }
    if not any(type(pg) is bytes for pg in pages) and rng.random() < 0.3:  # one JSON array of the pages
        indent = rng.choice((None, 2))  # as json.dump(pages, f) or json.dump(pages, f, indent=2) saves it
        data = json.dumps(pages, ensure_ascii=False, indent=indent).encode()
    else:
        data = _lines(pages)
    b = p.built(
        data,
        n + 1 + bad_lines,
        len(p.bad_idx) + bad_lines,
        "community_messages",
        "message_id",
        "reply_to",
    )
    b.keys = set(counts)
    return b


def _patreon_posts(
    p: _Plan,
    ids: _PatreonIds,
    recs: range,
    out: list[Any],
    threads: list[tuple[str, str | None]],
    cursor: str,
    creator: dict[str, Any],
    campaign: dict[str, Any],
) -> dict[str, Any]:
    """A page of GET /api/oauth2/v2/campaigns/ID/posts?include=campaign,user."""
    rng, cid = p.rng, ids.campaign
    more = rng.random() < 0.8  # links.next names the campaign; the last page has no links
    data: list[Any] = []
    for i in recs:
        t = p.when(i)
        pid = ids(p.ids[i])
        title = _text(rng) if rng.random() < 0.95 else rng.choice(("", "  ", None))  # untitled: no channel
        threads.append((pid, title))
        a: dict[str, Any] = {
            "content": f"<p>{p.text(i)}</p><p>{_text(rng)}<br>&amp; more</p>",
            "embed_url": None,
            "is_paid": rng.random() < 0.2,
            "is_public": rng.random() < 0.5,
            "published_at": fmt_ts(rng, t, iso=True),
            "title": title,
            "url": f"/posts/{pid}",
        }
        if rng.random() < 0.3:  # the web API's field
            a["like_count"] = rng.randrange(200)
        rels: dict[str, Any] = {}
        if not more or rng.random() < 0.7:
            rels["campaign"] = _rel1("campaign", cid)
        if rng.random() < 0.9:
            rels["user"] = _rel1("user", ids.user(0))
        post: Any = {"type": "post", "id": pid, "attributes": a, "relationships": rels}
        good = i not in p.bad_idx
        if not good:
            k = rng.randrange(8 if more else 9)
            if k == 8:  # neither the post nor its page names the campaign
                del rels["campaign"]
            else:
                post = [
                    {**post, "attributes": {**a, "published_at": "last Tuesday"}},
                    {**post, "attributes": {**a, "like_count": rng.choice(("lots", -3))}},
                    {**post, "id": rng.choice((None, "", {"nested": pid}))},
                    {**post, "attributes": {**a, "title": ["a", "list"]}},
                    {**post, "relationships": {**rels, "user": {"data": ids.user(0)}}},
                    {**post, "type": "tier"},
                    {**post, "attributes": "not an object"},
                    "a post",
                ][k]
        out.append((pid, good, t, None))
        data.append(post)
    page: dict[str, Any] = {
        "data": data,
        "included": [campaign, creator],
        "meta": {"pagination": {"cursors": {"next": cursor if more else None}, "total": p.n}},
    }
    if more:
        page["links"] = {
            "next": f"https://www.patreon.com/api/oauth2/v2/campaigns/{cid}/posts?page%5Bcursor%5D={cursor}"
        }
    return page


def _patreon_comments(
    p: _Plan,
    ids: _PatreonIds,
    recs: range,
    out: list[Any],
    threads: list[tuple[str, str | None]],
    cursor: str,
    user: Callable[..., dict[str, Any]],
    campaign: dict[str, Any],
) -> dict[str, Any]:
    """A page of the web app's /api/posts/ID/comments?include=commenter,parent,post.campaign,replies."""
    rng, tag = p.rng, p.tag
    post_id, title = rng.choice(threads)
    comments: list[tuple[Any, bool]] = []  # (resource, a reply the page may carry in `included`)
    users: set[int] = set()
    for i in recs:
        t = p.when(i)
        c_id = ids(p.ids[i])
        par = p.parent(i)
        par_id = None if par is None else ids(par)
        j = rng.randrange(60)
        deleted = rng.random() < 0.05
        a: dict[str, Any] = {
            "body": "" if deleted else p.text(i),
            "created": fmt_ts(rng, t, iso=True),
            "deleted_at": fmt_ts(rng, t + dt.timedelta(days=1), iso=True) if deleted else None,
            "is_by_creator": j == 0,
            "is_by_patron": j != 0,
            "reply_count": 0,
            "vote_sum": rng.randrange(-3, 40),
        }
        rels: dict[str, Any] = {
            "commenter": _rel1("user", ids.user(j)),
            "parent": _rel1("comment", par_id),
            "post": _rel1("post", post_id),
            "replies": {"data": []},
        }
        users.add(j)
        c: Any = {"type": "comment", "id": c_id, "attributes": a, "relationships": rels}
        good = i not in p.bad_idx
        if not good:
            c = rng.choice(
                [
                    {**c, "attributes": {**a, "created": "yesterday"}},
                    {**c, "attributes": {**a, "vote_sum": "many"}},
                    {**c, "attributes": {**a, "deleted_at": "soon"}},
                    {**c, "attributes": {**a, "body": json.loads("[" * 500 + "]" * 500)}},
                    {**c, "attributes": {**a, "body": {"html": "<p>hi</p>"}}},
                    {**c, "relationships": {k: v for k, v in rels.items() if k != "post"}},
                    # a post the page does not include: no campaign to be found
                    {**c, "relationships": {**rels, "post": _rel1("post", ids(f"{tag}other{i}"))}},
                    {**c, "relationships": {**rels, "parent": {"data": [{"id": "1", "type": "comment"}]}}},
                    {**c, "id": {"nested": c_id}},
                    ["a", "comment"],
                ]
            )
        # a comment naming itself as its parent is on the post itself
        out.append(("comment:" + c_id, good, t, None if par_id in (None, c_id) else "comment:" + par_id))
        comments.append((c, par is not None and rng.random() < 0.35))
    # replies go in `included` only where the importer tells them apart from the page's other comments by id
    n_id: dict[str, int] = {}
    for c, _ in comments:
        if type(c) is dict:
            n_id[str(c.get("id"))] = n_id.get(str(c.get("id")), 0) + 1
    data: list[Any] = []
    replies: list[Any] = []
    for c, reply in comments:
        if reply and type(c) is dict and c.get("type") == "comment" and n_id[str(c.get("id"))] == 1:
            replies.append(c)
        else:
            data.append(c)
    if not data:  # a page with no data is empty: its included is not read
        data.append(replies.pop())
    included: list[Any] = [
        {
            "type": "post",
            "id": post_id,
            "attributes": {"title": title, "published_at": fmt_ts(rng, TS_BASE, iso=True)},
            "relationships": {
                "campaign": _rel1("campaign", ids.campaign),
                "user": _rel1("user", ids.user(0)),
            },
        },
        campaign,
        *(user(j) for j in sorted(users)),
    ]
    for r in replies:
        included.insert(rng.randrange(len(included) + 1), r)
    shown = [
        c
        for c in data
        if type(c) is dict and c.get("type") == "comment" and type(c.get("attributes")) is dict
    ]
    if shown and rng.random() < 0.5:  # a parent the page includes again (include=parent): not a record
        c = rng.choice(shown)
        included.append({**c, "attributes": {**c["attributes"], "vote_sum": 999}})
    return {
        "data": data,
        "included": included,
        "links": {"next": f"https://www.patreon.com/api/posts/{post_id}/comments?page%5Bcursor%5D={cursor}"},
        "meta": {"count": len(data)},
    }


def _patreon_member(
    p: _Plan,
    ids: _PatreonIds,
    i: int,
    names: dict[int, tuple[str, str | None]],
    user: Callable[..., dict[str, Any]],
    page: dict[str, Any],
) -> None:
    """Member ``i`` (GET /api/oauth2/v2/campaigns/ID/members?include=user,address) into ``page``."""
    rng = p.rng
    j = rng.randrange(1, 60) if rng.random() < 0.5 else 60 + i  # a commenter, or a patron who never comments
    uid = ids.user(j) if j < 60 else f"{ids.prefix}7{i:04d}"
    full, _ = names[j % 60]
    aid = str(880000 + i) if rng.random() < 0.5 else None
    a: dict[str, Any] = {
        "currently_entitled_amount_cents": rng.choice((0, 500, 1000)),
        "email": f"member.{i}@inbox.example",
        # the user's name, or another one (the importer keeps the member's; a conflicting account row)
        "full_name": p.text(i)
        if i == p.huge_idx
        else rng.choice((full, f" {full} ", "", f"{full} (patron)")),
        "is_follower": False,
        "last_charge_date": fmt_ts(rng, p.when(i), iso=True),
        "last_charge_status": rng.choice(("Paid", "Declined", None)),
        "lifetime_support_cents": rng.randrange(10_000),
        "note": f"met at the fair, size {i % 3}",
        "patron_status": rng.choice(("active_patron", "declined_patron", "former_patron", None)),
        "pledge_relationship_start": fmt_ts(rng, p.when(i), iso=True),
    }
    rels = {
        "address": _rel1("address", aid),
        "campaign": _rel1("campaign", ids.campaign),
        "user": _rel1("user", uid),
    }
    m: Any = {
        "type": "member",
        "id": "-".join(f"{rng.getrandbits(4 * w):0{w}x}" for w in (8, 4, 4, 4, 12)),  # a UUID
        "attributes": a,
        "relationships": rels,
    }
    address = {
        "type": "address",
        "id": aid or str(890000 + i),
        "attributes": {
            "addressee": full,
            "line_1": f"{i} Privet Lane",
            "city": "Springfield",
            "postal_code": "62704",
            "country": "US",
            "phone_number": "+1 202 555-0143",
        },
    }
    created = None
    if i in p.bad_idx:
        k = rng.randrange(7)
        if k == 6:  # the member's user (its own) has a broken date
            uid, created = f"{ids.prefix}8{i:04d}", "some day"
            m["relationships"] = {**rels, "user": _rel1("user", uid)}
        else:
            m = [
                {**m, "relationships": {r: v for r, v in rels.items() if r != "user"}},  # no include=user
                {**m, "relationships": {**rels, "user": {"data": {"type": "user"}}}},
                {**m, "attributes": {**a, "full_name": {"first": full}}},
                {**m, "type": "pledge"},
                {**m, "attributes": "not an object"},
                address,  # a resource of another type where a member belongs
            ][k]
    page["data"].append(m)
    page["included"].append(user(j, uid, created))
    if aid:
        page["included"].append(address)


def _patreon_csv(p: _Plan, ids: _PatreonIds) -> Built:
    """The members CSV (Audience → Relationship manager → Export CSV): one row per member → ``accounts``."""
    import csv
    import io

    rng, n = p.rng, p.n
    out = io.StringIO()
    w = csv.writer(out, lineterminator=rng.choice(("\n", "\r\n")))
    w.writerow(_PATREON_CSV_HEADER)
    col = {h: k for k, h in enumerate(_PATREON_CSV_HEADER)}
    raw_rows: dict[int, bytes] = {}
    for i in range(n):
        t = p.when(i)
        uid = ids(p.ids[i])
        name = (
            p.text(i) if i == p.huge_idx else rng.choice((_text(rng), f"{rng.choice(_PATREON_NAMES)}\n{i}"))
        )
        row = [""] * len(_PATREON_CSV_HEADER)
        status = rng.choice(("Active patron", "Active patron", "Declined patron", "Former patron", ""))
        cells = {
            "Name": name,
            "Email": f"member.{i}@inbox.example",
            "Discord": f"yarnfan#{i:04d}" if rng.random() < 0.3 else "",
            "Patron Status": status,
            "Follows You": rng.choice(("Yes", "No")),
            "Free Member": rng.choice(("Yes", "No", "No")),
            "Free Trial": "No",
            "Lifetime Amount": f"{rng.randrange(100)}.00",
            "Pledge Amount": "5.00",
            "Charge Frequency": "monthly",
            "Tier": "Lace Lover",
            "Addressee": name if rng.random() < 0.3 else "",
            "Street": f"{i} Privet Lane",
            "City": "Springfield",
            "Zip": "62704",
            "Country": "US",
            "Phone": "+1 202 555-0143",
            "Patronage Since Date": t.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "Additional Details": "met at the fair" if rng.random() < 0.2 else "",
            "User ID": uid,
            "Last Updated": t.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "Currency": "USD",
            "Subscription Source": "Patreon",
        }
        for h, v in cells.items():
            row[col[h]] = v
        if i in p.bad_idx:
            k = rng.randrange(6)
            if k == 5:  # bytes that are not UTF-8 in an otherwise fine row
                raw_rows[i] = (
                    f"Zo\udce9 \udcff,member.{i}@inbox.example,,Active patron".encode(
                        "utf-8", "surrogateescape"
                    )
                    + b"," * 19
                    + uid.encode()
                    + b"," * 7
                    + b"\n"
                )
            elif k == 4:
                row = row[:23]  # a row cut short
            else:
                row[col["User ID"]] = ["", f"{uid[:4]}-{uid[4:]}", "١٢٣٤٥", "n/a"][k]
        if i in raw_rows:
            out.write(f"\x00RAW{i}\x00")
        else:
            w.writerow(row)
    data = out.getvalue().encode()
    for i, raw in raw_rows.items():
        data = data.replace(b"\x00RAW%d\x00" % i, raw)
    if rng.random() < 0.3:  # as Excel saves it
        data = b"\xef\xbb\xbf" + data
    counts: dict[str, int] = {}
    for i in range(n):
        if i not in p.bad_idx:
            counts[ids(p.ids[i])] = counts.get(ids(p.ids[i]), 0) + 1
    p.expect = {k: (None, None) for k, c in counts.items() if c == 1}  # the CSV gives no dates to store
    b = p.built(data, n, len(p.bad_idx), "accounts", "account_id", None)
    b.keys = set(counts)
    b.suffix = ".csv"
    return b


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
    "patreon": build_patreon,
    "csv": build_csv,
}
FORMATS = tuple(BUILDERS)
SUFFIX = {"csv": ".csv", "discord": ".json"}
