"""Readers for the labelled real data sets in ``../shared/data`` and their deterministic splits.

Each account reader returns a :class:`pandas.DataFrame` with the model's feature columns
(:data:`tribescope.authenticity._accounts.FEATURES`; ``NaN`` where the set does not carry the field),
``label`` (1 = fake), ``group`` (rows that must stay on the same side of a split) and ``dataset``.
Nothing here is imported at run time by the CLI's scoring path; it is for ``tribescope train`` / ``eval``.

Splits: within each label, groups are ordered by ``sha1("tribescope|<dataset>|<group>")`` and the first
20 % (30 % for SRF, like its authors) form the *held-out* part; the rest is *train*. Shipped models are
fitted on the train parts only, so ``tribescope eval`` measures them on rows they never saw.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tribescope.authenticity._accounts import _col, _num
from tribescope.authenticity._accounts import features_from_canonical as _features_from_canonical
from tribescope.errors import TribescopeError
from tribescope.ingest._readers import file_sha256

__all__ = [
    "ACCOUNT_SETS",
    "DataMalformed",
    "DataMissing",
    "data_root",
    "file_sha256",
    "load_account_set",
    "load_cmv",
    "load_youtube_spam",
    "split_mask",
]


class DataMissing(TribescopeError):
    """A labelled data set is not where it was expected."""


class DataMalformed(DataMissing):
    """A labelled data set's file is there but cannot be read as the set's format (names the file)."""


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """``root``, else ``$TRIBESCOPE_SHARED_DATA``, else ``../shared/data`` next to the repository."""
    if root is not None:
        return Path(root)
    env = os.environ.get("TRIBESCOPE_SHARED_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent.parent / "shared" / "data"
        if cand.is_dir():
            return cand
    return Path("../shared/data")


#: the count behind each log feature (``ln(1 + count)``)
_LOG_FEATURES = (("followers", "log_followers"), ("following", "log_following"), ("posts", "log_posts"))


def features_from_canonical(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`tribescope.authenticity._accounts.features_from_canonical` with the log features taken from the C
    library's ``log1p`` (:func:`math.log1p`), so training and evaluation see the same numbers on every CPU.

    NumPy's ``log1p`` is dispatched on the CPU: on an AVX-512 machine it is a SIMD kernel that differs from the C
    library's by one ulp on about 1 value in 30 (151 of InstaFake's, Kaggle's, SRF's and Cresci's 4,469 follower
    counts). The boosted stumps are not robust to that: their bin edges move, the out-of-fold scores move by up to
    0.03, and the ``default`` operating point (a near tie between 0.60 and 0.65 on the out-of-fold accuracy) flipped
    to 0.65, which changes the held-out figures (Twitter accuracy 0.859 → 0.668). The C library's ``log1p`` is what
    NumPy uses on an AVX2 machine, where the shipped model was built.
    """
    out = _features_from_canonical(df)
    for count, feat in _LOG_FEATURES:
        known = out[feat].notna().to_numpy()  # unknown, or made unknown by the platform rule: left as is
        if known.any():
            v = _num(_col(df, count)).clip(lower=0).to_numpy(dtype=float)
            out.loc[known, feat] = [math.log1p(x) for x in v[known]]
    out["follow_ratio"] = out["log_following"] - out["log_followers"]
    out["posts_per_follower"] = out["log_posts"] - out["log_followers"]
    out["posts_per_following"] = out["log_posts"] - out["log_following"]
    return out


def _need(path: Path) -> Path:
    if not path.exists():
        raise DataMissing(
            f"{path} not found. Point --data (or $TRIBESCOPE_SHARED_DATA) at the folder holding the labelled sets "
            "(instafake/, instagram_fake_kaggle/, srf_instagram_fake_followers/, cresci2015_e13_int/, youtube_spam/, "
            "reddit_cmv_adhominem/)."
        )
    return path


def _read_csv(f: Path, required: tuple[str, ...], what: str, **kw: Any) -> pd.DataFrame:
    """``f`` read by :func:`pandas.read_csv`; a file that is not CSV, or lacks a ``required`` column, is
    :class:`DataMalformed` naming the file and what was expected."""
    _need(f)
    try:
        df = pd.read_csv(f, **kw)
    except (ValueError, OSError, UnicodeDecodeError) as exc:  # pandas' parser errors are ValueErrors
        raise DataMalformed(f"{f}: cannot read as CSV ({exc}); expected {what}") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataMalformed(
            f"{f}: no column {', '.join(missing)}; expected {what} "
            f"(the header has {', '.join(map(str, df.columns[:12]))}{' …' if len(df.columns) > 12 else ''})"
        )
    return df


