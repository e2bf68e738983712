"""The sponsorship rule on the pyspark backend: Spark reads the engine patterns with Java's regex engine (through
Spark SQL string literals), DuckDB with RE2. ``DISCLOSURE_PATTERN`` / ``COMMERCIAL_SIGNAL_PATTERN`` must give the same
per-post ``sponsored_disclosed`` / ``sponsored_likely`` and per-creator ``sponsored_share`` / ``disclosed_share`` on
both — and the classifier's (:func:`tribescope.sponsored.is_disclosed`) answer. Three ways Spark read them otherwise:
Spark SQL reads the literal's ``\\v`` / ``\\f`` (a vertical tab and form feed in the blank class) as the letters v
and f ("ad-free version" was a disclosure); Java's ``$`` also matches before a final ``\\r`` / ``\\u2028``
("Werbung\\r" at the end was a label); Java's ``(?i)`` folds ASCII letters only ("CÓDIGO ANNA10" was no code).
The whole synth-xs score on both backends is compared in ``tests/test_spark_backend.py``."""

from __future__ import annotations

import datetime as dt

import ibis
import pytest

from tribescope.metrics import brand_deals, sponsored_posts
from tribescope.sponsored import commercial_signals, is_disclosed
from tribescope.store import connect

try:
    from ._score_fixtures import insert as _put
    from ._spark_fixtures import require_spark
except ImportError:  # run as top-level modules (pytest's rootdir on sys.path)
    from _score_fixtures import insert as _put  # type: ignore[no-redef]
    from _spark_fixtures import require_spark  # type: ignore[no-redef]

pytestmark = [pytest.mark.spark, pytest.mark.slow]

T = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)

#: (post id, creator, title, caption, hashtags, platform) → (disclosed, likely)
POSTS: list[tuple[str, str, str | None, str, list[str] | None, str, tuple[bool, bool]]] = [
    ("1", "ann", None, "Werbung | Danke", None, "instagram", (True, False)),
    ("2", "ann", None, "[Anzeige] neu", None, "instagram", (True, False)),
    ("3", "ann", None, "【PR】新作", None, "instagram", (True, False)),
    ("4", "ann", None, "＃広告 新作", None, "instagram", (True, False)),
    ("5", "ben", None, "Paid\u00a0partnership with @x", None, "instagram", (True, False)),
    ("6", "ben", None, "This video is sponsored by X", None, "instagram", (True, False)),
    ("7", "ben", None, "This is not sponsored by X", None, "instagram", (False, False)),
    ("8", "ben", None, "ad-free version", None, "instagram", (False, False)),
    ("9", "cat", None, "#adventure", None, "instagram", (False, False)),
    ("10", "cat", "Title", "Werbung: Kamera", None, "instagram", (True, False)),
    ("11", "cat", None, "con el código ANNA10", None, "instagram", (False, True)),
    ("12", "cat", None, "my Kodak2000 camera", None, "instagram", (False, False)),
    ("13", "dan", None, "new gear", ["#AD"], "instagram", (True, False)),
    ("14", "dan", None, "neue Kamera", ["＃Werbung"], "instagram", (True, False)),
    ("15", "dan", None, "CON EL CÓDIGO ANNA10", None, "instagram", (False, True)),
    ("16", "dan", None, "Ad-venture time, ad/vlog", None, "instagram", (False, False)),
    ("17", "eve", None, "Neue Kamera\nWerbung\r", None, "instagram", (False, False)),
    ("18", "eve", None, "Danke\nAnzeige\u2028", None, "instagram", (False, False)),
    ("19", "eve", None, "CUPÓN ANNA10 · CODE DE RÉDUCTION ANNA10", None, "instagram", (False, True)),
    ("20", "UCyou", "My vlog", "a day out", ["ad", "vlog"], "youtube", (False, False)),
]


@pytest.fixture(scope="module")
def spark_available():
    require_spark()


@pytest.fixture
def both(spark_available, ws, tmp_path):
    """The hand-built workspace on DuckDB and, exported to Parquet, on pyspark."""
    _put(
        ws,
        "posts",
        [
            {
                "platform": platform,
                "post_id": pid,
                "creator_id": creator,
                "created_at": T,
                "title": title,
                "caption": caption,
                "hashtags": tags,
                "likes": 10,
            }
            for pid, creator, title, caption, tags, platform, _ in POSTS
        ],
    )
    creators = sorted({(p[5], p[1]) for p in POSTS})
    _put(
        ws,
        "accounts",
        [{"platform": pl, "account_id": c, "username": c, "followers": 1000} for pl, c in creators],
    )
    sw = connect(ws.export_parquet(tmp_path / "pq"), backend="pyspark")
    return ws, sw


def _rows(w, expr: ibis.Table, key: str) -> dict[str, dict[str, object]]:
    return {r[key]: r for r in w.con.to_pyarrow(expr).to_pylist()}


def test_sponsored_posts_equal_duckdb_and_the_classifier(both) -> None:
    duck_ws, spark_ws = both
    want = {pid: flags for pid, *_, flags in POSTS}
    # the rule's own definition in Python agrees with the expected flags
    for pid, _, title, caption, tags, platform, (disclosed, likely) in POSTS:
        text = "\n".join(x for x in (title, caption) if x is not None)
        assert is_disclosed(None, text, tags, platform=platform) is disclosed, pid
        assert bool(commercial_signals(text)) is (likely and not disclosed), pid
    for w in (duck_ws, spark_ws):
        p = sponsored_posts(w.table("posts"))
        got = _rows(w, p.select("post_id", "sponsored_disclosed", "sponsored_likely"), "post_id")
        flags = {k: (r["sponsored_disclosed"], r["sponsored_likely"]) for k, r in got.items()}
        assert flags == want, (w.backend, {k: v for k, v in flags.items() if v != want[k]})


def test_brand_deal_shares_equal_duckdb(both) -> None:
    duck_ws, spark_ws = both
    out = []
    for w in (duck_ws, spark_ws):
        bd = brand_deals(w.table("posts"), w.table("accounts"))
        rows = _rows(
            w, bd.select("creator_id", "sponsored_share", "disclosed_share", "n_sponsored"), "creator_id"
        )
        out.append(
            {
                (k, c): r[c]
                for k, r in rows.items()
                for c in ("sponsored_share", "disclosed_share", "n_sponsored")
            }
        )
    assert out[0] == pytest.approx(out[1])
    want = {
        "ann": (1.0, 1.0, 4),
        "ben": (0.5, 0.5, 2),
        "cat": (0.5, 0.25, 2),
        "dan": (0.75, 0.5, 3),
        "eve": (1 / 3, 0.0, 1),  # CUPÓN / CODE DE RÉDUCTION: Spark read no code
        "UCyou": (0.0, 0.0, 0),  # YouTube's hashtags list (hidden tags) holds "ad": not a disclosure
    }
    cols = ("sponsored_share", "disclosed_share", "n_sponsored")
    assert out[1] == pytest.approx(
        {(k, c): v for k, vs in want.items() for c, v in zip(cols, vs, strict=True)}
    )
