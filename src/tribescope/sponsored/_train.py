"""Train and evaluate the "likely sponsored" model on the Kim et al. Instagram sample.

Label: Instagram's "Paid partnership with …" header (``is_paid_partnership``), hidden from the model.
Evaluation: out-of-fold predictions from creator-grouped K-fold cross-validation (no creator on both
sides). In each fold the known-brand index (:class:`~tribescope.sponsored.BrandIndex`) is built from the
*training* creators' flagged posts only, and every post counts only creators other than its own, so no
held-out tag and no post's own tag reaches a feature. Scores: PR-AUC (average precision, the area under
the precision–recall curve; Davis & Goadrich 2006) and recall@k (share of the sponsored posts among the k
most probable), each with a 95 % percentile bootstrap CI from resampling *creators* with replacement
(Efron & Tibshirani 1993). Probabilities are Platt-scaled (Platt 1999) on the out-of-fold log-odds.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from tribescope.errors import TribescopeError
from tribescope.ingest._base import extract_hashtags, extract_mentions
from tribescope.ingest._readers import file_sha256
from tribescope.sponsored._features import FEATURES, BrandIndex, post_features
from tribescope.sponsored._model import SponsoredModel, Tree

__all__ = [
    "GB_PARAMS",
    "average_precision",
    "evaluate_kim",
    "evaluate_scores",
    "kim_sponsors",
    "load_kim",
    "recall_at_k",
    "train_kim",
]

#: HistGradientBoostingClassifier settings (fixed before evaluation; no early stopping → deterministic)
GB_PARAMS: dict[str, Any] = {
    "max_iter": 150,
    "learning_rate": 0.05,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "random_state": 0,
}


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _posts_path(directory: str | Path, split: str) -> Path:
    p = Path(directory) / f"posts.{split}.jsonl.gz"
    if not p.exists():
        raise TribescopeError(f"{p} not found; point --data at the instagram_influencer_posts_kim folder")
    return p


def load_kim(
    directory: str | Path, split: str = "train"
) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray]:
    """Kim posts as canonical-style ``posts`` rows (label and sponsor dropped), labels, creator groups."""
    d = Path(directory)
    posts_path = _posts_path(d, split)
    followers: dict[str, int] = {}
    inf = d / f"influencers.{split}.txt.gz"
    if inf.exists():
        with gzip.open(inf, "rt", encoding="utf-8") as fh:
            next(fh, None)
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 3 and parts[2].isdigit():
                    followers[parts[0].lower()] = int(parts[2])
    rows, y, groups = [], [], []
    for p in _jsonl(posts_path):
        owner = (p.get("owner_username") or "").lower()
        media = (
            "video" if p.get("is_video") else ("carousel" if p.get("typename") == "GraphSidecar" else "image")
        )
        ts = p.get("taken_at_timestamp")
        caption = p.get("caption") or ""
        rows.append(
            {
                "creator_id": owner,
                "caption": caption,
                "hashtags": extract_hashtags(caption),
                "mentions": extract_mentions(caption),
                "likes": p.get("like_count"),
                "comments_count": p.get("comment_count"),
                "followers": followers.get(owner),
                "is_verified": p.get("owner_is_verified"),
                "tagged_users": [t.lower() for t in p.get("tagged_usernames") or []],
                "created_at": datetime.fromtimestamp(ts, UTC) if ts else None,
                "media_type": media,
            }
        )
        y.append(1 if p.get("is_paid_partnership") else 0)
        groups.append(owner)
    return rows, np.asarray(y), np.asarray(groups)


def kim_sponsors(directory: str | Path, split: str = "train") -> list[list[str]]:
    """Per post (same order as :func:`load_kim`), the paid-partnership sponsors — for the brand index only."""
    return [
        [(s.get("username") or "").lower() for s in p.get("sponsor_users") or []]
        for p in _jsonl(_posts_path(directory, split))
    ]


def average_precision(y: np.ndarray, s: np.ndarray) -> float:
    """AP = Σ_k P(k)·Δrecall(k) over the ranking by score (ties broken by order); NaN when no positive."""
    y = np.asarray(y)
    npos = int(y.sum())
    if npos == 0:
        return float("nan")
    order = np.argsort(-np.asarray(s), kind="mergesort")
    ys = y[order]
    hits = np.cumsum(ys)
    prec = hits / np.arange(1, len(ys) + 1)
    return float((prec * ys).sum() / npos)


def recall_at_k(y: np.ndarray, s: np.ndarray, k: int) -> float:
    """Share of positives among the ``k`` highest scores."""
    y = np.asarray(y)
    npos = int(y.sum())
    if npos == 0:
        return float("nan")
    order = np.argsort(-np.asarray(s), kind="mergesort")[:k]
    return float(y[order].sum() / npos)


def evaluate_scores(
    y: np.ndarray,
    s: np.ndarray,
    groups: np.ndarray,
    *,
    ks: tuple[int, ...] = (50, 100, 200),
    n_boot: int = 500,
    seed: int = 0,
) -> dict[str, Any]:
    """PR-AUC and recall@k with 95 % creator-bootstrap CIs."""
    rng = np.random.default_rng(seed)
    uniq, inv = np.unique(groups, return_inverse=True)
    members: list[list[int]] = [[] for _ in uniq]
    for i, g in enumerate(inv):
        members[g].append(i)
    idx_by_group = [np.asarray(m) for m in members]
    point = {"pr_auc": average_precision(y, s), **{f"recall@{k}": recall_at_k(y, s, k) for k in ks}}
    boots: dict[str, list[float]] = {k: [] for k in point}
    n = len(y)
    for _ in range(n_boot):
        pick = rng.integers(0, len(uniq), len(uniq))
        idx = np.concatenate([idx_by_group[g] for g in pick])
        yb, sb = y[idx], s[idx]
        scale = len(idx) / n  # k scales with the resample size
        boots["pr_auc"].append(average_precision(yb, sb))
        for k in ks:
            boots[f"recall@{k}"].append(recall_at_k(yb, sb, max(1, round(k * scale))))
    out: dict[str, Any] = {
        "n_posts": int(n),
        "n_positive": int(np.asarray(y).sum()),
        "n_creators": len(uniq),
        "base_rate": float(np.asarray(y).mean()),
    }
    for name, v in point.items():
        arr = np.asarray([b for b in boots[name] if not np.isnan(b)])
        out[name] = {
            "value": round(v, 4),
            "ci95": [round(float(np.quantile(arr, 0.025)), 4), round(float(np.quantile(arr, 0.975)), 4)],
        }
    return out


def _brands(sponsors: list[list[str]], groups: np.ndarray, idx: np.ndarray) -> BrandIndex:
    return BrandIndex.from_pairs((s, str(groups[i])) for i in idx for s in sponsors[i])


def _fit(x: np.ndarray, y: np.ndarray) -> SponsoredModel:
    """Boosted trees on a feature matrix → a JSON-exportable model (checked against scikit-learn)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        gb = HistGradientBoostingClassifier(**GB_PARAMS).fit(x, y)
        ref = gb.predict_proba(x)[:, 1]
    trees = []
    for (pred,) in gb._predictors:  # one predictor per boosting iteration (binary log-loss)
        nd = pred.nodes
        leaf = nd["is_leaf"].astype(bool)
        trees.append(
            Tree(
                feature=np.where(leaf, -1, nd["feature_idx"]).astype(np.int64),
                threshold=nd["num_threshold"].astype(np.float64),
                left=nd["left"].astype(np.int64),
                right=nd["right"].astype(np.int64),
                value=nd["value"].astype(np.float64),
                missing_left=nd["missing_go_to_left"].astype(bool),
            )
        )
    model = SponsoredModel(
        trees=trees, baseline=float(np.ravel(gb._baseline_prediction)[0]), threshold=0.5, metrics={}
    )
    if not np.allclose(model.predict_proba_matrix(x), ref, atol=1e-6):
        raise TribescopeError("exported trees disagree with scikit-learn; the tree export needs updating")
    return model


