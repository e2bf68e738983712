"""Instagram exports → ``accounts``, ``posts``, ``comments``.

These shapes are read, each detected from content:

* :class:`InstagramWeb` — the web GraphQL post document ``shortcode_media`` (``{"graphql":
  {"shortcode_media": …}}``, ``{"data": {"shortcode_media": …}}``, instaloader's ``{"node": …, "instaloader":
  {"node_type": "Post"}}`` — ``.json`` or its default ``.json.xz``; of a node without ``taken_at_timestamp`` /
  ``edge_media_to_caption``, its ``date`` / ``caption`` are read, as instaloader's ``Post`` reads them — or the bare
  media object), one per file, a JSON array of them, or one per line; and instaloader's profile metadata
  (``<profile>_<id>.json.xz``: ``{"node": …, "instaloader": {"node_type": "Profile"}}``), the creator's account row;
  and instaloader's comments of a post
  (``<post>_comments.json``, written with ``--comments``: a JSON array of comments with their ``answers``), whose post
  is the one instaloader saved next to it (``<post>.json.xz`` or ``<post>.json``).
* :class:`InstaloaderCompanion` — instaloader's other files beside that JSON: the caption ``<post>.txt`` (and the
  ``<post>_old_NN.txt`` it replaced), the geotag ``<post>_location.txt``, the pictures and videos (``<post>.jpg``,
  ``<post>.mp4``, ``<post>_<n>.<ext>``), the profile's ``id`` file, stories (``--stories``: a story is no post) and
  the resume file of an interrupted download. They are recognised by their names and the instaloader JSON they
  belong to (a ``.txt`` with no instaloader post of its name beside it is still not recognised) and read as nothing,
  so a download folder imports without ``--skip-bad``.
* :class:`InstagramGraphAPI` — Instagram Graph API JSON: ``/{ig-user-id}/media`` pages (IG Media with
  embedded ``comments{…,replies{…}}``), ``/{ig-media-id}/comments`` pages (IG Comment; each needs
  ``media.id``) and Business Discovery documents (``{"business_discovery": {…, "media": {"data": […]}}}``).
* :class:`InstagramKim` — the flattened research form of Kim et al. (WWW 2020): posts JSONL,
  comments JSONL (``parent_comment_id`` = the top-level comment) and the tab-separated
  ``influencers.txt`` (``Username  Category  #Followers  #Followees  #Posts``).

Account ids are the lower-cased username everywhere (the numeric Instagram ids differ between the
web and the Graph API, so they never enter a key). Posts keep the id their source uses
(web GraphQL and Kim et al. share the numeric media id).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import ijson
import orjson

from tribescope.errors import FieldError, SourceError
from tribescope.ingest._base import (
    FAST_MIN_BYTES,
    Context,
    Format,
    Row,
    extract_hashtags,
    extract_mentions,
    need,
    sql_string,
    to_int,
    to_ts,
)
from tribescope.ingest._readers import Probe, Source, iter_csv_rows, iter_json_values, json_lines_format

__all__ = [
    "InstagramGraphAPI",
    "InstagramKim",
    "InstagramWeb",
    "InstaloaderCompanion",
    "instaloader_companion",
]

P = "instagram"

#: ``__typename`` (web) and ``media_type`` (Graph API) → canonical ``posts.media_type``.
MEDIA_TYPES = {
    "graphimage": "image",
    "graphvideo": "video",
    "graphsidecar": "carousel",
    "xdtgraphimage": "image",
    "xdtgraphvideo": "video",
    "xdtgraphsidecar": "carousel",
    "image": "image",
    "video": "video",
    "carousel_album": "carousel",
    "reels": "video",
}


# ---------------------------------------------------------------------------- small typed accessors


def _obj(v: Any, name: str) -> dict[str, Any]:
    """``v`` as a JSON object (``{}`` when absent), else a FieldError naming ``name``."""
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise FieldError(name, f"expected a JSON object, found {type(v).__name__}")
    return v


def _arr(v: Any, name: str) -> list[Any]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise FieldError(name, f"expected a JSON array, found {type(v).__name__}")
    return v


def _text(v: Any, name: str) -> str | None:
    if v is None or isinstance(v, str):
        return v
    raise FieldError(name, f"expected text, found {type(v).__name__}")


def _handle(v: Any, name: str) -> str:
    """A username → the canonical Instagram ``account_id`` (lower-case, no '@')."""
    if not isinstance(v, str) or not v.strip().lstrip("@"):
        raise FieldError(name, f"expected a username, found {v!r}")
    return v.strip().lstrip("@").lower()


def _opt_handle(v: Any, name: str) -> str | None:
    return None if v is None or v == "" else _handle(v, name)


def _count(conn: Any, name: str) -> Any:
    """``conn["count"]`` of a GraphQL connection such as ``edge_liked_by``."""
    return _obj(conn, name).get("count")


def _nodes(conn: Any, name: str) -> list[dict[str, Any]]:
    """The ``node`` objects of a GraphQL connection ``{"edges": [{"node": …}]}``."""
    out = []
    for i, e in enumerate(_arr(_obj(conn, name).get("edges"), f"{name}.edges")):
        out.append(_obj(_obj(e, f"{name}.edges[{i}]").get("node"), f"{name}.edges[{i}].node"))
    return out


def _media_type(v: Any, name: str) -> str | None:
    s = _text(v, name)
    return MEDIA_TYPES.get(s.lower(), s.lower()) if s else None


def _stub(username: str, **extra: Any) -> Row:
    return "accounts", {"platform": P, "account_id": username.lower(), "username": username, **extra}


# ---------------------------------------------------------------------------- web GraphQL


def _shortcode_media(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise FieldError(None, f"expected a shortcode_media JSON object, found {type(doc).__name__}")
    for outer in ("graphql", "data"):
        inner = doc.get(outer)
        if isinstance(inner, dict):
            for k in ("shortcode_media", "xdt_shortcode_media"):
                if k in inner:
                    return _obj(inner[k], f"{outer}.{k}") or _missing(f"{outer}.{k}")
    if _is_instaloader(doc, "Post"):
        return _obj(doc.get("node"), "node") or _missing("node")
    return doc


def _is_instaloader(d: dict[str, Any], node_type: str) -> bool:
    """Whether ``d`` is instaloader's JSON of a ``node_type`` structure (``"Post"``, ``"Profile"``): ``{"node": {…},
    "instaloader": {"node_type": node_type, "version": …}}``, as its ``save_metadata_json`` writes it."""
    meta = d.get("instaloader")
    return isinstance(meta, dict) and meta.get("node_type") == node_type


def _instaloader_profile(doc: dict[str, Any]) -> Iterator[Row]:
    """instaloader's profile metadata (``<profile>_<id>.json.xz``) → the account row.

    The node is ``Profile._asdict()``: the web profile (``web_profile_info``'s ``data.user``) without its media
    connections (``edge_owner_to_timeline_media`` is dropped, so the post count is known only from ``iphone_struct``,
    which a logged-in download adds): ``username``, ``full_name``, ``biography``, ``edge_followed_by.count``
    (followers), ``edge_follow.count`` (following), ``is_private``, ``is_verified``, ``external_url``,
    ``category_name``. Contact fields (``business_email``, ``business_phone_number``, ``business_address_json``)
    are not read."""
    n = _obj(doc.get("node"), "node") or _missing("node")
    uname = _text(need(n, "username", "node"), "node.username") or ""
    _handle(uname, "node.username")
    iphone = _obj(n.get("iphone_struct"), "node.iphone_struct")
    followers = _count(n.get("edge_followed_by"), "node.edge_followed_by")
    following = _count(n.get("edge_follow"), "node.edge_follow")
    posts = _count(n.get("edge_owner_to_timeline_media"), "node.edge_owner_to_timeline_media")
    category = _text(n.get("category_name"), "node.category_name") or _text(
        n.get("business_category_name"), "node.business_category_name"
    )
    yield _stub(
        uname,
        full_name=_text(n.get("full_name"), "node.full_name") or None,
        bio=_text(n.get("biography"), "node.biography"),
        followers=iphone.get("follower_count") if followers is None else followers,
        following=iphone.get("following_count") if following is None else following,
        posts=iphone.get("media_count") if posts is None else posts,
        is_private=n.get("is_private"),
        is_verified=n.get("is_verified"),
        external_url=_text(n.get("external_url"), "node.external_url") or None,
        category=category or None,
    )


def _missing(name: str) -> dict[str, Any]:
    raise FieldError(name, "is missing or empty, but is required")


def _looks_web(d: Any) -> bool:
    if not isinstance(d, dict):
        return False
    for outer in ("graphql", "data"):
        inner = d.get(outer)
        if isinstance(inner, dict) and ("shortcode_media" in inner or "xdt_shortcode_media" in inner):
            return True
    if _is_instaloader(d, "Post") or _is_instaloader(d, "Profile"):
        return True
    return (
        "shortcode" in d
        and isinstance(d.get("owner"), dict)
        and ("__typename" in d or "edge_media_to_caption" in d or "taken_at_timestamp" in d)
    )


#: the keys of each comment (and answer) in instaloader's ``<post>_comments.json`` (``update_comments``)
_INSTALOADER_COMMENT = frozenset({"id", "created_at", "text", "owner", "likes_count"})


def _is_instaloader_comment(d: Any) -> bool:
    """Whether ``d`` is a comment of instaloader's ``<post>_comments.json``: ``{"id", "created_at", "text", "owner":
    {profile}, "likes_count", "answers": [...]}``."""
    return (
        isinstance(d, dict)
        and d.keys() >= _INSTALOADER_COMMENT
        and isinstance(d.get("owner"), dict)
        and isinstance(d.get("answers", []), list)
    )


def _first_item(probe: Probe) -> Any:
    """The first element of the JSON array the probe starts (read from its head when the document is larger)."""
    d = probe.first_json
    if isinstance(d, list):
        return d[0] if d else None
    if probe.json_kind == "document" and probe.head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        try:
            return next(ijson.items(io.BytesIO(probe.head), "item", use_float=True), None)
        except (ijson.JSONError, ijson.IncompleteJSONError):
            return None
    return d


def _instaloader_post_of(comments: str) -> tuple[Any, str]:
    """``(post id, creator)`` of instaloader's ``<post>_comments.json`` at ``comments``: those of the post file
    instaloader saves next to it, ``<post>.json.xz`` (or ``<post>.json``); a SourceError when there is none."""
    base = Path(comments)
    prefix = base.name.removesuffix(".json").removesuffix("_comments")
    for name in (f"{prefix}.json.xz", f"{prefix}.json"):
        post = base.with_name(name)
        if post.is_file():
            try:
                doc = next((v for _, v in iter_json_values(Source(post))), None)
                m = _shortcode_media(doc)
                owner = _obj(need(m, "owner", "node"), "node.owner")
                return need(m, "id", "node"), _handle(
                    need(owner, "username", "node.owner"), "node.owner.username"
                )
            except (FieldError, SourceError) as exc:
                raise SourceError(
                    "file", f"the post file {name} next to these comments cannot be read: {exc}"
                ) from exc
    raise SourceError(
        "file",
        f"instaloader's comments file does not name its post: import it with the post file instaloader saves next "
        f"to it ({prefix}.json.xz or {prefix}.json), from the folder it wrote",
    )


def _instaloader_comment(
    c: dict[str, Any], post_id: Any, parent: Any, creator: str, where: str
) -> Iterator[Row]:
    cid = need(c, "id", where)
    owner = _obj(c.get("owner"), f"{where}.owner")
    uname = _text(owner.get("username"), f"{where}.owner.username")
    author = _opt_handle(uname, f"{where}.owner.username")
    answers = None if parent is not None else _arr(c.get("answers"), f"{where}.answers")
    yield (
        "comments",
        {
            "platform": P,
            "comment_id": str(cid),
            "post_id": post_id,
            "author_id": author,
            "author_name": uname,
            "parent_comment_id": parent,
            "created_at": to_ts(c.get("created_at"), f"{where}.created_at"),
            "text": _text(c.get("text"), f"{where}.text"),
            "likes": to_int(c.get("likes_count"), f"{where}.likes_count"),
            "reply_count": None if answers is None else len(answers),
        },
    )
    if uname and author and author != creator:
        yield _stub(uname, is_verified=owner.get("is_verified"))
    for j, a in enumerate(answers or ()):
        yield from _instaloader_comment(
            _obj(a, f"{where}.answers[{j}]"), post_id, str(cid), creator, f"{where}.answers[{j}]"
        )


class InstagramWeb(Format):
    name = "instagram-graphql"
    description = (
        "Instagram web GraphQL post JSON (shortcode_media) or instaloader post, profile and comments JSON (.json, "
        ".json.xz), one per file, array or per line"
    )
    platform = P

    def sniff(self, probe: Probe) -> bool:
        d = _first_item(probe)
        return _looks_web(d) or _is_instaloader_comment(d)

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        for i, (loc, value) in enumerate(iter_json_values(src)):
            if i == 0 and _is_instaloader_comment(value):
                ctx.state["instaloader_post"] = _instaloader_post_of(ctx.path)
            yield loc, value

    def convert(self, raw: Any, ctx: Context) -> Iterable[Row]:
        if isinstance(raw, dict) and _is_instaloader(raw, "Profile"):
            yield from _instaloader_profile(raw)
            return
        if "instaloader_post" in ctx.state:  # a comments file: every record is a comment of that post
            post_id, creator = ctx.state["instaloader_post"]
            yield from _instaloader_comment(_obj(raw, "comment"), post_id, None, creator, "comment")
            return
        m = _shortcode_media(raw)
        post_id = need(m, "id", "shortcode_media")
        owner = _obj(need(m, "owner", "shortcode_media"), "owner")
        oname = need(owner, "username", "owner")
        creator = _handle(oname, "owner.username")
        caption = None
        caps = _nodes(m.get("edge_media_to_caption"), "edge_media_to_caption")
        if caps:
            caption = _text(caps[0].get("text"), "edge_media_to_caption.edges[0].node.text")
        # instaloader's Post reads a node's time and caption from ``date`` and ``caption`` when the node has no
        # ``taken_at_timestamp`` / ``edge_media_to_caption`` (the older feed nodes it saved): so does its JSON here
        ts_key = "taken_at_timestamp"
        if isinstance(raw, dict) and _is_instaloader(raw, "Post"):
            if "taken_at_timestamp" not in m and "date" in m:
                ts_key = "date"
            if not caps and isinstance(m.get("caption"), str):
                caption = m["caption"]
        likes = _count(m.get("edge_media_preview_like"), "edge_media_preview_like")
        if likes is None:
            likes = _count(m.get("edge_liked_by"), "edge_liked_by")
        cname = (
            "edge_media_to_parent_comment" if "edge_media_to_parent_comment" in m else "edge_media_to_comment"
        )
        conn = m.get(cname)
        sponsors = []
        for i, n in enumerate(_nodes(m.get("edge_media_to_sponsor_user"), "edge_media_to_sponsor_user")):
            sp = _obj(n.get("sponsor"), f"edge_media_to_sponsor_user.edges[{i}].node.sponsor")
            if sp.get("username"):
                sponsors.append(
                    _handle(sp["username"], f"edge_media_to_sponsor_user.edges[{i}].node.sponsor.username")
                )
        tagged = []
        for i, n in enumerate(_nodes(m.get("edge_media_to_tagged_user"), "edge_media_to_tagged_user")):
            u = _obj(n.get("user"), f"edge_media_to_tagged_user.edges[{i}].node.user").get("username")
            if u:
                tagged.append(_handle(u, f"edge_media_to_tagged_user.edges[{i}].node.user.username"))
        paid = m.get("is_paid_partnership")
        if paid is None and sponsors:
            paid = True
        shortcode = _text(m.get("shortcode"), "shortcode")
        yield (
            "posts",
            {
                "platform": P,
                "post_id": post_id,
                "creator_id": creator,
                "created_at": to_ts(m.get(ts_key), ts_key),
                "media_type": _media_type(m.get("__typename"), "__typename"),
                "caption": caption,
                "likes": likes,
                "comments_count": _count(conn, cname),
                "views": m.get("video_view_count"),
                "is_paid_partnership": paid,
                "sponsor": ",".join(sponsors) or None,
                "hashtags": extract_hashtags(caption),
                "mentions": extract_mentions(caption),
                "tagged_users": tagged,
                "url": f"https://www.instagram.com/p/{shortcode}/" if shortcode else None,
            },
        )
        followers = _obj(owner.get("edge_followed_by"), "owner.edge_followed_by").get("count")
        posts = _obj(owner.get("edge_owner_to_timeline_media"), "owner.edge_owner_to_timeline_media").get(
            "count"
        )
        yield _stub(
            _text(oname, "owner.username") or "",
            full_name=owner.get("full_name"),
            is_verified=owner.get("is_verified"),
            is_private=owner.get("is_private"),
            followers=followers,
            posts=posts,
        )
        for i, c in enumerate(_nodes(conn, cname)):
            where = f"{cname}.edges[{i}].node"
            yield from _web_comment(c, post_id, None, where, creator)
            for j, r in enumerate(_nodes(c.get("edge_threaded_comments"), f"{where}.edge_threaded_comments")):
                yield from _web_comment(
                    r, post_id, c["id"], f"{where}.edge_threaded_comments.edges[{j}].node", creator
                )


def _web_comment(c: dict[str, Any], post_id: Any, parent: Any, where: str, creator: str) -> Iterator[Row]:
    cid = need(c, "id", where)
    owner = _obj(c.get("owner"), f"{where}.owner")
    uname = _text(owner.get("username"), f"{where}.owner.username")
    author = _opt_handle(uname, f"{where}.owner.username")
    yield (
        "comments",
        {
            "platform": P,
            "comment_id": cid,
            "post_id": post_id,
            "author_id": author,
            "author_name": uname,
            "parent_comment_id": parent,
            "created_at": to_ts(c.get("created_at"), f"{where}.created_at"),
            "text": _text(c.get("text"), f"{where}.text"),
            "likes": _count(c.get("edge_liked_by"), f"{where}.edge_liked_by"),
            "reply_count": None
            if parent is not None
            else _count(c.get("edge_threaded_comments"), f"{where}.edge_threaded_comments"),
        },
    )
    if uname and author and author != creator:  # the creator's own profile row is already out
        yield _stub(uname, is_verified=owner.get("is_verified"))


# ---------------------------------------------------------------------------- instaloader's other files

#: what instaloader writes beside a post's JSON besides its comments (``Instaloader.download_post``): the caption,
#: ``<post>.txt`` (``save_caption``; an earlier caption it replaced, ``<post>_old_01.txt``), the geotag
#: ``<post>_location.txt`` (``save_location``), and the pictures and videos (``download_pic``: ``<post>.<ext>``, or
#: ``<post>_<n>.<ext>`` for the n-th item of a carousel, the extension being the media URL's)
_INSTALOADER_TEXT_SUFFIXES = ("_location", *(f"_old_{i:02}" for i in range(1, 100)))
_INSTALOADER_MEDIA = frozenset({".jpg", ".jpeg", ".png", ".webp", ".heic", ".mp4", ".mov"})
_SIDECAR_ITEM = re.compile(r"(.+)_\d+")
#: the file in which instaloader keeps the numeric id of a profile it downloaded (``save_profile_id``): ``id`` in the
#: profile's folder (``<profile>_id`` when the folder pattern does not name the profile), its id and a newline
_PROFILE_ID = re.compile(rb"\s*(\d+)\s*")
#: the keys of instaloader's resume file of an interrupted download (``FrozenNodeIterator``, saved as
#: ``<resume-prefix>_<hash>.json.xz``)
_RESUME_KEYS = frozenset({"query_variables", "total_index", "best_before", "remaining_data", "first_node"})


def _instaloader_type(path: Path) -> str | None:
    """The ``node_type`` of instaloader's JSON at ``path`` (``"Post"``, ``"Profile"``, ``"StoryItem"``…), ``None``
    when the file is not one (or cannot be read: then it is no evidence either way)."""
    try:
        doc = next((v for _, v in iter_json_values(Source(path))), None)
    except (OSError, SourceError, ValueError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("node"), dict):
        return None
    meta = doc.get("instaloader")
    kind = meta.get("node_type") if isinstance(meta, dict) else None
    return kind if isinstance(kind, str) else None


def _beside_post(path: Path, stems: Iterable[str]) -> bool:
    """Whether one of ``stems`` names instaloader JSON of a post or story item in ``path``'s folder."""
    for stem in stems:
        for name in (f"{stem}.json.xz", f"{stem}.json"):
            other = path.with_name(name)
            if other.is_file() and _instaloader_type(other) in ("Post", "StoryItem"):
                return True
    return False


