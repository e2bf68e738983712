"""Comment quality: spam and personal-attack models, rule-based quality classes, sentiment — in the engine.

Everything here is an Ibis expression over a table of *distinct* texts (DuckDB or PySpark; comment streams
repeat a lot: "nice", emoji, copy-paste spam), so nothing is scored per row in Python:

1. **normalise** (:func:`normalised_text`): HTML tags and entities removed, links → ``urltoken``, @mentions
   removed, lower case — the regexes of :func:`normalise` (RE2 in Arrow and DuckDB), each guarded by a cheap
   ``contains`` so texts without ``<``, ``&``, ``.`` or ``@`` skip it;
2. **tokenise**: split on runs of non-word characters (``[^\\p{L}\\p{N}_]+``), word 1-grams plus 2-grams of
   neighbouring tokens (``range`` + ``map`` over the token array), unnested to one row per n-gram;
3. **apply** both linear models at once: an inner join with the shipped n-gram weights
   (``models/spam.json``, ``models/attack.json``; one row per n-gram with ``w_spam``, ``w_attack``), summed per
   text, ``P = σ(b + Σ w·count / n^p)`` with ``n`` the text's n-gram count and ``p`` the model's
   ``length_power`` (0 for spam: raw counts; 0.5 for attack);
4. **rules** (:func:`tribescope.features._rules.quality_rule`) and **sentiment** (VADER compound, from
   ``tribescope.features.sentiment.sentiment_table`` when present, else ``sentiment_scores`` on the distinct
   texts), combined into the quality class.

On DuckDB steps 1–4 run instead as one pyarrow UDF over Arrow batches (:func:`_arrow_features`:
:mod:`tribescope.features._text_arrow` for the models and rules, :mod:`tribescope.features._vader_arrow` for
VADER; the same definitions, ~3× less CPU on real comments, equal figures); PySpark runs the expressions.

* Spam — trained on the YouTube Spam Collection (Alberto, Lochter & Almeida, "TubeSpam", ICMLA 2015); the
  ``DATE`` column is never read (empty for every Eminem spam row).
* Attack — trained on the last comment of the CMV chains of Habernal et al., "Before Name-calling", NAACL 2018:
  ad hominem (removed for Rule 2) vs delta-awarded; only the comment's own text (no chain length, no labels).

Quality classes (first rule that fires wins; the weak-labelling rules are documented in docs/authenticity.md):
``mention_only`` (nothing but @mentions, emoji, punctuation) → ``emoji_only`` (no letter or digit) → ``spam``
(spam model) → ``attack`` (attack model, where VADER is negative) → ``generic`` (≤ 3 words, or every word from the
generic-praise lexicon :data:`GENERIC_WORDS`) → ``substantive``.

:func:`update_comment_features` keeps the workspace table ``comment_features`` (one row per comment) up to
date incrementally: only comments whose ``(platform, comment_id, text_hash)`` is not stored with the current
:func:`features_version` are computed.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tribescope.authenticity._accounts import ModelError, _major
from tribescope.features._rules import quality_rule, quality_rules

__all__ = [
    "COMMENT_FEATURE_COLUMNS",
    "GENERIC_WORDS",
    "QUALITY_CLASSES",
    "TextModel",
    "comment_quality",
    "features_version",
    "load_text_model",
    "normalise",
    "normalised_text",
    "rule_quality",
    "score_comments",
    "text_features",
    "text_grams",
    "text_model_scores",
    "update_comment_features",
]

QUALITY_CLASSES = ("substantive", "generic", "emoji_only", "mention_only", "spam", "attack")
#: bumped when the rules or the way the features are combined change (part of :func:`features_version`); 3: an
#: @mention is the rule features' MENTION_PATTERN (handles in any script), as the score's rule features read it
RULES_VERSION = "3"
#: version of the spam/attack models this code reads (vocabulary logistic regressions over :func:`text_grams`,
#: applied in the engine). Its major number changes with the tokenisation or the model's form: a file of another
#: major version is refused by :meth:`TextModel.loads`
TEXT_MODEL_VERSION = "2.0.0"
COMMENT_FEATURE_COLUMNS = (
    "platform",
    "comment_id",
    "text_hash",
    "spam_probability",
    "is_spam",
    "attack_probability",
    "is_attack",
    "quality",
    "sentiment",
    "model_version",
)
TABLE = "comment_features"
#: columns stored without DuckDB's string compression: unique per row (ids, md5 hex), see ``Workspace.write_table``
_UNCOMPRESSED = ("comment_id", "text_hash")

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


_HTML = r"<[^>]{0,200}>"
_ENTITIES = (("&#39;", "'"), ("&quot;", '"'), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&nbsp;", " "))
_URL = r"(https?://|www\.)\S+|\b\S+\.(com|net|org|ly|co|be|me|io)(/\S*)?\b"
_MENTION = r"@[\w.]+"  # @mentions carry no spam signal (and none in training)
#: what separates tokens: sklearn's ``(?u)\b\w+\b`` tokens, written for RE2 (Arrow, DuckDB) and Java
_TOKEN_SPLIT = r"[^\p{L}\p{N}_]+"


def normalise(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Lower-cased text with HTML removed, links → ``urltoken`` and @mentions removed (Arrow kernels).

    The reference for :func:`normalised_text` (the same RE2 patterns, applied in the engine)."""
    t = pc.fill_null(texts.cast(pa.string()), "")
    if isinstance(t, pa.ChunkedArray):
        t = t.combine_chunks()
    t = pc.replace_substring_regex(t, _HTML, " ")
    for ent, ch in _ENTITIES:
        t = pc.replace_substring(t, ent, ch)
    t = pc.utf8_lower(t)
    t = pc.replace_substring_regex(t, _URL, " urltoken ")
    t = pc.replace_substring_regex(t, _MENTION, " ")
    return t  # type: ignore[no-any-return]


