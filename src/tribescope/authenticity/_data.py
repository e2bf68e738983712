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
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from tribescope.authenticity._accounts import features_from_canonical
from tribescope.errors import TribescopeError
from tribescope.ingest._readers import file_sha256

__all__ = [
    "ACCOUNT_SETS",
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


def _need(path: Path) -> Path:
    if not path.exists():
        raise DataMissing(
            f"{path} not found. Point --data (or $TRIBESCOPE_SHARED_DATA) at the folder holding the labelled sets "
            "(instafake/, instagram_fake_kaggle/, srf_instagram_fake_followers/, cresci2015_e13_int/, youtube_spam/, "
            "reddit_cmv_adhominem/)."
        )
    return path


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
        rows += json.loads(_need(f).read_text())
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


def _kaggle(root: Path) -> tuple[pd.DataFrame, list[Path]]:
    f = _need(root / "instagram_fake_kaggle" / "train.csv")
    files = [f]
    test = root / "instagram_fake_kaggle" / "test.csv"  # the official test split, only in the held-out store
    raw = pd.read_csv(f)
    raw["__part"] = "train"
    if test.exists():
        t = pd.read_csv(test)
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


def _srf(root: Path) -> tuple[pd.DataFrame, list[Path]]:
    d = root / "srf_instagram_fake_followers"
    f = _need(d / "labelled_1000_inclprivate.train.csv")
    files = [f]
    raw = pd.read_csv(f, keep_default_na=False)
    raw["__part"] = "train"
    hold = d / "labelled_1000_inclprivate.holdout.csv"
    if hold.exists():
        h = pd.read_csv(hold, keep_default_na=False)
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
    feats["label"] = _tf(raw["rating"]).astype(int)
    feats["group"] = raw["Username"].astype(str).str.lower()
    feats["__part"] = raw["__part"]
    return feats, files


def _cresci(root: Path) -> tuple[pd.DataFrame, list[Path]]:
    d = root / "cresci2015_e13_int"
    files = [_need(d / "E13_humans_users.csv"), _need(d / "INT_fake_followers_users.csv")]
    parts = []
    for f, lab in zip(files, (0, 1), strict=True):
        r = pd.read_csv(f, dtype=str, keep_default_na=False)
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
    feats, files = ACCOUNT_SETS[name](root)
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
        r = pd.read_csv(f, usecols=["CONTENT", "CLASS"], dtype={"CONTENT": str}, keep_default_na=False)
        parts.append(pd.DataFrame({"text": r["CONTENT"], "label": r["CLASS"].astype(int), "video": v}))
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
    for f in files:
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                chains.setdefault(r["thread_file"], []).append(
                    {
                        "position": r["position"],
                        "body": r["body"] or "",
                        "label": r["thread_label"],
                        "fold": r["fold"],
                    }
                )
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
