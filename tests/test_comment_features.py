"""Comment text features in the engine: models vs a plain-Python reference, rules, incremental table."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import ibis
import numpy as np
import pyarrow as pa
import pytest
from tests.conftest import shared

from tribescope import schema
from tribescope.authenticity._comments import (
    COMMENT_FEATURE_COLUMNS,
    comment_quality,
    features_version,
    load_text_model,
    normalise,
    normalised_text,
    rule_quality,
    text_grams,
    text_model_scores,
    update_comment_features,
)

TEXTS = [
    "Check out my channel and subscribe!!! http://bit.ly/xyz free giftcards",
    "Please visit www.example.com/promo for FREE iPhone &amp; gift cards",
    "<b>love</b> this song, it&#39;s the best of 2014",
    "@ann you are an idiot and you clearly never read the article",
    "",
    None,
    "so pretty",
    "Ünïcode wörds and ÉMOJI 😍 here",
    "a",
    "I made this for my parents and they loved the garlic crust",
]


def _kim_texts(n: int) -> list[str | None]:
    """The first ``n`` comment texts of the Kim Instagram comments (skips when the shared data is absent)."""
    texts: list[str | None] = []
    with gzip.open(
        shared("instagram_influencer_posts_kim", "comments.train.jsonl.gz"), "rt", encoding="utf-8"
    ) as f:
        for line in f:
            texts.append(json.loads(line).get("text"))
            if len(texts) == n:
                break
    return texts


def _engine(texts: list[str | None]) -> dict[str, np.ndarray]:
    t = ibis.memtable(
        pa.table({"k": pa.array(range(len(texts)), pa.int64()), "text": pa.array(texts, pa.string())})
    )
    res = text_model_scores(t, "k", "text").order_by("k").to_pyarrow()
    return {c: res[c].to_numpy() for c in ("spam_probability", "attack_probability")}


def test_engine_normalisation_equals_arrow_reference() -> None:
    t = ibis.memtable(pa.table({"text": pa.array(TEXTS, pa.string())}))
    got = t.select(n=normalised_text(t.text)).to_pyarrow()["n"].to_pylist()
    assert got == normalise(pa.array(TEXTS, pa.string())).to_pylist()
    assert "urltoken" in got[0] and "@" not in got[3] and "<b>" not in got[2] and "it's" in got[2]


def test_grams_are_words_then_neighbour_pairs() -> None:
    assert text_grams(["Love it, LOVE it!", "", None, "@x hi"]) == [
        ["love", "it", "love", "it", "love it", "it love", "love it"],
        [],
        [],
        ["hi"],
    ]


@pytest.mark.parametrize("name", ["spam", "attack"])
def test_engine_model_equals_python_reference(name: str) -> None:
    model = load_text_model(name)
    want = model.predict_proba_python(TEXTS)
    got = _engine(TEXTS)[f"{name}_probability"]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    # and by hand for one text: σ(b + Σ w / n^p)
    grams = text_grams([TEXTS[0]])[0]
    z = model.intercept + sum(model.weights.get(g, 0.0) for g in grams) / len(grams) ** model.length_power
    assert got[0] == pytest.approx(1 / (1 + np.exp(-z)), abs=1e-12)
    assert model.predict_proba(TEXTS) == pytest.approx(want, abs=1e-9)


def test_engine_models_equal_python_reference_on_real_comments() -> None:
    """20,000 real Instagram comments (emoji, mentions, links, many languages): the engine's n-gram models —
    alone (``text_model_scores``) and inside ``text_features`` (rounded to 6 decimals) — equal the Python
    reference."""
    texts = _kim_texts(20_000)
    q = comment_quality(texts)
    for name in ("spam", "attack"):
        model = load_text_model(name)
        want = model.predict_proba_python(texts)
        np.testing.assert_allclose(model.predict_proba(texts), want, rtol=0, atol=1e-9)
        got = q[f"{name}_probability"].to_numpy()
        np.testing.assert_allclose(got, want, rtol=0, atol=5e-7 + 1e-12)
        assert 0 < int((want >= model.threshold).sum()) < len(texts)  # both classes occur


def test_models_separate_obvious_cases() -> None:
    p = _engine(TEXTS)
    assert p["spam_probability"][0] > 0.5 and p["spam_probability"][1] > 0.5
    assert p["spam_probability"][9] < 0.5 and p["spam_probability"][6] < 0.5
    assert np.all((p["attack_probability"] > 0) & (p["attack_probability"] < 1))


def test_quality_classes_on_hand_made_examples() -> None:
    texts = [
        "@ann @bob",
        "@ann 😂😂!!",
        "😍🔥",
        "!!!",
        "nice pic",
        "so pretty love it",
        "you look so beautiful really",  # > 3 words, all generic praise
        "",
        "   ",
        None,
        "I baked this with rye flour and it needed ten more minutes",
        "@ann look at the stitching on the hem here",
        "Check out my channel and subscribe!!! http://bit.ly/xyz free giftcards",
    ]
    want_rules = [
        "mention_only",
        "mention_only",
        "emoji_only",
        "emoji_only",
        "generic",
        "generic",
        "generic",
        "generic",
        "generic",
        "generic",
        "substantive",
        "substantive",
        "substantive",
    ]
    assert rule_quality(texts).to_pylist() == want_rules
    q = comment_quality(texts)
    assert q.column_names == [
        "spam_probability",
        "is_spam",
        "attack_probability",
        "is_attack",
        "quality",
        "sentiment",
    ]
    assert q["quality"].to_pylist() == [*want_rules[:-1], "spam"]
    assert q["is_spam"].to_pylist() == [False] * 12 + [True]
    assert q["sentiment"][2].as_py() > 0  # emoji carry sentiment


# --------------------------------------------------------------------------- the incremental workspace table
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def _insert(ws, name: str, rows: list[dict]) -> None:
    sch = schema.arrow_schema(name)
    tbl = pa.table({f.name: pa.array([r.get(f.name) for r in rows], f.type) for f in sch}, schema=sch)
    ws.duck.register("__x", tbl)
    ws.duck.execute(f'INSERT INTO "{name}" SELECT * FROM __x')
    ws.duck.unregister("__x")


def _comment(i: int, text: str | None) -> dict:
    return {
        "platform": "instagram",
        "comment_id": f"m{i}",
        "post_id": "p1",
        "author_id": f"a{i}",
        "created_at": T0 + timedelta(minutes=i),
        "text": text,
    }


def _stored(ws) -> dict[str, dict]:
    return {r["comment_id"]: r for r in ws.table("comment_features").to_pyarrow().to_pylist()}


def test_incremental_rescore_computes_only_new_and_changed(ws, monkeypatch: pytest.MonkeyPatch) -> None:
    import tribescope.authenticity._comments as cm

    _insert(ws, "posts", [{"platform": "instagram", "post_id": "p1", "creator_id": "c1", "created_at": T0}])
    _insert(ws, "comments", [_comment(i, t) for i, t in enumerate(TEXTS)])
    q = comment_quality(TEXTS)
    seen: list[int] = []
    real = cm.text_features

    def counting(t, key="text_hash", text="text"):
        seen.append(int(t.count().to_pyarrow().as_py()))
        return real(t, key, text)

    monkeypatch.setattr(cm, "text_features", counting)
    update_comment_features(ws)
    first = _stored(ws)
    assert len(first) == len(TEXTS) and tuple(ws.table("comment_features").columns) == COMMENT_FEATURE_COLUMNS
    assert seen == [len(TEXTS) - 1]  # "" and NULL share a text hash
    assert {r["model_version"] for r in first.values()} == {features_version()}
    for i in range(len(TEXTS)):
        r = first[f"m{i}"]
        assert (r["quality"], r["is_spam"], r["spam_probability"]) == (
            q["quality"][i].as_py(),
            q["is_spam"][i].as_py(),
            q["spam_probability"][i].as_py(),
        )

    update_comment_features(ws)  # nothing changed: nothing computed
    assert seen == [len(TEXTS) - 1]

    # one new comment, one edited text, one deleted comment
    _insert(ws, "comments", [_comment(100, "Check out my channel, subscribe now!!!")])
    ws.duck.execute(
        "UPDATE comments SET text = 'what a lovely idea, trying it tonight' WHERE comment_id = 'm6'"
    )
    ws.duck.execute("DELETE FROM comments WHERE comment_id = 'm9'")
    update_comment_features(ws)
    assert seen == [len(TEXTS) - 1, 2]
    second = _stored(ws)
    assert set(second) == (set(first) - {"m9"}) | {"m100"}
    assert second["m100"]["is_spam"] and second["m6"]["text_hash"] != first["m6"]["text_hash"]
    assert all(second[k] == first[k] for k in first if k not in ("m6", "m9"))

    # a new model version recomputes everything
    monkeypatch.setattr(cm, "RULES_VERSION", "test")
    update_comment_features(ws)
    assert seen[-1] == len(second) - 1


def test_warm_up_starts_only_when_comment_features_will_be_computed(
    ws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The score loads the text features' one-time set-up on a background thread, but only when comments changed
    since ``comment_features`` was written (an unchanged re-score computes no text)."""
    import tribescope.authenticity._comments as cm

    monkeypatch.setattr(cm, "_WARMING", [])
    monkeypatch.setattr(cm, "_GRAMS_CACHE", {})
    _insert(ws, "posts", [{"platform": "instagram", "post_id": "p1", "creator_id": "c1", "created_at": T0}])
    _insert(ws, "comments", [_comment(i, t) for i, t in enumerate(TEXTS)])
    update_comment_features(ws)
    cm.warm_up_text_features(ws)
    assert cm._WARMING == []  # up to date: nothing to warm
    _insert(ws, "comments", [_comment(100, "first!")])
    cm.warm_up_text_features(ws)
    cm.warm_up_text_features(ws)  # once per process
    assert [t.name for t in cm._WARMING] == ["tribescope-warm-text"]
    cm._WARMING[0].join(60)
    assert not cm._WARMING[0].is_alive()
    assert cm._GRAMS_CACHE  # the n-gram weights the first call needs are built