def _f1_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    order = np.argsort(-p, kind="mergesort")
    hits = np.cumsum(y[order])
    prec = hits / np.arange(1, len(y) + 1)
    rec = hits / max(1, int(y.sum()))
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-12), 0)
    best = int(np.argmax(f1))
    return float(p[order][best]), float(prec[best]), float(rec[best])


def train_kim(
    directory: str | Path,
    *,
    folds: int = 5,
    seed: int = 0,
    n_boot: int = 500,
    out: str | Path | None = None,
) -> SponsoredModel:
    """Grouped-CV evaluation, Platt calibration and F1 threshold out of fold, then a final fit on all creators
    (brand index from all of them); metrics, settings and the training files' SHA-256 stored in the model."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from threadpoolctl import threadpool_limits

    d = Path(directory)
    rows, y, groups = load_kim(d)
    sponsors = kim_sponsors(d)
    raw = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=folds).split(rows, y, groups):
        brands = _brands(sponsors, groups, tr)  # training creators only
        xtr = np.asarray([post_features(rows[i], brands) for i in tr])
        xte = np.asarray([post_features(rows[i], brands) for i in te])
        m = _fit(xtr, y[tr])
        raw[te] = m.decision_matrix(xte)
    # one BLAS thread: with two, L-BFGS-B's sums come out in another order and the Platt constants (so the
    # model's baseline and threshold) move in their last bit. They still depend on the OpenBLAS kernel the CPU
    # selects: the shipped file was built with the Haswell/Zen one (OPENBLAS_CORETYPE=Haswell reproduces it)
    with threadpool_limits(1):
        platt = LogisticRegression(C=1e6, max_iter=1000).fit(raw.reshape(-1, 1), y)
    a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    oof = 1.0 / (1.0 + np.exp(-(a * raw + b)))
    metrics = evaluate_scores(y, oof, groups, n_boot=n_boot, seed=seed)
    threshold, prec, rec = _f1_threshold(y, oof)
    files = [d / "posts.train.jsonl.gz", d / "influencers.train.txt.gz"]
    metrics.update(
        {
            "protocol": f"{folds}-fold GroupKFold by creator on Kim et al. train split; label = Instagram "
            "paid-partnership header (hidden); known-brand index from the training folds' flagged posts only, "
            f"other creators only; 95% CIs from {n_boot} creator bootstrap resamples",
            "threshold": round(threshold, 4),
            "at_threshold": {"precision": round(prec, 4), "recall": round(rec, 4)},
            "calibration": {
                "platt_a": round(a, 6),
                "platt_b": round(b, 6),
                "mean_probability": round(float(oof.mean()), 5),
                "brier": round(float(np.mean((oof - y) ** 2)), 6),
            },
            "model": "HistGradientBoostingClassifier",
            "params": GB_PARAMS,
            "features": list(FEATURES),
            "training_files": {f.name: file_sha256(f) for f in files if f.exists()},
        }
    )
    brands = _brands(sponsors, groups, np.arange(len(y)))
    final = _fit(np.asarray([post_features(r, brands) for r in rows]), y)
    final.trees[0].value = final.trees[0].value * a  # fold Platt's slope into the trees: a·raw + b
    for t in final.trees[1:]:
        t.value = t.value * a
    final.baseline = a * final.baseline + b
    final.metrics = metrics
    final.threshold = threshold
    metrics["known_brand_accounts"] = len(brands)
    if out is not None:
        final.save(out)
    return final


def evaluate_kim(
    model: SponsoredModel,
    directory: str | Path,
    *,
    split: str = "holdout",
    n_boot: int = 500,
    seed: int = 0,
) -> dict[str, Any]:
    """Score a split's posts (platform tag hidden) with the known-brand index built from the *train* split's
    flagged posts — the other creators a workspace would hold; the scored split's own tags are never used."""
    if split == "train":
        raise TribescopeError(
            "the train split is evaluated out of fold by `tribescope train sponsored`; "
            "pass another split (holdout)"
        )
    d = Path(directory)
    rows, y, groups = load_kim(d, split)
    train_rows, _, train_groups = load_kim(d, "train")
    brands = _brands(kim_sponsors(d, "train"), train_groups, np.arange(len(train_rows)))
    p = model.predict_proba(rows, brands)
    out = evaluate_scores(y, p, groups, n_boot=n_boot, seed=seed)
    pred = p >= model.threshold
    tp = int((pred & (y == 1)).sum())
    out["at_threshold"] = {
        "precision": round(tp / max(1, int(pred.sum())), 4),
        "recall": round(tp / max(1, int(y.sum())), 4),
    }
    out["protocol"] = (
        f"shipped model on Kim et al. {split} split (platform tag hidden); known-brand index from "
        f"the train split's flagged posts; 95% CIs from {n_boot} creator bootstrap resamples"
    )
    return out
