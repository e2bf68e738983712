"""TikTok's "Download your data" archive (JSON, ``user_data_tiktok.json``) → the owner's ``accounts`` row and ``posts``.

A creator who shares the archive TikTok prepares for them (JSON format: one document, ``user_data_tiktok.json`` or
``user_data.json``) gives their own account. The shape, as public readers of the archive parse it (e.g. the zod
schema of vantezzen/wrapped ``src/lib/types.ts``; its 2025 renames, "Profile Information" → "Profile Info" and
"Activity" → "Your Activity", are read too)::

    {"Activity": {"Follower List": {"FansList": [{"Date": "2024-01-02 10:00:00", "UserName": "…"}]},
                  "Following List": {"Following": [{"Date": …, "UserName": …}]}, …},
     "Video": {"Videos": {"VideoList": [{"Date": "2024-03-01 12:00:00", "Link": "https://…", "Likes": "12"}]}},
     "Comment": {"Comments": {"CommentsList": [{"Date": …, "Comment": …}]}},
     "Profile": {"Profile Information": {"ProfileMap": {"userName": …, "bioDescription": …, "likesReceived": …}}},
     …}

What is taken:

* ``ProfileMap`` → the owner's ``accounts`` row: account_id = ``userName`` lower-cased, username, full_name =
  ``displayName``, bio = ``bioDescription``; followers / following = ``followerCount`` / ``followingCount`` when the
  map gives them, else the number of entries of ``FansList`` / ``Following``. The followers themselves are not
  imported (no table holds follow edges; a row per follower would count them as community accounts).
* ``Video.Videos.VideoList`` → ``posts`` (media_type ``video``): created_at = ``Date`` (``YYYY-MM-DD hh:mm:ss``, read as
  UTC), likes = ``Likes``. The archive names no video id, caption, view or comment count: post_id is
  ``archive:<owner>:<Date>``, and caption, views and comments_count stay unknown (null, not 0). ``Link`` is a
  download address of the video file that expires, not the video's page: it is not kept as the url.

Not taken: ``Comment.Comments.CommentsList`` holds the comments the owner *wrote* (date and text, not the video),
not the comments their videos received, which the archive does not hold; watch, like, search, login and message
history.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

import ijson

from tribescope.errors import FieldError, SourceError
from tribescope.ingest._base import Context, Format, Row, to_int, to_ts
from tribescope.ingest._readers import Probe, Source, iter_json_values

__all__ = ["TikTokArchive"]

P = "tiktok"
#: the top-level sections of the archive's document, then the sections of ``Activity`` (old and 2025 names)
_PROFILE_KEYS = ("Profile", "Profile And Settings")
_ACTIVITY_KEYS = ("Activity", "Your Activity")
_TOP_KEYS = frozenset({*_PROFILE_KEYS, *_ACTIVITY_KEYS, "Video", "Comment", "App Settings", "Tiktok Live"})
_ACTIVITY_SECTIONS = frozenset(
    {
        "Follower List",
        "Following List",
        "Video Browsing History",
        "Watch History",
        "Like List",
        "Login History",
    }
)


def _looks_like_archive(probe: Probe) -> bool:
    d = probe.first_json
    if (
        isinstance(d, dict)
        and (d.keys() & set(_PROFILE_KEYS))
        and (d.keys() & _TOP_KEYS) - set(_PROFILE_KEYS)
    ):
        return True
    if probe.json_kind != "document" or not probe.head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return False
    # a document larger than the probe: its first section (Activity, with the watch history) is cut; look at the
    # keys of the sections that stream by
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(probe.head)):
            if event == "map_key" and prefix in _ACTIVITY_KEYS and value in _ACTIVITY_SECTIONS:
                return True
    except (ijson.JSONError, ijson.IncompleteJSONError):
        pass
    return False


def _section(d: Any, *path: tuple[str, ...] | str) -> Any:
    """The value at ``path`` in ``d`` (each step a key or a tuple of alternative keys), ``None`` when absent."""
    for step in path:
        if not isinstance(d, dict):
            return None
        keys = (step,) if isinstance(step, str) else step
        d = next((d[k] for k in keys if k in d), None)
    return d


def _list(v: Any, name: str) -> list[Any]:
    if v is None:
        return []
    if not isinstance(v, list):
        raise FieldError(name, f"expected a JSON array, found {type(v).__name__}")
    return v


class TikTokArchive(Format):
    """TikTok's "Download your data" archive, JSON format (see the module's docstring)."""

    name = "tiktok-archive"
    description = (
        "TikTok 'Download your data' archive (user_data_tiktok.json): the owner's profile, follower and following "
        "counts, videos with dates and likes"
    )
    platform = P

    def sniff(self, probe: Probe) -> bool:
        return _looks_like_archive(probe)

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        doc = None
        for loc, value in iter_json_values(src):
            if isinstance(value, SourceError):
                yield loc, value
                return
            doc = value
            break
        if not isinstance(doc, dict):
            yield "file", SourceError("file", "expected the archive's JSON object", recoverable=True)
            return
        profile = _section(doc, _PROFILE_KEYS, ("Profile Information", "Profile Info"), "ProfileMap")
        if not isinstance(profile, dict) or not isinstance(profile.get("userName"), str):
            raise SourceError(
                "Profile.Profile Information.ProfileMap",
                "the archive does not name its account (ProfileMap.userName): export it again with the profile "
                "included",
            )
        owner = profile["userName"].strip().lstrip("@")
        if not owner:
            raise SourceError("Profile.Profile Information.ProfileMap.userName", "is empty")
        ctx.state["owner"] = owner
        activity = _section(doc, _ACTIVITY_KEYS)
        fans = _section(activity, "Follower List", "FansList")
        following = _section(activity, "Following List", "Following")
        yield "Profile.ProfileMap", {"profile": profile, "fans": fans, "following": following}
        videos = _section(doc, "Video", "Videos", "VideoList")
        if videos is not None and not isinstance(videos, list):
            raise SourceError(
                "Video.Videos.VideoList", f"expected a JSON array, found {type(videos).__name__}"
            )
        for i, v in enumerate(videos or ()):
            yield f"Video.Videos.VideoList[{i}]", v

    def convert(self, raw: Any, ctx: Context) -> Iterable[Row]:
        owner: str = ctx.state["owner"]
        if isinstance(raw, dict) and "profile" in raw:
            return [_account(owner, raw)]
        return [_video(owner, raw)]


def _account(owner: str, raw: dict[str, Any]) -> Row:
    p = raw["profile"]
    followers = to_int(p.get("followerCount"), "ProfileMap.followerCount")
    if followers is None and raw["fans"] is not None:
        followers = len(_list(raw["fans"], "Activity.Follower List.FansList"))
    following = to_int(p.get("followingCount"), "ProfileMap.followingCount")
    if following is None and raw["following"] is not None:
        following = len(_list(raw["following"], "Activity.Following List.Following"))
    return (
        "accounts",
        {
            "platform": P,
            "account_id": owner.lower(),
            "username": owner,
            "full_name": p.get("displayName") or None,
            "bio": p.get("bioDescription") or None,
            "followers": followers,
            "following": following,
        },
    )


def _video(owner: str, v: Any) -> Row:
    if not isinstance(v, dict):
        raise FieldError(None, f"expected a JSON object, found {type(v).__name__}")
    date = v.get("Date")
    if not isinstance(date, str) or not date.strip():
        raise FieldError("Date", "is missing or empty, but is required (it tells the videos apart)")
    return (
        "posts",
        {
            "platform": P,
            "post_id": f"archive:{owner.lower()}:{date.strip()}",
            "creator_id": owner.lower(),
            "created_at": to_ts(date, "Date"),
            "media_type": "video",
            "likes": to_int(v.get("Likes"), "Likes"),
        },
    )