def instaloader_companion(probe: Probe) -> str | None:
    """What instaloader wrote ``probe``'s file for, when it is one of its files that hold nothing to import beside
    the JSON it saved (else ``None``): a post's caption or geotag text, its pictures and videos, the profile id file,
    a resume file. Told by the file's name and the instaloader JSON it belongs to, never by its name alone: a text
    file with no instaloader post beside it is still an unrecognised file."""
    path = Path(probe.path)
    name, suffix = path.name, path.suffix.lower()
    if suffix == ".txt":
        stem = name[: -len(".txt")]
        stems = [stem] + [stem.removesuffix(s) for s in _INSTALOADER_TEXT_SUFFIXES if stem.endswith(s)]
        return "the caption or geotag of the post saved beside it" if _beside_post(path, stems) else None
    if suffix in _INSTALOADER_MEDIA:
        stem = path.stem
        item = _SIDECAR_ITEM.fullmatch(stem)
        stems = [stem] + ([item[1]] if item else [])
        return "a picture or video of the post saved beside it" if _beside_post(path, stems) else None
    if name == "id" or name.endswith("_id"):
        got = _PROFILE_ID.fullmatch(probe.head)
        if got is None:
            return None
        uid = got[1].decode()
        for other in sorted(path.parent.glob(f"*_{uid}.json*")):
            if other.name.endswith((".json", ".json.xz")) and _instaloader_type(other) == "Profile":
                return "the id of the profile saved beside it"
        return None
    doc = probe.first_json
    if isinstance(doc, dict) and doc.keys() >= _RESUME_KEYS:
        return "the resume state of an interrupted download"
    if isinstance(doc, dict) and _is_instaloader(doc, "StoryItem"):  # --stories
        return "a story (gone after a day; stories are not posts)"
    return None