def test_first_warm_up_starts_without_scanning_the_comments(ws, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before ``comment_features`` was ever written there is no stored signature to compare: the warm-up starts
    without the scan of every comment that the signature takes."""
    import tribescope.authenticity._comments as cm

    monkeypatch.setattr(cm, "_WARMING", [])
    _insert(ws, "posts", [{"platform": "instagram", "post_id": "p1", "creator_id": "c1", "created_at": T0}])
    _insert(ws, "comments", [_comment(i, t) for i, t in enumerate(TEXTS)])
    scans: list[int] = []
    real = cm._comments_signature
    monkeypatch.setattr(cm, "_comments_signature", lambda w: (scans.append(1), real(w))[1])
    cm.warm_up_text_features(ws)
    assert scans == [] and [t.name for t in cm._WARMING] == ["tribescope-warm-text"]
    cm._WARMING[0].join(60)


def test_score_run_starts_the_warm_up_before_the_fingerprints(ws, monkeypatch: pytest.MonkeyPatch) -> None:
    """A score that keeps its cache starts the text features' set-up when it opens, so the set-up's Python runs
    while the fingerprints run in DuckDB; a run that writes nothing (e.g. ``explain``) does not start it."""
    import tribescope.authenticity._comments as cm
    import tribescope.score._cache as sc

    monkeypatch.setattr(cm, "_WARMING", [])
    _insert(ws, "posts", [{"platform": "instagram", "post_id": "p1", "creator_id": "c1", "created_at": T0}])
    _insert(ws, "comments", [_comment(i, t) for i, t in enumerate(TEXTS)])
    calls: list[str] = []
    real_warm, real_fps = cm.warm_up_text_features, sc.creator_fingerprints
    monkeypatch.setattr(cm, "warm_up_text_features", lambda w: (calls.append("warm"), real_warm(w))[1])
    monkeypatch.setattr(sc, "creator_fingerprints", lambda d: (calls.append("fingerprints"), real_fps(d))[1])
    sc.ScoreRun.open(ws, write=False)
    assert calls == ["fingerprints"] and cm._WARMING == []
    run = sc.ScoreRun.open(ws)
    assert calls == ["fingerprints", "warm", "fingerprints"] and run.fingerprints is not None
    assert [t.name for t in cm._WARMING] == ["tribescope-warm-text"]  # comments changed: the set-up started
    cm._WARMING[0].join(60)


def test_read_only_workspace_computes_without_storing(tmp_path) -> None:
    from tribescope.store import connect

    path = tmp_path / "ro.duckdb"
    w = connect(path)
    _insert(w, "comments", [_comment(i, t) for i, t in enumerate(TEXTS[:4])])
    w.close()
    ro = connect(path, read_only=True)
    try:
        got = update_comment_features(ro).to_pyarrow()
        assert got.num_rows == 4 and not ro.has_table("comment_features")
    finally:
        ro.close()


TRICKY = [
    *TEXTS,
    "GREAT video!!! but the ending was NOT good ??",
    "Love❤️it😍😍 @best.friend_1 look",
    "the   shit\u2003is\u00a0the bomb\tkind of",
    "&lt;3 &amp; <i>kiss of death</i> www.shop.com/x?y=1 go",
    "it's so, so nice. you're an idiot's idiot _under_score_ 2x2",
    "@a.b @c_d",
    "!!! ???",
    "\u3000 \u2028",
    "ΑΒΓ δέλτα КРАСИВО wow ÜBER",
    "never so good, without doubt the least bad, at least not bad",
]


def _features(texts: list[str | None], arrow: bool, monkeypatch: pytest.MonkeyPatch) -> pa.Table:
    from tribescope.authenticity import _comments
    from tribescope.features import sentiment

    monkeypatch.setattr(_comments, "ARROW_ON_DUCKDB", arrow)
    monkeypatch.setattr(sentiment, "ARROW_ON_DUCKDB", arrow)
    return comment_quality(texts)


def _assert_same_features(a: pa.Table, b: pa.Table) -> None:
    for c in ("spam_probability", "attack_probability", "sentiment"):
        np.testing.assert_allclose(a[c].to_numpy(), b[c].to_numpy(), rtol=0, atol=1e-9)
    for c in ("quality", "is_spam", "is_attack"):
        assert a[c].to_pylist() == b[c].to_pylist()


def test_arrow_features_equal_the_engine_expressions(monkeypatch: pytest.MonkeyPatch) -> None:
    """On DuckDB the features run as one pyarrow UDF (Arrow/numpy); the Ibis expressions (what PySpark runs)
    give the same figures, text by text, on hand-made texts covering every rule."""
    from tribescope.features import _text_arrow

    monkeypatch.setattr(_text_arrow, "PIECE", 7)  # several pieces, on two threads
    arrow = _features(TRICKY, True, monkeypatch)
    engine = _features(TRICKY, False, monkeypatch)
    _assert_same_features(arrow, engine)
    q = arrow["quality"].to_pylist()
    assert set(q) >= {"generic", "substantive", "mention_only", "emoji_only", "spam"}
    s = arrow["sentiment"].to_numpy()
    assert s[TRICKY.index("Love❤️it😍😍 @best.friend_1 look")] > 0.5  # emoji translated, as VADER does
    assert len(set(np.round(s, 4))) > 8  # the texts are told apart, not all 0


def test_arrow_features_equal_the_engine_expressions_on_real_comments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """30,000 real Instagram comments: the Arrow/numpy features equal the Ibis expressions' (1e-9, labels
    identical)."""
    texts = _kim_texts(30_000)
    arrow = _features(texts, True, monkeypatch)
    _assert_same_features(arrow, _features(texts, False, monkeypatch))
    assert len(set(arrow["quality"].to_pylist())) == 6


def test_texts_reach_the_udf_in_bounded_lists_with_the_same_features(monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB converts a UDF's input to Arrow with 32-bit offsets and hands it ≤ 2,048 rows per call, so one list of
    every distinct text failed past 2 GiB of text. The texts now go in lists of ≤ ``LIST_BYTES`` bytes: cut
    into over 2,048 lists (more than one call), every feature is what one list gives, and no call gets more than
    2,048 lists' worth of text."""
    import pyarrow.compute as pc

    from tribescope.features import _text_arrow

    texts = [f"{TRICKY[i % len(TRICKY)]} #{i} {'so good ' * (i % 5)}" for i in range(3_000)]
    one = _features(texts, True, monkeypatch)
    calls: list[tuple[int, int]] = []  # (texts, characters) per UDF call
    real = _text_arrow.in_pieces

    def spy(compute, x):
        calls.append((len(x), pc.sum(pc.binary_length(x)).as_py()))
        return real(compute, x)

    monkeypatch.setattr(_text_arrow, "in_pieces", spy)
    monkeypatch.setattr(_text_arrow, "LIST_BYTES", 40)
    cut = _features(texts, True, monkeypatch)
    _assert_same_features(cut, one)
    assert cut["quality"].to_pylist() == one["quality"].to_pylist()
    size = {t: len(t.encode()) for t in texts}
    assert sum(size.values()) / 40 > 2_048  # over 2,048 lists: DuckDB needs more than one call
    assert len(calls) >= 2 and sum(n for n, _ in calls) == len(set(texts))  # every distinct text once
    assert max(c for _, c in calls) <= 2_048 * (40 + max(size.values()))


