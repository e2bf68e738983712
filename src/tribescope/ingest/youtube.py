"""YouTube Data API v3 responses: ``channels.list``, ``videos.list``, ``commentThreads.list``, ``comments.list``.

A file may hold one response, a JSON array of responses (pages), or NDJSON with one response per
line, optionally gzip-compressed; bare resources (``{"kind": "youtube#video", …}``) one per line or
in an array are read too. The response kind (``youtube#channelListResponse`` …) says what the
``items`` are; an item's own ``kind`` wins, and items without any kind are recognised by shape.
Every item is one record (location ``line 3, items[17]`` / ``record 2, items[4]``), so one bad
item is rejected alone; errors name the JSON path, e.g. ``items[17].statistics.likeCount``.

Mapping (field names from https://developers.google.com/youtube/v3/docs):

* ``youtube#channel`` → ``accounts``: account_id = ``id`` (``UC…``), username = ``snippet.customUrl``
  without '@' (else the title), full_name = ``snippet.title``, bio = ``snippet.description``,
  followers = ``statistics.subscriberCount`` (null when ``hiddenSubscriberCount``),
  posts = ``statistics.videoCount``, created_at = ``snippet.publishedAt``, country = ``snippet.country``.
* ``youtube#video`` → ``posts`` (+ an ``accounts`` stub for ``snippet.channelId`` named
  ``snippet.channelTitle``): creator_id = ``snippet.channelId``, title, caption = description,
  hashtags = ``snippet.tags`` + ``#tags`` in title and description (lower-case, unique),
  mentions = ``@handles`` in the description, likes/comments_count/views from ``statistics``,
  duration_s from ``contentDetails.duration`` (ISO-8601, e.g. ``PT4M13S``), media_type ``video``,
  is_paid_partnership = ``paidProductPlacementDetails.hasPaidProductPlacement``,
  url = ``https://www.youtube.com/watch?v=ID``.
* ``youtube#commentThread`` → ``comments`` for ``snippet.topLevelComment`` (reply_count =
  ``snippet.totalReplyCount``) and every ``replies.comments[]`` (parent_comment_id =
  ``snippet.parentId``); ``youtube#comment`` (``comments.list``) → one comment.
  author_id = ``snippet.authorChannelId.value``, author_name = ``authorDisplayName`` without a leading
  '@', text = ``textOriginal``, else ``textDisplay`` with HTML removed; an ``accounts`` stub
  (account_id, username) for every author (without username for the channel owner, whose
  ``channels.list`` record has it). A ``comments.list`` reply without ``snippet.videoId`` (the API
  leaves it out of most reply pages) takes the video of its parent, ``snippet.parentId``: the thread
  read earlier in the same file, else, after the merge, the parent comment as the workspace holds it —
  from any file of the import, in any order, or an earlier import (:meth:`YouTubeAPI.place`).
  A reply whose parent is found nowhere is a bad record naming ``snippet.parentId``.

An API error object (``{"error": {"code": 403, …}}``) in place of a response is a bad record whose
reason quotes the code, reason and message.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import ijson
import orjson

from tribescope.errors import FieldError, ImportFailed, SourceError
from tribescope.ingest._base import (
    FAST_MIN_BYTES,
    Context,
    Format,
    Row,
    RowBuffer,
    extract_hashtags,
    extract_mentions,
    raw_text,
    sql_string,
    to_bool,
    to_int,
    to_str,
    to_ts,
)
from tribescope.ingest._readers import Probe, Source, iter_json_values, json_lines_format

if TYPE_CHECKING:
    from tribescope.store import Workspace

__all__ = ["YouTubeAPI", "parse_duration"]

PLATFORM = "youtube"

#: response kind → kind of its items
PAGE_KINDS = {
    "youtube#channelListResponse": "youtube#channel",
    "youtube#videoListResponse": "youtube#video",
    "youtube#commentThreadListResponse": "youtube#commentThread",
    "youtube#commentListResponse": "youtube#comment",
}
ITEM_KINDS = frozenset(PAGE_KINDS.values())

_PROBE_BYTES = 256 * 1024
_I64 = 1 << 63
_EMPTY: dict[str, Any] = {}
_UTC = dt.UTC
#: author stubs remembered per file to skip re-emitting the same (id, name) row
_SEEN_LIMIT = 1_000_000

_DURATION = re.compile(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")

#: ``comments.list`` replies read without a video (``snippet.videoId``) whose parent the file had not shown, by import
#: id: comment id → (location, JSON path of the item, the record as read) — what a reject of one whose parent the
#: merged workspace does not hold either names (:meth:`YouTubeAPI.place` takes them; the import's reader thread
#: adds them)
_UNPLACED: dict[str, dict[str, tuple[str, str, str]]] = {}


# ---------------------------------------------------------------------------- fast coercion
# The driver's RowBuffer coerces again, but on already-typed values that is a cheap pass-through;
# coercing here lets errors name the source field (``statistics.likeCount``), not the column.


# The shared coercers already range-check 64-bit counts and pass typed values through.
_int = to_int
_str = to_str


def _id(v: Any, name: str) -> str:
    """A required identifier: non-empty text (numbers are accepted as text)."""
    if type(v) is str and v:
        return v
    if v is None or v == "":
        raise FieldError(name, "is missing or empty, but is required")
    if type(v) is int:
        return str(v)
    raise FieldError(name, f"expected an id (text), found {type(v).__name__}")


def _bool(v: Any, name: str) -> bool | None:
    if v is None or type(v) is bool:
        return v
    return to_bool(v, name)


def _ts(v: Any, name: str) -> dt.datetime | None:
    """UTC datetime from ISO-8601 text (fast path) or anything :func:`to_ts` reads."""
    if v is None or v == "":
        return None
    try:
        if type(v) is str:
            try:
                d = dt.datetime.fromisoformat(v)
            except ValueError:
                return to_ts(v, name)
            tz = d.tzinfo
            if tz is _UTC:  # the API writes "…Z": already UTC
                return d
            return d.replace(tzinfo=_UTC) if tz is None else d.astimezone(_UTC)
        return to_ts(v, name)
    except OverflowError:
        raise FieldError(name, f"timestamp {v!r} is out of range") from None


def _obj(v: Any, name: str) -> dict[str, Any]:
    if type(v) is dict:
        return v
    if v is None:
        return _EMPTY
    raise FieldError(name, f"expected a JSON object, found {type(v).__name__}")


def parse_duration(v: Any, name: str = "contentDetails.duration") -> float | None:
    """Seconds in an ISO-8601 duration as YouTube writes it (``PT1H2M3S``, ``P1DT2H``, ``P0D``)."""
    if v is None or v == "":
        return None
    if type(v) is not str:
        raise FieldError(name, f"expected an ISO-8601 duration such as PT4M13S, found {type(v).__name__}")
    m = _DURATION.fullmatch(v.strip())
    if m is None or v.strip() == "P":
        raise FieldError(name, f"expected an ISO-8601 duration such as PT4M13S, found {v!r}")
    w, d, h, mi, s = m.groups()
    try:
        days = int(w or 0) * 7 + int(d or 0)
        return float(((days * 24 + int(h or 0)) * 60 + int(mi or 0)) * 60) + float(
            (s or "0").replace(",", ".")
        )
    except (ValueError, OverflowError):
        raise FieldError(name, f"duration {v!r} is out of range") from None


def _plain(s: str | None) -> str | None:
    """``textDisplay`` HTML → plain text (``<br>`` → newline, tags dropped, entities unescaped)."""
    if not s:
        return s
    if "<" in s:
        s = _TAG.sub("", _BR.sub("\n", s))
    if "&" in s:
        s = html.unescape(s)
    return s


def _is_google_error(doc: Any) -> bool:
    err = doc.get("error") if isinstance(doc, dict) else None
    return (
        isinstance(err, dict)
        and isinstance(err.get("code"), int)
        and ("errors" in err or "status" in err)
        and "fbtrace_id" not in err  # a Facebook / Instagram Graph API error has the same outline
        and "items" not in doc
    )


def _error_message(err: Any) -> str:
    """The reason for a rejected API error response, with what to do."""
    code: Any = None
    msg: Any = None
    reasons: list[str] = []
    if isinstance(err, dict):
        code, msg = err.get("code"), err.get("message")
        for e in err.get("errors") or []:
            if isinstance(e, dict) and e.get("reason"):
                reasons.append(str(e["reason"]))
        if not reasons and err.get("status"):
            reasons.append(str(err["status"]))
    else:
        msg = err
    what = f"code {code}" + (f" ({', '.join(reasons)})" if reasons else "")
    return (
        f"the YouTube API returned an error instead of data: {what}: {msg or 'no message'}. "
        "This response holds no items; request the page again (e.g. after the quota resets) "
        "or remove it from the file"
    )


def _first_value(probe: Probe) -> Any:
    """The first response/resource of the probed file (first array element for an array)."""
    doc = probe.first_json
    if isinstance(doc, list):
        return doc[0] if doc else None
    head = probe.head.lstrip(b"\xef\xbb\xbf").lstrip()
    if head[:1] == b"[" and not isinstance(doc, list):  # large array: parse its first element only
        try:
            for v in ijson.items(io.BytesIO(head), "item", use_float=True):
                return v
        except (ijson.JSONError, ijson.IncompleteJSONError):
            return None
        return None
    return doc


def guess_kind(item: dict[str, Any]) -> str | None:
    """The resource kind of an item that does not say, from its shape."""
    sn = item.get("snippet")
    if type(sn) is not dict:
        st = item.get("statistics")
        return "youtube#channel" if type(st) is dict and "subscriberCount" in st else None
    if "topLevelComment" in sn:
        return "youtube#commentThread"
    if "authorDisplayName" in sn or "textDisplay" in sn or "textOriginal" in sn:
        return "youtube#comment"
    if "customUrl" in sn:
        return "youtube#channel"
    st = item.get("statistics")
    if type(st) is dict and "subscriberCount" in st:
        return "youtube#channel"
    if "channelId" in sn or "contentDetails" in item:
        return "youtube#video"
    return None


# ---------------------------------------------------------------------------- the format


class YouTubeAPI(Format):
    """YouTube Data API v3 list responses (channels, videos, comment threads, comments)."""

    name = "youtube"
    description = (
        "YouTube Data API v3 JSON: channels.list, videos.list, commentThreads.list, comments.list "
        "(one response, an array of pages, or NDJSON)"
    )
    platform = PLATFORM
    #: a reply's video: its parent's, found after the merge (:meth:`place`)
    deferred: ClassVar[Mapping[str, frozenset[str]]] = {"comments": frozenset({"post_id"})}

    def sniff(self, probe: Probe) -> bool:
        doc = _first_value(probe)
        if not isinstance(doc, dict):
            return False
        kind = doc.get("kind")
        if isinstance(kind, str):
            return kind in PAGE_KINDS or kind in ITEM_KINDS
        if _is_google_error(doc):
            return True
        items = doc.get("items")
        if isinstance(items, list) and items and isinstance(items[0], dict):
            k = items[0].get("kind")
            return isinstance(k, str) and k in ITEM_KINDS
        return False

    # -- reading

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        state = ctx.state
        for loc, raw in self._records(src, ctx):
            state["at"] = loc  # a reply placed after the merge is refused there by its location
            yield loc, raw

    def _records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        state = ctx.state
        if _is_large_document(src.head()):
            yield from self._stream_document(src, ctx, Probe.of(src).first_json)
            return
        for loc, page in iter_json_values(src):
            if isinstance(page, SourceError):
                yield loc, page
                continue
            yield from self._page_items(loc, page, state)

    def _page_items(self, loc: str, page: Any, state: dict[str, Any]) -> Iterator[tuple[str, Any]]:
        if not isinstance(page, dict):
            yield (
                loc,
                SourceError(
                    loc,
                    f"expected a YouTube API response object, found {type(page).__name__}",
                    recoverable=True,
                    raw=raw_text(page),
                ),
            )
            return
        if _is_google_error(page):
            yield loc, SourceError(loc, _error_message(page["error"]), recoverable=True, raw=raw_text(page))
            return
        kind = page.get("kind")
        items = page.get("items")
        if kind is not None and type(kind) is not str:
            kind = repr(kind)  # reported below as an unsupported kind
        if kind in ITEM_KINDS or (kind is None and items is None and guess_kind(page)):
            state["kind"], state["where"] = kind, ""  # a bare resource
            yield loc, page
            return
        if kind is not None and kind not in PAGE_KINDS:
            yield (
                loc,
                SourceError(
                    loc,
                    f"unsupported kind {kind!r}; this importer reads {', '.join(sorted(PAGE_KINDS))} "
                    "responses and their resources",
                    recoverable=True,
                    raw=raw_text(page),
                ),
            )
            return
        if items is None:
            if kind is None:
                yield (
                    loc,
                    SourceError(
                        loc,
                        "not a YouTube API response: expected an object with `kind` and `items`, or a resource",
                        recoverable=True,
                        raw=raw_text(page),
                    ),
                )
            return  # e.g. channels.list for an unknown id returns no items at all
        if not isinstance(items, list):
            yield (
                loc,
                SourceError(
                    f"{loc}, items",
                    f"expected a list of resources, found {type(items).__name__}",
                    recoverable=True,
                    raw=raw_text(page),
                ),
            )
            return
        state["kind"] = PAGE_KINDS.get(kind) if kind else None
        for i, item in enumerate(items):
            where = f"items[{i}]"
            state["where"] = where
            yield f"{loc}, {where}", item

    def _stream_document(self, src: Source, ctx: Context, meta: Any) -> Iterator[tuple[str, Any]]:
        """One response object larger than the probe: stream its ``items`` instead of loading it."""
        state = ctx.state
        meta = meta if isinstance(meta, dict) else {}
        if _is_google_error(meta):
            yield "document", SourceError("document", _error_message(meta["error"]), recoverable=True)
            return
        kind = meta.get("kind")
        state["kind"] = PAGE_KINDS.get(kind) if isinstance(kind, str) else None
        n = -1
        with src.open() as f:
            try:
                for n, item in enumerate(ijson.items(f, "items.item", use_float=True)):
                    where = f"items[{n}]"
                    state["where"] = where
                    yield f"document, {where}", item
            except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError) as exc:
                msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise SourceError(
                    f"document, items[{n + 1}] (near byte {src.bytes_read()})",
                    f"not valid JSON ({msg}); the file may be truncated or not a JSON export",
                ) from exc

    # -- mapping

    def convert(self, raw: Any, ctx: Context) -> list[Row]:
        state = ctx.state
        try:
            if type(raw) is not dict:
                raise FieldError(None, f"expected a YouTube resource object, found {type(raw).__name__}")
            kind = raw.get("kind")
            if kind is None:
                kind = state.get("kind") or guess_kind(raw)
            if kind == "youtube#commentThread":
                return _thread(raw, state)
            if kind == "youtube#comment":
                return _comment_resource(raw, state, ctx.import_id)
            if kind == "youtube#video":
                return _video(raw, state)
            if kind == "youtube#channel":
                return _channel(raw)
            if kind is None:
                raise FieldError(
                    "kind",
                    "cannot tell which YouTube resource this is: it has no `kind` and no "
                    "recognisable snippet",
                )
            raise FieldError(
                "kind", f"unsupported resource kind {kind!r}; expected one of {', '.join(sorted(ITEM_KINDS))}"
            )
        except FieldError as exc:
            where = state.get("where")
            if where:
                raise FieldError(f"{where}.{exc.field}" if exc.field else where, exc.message) from None
            raise

    def place(
        self,
        ws: Workspace,
        import_ids: Sequence[str],
        *,
        paths: Mapping[str, str] | None = None,
        skip_bad: bool = False,
    ) -> dict[str, dict[str, int]]:
        """After the import's rows are merged (in its transaction; ``import_ids``: its YouTube files), before the rows of
        forgotten accounts are dropped (a reply to a forgotten account's comment stays, under its video): each
        ``comments.list`` reply these files gave without a video (``post_id`` null, see :func:`_comment_resource`)
        takes the video of its parent comment (``parent_comment_id``) as the workspace now holds it — from any file
        of this import, before or after the reply's, or from an earlier import. A reply whose parent is nowhere is
        the bad record of its file, naming ``snippet.parentId``: :class:`ImportFailed` (the import is rolled back), or
        with ``skip_bad`` its row is removed and the record quarantined in ``rejects`` (returned per import id: one
        ``comments`` row fewer, one ``rejects`` more). A reply stored before keeps its video: the merge takes the
        newest non-null value, so a re-import changes nothing. Files without such a reply cost nothing."""
        unplaced = {imp: _UNPLACED.pop(imp) for imp in import_ids if imp in _UNPLACED}
        if not unplaced:
            return {}
        d = ws.duck
        # YouTube nests replies one level deep (a reply's parentId is a top-level comment); a reply to a reply
        # placed in this pass is placed by the next
        while d.execute(
            f"""UPDATE comments AS c SET post_id = p.post_id FROM comments p
                WHERE c.platform = '{PLATFORM}' AND c.post_id IS NULL AND p.platform = '{PLATFORM}'
                  AND p.comment_id = c.parent_comment_id AND p.post_id IS NOT NULL"""
        ).fetchone()[0]:
            pass
        left = d.execute(
            f"""SELECT comment_id, import_id, parent_comment_id FROM comments
                WHERE platform = '{PLATFORM}' AND post_id IS NULL ORDER BY import_id, comment_id"""
        ).fetchall()
        if not left:
            return {}
        rejects = RowBuffer("rejects")
        out: dict[str, dict[str, int]] = {}
        for cid, imp, parent in left:
            # the file that wrote the row, else another of this import that read the reply
            owner = (
                imp
                if cid in unplaced.get(imp, _EMPTY)
                else next((i for i in unplaced if cid in unplaced[i]), imp)
            )
            loc, where, raw = unplaced.get(owner, _EMPTY).get(cid) or (f"comment {cid}", "", "")
            fld = f"{where}.snippet.parentId" if where else "snippet.parentId"
            reason = (
                f"a reply without snippet.videoId, and its parent comment {parent!r} is in no file of this import "
                "nor in the workspace, so its video is unknown: import the parent's commentThreads page (or the "
                "video's) with it or before it"
            )
            path = (paths or {}).get(owner, owner)
            if not skip_bad:
                raise ImportFailed(path, loc, fld, reason)
            rejects.append(
                rejects.check(
                    {
                        "import_id": owner,
                        "path": path,
                        "location": loc,
                        "field": fld,
                        "reason": reason,
                        "raw": raw,
                    }
                )
            )
            got = out.setdefault(owner, {"comments": 0, "rejects": 0})
            got["comments"] -= 1
            got["rejects"] += 1
        d.execute(f"DELETE FROM comments WHERE platform = '{PLATFORM}' AND post_id IS NULL")
        d.from_arrow(rejects.flush()).insert_into("rejects")
        return out


def _is_large_document(head: bytes) -> bool:
    """One pretty-printed response object larger than the probe (its items are streamed).

    A file whose first line runs past the probe is left to :func:`iter_json_values`: it is NDJSON
    with long pages (the usual case) or one minified document, and either is read line by line.
    """
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if len(head) < _PROBE_BYTES or text[:1] != b"{":
        return False
    nl = text.find(b"\n")
    if nl < 0:
        return False
    try:
        orjson.loads(text[:nl])
    except orjson.JSONDecodeError:
        return True
    return False  # NDJSON


def _channel(item: dict[str, Any]) -> list[Row]:
    cid = _id(item.get("id"), "id")
    sn = _obj(item.get("snippet"), "snippet")
    st = _obj(item.get("statistics"), "statistics")
    title = _str(sn.get("title"), "snippet.title")
    custom = _str(sn.get("customUrl"), "snippet.customUrl")
    username = custom.lstrip("@") if custom else title
    hidden = _bool(st.get("hiddenSubscriberCount"), "statistics.hiddenSubscriberCount")
    followers = _int(st.get("subscriberCount"), "statistics.subscriberCount")
    return [
        (
            "accounts",
            {
                "platform": PLATFORM,
                "account_id": cid,
                "username": username or None,
                "full_name": title,
                "bio": _str(sn.get("description"), "snippet.description"),
                "followers": None if hidden else followers,
                "posts": _int(st.get("videoCount"), "statistics.videoCount"),
                "created_at": _ts(sn.get("publishedAt"), "snippet.publishedAt"),
                "country": _str(sn.get("country"), "snippet.country") or None,
            },
        )
    ]


def _video(item: dict[str, Any], state: dict[str, Any]) -> list[Row]:
    vid = _id(item.get("id"), "id")
    sn = _obj(item.get("snippet"), "snippet")
    st = _obj(item.get("statistics"), "statistics")
    cd = _obj(item.get("contentDetails"), "contentDetails")
    pp = _obj(item.get("paidProductPlacementDetails"), "paidProductPlacementDetails")
    channel = _id(sn.get("channelId"), "snippet.channelId")
    title = _str(sn.get("title"), "snippet.title")
    desc = _str(sn.get("description"), "snippet.description")
    tags = sn.get("tags")
    hashtags: list[str] = []
    if tags is not None:
        if type(tags) is not list:
            raise FieldError("snippet.tags", f"expected a list of text, found {type(tags).__name__}")
        for t in tags:
            if type(t) is not str:
                raise FieldError("snippet.tags", f"expected a list of text, found an element {t!r}")
            t = t.strip().lstrip("#").lower()
            if t:
                hashtags.append(t)
    hashtags.extend(extract_hashtags(title))
    hashtags.extend(extract_hashtags(desc))
    return [
        (
            "posts",
            {
                "platform": PLATFORM,
                "post_id": vid,
                "creator_id": channel,
                "created_at": _ts(sn.get("publishedAt"), "snippet.publishedAt"),
                "media_type": "video",
                "title": title,
                "caption": desc,
                "likes": _int(st.get("likeCount"), "statistics.likeCount"),
                "comments_count": _int(st.get("commentCount"), "statistics.commentCount"),
                "views": _int(st.get("viewCount"), "statistics.viewCount"),
                "is_paid_partnership": _bool(
                    pp.get("hasPaidProductPlacement"), "paidProductPlacementDetails.hasPaidProductPlacement"
                ),
                "hashtags": list(dict.fromkeys(hashtags)),
                "mentions": extract_mentions(desc),
                "url": f"https://www.youtube.com/watch?v={vid}",
                "duration_s": parse_duration(cd.get("duration")),
            },
        ),
        (
            "accounts",
            {
                "platform": PLATFORM,
                "account_id": channel,
                "full_name": _str(sn.get("channelTitle"), "snippet.channelTitle") or None,
            },
        ),
    ]


def _comment(
    c: Any,
    video_id: str | None,
    parent_id: str | None,
    reply_count: int | None,
    comment_id: Any = None,
    *,
    placed_later: bool = False,
) -> dict[str, Any]:
    """One ``comment`` resource → a ``comments`` row (field names relative to the resource). ``placed_later``: a reply
    without a video (``snippet.videoId`` nor ``video_id``) keeps ``post_id`` null, for :meth:`YouTubeAPI.place`
    to give it its parent's."""
    if type(c) is not dict:
        raise FieldError(None, f"expected a comment resource object, found {type(c).__name__}")
    cid = c.get("id") or comment_id
    if type(cid) is not str or not cid:
        cid = _id(cid, "id")
    sn = c.get("snippet")
    if type(sn) is not dict:
        raise FieldError("snippet", "is missing or not an object, but is required")
    vid = sn.get("videoId") or video_id
    if type(vid) is not str or not vid:
        if not vid:
            parent_of = sn.get("parentId")
            if placed_later and type(parent_of) is str and parent_of:
                vid = None
            else:
                raise FieldError(
                    "snippet.videoId",
                    "is missing: every comment must name its video (a comments.list reply without it takes its "
                    "parent's, by snippet.parentId; this comment has no parentId)",
                )
        else:
            vid = _id(vid, "snippet.videoId")
    a = sn.get("authorChannelId")
    aid = a.get("value") if type(a) is dict else a
    if aid is not None and type(aid) is not str:
        aid = _str(aid, "snippet.authorChannelId.value")
    name = sn.get("authorDisplayName")
    if name is not None:
        if type(name) is not str:
            name = _str(name, "snippet.authorDisplayName")
        if name and name[0] == "@":
            name = name[1:]
    text = sn.get("textOriginal")
    if text is None:
        text = _plain(_str(sn.get("textDisplay"), "snippet.textDisplay"))
    elif type(text) is not str:
        text = _str(text, "snippet.textOriginal")
    parent = sn.get("parentId") or parent_id
    if parent is not None and type(parent) is not str:
        parent = _id(parent, "snippet.parentId")
    likes = sn.get("likeCount")
    return {
        "platform": PLATFORM,
        "comment_id": cid,
        "post_id": vid,
        "author_id": aid or None,
        "author_name": name or None,
        "parent_comment_id": parent,
        "created_at": _ts(sn.get("publishedAt"), "snippet.publishedAt"),
        "text": text,
        "likes": likes if type(likes) is int and 0 <= likes < _I64 else _int(likes, "snippet.likeCount"),
        "reply_count": reply_count,
    }


def _stubs(rows: list[Row], state: dict[str, Any], owner: Any) -> list[Row]:
    """Append an ``accounts`` stub per comment author not already emitted from this file.

    The video owner's own comments give no username: ``channels.list`` has it (``customUrl`` is
    lower-cased there, the display name is not), and two spellings would flip on every re-import.
    """
    seen: set[tuple[str, str | None]] | None = state.get("seen")
    if seen is None:
        seen = state["seen"] = set()
    new = []
    out = list(rows)
    for _, r in rows:
        aid = r["author_id"]
        if aid is None:
            continue
        key = (aid, None if aid == owner else r["author_name"])
        if key in seen:
            continue
        new.append(key)
        out.append(("accounts", {"platform": PLATFORM, "account_id": aid, "username": key[1]}))
    if len(seen) > _SEEN_LIMIT:
        seen.clear()
    seen.update(new)  # only once the whole record converted, so a rejected record leaves no gap
    return out


def _thread(item: dict[str, Any], state: dict[str, Any]) -> list[Row]:
    sn = item.get("snippet")
    if type(sn) is not dict:
        raise FieldError("snippet", "is missing or not an object, but is required")
    top = sn.get("topLevelComment")
    if type(top) is not dict:
        raise FieldError("snippet.topLevelComment", "is missing or not an object, but is required")
    vid = sn.get("videoId")
    if vid is not None and type(vid) is not str:
        vid = _id(vid, "snippet.videoId")
    total = sn.get("totalReplyCount")
    if type(total) is not int:
        total = _int(total, "snippet.totalReplyCount")
    try:
        first = _comment(top, vid, None, total, item.get("id"))
    except FieldError as exc:
        raise FieldError(
            f"snippet.topLevelComment.{exc.field}" if exc.field else "snippet.topLevelComment", exc.message
        ) from None
    rows: list[Row] = [("comments", first)]
    replies = item.get("replies")
    n_replies = 0
    if replies is not None:
        if type(replies) is not dict:
            raise FieldError("replies", f"expected a JSON object, found {type(replies).__name__}")
        comments = replies.get("comments")
        if comments is not None:
            if type(comments) is not list:
                raise FieldError("replies.comments", f"expected a list, found {type(comments).__name__}")
            pid, pvid = first["comment_id"], first["post_id"]
            for j, c in enumerate(comments):
                try:
                    rows.append(("comments", _comment(c, pvid, pid, None)))
                except FieldError as exc:
                    path = f"replies.comments[{j}]"
                    raise FieldError(f"{path}.{exc.field}" if exc.field else path, exc.message) from None
            n_replies = len(comments)
    if total and total > n_replies:  # more replies to come from comments.list: remember the video
        state.setdefault("video_of", {})[first["comment_id"]] = first["post_id"]
    return _stubs(rows, state, sn.get("channelId") or top["snippet"].get("channelId"))


def _comment_resource(item: dict[str, Any], state: dict[str, Any], import_id: str) -> list[Row]:
    """A ``comments.list`` comment. A reply without ``snippet.videoId`` takes the video of its thread when this file
    read it earlier, else its ``post_id`` stays null until :meth:`YouTubeAPI.place` gives it its parent's
    (noted in :data:`_UNPLACED`, with where the record is)."""
    sn = item.get("snippet")
    vid = None
    if type(sn) is dict and not sn.get("videoId"):
        parent = sn.get("parentId")
        vid = state.get("video_of", _EMPTY).get(parent) if type(parent) is str else None
    row = _comment(item, vid, None, None, placed_later=True)
    if row["post_id"] is None:
        _UNPLACED.setdefault(import_id, {})[row["comment_id"]] = (
            state.get("at", ""),
            state.get("where", ""),
            raw_text(item),
        )
    return _stubs([("comments", row)], state, item["snippet"].get("channelId"))


# ------------------------------------------------------------------------------ engine fast path
_C = (
    "STRUCT(id VARCHAR, snippet STRUCT(channelId VARCHAR, videoId VARCHAR, textOriginal VARCHAR, "
    "textDisplay VARCHAR, authorDisplayName VARCHAR, authorChannelId STRUCT(value VARCHAR), likeCount BIGINT, "
    "publishedAt VARCHAR, parentId VARCHAR))"
)
_ITEM = (
    f"STRUCT(id VARCHAR, snippet STRUCT(channelId VARCHAR, videoId VARCHAR, topLevelComment {_C}, "
    f"totalReplyCount BIGINT), replies STRUCT(comments {_C}[]))"
)


def _fast_plan(path: str, compression: str = "uncompressed", *, fmt: str = "auto") -> Any:
    """commentThreads.list pages → comments + author stubs, in DuckDB (see :mod:`tribescope.ingest._fast`).

    ``compression`` is the file's as its first bytes tell (``"gzip"`` or ``"uncompressed"``), never guessed from its
    name by DuckDB: gzip content saved as ``commentThreads.jsonl`` (or plain text named ``.gz``) is read as it is.
    ``fmt``: the read's format, as for the Instagram plans: ``newline_delimited`` for JSON Lines (:func:`_json_lines`:
    split between DuckDB's threads, with no detection pass; at the issue's 165 MB export ~0.25 s less than ``auto``;
    a later page that is not one line fails the plan, and the file takes the Python path), else ``auto``.

    Mirrors :func:`_thread` / :func:`_comment` / :func:`_stubs`; anything those would treat specially
    (missing ids or snippets, odd timestamps, negative counts, other page kinds) is counted by a check and sends the
    file down the Python path instead. A comment without ``textOriginal`` (the API returns it only where the caller may
    see it) takes its ``textDisplay`` as :func:`_plain` makes it plain text, in the plan: the rows with markup or an
    entity through that very function (:data:`PLAIN_UDF`), the others as they are.
    """
    from tribescope.ingest._fast import FastPlan, in_place_select

    # each comment flattened to the leaves the mapping and checks use (not the whole struct: the HTML
    # ``textDisplay`` alone is as large as the text)
    def leaves(c: str) -> list[tuple[str, str]]:
        display = f"{c}.snippet.textDisplay"
        plain = (
            f"CASE WHEN contains({display}, '<') OR contains({display}, '&') THEN {PLAIN_UDF}({display}) "
            f"ELSE {display} END"
        )
        return [
            (f"{c} IS NULL", "c_null"),
            (f"{c}.snippet IS NULL", "sn_null"),
            (f"coalesce({c}.snippet.textOriginal, {plain})", "text"),
            (f"{c}.snippet.authorDisplayName", "dname"),
            (f"nullif({c}.snippet.authorChannelId.value, '')", "author_id"),
            (f"{c}.snippet.likeCount", "likes"),
            (f"{c}.snippet.publishedAt", "published"),
        ]

    def flat(c: str) -> str:
        return ", ".join(f"{expr} AS {name}" for expr, name in leaves(c))

    def reply_or_top(r: str) -> str:
        """The leaves of the row's top-level comment (already columns of ``items``) when ``j`` is 0, else of its reply
        ``r``."""
        return ", ".join(f"CASE WHEN j = 0 THEN {name} ELSE {expr} END AS {name}" for expr, name in leaves(r))

    top = "it.snippet.topLevelComment"
    name = "nullif(CASE WHEN starts_with(dname, '@') THEN dname[2:] ELSE dname END, '')"
    setup = [
        # the pages unnested to one row per thread as they are read (a page without threads keeps one row, ``it``
        # NULL), each thread kept as its top-level comment's flat leaves and the list of its replies: the flattening
        # then scans a table of 432k narrow rows in row groups, not one row group of 8,682 pages, nor whole threads
        # a second time (a MATERIALIZED CTE of them made the plan ~0.5 s longer at synth m). A NULL thread, snippet or
        # top-level comment gives ``c_null``, which the checks count.
        f"""CREATE TEMP TABLE items AS SELECT kind, has_error, n_items,
              coalesce(nullif({top}.id, ''), nullif(it.id, '')) AS comment_id,
              coalesce(nullif({top}.snippet.videoId, ''), nullif(it.snippet.videoId, '')) AS post_id,
              coalesce(nullif(it.snippet.channelId, ''), {top}.snippet.channelId) AS owner,
              nullif({top}.snippet.parentId, '') AS parent_comment_id, it.snippet.totalReplyCount AS reply_count,
              {flat(top)}, it.replies.comments AS rs
            FROM (SELECT kind, error IS NOT NULL AS has_error, len(items) AS n_items,
                    unnest(CASE WHEN len(items) > 0 THEN items ELSE [NULL] END) AS it
                  FROM read_json({sql_string(path)}, format='{fmt}',
                    compression='{compression}',
                    columns={{'kind': 'VARCHAR', 'items': '{_ITEM}[]', 'error': 'JSON'}},
                    maximum_object_size={_max_object(fmt)}))""",
        # threads → their top-level comment (``j`` 0) and replies (``j`` 1…), in file order as they come: one row per
        # thread and comment, the thread's leaves or its reply ``rs[j]``'s. No UNION of threads and replies: its rows
        # had to be sorted back into file order (``ORDER BY _seq``), ~7 of the plan's ~51 CPU-s at scale l. ``_seq``
        # (the thread's row, then the reply) orders the account stubs. Not TEMP: the comments are merged from here
        # (``in_place``), so each carries its canonical columns too (a timestamp DuckDB cannot read fails the plan).
        f"""CREATE TABLE c AS
           SELECT *, 'youtube' AS platform, {name} AS author_name, nullif(published, '')::TIMESTAMPTZ AS created_at,
                  NULL::TIMESTAMPTZ AS snapshot_at
           FROM (SELECT _k * 10000 + j AS _seq,
                  CASE WHEN j = 0 THEN comment_id ELSE nullif(rs[j].id, '') END AS comment_id,
                  CASE WHEN j = 0 THEN post_id ELSE coalesce(nullif(rs[j].snippet.videoId, ''), post_id) END AS post_id,
                  owner,
                  CASE WHEN j = 0 THEN parent_comment_id
                       ELSE coalesce(nullif(rs[j].snippet.parentId, ''), comment_id) END AS parent_comment_id,
                  CASE WHEN j = 0 THEN reply_count END AS reply_count, {reply_or_top("rs[j]")}
           FROM (SELECT rowid AS _k, *, unnest(range(0, coalesce(len(rs), 0) + 1)) AS j FROM items WHERE n_items > 0))""",
    ]
    checks = [
        "SELECT count(*) FROM items WHERE kind IS DISTINCT FROM 'youtube#commentThreadListResponse' OR has_error",
        # also every NULL thread, thread snippet or top-level comment (its row has ``c`` NULL)
        "SELECT count(*) FROM c WHERE c_null OR sn_null OR comment_id IS NULL OR post_id IS NULL",
        """SELECT count(*) FROM c WHERE likes < 0 OR reply_count < 0
             OR (published IS NOT NULL AND published <> ''
                 AND (NOT regexp_full_match(published,
                        '\\d{4}-\\d{2}-\\d{2}T([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,6})?(Z|[+-]([01]\\d|2[0-3]):[0-5]\\d)')
                      OR NOT created_at BETWEEN '0001-01-01 00:00:00+00'::TIMESTAMPTZ
                                            AND '9999-12-31 23:59:59.999999+00'::TIMESTAMPTZ))""",
        "SELECT count(*) FROM c WHERE contains(text, chr(0)) OR contains(dname, chr(0))",
    ]
    # in the order of ``c`` (file order): no ``_seq``, so no sort; merged from ``c`` itself (``in_place``)
    comments = in_place_select("comments", "c")
    accounts = """
        SELECT min(_seq) AS _seq, 'youtube' AS platform, account_id, username FROM (
            SELECT _seq, author_id AS account_id,
                   CASE WHEN author_id = owner THEN NULL ELSE author_name END AS username
            FROM c) WHERE account_id IS NOT NULL
        GROUP BY account_id, username"""
    return FastPlan(
        setup=setup,
        checks=checks,
        records="SELECT count(*) FROM items WHERE n_items > 0",
        tables={"comments": comments, "accounts": accounts},
        release=("items",),
        in_place={"comments": "c"},
        functions={PLAIN_UDF: _plain},
    )


def _max_object(fmt: str) -> int:
    """The plan's ``read_json`` ``maximum_object_size``. It sizes the reader's buffers, each filled fresh (every byte
    a page fault), and DuckDB reads a line up to about twice it before failing the plan (the file then takes the
    Python path). A JSON Lines page is one line of at most 100 threads, far below DuckDB's default (16 MiB); a
    whole-file document (``format='auto'``) keeps 64 MiB. With 64 MiB buffers the read of synth m's 449 MB export
    took 2.5 CPU-s and 132k page faults, with the default 1.9 CPU-s and 43k (the issue's 165 MB: 0.79 against 0.64)."""
    return 16 * 2**20 if fmt == "newline_delimited" else 64 * 2**20


#: the SQL name of :func:`_plain` in the plan, which calls it for the ``textDisplay`` with markup or an entity only
PLAIN_UDF = "__tribescope_youtube_plain"


def _yt_fast_plan(self: YouTubeAPI, src: Source, ctx: Context) -> Any:
    if src.size < FAST_MIN_BYTES:  # small files: the Python path is as fast and needs no second reader
        return None
    probe = Probe.of(src)
    if b"youtube#commentThreadListResponse" not in probe.head[:4096]:
        return None
    return _fast_plan(
        str(src.path),
        "gzip" if src.compression == "gzip" else "uncompressed",
        fmt="newline_delimited" if _json_lines(probe, src) else "auto",
    )


def _json_lines(probe: Probe, src: Source) -> bool:
    """Whether ``src`` is JSON Lines of pages, one a line (as export tools save API responses): what format detection
    takes for NDJSON (:class:`~tribescope.ingest._readers.Probe`: its first line is a whole JSON value) whose first
    value is a page (an object), its content not opening with a byte-order mark (:func:`json_lines_format`: DuckDB's
    JSON Lines reader refuses one; its ``format='auto'`` reads it). A pretty-printed page, a JSON array of pages
    or a first line longer than the probe is not JSON Lines here either: ``format='auto'`` reads those."""
    if probe.json_kind != "ndjson" or not isinstance(probe.first_json, dict):
        return False
    return json_lines_format(src) == "newline_delimited"


YouTubeAPI.fast_plan = _yt_fast_plan  # type: ignore[attr-defined]
