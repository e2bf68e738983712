"""Comment rule features and VADER sentiment on hand-written comments."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from tribescope.features import _rules as rules
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
    # "❤️" read as "❤" (the emoji sequence's U+FE0F a word break)
    a.emojis.update(sentiment_mod.EMOJI_OVERRIDES)
    norm = ["I LOVE this!!!", "this is terrible", "ok", "", "❤️", "meh", "love", "ok"]
    want = [a.polarity_scores(t)["compound"] if t else 0.0 for t in norm]
    assert got.tolist() == pytest.approx(want)
    assert got[0] > 0.5 and got[1] < -0.4 and got[3] == 0.0
    assert got[4] == pytest.approx(a.polarity_scores("❤")["compound"]) and got[4] > 0.5


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


# ------------------------------------------------------------------------------------------ fast rule forms
def _expand(pattern: str) -> list[str]:
    """Every string a pattern of literals, groups, alternatives, ``?`` and anchors matches (each one once)."""
    import re._constants as C
    import re._parser as P

    def seq(items) -> list[str]:
        out = [""]
        for op, av in items:
            out = [a + b for a in out for b in one(op, av)]
        return out

    def one(op, av) -> list[str]:
        if op is C.LITERAL:
            return [chr(av)]
        if op is C.AT:  # \b
            return [""]
        if op is C.IN:  # a class of single characters, from an alternation of them
            assert all(o is C.LITERAL for o, _ in av), av
            return [chr(v) for _, v in av]
        if op is C.SUBPATTERN:
            return seq(av[-1])
        if op is C.BRANCH:
            return [s for b in av[1] for s in seq(b)]
        if op is C.MAX_REPEAT:
            lo, hi, sub = av
            assert (lo, hi) == (0, 1), av
            return ["", *seq(sub)]
        raise AssertionError(op)

    return seq(P.parse(pattern))


@pytest.mark.parametrize(
    ("pattern", "needs", "kept"),
    [
        (rules.LINK_SPAM_PATTERN, rules._SPAM_NEEDS, "/:.$"),
        (rules.ACTION_INTENT_PATTERN, rules._INTENT_NEEDS, "?"),
    ],
)
def test_prefilter_holds_for_every_string_the_pattern_matches(pattern, needs, kept):
    """The spam / intent regexes run only on texts that pass a literal prefilter: it must pass every match."""
    import re

    matches = _expand(pattern)
    # (``\b`` dropped: the expansion ignores it, so a few strings, e.g. "earn $", are matches only inside a text)
    assert len(matches) > 100 and all(re.fullmatch(pattern.replace(r"\b", ""), m) for m in matches)
    # literals made of characters the normalisation keeps are in the lower-cased text whenever they are in its
    # normalised form
    for clause in needs:
        for group in clause:
            assert all(ch.isalnum() or ch in kept for w in group for ch in w), group
    t = ibis.memtable(pd.DataFrame({"m": matches}))
    ok = t.select(ok=rules._may_match(t.m, needs)).to_pandas()["ok"].tolist()
    assert [m for m, k in zip(matches, ok, strict=True) if not k] == []
    # and it does filter: ordinary comments fail it
    t = ibis.memtable(pd.DataFrame({"m": ["so beautiful", "lovely colours 😍", "great post!!"]}))
    assert t.select(ok=rules._may_match(t.m, needs)).to_pandas()["ok"].tolist() == [False, False, False]


def _plain_rules(t: ibis.Table) -> ibis.Table:
    """The rule columns as written before the prefilters and the fewer-match collapse (reference)."""
    low = t._raw.lower()
    words = low.re_replace(rules.URL_PATTERN, " ").re_replace(rules.MENTION_PATTERN, " ")
    words = words.re_replace(r"[^\p{L}\p{N}]+", " ").re_replace(r"^\s+|\s+$", "")
    c = t.mutate(
        _lower=low,
        _words=words,
        has_mention=t._raw.re_search(rules.MENTION_PATTERN),
        _has_alnum=t._raw.re_search(r"[\p{L}\p{N}]"),
        _fm=t._raw.re_extract(r"@([\p{L}\p{N}_.]+)", 1),
    )
    c = c.mutate(
        _n_words=ibis.ifelse(
            c._words == "", 0, c._words.length() - c._words.replace(" ", "").length() + 1
        ).cast("int64"),
        _spam=c._lower.re_replace(r"[^\p{L}\p{N}/:.$]+", " ").re_search(rules.LINK_SPAM_PATTERN),
        _intent=c._lower.re_replace(r"[^\p{L}\p{N}?]+", " ").re_search(rules.ACTION_INTENT_PATTERN),
        _praise=c._words.re_search(rules.GENERIC_PRAISE_PATTERN),
        is_empty=~c._raw.re_search(r"\S"),
    )
    fm = c._fm.lower().re_replace(r"\.+$", "")
    intent = c._intent & ~c._spam
    generic = (c._n_words > 0) & ((c._n_words <= 2) | c._praise) & ~intent
    return c.select(
        "_raw",
        "_words",
        "has_mention",
        "is_empty",
        n_words=c._n_words,
        first_mention=ibis.ifelse(fm == "", ibis.null("string"), fm),
        is_emoji_only=~c.is_empty & ~c.has_mention & ~c._has_alnum,
        is_mention_only=c.has_mention & (c._n_words == 0),
        is_link_spam=c._spam,
        is_generic=generic,
        has_action_intent=intent,
        is_substantive=(c._n_words > 0) & ~c._spam & (intent | ~generic),
    )


def _corpus() -> list[str]:
    import random

    rng = random.Random(8)
    seps = [
        " ",
        "  ",
        "\t",
        "\u00a0",
        ", ",
        " - ",
        "!! ",
        "\n",
        "…",
        " 😂 ",
        "'",
        "_",
        "/",
        ":",
        ".",
        "$",
        "?",
    ]
    around = [
        "",
        "@anna ",
        "@Bob.Smith.. ",
        "www.x.io ",
        "http://t.co/x?a=1 ",
        "😂 ",
        " ",
        "Wow! ",
        "so cute ",
        "  ",
    ]
    out = [
        *CASES,
        "   ",
        "\t\n",
        "@",
        "@@x",
        "a@b.c",
        "...",
        "?",
        "x  y",
        " lead",
        "trail ",
        "é à ü",
        "ß straße",
    ]
    pieces = _expand(rules.LINK_SPAM_PATTERN) + _expand(rules.ACTION_INTENT_PATTERN)
    pieces += [
        "so beautiful",
        "you look amazing babe",
        "love it",
        "the light on the lake",
        "haha lol",
        "wow wow",
    ]
    for m in pieces * 3:
        s = "".join(ch if ch != " " else rng.choice(seps) for ch in m)
        s = rng.choice(around) + (s.upper() if rng.random() < 0.2 else s) + rng.choice(around)[::-1]
        out.append(s)
        # and a near miss: a piece cut in two
        k = rng.randrange(1, max(2, len(m)))
        out.append(m[:k] + rng.choice(seps) + m[k:])
    return sorted(set(out))


def test_fast_rule_forms_equal_the_plain_expressions():
    """Prefilters (CASE), the fewer-match collapse and the mention shortcuts give every column as before."""
    texts = _corpus()
    assert len(texts) > 2500
    t = ibis.memtable(pd.DataFrame({"_raw": texts}))
    got = rules._text_rules(t).to_pandas().sort_values("_raw").reset_index(drop=True)
    want = _plain_rules(t).to_pandas().sort_values("_raw").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)
    # the corpus reaches every branch
    assert got["is_link_spam"].sum() > 100 and got["has_action_intent"].sum() > 100
    assert (~got["is_link_spam"] & ~got["has_action_intent"]).sum() > 100
    assert got["first_mention"].notna().sum() > 100 and got["is_mention_only"].any()


def test_collapse_replaces_runs_like_the_plus_pattern():
    texts = [
        "a b",
        "a  b",
        " a ",
        "a\tb",
        "a, b",
        "a ,b",
        "😂",
        " 😂 ",
        "a😂b",
        "a \u00a0 b",
        "",
        " ",
        "  ",
        "a.b c",
    ]
    t = ibis.memtable(pd.DataFrame({"s": texts}))
    for keep in (r"\p{L}\p{N}", r"\p{L}\p{N}/:.$", r"\p{L}\p{N}?"):
        got = t.select(a=rules._collapse(t.s, keep), b=t.s.re_replace(f"[^{keep}]+", " ")).to_pandas()
        assert got["a"].tolist() == got["b"].tolist()
    assert t.select(a=rules._collapse(t.s, r"\p{L}\p{N}")).to_pandas()["a"].tolist()[:5] == [
        "a b",
        "a b",
        " a ",
        "a b",
        "a b",
    ]


def test_content_tokens_and_relevance_as_before():
    texts = _corpus()[:800]
    t = ibis.memtable(pd.DataFrame({"s": texts}))
    w = rules.normalized_words(t.s).split(" ")
    plain = w.filter(lambda x: (x.length() >= 4) & ~x.isin(rules.STOPWORDS)).unique()
    got = t.select(a=rules.content_tokens(t.s), b=plain).to_pandas()
    assert [sorted(x) for x in got["a"]] == [sorted(x) for x in got["b"]]
    assert sum(len(x) for x in got["a"]) > 500
    # is_relevant (a filter over the comment's words) is overlap_tokens > 0 (the post's tokens in the comment)
    cap = (
        "Check the banana bread recipe: where to buy the brand of flour, follow the link in bio; so beautiful"
    )
    df = _features(texts, caption=cap)
    assert (df["is_relevant"] == (df["overlap_tokens"] > 0)).all()
    assert 50 < df["is_relevant"].sum() < len(df)
