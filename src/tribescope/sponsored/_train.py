"""Train and evaluate the "likely sponsored" model on the Kim et al. Instagram sample.

Label: Instagram's "Paid partnership with …" header (``is_paid_partnership``), hidden from the model.
Evaluation: out-of-fold predictions from creator-grouped K-fold cross-validation (no creator on both
sides), scored by PR-AUC (average precision, the area under the precision–recall curve; Davis &
Goadrich 2006) and recall@k (share of the sponsored posts found among the k most probable), each with a
95 % percentile bootstrap CI from resampling *creators* with replacement (Efron & Tibshirani 1993).
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
from tribescope.sponsored._model import DENSE_FEATURES, SponsoredModel, dense_features, tokens

__all__ = ["average_precision", "evaluate_scores", "load_kim", "recall_at_k", "train_kim"]


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_kim(directory: str | Path, split: str = "train") -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray]:
    """Kim posts as canonical-style rows (label and sponsor dropped), labels, and creator groups."""
    d = Path(directory)
    posts_path = d / f"posts.{split}.jsonl.gz"
    if not posts_path.exists():
        raise TribescopeError(f"{posts_path} not found; point --data at the instagram_influencer_posts_kim folder")
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
        media = "video" if p.get("is_video") else ("carousel" if p.get("typename") == "GraphSidecar" else "image")
        ts = p.get("taken_at_timestamp")
        rows.append(
            {
                "caption": p.get("caption") or "",
                "likes": p.get("like_count"),
                "comments_count": p.get("comment_count"),
                "followers": followers.get(owner),
                "is_verified": p.get("owner_is_verified"),
                "tagged_users": p.get("tagged_usernames") or [],
                "created_at": datetime.fromtimestamp(ts, UTC) if ts else None,
                "media_type": media,
            }
        )
        y.append(1 if p.get("is_paid_partnership") else 0)
        groups.append(owner)
    return rows, np.asarray(y), np.asarray(groups)


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
    y: np.ndarray, s: np.ndarray, groups: np.ndarray, *, ks: tuple[int, ...] = (50, 100, 200),
    n_boot: int = 500, seed: int = 0,
) -> dict[str, Any]:
    """PR-AUC and recall@k with 95 % creator-bootstrap CIs."""
    rng = np.random.default_rng(seed)
    uniq, inv = np.unique(groups, return_inverse=True)
    members = [[] for _ in uniq]  # type: list[list[int]]
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
        "n_posts": int(n), "n_positive": int(np.asarray(y).sum()), "n_creators": len(uniq),
        "base_rate": float(np.asarray(y).mean()),
    }
    for name, v in point.items():
        arr = np.asarray([b for b in boots[name] if not np.isnan(b)])
        out[name] = {"value": round(v, 4), "ci95": [round(float(np.quantile(arr, 0.025)), 4),
                                                 round(float(np.quantile(arr, 0.975)), 4)]}
    return out


def _fit(rows: list[dict[str, Any]], y: np.ndarray, *, C: float, min_df: int) -> SponsoredModel:
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer=tokens, min_df=min_df, lowercase=False)
    xt = vec.fit_transform([r["caption"] for r in rows])
    dense = np.asarray([dense_features(r) for r in rows], dtype=np.float64)
    mean, std = dense.mean(axis=0), dense.std(axis=0)
    std[std == 0] = 1.0
    x = sp.hstack([xt, sp.csr_matrix((dense - mean) / std)], format="csr")
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, solver="liblinear")
    clf.fit(x, y)
    vocab = {t: int(i) for t, i in vec.vocabulary_.items()}
    coef = clf.coef_.ravel()
    # keep only tokens with a non-negligible weight: the shipped file stays small
    keep_tokens = [t for t, i in vocab.items() if abs(coef[i]) >= 1e-3]
    keep_tokens.sort(key=vocab.__getitem__)
    new_vocab = {t: j for j, t in enumerate(keep_tokens)}
    old_idx = np.asarray([vocab[t] for t in keep_tokens], dtype=np.int64)
    n_text = xt.shape[1]
    new_coef = np.concatenate([coef[old_idx], coef[n_text:]])
    return SponsoredModel(
        vocabulary=new_vocab, idf=vec.idf_[old_idx], dense_mean=mean, dense_std=std, coef=new_coef,
        intercept=float(clf.intercept_[0]), metrics={}, threshold=0.5,
    )


def train_kim(
    directory: str | Path, *, folds: int = 5, C: float = 1.0, min_df: int = 5, seed: int = 0,
    n_boot: int = 500, out: str | Path | None = None,
) -> SponsoredModel:
    """Grouped-CV evaluation, then a final fit on everything; metrics stored in the model."""
    from sklearn.model_selection import GroupKFold

    rows, y, groups = load_kim(directory)
    oof = np.zeros(len(y))
    gkf = GroupKFold(n_splits=folds)
    for tr, te in gkf.split(rows, y, groups):
        m = _fit([rows[i] for i in tr], y[tr], C=C, min_df=min_df)
        oof[te] = m.predict_proba([rows[i] for i in te])
    metrics = evaluate_scores(y, oof, groups, n_boot=n_boot, seed=seed)
    # decision threshold: the out-of-fold probability maximising F1 ("likely" above it)
    order = np.argsort(-oof)
    hits = np.cumsum(y[order])
    prec = hits / np.arange(1, len(y) + 1)
    rec = hits / max(1, y.sum())
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-12), 0)
    best = int(np.argmax(f1))
    threshold = float(oof[order][best])
    metrics.update(
        {
            "protocol": f"{folds}-fold GroupKFold by creator on Kim et al. train split; label = Instagram "
            "paid-partnership header (hidden); 95% CIs from 500 creator bootstrap resamples",
            "threshold": round(threshold, 4),
            "at_threshold": {"precision": round(float(prec[best]), 4), "recall": round(float(rec[best]), 4)},
            "C": C, "min_df": min_df, "dense_features": list(DENSE_FEATURES),
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    final = _fit(rows, y, C=C, min_df=min_df)
    final.metrics = metrics
    final.threshold = threshold
    if out is not None:
        final.save(out)
    return final
