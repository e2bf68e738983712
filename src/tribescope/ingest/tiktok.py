"""TikTok Research API responses: video query, video comment list, user info.

A file may hold one response, a JSON array of responses, or NDJSON with one response per line,
optionally gzip-compressed. Every video / comment is one record (location
``line 2, data.videos[3]``), so one bad item is rejected alone; a user info response is one record.

Mapping (field names from https://developers.tiktok.com/doc/research-api-specs-query-videos,
``…-query-video-comments`` and ``…-query-user-info``):

* ``POST /v2/research/video/query/`` → ``data.videos[]`` → ``posts`` (+ an ``accounts`` stub for the
  creator with ``region_code`` as country): post_id = ``id``, creator_id = ``username`` lower-cased,
  created_at = ``create_time`` (unix seconds, UTC), caption = ``video_description``,
  hashtags = ``hashtag_names`` (+ ``#tags`` in the description), mentions = ``video_mention_list``
  (+ ``@handles`` in the description), views/likes/shares/comments_count = ``view_count`` /
  ``like_count`` / ``share_count`` / ``comment_count``, duration_s = ``video_duration``,
  media_type ``video``, url = ``https://www.tiktok.com/@USER/video/ID``.
* ``POST /v2/research/video/comment/list/`` → ``data.comments[]`` → ``comments``: comment_id = ``id``,
  post_id = ``video_id``, parent_comment_id = ``parent_comment_id`` unless it is the video id or 0
  (the API's marks of a top-level comment), likes = ``like_count``, reply_count, text, created_at.
  The API gives no author; a non-standard ``username`` field, when an exporter adds one, becomes
  author_id (lower-cased) / author_name and an ``accounts`` stub.
* ``POST /v2/research/user/info/`` → ``data`` → ``accounts``: full_name = ``display_name``,
  bio = ``bio_description``, followers = ``follower_count``, following = ``following_count``,
  posts = ``video_count``, is_verified, external_url = ``bio_url``. The API does not echo the
  requested ``username``; the exporter must record it next to ``data`` (or inside it).

A response whose ``error.code`` is not ``"ok"`` is a bad record naming the code and message.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import ijson

from tribescope.errors import FieldError, SourceError
from tribescope.ingest._base import (
    FAST_MIN_BYTES,
    Context,
    Format,
    Row,
    extract_hashtags,
    extract_mentions,
    raw_text,
    sql_string,
    to_bool,
    to_float,
    to_int,
    to_str,
    to_ts,
)
from tribescope.ingest._readers import Probe, Source, iter_json_values, json_lines_format

__all__ = ["TikTokResearch"]

PLATFORM = "tiktok"
USER_FIELDS = frozenset(
    {
        "display_name",
        "bio_description",
        "avatar_url",
        "is_verified",
        "follower_count",
        "following_count",
        "likes_count",
        "video_count",
        "bio_url",
    }
)
_LIST_KEYS = ("videos", "comments")
_SEEN_LIMIT = 1_000_000


# ---------------------------------------------------------------------------- coercion naming the field


# The shared coercers already range-check 64-bit counts and pass typed values through.
_int = to_int
_str = to_str


def _id(v: Any, name: str) -> str:
    """A required id: TikTok ids are int64 in JSON; text is accepted too."""
    if type(v) is int:
        return str(v)
    if type(v) is str and v.strip():
        return v.strip()
    if v is None or v == "":
        raise FieldError(name, "is missing or empty, but is required")
    if type(v) is float and v.is_integer():
        return str(int(v))
    raise FieldError(name, f"expected an id (a whole number), found {v!r}")


def _ts(v: Any, name: str) -> dt.datetime | None:
    try:
        return to_ts(v, name)
    except OverflowError:
        raise FieldError(name, f"timestamp {v!r} is out of range") from None


def _names(v: Any, name: str) -> list[str]:
    """A list of hashtag / user names, lower-cased, without '#'/'@'."""
    if v is None:
        return []
    if type(v) is not list:
        raise FieldError(name, f"expected a list of names, found {type(v).__name__}")
    out = []
    for x in v:
        if type(x) is dict:  # hashtag_info_list-style entries
            x = x.get("hashtag_name") or x.get("username") or x.get("name")
        if x is None:
            continue
        if type(x) is not str:
            raise FieldError(name, f"expected a list of names, found an element {x!r}")
        x = x.strip().lstrip("#@").lower()
        if x:
            out.append(x)
    return out


def _is_response(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    data, err = doc.get("data"), doc.get("error")
    if isinstance(data, dict) and (
        isinstance(data.get("videos"), list)
        or isinstance(data.get("comments"), list)
        or USER_FIELDS & data.keys()
    ):
        return True
    return isinstance(err, dict) and isinstance(err.get("code"), str) and "log_id" in err


def _head_has_response_keys(head: bytes) -> bool:
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(head)):
            if (
                event == "map_key"
                and prefix in ("data", "item.data")
                and (value in _LIST_KEYS or value in USER_FIELDS)
            ):
                return True
    except (ijson.JSONError, ijson.IncompleteJSONError):
        pass
    return False


def _api_error(err: dict[str, Any]) -> str:
    log = f", log_id {err['log_id']}" if err.get("log_id") else ""
    return (
        f"the TikTok Research API returned error {err.get('code')!r}: {err.get('message') or 'no message'}{log}. "
        "This response holds no data; request it again or remove it from the file"
    )


class TikTokResearch(Format):
    """TikTok Research API video, comment and user info responses."""

    name = "tiktok"
    description = (
        "TikTok Research API JSON: video query, video comment list, user info responses "
        "(one response, an array, or NDJSON)"
    )
    platform = PLATFORM

    def sniff(self, probe: Probe) -> bool:
        doc = probe.first_json
        if isinstance(doc, list):
            doc = doc[0] if doc else None
        if _is_response(doc):
            return True
        # a first page larger than the probe: look at the keys under "data" as they stream by
        return b'"data"' in probe.head[:512] and _head_has_response_keys(probe.head)

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        state = ctx.state
        for loc, page in iter_json_values(src):
            if isinstance(page, SourceError):
                yield loc, page
                continue
            if not isinstance(page, dict):
                yield (
                    loc,
                    SourceError(
                        loc,
                        f"expected a TikTok Research API response object, found {type(page).__name__}",
                        recoverable=True,
                        raw=raw_text(page),
                    ),
                )
                continue
            err = page.get("error")
            if isinstance(err, dict) and err.get("code") not in (None, "ok"):
                yield loc, SourceError(loc, _api_error(err), recoverable=True, raw=raw_text(page))
                continue
            data = page.get("data")
            if data is None and err is None:
                yield (
                    loc,
                    SourceError(
                        loc,
                        "not a TikTok Research API response: expected an object with `data` and `error`",
                        recoverable=True,
                        raw=raw_text(page),
                    ),
                )
                continue
            if data is None or data == {}:
                continue  # an empty page
            if not isinstance(data, dict):
                yield (
                    loc,
                    SourceError(
                        f"{loc}, data",
                        f"expected a JSON object, found {type(data).__name__}",
                        recoverable=True,
                        raw=raw_text(page),
                    ),
                )
                continue
            for key, kind in (("videos", "video"), ("comments", "comment")):
                items = data.get(key)
                if items is None:
                    continue
                if not isinstance(items, list):
                    yield (
                        loc,
                        SourceError(
                            f"{loc}, data.{key}",
                            f"expected a list, found {type(items).__name__}",
                            recoverable=True,
                            raw=raw_text(page),
                        ),
                    )
                    break
                state["kind"] = kind
                for i, item in enumerate(items):
                    where = f"data.{key}[{i}]"
                    state["where"] = where
                    yield f"{loc}, {where}", item
                break
            else:
                if USER_FIELDS & data.keys() or "username" in data:
                    state["kind"], state["where"] = "user", ""
                    yield loc, page
                else:
                    yield (
                        loc,
                        SourceError(
                            loc,
                            "a response whose data holds neither videos, comments nor user info fields "
                            f"({', '.join(sorted(USER_FIELDS))})",
                            recoverable=True,
                            raw=raw_text(page),
                        ),
                    )

    def convert(self, raw: Any, ctx: Context) -> list[Row]:
        state = ctx.state
        try:
            if type(raw) is not dict:
                raise FieldError(None, f"expected a JSON object, found {type(raw).__name__}")
            kind = state.get("kind")
            if kind == "comment":
                return _comment(raw, state)
            if kind == "video":
                return _video(raw)
            return _user(raw)
        except FieldError as exc:
            where = state.get("where")
            if where:
                raise FieldError(f"{where}.{exc.field}" if exc.field else where, exc.message) from None
            raise


def _handle(v: Any, name: str) -> str | None:
    s = _str(v, name)
    if s is None:
        return None
    s = s.strip().lstrip("@")
    return s or None


def _video(v: dict[str, Any]) -> list[Row]:
    vid = _id(v.get("id"), "id")
    user = _handle(v.get("username"), "username")
    if user is None:
        raise FieldError(
            "username",
            "is missing: the creator's username keys the video; request the "
            "`username` field in the video query's `fields` parameter",
        )
    aid = user.lower()
    desc = _str(v.get("video_description"), "video_description")
    hashtags = _names(v.get("hashtag_names"), "hashtag_names") + extract_hashtags(desc)
    mentions = _names(v.get("video_mention_list"), "video_mention_list") + extract_mentions(desc)
    dur = v.get("video_duration")
    return [
        (
            "posts",
            {
                "platform": PLATFORM,
                "post_id": vid,
                "creator_id": aid,
                "created_at": _ts(v.get("create_time"), "create_time"),
                "media_type": "video",
                "caption": desc,
                "likes": _int(v.get("like_count"), "like_count"),
                "comments_count": _int(v.get("comment_count"), "comment_count"),
                "views": _int(v.get("view_count"), "view_count"),
                "shares": _int(v.get("share_count"), "share_count"),
                "hashtags": list(dict.fromkeys(hashtags)),
                "mentions": list(dict.fromkeys(mentions)),
                "url": f"https://www.tiktok.com/@{user}/video/{vid}",
                "duration_s": to_float(dur, "video_duration") if dur is not None else None,
            },
        ),
        (
            "accounts",
            {
                "platform": PLATFORM,
                "account_id": aid,
                "username": user,
                "country": _str(v.get("region_code"), "region_code") or None,
            },
        ),
    ]


def _comment(c: dict[str, Any], state: dict[str, Any]) -> list[Row]:
    cid = _id(c.get("id"), "id")
    vid = _id(c.get("video_id"), "video_id")
    parent = c.get("parent_comment_id")
    if parent is not None:
        parent = None if parent in (0, "0", "") else _id(parent, "parent_comment_id")
        if parent == vid:
            parent = None
    user = _handle(c.get("username"), "username")
    aid = user.lower() if user else None
    rows: list[Row] = [
        (
            "comments",
            {
                "platform": PLATFORM,
                "comment_id": cid,
                "post_id": vid,
                "author_id": aid,
                "author_name": user,
                "parent_comment_id": parent,
                "created_at": _ts(c.get("create_time"), "create_time"),
                "text": _str(c.get("text"), "text"),
                "likes": _int(c.get("like_count"), "like_count"),
                "reply_count": _int(c.get("reply_count"), "reply_count"),
            },
        )
    ]
    if aid is not None:
        seen: set[tuple[str, str | None]] | None = state.get("seen")
        if seen is None:
            seen = state["seen"] = set()
        key = (aid, user)
        if key not in seen:  # the record is fully converted here, so remembering it is safe
            if len(seen) > _SEEN_LIMIT:
                seen.clear()
            seen.add(key)
            rows.append(("accounts", {"platform": PLATFORM, "account_id": aid, "username": user}))
    return rows


def _user(page: dict[str, Any]) -> list[Row]:
    data = page.get("data")
    if type(data) is not dict:
        raise FieldError("data", "is missing or not an object, but is required")
    user = _handle(page.get("username"), "username") or _handle(data.get("username"), "data.username")
    if user is None:
        raise FieldError(
            "username",
            "is missing: a user info response does not say whose profile it is (the API takes the username "
            "as a request parameter and does not echo it); the exporter must record it as a top-level "
            '"username" field next to "data"',
        )
    verified = data.get("is_verified")
    return [
        (
            "accounts",
            {
                "platform": PLATFORM,
                "account_id": user.lower(),
                "username": user,
                "full_name": _str(data.get("display_name"), "data.display_name"),
                "bio": _str(data.get("bio_description"), "data.bio_description"),
                "followers": _int(data.get("follower_count"), "data.follower_count"),
                "following": _int(data.get("following_count"), "data.following_count"),
                "posts": _int(data.get("video_count"), "data.video_count"),
                "is_verified": verified
                if verified is None or type(verified) is bool
                else to_bool(verified, "data.is_verified"),
                "external_url": _str(data.get("bio_url"), "data.bio_url") or None,
                # the Research API returns an empty avatar_url when no picture is set; absent = unknown
                "has_profile_pic": None
                if "avatar_url" not in data
                else bool(_str(data.get("avatar_url"), "data.avatar_url")),
            },
        )
    ]


# ---------------------------------------------------------------------------- engine fast path

#: a comment's fields the plan reads, each as JSON (its type is checked, then its text taken)
_COMMENT_FIELDS = (
    "id",
    "video_id",
    "parent_comment_id",
    "username",
    "create_time",
    "text",
    "like_count",
    "reply_count",
)
#: an id or username the plan maps as it is: printable ASCII without spaces, so ``str.strip`` leaves it unchanged and
#: ``lower`` agrees with Python's (anything else goes down the Python path, which strips, checks and names the field)
_PLAIN = "'^[!-~]+$'"


def _comments_fast_plan(path: str, compression: str = "uncompressed", fmt: str = "newline_delimited") -> Any:
    """Comment list pages (JSON Lines, one response a line) → comments + commenter stubs, in DuckDB (see
    :mod:`tribescope.ingest._fast`).

    Mirrors :meth:`TikTokResearch.records` and :func:`_comment` for the common case, each field read as JSON and
    required to have the JSON type that case has: ids whole numbers (or plain text, :data:`_PLAIN`), the parent
    the video's id, ``0`` or another comment's, ``create_time`` whole unix seconds, counts whole numbers ≥ 0 that fit 64
    bits, ``text`` text without NUL, ``username`` plain text; every page an ``ok`` (or error-less) response whose
    ``data.comments`` is a list (no ``videos``, no user info). Any other page or comment is counted by a check (or
    fails the read) and sends the file down the Python path, which rejects or coerces it naming the field.
    Stubs keep the first occurrence of each username, as the Python path's ``seen`` set does.
    """
    from tribescope.ingest._fast import FastPlan, in_place_select, json_count, json_opt, json_secs, json_text

    item = "STRUCT(" + ", ".join(f"{f} JSON" for f in _COMMENT_FIELDS) + ")"
    page = f"STRUCT(videos JSON, comments {item}[])"

    def leaf(f: str) -> str:
        return f"json_type(it.{f}) AS t_{f}, it.{f}->>'$' AS v_{f}"

    ints = "('BIGINT', 'UBIGINT')"
    setup = [
        # one row per comment as the pages are read (a page without comments keeps one row, ``it`` NULL, for the
        # page checks); the comment's fields as their JSON types and texts
        f"""CREATE TEMP TABLE items AS SELECT bad_page, n_items, it IS NULL AS it_null,
              {", ".join(leaf(f) for f in _COMMENT_FIELDS)}
            FROM (SELECT n_items, bad_page, unnest(CASE WHEN n_items > 0 THEN cs ELSE [NULL] END) AS it
                  FROM (SELECT len(data.comments) AS n_items, data.comments AS cs,
                          data.comments IS NULL
                          OR coalesce(json_type(data.videos), 'NULL') <> 'NULL'
                          OR (coalesce(json_type(error), '') = 'OBJECT'
                              AND coalesce(json_type(error, '$.code'), 'NULL') <> 'NULL'
                              AND NOT (json_type(error, '$.code') = 'VARCHAR' AND (error->>'$.code') = 'ok'))
                          AS bad_page
                        FROM read_json({sql_string(path)}, format='{fmt}', compression='{compression}',
                          columns={{'data': '{page}', 'error': 'JSON'}}, maximum_object_size=16777216)))""",
        # the comments in file order, under the canonical names and types (merged from here: ``in_place``)
        """CREATE TABLE c AS
           SELECT *, 'tiktok' AS platform, v_id AS comment_id, v_video_id AS post_id, lower(uname) AS author_id,
                  uname AS author_name,
                  CASE WHEN v_parent_comment_id IN ('0', '') OR v_parent_comment_id = v_video_id THEN NULL
                       ELSE v_parent_comment_id END AS parent_comment_id,
                  to_timestamp(v_create_time::BIGINT) AS created_at, v_text AS text,
                  v_like_count::BIGINT AS likes, v_reply_count::BIGINT AS reply_count,
                  NULL::TIMESTAMPTZ AS snapshot_at
           FROM (SELECT rowid AS _seq, *, nullif(ltrim(v_username, '@'), '') AS uname FROM items WHERE n_items > 0)""",
    ]

    def is_plain(f: str, *, optional: bool = False) -> str:
        """an id (a whole number or :data:`_PLAIN` text), or a username (``_PLAIN`` text); ``optional``: also
        absent, null or ``""`` (a parent's ``""`` marks a top-level comment, as ``0`` and ``"0"`` do)"""
        t, v = f"t_{f}", f"v_{f}"
        ok = f"({t} = 'VARCHAR' AND regexp_full_match({v}, {_PLAIN}))"
        if f != "username":
            ok = f"({t} IN {ints} OR {ok})"
        return f"({json_opt(t)} OR ({t} = 'VARCHAR' AND {v} = '') OR {ok})" if optional else ok

    tests = [
        is_plain("id"),
        is_plain("video_id"),
        is_plain("parent_comment_id", optional=True),
        is_plain("username", optional=True),
        json_text("t_text", "v_text"),
        json_count("t_like_count", "v_like_count"),
        json_count("t_reply_count", "v_reply_count"),
        json_secs("t_create_time", "v_create_time"),
    ]
    checks = [
        # pages of other kinds (videos, user info, an API error, no data) and comments that are not objects
        "SELECT count(*) FROM items WHERE bad_page OR (n_items > 0 AND it_null)",
        # a comment is mapped only when every test is true, not NULL (a missing id has no JSON type)
        f"SELECT count(*) FROM c WHERE NOT coalesce({' AND '.join(tests)}, false)",
    ]
    comments = in_place_select("comments", "c")
    accounts = """
        SELECT min(_seq) AS _seq, 'tiktok' AS platform, lower(uname) AS account_id, uname AS username
        FROM c WHERE uname IS NOT NULL GROUP BY uname"""
    return FastPlan(
        setup=setup,
        checks=checks,
        records="SELECT count(*) FROM items WHERE n_items > 0",
        tables={"comments": comments, "accounts": accounts},
        release=("items",),
        in_place={"comments": "c"},
    )


def _tiktok_fast(self: TikTokResearch, src: Source, ctx: Context) -> Any:
    """The engine plan of a large JSON Lines file of comment list pages (its first page holds ``"comments"``)."""
    if src.size < FAST_MIN_BYTES or ctx.snapshot_at is not None:
        return None
    probe = Probe.of(src)
    if probe.json_kind != "ndjson" or not isinstance(probe.first_json, dict):
        return None
    data = probe.first_json.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("comments"), list) or "videos" in data:
        return None
    return _comments_fast_plan(
        str(src.path), "gzip" if src.compression == "gzip" else "uncompressed", json_lines_format(src)
    )


TikTokResearch.fast_plan = _tiktok_fast  # type: ignore[attr-defined]
