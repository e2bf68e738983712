"""VADER compound sentiment as Ibis expressions (`sentiment_table`) against the vaderSentiment reference."""

from __future__ import annotations

import csv
import gzip
import json
import math
import shutil

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.conftest import shared

from tribescope.features.sentiment import sentiment_scores, sentiment_table


def _compound(s: float) -> float:
    return s / math.sqrt(s * s + 15)


def _engine(texts: list[str | None], con=None) -> np.ndarray:
    con = con or ibis.duckdb.connect()
    t = ibis.memtable(
        pa.table({"id": pa.array(range(len(texts)), pa.int64()), "text": pa.array(texts, pa.string())})
    )
    out = con.to_pyarrow(sentiment_table(t, "id").order_by("id"))
    assert out.column_names == ["id", "sentiment"]
    assert out.schema.field("sentiment").type == pa.float64()
    return out["sentiment"].to_numpy()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("good", _compound(1.9)),  # lexicon valence of "good"
        ("not good", _compound(1.9 * -0.74)),  # negation
        # booster "very" (+0.293) in ALL CAPS in a mixed-case text (+0.733), two "!" (+0.292 each)
        ("VERY good!!", _compound(1.9 + 0.293 + 0.733 + 2 * 0.292)),
        ("good but bad", _compound(1.9 * 0.5 + -2.5 * 1.5)),  # "but": ×0.5 before, ×1.5 after
        ("", 0.0),
        (None, 0.0),
        ("@someone https://example.com/good", 0.0),  # mentions and links are not scored
    ],
)
def test_hand_computed(text, expected):
    assert _engine([text])[0] == pytest.approx(expected, abs=1e-12)


# Comment-shaped texts exercising every implemented rule (emoji, emoticons, mentions, links, ALL CAPS,
# boosters at distance 1–3, negation incl. "n't", "no", "never so", "without doubt", "least", "kind
# of", idioms, "but", "!"/"?", punctuation stripping and short tokens, non-ASCII whitespace).
SAMPLE = [
    "cool very nice😍  have a good weekend BTW @00_rocketgirl",
    "so cute!!! ❤️❤️",
    "❤",
    "😂😂😂 lol",
    "I love this 😂😂 sooo much",
    "not 😂",
    "this is NOT good at all",
    "I don't love it",
    "isn't it amazing?",
    "no good",
    "no no good",
    "no problem",
    "never so good",
    "never this bad",
    "without a doubt, excellent idea.",
    "at least it isn't a horrible book.",
    "the least compelling variation",
    "very least good",
    "The book was only kind of good.",
    "kinda nice tbh",
    "extremely sad news 😢",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "Today SUX!",
    "Make sure you :) or :D today!",
    "the shit",
    "that was the bomb",
    "yeah right",
    "a real kiss of death",
    "this cake is to die for",
    "💓",
    "ok!",
    "wow_@margaretharte",
    "#_champagne #love",
    "what?? really??",
    "why???? why",
    "it was good but the ending was bad",
    "Love it but hate the price",
    "x\u00a0good\u3000y",
    "check www.example.com/good? @good_guy nice",
    "🔛🆙 wow?!",
    "so so so happy for you",
    "Absolutely BEAUTIFUL 😍😍😍",
    "hardly a masterpiece",
    "not a very good thing",
    "No no no... NOT BAD",
    "Great shot!! 👏👏",
    "Ugh. Worst. Day. Ever.",
    "😭😭 I miss you",
    "Gorgeous 😍🔥",
    "   ",
]


def test_agrees_with_vadersentiment_on_comment_shaped_sample():
    ref = sentiment_scores(SAMPLE, processes=1)
    got = _engine(SAMPLE)
    # vaderSentiment rounds the compound to 4 decimals; the engine does not.
    np.testing.assert_allclose(got, ref, atol=5.01e-5, rtol=0)


def test_reference_skip_strips_punctuation_like_vader():
    # "_" is in string.punctuation: VADER scores "wow_" as "wow"; the zero-skip must not drop it.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    texts = ["wow_", "#_champagne", "plain words here"]
    expected = [SentimentIntensityAnalyzer().polarity_scores(t)["compound"] for t in texts]
    assert sentiment_scores(texts, processes=1).tolist() == expected


def test_one_row_per_input_row_and_composite_key():
    t = ibis.memtable({"a": [1, 1, 2, 2], "b": ["x", "x", "x", "y"], "text": ["good", "good", "bad", None]})
    out = ibis.duckdb.connect().to_pyarrow(sentiment_table(t, ["a", "b"]).order_by(["a", "b"]))
    assert out.column_names == ["a", "b", "sentiment"]
    assert out["sentiment"].to_pylist() == pytest.approx(
        [_compound(1.9), _compound(1.9), _compound(-2.5), 0.0], abs=1e-12
    )


def test_missing_column_is_named():
    t = ibis.memtable({"id": [1], "body": ["good"]})
    with pytest.raises(ValueError, match=r"\['text'\]"):
        sentiment_table(t, "id")


def _kim_texts(n: int) -> list[str | None]:
    out = []
    with gzip.open(shared("instagram_influencer_posts_kim", "comments.train.jsonl.gz"), "rt") as f:
        for i, line in enumerate(f):
            if i >= n:
                break
            out.append(json.loads(line).get("text"))
    return out


def _youtube_texts() -> list[str]:
    out = []
    for p in sorted(shared("youtube_spam").glob("*.csv")):
        with p.open(newline="", encoding="utf-8") as f:
            out += [r["CONTENT"] for r in csv.DictReader(f)]
    return out


def _sign(x: np.ndarray) -> np.ndarray:
    return np.where(x >= 0.05, 1, np.where(x <= -0.05, -1, 0))


@pytest.mark.realdata
@pytest.mark.parametrize("source", ["kim", "youtube"])
def test_agreement_on_real_comments(source):
    texts = _kim_texts(20_000) if source == "kim" else _youtube_texts()
    ref = sentiment_scores(texts, processes=1)
    got = _engine(texts)
    assert np.corrcoef(ref, got)[0, 1] >= 0.999
    assert np.abs(ref - got).mean() <= 0.001
    assert (_sign(ref) == _sign(got)).mean() >= 0.995


@pytest.fixture(scope="module")
def spark_available():
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed")


@pytest.mark.spark
@pytest.mark.slow
def test_pyspark_equals_duckdb(spark_available, tmp_path):
    from tribescope.store import connect

    # "İ" is left out: DuckDB lower-cases it to "i", Java (like Python) to "i̇".
    texts = [*SAMPLE[:30], "good", "", None]
    (tmp_path / "pq" / "texts").mkdir(parents=True)
    table = pa.table({"id": pa.array(range(len(texts)), pa.int64()), "text": pa.array(texts, pa.string())})
    pq.write_table(table, tmp_path / "pq" / "texts" / "part-0.parquet")
    sw = connect(tmp_path / "pq", backend="pyspark")
    spark = sw.to_arrow(sentiment_table(sw.table("texts"), "id")).sort_by("id")["sentiment"].to_numpy()
    np.testing.assert_allclose(spark, _engine(texts), atol=1e-9, rtol=0)
