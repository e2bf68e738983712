"""Platform identifier formats, generated vectorised from a numpy Generator.

* YouTube channel ids: ``UC`` + 22 url-safe base64 characters (16 random bytes; the last character is
  then one of ``AQgw``, as in real ids). Video ids: 11 characters (8 bytes). Comment ids: ``Ug`` +
  ``[wxyz]`` + 19 characters + ``4AaABAg``; replies ``<parent>.<22 characters>``.
* Instagram media / comment / owner ids: decimal strings; shortcodes 11 base64url characters.
* TikTok video and comment ids: 19-digit integers.
* Discord snowflakes: ``(unix_ms - 1420070400000) << 22 | worker bits``.
* Reddit ids: base36; permalink slugs as reddit derives them from a title (:func:`reddit_slug`).
"""

from __future__ import annotations

import base64
import re

import numpy as np

__all__ = [
    "b36",
    "discord_snowflakes",
    "ig_numeric_ids",
    "reddit_slug",
    "tiktok_ids",
    "yt_channel_ids",
    "yt_comment_ids",
    "yt_reply_suffixes",
    "yt_video_ids",
]

DISCORD_EPOCH_MS = 1_420_070_400_000
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_SLUG_SPACE = re.compile(r"\s+")
_SLUG_NOT_WORD = re.compile(r"\W+")
_SLUG_UNDERSCORES = re.compile(r"_+")


_ALPHA = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8)


def _chars(rng: np.random.Generator, n: int, length: int, last: bytes | None = None) -> list[str]:
    """``n`` random url-safe base64 strings of ``length`` characters (vectorised); ``last`` restricts
    the final character (a base64 string of whole bytes ends in a subset of the alphabet)."""
    if n == 0:
        return []
    codes = _ALPHA[rng.integers(0, 64, size=(n, length))]
    if last is not None:
        tail = np.frombuffer(last, dtype=np.uint8)
        codes[:, -1] = tail[rng.integers(0, len(tail), size=n)]
    return codes.view(f"S{length}").ravel().astype(str).tolist()


def _b64(rng: np.random.Generator, n: int, nbytes: int) -> list[str]:
    raw = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8).tobytes()
    return [
        base64.urlsafe_b64encode(raw[i * nbytes : (i + 1) * nbytes]).rstrip(b"=").decode() for i in range(n)
    ]


def yt_channel_ids(rng: np.random.Generator, n: int) -> list[str]:
    return ["UC" + s for s in _chars(rng, n, 22, b"AQgw")]


def yt_video_ids(rng: np.random.Generator, n: int) -> list[str]:
    return _chars(rng, n, 11, b"AEIMQUYcgkosw048")


def yt_comment_ids(rng: np.random.Generator, n: int) -> list[str]:
    return ["Ug" + "wxyz"[ord(b[0]) % 4] + b[1:] + "4AaABAg" for b in _chars(rng, n, 20)]


def yt_reply_suffixes(rng: np.random.Generator, n: int) -> list[str]:
    return ["9" + b for b in _chars(rng, n, 21)]


def ig_numeric_ids(rng: np.random.Generator, n: int, digits: int = 17) -> list[str]:
    lo = 10 ** (digits - 1)
    hi = min(10**digits - 1, 2**63 - 1)
    return [str(int(x)) for x in rng.integers(lo, hi, size=n, dtype=np.int64)]


def tiktok_ids(rng: np.random.Generator, n: int) -> list[int]:
    return [
        int(x)
        for x in rng.integers(7_100_000_000_000_000_000, 7_399_999_999_999_999_999, size=n, dtype=np.int64)
    ]


def discord_snowflakes(rng: np.random.Generator, unix_s: np.ndarray) -> list[str]:
    ms = (np.asarray(unix_s, dtype=np.float64) * 1000).astype(np.int64) - DISCORD_EPOCH_MS
    low = rng.integers(0, 1 << 22, size=len(ms), dtype=np.int64)
    return [str((int(m) << 22) | int(b)) for m, b in zip(ms, low, strict=True)]


def b36(x: int) -> str:
    if x == 0:
        return "0"
    out = []
    while x:
        x, r = divmod(x, 36)
        out.append(_B36[r])
    return "".join(reversed(out))


def reddit_slug(title: str, max_length: int = 50) -> str:
    """The title part of a reddit permalink (``/r/sub/comments/<id>/<slug>/``), as reddit makes it: whitespace to
    ``_``, every other non-word character dropped (so no ``?`` or ``!`` in the path), runs of ``_`` collapsed,
    lower case, cut to ``max_length`` at the last word boundary; ``_`` when nothing is left."""
    s = _SLUG_UNDERSCORES.sub("_", _SLUG_NOT_WORD.sub("", _SLUG_SPACE.sub("_", title))).strip("_").lower()
    if len(s) > max_length:
        s = s[:max_length]
        cut = s.rfind("_")
        if cut > 0:
            s = s[:cut]
    return s or "_"