def normalised_text(text: ir.StringValue) -> ir.StringValue:
    """:func:`normalise` as an engine expression; each regex runs only where its trigger character occurs."""
    t = text.fill_null("")
    t = ibis.ifelse(t.contains("<"), t.re_replace(_HTML, " "), t)
    ents = t
    for ent, ch in _ENTITIES:
        ents = ents.replace(ent, ch)
    t = ibis.ifelse(t.contains("&"), ents, t).lower()
    t = ibis.ifelse(t.contains(".") | t.contains("://"), t.re_replace(_URL, " urltoken "), t)
    return ibis.ifelse(t.contains("@"), t.re_replace(_MENTION, " "), t)


def text_grams(texts: pa.Array | pa.ChunkedArray | list[str | None]) -> list[list[str]]:
    """Word 1-grams then 2-grams of each text (after :func:`normalise`), computed in Python — the reference for
    the engine's tokenisation in :func:`text_model_scores` and what training counts."""
    arr = texts if isinstance(texts, pa.Array | pa.ChunkedArray) else pa.array(texts, pa.string())
    out = []
    for toks in pc.split_pattern_regex(normalise(arr), _TOKEN_SPLIT).to_pylist():
        t = [w for w in toks if w]
        out.append(t + [f"{a} {b}" for a, b in itertools.pairwise(t)])
    return out


@dataclass
class TextModel:
    """A shipped linear n-gram model: ``P = σ(b + Σ_g w_g·count_g / n^p)`` over :func:`text_grams`.

    ``weights`` maps a word 1- or 2-gram to its weight, ``n`` is the text's number of n-grams (≥ 1) and
    ``p = length_power``. Applied in the engine by :func:`text_model_scores`; :meth:`predict_proba_python` is the
    plain-Python reference (used for training and in tests).
    """

    name: str
    weights: dict[str, float]
    intercept: float
    threshold: float = 0.5
    length_power: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "0"))

    def decision_python(self, grams: list[list[str]]) -> np.ndarray:
        w = self.weights
        z = [
            sum(w.get(g, 0.0) for g in gs)
            / (max(1, len(gs)) ** self.length_power if self.length_power else 1.0)
            for gs in grams
        ]
        return np.asarray(z, dtype=np.float64) + self.intercept

    def predict_proba_python(self, texts: pa.Array | pa.ChunkedArray | list[str | None]) -> np.ndarray:
        """Probability per text, in plain Python over :func:`text_grams` (the reference for the engine)."""
        z = self.decision_python(text_grams(texts))
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def predict_proba(self, texts: pa.Array | pa.ChunkedArray | list[str | None]) -> np.ndarray:
        """Probability per text, computed in the engine (once per distinct text)."""
        col = f"{self.name}_probability"
        if self.name not in ("spam", "attack"):
            return self.predict_proba_python(texts)
        res = _run_on_texts(texts, lambda t: text_model_scores(t, "text_hash", "text", models=_with(self)))
        return np.asarray(res[col].to_numpy(zero_copy_only=False), dtype=np.float64)

    def dumps(self) -> bytes:
        doc = {
            "name": self.name,
            "intercept": self.intercept,
            "threshold": self.threshold,
            "length_power": self.length_power,
            "meta": self.meta,
            "weights": dict(sorted(self.weights.items())),
        }
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def loads(cls, name: str, data: bytes) -> TextModel:
        """The ``name`` model serialised by :meth:`dumps`; :class:`ModelError` when the file holds another model
        (an ``attack.json`` copied over ``spam.json`` scored every comment with the attack weights as "spam") or
        was written for another major version than :data:`TEXT_MODEL_VERSION`."""
        doc = json.loads(data.decode())
        model = cls(
            name,
            {str(k): float(v) for k, v in doc["weights"].items()},
            float(doc["intercept"]),
            float(doc["threshold"]),
            float(doc.get("length_power", 0.0)),
            dict(doc.get("meta", {})),
        )
        held = {doc.get("name"), model.meta.get("name", doc.get("name"))}
        if held != {name}:
            raise ModelError(
                f"the file holds the {' / '.join(map(str, sorted(held, key=str)))} model, not {name}"
            )
        version = model.meta.get("version")
        if _major(version) != _major(TEXT_MODEL_VERSION):
            raise ModelError(
                f"{name} model version {version or '(none recorded)'} is not readable by this tribescope, which "
                f"reads version {_major(TEXT_MODEL_VERSION)}.x"
            )
        return model


