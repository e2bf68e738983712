"""Comment quality: spam and personal-attack models, rule-based quality classes, sentiment.

Text model (both shipped models): ``normalise`` (HTML entities and tags removed, links → ``urltoken``,
@mentions removed, lower case) → word 1–2-grams and character 3–5-grams hashed into 2·2^17
columns (:class:`sklearn.feature_extraction.text.HashingVectorizer`, l2-normed) → logistic regression.
Scoring runs once per *distinct* text (comment streams repeat a lot: "nice", emoji, copy-paste spam).

* Spam — trained on the YouTube Spam Collection (Alberto, Lochter & Almeida, "TubeSpam", ICMLA 2015); the
  ``DATE`` column is never read (empty for every Eminem spam row).
* Attack — trained on the last comment of the CMV chains of Habernal et al., "Before Name-calling", NAACL 2018:
  ad hominem (removed for Rule 2) vs delta-awarded; only the comment's own text (no chain length, no labels).

Quality classes (first rule that fires wins; the weak-labelling rules are documented in docs/authenticity.md):
``mention_only`` (nothing but @mentions, emoji, punctuation) → ``emoji_only`` (no letter or digit) → ``spam``
(spam model) → ``attack`` (attack model, where VADER is negative) → ``generic`` (≤ 3 words, or every word from the generic-praise
lexicon :data:`GENERIC_WORDS`) → ``substantive``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from tribescope.authenticity._accounts import ModelError

__all__ = [
    "GENERIC_WORDS",
    "QUALITY_CLASSES",
    "TextModel",
    "comment_quality",
    "load_text_model",
    "normalise",
    "rule_quality",
    "score_comments",
]

QUALITY_CLASSES = ("substantive", "generic", "emoji_only", "mention_only", "spam", "attack")
N_FEATURES = 2**17

#: one-word praise / filler that carries no content on its own (weak-labelling lexicon, English + common IG use)
GENERIC_WORDS = frozenset(
    [
        "nice",
        "love",
        "loved",
        "lovely",
        "like",
        "cute",
        "beautiful",
        "gorgeous",
        "amazing",
        "awesome",
        "great",
        "good",
        "cool",
        "wow",
        "omg",
        "yes",
        "yess",
        "yesss",
        "perfect",
        "pretty",
        "stunning",
        "fab",
        "fabulous",
        "fantastic",
        "super",
        "superb",
        "wonderful",
        "incredible",
        "goals",
        "queen",
        "king",
        "bae",
        "so",
        "soo",
        "sooo",
        "very",
        "much",
        "too",
        "really",
        "the",
        "a",
        "an",
        "and",
        "this",
        "that",
        "it",
        "is",
        "its",
        "it's",
        "you",
        "your",
        "ur",
        "u",
        "i",
        "me",
        "my",
        "look",
        "looks",
        "looking",
        "pic",
        "picture",
        "photo",
        "shot",
        "post",
        "pics",
        "photos",
        "outfit",
        "style",
        "dress",
        "hair",
        "eyes",
        "smile",
        "girl",
        "boy",
        "babe",
        "baby",
        "wonderful",
        "best",
        "ever",
        "hot",
        "fire",
        "lit",
        "sweet",
        "cutie",
        "beauty",
        "adorable",
        "haha",
        "hahaha",
        "lol",
        "lmao",
        "xd",
        "xoxo",
        "hi",
        "hey",
        "hello",
        "congrats",
        "congratulations",
        "thanks",
        "thank",
        "thx",
        "ty",
        "follow",
        "followed",
        "back",
        "dm",
        "please",
        "pls",
        "plz",
        "check",
        "out",
        "page",
        "insane",
        "sick",
        "dope",
        "slay",
        "slayed",
        "stunner",
        "killing",
        "killer",
        "wowww",
        "woww",
        "wow",
        "love",
        "it!",
    ]
)


def normalise(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Lower-cased text with HTML removed, links → ``urltoken`` and @mentions removed (Arrow kernels)."""
    t = pc.fill_null(texts.cast(pa.string()), "")
    if isinstance(t, pa.ChunkedArray):
        t = t.combine_chunks()
    t = pc.replace_substring_regex(t, r"<[^>]{0,200}>", " ")
    for ent, ch in (
        ("&#39;", "'"),
        ("&quot;", '"'),
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&nbsp;", " "),
    ):
        t = pc.replace_substring(t, ent, ch)
    t = pc.utf8_lower(t)
    t = pc.replace_substring_regex(
        t, r"(https?://|www\.)\S+|\b\S+\.(com|net|org|ly|co|be|me|io)(/\S*)?\b", " urltoken "
    )
    t = pc.replace_substring_regex(
        t, r"@[\w.]+", " "
    )  # @mentions carry no spam signal (and none in training)
    return t  # type: ignore[no-any-return]