_INSTAFAKE_KEYS = (
    "userFollowerCount",
    "userFollowingCount",
    "userMediaCount",
    "userHasProfilPic",
    "userIsPrivate",
    "userBiographyLength",
    "usernameLength",
    "usernameDigitCount",
    "isFake",
)


def _read_json_records(f: Path, required: tuple[str, ...], what: str) -> list[dict[str, Any]]:
    """A JSON array of objects, each with the ``required`` keys; otherwise :class:`DataMalformed` naming ``f``."""
    _need(f)
    try:
        rows = json.loads(f.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise DataMalformed(f"{f}: cannot read as JSON ({exc}); expected {what}") from None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataMalformed(f"{f}: not a JSON array of objects; expected {what}")
    for i, r in enumerate(rows):
        missing = [k for k in required if k not in r]
        if missing:
            raise DataMalformed(f"{f}: record {i} has no {', '.join(missing)}; expected {what}")
    return rows


def split_mask(dataset: str, groups: pd.Series, labels: pd.Series, holdout: float = 0.2) -> np.ndarray:
    """Boolean mask of the held-out rows: per label, the first ``holdout`` share of groups by sha1 order."""
    g = groups.astype(str).to_numpy()
    y = np.asarray(labels)
    out = np.zeros(len(g), dtype=bool)
    for lab in np.unique(y):
        uniq = sorted(
            set(g[y == lab]), key=lambda k: hashlib.sha1(f"tribescope|{dataset}|{k}".encode()).hexdigest()
        )
        n_hold = round(len(uniq) * holdout)
        hold = set(uniq[:n_hold])
        out |= (y == lab) & np.isin(g, list(hold))
    return out


# --------------------------------------------------------------------------- accounts
def _instafake(root: Path) -> tuple[pd.DataFrame, list[Path]]:
    d = _need(root / "instafake" / "fake-v1.0")
    files = [d / "fakeAccountData.json", d / "realAccountData.json"]
    rows = []
    for f in files:
        rows += _read_json_records(f, _INSTAFAKE_KEYS, "InstaFake's JSON array of profiles (fake-v1.0)")
    raw = pd.DataFrame(rows)
    canon = pd.DataFrame(
        {
            "followers": raw["userFollowerCount"],
            "following": raw["userFollowingCount"],
            "posts": raw["userMediaCount"],
            "has_profile_pic": raw["userHasProfilPic"].astype(bool),
            "is_private": raw["userIsPrivate"].astype(bool),
        }
    )
    feats = features_from_canonical(canon)
    feats["bio_length"] = raw["userBiographyLength"].astype(float)
    ulen = raw["usernameLength"].astype(float)
    feats["username_length"] = ulen
    feats["username_digit_ratio"] = np.where(
        ulen > 0, raw["usernameDigitCount"] / ulen.where(ulen > 0, 1), 0.0
    )
    feats["label"] = raw["isFake"].astype(int)
    # identical profiles are one group so duplicates never straddle the split
    feats["group"] = raw.astype(str).agg("|".join, axis=1)
    return feats, files


_KAGGLE_COLS = (
    "profile pic",
    "nums/length username",
    "fullname words",
    "nums/length fullname",
    "name==username",
    "description length",
    "external URL",
    "private",
    "#posts",
    "#followers",
    "#follows",
    "fake",
)
_KAGGLE_WHAT = "the Kaggle fake/spam account CSV (profile pic, …, #followers, #follows, fake)"


def _kaggle(root: Path) -> tuple[pd.DataFrame, list[Path]]:
    f = root / "instagram_fake_kaggle" / "train.csv"
    files = [f]
    test = root / "instagram_fake_kaggle" / "test.csv"  # the official test split, only in the held-out store
    raw = _read_csv(f, _KAGGLE_COLS, _KAGGLE_WHAT)
    raw["__part"] = "train"
    if test.exists():
        t = _read_csv(test, _KAGGLE_COLS, _KAGGLE_WHAT)
        t["__part"] = "official_test"
        raw = pd.concat([raw, t], ignore_index=True)
        files.append(test)
    canon = pd.DataFrame(
        {
            "followers": raw["#followers"],
            "following": raw["#follows"],
            "posts": raw["#posts"],
            "has_profile_pic": raw["profile pic"].astype(bool),
            "is_private": raw["private"].astype(bool),
        }
    )
    feats = features_from_canonical(canon)
    feats["bio_length"] = raw["description length"].astype(float)
    feats["username_digit_ratio"] = raw["nums/length username"].astype(float)
    feats["fullname_words"] = raw["fullname words"].astype(float)
    feats["fullname_digit_ratio"] = raw["nums/length fullname"].astype(float)
    feats["name_equals_username"] = raw["name==username"].astype(float)
    feats["has_external_url"] = raw["external URL"].astype(float)
    feats["label"] = raw["fake"].astype(int)
    feats["group"] = raw.drop(columns="__part").astype(str).agg("|".join, axis=1)
    feats["__part"] = raw["__part"]
    return feats, files


def _tf(s: pd.Series) -> pd.Series:
    return s.astype(str).str.upper().map({"TRUE": True, "FALSE": False})


_SRF_COLS = (
    "Username",
    "Number.of.followers",
    "Number.of.people.they.follow",
    "Number.of.posts",
    "has_profile_picture",
    "Private.account",
    "rating",
)
_SRF_WHAT = "SRF Data's labelled follower CSV (Username, Number.of.followers, …, rating)"


def _srf(root: Path) -> tuple[pd.DataFrame, list[Path]]:
    d = root / "srf_instagram_fake_followers"
    f = d / "labelled_1000_inclprivate.train.csv"
    files = [f]
    raw = _read_csv(f, _SRF_COLS, _SRF_WHAT, keep_default_na=False)
    raw["__part"] = "train"
    hold = d / "labelled_1000_inclprivate.holdout.csv"
    if hold.exists():
        h = _read_csv(hold, _SRF_COLS, _SRF_WHAT, keep_default_na=False)
        h["__part"] = "official_test"
        raw = pd.concat([raw, h], ignore_index=True)
        files.append(hold)
    canon = pd.DataFrame(
        {
            "username": raw["Username"].astype(str),
            "followers": pd.to_numeric(raw["Number.of.followers"], errors="coerce"),
            "following": pd.to_numeric(raw["Number.of.people.they.follow"], errors="coerce"),
            "posts": pd.to_numeric(raw["Number.of.posts"], errors="coerce"),
            "has_profile_pic": _tf(raw["has_profile_picture"]),
            "is_private": _tf(raw["Private.account"]),
        }
    )
    feats = features_from_canonical(canon)
    rating = _tf(raw["rating"])
    if rating.isna().any():
        bad = int(rating.isna().to_numpy().argmax())
        src = hold if raw["__part"].iloc[bad] == "official_test" else f
        raise DataMalformed(
            f"{src}: rating {raw['rating'].iloc[bad]!r} is neither TRUE nor FALSE; expected {_SRF_WHAT}"
        )
    feats["label"] = rating.astype(int)
    feats["group"] = raw["Username"].astype(str).str.lower()
    feats["__part"] = raw["__part"]
    return feats, files


_CRESCI_COLS = (
    "id",
    "screen_name",
    "name",
    "description",
    "followers_count",
    "friends_count",
    "statuses_count",
    "default_profile_image",
    "protected",
    "url",
    "dataset",
    "updated",
)
_CRESCI_WHAT = "a Cresci et al. 2015 users.csv (id, screen_name, …, followers_count, friends_count)"


def _cresci(root: Path) -> tuple[pd.DataFrame, list[Path]]:
    d = root / "cresci2015_e13_int"
    files = [d / "E13_humans_users.csv", d / "INT_fake_followers_users.csv"]
    parts = []
    for f, lab in zip(files, (0, 1), strict=True):
        r = _read_csv(f, _CRESCI_COLS, _CRESCI_WHAT, dtype=str, keep_default_na=False)
        r["__label"] = lab
        parts.append(r)
    raw = pd.concat(parts, ignore_index=True)
    # `dataset` is the label and `updated` the crawl time (differs by group): never read them.
    raw = raw.drop(columns=["dataset", "updated"])

    def num(c: str) -> pd.Series:
        return pd.to_numeric(raw[c], errors="coerce")

    canon = pd.DataFrame(
        {
            # Twitter's statuses_count is not an Instagram post count: the platform rule makes the posts features
            # unknown (see tribescope.authenticity._accounts.POSTS_PLATFORMS)
            "platform": "twitter",
            "username": raw["screen_name"],
            "full_name": raw["name"],
            "bio": raw["description"],
            "followers": num("followers_count"),
            "following": num("friends_count"),
            "posts": num("statuses_count"),
            "has_profile_pic": raw["default_profile_image"].str.strip().isin(["", "0", "False", "false"]),
            "is_private": raw["protected"].str.strip().isin(["1", "True", "true"]),
            "external_url": raw["url"],
        }
    )
    feats = features_from_canonical(canon)
    feats["label"] = raw["__label"].astype(int)
    feats["group"] = raw["id"]
    return feats, files


ACCOUNT_SETS: dict[str, Callable[[Path], tuple[pd.DataFrame, list[Path]]]] = {
    "instafake": _instafake,
    "instagram_fake_kaggle": _kaggle,
    "srf_instagram_fake_followers": _srf,
    "cresci2015_e13_int": _cresci,
}

#: held-out share per set (SRF: 30 %, like the authors' validation sample)
HOLDOUT = {
    "instafake": 0.2,
    "instagram_fake_kaggle": 0.2,
    "srf_instagram_fake_followers": 0.3,
    "cresci2015_e13_int": 0.2,
}


def load_account_set(name: str, root: Path | None = None) -> tuple[pd.DataFrame, list[Path]]:
    """Feature frame of one labelled account set with a ``part`` column: train | holdout | official_test.

    ``official_test`` rows come from the curators' held-out files when they are present (never here).
    """
    root = data_root(root)
    try:
        feats, files = ACCOUNT_SETS[name](root)
    except (KeyError, ValueError, TypeError) as exc:  # a value the set's format does not allow
        raise DataMalformed(f"{root / name}: a value cannot be read ({type(exc).__name__}: {exc})") from None
    if "__part" not in feats:
        feats["__part"] = "train"
    own = feats["__part"] == "train"
    part = np.where(own, "train", feats["__part"])
    sub = feats[own]
    hold = split_mask(name, sub["group"], sub["label"], HOLDOUT[name])
    idx = np.flatnonzero(own)
    part[idx[hold]] = "holdout"
    feats = feats.drop(columns="__part")
    feats["part"] = part
    feats["dataset"] = name
    return feats.reset_index(drop=True), files


# --------------------------------------------------------------------------- comments
YOUTUBE_VIDEOS = (
    "Youtube01-Psy",
    "Youtube02-KatyPerry",
    "Youtube03-LMFAO",
    "Youtube04-Eminem",
    "Youtube05-Shakira",
)


def load_youtube_spam(root: Path | None = None) -> tuple[pd.DataFrame, list[Path]]:
    """``text``, ``label`` (1 = spam), ``video`` of the YouTube Spam Collection (Shakira only when present).

    ``DATE`` is never read: it is empty for every Eminem spam row (a label leak).
    """
    d = data_root(root) / "youtube_spam"
    parts, files = [], []
    for v in YOUTUBE_VIDEOS:
        f = d / f"{v}.csv"
        if not f.exists():
            continue
        what = "a YouTube Spam Collection CSV (COMMENT_ID, AUTHOR, DATE, CONTENT, CLASS)"
        r = _read_csv(f, ("CONTENT", "CLASS"), what, dtype={"CONTENT": str}, keep_default_na=False)
        label = pd.to_numeric(r["CLASS"], errors="coerce")
        if not label.isin([0, 1]).all():
            raise DataMalformed(f"{f}: CLASS must be 0 or 1 in every row; expected {what}")
        parts.append(pd.DataFrame({"text": r["CONTENT"], "label": label.astype(int), "video": v}))
        files.append(f)
    if not parts:
        _need(d / f"{YOUTUBE_VIDEOS[0]}.csv")
    return pd.concat(parts, ignore_index=True), files


def load_cmv(root: Path | None = None, window: int = 2) -> tuple[pd.DataFrame, list[Path]]:
    """One row per chain: ``text`` (last comment), ``context`` (at most ``window`` predecessors), ``label``, ``fold``.

    Leaks avoided: the last comment's ``violated_rule`` / ``delta`` are the label and are not read; chain length
    (4 for ad hominem, 3 for delta) leaks it too, so the context is a fixed window of ``window`` predecessors.
    """
    d = data_root(root) / "reddit_cmv_adhominem"
    files = sorted(d.glob("cmv_threads_ah_delta_context3.*.jsonl.gz"))
    if not files:
        _need(d / "cmv_threads_ah_delta_context3.folds1-9.jsonl.gz")
    chains: dict[str, list[dict[str, object]]] = {}
    what = "gzipped JSON Lines of CMV comments (thread_file, position, body, thread_label, fold)"
    for f in files:
        n = 0  # lines read whole: an error is on line n + 1
        try:
            with gzip.open(f, "rt", encoding="utf-8") as fh:
                for line in fh:
                    r = json.loads(line)
                    chains.setdefault(r["thread_file"], []).append(
                        {
                            "position": int(r["position"]),
                            "body": r["body"] or "",
                            "label": r["thread_label"],
                            "fold": int(r["fold"]),
                        }
                    )
                    n += 1
        except (OSError, EOFError, ValueError, KeyError, TypeError) as exc:  # gzip.BadGzipFile is an OSError
            raise DataMalformed(
                f"{f}: cannot read line {n + 1} ({type(exc).__name__}: {exc}); expected {what}"
            ) from None
    rows = []
    for name, cs in chains.items():
        cs.sort(key=lambda c: int(c["position"]))  # type: ignore[call-overload]
        last = cs[-1]
        ctx = [str(c["body"]) for c in cs[:-1]][-window:] if window else []
        rows.append(
            {
                "chain": name,
                "text": str(last["body"]),
                "context": "\n".join(ctx),
                "label": int(last["label"] == "ah"),
                "fold": int(str(last["fold"])),
            }
        )
    return pd.DataFrame(rows), files