class InstaloaderCompanion(Format):
    """instaloader's files that hold nothing to import beside its JSON (see :func:`instaloader_companion`).

    instaloader saves each post as ``<post>.json.xz`` (read by :class:`InstagramWeb`, with ``<post>_comments.json``
    and the profile's ``<profile>_<id>.json.xz``) and beside it, by default, the caption as ``<post>.txt``, the
    pictures and videos, and the profile's ``id`` file; with ``--geotags`` a ``<post>_location.txt``; with
    ``--stories`` each story's JSON (``node_type`` ``StoryItem``: stories are not posts, and are not imported); an
    interrupted download leaves a resume file. The caption is in the post's JSON too, so a download folder imports
    as it is: these files are recognised and nothing is read from them (0 records), nor logged in ``imports``
    (:attr:`Format.side_files <tribescope.ingest._base.Format.side_files>`)."""

    name = "instaloader-companion"
    side_files = True
    description = (
        "instaloader's caption, geotag, picture, video, story, profile id and resume files beside the JSON it "
        "saved: recognised, nothing imported (the post's JSON holds the caption)"
    )
    platform = P

    def sniff(self, probe: Probe) -> bool:
        return instaloader_companion(probe) is not None

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        return iter(())

    def convert(self, raw: Any, ctx: Context) -> Iterable[Row]:
        return ()


# ---------------------------------------------------------------------------- Graph API