_TEXT_CACHE: dict[str, TextModel] = {}


def load_text_model(name: str) -> TextModel:
    """``spam`` or ``attack``: the shipped model ``tribescope/authenticity/models/<name>.json``."""
    if name not in _TEXT_CACHE:
        try:
            data = resources.files("tribescope.authenticity").joinpath("models", f"{name}.json").read_bytes()
        except FileNotFoundError:
            raise ModelError(
                f"model file models/{name}.json is missing from the tribescope package; "
                f"reinstall tribescope or rebuild it with `tribescope train comments`"
            ) from None
        try:
            _TEXT_CACHE[name] = TextModel.loads(name, data)
        except ModelError as exc:  # another model's or another version's file
            raise ModelError(
                f"model file models/{name}.json: {exc}; reinstall tribescope or rebuild it with "
                "`tribescope train comments`"
            ) from None
        except (
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
        ) as exc:  # bad JSON, a missing or mistyped field
            raise ModelError(
                f"model file models/{name}.json is not a valid {name} model ({type(exc).__name__}: {exc}); "
                "reinstall tribescope or rebuild it with `tribescope train comments`"
            ) from None
    return _TEXT_CACHE[name]


def _with(model: TextModel) -> dict[str, TextModel]:
    other = "attack" if model.name == "spam" else "spam"
    return {model.name: model, other: load_text_model(other)}


_WEIGHTS_CACHE: dict[tuple[Any, ...], pa.Table] = {}


def _weights_table(spam: TextModel, attack: TextModel) -> pa.Table:
    """One row per n-gram of either model: ``gram, w_spam, w_attack`` (0 where a model lacks it)."""
    key = (id(spam), id(attack), len(spam.weights), len(attack.weights), spam.intercept, attack.intercept)
    if key not in _WEIGHTS_CACHE:
        grams = sorted(set(spam.weights) | set(attack.weights))
        _WEIGHTS_CACHE.clear()
        _WEIGHTS_CACHE[key] = pa.table(
            {
                "_gram": pa.array(grams, pa.string()),
                "_w_spam": pa.array([spam.weights.get(g, 0.0) for g in grams], pa.float64()),
                "_w_attack": pa.array([attack.weights.get(g, 0.0) for g in grams], pa.float64()),
            }
        )
    return _WEIGHTS_CACHE[key]


def text_model_scores(
    t: ir.Table, key: str = "text_hash", text: str = "text", *, models: dict[str, TextModel] | None = None
) -> ir.Table:
    """``key, spam_probability, attack_probability`` for each row of ``t`` (one row per ``key``), in the engine.

    One tokenisation serves both models: n-grams are unnested, inner-joined with the weights table and summed
    per text; texts without a known n-gram get the intercept alone.
    """
    models = models or {"spam": load_text_model("spam"), "attack": load_text_model("attack")}
    # texts without a known n-gram: Σ = 0 whatever n is
    m = t.select(key).left_join(_model_sums(t, key, text, models), key)
    return m.select(
        m[key],
        spam_probability=_probability(models["spam"], m._s_spam, m._n),
        attack_probability=_probability(models["attack"], m._s_attack, m._n),
    )


def _probability(model: TextModel, total: ir.FloatingValue, n: ir.FloatingValue) -> ir.FloatingValue:
    """``σ(b + Σ / n^p)`` from a left join with :func:`_model_sums` (null Σ: no known n-gram, Σ = 0)."""
    z = total.fill_null(0.0)
    if model.length_power:
        z = z / n.fill_null(1.0).pow(model.length_power)
    z = z + model.intercept
    return 1.0 / (1.0 + (-z).exp())


def _model_sums(t: ir.Table, key: str, text: str, models: dict[str, TextModel]) -> ir.Table:
    """``key, _n, _s_spam, _s_attack`` (n-gram count, Σ weight·count per model) for the texts of ``t`` with at
    least one n-gram either model knows."""
    spam, attack = models["spam"], models["attack"]
    toks = normalised_text(t[text]).re_split(_TOKEN_SPLIT).filter(lambda w: w != "")
    n = t.select(key, _toks=toks)
    tk = n._toks
    n_tok = tk.length()
    # the L tokens, then the L − 1 bigrams, in one list (an array concat would build the bigrams twice in SQL)
    grams = ibis.range(0, n_tok * 2 - 1).map(
        lambda i: ibis.ifelse(i < n_tok, tk[i], tk[i - n_tok].concat(" ", tk[i - n_tok + 1]))
    )
    n_grams = ibis.greatest(n_tok * 2 - 1, 1).cast("float64")
    g = n.select(key, _n=n_grams, _g=grams).unnest("_g")
    w = ibis.memtable(_weights_table(spam, attack))
    j = g.join(w, g._g == w._gram)
    return j.group_by(key).agg(_n=j._n.max(), _s_spam=j._w_spam.sum(), _s_attack=j._w_attack.sum())


