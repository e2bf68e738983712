"""Comment text features on real-shaped comments: emoji sequences in the sentiment (every implementation alike) and
@mentions of handles in any script in the quality rules (every implementation alike)."""

from __future__ import annotations

import math

import ibis
import numpy as np
import pyarrow as pa
import pytest

from tribescope.features import sentiment as S


def _compound(s: float) -> float:
    return s / math.sqrt(s * s + 15)


HEART = _compound(3.2)  # "red heart": "heart" has valence 3.2

EMOJI_CASES = [
    ("❤", HEART),
    ("❤️", HEART),  # U+2764 U+FE0F: the same emoji, drawn as emoji
    ("♥️", HEART),
    ("👩\u200d❤️\u200d👨", HEART),  # couple with heart (ZWJ sequence)
    ("❤️\u200d🩹", HEART),  # mending heart
    ("so ❤️", _compound(3.2 + 0.293 * 0.95)),  # "so red heart": the booster 2 words before "heart" (× 0.95)
    ("love it ❤️", _compound(3.2 + 3.2)),
    ("👍🏽", 0.0),  # thumbs up, medium skin tone: no lexicon word
    ("", 0.0),
    (None, 0.0),
]


def _expressions_or_arrow(
    texts: list[str | None], arrow: bool, monkeypatch: pytest.MonkeyPatch
) -> np.ndarray:
    monkeypatch.setattr(S, "ARROW_ON_DUCKDB", arrow)
    t = ibis.memtable(
        pa.table({"id": pa.array(range(len(texts)), pa.int64()), "text": pa.array(texts, pa.string())})
    )
    out = ibis.duckdb.connect().to_pyarrow(S.sentiment_table(t, "id").order_by("id"))
    return np.asarray(out["sentiment"].to_numpy())


def test_emoji_presentation_and_joiners_do_not_hide_the_emoji(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ "❤️" (with U+FE0F, how phones send it) scored 0 where "❤" scores 0.64; now the same, and the Python
    reference, the Ibis expressions, the Arrow form and its compiled kernels give the same figures."""
    texts = [t for t, _ in EMOJI_CASES]
    want = np.array([w for _, w in EMOJI_CASES])
    S.clear_cache()
    ref = S.sentiment_scores(texts, processes=1)
    np.testing.assert_allclose(ref, want, atol=5.01e-5, rtol=0)  # vaderSentiment rounds to 4 decimals
    for arrow in (False, True):
        np.testing.assert_allclose(_expressions_or_arrow(texts, arrow, monkeypatch), want, atol=1e-12, rtol=0)
    from tribescope.features import _kernels, _vader_arrow

    for on in (False, True) if _kernels.available() else (False,):
        with _kernels.using(on):
            got = _vader_arrow.vader_compound(pa.array(texts, pa.string()))
        np.testing.assert_allclose(got, want, atol=1e-12, rtol=0)


MENTION_CASES = [
    ("@josé_g", "mention_only"),  # YouTube handles may hold non-ASCII letters
    ("@maría 😍", "mention_only"),
    ("@日本太郎 ✨✨", "mention_only"),
    ("@anna.b 😂", "mention_only"),
    ("@anna.b.", "mention_only"),
    ("@josé gracias por el vídeo de hoy", "substantive"),
    ("😍😍", "emoji_only"),
    ("@josé_g nice", "generic"),
]


def test_a_mention_of_a_handle_in_any_script_is_mention_only() -> None:
    """RE2's ``\\w`` is ASCII: ``@[\\w.]+`` took "@jos" of "@josé_g" and left "é", "g" as words ("generic"). The
    quality rules now read the rule features' MENTION_PATTERN; the engine expressions, the Arrow form (numpy and
    kernels), ``rule_quality`` / ``comment_quality`` and the score's ``is_mention_only`` agree."""
    from tribescope.authenticity import comment_quality, rule_quality
    from tribescope.authenticity._comments import GENERIC_WORDS
    from tribescope.features import _kernels, _text_arrow
    from tribescope.features._rules import comment_features, quality_rules

    texts = [t for t, _ in MENTION_CASES]
    want = [q for _, q in MENTION_CASES]
    assert rule_quality(texts).to_pylist() == want
    assert comment_quality(texts)["quality"].to_pylist() == want
    t = ibis.memtable({"k": list(range(len(texts))), "text": texts})
    con = ibis.duckdb.connect()
    got = con.to_pyarrow(quality_rules(t, "k", "text", GENERIC_WORDS).order_by("k"))["quality"].to_pylist()
    assert got == want
    generic = pa.array(sorted(GENERIC_WORDS), pa.string())
    for on in (False, True) if _kernels.available() else (False,):
        with _kernels.using(on):
            idx = _text_arrow.quality_labels(pa.array(texts, pa.string()), generic)
        assert [_text_arrow.LABELS[i] for i in idx] == want
    rf = con.to_pyarrow(comment_features(t).order_by("k"))["is_mention_only"].to_pylist()
    assert rf == [q == "mention_only" for q in want]