_MEDIA_KEYS = ("media_type", "media_product_type", "permalink", "caption", "comments_count", "media_url")


def _is_comment(item: dict[str, Any]) -> bool:
    return "text" in item and not any(k in item for k in _MEDIA_KEYS)


def _is_user_with_media(d: dict[str, Any]) -> bool:
    return "username" in d and isinstance(d.get("media"), dict) and isinstance(d["media"].get("data"), list)


class _Rec(dict[str, Any]):
    """One Graph API object and what it is (``media`` | ``comment`` | ``account`` | ``page``)."""

    def __init__(self, kind: str, obj: Any, owner: Any = None) -> None:
        super().__init__(obj if isinstance(obj, dict) else {"value": obj})
        self.kind = kind
        self.valid = isinstance(obj, dict)
        self.owner = owner


class InstagramGraphAPI(Format):
    name = "instagram-graph-api"
    description = "Instagram Graph API JSON: IG Media pages (with comments/replies), IG Comment pages, Business Discovery"
    platform = P

    def sniff(self, probe: Probe) -> bool:
        d = probe.first_json
        if isinstance(d, list):
            d = d[0] if d else None
        if not isinstance(d, dict):
            return False
        if isinstance(d.get("business_discovery"), dict) or _is_user_with_media(d):
            return True
        data = d.get("data")
        if not isinstance(data, list):
            return False
        if not data:
            return "paging" in d
        x = data[0]
        return (
            isinstance(x, dict)
            and "id" in x
            and (
                any(k in x for k in ("media_type", "media_product_type", "permalink"))
                or ("timestamp" in x and ("text" in x or "caption" in x or "like_count" in x))
            )
        )

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        for loc, doc in iter_json_values(src):
            if isinstance(doc, SourceError) or not isinstance(doc, dict):
                yield loc, doc
                continue
            user = (
                doc.get("business_discovery")
                if "business_discovery" in doc
                else (doc if _is_user_with_media(doc) else None)
            )
            if user is not None:
                base = f"{loc}, business_discovery" if user is not doc else loc
                yield base, _Rec("account", user)
                if not isinstance(user, dict):
                    continue
                owner = user.get("username")
                media = user.get("media")
                items = media.get("data") if isinstance(media, dict) else None
                if isinstance(items, list):
                    for i, m in enumerate(items):
                        yield f"{base}.media.data[{i}]", _Rec("media", m, owner)
                elif media is not None:
                    yield f"{base}.media", _Rec("page", media)
                continue
            data = doc.get("data")
            if isinstance(data, list):
                for i, item in enumerate(data):
                    kind = "comment" if isinstance(item, dict) and _is_comment(item) else "media"
                    yield f"{loc}, data[{i}]", _Rec(kind, item)
            elif "id" in doc and any(k in doc for k in _MEDIA_KEYS):
                yield loc, _Rec("media", doc)
            elif "id" in doc and "text" in doc:
                yield loc, _Rec("comment", doc)
            else:
                yield loc, _Rec("page", doc)

    def convert(self, raw: Any, ctx: Context) -> Iterable[Row]:
        if not isinstance(raw, _Rec):  # a top-level value that is not a JSON object
            raise FieldError(None, f"expected a Graph API response object, found {type(raw).__name__}")
        if not raw.valid:
            raise FieldError(None, f"expected a JSON object, found {type(raw.get('value')).__name__}")
        if raw.kind == "account":
            return _api_account(raw)
        if raw.kind == "media":
            return _api_media(raw, raw.owner)
        if raw.kind == "comment":
            media = _obj(raw.get("media"), "media")
            if not media.get("id"):
                raise FieldError(
                    "media.id",
                    "a comment read on its own must say which media it is on: request the comments with "
                    "fields=id,text,timestamp,username,like_count,media,replies{…} (the `media` field gives media.id)",
                )
            return list(_api_comment(raw, media["id"], _text_id(raw.get("parent_id"), "parent_id"), "", None))
        raise FieldError(
            "data",
            "expected a Graph API page with a `data` array of IG Media or IG Comment objects, "
            "or a `business_discovery` object",
        )


def _text_id(v: Any, name: str) -> Any:
    if v is None or isinstance(v, str | int):
        return v
    raise FieldError(name, f"expected an id, found {type(v).__name__}")


def _api_account(u: dict[str, Any]) -> list[Row]:
    uname = need(u, "username", "business_discovery")
    pic = _text(u.get("profile_picture_url"), "profile_picture_url")
    return [
        _stub(
            _text(uname, "username") or "",
            full_name=u.get("name"),
            bio=u.get("biography"),
            external_url=u.get("website"),
            followers=u.get("followers_count"),
            following=u.get("follows_count"),
            posts=u.get("media_count"),
            has_profile_pic=(bool(pic) if "profile_picture_url" in u else None),
        )
    ]


def _api_media(m: dict[str, Any], owner: Any) -> list[Row]:
    mid = need(m, "id")
    uname = m.get("username") or owner
    if not uname:
        raise FieldError(
            "username",
            "the media does not name its account: request the media with the `username` field "
            "(or import a Business Discovery document, which names it)",
        )
    creator = _handle(uname, "username")
    caption = _text(m.get("caption"), "caption")
    rows: list[Row] = [
        (
            "posts",
            {
                "platform": P,
                "post_id": mid,
                "creator_id": creator,
                "created_at": to_ts(m.get("timestamp"), "timestamp"),
                "media_type": _media_type(m.get("media_type"), "media_type"),
                "caption": caption,
                "likes": m.get("like_count"),
                "comments_count": m.get("comments_count"),
                "views": m.get("view_count", m.get("video_views")),
                "hashtags": extract_hashtags(caption),
                "mentions": extract_mentions(caption),
                "url": m.get("permalink"),
            },
        ),
        _stub(_text(uname, "username") or ""),
    ]
    comments = m.get("comments")
    for i, c in enumerate(_arr(_obj(comments, "comments").get("data"), "comments.data")):
        rows.extend(_api_comment(_obj(c, f"comments.data[{i}]"), mid, None, f"comments.data[{i}]", creator))
    return rows


def _api_comment(
    c: dict[str, Any], post_id: Any, parent: Any, where: str, creator: str | None
) -> Iterator[Row]:
    """One IG Comment and its replies. Instagram threads are one level deep — a reply to a reply is
    attached to the top-level comment — so every nested reply gets the top-level comment as parent."""
    todo: list[tuple[dict[str, Any], Any, str]] = [(c, parent, where)]
    top = None
    while todo:
        c, parent, where = todo.pop()
        pre = f"{where}." if where else ""
        cid = need(c, "id", where)
        if top is None:
            top = cid if parent is None else parent
        frm = _obj(c.get("from"), f"{pre}from")
        uname = _text(c.get("username") or frm.get("username"), f"{pre}username")
        author = _opt_handle(uname, f"{pre}username")
        edge = _obj(c.get("replies"), f"{pre}replies")
        replies = _arr(edge.get("data"), f"{pre}replies.data")
        # a ``replies`` page with a next page holds only the first replies: their number is not the comment's
        paging = edge.get("paging")
        more = isinstance(paging, dict) and bool(paging.get("next"))
        yield (
            "comments",
            {
                "platform": P,
                "comment_id": cid,
                "post_id": post_id,
                "author_id": author,
                "author_name": uname,
                "parent_comment_id": parent,
                "created_at": to_ts(c.get("timestamp"), f"{pre}timestamp"),
                "text": _text(c.get("text"), f"{pre}text"),
                "likes": c.get("like_count"),
                "reply_count": len(replies) if parent is None and "replies" in c and not more else None,
            },
        )
        if uname and author and author != creator:
            yield _stub(uname)
        todo.extend(
            reversed(
                [
                    (_obj(r, f"{pre}replies.data[{k}]"), top, f"{pre}replies.data[{k}]")
                    for k, r in enumerate(replies)
                ]
            )
        )


# ---------------------------------------------------------------------------- Kim et al. research form

_KIM_TSV = {"username", "category", "#followers"}