def test_threads_first_using_a_character_class_share_one_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """The score's warm-up thread and the UDF's pieces may classify a character class for the first time at once.
    Both must end up filling and reading the same code-point table: a thread left reading a table another thread
    had replaced never saw its unknown characters classified, and looped forever (seen once in the test suite).
    Here both threads find no table; one stores its table and reads it back before the other goes on."""
    import threading

    from tribescope.features import _text_arrow

    both_missed = threading.Barrier(2, timeout=10)
    fetched = threading.Event()

    class Racing(dict):
        def get(self, key, default=None):
            value = super().get(key, default)
            if value is None and both_missed.wait() == 0:  # both threads have seen "no table yet" ...
                fetched.wait(
                    5
                )  # ... and one goes on only once the other has stored its table and read it back
            return value

        def __getitem__(self, key):
            fetched.set()
            return super().__getitem__(key)

    monkeypatch.setattr(_text_arrow, "_TABLES", Racing())
    monkeypatch.setattr(_text_arrow, "_ASCII", {})
    texts = pa.array(["héllo wörld ß", "naïve café — ok", "ɐɓɔ ɖɗ ɘə"], pa.string())
    done: list[list[str]] = []

    def tokenise() -> None:
        _, toks = _text_arrow.token_spans(texts, r"[\p{L}\p{N}]")
        done.append(toks.to_pylist())

    runners = [threading.Thread(target=tokenise, daemon=True) for _ in range(2)]
    for r in runners:
        r.start()
    for r in runners:
        r.join(timeout=20)
    assert not any(r.is_alive() for r in runners), "a tokeniser never finished (a stale code-point table)"
    words = ["héllo", "wörld", "ß", "naïve", "café", "ok", "ɐɓɔ", "ɖɗ", "ɘə"]
    assert done == [words, words]


