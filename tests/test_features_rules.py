"""Comment rule features and VADER sentiment on hand-written comments."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from tribescope.features import comment_features, sentiment_scores
from tribescope.features import sentiment as sentiment_mod

CASES = {
    # text: (emoji_only, mention_only, link_spam, generic, action_intent, substantive)
    "❤️❤️🔥": (True, False, False, False, False, False),
    "@anna 😂": (False, True, False, False, False, False),
    "so beautiful!!": (False, False, False, True, False, False),
    "You look amazing babe": (False, False, False, True, False, False),
    "nice": (False, False, False, True, False, False),
    "Check out my page for promo": (False, False, True, False, False, False),
    "follow me and i follow back www.example.com": (False, False, True, False, False, False),
    "I tried the banana bread recipe yesterday": (False, False, False, False, True, True),
    "where can I get this jacket?": (False, False, False, False, True, True),
    "link?": (False, False, False, False, True, True),
    "just ordered the blue one": (False, False, False, False, True, True),
    "The light on the lake at sunset is unreal": (False, False, False, False, False, True),
    "": (False, False, False, False, False, False),
}


def _features(texts: list[str | None], caption: str = "") -> pd.DataFrame:
    c = ibis.memtable(
        pd.DataFrame(
            {
                "platform": "instagram",
                "comment_id": [str(i) for i in range(len(texts))],
                "post_id": "p1",
                "text": texts,
            }
        )
    )
    p = ibis.memtable(
        pd.DataFrame({"platform": ["instagram"], "post_id": ["p1"], "title": [None], "caption": [caption]})
    )
    return comment_features(c, p).to_pandas().set_index("comment_id").sort_index(key=lambda s: s.astype(int))


def test_rule_categories_on_hand_written_comments():
    texts = list(CASES)
    df = _features(texts)
    cols = [
        "is_emoji_only",
        "is_mention_only",
        "is_link_spam",
        "is_generic",
        "has_action_intent",
        "is_substantive",
    ]
    for i, text in enumerate(texts):
        got = tuple(bool(x) for x in df.loc[str(i), cols])
        assert got == CASES[text], text


def test_word_count_mentions_and_empty():
    df = _features(["@Bob.Smith did you try it?", None, "  "])
    assert df.loc["0", "n_words"] == 4
    assert df.loc["0", "first_mention"] == "bob.smith"
    assert bool(df.loc["1", "is_empty"]) and bool(df.loc["2", "is_empty"])
    assert df.loc["1", "n_words"] == 0


def test_relevance_counts_shared_content_words_with_caption():
    df = _features(
        ["Your banana bread with brown sugar looks perfect", "so cute", "What about the sunset?"],
        caption="Banana bread recipe with brown sugar",
    )
    # shared content tokens: banana, bread, brown, sugar ("with", "looks", "perfect" are stop/short words)
    assert df["overlap_tokens"].tolist() == [4, 0, 0]
    assert df["is_relevant"].tolist() == [True, False, False]


def test_repeated_text_is_relevant_per_post():
    """Rules run once per distinct text; the overlap is still per comment and post."""
    c = ibis.memtable(
        pd.DataFrame(
            {
                "platform": "instagram",
                "comment_id": ["0", "1", "2", "3", "4"],
                "post_id": ["p1", "p2", "p1", "p3", "p1"],
                "text": [
                    "bread bread banana, really?",
                    "bread bread banana, really?",
                    "Really lovely lake",
                    "bread bread banana, really?",
                    None,
                ],
            }
        )
    )
    p = ibis.memtable(
        pd.DataFrame(
            {
                "platform": ["instagram", "instagram"],
                "post_id": ["p1", "p2"],
                "title": ["Banana bread", None],
                "caption": ["really good", "A walk by the lake"],
            }
        )
    )
    df = comment_features(c, p).to_pandas().set_index("comment_id").sort_index()
    # p1 shares banana + bread (a repeated word counts once; "really" is a stopword); p2 shares nothing with the
    # same text; p3 is not in posts; "lake" of comment 2 is under p1, not p2
    assert df["overlap_tokens"].tolist() == [2, 0, 0, 0, 0]
    assert df["is_relevant"].tolist() == [True, False, False, False, False]
    assert df.loc[["0", "1", "3"], "n_words"].tolist() == [4, 4, 4]
    assert bool(df.loc["4", "is_empty"]) and df.loc["4", "n_words"] == 0
    assert list(df.columns[-2:]) == ["overlap_tokens", "is_relevant"]


def test_spam_and_intent_ignore_the_kind_of_whitespace_and_punctuation():
    plain = ["check out my page", "where can i get this", "dm me for promo", "i just tried it"]
    odd = [
        "check\u00a0out  my\tpage!!",
        "where\ncan -- i\u2003get\x0bthis",
        "DM me, for promo",
        "i   just\ttried it",
    ]
    cols = ["is_link_spam", "has_action_intent", "is_generic", "is_substantive"]
    a = _features(plain)[cols].reset_index(drop=True)
    b = _features(odd)[cols].reset_index(drop=True)
    assert a.astype(bool).values.tolist() == b.astype(bool).values.tolist()
    assert a["is_link_spam"].tolist() == [True, False, True, False]
    assert a["has_action_intent"].tolist() == [False, True, False, True]


def test_sentiment_matches_vader_on_normalised_text():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sentiment_mod.clear_cache()
    texts = ["I LOVE this!!! @anna", "this is terrible", "ok", None, "❤️", "meh http://x.io/a", "love", "ok"]
    got = sentiment_scores(texts, processes=1)
    a = SentimentIntensityAnalyzer()
    norm = ["I LOVE this!!!", "this is terrible", "ok", "", "❤️", "meh", "love", "ok"]
    want = [a.polarity_scores(t)["compound"] if t else 0.0 for t in norm]
    assert got.tolist() == pytest.approx(want)
    assert got[0] > 0.5 and got[1] < -0.4 and got[3] == 0.0


def test_sentiment_cache_and_zero_shortcut(monkeypatch):
    sentiment_mod.clear_cache()
    calls: list[int] = []
    real = sentiment_mod._score_chunk

    def spy(texts):
        calls.append(len(texts))
        return real(texts)

    monkeypatch.setattr(sentiment_mod, "_score_chunk", spy)
    sentiment_scores(["great stuff", "great stuff", "the table is brown"], processes=1)
    # duplicates scored once; "the table is brown" has no lexicon word, so VADER is never called for it
    assert calls == [1]
    sentiment_scores(["great stuff"], processes=1)
    assert calls == [1]  # cached