# --------------------------------------------------------------------------- rules, sentiment, quality
def _sentiment_table(t: ir.Table, key: str, text: str) -> tuple[ir.Table, str]:
    """``key, sentiment`` (VADER compound; a key without a row scores 0) and which implementation produced it.

    ``t`` has one row per key."""
    from tribescope.features import sentiment as vader

    engine = getattr(vader, "sentiment_scores_nonzero", None)
    if engine is not None:
        return engine(t, [key], text, unique=True), "engine"
    a = t.select(key, text).to_pyarrow()
    vals = vader.sentiment_scores(a[text]) if a.num_rows else np.zeros(0)
    return (
        ibis.memtable(pa.table({key: a[key], "sentiment": pa.array(vals, pa.float64())})),
        "python",
    )


def features_version() -> str:
    """What a stored ``comment_features`` row was computed with: both models, the rules, the sentiment source."""
    from tribescope.features import sentiment as vader

    kind = "engine" if hasattr(vader, "sentiment_table") else "python"
    return (
        f"spam-{load_text_model('spam').version}+attack-{load_text_model('attack').version}"
        f"+rules-{RULES_VERSION}+sentiment-{kind}-{vader.SENTIMENT_VERSION}"
    )


#: the attack model reads argument-length, hostile text: it is applied only where VADER is negative and at a
#: stricter cut-off than on CMV, because compliments and questions are far from both CMV classes
ATTACK_MIN_PROBABILITY = 0.8
ATTACK_MAX_SENTIMENT = -0.05


def text_features(t: ir.Table, key: str = "text_hash", text: str = "text") -> ir.Table:
    """``key, spam_probability, is_spam, attack_probability, is_attack, quality, sentiment`` per row of ``t``.

    ``t`` has one row per ``key`` (distinct texts). Order of the quality rules: mention_only, emoji_only (no
    words to judge) → spam → attack → generic → substantive.
    """
    models = {"spam": load_text_model("spam"), "attack": load_text_model("attack")}
    spam = models["spam"]
    if ARROW_ON_DUCKDB and _text_arrow_ok(t):
        j = _arrow_features(t, key, text, models)
    else:
        sums = _model_sums(t, key, text, models)
        sent, _ = _sentiment_table(t, key, text)
        r = quality_rules(t, key, text, GENERIC_WORDS).rename(_rule="quality")
        # one row per key on every side; keys missing from sums / sent: no known n-gram / sentiment 0
        j = r.left_join(sums, key).left_join(sent, key)
    s = j.sentiment.fill_null(0.0)
    p_spam = _probability(spam, j._s_spam, j._n)
    p_attack = _probability(models["attack"], j._s_attack, j._n)
    wordless = j._rule.isin(["mention_only", "emoji_only"])
    is_spam = (p_spam >= spam.threshold) & ~wordless
    is_attack = (p_attack >= ATTACK_MIN_PROBABILITY) & (s <= ATTACK_MAX_SENTIMENT) & ~wordless & ~is_spam
    return j.select(
        j[key],
        spam_probability=p_spam.round(6),
        is_spam=is_spam,
        attack_probability=p_attack.round(6),
        is_attack=is_attack,
        quality=ibis.cases((is_spam, "spam"), (is_attack, "attack"), else_=j._rule),
        sentiment=s.round(4),
    )


#: On DuckDB, compute the text features with their Arrow/numpy forms in one pyarrow UDF (the n-gram sums
#: :func:`tribescope.features._text_arrow.model_sums`, the rules
#: :func:`tribescope.features._text_arrow.quality_labels`, VADER
#: :func:`tribescope.features._vader_arrow.vader_compound`) instead of the Ibis expressions (same figures; False:
#: the expressions everywhere). PySpark always runs the expressions.
ARROW_ON_DUCKDB = True


def _text_arrow_ok(t: ir.Table) -> bool:
    from tribescope.features import sentiment as vader
    from tribescope.features._vader_arrow import runs_in_duckdb

    return vader.ARROW_ON_DUCKDB and runs_in_duckdb(t)


_GRAMS_CACHE: dict[tuple[Any, ...], Any] = {}


def _gram_weights(spam: TextModel, attack: TextModel) -> Any:
    from tribescope.features._text_arrow import GramWeights

    key = (id(spam), id(attack), len(spam.weights), len(attack.weights))
    if key not in _GRAMS_CACHE:
        _GRAMS_CACHE.clear()
        _GRAMS_CACHE[key] = GramWeights(spam.weights, attack.weights)
    return _GRAMS_CACHE[key]