COMPILED_CASES = [
    *TRICKY,
    "NOT good, NOT bad. no good. no, not at all. nor happy or sad",
    "kind of great, sort of bad, just enough love, kiss of death, to die for, yeah right, bus stop",
    "I do NOT like it but it is SO GOOD!!!! but why???? really?? ok?",
    "isn't it great? don't hate. never so happy, never this sad, without doubt good",
    "  '' ' don't   ",
    "\t\n",
    "a_b c_d free giftcards subscribe now",
    "ÉMOJI😍😍😍🙂 🙂🙂",
    "x" * 300,
]


def _both_ways(texts: list[str | None], fn) -> tuple:
    from tribescope.features import _kernels

    out = []
    for on in (True, False):
        with _kernels.using(on):
            assert _kernels.on() is on
            out.append(fn(pa.array(texts, pa.string())))
    return tuple(out)


def _assert_compiled_equals_numpy(texts: list[str | None]) -> None:
    from tribescope.authenticity import _comments
    from tribescope.features import _text_arrow, _vader_arrow

    w = _comments._gram_weights(load_text_model("spam"), load_text_model("attack"))
    generic = pa.array(sorted(_comments.GENERIC_WORDS), pa.string())
    fast, slow = _both_ways(texts, lambda x: _text_arrow.model_sums(_comments.normalise_guarded(x), w))
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    fast, slow = _both_ways(texts, lambda x: _text_arrow.quality_labels(x, generic))
    np.testing.assert_array_equal(fast, slow)
    fast, slow = _both_ways(texts, _vader_arrow.vader_compound)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)
    assert np.count_nonzero(fast) > len(texts) // 4  # the texts are scored, not all 0


