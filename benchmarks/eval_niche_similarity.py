"""Creator text similarity on real data: does it rank same-niche pairs first? (docs/niche.md, "Measured on real data")

python -m benchmarks.eval_niche_similarity [--data DIR] [--sizes 8,16,30,60,120] [--draws 20] [--draws-largest 5]
[--seed 0]

Data: the Kim et al. Instagram train split (``shared/data/instagram_influencer_posts_kim``; ``posts.train.jsonl.gz``,
``comments.train.jsonl.gz``, ``influencers.train.txt.gz``), the creators with a category label
(:data:`~tribescope.niche._category.CATEGORIES`, noisy labels fixed as the category model's training does) other than
"other" (a catch-all, not a niche; ``--with-other`` keeps it) and at least ``--min-posts`` (4) posts: 760 creators. Each creator's document is built by the package's own engine code
(:func:`tribescope.niche._text.creator_documents` over canonical ``posts`` / ``comments`` tables: caption, #hashtags
and the first 50 comments of each post).

For each workspace size n, ``--draws`` random workspaces of n creators (``--draws-largest`` at the largest size;
draw d of size n uses ``numpy.random.default_rng([seed, n, d])``) are fitted as ``tribescope`` fits a workspace
(:func:`~tribescope.niche._topics.fit_topics`, k = min(20, max(2, √n)) topics, NMF ``random_state=0``), and every
pair of creators is scored by the topic-mix cosine, the TF-IDF word cosine and their geometric mean
(:meth:`~tribescope.niche._topics.TopicModel.similarity`). Positive class: same category. Reported: the mean over
draws of each score's ROC AUC (draws with one class only are skipped), and the mean count per workspace of pairs
that share no word (word cosine 0) yet score ≥ 0.5 by the topic cosine, and by the geometric mean.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "instagram_influencer_posts_kim"
FILES = ("posts.train.jsonl.gz", "comments.train.jsonl.gz", "influencers.train.txt.gz")
#: a pair "is similar" at this score (the cut the table counts pairs without a shared word at)
SIMILAR_AT = 0.5


def load_creators(
    data: Path, min_posts: int = 4, exclude: Sequence[str] = ("other",)
) -> tuple[list[str], list[str], list[str]]:
    """``(creators, documents, labels)`` of the creators with ≥ ``min_posts`` posts and a category label not in
    ``exclude``, sorted by creator."""
    from tribescope.niche._category_train import kim_labels, kim_tables
    from tribescope.niche._text import creator_documents

    labels = kim_labels(data, exclude)
    p, c = kim_tables(data, keep=lambda creator, n_posts: n_posts >= min_posts and creator in labels)
    d = creator_documents(p, c).order_by("creator_id").to_pyarrow()
    creators = d["creator_id"].to_pylist()
    docs = [x or "" for x in d["document"].to_pylist()]
    return creators, docs, [labels[x] for x in creators]


def pair_scores(documents: Sequence[str]) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Fit the workspace's topic model on ``documents`` as ``tribescope`` does; ``(k, topic_cos, word_cos, sim)``
    of every pair ``i < j`` (upper triangle, row-major)."""
    from sklearn.exceptions import ConvergenceWarning

    from tribescope.niche._topics import fit_topics

    n = len(documents)
    with warnings.catch_warnings():  # NMF's 400 iterations, as in the package; the warning is noise here
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = fit_topics([("x", str(i)) for i in range(n)], list(documents))
    rows = range(n)
    iu = np.triu_indices(n, 1)
    topic = model.topic_cosine(rows) if model.n_topics else np.zeros((n, n))
    words = model.word_cosine(rows)
    sim = model.similarity(rows) if model.n_topics else np.zeros((n, n))
    return model.n_topics, topic[iu], words[iu], sim[iu]


