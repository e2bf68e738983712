"""Train and evaluate the niche-category model on the Kim et al. influencer sample (offline; not run by tests).

``python -m tribescope.niche._category_train DATA_DIR [--out DIR] [--eval-only]``

DATA_DIR holds ``posts.train.jsonl.gz``, ``comments.train.jsonl.gz`` and ``influencers.train.txt.gz`` (see
``shared/data/instagram_influencer_posts_kim/README.md``). Creators are split by group: every creator (with
all its posts and comments) goes to the held-out side when ``sha1("tribescope-niche|<username>") mod 5 == 0``.
The documents are built by the same engine code used at prediction time
(:func:`tribescope.niche._text.creator_documents` over canonical ``posts`` / ``comments`` tables).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from tribescope import schema
from tribescope.ingest._base import extract_hashtags
from tribescope.niche._category import CATEGORIES, CategoryModel, _handle_vectorizer, _word_vectorizer
from tribescope.niche._text import creator_documents

__all__ = ["evaluate", "load_kim", "main", "train"]

#: noisy labels of the source list mapped to a category (``by`` is ambiguous and dropped)
LABEL_FIX = {"fasion": "fashion", "fashion 0.5": "fashion"}
C_REG = 5.0
HANDLE_WEIGHT = 0.5


def _ts(x: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(x), tz=dt.UTC) if x is not None else None


def load_kim(data: Path) -> tuple[list[str], list[str], list[str], list[int]]:
    """``(creators, documents, labels, n_posts)`` for every labelled creator with posts."""
    labels: dict[str, str] = {}
    with gzip.open(data / "influencers.train.txt.gz", "rt", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2:
                lab = LABEL_FIX.get(parts[1].strip(), parts[1].strip())
                if lab in CATEGORIES:
                    labels[parts[0].lower()] = lab
    posts: list[dict[str, Any]] = []
    with gzip.open(data / "posts.train.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            posts.append({"platform": "instagram", "post_id": r["post_id"], "creator_id": r["owner_username"].lower(),
                          "created_at": _ts(r.get("taken_at_timestamp")), "caption": r.get("caption"),
                          "hashtags": extract_hashtags(r.get("caption"))})
    comments: list[dict[str, Any]] = []
    with gzip.open(data / "comments.train.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            comments.append({"platform": "instagram", "comment_id": r["comment_id"], "post_id": r["post_id"],
                             "author_id": (r.get("owner_username") or "").lower() or None,
                             "parent_comment_id": r.get("parent_comment_id"), "created_at": _ts(r.get("created_at")),
                             "text": r.get("text")})

    def arrow(name: str, rows: list[dict[str, Any]]) -> pa.Table:
        s = schema.arrow_schema(name)
        return pa.Table.from_pylist([{k: row.get(k) for k in s.names} for row in rows], schema=s)

    con = ibis.duckdb.connect()
    p = con.create_table("posts", arrow("posts", posts))
    c = con.create_table("comments", arrow("comments", comments))
    docs = creator_documents(p, c).order_by("creator_id").to_pyarrow().to_pylist()
    out: tuple[list[str], list[str], list[str], list[int]] = ([], [], [], [])
    for d in docs:
        label = labels.get(d["creator_id"])
        if label is None:
            continue
        out[0].append(d["creator_id"])
        out[1].append(d["document"] or "")
        out[2].append(label)
        out[3].append(int(d["n_posts"]))
    return out


def held_out(creator: str) -> bool:
    return int(hashlib.sha1(f"tribescope-niche|{creator}".encode()).hexdigest(), 16) % 5 == 0


def train(creators: list[str], docs: list[str], labels: list[str], meta: dict[str, Any]) -> CategoryModel:
    words = _word_vectorizer()
    handles = _handle_vectorizer()
    xw = words.fit_transform(docs)
    xh = handles.fit_transform(creators) * HANDLE_WEIGHT
    x = sp.hstack([xw, xh]).tocsr()
    clf = LogisticRegression(C=C_REG, max_iter=3000, random_state=0)
    clf.fit(x, labels)
    return CategoryModel(words, handles, clf.coef_, clf.intercept_, tuple(str(c) for c in clf.classes_),
                         HANDLE_WEIGHT, meta)


def evaluate(model: CategoryModel, creators: list[str], docs: list[str], labels: list[str],
             n_posts: list[int]) -> dict[str, Any]:
    proba = model.predict_proba(docs, creators)
    pred = np.array(model.classes)[proba.argmax(axis=1)]
    conf = proba.max(axis=1)
    y = np.array(labels)
    out: dict[str, Any] = {
        "n": len(y),
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro")),
        "majority_baseline_accuracy": float(max(Counter(labels).values()) / len(labels)),
        "per_class_f1": {c: float(f) for c, f in zip(model.classes, f1_score(y, pred, average=None,
                                                                               labels=list(model.classes)),
                                                    strict=True)},
        "confusion": {"labels": list(model.classes),
                      "matrix": confusion_matrix(y, pred, labels=list(model.classes)).tolist()},
    }
    sel = {}
    for t in (0.4, 0.5, 0.6, 0.7, 0.8):
        m = conf >= t
        sel[f"{t:.1f}"] = {"coverage": float(m.mean()), "accuracy": float((pred[m] == y[m]).mean()) if m.any() else None}
    out["accuracy_at_confidence"] = sel
    npst = np.array(n_posts)
    byp = {}
    for lo, hi, name in ((1, 1, "1"), (2, 3, "2-3"), (4, 100, "4+")):
        m = (npst >= lo) & (npst <= hi)
        if m.any():
            byp[name] = {"n": int(m.sum()), "accuracy": float((pred[m] == y[m]).mean())}
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

    def pick(xs: list[Any], m: np.ndarray) -> list[Any]:
        return [x for x, k in zip(xs, m, strict=True) if k]

    t1 = time.perf_counter()
    m80 = train(pick(creators, ~ho), pick(docs, ~ho), pick(labels, ~ho), {})
    metrics = evaluate(m80, pick(creators, ho), pick(docs, ho), pick(labels, ho), pick(n_posts, ho))
    metrics["train_creators"] = int((~ho).sum())
    metrics["fit_seconds"] = round(time.perf_counter() - t1, 1)
    metrics["load_seconds"] = round(t_load, 1)
    print(json.dumps(metrics, indent=2))
    if a.eval_only:
        return metrics
    meta = {
        "source": "Kim et al., WWW 2020 influencer sample (shared/data/instagram_influencer_posts_kim, train part)",
        "features": "word/#hashtag sublinear TF-IDF of captions+hashtags+comments (≤40k terms) + handle char 3-5-grams "
                    f"(≤20k, weight {HANDLE_WEIGHT})",
        "classifier": f"multinomial logistic regression, C={C_REG}",
        "split": "held out: creators with sha1('tribescope-niche|<username>') mod 5 == 0 (grouped by creator)",
        "held_out_metrics": metrics,
        "shipped_model": "refit on all labelled train creators",
        "n_creators": len(labels),
        "label_counts": dict(Counter(labels).most_common()),
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    full = train(creators, docs, labels, meta)
    full.save(a.out)
    print(f"wrote {a.out / 'category.npz'} ({(a.out / 'category.npz').stat().st_size:,} bytes)")
    return metrics


if __name__ == "__main__":
    main()