def _kim_kind(d: Any) -> str | None:
    if not isinstance(d, dict) or "owner_username" not in d:
        return None
    if "comment_id" in d and "post_id" in d:
        return "comment"
    if "post_id" in d and ("shortcode" in d or "taken_at_timestamp" in d):
        return "post"
    return None


class InstagramKim(Format):
    name = "instagram-kim"
    description = "Kim et al. Instagram influencer dataset (flattened): posts/comments JSONL, influencers.txt"
    platform = P

    def sniff(self, probe: Probe) -> bool:
        if probe.csv_header:
            return {h.strip().lower() for h in probe.csv_header} >= _KIM_TSV
        return _kim_kind(probe.first_json) is not None

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        if src.head(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
            return iter_json_values(src)
        return iter_csv_rows(src)

    def convert(self, raw: Any, ctx: Context) -> Iterable[Row]:
        if not isinstance(raw, dict):
            raise FieldError(None, f"expected a JSON object, found {type(raw).__name__}")
        if "comment_id" in raw:
            return _kim_comment(raw, ctx.state.setdefault("stubs", set()))
        if "post_id" in raw:
            return _kim_post(raw)
        return _kim_influencer(raw)


def _kim_comment(c: dict[str, Any], seen: set[tuple[Any, ...]]) -> Iterator[Row]:
    uname = c.get("owner_username")
    if uname is not None and not isinstance(uname, str):
        raise FieldError("owner_username", f"expected a username, found {type(uname).__name__}")
    author = uname.lower() if uname else None
    yield (
        "comments",
        {
            "platform": P,
            "comment_id": c["comment_id"],
            "post_id": c.get("post_id"),
            "author_id": author,
            "author_name": uname,
            "parent_comment_id": c.get("parent_comment_id"),
            "created_at": c.get("created_at"),
            "text": c.get("text"),
            "likes": c.get("like_count"),
            "reply_count": c.get("thread_reply_count"),
        },
    )
    if not author:
        return
    verified = c.get("owner_is_verified")
    acc = {"platform": P, "account_id": author, "username": uname, "is_verified": verified}
    if not (verified is None or type(verified) is bool):
        yield "accounts", acc  # not a flag: let the driver's coercion judge it
        return
    key = (uname, verified)
    if key in seen:  # the same commenter stub again: skip it before the driver coerces it
        return
    yield "accounts", acc
    # reached only once the driver accepted the stub (it asks for the next row after checking this one)
    if len(seen) > 1_000_000:
        seen.clear()
    seen.add(key)


def _kim_post(p: dict[str, Any]) -> list[Row]:
    uname = need(p, "owner_username")
    creator = _handle(uname, "owner_username")
    caption = _text(p.get("caption"), "caption")
    sponsors = []
    for i, s in enumerate(_arr(p.get("sponsor_users"), "sponsor_users")):
        name = s.get("username") if isinstance(s, dict) else s
        if name:
            sponsors.append(_handle(name, f"sponsor_users[{i}].username"))
    paid = p.get("is_paid_partnership")
    if paid is None and sponsors:
        paid = True
    shortcode = _text(p.get("shortcode"), "shortcode")
    typename = p.get("typename", p.get("__typename"))
    return [
        (
            "posts",
            {
                "platform": P,
                "post_id": p["post_id"],
                "creator_id": creator,
                "created_at": p.get("taken_at_timestamp"),
                "media_type": _media_type(typename, "typename"),
                "caption": caption,
                "accessibility_caption": _text(p.get("accessibility_caption"), "accessibility_caption"),
                "likes": p.get("like_count"),
                "comments_count": p.get("comment_count"),
                "views": p.get("video_view_count"),
                "is_paid_partnership": paid,
                "sponsor": ",".join(sponsors) or None,
                "hashtags": extract_hashtags(caption),
                "mentions": extract_mentions(caption),
                "tagged_users": p.get("tagged_usernames"),
                "url": f"https://www.instagram.com/p/{shortcode}/" if shortcode else None,
            },
        ),
        _stub(_text(uname, "owner_username") or "", is_verified=p.get("owner_is_verified")),
    ]


def _kim_influencer(r: dict[str, Any]) -> list[Row]:
    low = {str(k).strip().lower(): v for k, v in r.items()}
    uname = need(low, "username")
    return [
        _stub(
            str(uname).strip().lstrip("@"),
            category=(low.get("category") or None),
            followers=low.get("#followers"),
            following=low.get("#followees"),
            posts=low.get("#posts"),
        )
    ]


# ---------------------------------------------------------------------------- engine fast path


def _kim_fast_plan(path: str, gz: bool, fmt: str = "newline_delimited") -> Any:
    """Kim et al. comments JSONL → comments + commenter stubs, in DuckDB (see :mod:`tribescope.ingest._fast`).

    Mirrors :func:`_kim_comment` and the driver's coercion. Every field is read as JSON and must have
    the JSON type the common case has (ids text or whole numbers, ``created_at`` whole unix seconds,
    counts whole numbers 0 or more, ``owner_is_verified`` true/false, ASCII usernames, no NUL characters); any
    other record — or one without ``comment_id`` (a post or influencer row) — is counted by a check and
    sends the file down the Python path, which coerces or rejects it naming the field.
    Stubs keep the first occurrence of each ``(owner_username, owner_is_verified)``, as the Python path.
    ``fmt``: the read's format (:func:`~tribescope.ingest._readers.json_lines_format`).
    """
    from tribescope.ingest._fast import FastPlan

    cols = (
        "comment_id",
        "post_id",
        "parent_comment_id",
        "owner_username",
        "owner_is_verified",
        "created_at",
        "text",
        "like_count",
        "thread_reply_count",
    )
    spec = ", ".join(f"'{c}': 'JSON'" for c in cols)
    setup = [
        f"""CREATE TEMP TABLE raw AS SELECT * FROM read_json({sql_string(path)}, format='{fmt}',
            compression='{"gzip" if gz else "uncompressed"}', records=true, columns={{{spec}}}, maximum_object_size=33554432)""",
        """CREATE TEMP TABLE k AS SELECT rowid AS _seq,
             json_type(comment_id) AS t_cid, json_type(post_id) AS t_pid, json_type(parent_comment_id) AS t_par,
             json_type(owner_username) AS t_user, json_type(owner_is_verified) AS t_ver,
             json_type(created_at) AS t_ts, json_type(text) AS t_text, json_type(like_count) AS t_likes,
             json_type(thread_reply_count) AS t_rc,
             comment_id->>'$' AS comment_id, post_id->>'$' AS post_id, parent_comment_id->>'$' AS parent_comment_id,
             owner_username->>'$' AS uname, owner_is_verified->>'$' AS verified, created_at->>'$' AS ts,
             text->>'$' AS text, like_count->>'$' AS likes, thread_reply_count->>'$' AS reply_count
           FROM raw""",
    ]
    ids = "('VARCHAR', 'BIGINT', 'UBIGINT')"
    checks = [
        # a record the Python path would reject (no comment id) or map as a post / influencer row
        f"SELECT count(*) FROM k WHERE t_cid IS NULL OR t_cid = 'NULL' OR t_cid NOT IN {ids} OR comment_id = ''",
        f"""SELECT count(*) FROM k WHERE t_pid IS NULL OR t_pid = 'NULL' OR t_pid NOT IN {ids} OR post_id = ''
             OR (t_par IS NOT NULL AND t_par <> 'NULL' AND t_par NOT IN {ids})""",
        """SELECT count(*) FROM k WHERE (t_user IS NOT NULL AND t_user NOT IN ('NULL', 'VARCHAR'))
             OR (t_ver IS NOT NULL AND t_ver NOT IN ('NULL', 'BOOLEAN'))
             OR (t_text IS NOT NULL AND t_text NOT IN ('NULL', 'VARCHAR'))
             OR (t_likes IS NOT NULL AND t_likes NOT IN ('NULL', 'UBIGINT'))
             OR (t_rc IS NOT NULL AND t_rc NOT IN ('NULL', 'UBIGINT'))
             OR likes::HUGEINT > 9223372036854775807 OR reply_count::HUGEINT > 9223372036854775807""",
        """SELECT count(*) FROM k WHERE t_ts IS NOT NULL AND t_ts <> 'NULL'
             AND (t_ts NOT IN ('BIGINT', 'UBIGINT') OR ts::HUGEINT < 0 OR ts::HUGEINT >= 100000000000)""",
        # lower() must agree with Python's str.lower(); NULs are stripped by the driver
        "SELECT count(*) FROM k WHERE strlen(uname) <> length(uname) OR contains(uname, chr(0))",
        """SELECT count(*) FROM k WHERE contains(text, chr(0)) OR contains(comment_id, chr(0))
             OR contains(post_id, chr(0)) OR contains(parent_comment_id, chr(0))""",
    ]
    comments = """
        SELECT _seq, 'instagram' AS platform, comment_id, post_id, nullif(lower(uname), '') AS author_id,
               uname AS author_name, parent_comment_id, to_timestamp(ts::BIGINT) AS created_at, text,
               likes::BIGINT AS likes, reply_count::BIGINT AS reply_count
        FROM k"""
    accounts = """
        SELECT min(_seq) AS _seq, 'instagram' AS platform, lower(uname) AS account_id, uname AS username,
               verified::BOOLEAN AS is_verified
        FROM k WHERE uname <> '' GROUP BY uname, verified"""
    return FastPlan(
        setup=setup,
        checks=checks,
        records="SELECT count(*) FROM k",
        tables={"comments": comments, "accounts": accounts},
    )


def _kim_fast(self: InstagramKim, src: Source, ctx: Context) -> Any:
    if src.size < FAST_MIN_BYTES or ctx.snapshot_at is not None:
        return None
    head = src.head(4096)
    if head[:1] != b"{" or b'"comment_id"' not in head.split(b"\n", 1)[0]:
        return None
    return _kim_fast_plan(str(src.path), src.compression == "gzip", json_lines_format(src))


InstagramKim.fast_plan = _kim_fast  # type: ignore[attr-defined]


# ------------------------------------------------------------------ web GraphQL engine fast path
_J = "JSON"
_CNT = f"STRUCT(count {_J})"
_WEB_C = (
    f"STRUCT(id {_J}, text {_J}, created_at {_J}, owner STRUCT(username {_J}, is_verified {_J}), "
    f"edge_liked_by {_CNT}"
)
_WEB_TOP = f"{_WEB_C}, edge_threaded_comments STRUCT(count {_J}, edges STRUCT(node {_WEB_C}))[]))"
_WEB_CONN = f"STRUCT(count {_J}, edges STRUCT(node {_WEB_TOP})[])"
_WEB_M = (
    f'STRUCT(id {_J}, shortcode {_J}, "__typename" {_J}, taken_at_timestamp {_J}, video_view_count {_J}, '
    f"is_paid_partnership {_J}, owner STRUCT(username {_J}, full_name {_J}, is_verified {_J}, is_private {_J}, "
    f"edge_followed_by {_CNT}, edge_owner_to_timeline_media {_CNT}), "
    f"edge_media_to_caption STRUCT(edges STRUCT(node STRUCT(text {_J}))[]), "
    f"edge_media_preview_like {_CNT}, edge_liked_by {_CNT}, "
    f"edge_media_to_parent_comment {_WEB_CONN}, edge_media_to_comment {_WEB_CONN}, "
    f"edge_media_to_sponsor_user STRUCT(edges STRUCT(node STRUCT(sponsor STRUCT(username {_J})))[]), "
    f'edge_media_to_tagged_user STRUCT(edges STRUCT(node STRUCT("user" STRUCT(username {_J})))[]))'
)
#: a handle :func:`_handle` leaves unchanged except for case (so SQL ``lower`` agrees with Python)
_HANDLE_RE = "'[A-Za-z0-9._]+'"


def _is_id(x: str) -> str:
    """SQL: ``x`` (JSON) is an id both paths read alike — text or a whole number, not empty, no NUL."""
    return (
        f"(json_type({x}) IN ('VARCHAR', 'BIGINT', 'UBIGINT') AND ({x}->>'$') <> '' "
        f"AND NOT contains(({x}->>'$'), chr(0)))"
    )


def _is_opt(x: str, *types: str) -> str:
    """SQL: ``x`` (JSON) is absent, null, or one of ``types``."""
    from tribescope.ingest._fast import json_opt

    return json_opt(f"json_type({x})", *types)


def _is_text(x: str) -> str:
    from tribescope.ingest._fast import json_text

    return json_text(f"json_type({x})", f"({x}->>'$')")


def _is_count(x: str) -> str:
    """a whole number that fits 64 bits (:func:`~tribescope.ingest._fast.json_count`)"""
    from tribescope.ingest._fast import json_count

    return json_count(f"json_type({x})", f"({x}->>'$')")


def _is_secs(x: str) -> str:
    """whole unix seconds, the common case of :func:`to_ts` (:func:`~tribescope.ingest._fast.json_secs`)"""
    from tribescope.ingest._fast import json_secs

    return json_secs(f"json_type({x})", f"({x}->>'$')")


def _is_handle(x: str, optional: bool) -> str:
    """text :func:`_handle` maps by lower-casing alone (empty/absent allowed when ``optional``)."""
    ok = f"(json_type({x}) = 'VARCHAR' AND regexp_full_match(({x}->>'$'), {_HANDLE_RE}))"
    if optional:
        return f"({_is_opt(x)} OR (json_type({x}) = 'VARCHAR' AND ({x}->>'$') = '') OR {ok})"
    return ok


def _leaves(top: str, reply: str) -> str:
    """SQL: the JSON leaves of a comment node as ``t_<name>`` (JSON type) and ``<name>`` (text) columns — of the
    top-level comment node ``top`` where ``_j`` is 0, else of the reply node ``reply`` (``rc``, the reply count, is
    NULL on replies)."""
    leaves = [
        ("cid", "id"),
        ("text", "text"),
        ("ts", "created_at"),
        ("uname", "owner.username"),
        ("ver", "owner.is_verified"),
        ("likes", "edge_liked_by.count"),
        ("rc", "edge_threaded_comments.count"),
    ]
    cols = []
    for n, path in leaves:
        r_type, r_text = (
            ("NULL", "NULL") if n == "rc" else (f"json_type({reply}.{path})", f"{reply}.{path}->>'$'")
        )
        cols.append(f"CASE WHEN _j = 0 THEN json_type({top}.{path}) ELSE {r_type} END AS t_{n}")
        cols.append(f"CASE WHEN _j = 0 THEN {top}.{path}->>'$' ELSE {r_text} END AS {n}")
    return ", ".join(cols)


#: replies of one comment from which the web GraphQL plan leaves a file to the Python path: its rows' ``_seq`` numbers a
#: comment's replies 1…9,999 (``(media * 100000 + comment) * MAX_REPLIES + reply``; the comments of a media are bounded
#: by its ``conn_len`` check)
MAX_REPLIES = 10_000


def _web_fast_plan(path: str, gz: bool, fmt: str = "newline_delimited") -> Any:
    """Web GraphQL ``{"graphql": {"shortcode_media": …}}`` per line → posts, comments (+ replies) and
    account stubs, in DuckDB (see :mod:`tribescope.ingest._fast`).

    Mirrors :meth:`InstagramWeb.convert` / :func:`_web_comment` and the driver's coercion. Every leaf
    is read as JSON and must have the JSON type of the common case (ids text or whole numbers,
    timestamps whole unix seconds, counts whole numbers 0 or more, flags true/false, handles ASCII ``[A-Za-z0-9._]``,
    no NUL characters); any other record sends the file down the Python path, which coerces or
    rejects it naming the field. ``hashtags``/``mentions`` are computed from the caption by the same
    Python functions (:func:`extract_hashtags`, :func:`extract_mentions`) on the mapped batches. ``fmt``: the reads'
    format (:func:`~tribescope.ingest._readers.json_lines_format`).
    """
    from tribescope.ingest._fast import Check, FastPlan, in_place_select

    ids, counts = "('VARCHAR', 'BIGINT', 'UBIGINT')", "('BIGINT', 'UBIGINT')"
    comment_checks = " OR ".join(
        [
            f"t_cid IS NULL OR t_cid NOT IN {ids} OR cid = '' OR contains(cid, chr(0))",
            f"(t_uname NOT IN ('NULL', 'VARCHAR') OR (t_uname = 'VARCHAR' AND uname <> '' AND NOT regexp_full_match(uname, {_HANDLE_RE})))",
            "t_ver NOT IN ('NULL', 'BOOLEAN')",
            "t_text NOT IN ('NULL', 'VARCHAR')",
            "contains(text, chr(0))",
            f"(t_ts NOT IN ('NULL', {counts[1:-1]}) OR ts::HUGEINT NOT BETWEEN 0 AND 99999999999)",
            f"t_likes NOT IN ('NULL', {counts[1:-1]})",
            f"t_rc NOT IN ('NULL', {counts[1:-1]})",
            "likes::HUGEINT > 9223372036854775807",
            "rc::HUGEINT > 9223372036854775807",
        ]
    )
    comp = "gzip" if gz else "uncompressed"
    setup = [
        f"""CREATE TEMP TABLE raw AS SELECT graphql.shortcode_media AS m FROM read_json({sql_string(path)},
            format='{fmt}', compression='{comp}', records=true,
            columns={{'graphql': 'STRUCT(shortcode_media {_WEB_M})'}}, maximum_object_size=33554432)""",
        # one row per media (file order); the comment connection the Python path picks by key presence. Each
        # connection is read where it is (``CASE``, not ``coalesce`` of the two: that copies every comment of
        # the file each time it is evaluated, ~0.1 CPU-s at synth m)
        """CREATE TEMP VIEW p AS SELECT rowid AS _r, m,
             m.edge_media_to_parent_comment IS NOT NULL AS has_par,
             CASE WHEN has_par THEN m.edge_media_to_parent_comment.count ELSE m.edge_media_to_comment.count END
               AS conn_count,
             CASE WHEN has_par THEN len(m.edge_media_to_parent_comment.edges) ELSE len(m.edge_media_to_comment.edges)
               END AS conn_len,
             NOT has_par AND m.edge_media_to_comment IS NOT NULL AS ambiguous,
             lower(m.owner.username->>'$') AS creator
           FROM raw""",
        # every comment, then its replies, flattened in file order as they come (``_j`` 0: the comment, 1…: its reply
        # ``_j``): no UNION of comments and replies, whose rows had to be sorted back into file order (``ORDER BY
        # _seq``: ~4.5 CPU-s at scale l); each JSON leaf read once as (type, text), checked (``bad``: a record the
        # Python path would coerce differently or reject) and cast in the same pass. Each media's comment connection
        # is the one the Python path picks by key presence (``has_par``). Not TEMP: the comments are merged from
        # here (``in_place``), under their canonical names and types.
        f"""CREATE TABLE cm AS
           WITH top AS (
             SELECT _r, creator, post_id, generate_subscripts(es, 1) AS _i, unnest(es).node AS c
             FROM (SELECT _r, creator, (m.id->>'$') AS post_id,
                          CASE WHEN has_par THEN m.edge_media_to_parent_comment.edges
                               ELSE m.edge_media_to_comment.edges END AS es
                   FROM p)
             WHERE len(es) > 0),
           leaves AS (
             SELECT (_r * 100000 + _i) * {MAX_REPLIES} + _j AS _seq, creator, post_id,
                    CASE WHEN _j = 0 THEN NULL ELSE (c.id->>'$') END AS parent,
                    {_leaves("c", "c.edge_threaded_comments.edges[_j].node")},
                    _j = 0 AND len(c.edge_threaded_comments.edges) >= {MAX_REPLIES} AS _many
             FROM (SELECT *, unnest(range(0, coalesce(len(c.edge_threaded_comments.edges), 0) + 1)) AS _j FROM top))
           SELECT _seq, creator, 'instagram' AS platform, cid AS comment_id, post_id,
                  nullif(lower(uname), '') AS author_id, uname AS author_name, parent AS parent_comment_id,
                  to_timestamp(ts::BIGINT) AS created_at, text, likes::BIGINT AS likes, rc::BIGINT AS reply_count,
                  NULL::TIMESTAMPTZ AS snapshot_at, ver::BOOLEAN AS ver, coalesce({comment_checks} OR _many, false) AS bad
           FROM leaves""",
    ]
    m = "m"
    tag_ok = _is_handle('e.node."user".username', True)
    post_checks = " OR ".join(
        [
            # (an absent id or username makes these NULL, not true: coalesce, or the record would be mapped)
            "m IS NULL",
            f"NOT coalesce({_is_id('m.id')}, false)",
            "m.owner IS NULL",
            f"NOT coalesce({_is_handle('m.owner.username', False)}, false)",
            f"NOT {_is_text('m.owner.full_name')}",
            f"NOT {_is_opt('m.owner.is_verified', 'BOOLEAN')}",
            f"NOT {_is_opt('m.owner.is_private', 'BOOLEAN')}",
            f"NOT {_is_count('m.owner.edge_followed_by.count')}",
            f"NOT {_is_count('m.owner.edge_owner_to_timeline_media.count')}",
            f"NOT {_is_text('m.edge_media_to_caption.edges[1].node.text')}",
            f"NOT {_is_secs('m.taken_at_timestamp')}",
            f"NOT ({_is_text(f'{m}.__typename')} AND coalesce(strlen(m.__typename->>'$') = length(m.__typename->>'$'), true))",
            f"NOT {_is_count('m.edge_media_preview_like.count')}",
            f"NOT {_is_count('m.edge_liked_by.count')}",
            f"NOT {_is_count('conn_count')}",
            f"NOT {_is_count('m.video_view_count')}",
            f"NOT {_is_opt('m.is_paid_partnership', 'BOOLEAN')}",
            f"NOT {_is_text('m.shortcode')}",
            "conn_len >= 100000",
            f"NOT list_bool_and(list_transform(coalesce(m.edge_media_to_sponsor_user.edges, []), "
            f"e -> {_is_handle('e.node.sponsor.username', True)}))",
            f"NOT list_bool_and(list_transform(coalesce(m.edge_media_to_tagged_user.edges, []), e -> {tag_ok}))",
        ]
    )
    # A media with edge_media_to_comment but no edge_media_to_parent_comment: the Python path takes the
    # former only when the latter key is absent, not null — a second, narrow scan tells them apart (when the
    # file's text alone cannot rule an explicit null out: see _null_key_scan).
    parent_key = (
        f"SELECT count(*) FROM read_json_objects({sql_string(path)}, format='{fmt}', "
        f"compression='{comp}', maximum_object_size=33554432) "
        "WHERE json_type(json, '$.graphql.shortcode_media.edge_media_to_parent_comment') = 'NULL'"
    )
    checks: list[Check | tuple[str, Check]] = [
        (
            "SELECT count(*) FROM p WHERE ambiguous",
            _null_key_scan(path, gz, "edge_media_to_parent_comment", parent_key),
        ),
        f"SELECT count(*) FROM p WHERE {post_checks}",
        # every comment the Python path would treat otherwise, and any with MAX_REPLIES replies or more (``_seq``
        # numbers fewer): one parallel scan of the flattened comments
        "SELECT count(*) FROM cm WHERE bad",
    ]
    # the list filters keep what the Python path keeps: truthy usernames
    sponsors = (
        "list_transform(list_filter(coalesce(m.edge_media_to_sponsor_user.edges, []), "
        "e -> coalesce(e.node.sponsor.username->>'$', '') <> ''), e -> lower(e.node.sponsor.username->>'$'))"
    )
    tagged = (
        "list_transform(list_filter(coalesce(m.edge_media_to_tagged_user.edges, []), "
        "e -> coalesce(e.node.\"user\".username->>'$', '') <> ''), e -> lower(e.node.\"user\".username->>'$'))"
    )
    media = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in MEDIA_TYPES.items())
    posts = f"""
        SELECT _r AS _seq, 'instagram' AS platform, (m.id->>'$') AS post_id, creator AS creator_id,
               to_timestamp((m.taken_at_timestamp->>'$')::BIGINT) AS created_at,
               CASE lower(nullif(m.__typename->>'$', '')) {media} ELSE lower(nullif(m.__typename->>'$', '')) END
                 AS media_type,
               (m.edge_media_to_caption.edges[1].node.text->>'$') AS caption,
               coalesce((m.edge_media_preview_like.count->>'$')::BIGINT, (m.edge_liked_by.count->>'$')::BIGINT) AS likes,
               (conn_count->>'$')::BIGINT AS comments_count, (m.video_view_count->>'$')::BIGINT AS views,
               coalesce((m.is_paid_partnership->>'$')::BOOLEAN, CASE WHEN len(sp) > 0 THEN true END)
                 AS is_paid_partnership,
               nullif(array_to_string(sp, ','), '') AS sponsor, tg AS tagged_users,
               CASE WHEN coalesce(m.shortcode->>'$', '') <> ''
                    THEN 'https://www.instagram.com/p/' || (m.shortcode->>'$') || '/' END AS url
        FROM (SELECT *, {sponsors} AS sp, {tagged} AS tg FROM p)"""
    # in the order of ``cm`` (file order): no ``_seq``, so no sort; merged from ``cm`` itself (``in_place``)
    comments = in_place_select("comments", "cm")
    # owner stub first (as the Python path emits it after the post), then each commenter not the creator
    accounts = """
        SELECT min(_seq) AS _seq, platform, account_id, username, full_name, is_verified, is_private, followers, posts
        FROM (
            SELECT _r * 1000000000 AS _seq, 'instagram' AS platform, creator AS account_id,
                   (m.owner.username->>'$') AS username, (m.owner.full_name->>'$') AS full_name,
                   (m.owner.is_verified->>'$')::BOOLEAN AS is_verified, (m.owner.is_private->>'$')::BOOLEAN AS is_private,
                   (m.owner.edge_followed_by.count->>'$')::BIGINT AS followers,
                   (m.owner.edge_owner_to_timeline_media.count->>'$')::BIGINT AS posts
            FROM p
            UNION ALL
            SELECT _seq, 'instagram', author_id, author_name, NULL, ver, NULL, NULL, NULL
            FROM cm WHERE author_id IS NOT NULL AND author_id <> creator)
        GROUP BY ALL"""
    return FastPlan(
        setup=setup,
        checks=checks,
        records="SELECT count(*) FROM p",
        tables={"posts": posts, "comments": comments, "accounts": accounts},
        derive={"posts": _web_post_text},
        in_place={"comments": "cm"},
    )