def _arrow_features(t: ir.Table, key: str, text: str, models: dict[str, TextModel]) -> ir.Table:
    """``key, _n, _s_spam, _s_attack, _rule, sentiment`` per row of ``t`` (one row per key), computed on Arrow
    batches in one pyarrow UDF; the same figures as :func:`_model_sums`, :func:`quality_rules` and the engine
    VADER (``_n``, ``_s_*`` are 0-sums rather than missing rows for texts without a known n-gram: the same
    probability)."""
    from tribescope.features import _text_arrow as A

    weights = _gram_weights(models["spam"], models["attack"])
    generic = pa.array(sorted(GENERIC_WORDS), pa.string())

    def compute(x: pa.Array) -> dict[str, Any]:
        return _arrow_columns(x, weights, generic)

    out = {
        "_n": "float64",
        "_s_spam": "float64",
        "_s_attack": "float64",
        "_q": "int8",
        "sentiment": "float64",
    }
    f = A.rows_through(t.select(key, _text=t[text]), [key], "_text", "text_features", out, compute)
    rule = ibis.cases(*[(f._q == i, lab) for i, lab in enumerate(A.LABELS)], else_=ibis.null("string"))
    return f.mutate(_rule=rule)


def _arrow_columns(x: pa.Array, weights: Any, generic: pa.Array) -> dict[str, Any]:
    """The UDF's columns for the texts ``x`` (see :func:`_arrow_features`)."""
    from tribescope.features import _text_arrow as A
    from tribescope.features._vader_arrow import vader_compound

    n, s_spam, s_attack = A.model_sums(normalise_guarded(x), weights)
    return {
        "_n": n,
        "_s_spam": s_spam,
        "_s_attack": s_attack,
        "_q": A.quality_labels(x, generic),
        "sentiment": vader_compound(x),
    }


#: texts that take the warm-up through every kernel and rule (HTML, entity, link, mention, emoji, caps, negation)
_WARM_TEXTS = (
    "<b>Love</b> this &amp; you @anna.fit!! 😍 check www.x.co/p not BAD at all, kind of great :)",
    "I hate this so much, you idiot… 👎",
    "",
    "🔥🔥",
    "@bob",
    "nice",
)
_WARMING: list[Any] = []


def warm_up_text_features(ws: Any) -> None:
    """Start loading what the first text-features call needs — the text models, VADER's lexicon and, when that call
    will run the compiled kernels, numba and their cached machine code (~1.4 CPU-s, once per process; most of it numba
    setting up its compiler) — on a background thread, when :func:`update_comment_features` will have comments to
    compute: the score's first stages run in DuckDB meanwhile. A no-op when the comments did not change, off DuckDB,
    or once started. Whether the kernels will run is :func:`tribescope.features._kernels.wanted` of the texts to
    compute (:func:`_texts_to_compute`, counted on a cursor of ``ws`` on that thread)."""
    if _WARMING or not ARROW_ON_DUCKDB or ws.backend != "duckdb" or ws.read_only:
        return
    if _up_to_date(ws, features_version()):
        return
    import threading

    from tribescope.features import _kernels

    cur = ws.cursor() if _kernels.available() else None

    def warm() -> None:
        try:
            use = False
            if cur is not None:
                with cur:
                    use = _kernels.wanted(_texts_to_compute(cur))  # (loads the kernels when they will run)
            from tribescope.features import sentiment as vader

            if vader.ARROW_ON_DUCKDB:
                weights = _gram_weights(load_text_model("spam"), load_text_model("attack"))
                with _kernels.using(use):
                    _arrow_columns(
                        pa.array(_WARM_TEXTS), weights, pa.array(sorted(GENERIC_WORDS), pa.string())
                    )
        except Exception:  # only a head start: the real call reports any problem itself
            pass

    t = threading.Thread(target=warm, name="tribescope-warm-text", daemon=True)
    _WARMING.append(t)
    t.start()


def _texts_to_compute(ws: Any) -> int:
    """About how many texts the next :func:`update_comment_features` of ``ws`` hands the text features: every distinct
    text when no row of this features version is stored (the comments, an upper bound, when they are fewer than the
    kernels' bound), else the comments without such a row (comments edited in place are not counted: the update
    itself counts exactly, and only the warm-up reads this)."""
    from tribescope.features import _kernels
    from tribescope.ingest._base import sql_string

    stored = 0
    if ws.has_table(TABLE):
        cols = [d[0] for d in ws.duck.execute(f'SELECT * FROM "{TABLE}" LIMIT 0').description]
        if "model_version" in cols:
            # a literal, not a parameter: DuckDB's client imports pandas on the first parameter
            q = f'SELECT count(*) FROM "{TABLE}" WHERE model_version = {sql_string(features_version())}'
            stored = int(ws.duck.execute(q).fetchone()[0])
    n = int(ws.duck.execute("SELECT count(*) FROM comments").fetchone()[0])
    if stored or n < _kernels.MIN_TEXTS:
        # fewer comments than the bound means fewer distinct texts too: no scan of them
        return max(0, n - stored)
    return int(ws.duck.execute("SELECT count(DISTINCT coalesce(text, '')) FROM comments").fetchone()[0])