def _vectorisers() -> tuple[HashingVectorizer, HashingVectorizer]:
    words = HashingVectorizer(
        n_features=N_FEATURES,
        ngram_range=(1, 2),
        alternate_sign=False,
        norm="l2",
        lowercase=False,
        token_pattern=r"(?u)\b\w+\b",
    )
    chars = HashingVectorizer(
        n_features=N_FEATURES,
        analyzer="char_wb",
        ngram_range=(3, 5),
        alternate_sign=False,
        norm="l2",
        lowercase=False,
    )
    return words, chars


def featurise(texts: list[str]) -> sparse.csr_matrix:
    """Hashed word + character n-grams of already-normalised texts (2·2^17 columns)."""
    w, c = _vectorisers()
    return sparse.hstack([w.transform(texts), c.transform(texts)]).tocsr()


@dataclass
class TextModel:
    """A shipped linear text model: ``P = σ(b + w·x)`` over :func:`featurise` columns."""

    name: str
    coef: np.ndarray
    intercept: float
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict)

    def predict_proba_normalised(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        z = featurise(texts) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def predict_proba(self, texts: pa.Array | pa.ChunkedArray | list[str | None]) -> np.ndarray:
        """Probability per text, computed once per distinct normalised text."""
        arr = texts if isinstance(texts, pa.Array | pa.ChunkedArray) else pa.array(texts, pa.string())
        enc = normalise(arr).dictionary_encode()
        uniq = enc.dictionary.to_pylist()
        p = self.predict_proba_normalised(uniq)
        return p[enc.indices.to_numpy(zero_copy_only=False)] if len(p) else np.zeros(len(arr))

    def dumps(self) -> bytes:
        nz = np.flatnonzero(self.coef)
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            index=nz.astype(np.uint32),
            value=self.coef[nz].astype(np.float16),
            intercept=np.array([self.intercept]),
            threshold=np.array([self.threshold]),
            meta=np.frombuffer(__import__("json").dumps(self.meta).encode(), dtype=np.uint8),
        )
        return buf.getvalue()

    @classmethod
    def loads(cls, name: str, data: bytes) -> TextModel:
        import json

        z = np.load(io.BytesIO(data))
        coef = np.zeros(2 * N_FEATURES, dtype=np.float64)
        coef[z["index"]] = z["value"].astype(np.float64)
        meta = json.loads(bytes(z["meta"]).decode())
        return cls(name, coef, float(z["intercept"][0]), float(z["threshold"][0]), meta)


_TEXT_CACHE: dict[str, TextModel] = {}


def load_text_model(name: str) -> TextModel:
    """``spam`` or ``attack``: the shipped model ``tribescope/authenticity/models/<name>.joblib``."""
    if name not in _TEXT_CACHE:
        try:
            data = (
                resources.files("tribescope.authenticity").joinpath("models", f"{name}.joblib").read_bytes()
            )
        except FileNotFoundError:
            raise ModelError(
                f"model file models/{name}.joblib is missing from the tribescope package; "
                f"reinstall tribescope or rebuild it with `tribescope train comments`"
            ) from None
        _TEXT_CACHE[name] = TextModel.loads(name, data)
    return _TEXT_CACHE[name]


# --------------------------------------------------------------------------- rules
_MENTION = r"@[\w.]+"
_NON_CONTENT = r"[\s\p{P}\p{S}]"


