"""Instagram's "Download your information" archive (JSON format) → the account owner's ``accounts`` row and ``posts``.

A creator who shares the archive Meta's Accounts Center prepares for them (JSON, not HTML) gives their own account.
Import the ZIP as downloaded, the unzipped folder, or the files in it; each file is detected from its content, and the account it belongs
to is the one ``personal_information/personal_information.json`` of the same archive names (newer archives nest it
once more: ``personal_information/personal_information/personal_information.json``).

What is taken (file names as the archives write them; shapes as public parsers of the archive read them, e.g.
``your_instagram_activity/content/posts_1.json`` read as ``[{"media": [{"uri", "creation_timestamp", "title"}],
"title", "creation_timestamp"}]``, and ``connections/followers_and_following/followers_1.json`` as ``[{"title": "",
"media_list_data": [], "string_list_data": [{"href", "value", "timestamp"}]}]``):

* ``personal_information.json`` (``{"profile_user": [{"string_map_data": {"Username": {"value": …}, "Name": …,
  "Bio": …, "Website": …}}]}``) → the owner's ``accounts`` row: account_id = the username lower-cased, username,
  full_name, bio, external_url.
* ``followers_1.json``, ``followers_2.json``, … (one entry a follower) → the owner's ``followers``: the entries of all
  the ``followers_*.json`` files of the folder, counted by the first of them (the others add nothing, so a
  follower count is never one file's share). The followers themselves are not imported: the workspace has no table
  of follow edges, and an account row per follower would make every follower look like an account of the community.
* ``following.json`` (``{"relationships_following": […]}``) → the owner's ``following``.
* ``posts_1.json``, … and ``reels.json`` (``{"ig_reels_media": [{"media": […]}]}``, each reel as a post) → ``posts``: created_at = ``creation_timestamp`` (the post's, else its first media's), caption =
  ``title`` (likewise), media_type ``carousel`` for several media, else ``video`` (an ``.mp4`` uri) or ``image``,
  hashtags and mentions from the caption. The archive gives no media id, likes, comment count or link: post_id is
  ``archive:`` and the first media's ``uri`` (the same post imported from the web or the Graph API has another id),
  and likes / comments_count stay unknown (null, not 0).

Meta writes text as UTF-8 bytes escaped one by one (``"caf\\u00c3\\u00a9"`` for "café"); it is decoded back.

Not taken: stories (``stories.json``: gone after a day, not posts); comments — ``your_instagram_activity/comments/post_comments_1.json`` holds the comments the owner
*wrote* under other accounts' posts (with the post's owner, not the post), not the comments their posts received,
which the archive does not hold; likes, messages, stories, ads and the other files of the archive. These, and every
other JSON file inside an archive folder (one holding ``personal_information/``), are recognised as the archive's and
read as nothing (0 records), so the whole folder imports without ``--skip-bad``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from tribescope.errors import FieldError, SourceError
from tribescope.ingest._base import Context, Format, Row, extract_hashtags, extract_mentions, to_ts
from tribescope.ingest._readers import Probe, Source, iter_json_values
from tribescope.ingest.instagram import _first_item

__all__ = ["InstagramArchive"]

P = "instagram"
#: where an archive keeps the owner's profile, relative to the archive's root (older, then newer archives)
_PERSONAL = (
    Path("personal_information") / "personal_information.json",
    Path("personal_information") / "personal_information" / "personal_information.json",
)
#: how many folders above a file its archive's root may be (``your_instagram_activity/content/posts_1.json``: 2)
_MAX_DEPTH = 6
_FOLLOWERS = re.compile(r"followers(?:_(\d+))?\.json", re.IGNORECASE)
_POSTS = re.compile(r"posts(?:_\d+)?\.json", re.IGNORECASE)
#: the names of the files read (whatever their number): one without its shape is an error, not an unread file
_READ_NAMES = re.compile(
    r"(?:followers|posts)(?:_\d+)?\.json|(?:following|reels|personal_information)\.json", re.I
)
_LIST_ENTRY = frozenset({"string_list_data"})
_VIDEO = (".mp4", ".mov")
#: the pictures and videos an archive holds (``media/``): recognised, not read
_MEDIA = frozenset({".jpg", ".jpeg", ".png", ".webp", ".heic", ".gif", ".mp4", ".mov", ".m4a", ".srt"})


def demojibake(s: str) -> str:
    """Meta's export text back to what was written: each UTF-8 byte is escaped as a character of its own
    (``"\\u00c3\\u00a9"`` for "é"). Text that is not such bytes (a real "é" alone) is returned as it is."""
    if s.isascii():
        return s
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def _text(v: Any, name: str) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise FieldError(name, f"expected text, found {type(v).__name__}")
    return demojibake(v)


def _root_of(folder: Path) -> Path | None:
    """The archive folder ``folder`` is in (the nearest ancestor holding the owner's profile file), or ``None``."""
    for anc in [folder, *folder.parents][:_MAX_DEPTH]:
        for rel in _PERSONAL:
            if (anc / rel).is_file():
                return anc / rel
    return None


def _personal_map(doc: Any) -> dict[str, Any] | None:
    """``string_map_data`` of ``profile_user[0]`` of a ``personal_information.json``, or ``None``."""
    users = doc.get("profile_user") if isinstance(doc, dict) else None
    first = users[0] if isinstance(users, list) and users else None
    smd = first.get("string_map_data") if isinstance(first, dict) else None
    return smd if isinstance(smd, dict) and "Username" in smd else None


def _value(smd: dict[str, Any], key: str) -> Any:
    entry = smd.get(key)
    if entry is None:
        return None
    if not isinstance(entry, dict):
        raise FieldError(f"string_map_data.{key}", f"expected a JSON object, found {type(entry).__name__}")
    return entry.get("value")


def _owner(path: str) -> str:
    """The account the archive file at ``path`` belongs to (its archive's ``personal_information.json``)."""
    profile = _root_of(Path(path).resolve().parent)
    if profile is None:
        raise SourceError(
            "file",
            "this Instagram archive file does not name its account: import the archive's ZIP as downloaded, or the "
            "folder it unzips to, with personal_information/personal_information.json (which names the account)",
        )
    try:
        doc = next((v for _, v in iter_json_values(Source(profile))), None)
    except SourceError as exc:
        raise SourceError("file", f"the archive's {profile.name} cannot be read: {exc.message}") from exc
    smd = _personal_map(doc)
    try:
        uname = _value(smd, "Username") if smd is not None else None
    except FieldError as exc:
        raise SourceError("file", f"the archive's {profile.name}: {exc.field} {exc.message}") from exc
    if not isinstance(uname, str) or not uname.strip().lstrip("@"):
        raise SourceError(
            "file", f"the archive's {profile.name} names no username (profile_user[0] Username)"
        )
    return demojibake(uname.strip().lstrip("@"))


def _count_entries(path: Path) -> int:
    try:
        with Source(path).open() as f:
            doc = orjson.loads(f.read())
    except orjson.JSONDecodeError as exc:
        raise SourceError("file", f"{path.name} is not valid JSON ({exc}); it may be truncated") from exc
    if not isinstance(doc, list):
        raise SourceError(
            "file", f"{path.name}: expected a JSON array of followers, found {type(doc).__name__}"
        )
    return len(doc)


def _kind(probe: Probe) -> str | None:
    """Which archive file ``probe`` is: ``profile`` | ``followers`` | ``following`` | ``posts`` | ``reels`` |
    ``other`` (a JSON file or a picture or video of the archive that is not read), or ``None``."""
    name = Path(probe.path).name
    if not probe.json_kind:
        return "other" if _archive_media(probe) else None
    d = probe.first_json
    if _personal_map(d) is not None:
        return "profile"
    # (of a file larger than detection reads, only the key is known: its value is checked when the file is read)
    if isinstance(d, dict) and "relationships_following" in d:
        return "following"
    if isinstance(d, dict) and "ig_reels_media" in d:
        return "reels"
    item = _first_item(probe)
    if _FOLLOWERS.fullmatch(name) and (
        item is None or (isinstance(item, dict) and item.keys() >= _LIST_ENTRY)
    ):
        return "followers"
    if (
        _POSTS.fullmatch(name)
        and isinstance(item, dict)
        and isinstance(item.get("media"), list)
        and all(isinstance(m, dict) and "uri" in m for m in item["media"])
    ):
        return "posts"
    # a file of a name read above that does not have its shape (damaged, say) is never passed over as "other"
    if not _READ_NAMES.fullmatch(name) and _root_of(Path(probe.path).resolve().parent) is not None:
        return "other"
    return None


def _archive_media(probe: Probe) -> bool:
    """Whether ``probe``'s file is a picture or video inside an archive folder (``media/posts/202403/….mp4``)."""
    path = Path(probe.path)
    return path.suffix.lower() in _MEDIA and _root_of(path.resolve().parent) is not None


class InstagramArchive(Format):
    """Instagram's "Download your information" archive, JSON format (see the module's docstring)."""

    name = "instagram-archive"
    description = (
        "Instagram 'Download your information' archive (JSON): the owner's profile, follower and following counts, "
        "posts and reels with captions and dates (other archive files: recognised, nothing imported)"
    )
    platform = P

    def sniff(self, probe: Probe) -> bool:
        return _kind(probe) is not None

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        kind = _kind(Probe.of(src))
        ctx.state["kind"] = kind
        if kind == "other" or kind is None:
            return
        if kind == "profile":
            yield from iter_json_values(src)
            return
        ctx.state["owner"] = owner = _owner(ctx.path)
        if kind == "posts":
            yield from iter_json_values(src)
            return
        if kind == "reels":
            doc = next((v for _, v in iter_json_values(src)), None)
            reels = doc.get("ig_reels_media") if isinstance(doc, dict) else None
            if not isinstance(reels, list):
                raise SourceError("ig_reels_media", "expected a JSON array of reels")
            for i, reel in enumerate(reels):
                yield f"ig_reels_media[{i}]", reel
            return
        if kind == "following":
            doc = next((v for _, v in iter_json_values(src)), None)
            entries = doc.get("relationships_following") if isinstance(doc, dict) else None
            if not isinstance(entries, list):
                raise SourceError("relationships_following", "expected a JSON array of the accounts followed")
            yield "relationships_following", {"owner": owner, "following": len(entries)}
            return
        # followers: the first followers_*.json of the folder counts them all; the others add nothing
        path = Path(ctx.path)
        parts = sorted(
            (int(m[1] or 0), p)
            for p in path.parent.iterdir()
            if (m := _FOLLOWERS.fullmatch(p.name)) is not None and p.is_file()
        )
        if parts and parts[0][1].name == path.name:
            yield "file", {"owner": owner, "followers": sum(_count_entries(p) for _, p in parts)}

    def convert(self, raw: Any, ctx: Context) -> Iterable[Row]:
        kind = ctx.state.get("kind")
        if kind == "profile":
            return [_profile(raw)]
        if kind in ("posts", "reels"):
            return _post(raw, ctx.state["owner"])
        # the owner's follower / following count
        owner = raw["owner"]
        counts = {k: raw[k] for k in ("followers", "following") if k in raw}
        return [("accounts", {"platform": P, "account_id": owner.lower(), "username": owner, **counts})]


def _profile(doc: Any) -> Row:
    smd = _personal_map(doc)
    if smd is None:
        raise FieldError("profile_user[0].string_map_data.Username", "is missing or empty, but is required")
    uname = _text(_value(smd, "Username"), "string_map_data.Username.value")
    if not uname or not uname.strip().lstrip("@"):
        raise FieldError("string_map_data.Username.value", "is missing or empty, but is required")
    uname = uname.strip().lstrip("@")
    return (
        "accounts",
        {
            "platform": P,
            "account_id": uname.lower(),
            "username": uname,
            "full_name": _text(_value(smd, "Name"), "string_map_data.Name.value") or None,
            "bio": _text(_value(smd, "Bio"), "string_map_data.Bio.value") or None,
            "external_url": _text(_value(smd, "Website"), "string_map_data.Website.value") or None,
        },
    )


def _post(p: Any, owner: str) -> list[Row]:
    if not isinstance(p, dict):
        raise FieldError(None, f"expected a JSON object, found {type(p).__name__}")
    media = p.get("media")
    if not isinstance(media, list) or not media or not isinstance(media[0], dict):
        raise FieldError("media", "is missing or empty, but is required (the post's pictures and videos)")
    first = media[0]
    uri = first.get("uri")
    if not isinstance(uri, str) or not uri:
        raise FieldError("media[0].uri", "is missing or empty, but is required")
    caption = _text(p["title"], "title") if "title" in p else _text(first.get("title"), "media[0].title")
    ts = p.get("creation_timestamp", first.get("creation_timestamp"))
    where = "creation_timestamp" if "creation_timestamp" in p else "media[0].creation_timestamp"
    kind = "carousel" if len(media) > 1 else ("video" if uri.lower().endswith(_VIDEO) else "image")
    return [
        (
            "posts",
            {
                "platform": P,
                "post_id": f"archive:{uri}",
                "creator_id": owner.lower(),
                "created_at": to_ts(ts, where),
                "media_type": kind,
                "caption": caption or None,
                "hashtags": extract_hashtags(caption),
                "mentions": extract_mentions(caption),
            },
        ),
        ("accounts", {"platform": P, "account_id": owner.lower(), "username": owner}),
    ]