#: what may follow a key up to an explicit ``null`` in JSON text (JSON's four whitespace characters, the colon)
_NULL_VALUE = re.compile(rb"[ \t\r\n]*:[ \t\r\n]*null")


def _null_key_scan(path: str, gz: bool, key: str, query: str) -> Callable[[Any], int]:
    """A plan check: the count ``query`` returns (records whose ``key`` is an explicit JSON ``null``), run only
    when the file's bytes cannot rule such a record out.

    An explicit null of ``key`` is the text ``"key"`` followed by whitespace, a colon, whitespace and ``null``
    (DuckDB's JSON reader takes no comments) — unless the key's name is written with escapes. A character of a
    key can only be escaped as ``\\uXXXX`` (the short escapes stand for quotes, slashes and control characters),
    so only ``\\u`` escapes of the key's own characters make the text unable to tell; the escapes real exports
    are full of (accents and emoji as ``\\u``, ``\\n`` in captions) do not. When no such text occurs, ``query`` would
    count 0 and is not run: a scan of the mapped file's bytes (0.2–0.3 CPU-s for the 198 MB of synth m) instead of
    parsing every record again (~0.6–1.4 CPU-s). Text that does occur (the key anywhere, or inside a string)
    only means the query runs. Compressed files always run it.
    """
    quoted = b'"' + key.encode() + b'"'
    hexes = sorted({f"{ord(ch):04x}" for ch in key})
    # each hex digit in either case (JSON allows both)
    escaped = re.compile(rb"\\u(?:" + "|".join(hexes).encode() + rb")", re.IGNORECASE)

    def check(con: Any) -> int:
        if not gz and not _may_hold_null(path, quoted, escaped):
            return 0
        return int(con.execute(query).fetchone()[0])

    return check