def rule_quality(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``mention_only`` | ``emoji_only`` | ``generic`` | ``substantive`` by the weak-labelling rules (Arrow kernels).

    * mention_only: at least one @mention and nothing else but emoji, punctuation and spaces;
    * emoji_only: no letter or digit at all (and not empty);
    * generic: ≤ 3 words (letters/digits runs) after removing @mentions, or every word in :data:`GENERIC_WORDS`;
    * substantive: the rest. Empty text is ``generic``.
    """
    t = pc.fill_null(texts.cast(pa.string()), "")
    if isinstance(t, pa.ChunkedArray):
        t = t.combine_chunks()
    low = pc.utf8_lower(t)
    has_mention = pc.match_substring_regex(low, _MENTION)
    no_mention = pc.replace_substring_regex(low, _MENTION, " ")
    has_alnum = pc.match_substring_regex(no_mention, r"[\p{L}\p{N}]")
    has_alnum_all = pc.match_substring_regex(low, r"[\p{L}\p{N}]")
    words = pc.split_pattern_regex(
        pc.utf8_trim_whitespace(pc.replace_substring_regex(no_mention, r"[^\p{L}\p{N}']+", " ")), r"\s+"
    )
    n_words = pc.list_value_length(words)
    flat = pc.list_flatten(words)
    parent = pc.list_parent_indices(words)
    is_generic_word = pc.or_(pc.is_in(flat, value_set=pa.array(sorted(GENERIC_WORDS))), pc.equal(flat, ""))
    # rows where some word is NOT generic
    non_generic_rows = np.unique(parent.to_numpy()[~is_generic_word.to_numpy(zero_copy_only=False)])
    all_generic = np.ones(len(t), dtype=bool)
    all_generic[non_generic_rows] = False
    generic = pc.or_(pc.less_equal(n_words, 3), pa.array(all_generic))
    out = np.where(
        np.asarray(pc.and_(has_mention, pc.invert(has_alnum))),
        "mention_only",
        np.where(
            ~np.asarray(has_alnum_all) & (np.asarray(pc.utf8_length(pc.utf8_trim_whitespace(t))) > 0),
            "emoji_only",
            np.where(np.asarray(generic), "generic", "substantive"),
        ),
    )
    return pa.array(out, pa.string())


#: the attack model reads argument-length, hostile text: it is applied only where VADER is negative and at a
#: stricter cut-off than on CMV, because compliments and questions are far from both CMV classes
ATTACK_MIN_PROBABILITY = 0.8
ATTACK_MAX_SENTIMENT = -0.05


def comment_quality(
    texts: pa.Array | pa.ChunkedArray | list[str | None], sentiment: np.ndarray | None = None
) -> pa.Table:
    """Per text: ``spam_probability``, ``is_spam``, ``attack_probability``, ``is_attack``, ``quality``, ``sentiment``.

    Order of the quality rules: mention_only, emoji_only (no words to judge) → spam → attack → generic → substantive.
    """
    arr = texts if isinstance(texts, pa.Array | pa.ChunkedArray) else pa.array(texts, pa.string())
    spam, attack = load_text_model("spam"), load_text_model("attack")
    # one featurisation of the distinct texts serves both models
    enc = normalise(arr).dictionary_encode()
    uniq = enc.dictionary.to_pylist()
    idx = enc.indices.to_numpy(zero_copy_only=False)
    X = featurise(uniq) if uniq else None
    ps = 1.0 / (1.0 + np.exp(-(X @ spam.coef + spam.intercept)))[idx] if X is not None else np.zeros(len(arr))
    pa_ = (
        1.0 / (1.0 + np.exp(-(X @ attack.coef + attack.intercept)))[idx]
        if X is not None
        else np.zeros(len(arr))
    )
    sent = _sentiment(arr) if sentiment is None else sentiment
    rules = np.asarray(rule_quality(arr).to_numpy(zero_copy_only=False), dtype=object)
    wordless = (rules == "mention_only") | (rules == "emoji_only")
    is_spam = (ps >= spam.threshold) & ~wordless
    is_attack = (pa_ >= ATTACK_MIN_PROBABILITY) & (sent <= ATTACK_MAX_SENTIMENT) & ~wordless & ~is_spam
    quality = np.where(is_spam, "spam", np.where(is_attack, "attack", rules))
    return pa.table(
        {
            "spam_probability": pa.array(np.round(ps, 6)),
            "is_spam": pa.array(is_spam),
            "attack_probability": pa.array(np.round(pa_, 6)),
            "is_attack": pa.array(is_attack),
            "quality": pa.array(quality.astype(str), pa.string()),
            "sentiment": pa.array(np.round(sent, 4)),
        }
    )


def _sentiment(texts: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """VADER compound (−1…1) from :mod:`tribescope.features.sentiment` (cached, vectorised over distinct texts)."""
    try:
        from tribescope.features.sentiment import sentiment_scores
    except ImportError:  # pragma: no cover - the features package ships with tribescope
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        an = SentimentIntensityAnalyzer()
        enc = pc.fill_null(texts.cast(pa.string()), "").dictionary_encode()
        vals = np.array([an.polarity_scores(s)["compound"] for s in enc.dictionary.to_pylist()])
        return np.asarray(vals[enc.indices.to_numpy(zero_copy_only=False)])
    return np.asarray(sentiment_scores(texts), dtype=float)


def score_comments(table: pa.Table, text_column: str = "text") -> pa.Table:
    """``table`` plus ``spam_probability, is_spam, quality, sentiment, attack_probability``."""
    texts = (
        table[text_column]
        if text_column in table.column_names
        else pa.chunked_array([pa.nulls(table.num_rows, pa.string())])
    )
    q = comment_quality(texts)
    out = table
    for name in ("spam_probability", "is_spam", "quality", "sentiment", "attack_probability"):
        if name in out.column_names:
            out = out.drop_columns([name])
        out = out.append_column(name, q[name])
    return out