def normalise_guarded(texts: pa.Array) -> pa.Array:
    """:func:`normalised_text` on Arrow: :func:`normalise` with the same guards (each regex only on the texts
    holding its trigger)."""
    from tribescope.features._text_arrow import normalised

    return normalised(texts, _HTML, _ENTITIES, _URL, _MENTION)


def _run_on_texts(texts: pa.Array | pa.ChunkedArray | list[str | None], fn: Any) -> pa.Table:
    """Run ``fn(table[text_hash, text]) -> table[text_hash, …]`` on the distinct texts in an in-memory DuckDB; rows in input order."""
    arr = texts if isinstance(texts, pa.Array | pa.ChunkedArray) else pa.array(texts, pa.string())
    arr = pc.fill_null(arr.cast(pa.string()), "")
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    enc = arr.dictionary_encode()
    uniq = pa.table(
        {
            "text_hash": pa.array(np.arange(len(enc.dictionary), dtype=np.int64)),
            "text": enc.dictionary.cast(pa.string()),
        }
    )
    con = ibis.duckdb.connect()
    try:
        res = con.to_pyarrow(fn(ibis.memtable(uniq)).order_by("text_hash"))
    finally:
        con.disconnect()
    return res.take(pa.array(enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)))


def rule_quality(texts: pa.Array | pa.ChunkedArray | list[str | None] | str) -> pa.Array:
    """``mention_only`` | ``emoji_only`` | ``generic`` | ``substantive`` by the weak-labelling rules
    (:func:`tribescope.features._rules.quality_rule` with :data:`GENERIC_WORDS`, run in the engine), one per text.
    One ``str`` alone is one text (a one-row result), not a list of its characters.

    * mention_only: at least one @mention and nothing else but emoji, punctuation and spaces;
    * emoji_only: no letter or digit at all (and not empty);
    * generic: ≤ 3 words (letters/digits runs) after removing @mentions, or every word in :data:`GENERIC_WORDS`;
    * substantive: the rest. Empty text is ``generic``.
    """
    if isinstance(texts, str):  # one text, not its characters one by one
        texts = [texts]
    res = _run_on_texts(texts, lambda t: t.select("text_hash", quality=quality_rule(t.text, GENERIC_WORDS)))
    return res["quality"].combine_chunks()


def comment_quality(texts: pa.Array | pa.ChunkedArray | list[str | None] | str) -> pa.Table:
    """Per text: ``spam_probability``, ``is_spam``, ``attack_probability``, ``is_attack``, ``quality``, ``sentiment``
    (:func:`text_features` over the distinct texts, run in an in-memory DuckDB); one row per text, in order.
    One ``str`` alone is one text (one row), not a list of its characters."""
    if isinstance(texts, str):  # one text, not its characters one by one
        texts = [texts]
    res = _run_on_texts(texts, lambda t: text_features(t, "text_hash", "text"))
    return res.drop_columns(["text_hash"])


def score_comments(table: pa.Table, text_column: str = "text") -> pa.Table:
    """``table`` plus ``spam_probability, is_spam, quality, sentiment, attack_probability``.

    ``table`` (Arrow) must hold ``text_column``: a table without it is a :class:`ValueError` naming the column and
    the columns it has, rather than every row scored as an empty text."""
    if not isinstance(table, pa.Table):
        raise TypeError(
            f"score_comments takes a pyarrow Table with a {text_column!r} column, not {type(table).__name__}; "
            "for a list of texts use comment_quality(texts)"
        )
    if text_column not in table.column_names:
        raise ValueError(
            f"score_comments: the table has no {text_column!r} column to score (its columns: "
            f"{', '.join(table.column_names) or 'none'}); name the text column with text_column="
        )
    texts = table[text_column]
    q = comment_quality(texts)
    out = table
    for name in ("spam_probability", "is_spam", "quality", "sentiment", "attack_probability"):
        if name in out.column_names:
            out = out.drop_columns([name])
        out = out.append_column(name, q[name])
    return out


