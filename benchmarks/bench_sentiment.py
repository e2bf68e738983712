"""Engine VADER (:func:`tribescope.features.sentiment.sentiment_table`) against the reference ``vaderSentiment``.

    .venv/bin/python -m benchmarks.bench_sentiment [--data ../shared/data] [--limit N] [--skip-reference]
    .venv/bin/python -m benchmarks.bench_sentiment --features [--limit N] [--expressions]

Prints, per real comment set (Kim Instagram comments, YouTube Spam Collection): Pearson r, mean absolute error,
the share of texts whose sign class (pos ≥ 0.05, neg ≤ −0.05, else neutral) agrees, and the throughput of the
engine expression in DuckDB with 2 threads (wall and CPU). The reference is pure Python and slow (~30k texts/s).

``--features`` times instead all comment text features on the Kim comments (spam + attack models, quality rules,
VADER: :func:`tribescope.authenticity._comments.measure_text_features`, the measure ``make bench`` reports on
synth data), first without and then with sentiment (twice: the first call in a process includes loading numba's
cached machine code, the second is the steady-state rate): comments per wall second and per CPU-second. On DuckDB the
features run as one pyarrow UDF over Arrow batches (``tribescope.features._text_arrow``, ``_vader_arrow``);
``--expressions`` times the Ibis expressions instead (what PySpark runs; the figures are the same). The "models +
rules" line always times the expressions.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import resource
import time
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa

from tribescope.features.sentiment import sentiment_scores, sentiment_table


def kim(data: Path, limit: int | None) -> list[str | None]:
    out: list[str | None] = []
    with gzip.open(data / "instagram_influencer_posts_kim" / "comments.train.jsonl.gz", "rt") as f:
        for i, line in enumerate(f):
            if limit and i >= limit:
                break
            out.append(json.loads(line).get("text"))
    return out


def youtube(data: Path) -> list[str | None]:
    out: list[str | None] = []
    for p in sorted((data / "youtube_spam").glob("*.csv")):
        with p.open(newline="", encoding="utf-8") as f:
            out += [r["CONTENT"] for r in csv.DictReader(f)]
    return out


def _cls(x: np.ndarray) -> np.ndarray:
    return np.where(x >= 0.05, 1, np.where(x <= -0.05, -1, 0))


def engine(con: ibis.BaseBackend, texts: list[str | None]) -> tuple[np.ndarray, float, float]:
    con.create_table(
        "bench_texts",
        pa.table({"id": pa.array(np.arange(len(texts))), "text": pa.array(texts, pa.string())}),
        overwrite=True,
    )
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    con.create_table("bench_sent", sentiment_table(con.table("bench_texts"), key="id"), overwrite=True)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    got = con.table("bench_sent").order_by("id").to_pyarrow()["sentiment"].to_numpy()
    return got, wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--limit", type=int, default=None, help="first N Kim comments (default: all)")
    ap.add_argument("--skip-reference", action="store_true", help="throughput only")
    ap.add_argument("--features", action="store_true", help="time all text features on the Kim comments")
    ap.add_argument(
        "--expressions", action="store_true", help="the Ibis expressions, not the Arrow UDF, on DuckDB"
    )
    a = ap.parse_args()
    if a.expressions:
        from tribescope.authenticity import _comments
        from tribescope.features import sentiment

        _comments.ARROW_ON_DUCKDB = sentiment.ARROW_ON_DUCKDB = False
    if a.features:
        from tribescope.authenticity._comments import measure_text_features

        texts = pa.array(kim(a.data, a.limit), pa.string())
        # "all text features" twice: the first call in a process also loads numba's cached machine code (~1 CPU-s,
        # once per process); the second is the steady-state throughput
        runs = (
            ("models + rules", False),
            ("all text features, first call", True),
            ("all text features, again", True),
        )
        for label, sentiment in runs:
            m = measure_text_features(texts, threads=2, sentiment=sentiment)
            print(
                f"kim_comments {label}: n={m['comments']:,} ({m['distinct']:,} distinct) {m['seconds']:.2f} s wall"
                f" = {m['per_s']:,.0f} comments/s; {m['cpu_seconds']:.2f} CPU-s"
                f" = {m['comments'] / max(m['cpu_seconds'], 1e-9):,.0f} per CPU-second",
                flush=True,
            )
        return
    con = ibis.duckdb.connect()
    con.raw_sql("SET threads TO 2")
    for name, texts in (("youtube_spam", youtube(a.data)), ("kim_comments", kim(a.data, a.limit))):
        got, wall, cpu = engine(con, texts)
        n = len(texts)
        line = f"{name}: n={n:,} engine {wall:.2f} s wall = {n / wall:,.0f} texts/s ({n / cpu:,.0f} per CPU-second)"
        if not a.skip_reference:
            ref = np.asarray(sentiment_scores(texts, processes=1), dtype=float)
            r = float(np.corrcoef(ref, got)[0, 1])
            line += (
                f"; pearson r={r:.6f} mae={np.abs(ref - got).mean():.6f}"
                f" sign agreement={(_cls(ref) == _cls(got)).mean():.4%}"
            )
        print(line, flush=True)


if __name__ == "__main__":
    main()