def workspace_metrics(documents: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    """AUC of the three pair scores for "same label" and the pairs without a shared word scored ≥ 0.5."""
    from sklearn.metrics import roc_auc_score

    k, topic, words, sim = pair_scores(documents)
    lab = np.asarray(labels)
    iu = np.triu_indices(len(lab), 1)
    same = lab[iu[0]] == lab[iu[1]]
    out: dict[str, float] = {"k": float(k)}
    if same.all() or not same.any():
        out.update(auc_topic=np.nan, auc_words=np.nan, auc_sim=np.nan)
    else:
        out["auc_topic"] = float(roc_auc_score(same, topic))
        out["auc_words"] = float(roc_auc_score(same, words))
        out["auc_sim"] = float(roc_auc_score(same, sim))
    no_word = words <= 0.0
    out["no_word_topic"] = float(np.sum(no_word & (topic >= SIMILAR_AT)))
    out["no_word_sim"] = float(np.sum(no_word & (sim >= SIMILAR_AT)))
    return out


def evaluate(
    documents: Sequence[str],
    labels: Sequence[str],
    sizes: Sequence[int],
    draws: int,
    seed: int = 0,
    draws_largest: int | None = None,
) -> list[dict[str, float]]:
    """One row per size: mean over random workspaces of :func:`workspace_metrics` (``draws_largest`` draws at the
    largest size; draw d of size n samples with ``numpy.random.default_rng([seed, n, d])``)."""
    rows = []
    for n in sizes:
        if n > len(documents):
            raise ValueError(f"size {n} exceeds the {len(documents)} creators")
        m = draws_largest if (draws_largest is not None and n == max(sizes)) else draws
        per = []
        for d in range(m):
            idx = np.random.default_rng([seed, n, d]).choice(len(documents), size=n, replace=False)
            per.append(workspace_metrics([documents[i] for i in idx], [labels[i] for i in idx]))
        row: dict[str, float] = {"n": float(n), "draws": float(m)}
        for key in per[0]:
            vals = np.asarray([p[key] for p in per], dtype=np.float64)
            row[key] = float(np.nanmean(vals)) if np.isfinite(vals).any() else float("nan")
        rows.append(row)
    return rows


def _ks(k: float) -> str:
    return f"{k:.0f}" if float(k).is_integer() else f"{k:.1f}"


def markdown(rows: Sequence[dict[str, float]]) -> str:
    lines = [
        "| n creators (topics k) | draws | AUC topic cos | AUC word cos | AUC √(topic · words) "
        "| pairs ≥ 0.5 sharing no word: topic cos → √(topic · words) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:.0f} ({_ks(r['k'])}) | {r['draws']:.0f} | {r['auc_topic']:.3f} | {r['auc_words']:.3f} "
            f"| {r['auc_sim']:.3f} | {r['no_word_topic']:.3g} → {r['no_word_sim']:.3g} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.eval_niche_similarity", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of the Kim et al. train split")
    ap.add_argument("--sizes", default="8,16,30,60,120", help="comma-separated workspace sizes")
    ap.add_argument("--draws", type=int, default=20, help="random workspaces per size")
    ap.add_argument("--draws-largest", type=int, default=5, help="random workspaces at the largest size")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-posts", type=int, default=4)
    ap.add_argument("--with-other", action="store_true", help='keep the catch-all category "other"')
    a = ap.parse_args(argv)
    missing = [f for f in FILES if not (a.data / f).is_file()]
    if missing:
        print(
            f"eval_niche_similarity: no Kim et al. train split at {a.data} (missing {', '.join(missing)}); "
            "pass --data DIR (shared/data/instagram_influencer_posts_kim)",
            file=sys.stderr,
        )
        return 2
    sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
    t0 = time.perf_counter()
    creators, docs, labels = load_creators(a.data, a.min_posts, () if a.with_other else ("other",))
    counts = ", ".join(f"{k} {v}" for k, v in Counter(labels).most_common())
    print(
        f"{len(creators)} creators with ≥ {a.min_posts} posts ({counts}); loaded in {time.perf_counter() - t0:.1f} s"
    )
    rows = evaluate(docs, labels, sizes, a.draws, a.seed, a.draws_largest)
    print(markdown(rows))
    print(
        f"seed {a.seed}, draws {a.draws} ({a.draws_largest} at n = {max(sizes)}); "
        f"total {time.perf_counter() - t0:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