# --------------------------------------------------------------------------- the workspace table
def update_comment_features(ws: Any, *, store: bool | None = None) -> ir.Table:
    """The ``comment_features`` table, brought up to date incrementally; one row per comment.

    Columns :data:`COMMENT_FEATURE_COLUMNS`; ``text_hash = md5(text)``. Rows stored with the current
    :func:`features_version` whose ``(platform, comment_id, text_hash)`` still matches a comment are kept; only
    the other comments are computed (once per distinct text), and rows of deleted comments are dropped. On a
    writable DuckDB workspace (``store=None``) the table is written with one ``CREATE OR REPLACE`` the first time
    and then updated in place (stale rows deleted, new rows inserted, one transaction: the old table or the new
    one, never neither); on a read-only workspace or PySpark it is returned as an expression.
    When the comments' :func:`_comments_signature` and the features version are those the table was last written
    at, it is returned at once (no text is hashed).
    """
    if store is None:
        store = ws.backend == "duckdb" and not ws.read_only
    version = features_version()
    signature = _comments_signature(ws) if store else None
    if signature is not None and _up_to_date(ws, version, signature):
        return ws.table(TABLE)  # no comment added, edited or deleted since the table was written
    keys = ["platform", "comment_id", "text_hash"]
    c = ws.table("comments")
    cur = c.select("platform", "comment_id", text_hash=c.text.fill_null("").hexdigest("md5"), text=c.text)
    old = None
    if ws.has_table(TABLE):
        stored = ws.table(TABLE)
        if set(COMMENT_FEATURE_COLUMNS) <= set(stored.columns):
            old = stored.filter(stored.model_version == version).select(*COMMENT_FEATURE_COLUMNS)
    if store and old is not None:
        return _update_in_place(ws, c, old, version, signature)
    if old is not None:
        hit = old.select(*keys, _hit=ibis.literal(True))
        m = cur.select(*keys).left_join(hit, keys)
        stats = m.agg(todo=m._hit.isnull().sum(), keep=m._hit.notnull().sum()).to_pyarrow().to_pylist()[0]
        n_stored = int(ws.table(TABLE).count().to_pyarrow().as_py())
        if store and not stats["todo"] and stats["keep"] == n_stored:
            _store_signature(ws, signature, version)
            return ws.table(TABLE)  # up to date: nothing to compute, nothing to drop
        keep = old.semi_join(cur, keys)
        todo = cur.anti_join(old, keys)
    else:
        keep, todo = None, None
    new = _feature_rows(todo, keys, version) if todo is not None else _all_feature_rows(c, version)
    if not store:
        return new if keep is None else keep.union(new)
    # straight into the workspace table (no temporary copy of every row to write again)
    out = new if keep is None else keep.union(new)
    ws.write_table(TABLE, out, uncompressed=_UNCOMPRESSED)
    _store_signature(ws, signature, version)
    return ws.table(TABLE)


def _feature_rows(todo: ir.Table, keys: list[str], version: str) -> ir.Table:
    """``comment_features`` rows of the comments in ``todo`` (``keys`` + ``text``): the text features are
    computed once per distinct ``text_hash``."""
    distinct = todo.select("text_hash", "text").distinct(on="text_hash")
    feats = text_features(distinct, "text_hash", "text")
    return (
        todo.select(*keys)
        .join(feats, "text_hash")
        .mutate(model_version=ibis.literal(version))
        .select(*COMMENT_FEATURE_COLUMNS)
    )


def _all_feature_rows(c: ir.Table, version: str) -> ir.Table:
    """``comment_features`` rows of every comment of ``c``: :func:`_feature_rows` without the md5 of every comment.

    The comments are grouped by their text (``coalesce(text, '')``, what ``text_hash`` is the md5 of), the md5 is
    taken once per distinct text, and the features are joined back on that text: the same rows as grouping and
    joining by ``text_hash``, with the md5 of the distinct texts only (on real comments a fifth to a third of them)."""
    k = c.text.fill_null("")
    d = c.select(_k=k, text=c.text).distinct(on="_k")  # the first non-null text of each key, as _feature_rows
    d = d.mutate(text_hash=d._k.hexdigest("md5"))
    feats = text_features(d.select("text_hash", "text"), "text_hash", "text")
    per_text = d.select("_k", "text_hash").join(feats, "text_hash")
    return (
        c.select("platform", "comment_id", _k=k)
        .join(per_text, "_k")
        .mutate(model_version=ibis.literal(version))
        .select(*COMMENT_FEATURE_COLUMNS)
    )


def _update_in_place(ws: Any, c: ir.Table, old: ir.Table, version: str, signature: str | None) -> ir.Table:
    """Bring the stored table up to date in place: the md5 of every text is taken once (into a temporary key
    table), stale rows (deleted or edited comments, other features versions) are deleted and the new rows
    inserted in one transaction (the old table or the new one, never a mix) — no rewrite of the unchanged rows."""
    keys = ["platform", "comment_id", "text_hash"]
    cur_t, tmp = "_tribescope_comment_keys", "_tribescope_comment_features_new"
    ws.con.create_table(
        cur_t,
        c.select("platform", "comment_id", text_hash=c.text.fill_null("").hexdigest("md5")),
        temp=True,
        overwrite=True,
    )
    try:
        cur = ws.con.table(cur_t)
        todo_keys = cur.anti_join(old, keys)
        n_todo = int(todo_keys.count().to_pyarrow().as_py())
        if n_todo:
            txt = c.select(_t_platform="platform", _t_id="comment_id", text="text")
            todo = todo_keys.join(
                txt, [todo_keys.platform == txt._t_platform, todo_keys.comment_id == txt._t_id]
            ).select(*keys, "text")
            new = _feature_rows(todo, keys, version)
            ws.con.create_table(tmp, new, temp=True, overwrite=True)
        cols = ", ".join(f'"{x}"' for x in COMMENT_FEATURE_COLUMNS)
        with ws.transaction():
            ws.delete_rows(
                f'DELETE FROM "{TABLE}" t WHERE t.model_version IS DISTINCT FROM ? OR NOT EXISTS '
                f'(SELECT 1 FROM "{cur_t}" k WHERE k.platform = t.platform AND k.comment_id = t.comment_id '
                "AND k.text_hash = t.text_hash)",
                [version],
            )
            if n_todo:
                ws.duck.execute(f'INSERT INTO "{TABLE}" ({cols}) SELECT {cols} FROM "{tmp}"')
    finally:
        ws.duck.execute(f'DROP TABLE IF EXISTS "{tmp}"')
        ws.duck.execute(f'DROP TABLE IF EXISTS "{cur_t}"')
    _store_signature(ws, signature, version)
    return ws.table(TABLE)


