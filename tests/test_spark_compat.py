"""Spark's string functions compiled to compute DuckDB's results (:mod:`tribescope.store._spark_compat`).

The rule features, the text models' normalisation and every regex the metrics run are the same Ibis expressions on
both engines; DuckDB reads the patterns with RE2, Spark with Java's regex engine, and the two disagree on non-ASCII
text: Java 17's ``\\b`` treats ``ç`` as a letter, RE2's does not ("dm me for promoção" was link spam on DuckDB, not
on Spark); Java's ``\\s`` holds the vertical tab; Java lower-cases ``İ`` to two characters and a final ``Σ`` to ``ς``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import shared

from tribescope.store import connect
from tribescope.store._spark_compat import java_regex, java_replacement

try:
    from ._score_fixtures import insert as _put
    from ._spark_fixtures import assert_same_table, require_spark
except ImportError:  # run as top-level modules (pytest's rootdir on sys.path)
    from _score_fixtures import insert as _put  # type: ignore[no-redef]
    from _spark_fixtures import assert_same_table, require_spark  # type: ignore[no-redef]

B = "(?:(?<=[0-9A-Za-z_])(?![0-9A-Za-z_])|(?<![0-9A-Za-z_])(?=[0-9A-Za-z_]))"


@pytest.mark.parametrize(
    ("re2", "java"),
    [
        (r"\bf4f\b", f"{B}f4f{B}"),
        (r"\\b", r"\\b"),  # an escaped backslash, then the letter b
        (r"^\s+|\s+$", r"^[\t\n\f\r ]+|[\t\n\f\r ]+\z"),
        (r"\S+", r"[^\t\n\f\r ]+"),
        (r"[\s\p{Z}]", r"[\t\n\f\r \p{Z}]"),
        (r"[^\p{L}\p{N}/:.$]{2,}", r"[^\p{L}\p{N}/:.$]{2,}"),  # "." and "$" in a class are characters
        (r"a.b", r"a[^\n]b"),
        (r"(?s)a.b", r"(?s)a.b"),
        (r"(x(?s)a.)b.", r"(x(?s)a.)b[^\n]"),  # a flag ends with its group
        (r"(?i:code).", r"(?iu:code)[^\n]"),
        (r"(?i)werbung", r"(?iu)werbung"),
        (r"(?:a|b)(?P<n>c)", r"(?:a|b)(?P<n>c)"),
        (r"[a[b]", r"[a\[b]"),  # Java would read a nested class
        (r"[a&&b]", r"[a&\&b]"),  # … and an intersection
        (r"[[:alpha:]_]", r"[A-Za-z_]"),
        (r"\.+$", r"\.+\z"),
    ],
)
def test_java_regex_spells_re2s_meaning(re2, java):
    assert java_regex(re2) == java


def test_unsupported_flags_are_refused_not_mistranslated():
    for pattern in (r"(?m)^a$", r"(?U)a+", "[a"):
        with pytest.raises(ValueError):
            java_regex(pattern)


def test_java_replacement():
    assert java_replacement(r"<\1> costs $5 \\ x") == r"<$1> costs \$5 \\ x"
    assert java_replacement(" urltoken ") == " urltoken "


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    require_spark()
    return connect(tmp_path_factory.mktemp("empty"), backend="pyspark")  # no tables: the session


#: where the engines disagreed before the compiled fixes
TRICKY = [
    "dm me for promoção",
    "ßf4f",
    "f4fé",
    "free followersñ",
    "çlink please",
    "where can i buyé",
    "i triedça",
    "visit éfoo.com now",
    "İyi akşamlar İSTANBUL",
    "ΟΔΟΣ οδος ΣΑΣ",
    "\x0b",
    "a\x0bb c",
    "Werbung\r",
    "line one\u2028line two",
    "check out my page",
    "Ça marche, i tried it!",
    "@josé wow",
]

PATTERNS = [
    r"\bpromo\b",
    r"\bf4f\b",
    r"\blink please\b",
    r"\bi tried\b",
    r"\S+\.com\b",
    r"^\s*$",
    r"\s",
    r"g$",
    r"one.line",
    r"(?i)İSTANBUL|(?i:çA)",
]


def _table(texts: list[str]) -> ibis.Table:
    return ibis.memtable({"i": list(range(len(texts))), "s": texts})


def _regex_expr(t: ibis.Table) -> ibis.Table:
    cols = {}
    for k, p in enumerate(PATTERNS):
        cols[f"m{k}"] = t.s.re_search(p)
        cols[f"r{k}"] = t.s.re_replace(p, "<\\0>" if "(" not in p else "_")
    cols["lower"] = t.s.lower()
    cols["upper"] = t.s.upper()  # VADER's all-caps test
    cols["words"] = t.s.lower().re_replace(r"[^\p{L}\p{N}]+", " ")
    cols["first"] = t.s.re_extract(r"\b(\w+)\b", 1)
    return t.select("i", **cols).order_by("i")


@pytest.mark.spark
@pytest.mark.slow
def test_regexes_and_lower_give_duckdbs_results_on_spark(spark):
    expr = _regex_expr(_table(TRICKY))
    duck = ibis.duckdb.connect().to_pyarrow(expr).to_pylist()
    assert duck[0]["m0"] is True  # RE2: "ç" is no word character, so "promo" ends at a boundary
    assert duck[8]["lower"] == "iyi akşamlar istanbul"
    assert duck[1]["upper"] == "ẞF4F"  # Java: "SSF4F"
    assert spark.con.to_pyarrow(expr).to_pylist() == duck


_CHARS = st.sampled_from(
    [*"abi1_ .,@çéßİıΣσς\n\r\t\x0b\u2028\u00a0😀", "f4f", "promo", "link please", ".com"]
)


@pytest.mark.spark
@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_CHARS, max_size=12).map("".join), min_size=20, max_size=40))
def test_random_texts_match_alike_on_both_engines(spark, texts):
    expr = _regex_expr(_table(texts))
    assert spark.con.to_pyarrow(expr).to_pylist() == ibis.duckdb.connect().to_pyarrow(expr).to_pylist()


def _features_on_both(ws: Any, texts: list[str], tmp_path: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per comment id (``c00000`` …): the rule features, the text models' normalised text and the text features of
    ``texts`` (the comments of one post), on DuckDB and on Spark."""
    from tribescope.authenticity._comments import normalised_text, text_features
    from tribescope.features import comment_features

    t0 = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    _put(
        ws,
        "posts",
        [
            {
                "platform": "instagram",
                "post_id": "p1",
                "creator_id": "ann",
                "created_at": t0,
                "caption": "İstanbul",
            }
        ],
    )
    _put(
        ws,
        "comments",
        [
            {
                "platform": "instagram",
                "comment_id": f"c{i:05d}",
                "post_id": "p1",
                "author_id": f"u{i}",
                "author_name": f"u{i}",
                "created_at": t0,
                "text": text,
            }
            for i, text in enumerate(texts)
        ],
    )
    sw = connect(ws.export_parquet(tmp_path / "pq"), backend="pyspark")

    def rows(w: Any) -> dict[str, Any]:
        c = w.table("comments")
        f = comment_features(c, w.table("posts"))
        f = f.select(
            "comment_id", *(n for n in f.columns if n.startswith(("is_", "has_", "n_"))), "first_mention"
        )
        norm = c.select("comment_id", norm=normalised_text(c.text))
        tf = text_features(c.select(text_hash=c.comment_id, text=c.text))
        out = {r["comment_id"]: r for r in w.con.to_pyarrow(f).to_pylist()}
        for r in w.con.to_pyarrow(norm).to_pylist():
            out[r["comment_id"]]["norm"] = r["norm"]
        for r in w.con.to_pyarrow(tf).to_pylist():
            out[r.pop("text_hash")].update(r)
        return out

    return rows(ws), rows(sw)