#: bytes :func:`_may_hold_null` reads at a time. The file is read, not mapped: the pages of a mapped file in the page
#: cache count in the process's RSS while mapped (the 1.8 GB GraphQL export of synth l raised the import's peak by up
#: to ~1.7 GiB that way)
_SCAN_CHUNK = 1 << 24
#: what may still become ``_NULL_VALUE`` when more text follows (the key's rest of the value cut by a chunk's end)
_NULL_PREFIX = re.compile(rb"[ \t\r\n]*(?::[ \t\r\n]*(?:n(?:u(?:l(?:l)?)?)?)?)?\Z")


def _may_hold_null(path: str, quoted: bytes, escaped: re.Pattern[bytes]) -> bool:
    """True when the file's text may hold ``quoted`` (a JSON key) with the value ``null``, or escapes one of the
    key's characters (``escaped``, six bytes a match). Read in chunks of :data:`_SCAN_CHUNK`; the text that a
    match could continue from (the last bytes, or a key whose value the chunk's end cuts) is carried to the next.
    Each chunk is read into the same buffer, after the text carried (a new 16 MB string per chunk, and another for
    the carried text joined to it, had the kernel map and zero fresh pages for each: 0.22 s for synth m's 204 MB,
    0.16 s so)."""
    keep = max(len(quoted), 6) - 1
    buf = bytearray(_SCAN_CHUNK + keep)
    n = 0  # bytes carried at the buffer's start
    with open(path, "rb", buffering=0) as f:
        while True:
            if len(buf) < n + _SCAN_CHUNK:  # a long text carried: a cut key followed by much white space
                buf.extend(bytes(n + _SCAN_CHUNK - len(buf)))
            with memoryview(buf) as whole, whole[n : n + _SCAN_CHUNK] as room:
                got = f.readinto(room)
            end = not got
            total = n + got
            if buf.find(b"\\u", 0, total) >= 0 and escaped.search(buf, 0, total):
                return True
            carry = total if end else max(total - keep, 0)
            pos = buf.find(quoted, 0, total)
            while pos >= 0:
                after = pos + len(quoted)
                if _NULL_VALUE.match(buf, after, total):
                    return True
                if not end and _NULL_PREFIX.match(buf, after, total):
                    carry = min(carry, pos)
                    break
                pos = buf.find(quoted, after, total)
            if end:
                return False
            n = total - carry
            buf[:n] = buf[carry:total]


def _web_post_text(batch: Any) -> Any:
    """``hashtags`` and ``mentions`` of mapped posts, from their captions, by the Python path's own functions."""
    import pyarrow as pa

    captions = batch.column("caption").to_pylist()
    cols = {n: batch.column(n) for n in batch.schema.names}
    cols["hashtags"] = pa.array([extract_hashtags(c) for c in captions], pa.list_(pa.string()))
    cols["mentions"] = pa.array([extract_mentions(c) for c in captions], pa.list_(pa.string()))
    return pa.RecordBatch.from_pydict(cols)


def _web_fast(self: InstagramWeb, src: Source, ctx: Context) -> Any:
    if src.size < FAST_MIN_BYTES or ctx.snapshot_at is not None:
        return None
    head = src.head(_PROBE)
    if b"\n" not in head:
        return None
    try:  # one document per line, in the graphql wrapper
        first = orjson.loads(head.split(b"\n", 1)[0])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(first, dict) or not isinstance(first.get("graphql"), dict):
        return None
    return _web_fast_plan(str(src.path), src.compression == "gzip", json_lines_format(src))


_PROBE = 1 << 20
InstagramWeb.fast_plan = _web_fast  # type: ignore[attr-defined]