#: one row: the :func:`_comments_signature` and features version ``comment_features`` was last brought up to date at
SIGNATURE_TABLE = "_comment_features_state"


def _comments_signature(ws: Any) -> str:
    """Row count and the sum of a 64-bit hash of ``(platform, comment_id, text)`` over ``comments``: any comment
    added, deleted or edited changes it. One scan in DuckDB (≈ 0.1 CPU-s per 1M comments, against ≈ 1.5 s for the
    md5 of every text and the join with the stored keys), so an unchanged workspace is known without hashing texts."""
    n, h = ws.duck.execute(
        "SELECT count(*), sum(hash(platform, comment_id, coalesce(text, '')))::HUGEINT FROM comments"
    ).fetchone()
    return f"{n}:{h}"


def _up_to_date(ws: Any, version: str, signature: str | None = None) -> bool:
    """Whether ``comment_features`` was last written for the comments' current :func:`_comments_signature` (given, or
    taken here) and this features version. The stored signature is read first: when there is none (no table written
    yet) the comments are not scanned."""
    stored = _stored_signature(ws)
    if stored is None:
        return False
    sig = signature if signature is not None else _comments_signature(ws)
    return stored == (sig, version) and ws.has_table(TABLE)


def _stored_signature(ws: Any) -> tuple[str, str] | None:
    if not ws.has_table(SIGNATURE_TABLE):
        return None
    row = ws.duck.execute(f"SELECT signature, model_version FROM {SIGNATURE_TABLE} LIMIT 1").fetchone()
    return (str(row[0]), str(row[1])) if row else None


def _store_signature(ws: Any, signature: str | None, version: str) -> None:
    if signature is None:
        return
    ws.duck.execute(
        f"CREATE OR REPLACE TABLE {SIGNATURE_TABLE} AS SELECT ?::VARCHAR AS signature, ?::VARCHAR AS model_version",
        [signature, version],
    )


# --------------------------------------------------------------------------- throughput (benchmarks)
def measure_text_features(
    texts: pa.Array | pa.ChunkedArray | list[str | None], *, threads: int = 2, sentiment: bool = True
) -> dict[str, float]:
    """Time :func:`text_features` on ``texts`` in an in-memory DuckDB with ``threads`` threads.

    The texts are loaded as a table first (not timed); then one statement computes ``text_hash`` (md5), the
    distinct texts and every feature into a table. Returns ``comments``, ``distinct``, ``seconds`` (wall),
    ``cpu_seconds`` (this process), ``per_s`` (comments / wall second) and ``per_s_cpu`` (comments per second
    if the threads had their cores to themselves: comments / (cpu_seconds / threads)); with ``sentiment=False``
    only the two models and the rules are timed.
    """
    import resource
    import time

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    arr = texts if isinstance(texts, pa.Array | pa.ChunkedArray) else pa.array(texts, pa.string())
    con = ibis.duckdb.connect(threads=threads)
    try:
        src = con.create_table("_texts", pa.table({"text": arr}), temp=True)
        d = src.select(text_hash=src.text.fill_null("").hexdigest("md5"), text=src.text)
        d = d.distinct(on="text_hash")
        if sentiment:
            expr = text_features(d, "text_hash", "text")
        else:
            r = quality_rules(d, "text_hash", "text", GENERIC_WORDS)
            expr = r.join(text_model_scores(d, "text_hash", "text"), "text_hash")
        t0, c0 = time.perf_counter(), cpu()
        out = con.create_table("_features", expr, temp=True)
        wall, used = time.perf_counter() - t0, cpu() - c0
        n_distinct = int(out.count().to_pyarrow().as_py())
    finally:
        con.disconnect()
    n = len(arr)
    return {
        "comments": n,
        "distinct": n_distinct,
        "seconds": round(wall, 3),
        "cpu_seconds": round(used, 3),
        "per_s": round(n / wall),
        "per_s_cpu": round(n / max(used / threads, 1e-9)),
    }