def _assert_same(duck: dict[str, Any], spk: dict[str, Any]) -> None:
    """Every comment's features equal on both engines (floats within 1e-6), as ``assert_same_table`` compares."""
    assert set(duck) == set(spk)
    ids = sorted(duck)
    assert_same_table(
        pa.Table.from_pylist([duck[i] for i in ids]),
        pa.Table.from_pylist([spk[i] for i in ids]),
        key=("comment_id",),
    )


@pytest.mark.spark
@pytest.mark.slow
def test_comment_rule_features_and_text_features_equal_duckdb(spark, ws, tmp_path):
    duck, spk = _features_on_both(ws, TRICKY, tmp_path)
    assert duck["c00000"]["is_link_spam"] is True and duck["c00008"]["norm"] == "iyi akşamlar istanbul"
    assert duck["c00010"]["is_empty"] is False  # RE2's \s holds no vertical tab
    _assert_same(duck, spk)


@pytest.mark.spark
@pytest.mark.slow
def test_real_multilingual_comments_equal_duckdb(spark, ws, tmp_path):
    """Real Instagram comments (the Kim sample) whose text is not all ASCII — Turkish, Azerbaijani, Cyrillic,
    Arabic, emoji: of the first 30,000 comments, two differed on Spark before (an "İ" lower-cased to two characters:
    the normalised text, the word count, the spam and attack probabilities)."""
    texts: list[str] = []
    with gzip.open(
        shared("instagram_influencer_posts_kim", "comments.train.jsonl.gz"), "rt", encoding="utf-8"
    ) as f:
        for n, line in enumerate(f):
            t = json.loads(line).get("text")
            if t and not t.isascii() and (len(texts) < 1200 or "İ" in t):
                texts.append(t)
            if n >= 30_000:
                break
    assert sum("İ" in t for t in texts) >= 2
    duck, spk = _features_on_both(ws, texts, tmp_path)
    _assert_same(duck, spk)


def test_translated_patterns_mean_the_same_in_python_on_ascii_boundaries():
    # Python's ``re`` reads lookarounds as Java does: the translation of \b finds the ASCII boundaries RE2 finds
    pat = java_regex(r"\bf4f\b").replace(r"\z", r"\Z")
    assert re.search(pat, "xf4f") is None and re.search(pat, "çf4f ok") is not None


def test_q_e_quotes_are_copied_as_they_are():
    assert java_regex(r"\Qa.b$\E.$") == r"\Qa.b$\E[^\n]\z"


@pytest.mark.spark
@pytest.mark.slow
def test_other_pyspark_backends_keep_ibis_own_compiler(spark):
    # the fixes are the workspace's compiler's, not Ibis' class: a user's own Ibis PySpark backend is left alone
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler

    own = ibis.pyspark.connect(spark.con._session)
    assert type(own.compiler) is PySparkCompiler and type(spark.con.compiler) is not PySparkCompiler
    t = ibis.memtable({"s": ["dm me for promoção"]})
    expr = t.s.re_search(r"\bpromo\b")
    assert "(?<=" not in own.compile(expr) and "(?<=" in spark.con.compile(expr)


@pytest.mark.spark
def test_sessions_run_without_constraint_propagation(spark):
    """On the models' CASE WHEN trees Catalyst's constraint propagation took most of a query's planning (25–29 s of
    the audience-authenticity query on 25 comments: docs/scale-out.md); tribescope's sessions turn it off."""
    assert spark.con._session.conf.get("spark.sql.constraintPropagation.enabled") == "false"