def test_compiled_kernels_equal_the_numpy_forms() -> None:
    """The numba kernels (tokens, n-gram sums, rule counts, VADER's per-text rules) give the numpy forms' figures
    (1e-12; labels identical) on hand-made texts covering every rule."""
    pytest.importorskip("numba")
    _assert_compiled_equals_numpy(COMPILED_CASES)
    from tribescope.features import _vader_arrow

    s = _vader_arrow.vader_compound(pa.array(COMPILED_CASES, pa.string()))
    assert (
        s[COMPILED_CASES.index("GREAT video!!! but the ending was NOT good ??")] < 0
    )  # after "but" weighs more


def test_a_batch_runs_the_kernels_when_large_or_once_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading numba and the kernels costs more than they save on a small batch: ``in_pieces`` runs every piece of a
    batch below ``MIN_TEXTS`` texts with the numpy forms (on both threads), a larger one with the kernels, and once
    they are loaded every batch uses them; both give the same columns."""
    pytest.importorskip("numba")
    from tribescope.authenticity import _comments
    from tribescope.features import _kernels, _text_arrow

    monkeypatch.setattr(_kernels, "_module", None)  # as in a new process
    monkeypatch.setattr(_kernels, "MIN_TEXTS", 6)
    monkeypatch.setattr(_text_arrow, "PIECE", 2)
    w = _comments._gram_weights(load_text_model("spam"), load_text_model("attack"))
    generic = pa.array(sorted(_comments.GENERIC_WORDS), pa.string())
    seen: list[bool] = []

    def compute(x: pa.Array) -> dict:
        seen.append(_kernels.on())
        return _comments._arrow_columns(x, w, generic)

    texts = pa.array(COMPILED_CASES[:5], pa.string())
    small = _text_arrow.in_pieces(compute, texts)
    assert seen == [False] * 3 and not _kernels.loaded()
    seen.clear()
    large = _text_arrow.in_pieces(compute, pa.array(COMPILED_CASES[:7], pa.string()))
    assert seen == [True] * 4 and _kernels.loaded()
    seen.clear()
    again = _text_arrow.in_pieces(compute, texts)
    assert seen == [True] * 3
    for k in small:
        np.testing.assert_allclose(
            np.asarray(small[k], float), np.asarray(large[k][:5], float), rtol=0, atol=1e-12
        )
        np.testing.assert_allclose(
            np.asarray(small[k], float), np.asarray(again[k], float), rtol=0, atol=1e-12
        )
    assert _kernels.on()  # outside a batch: the kernels whenever numba is there


def test_texts_to_compute_counts_distinct_texts_then_new_comments(
    ws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm-up's count of the texts the next update computes: the distinct texts while nothing is stored for this
    features version (just the comments when they are fewer than the kernels' bound), then the comments without a
    stored row."""
    from tribescope.authenticity._comments import _texts_to_compute
    from tribescope.features import _kernels

    _insert(ws, "posts", [{"platform": "instagram", "post_id": "p1", "creator_id": "c1", "created_at": T0}])
    _insert(ws, "comments", [_comment(i, t) for i, t in enumerate([*TEXTS, TEXTS[0], TEXTS[0], None])])
    assert _texts_to_compute(ws) == len(TEXTS) + 3  # below the bound: the comments, an upper bound
    monkeypatch.setattr(_kernels, "MIN_TEXTS", 5)
    assert _texts_to_compute(ws) == len({t or "" for t in TEXTS})  # (a null text is the empty one)
    update_comment_features(ws)
    assert _texts_to_compute(ws) == 0
    _insert(ws, "comments", [_comment(200 + i, "new text") for i in range(3)])
    assert _texts_to_compute(ws) == 3


