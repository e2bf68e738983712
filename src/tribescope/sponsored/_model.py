"""The "likely sponsored" model: TF-IDF over caption tokens + a few post/creator numbers → logistic regression.

The fitted model ships as JSON (vocabulary, idf weights, coefficients, standardisation of the dense
features), so applying it needs only NumPy/SciPy and no pickles. It is trained by
:func:`tribescope.sponsored.train_kim` on the Kim et al. (WWW 2020) Instagram sample, whose label is
Instagram's own "Paid partnership with …" header; the label (``is_paid_partnership``) and the
sponsor (``sponsor``) are **never** features.

Features of a post (all computable from the canonical ``posts`` + ``accounts`` tables):

* caption tokens: words and ``#hashtags`` (never account handles), TF-IDF weighted, L2-normalised
  (Salton & Buckley 1988), plus marker tokens ``__disclosure__`` (a disclosure hashtag, see
  :data:`~tribescope.sponsored.DISCLOSURE_HASHTAGS`), ``__mentions_k__`` (number of @-mentions, capped at 3),
  ``__mention_echoed_in_hashtag__`` (a mentioned handle reappears in a hashtag: a campaign tag) and
  ``__brandlike_mention__`` (a mentioned handle looks like a brand account: shop, official, beauty, …);
* dense: log1p(followers), verified, log1p(likes), log1p(comments), likes per follower, number of
  mentions / hashtags / tagged users, caption length, post year ≥ 2017 (Instagram's branded-content
  tag appeared in 2016–2017), media type.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from tribescope.errors import TribescopeError
from tribescope.sponsored._disclosure import disclosure_hashtags_in

__all__ = ["DENSE_FEATURES", "SponsoredModel", "dense_features", "load_model", "tokens"]

_TOKEN = re.compile(r"[#@]?[\w']+", re.UNICODE)
_MODEL_FILE = "sponsored_model.json"
_BRANDY = re.compile(r"official|shop|store|beauty|cosmetic|brand|makeup|skin|hair|fashion|wear|us$|uk$")

DENSE_FEATURES = (
    "log_followers",
    "verified",
    "log_likes",
    "log_comments",
    "likes_per_follower",
    "n_mentions",
    "n_hashtags",
    "n_tagged",
    "log_caption_len",
    "after_2017",
    "is_video",
    "is_carousel",
)


def tokens(caption: str | None) -> list[str]:
    """Caption → tokens: words, ``#tags`` and marker tokens (``@handles`` only through markers)."""
    text = (caption or "").lower()
    toks = _TOKEN.findall(text)
    # specific @handles are not tokens (the shipped vocabulary must hold no account names); markers below
    out = [t for t in toks if not t.startswith("@")]
    if disclosure_hashtags_in(text):
        out.append("__disclosure__")
    ments = [t[1:].replace("_", "").replace(".", "") for t in toks if t.startswith("@")]
    tags = [t[1:] for t in toks if t.startswith("#")]
    out.append(f"__mentions_{min(len(ments), 3)}__")
    if any(len(m) >= 3 and any(m[:5] in t for t in tags) for m in ments):
        out.append("__mention_echoed_in_hashtag__")  # "@levis … #leviskids": a campaign hashtag
    if any(_BRANDY.search(m) for m in ments):
        out.append("__brandlike_mention__")
    return out


