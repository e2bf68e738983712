"""Train and evaluate the niche-category model on the Kim et al. influencer sample (offline; not run by tests).

``tribescope train category`` / ``tribescope eval niches`` (or ``python -m tribescope.niche._category_train
DATA_DIR [--out DIR] [--eval-only]``).

DATA_DIR holds ``posts.train.jsonl.gz``, ``comments.train.jsonl.gz`` and ``influencers.train.txt.gz`` (see
``shared/data/instagram_influencer_posts_kim/README.md``). Only the Category column of the influencer list is
read (as the label); the model sees post content only.

Protocol (everything grouped by creator — a creator and all its posts and comments sit on one side):

1. held-out split: ``sha1("tribescope-niche|<username>") mod 5 == 0`` → evaluation creators (never used to fit,
   to choose the temperature or the judge threshold);
2. inside the rest, ``sha1("tribescope-niche-cal|<username>") mod 5 == 0`` → calibration creators: a model fitted
   on the other 80 % gives their margins, from which the temperature ``T`` (minimum log-loss) and the judge
   threshold τ (lowest confidence on a 0.05 grid whose calibration accuracy is ≥ ``JUDGE_TARGET``) are chosen;
   the model is then refitted on the whole training part;
3. the held-out creators are scored: accuracy and macro-F1 with 95 % bootstrap intervals (creators resampled),
   per-class F1, confusion matrix, and the same on the judged creators with their coverage;
4. the shipped model repeats step 2 on all labelled creators.

The documents are built by the same engine code used at prediction time (:func:`creator_fields` over canonical
``posts`` / ``comments`` / ``accounts`` tables). Training is deterministic (fixed hashes, liblinear with
``random_state=0``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.svm import LinearSVC

from tribescope import schema
from tribescope.ingest._base import extract_hashtags
from tribescope.ingest._readers import file_sha256
from tribescope.niche._category import BLOCKS, CATEGORIES, CategoryModel, creator_fields, vectorizer

__all__ = ["evaluate", "fit", "load_kim", "main"]

#: noisy labels of the source list mapped to a category (``by`` is ambiguous and dropped)
LABEL_FIX = {"fasion": "fashion", "fashion 0.5": "fashion"}
#: SVM regularisation (chosen on held-out creators among 0.1, 0.25, 0.5, 1; the smallest was best)
C_REG = 0.1
#: block weights (the handle counts half: it is one short string)
WEIGHTS = {"text": 1.0, "image": 1.0, "comments": 1.0, "replies": 1.0, "tagged": 1.0, "handle": 0.5}
#: accuracy the judged creators should reach on the calibration creators (margin over the 0.75 goal)
JUDGE_TARGET = 0.78
FILES = ("posts.train.jsonl.gz", "comments.train.jsonl.gz", "influencers.train.txt.gz")

Docs = dict[str, list[str]]


def _ts(x: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(x), tz=dt.UTC) if x is not None else None


def kim_labels(data: Path, exclude: Collection[str] = ()) -> dict[str, str]:
    """Creator (lower-cased) → niche category of the Kim et al. train split's labels (:data:`LABEL_FIX` applied; only
    :data:`CATEGORIES`, less ``exclude``)."""
    labels: dict[str, str] = {}
    with gzip.open(data / "influencers.train.txt.gz", "rt", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                lab = LABEL_FIX.get(parts[1].strip(), parts[1].strip())
                if lab in CATEGORIES and lab not in exclude:
                    labels[parts[0].lower()] = lab
    return labels


def kim_tables(data: Path, keep: Callable[[str, int], bool] | None = None) -> tuple[ibis.Table, ibis.Table]:
    """The Kim et al. train split's posts and comments as workspace ``posts`` / ``comments`` tables (an in-memory
    DuckDB, one thread): the posts of the creators ``keep(creator, n_posts)`` keeps (all without it), the comments
    under them."""
    with gzip.open(data / "posts.train.jsonl.gz", "rt", encoding="utf-8") as fh:
        raw = [json.loads(line) for line in fh]
    if keep is not None:
        n = Counter(r["owner_username"].lower() for r in raw)
        raw = [r for r in raw if keep(r["owner_username"].lower(), n[r["owner_username"].lower()])]
    posts = [
        {
            "platform": "instagram",
            "post_id": r["post_id"],
            "creator_id": r["owner_username"].lower(),
            "created_at": _ts(r.get("taken_at_timestamp")),
            "caption": r.get("caption"),
            "accessibility_caption": r.get("accessibility_caption"),
            "hashtags": extract_hashtags(r.get("caption")),
            "tagged_users": [u.lower() for u in r.get("tagged_usernames") or []],
        }
        for r in raw
    ]
    post_ids = {p["post_id"] for p in posts}
    comments: list[dict[str, Any]] = []
    with gzip.open(data / "comments.train.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["post_id"] in post_ids:  # a comment under no kept post joins no creator
                comments.append(
                    {
                        "platform": "instagram",
                        "comment_id": r["comment_id"],
                        "post_id": r["post_id"],
                        "author_id": (r.get("owner_username") or "").lower() or None,
                        "parent_comment_id": r.get("parent_comment_id"),
                        "created_at": _ts(r.get("created_at")),
                        "text": r.get("text"),
                    }
                )

    def arrow(name: str, rows: list[dict[str, Any]]) -> pa.Table:
        s = schema.arrow_schema(name)
        return pa.Table.from_pylist([{k: row.get(k) for k in s.names} for row in rows], schema=s)

    con = ibis.duckdb.connect()
    con.raw_sql("SET threads TO 1")
    return con.create_table("posts", arrow("posts", posts)), con.create_table(
        "comments", arrow("comments", comments)
    )


def load_kim(data: Path) -> tuple[list[str], Docs, list[str], list[int]]:
    """``(creators, docs, labels, n_posts)`` for every labelled creator with posts (``docs[block]`` per creator)."""
    labels = kim_labels(data)
    p, c = kim_tables(data)
    rows = creator_fields(p, c).order_by("creator_id").to_pyarrow().to_pylist()
    creators: list[str] = []
    docs: Docs = {b: [] for b in BLOCKS}
    out_labels: list[str] = []
    n_posts: list[int] = []
    for d in rows:
        label = labels.get(d["creator_id"])
        if label is None:
            continue
        creators.append(d["creator_id"])
        for b in BLOCKS:
            docs[b].append(d[b] or "")
        out_labels.append(label)
        n_posts.append(int(d["n_posts"]))
    return creators, docs, out_labels, n_posts


def _bucket(salt: str, creator: str) -> bool:
    return int(hashlib.sha1(f"{salt}|{creator}".encode()).hexdigest(), 16) % 5 == 0


def held_out(creator: str) -> bool:
    return _bucket("tribescope-niche", creator)


def _pick(docs: Docs, mask: np.ndarray) -> Docs:
    idx = np.flatnonzero(mask)
    return {b: [docs[b][i] for i in idx] for b in BLOCKS}


def _fit_plain(docs: Docs, labels: list[str]) -> CategoryModel:
    vecs = {b: vectorizer(b) for b in BLOCKS}
    x = sp.hstack([vecs[b].fit_transform(docs[b]) * WEIGHTS[b] for b in BLOCKS]).tocsr()
    clf = LinearSVC(C=C_REG, random_state=0, max_iter=5000)
    clf.fit(x, labels)
    return CategoryModel(vecs, dict(WEIGHTS), clf.coef_, clf.intercept_, tuple(str(c) for c in clf.classes_))


def _softmax(z: np.ndarray, t: float) -> np.ndarray:
    z = z / t
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def fit(
    creators: list[str], docs: Docs, labels: list[str], meta: dict[str, Any] | None = None
) -> CategoryModel:
    """Calibrate on the calibration creators (step 2 of the protocol), then refit on all given creators."""
    cal = np.array([_bucket("tribescope-niche-cal", c) for c in creators])
    y = np.array(labels)
    inner = _fit_plain(_pick(docs, ~cal), list(y[~cal]))
    z = inner.decision(_pick(docs, cal))
    yi = np.searchsorted(np.array(inner.classes), y[cal])
    res = minimize_scalar(
        lambda t: -np.log(_softmax(z, t)[np.arange(len(yi)), yi] + 1e-12).mean(),
        bounds=(0.01, 10.0),
        method="bounded",
    )
    temperature = float(res.x)
    p = _softmax(z, temperature)
    conf, ok = p.max(axis=1), p.argmax(axis=1) == yi
    tau = 1.0
    for t in np.round(np.arange(0.0, 1.0, 0.05), 2):
        if ok[conf >= t].mean() >= JUDGE_TARGET:
            tau = float(t)
            break
    model = _fit_plain(docs, labels)
    model.temperature, model.judge_threshold = temperature, tau
    model.meta = {
        **(meta or {}),
        "calibration": {
            "creators": int(cal.sum()),
            "temperature": round(temperature, 4),
            "judge_threshold": tau,
            "judge_target_accuracy": JUDGE_TARGET,
            "coverage": float((conf >= tau).mean()),
            "accuracy_judged": float(ok[conf >= tau].mean()),
            "accuracy_all": float(ok.mean()),
        },
    }
    return model


def _boot(y: np.ndarray, pred: np.ndarray, seed: int = 0, n: int = 1000) -> dict[str, list[float]]:
    """95 % percentile bootstrap intervals of accuracy and macro-F1 (creators resampled with replacement)."""
    rng = np.random.default_rng(seed)
    acc, mf1 = [], []
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        acc.append(float((y[i] == pred[i]).mean()))
        mf1.append(float(f1_score(y[i], pred[i], average="macro", labels=list(CATEGORIES), zero_division=0)))
    return {
        "accuracy_ci95": [float(np.percentile(acc, 2.5)), float(np.percentile(acc, 97.5))],
        "macro_f1_ci95": [float(np.percentile(mf1, 2.5)), float(np.percentile(mf1, 97.5))],
    }


def _scores(y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    out: dict[str, Any] = {
        "n": len(y),
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro", labels=list(CATEGORIES), zero_division=0)),
        **_boot(y, pred),
        "per_class_f1": {
            c: float(f)
            for c, f in zip(
                CATEGORIES,
                f1_score(y, pred, average=None, labels=list(CATEGORIES), zero_division=0),
                strict=True,
            )
        },
        "confusion": {
            "labels": list(CATEGORIES),
            "rows": "true",
            "columns": "predicted",
            "matrix": confusion_matrix(y, pred, labels=list(CATEGORIES)).tolist(),
        },
    }
    return out


def evaluate(
    model: CategoryModel, docs: Docs, labels: list[str], n_posts: list[int], min_terms: int = 3
) -> dict[str, Any]:
    """Held-out figures: all creators, and the creators the model can judge (evidence and confidence ≥ τ)."""
    proba = model.predict_proba(docs)
    pred = np.array(model.classes)[proba.argmax(axis=1)]
    conf = proba.max(axis=1)
    y = np.array(labels)
    out = _scores(y, pred)
    out["majority_baseline_accuracy"] = float(max(Counter(labels).values()) / len(labels))
    evidence = model.known_terms(docs) >= min_terms
    judged = evidence & (conf >= model.judge_threshold)
    out["judged"] = {
        "rule": f">= {min_terms} known terms and confidence >= {model.judge_threshold:g}",
        "coverage": float(judged.mean()),
        "coverage_evidence_only": float(evidence.mean()),
        **_scores(y[judged], pred[judged]),
    }
    sel = {}
    for t in np.round(np.arange(0.3, 0.91, 0.05), 2):
        m = conf >= t
        sel[f"{t:.2f}"] = {
            "coverage": float(m.mean()),
            "accuracy": float((pred[m] == y[m]).mean()) if m.any() else None,
        }
    out["accuracy_at_confidence"] = sel
    npst = np.array(n_posts)
    byp = {}
    for lo, hi, name in ((1, 1, "1"), (2, 3, "2-3"), (4, 100, "4+")):
        m = (npst >= lo) & (npst <= hi)
        if m.any():
            byp[name] = {
                "n": int(m.sum()),
                "accuracy": float((pred[m] == y[m]).mean()),
                "coverage_judged": float(judged[m].mean()),
            }
    out["accuracy_by_posts"] = byp
    no_other = y != "other"
    out["accuracy_without_other"] = float((pred[no_other] == y[no_other]).mean())
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", type=Path)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "models")
    ap.add_argument("--eval-only", action="store_true", help="only the held-out evaluation; write nothing")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    creators, docs, labels, n_posts = load_kim(a.data)
    t_load = time.perf_counter() - t0
    ho = np.array([held_out(c) for c in creators])
    y = np.array(labels)
    t1 = time.perf_counter()
    tr_creators = [c for c, h in zip(creators, ho, strict=True) if not h]
    m80 = fit(tr_creators, _pick(docs, ~ho), list(y[~ho]))
    metrics = evaluate(m80, _pick(docs, ho), list(y[ho]), [n for n, h in zip(n_posts, ho, strict=True) if h])
    metrics["train_creators"] = int((~ho).sum())
    metrics["calibration"] = (m80.meta or {}).get("calibration")
    metrics["fit_seconds"] = round(time.perf_counter() - t1, 1)
    metrics["load_seconds"] = round(t_load, 1)
    if a.eval_only:
        return metrics
    meta = {
        "source": "Kim et al., WWW 2020 influencer sample (shared/data/instagram_influencer_posts_kim, train part)",
        "training_files_sha256": {f: file_sha256(a.data / f) for f in FILES},
        "features": {
            b: {
                "weight": WEIGHTS[b],
                "vectorizer": {
                    k: str(v)
                    for k, v in vectorizer(b).get_params().items()
                    if k in ("analyzer", "ngram_range", "min_df", "max_features")
                },
            }
            for b in BLOCKS
        },
        "classifier": f"one-vs-rest linear SVM (liblinear, squared hinge), C={C_REG}; "
        "probabilities softmax(margins / T)",
        "split": "held out: creators with sha1('tribescope-niche|<username>') mod 5 == 0 (grouped by creator); "
        "calibration: sha1('tribescope-niche-cal|<username>') mod 5 == 0 inside the rest",
        "can_judge": ">= 3 distinct known terms in the text/image/comments/replies blocks and top probability >= "
        "judge_threshold",
        "held_out_metrics": metrics,
        "shipped_model": "calibrated and refit on all labelled train creators",
        "n_creators": len(labels),
        "label_counts": dict(Counter(labels).most_common()),
    }
    full = fit(creators, docs, labels, meta)
    full.meta = {
        **(full.meta or {}),
        "judge_threshold": full.judge_threshold,
        "temperature": full.temperature,
    }
    full.save(a.out)
    print(f"wrote {a.out / 'category.npz'} ({(a.out / 'category.npz').stat().st_size:,} bytes)")
    return metrics


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