def test_small_work_never_imports_numba(tmp_path) -> None:
    """Comment features of a small workspace (and the score's warm-up for them) run the numpy forms without importing
    numba: a fresh interpreter computes them and numba is not loaded; with ``MIN_TEXTS`` at 1 the same work loads it."""
    pytest.importorskip("numba")
    import subprocess
    import sys
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures" / "youtube"
    code = f"""
import sys
from tribescope import connect, import_paths
from tribescope.authenticity import _comments
from tribescope.features import _kernels
if sys.argv[1] == "1":
    _kernels.MIN_TEXTS = 1
ws = connect(sys.argv[2])
import_paths(ws, [{str(fixtures)!r}])
_comments.warm_up_text_features(ws)
_comments._WARMING[0].join(60)
warm = "numba" in sys.modules
n = _comments.update_comment_features(ws).count().execute()
print(warm, "numba" in sys.modules, n)
ws.close()
"""
    outs = [
        subprocess.run(
            [sys.executable, "-c", code, low, str(tmp_path / f"w{low}.duckdb")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for low in ("0", "1")
    ]
    n = outs[0][2]
    assert int(n) > 0
    assert outs == [["False", "False", n], ["True", "True", n]]


def test_compiled_kernels_equal_the_numpy_forms_on_real_comments() -> None:
    """30,000 real Instagram comments: the numba kernels equal the numpy forms (1e-12, labels identical)."""
    pytest.importorskip("numba")
    texts = _kim_texts(30_000)
    _assert_compiled_equals_numpy(texts)