def _num(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(v) else v


def dense_features(row: dict[str, Any]) -> list[float]:
    """The dense feature vector of one post row (keys: caption, likes, comments_count, followers, ...)."""
    caption = row.get("caption") or ""
    followers = _num(row.get("followers"))
    likes = _num(row.get("likes"))
    created = row.get("created_at")
    year = created.year if isinstance(created, datetime) else 0
    n_mentions = len(row.get("mentions") or []) or caption.count("@")
    n_hashtags = len(row.get("hashtags") or []) or caption.count("#")
    media = (row.get("media_type") or "").lower()
    return [
        math.log1p(followers),
        1.0 if row.get("is_verified") else 0.0,
        math.log1p(likes),
        math.log1p(_num(row.get("comments_count"))),
        min(likes / followers, 2.0) if followers > 0 else 0.0,
        float(min(n_mentions, 10)),
        float(min(n_hashtags, 30)),
        float(min(len(row.get("tagged_users") or []), 10)),
        math.log1p(len(caption)),
        1.0 if year >= 2017 else 0.0,
        1.0 if media == "video" else 0.0,
        1.0 if media == "carousel" else 0.0,
    ]


@dataclass
class SponsoredModel:
    """A fitted sparse logistic model. ``predict_proba(rows)`` → P(sponsored) per row."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    dense_mean: np.ndarray
    dense_std: np.ndarray
    coef: np.ndarray  # text coefficients then dense coefficients
    intercept: float
    metrics: dict[str, Any]
    threshold: float

    def transform(self, rows: list[dict[str, Any]]) -> sp.csr_matrix:
        indptr, indices, data = [0], [], []
        for r in rows:
            counts: dict[int, int] = {}
            for t in tokens(r.get("caption")):
                j = self.vocabulary.get(t)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            val = np.fromiter(counts.values(), dtype=np.float64, count=len(counts)) * self.idf[idx]
            norm = float(np.sqrt((val**2).sum()))
            if norm > 0:
                val = val / norm
            indices.extend(idx.tolist())
            data.extend(val.tolist())
            indptr.append(len(indices))
        text = sp.csr_matrix((data, indices, indptr), shape=(len(rows), len(self.vocabulary)))
        dense = np.array([dense_features(r) for r in rows], dtype=np.float64).reshape(len(rows), -1)
        dense = (dense - self.dense_mean) / self.dense_std
        return sp.hstack([text, sp.csr_matrix(dense)], format="csr")

    def decision_function(self, rows: list[dict[str, Any]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        out: np.ndarray = np.asarray(self.transform(rows) @ self.coef).ravel() + self.intercept
        return out

    def predict_proba(self, rows: list[dict[str, Any]]) -> np.ndarray:
        """P(sponsored) = 1 / (1 + exp(-(w·x + b)))."""
        p: np.ndarray = 1.0 / (1.0 + np.exp(-self.decision_function(rows)))
        return p

    # ------------------------------------------------------------------ persistence
    def to_json(self) -> dict[str, Any]:
        vocab = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {
            "format": "tribescope.sponsored/1",
            "vocabulary": vocab,
            "idf": [round(float(x), 5) for x in self.idf],
            "dense_features": list(DENSE_FEATURES),
            "dense_mean": [float(x) for x in self.dense_mean],
            "dense_std": [float(x) for x in self.dense_std],
            "coef": [round(float(x), 6) for x in self.coef],
            "intercept": float(self.intercept),
            "threshold": float(self.threshold),
            "metrics": self.metrics,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SponsoredModel:
        if d.get("format") != "tribescope.sponsored/1":
            raise TribescopeError(f"unknown sponsored-model format {d.get('format')!r}; retrain with "
                                  "`tribescope eval sponsored --retrain`")
        return cls(
            vocabulary={t: i for i, t in enumerate(d["vocabulary"])},
            idf=np.asarray(d["idf"], dtype=np.float64),
            dense_mean=np.asarray(d["dense_mean"], dtype=np.float64),
            dense_std=np.asarray(d["dense_std"], dtype=np.float64),
            coef=np.asarray(d["coef"], dtype=np.float64),
            intercept=float(d["intercept"]),
            metrics=dict(d.get("metrics", {})),
            threshold=float(d.get("threshold", 0.5)),
        )

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")))


def load_model(path: str | Path | None = None) -> SponsoredModel:
    """Load the shipped model (``tribescope/sponsored/sponsored_model.json``) or one at ``path``."""
    try:
        if path is None:
            text = resources.files("tribescope.sponsored").joinpath(_MODEL_FILE).read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TribescopeError(
            f"sponsored-post model not found ({path or _MODEL_FILE}); train it with "
            "`tribescope eval sponsored --retrain`"
        ) from exc
    return SponsoredModel.from_json(json.loads(text))
