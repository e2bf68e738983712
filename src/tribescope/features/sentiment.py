"""Comment sentiment with VADER (Hutto & Gilbert, ICWSM 2014), fast enough for whole exports.

VADER is a lexicon and rule model tuned for social-media text. Two implementations live here.

**Reference (Python):** :func:`sentiment_scores` runs ``vaderSentiment`` itself (~30k texts/s per core)
and makes it cheap:

1. **normalise** each text (drop @-mentions and links, collapse whitespace — none of which VADER scores)
   and score each *distinct* normalised text once (social comments repeat a lot: "❤️", "so cute!");
2. **skip** texts VADER provably scores 0: ASCII-only texts none of whose tokens (raw or stripped of
   ``string.punctuation`` as VADER strips it, lower-cased) is in the lexicon — VADER only ever gives
   valence to lexicon items, so their compound is exactly 0;
3. **cache** scores across calls (bounded dict);
4. **parallelise** the remaining distinct texts over worker processes when there are many.

The result is identical to ``SentimentIntensityAnalyzer().polarity_scores(normalised)["compound"]`` with the
analyzer's emoji table updated by :data:`EMOJI_OVERRIDES` (the invisible U+FE0F / U+FE0E / U+200D of emoji sequences
read as a word break, so "❤️" scores as "❤").

**Engine (Ibis):** :func:`sentiment_table` computes the same compound score as Ibis expressions, so it
runs inside DuckDB (vectorised) or Spark; it is tested equal on both (1e-9). Method:

1. normalise as above (links, then @-mentions → " "), with regexes in the subset RE2 and
   ``java.util.regex`` read alike;
2. emoji → description as VADER does (single code points of ``vader_emoji_lexicon.txt`` with
   :data:`EMOJI_OVERRIDES`, a space before, glued to what follows — U+FE0F is an "emoji" with an empty
   description, so "❤️" becomes "red heart" + " " and scores as "❤"): the emoji of a text in order (one regex)
   are looked up by a join once per *distinct* sequence, and texts with emoji are split at them and rebuilt;
3. split on Python's whitespace set (a plain split on " " for texts with no other whitespace), one row
   per word with its position (``unnest``); each *distinct* word is stripped of ``string.punctuation``
   unless ≤ 2 characters remain, lower-cased and looked up in the *vocabulary* (``vader_lexicon.txt``
   valences, booster/dampener increments, negation words, and every word a rule compares with), and
   only words some rule looks at are kept (an inner join of the words with that table);
4. window functions (``lag``/``lead`` over positions) give each lexicon word its neighbours 1–3 before
   and 1–2 after — a position with no kept word holds a word no rule looks at — and a running count of
   "but"; each word travels as one integer (position, the number of the rule word it is, its flags),
   so the rules compare integers;
5. VADER's rules in its order: "no" before a lexicon word (×−0.74, and "no" itself loses its valence),
   ALL-CAPS emphasis (±0.733) when the text mixes ALL-CAPS and other words, boosters/dampeners 1–3
   words before (±0.293 ×1/0.95/0.9, +0.733 when ALL-CAPS), negation 1–3 words before (×−0.74; "n't"
   words count), "never so/this" (×1.25), "so/this" 1 word before when a 3rd word precedes (×1.25,
   VADER's quirk), "without doubt", the special idioms ("the shit", "kiss of death", "beating heart",
   …) and the "kind of"/"sort of"/"just enough" dampeners, "kind of" itself, "least" (×−0.74 unless
   "at/very least"), "but" (×0.5 before the first "but", ×1.5 after);
6. per text: sum, "!" emphasis (+0.292 each, up to 4) and "?" emphasis (2–3: +0.18 each, more: +0.96)
   in the direction of the sum, compound = s / sqrt(s² + 15).

**On DuckDB** the same method runs vectorised over Arrow batches instead (:mod:`tribescope.features._vader_arrow`,
in one pyarrow UDF that receives all texts as one list): Arrow string kernels and numpy, one row per word with
every per-word step done once per distinct word, shifts over the kept words in place of the window functions.
It equals the expressions within float rounding (≤ 2.3e-16 on every distinct Kim text; tested on hand-made texts,
30,000 Kim comments and against PySpark); PySpark runs the expressions (``ARROW_ON_DUCKDB = False``: expressions
on DuckDB too).

Not reproduced: (a) vaderSentiment 3.3.2's ``_but_check`` finds each valence by value
(``list.index``), so when a valence after "but" equals an already halved one before it, it halves the
earlier one again and leaves the later one unscaled — the engine applies the rule as intended;
(b) Unicode case mapping is the engine's: DuckDB lower-cases "İ" to "i" where Python and Java give
"i̇"; (c) the engine does not round to 4 decimals as ``polarity_scores`` does.

Agreement with the reference (``sentiment_scores``, i.e. vaderSentiment on the normalised text) —
Instagram comments of ``instagram_influencer_posts_kim/comments.train.jsonl.gz`` (495,260): Pearson
r = 0.999993, mean absolute error 0.000030, sign class (≥ 0.05 / ≤ −0.05 / neutral) equal for
100.000 % (2 texts differ), |Δ| ≥ 1e-4 for 81 texts (0.016 %, all (a) or (b)); YouTube spam collection
(1,586): r = 0.999890, MAE 0.000197, sign class equal for all, |Δ| ≥ 1e-4 for 3 texts (all (a)).

Throughput (DuckDB, 2 threads, the 495,260 Kim comments, ``python -m benchmarks.bench_sentiment``):
the Arrow form 94k texts per CPU-second (load 4.6–6); the expressions 43–50k texts per CPU-second including
~1 CPU-second of Ibis compilation per call, measured on a shared host under load (load average 6–10 on 2
cores), so wall-clock figures there are not meaningful. Where the expressions' CPU goes (DuckDB profile,
Kim): the window functions ~15 %, per-word rows (unnest, distinct words, join) ~18 %, whitespace split
and ALL-CAPS test ~15 %, emoji ~15 %, the rules after the window ~15 %.
"""

from __future__ import annotations

import os
import string
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "EMOJI_OVERRIDES",
    "SENTIMENT_VERSION",
    "add_sentiment",
    "clear_cache",
    "normalise_texts",
    "sentiment_scores",
    "sentiment_scores_nonzero",
    "sentiment_table",
]

_MENTION = r"@[\w.]+"
_URL = r"(?:https?://|www\.)\S+"
_CACHE: dict[str, float] = {}
_CACHE_MAX = 2_000_000
#: Below this many uncached distinct texts, scoring stays in this process.
PARALLEL_MIN = 40_000
#: On DuckDB, compute the engine VADER with the Arrow/numpy form (:mod:`tribescope.features._vader_arrow`) in a
#: pyarrow UDF instead of the Ibis expressions (False: the expressions everywhere; PySpark always uses them).
ARROW_ON_DUCKDB = True


#: Version of the sentiment definition (the emoji reading below); part of the comment features' stored version, so
#: a change recomputes the stored rows.
SENTIMENT_VERSION = "2"

#: Characters read otherwise than by vaderSentiment's emoji table. Both implementations read this one dict — the
#: reference's analyzer (:func:`_analyzer`) and the engine's emoji table (:func:`_vader_emoji`) — so they agree.
#:
#: U+FE0F / U+FE0E (emoji / text presentation) and U+200D (zero-width joiner) are invisible parts of an emoji
#: sequence. VADER glued them to the description's last word ("❤️" → "red heart\ufe0f", no lexicon word), so the
#: most common emoji in comments, ❤️ as phones send it, scored 0 while "❤" scored 0.64 (so did "👩‍❤️‍👨"). An empty
#: description reads them as a word break.
EMOJI_OVERRIDES: dict[str, str] = {"\ufe0e": "", "\ufe0f": "", "\u200d": ""}


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    a = SentimentIntensityAnalyzer()
    a.emojis.update(EMOJI_OVERRIDES)
    return a


@lru_cache(maxsize=1)
def _lexicon() -> frozenset[str]:
    a = _analyzer()
    return frozenset(a.lexicon) | frozenset(a.lexicon.keys())


def normalise_texts(texts: pa.Array | pa.ChunkedArray | Sequence[str | None]) -> pa.Array:
    """Texts without @-mentions and links, whitespace collapsed and stripped (null → "")."""
    arr = texts if isinstance(texts, pa.Array | pa.ChunkedArray) else pa.array(list(texts), pa.string())
    arr = pc.fill_null(arr, "")
    arr = pc.replace_substring_regex(arr, _URL, " ")
    arr = pc.replace_substring_regex(arr, _MENTION, " ")
    arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, r"\s+", " "))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr


def _maybe_zero(text: str, lex: frozenset[str]) -> bool:
    """True when VADER certainly scores ``text`` 0 (no lexicon token, no emoji to translate)."""
    if not text:
        return True
    if not text.isascii():
        return False
    for tok in text.split():
        low = tok.lower()
        # VADER strips string.punctuation (which includes "_", unlike a regex \W class).
        if low in lex or low.strip(string.punctuation) in lex:
            return False
    return True


def _score_chunk(texts: list[str]) -> list[float]:
    a = _analyzer()
    return [float(a.polarity_scores(t)["compound"]) for t in texts]


def _score_distinct(texts: list[str], processes: int | None) -> list[float]:
    n_proc = processes if processes is not None else min(2, os.cpu_count() or 1)
    if n_proc <= 1 or len(texts) < PARALLEL_MIN:
        return _score_chunk(texts)
    size = -(-len(texts) // (n_proc * 4))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    out: list[float] = []
    with ProcessPoolExecutor(max_workers=n_proc) as ex:
        for part in ex.map(_score_chunk, chunks):
            out.extend(part)
    return out


def sentiment_scores(
    texts: pa.Array | pa.ChunkedArray | Iterable[str | None] | str, *, processes: int | None = None
) -> np.ndarray:
    """VADER compound sentiment (−1…1) for each text, in input order (null or empty → 0.0).

    One ``str`` alone is one text (a one-element array), not a list of its characters.
    ``processes``: worker processes for large batches (default: up to 2; ``1`` = never fork).
    """
    if isinstance(texts, str):  # one text, not its characters one by one
        texts = [texts]
    if not isinstance(texts, pa.Array | pa.ChunkedArray):
        texts = pa.array(list(texts), pa.string())
    norm = normalise_texts(texts)
    enc = norm.dictionary_encode()
    uniques: list[str] = enc.dictionary.to_pylist()
    lex = _lexicon()
    values = np.zeros(len(uniques), dtype=np.float64)
    todo_idx: list[int] = []
    todo: list[str] = []
    for i, t in enumerate(uniques):
        hit = _CACHE.get(t)
        if hit is not None:
            values[i] = hit
        elif not _maybe_zero(t, lex):
            todo_idx.append(i)
            todo.append(t)
    if todo:
        scored = _score_distinct(todo, processes)
        values[todo_idx] = scored
        if len(_CACHE) + len(todo) > _CACHE_MAX:
            _CACHE.clear()
        _CACHE.update(zip(todo, scored, strict=True))
    idx = enc.indices.to_numpy(zero_copy_only=False)
    out: np.ndarray = values[idx]
    return out


def add_sentiment(table: pa.Table, text_column: str = "text", name: str = "sentiment") -> pa.Table:
    """``table`` with a float64 column ``name`` = :func:`sentiment_scores` of ``text_column`` (a :class:`ValueError`
    naming it when ``table`` has no such column)."""
    if not isinstance(table, pa.Table):
        raise TypeError(f"add_sentiment takes a pyarrow Table, not {type(table).__name__}")
    if text_column not in table.column_names:
        raise ValueError(
            f"add_sentiment: the table has no {text_column!r} column to score (its columns: "
            f"{', '.join(table.column_names) or 'none'}); name the text column with text_column="
        )
    return table.append_column(name, pa.array(sentiment_scores(table[text_column]), pa.float64()))


def clear_cache() -> None:
    """Forget cached scores (tests, memory)."""
    _CACHE.clear()


# --------------------------------------------------------------------------------------------------
# VADER as Ibis expressions (runs inside the engine: DuckDB, PySpark)
# --------------------------------------------------------------------------------------------------

_DATA = Path(__file__).resolve().parent
#: VADER's constants (vaderSentiment 3.3.2).
_B_INCR, _B_DECR, _C_INCR, _N_SCALAR = 0.293, -0.293, 0.733, -0.74
_NEGATE = (
    "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
    "ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
    "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
    "don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
    "neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
    "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
    "oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
    "without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite",
)  # fmt: skip
_BOOST_UP = (
    "absolutely", "amazingly", "awfully", "completely", "considerable", "considerably", "decidedly",
    "deeply", "effing", "enormous", "enormously", "entirely", "especially", "exceptional",
    "exceptionally", "extreme", "extremely", "fabulously", "flipping", "flippin", "frackin",
    "fracking", "fricking", "frickin", "frigging", "friggin", "fully", "fuckin", "fucking", "fuggin",
    "fugging", "greatly", "hella", "highly", "hugely", "incredible", "incredibly", "intensely",
    "major", "majorly", "more", "most", "particularly", "purely", "quite", "really", "remarkably",
    "so", "substantially", "thoroughly", "total", "totally", "tremendous", "tremendously", "uber",
    "unbelievably", "unusually", "utter", "utterly", "very",
)  # fmt: skip
_BOOST_DOWN = (
    "almost", "barely", "hardly", "kinda", "kindof", "kind-of", "less", "little", "marginal",
    "marginally", "occasional", "occasionally", "partly", "scarce", "scarcely", "slight", "slightly",
    "somewhat", "sorta", "sortof", "sort-of",
)  # fmt: skip
#: Multi-word dampeners; VADER only sees them in its "special idioms" step (always −0.293).
_BOOST_NGRAMS = ("just enough", "kind of", "sort of")
_SPECIAL_CASES = {
    "the shit": 3.0, "the bomb": 3.0, "bad ass": 1.5, "bus stop": 0.0, "yeah right": -2.0,
    "kiss of death": -1.5, "to die for": 3.0, "beating heart": 3.5,
}  # fmt: skip

# Regexes stay in the subset RE2 (DuckDB) and java.util.regex (Spark) read alike: no \s/\w/\S
# (their character sets differ), no look-around, no back-references in replacements.
#: ``string.punctuation``.
_PUNCT_CLASS = r"[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]"
#: What Python's ``str.split()`` splits on.
_SPACE_CLASS = (
    r"[\x09-\x0d\x1c-\x20\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)
#: :data:`_SPACE_CLASS` but " ".
_OTHER_SPACE_CLASS = _SPACE_CLASS.replace(r"\x1c-\x20", r"\x1c-\x1f")
#: :data:`_URL` / :data:`_MENTION` with RE2's ASCII ``\S`` / ``\w`` spelled out.
_URL_PORTABLE = r"(?:https?://|www\.)[^\x09\x0a\x0c\x0d\x20]+"
_MENTION_PORTABLE = r"@[0-9A-Za-z_.]+"


def _read_tsv(name: str) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for line in (_DATA / name).read_text(encoding="utf-8").rstrip("\n").split("\n"):
        if line:
            a, b = line.strip().split("\t")[0:2]
            rows.append((a, b))
    return rows


@lru_cache(maxsize=1)
def _vader_lexicon() -> dict[str, float]:
    """``vader_lexicon.txt`` as VADER reads it (later duplicates win)."""
    return {w: float(v) for w, v in _read_tsv("vader_lexicon.txt")}


@lru_cache(maxsize=1)
def _vader_emoji() -> dict[str, str]:
    """Single-code-point emoji → description (VADER replaces only those, character by character), with
    :data:`EMOJI_OVERRIDES`."""
    return {e: d for e, d in _read_tsv("vader_emoji_lexicon.txt") if len(e) == 1} | EMOJI_OVERRIDES


@lru_cache(maxsize=1)
def _emoji_class() -> str:
    """A regex character class matching exactly the emoji VADER translates."""
    cps = sorted(ord(c) for c in _vader_emoji())
    parts: list[str] = []
    start = prev = cps[0]
    for cp in [*cps[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(f"\\x{{{start:x}}}" if start == prev else f"\\x{{{start:x}}}-\\x{{{prev:x}}}")
        start = prev = cp
    return "[" + "".join(parts) + "]"


#: Words VADER compares with a constant somewhere in its rules.
_RULE_WORDS = (
    "no", "or", "nor", "so", "this", "never", "without", "doubt", "least", "at", "very", "kind", "of", "but",
)  # fmt: skip
# Bits of the per-word code that travels through the window functions.
_IN_LEX, _UPPER, _NEG, _BOOST_POS, _BOOST_NEG = 1, 2, 4, 8, 16
#: Every word a rule compares a neighbour (or the word itself) with gets a number 1…63 (0: any other word), so
#: the window functions carry one integer per word: position · 2048 + number · 32 + code.
_ID_WORDS = tuple(
    sorted(set(_RULE_WORDS) | {w for p in (*_SPECIAL_CASES, *_BOOST_NGRAMS) for w in p.split(" ")})
)
assert len(_ID_WORDS) < 64
_ID = {w: i for i, w in enumerate(_ID_WORDS, 1)}
_POS, _WID = 2048, 32  # (read back with >> 11, (>> 5) & 63, & 31)


def _wid(word: str) -> int:
    return _ID[word]


def _vocab_table() -> ibis.Table:
    """Every word a VADER rule looks at: lexicon valence, booster increment, negation flag."""
    lex = _vader_lexicon()
    boost = {w: _B_INCR for w in _BOOST_UP} | {w: _B_DECR for w in _BOOST_DOWN}
    phrase_words = {w for p in (*_SPECIAL_CASES, *_BOOST_NGRAMS) for w in p.split(" ")}
    words = sorted(set(lex) | set(boost) | set(_NEGATE) | set(_RULE_WORDS) | phrase_words)
    return ibis.memtable(
        {
            "_vw": words,
            "_val": [lex.get(w) for w in words],
            "_boost": [boost.get(w, 0.0) for w in words],
            "_negw": [w in _NEGATE for w in words],
            "_wid": [_ID.get(w, 0) for w in words],
        },
        schema={"_vw": "string", "_val": "float64", "_boost": "float64", "_negw": "boolean", "_wid": "int64"},
    )


def _emoji_table() -> ibis.Table:
    emo = _vader_emoji()
    return ibis.memtable(
        {"_ech": list(emo), "_edesc": list(emo.values())}, schema={"_ech": "string", "_edesc": "string"}
    )


def _fits(cols: Sequence[ir.IntegerValue], phrase: str) -> bool:
    return len(cols) == phrase.count(" ") + 1


def _phrase_match(cols: Sequence[ir.IntegerValue], phrase: str) -> ir.BooleanValue:
    words = phrase.split(" ")
    cond: ir.BooleanValue = cols[0] == _wid(words[0])
    for c, w in zip(cols[1:], words[1:], strict=True):
        cond = cond & (c == _wid(w))
    return cond


def _bit(code: ir.IntegerValue, bit: int) -> ir.BooleanValue:
    return (code & bit) != 0


def _step(v: ir.FloatingValue, r: ibis.Table, d: int) -> ir.FloatingValue:
    """VADER's pass over the ``d``-th preceding word: booster/dampener, then negation."""
    code, f = r[f"_o{d}"], (1.0, 0.95, 0.9)[d - 1]
    b = ibis.cases((_bit(code, _BOOST_POS), _B_INCR), (_bit(code, _BOOST_NEG), _B_DECR), else_=0.0)
    s = ibis.ifelse(v < 0, -b, b)
    caps = r._cap & _bit(code, _UPPER) & (b != 0)
    s = s + ibis.ifelse(caps, ibis.ifelse(v > 0, _C_INCR, -_C_INCR), 0.0)
    return ibis.ifelse(r[f"_c{d}"], (v + s * f) * r[f"_m{d}"], v)


def _neighbours(w: ibis.Table, keys: list[str]) -> ibis.Table:
    """The words 1–3 before and 1–2 after each lexicon word, by window functions over kept words.

    ``w`` holds only the words some rule looks at, with their exact position ``_p`` in the text; a
    neighbour position with no kept word holds a word no rule looks at.
    """
    win = ibis.window(group_by=keys, order_by="_p")
    cum = ibis.cumulative_window(group_by=keys, order_by="_p")
    pk, p = w._pk, w._p
    cols: dict[str, Any] = {"_buts": (w._wid == _wid("but")).cast("int64").sum().over(cum)}
    for e in (1, 2, 3):
        cols[f"_lp{e}"] = pk.lag(e).over(win)
    for e in (1, 2):
        cols[f"_np{e}"] = pk.lead(e).over(win)
    w = w.mutate(**cols)
    # Only lexicon words get a valence ("but" rows stay to mark the text).
    w = w.filter(w._val.notnull() | (w._wid == _wid("but")))
    p = w._p
    out: dict[str, Any] = {}

    def wid(x: ir.IntegerValue) -> ir.IntegerValue:
        return (x >> 5) & 63

    for d in (1, 2, 3):
        hit = [(p - (w[f"_lp{e}"] >> 11)) == d for e in range(1, d + 1)]
        out[f"_l{d}"] = ibis.cases(*[(h, wid(w[f"_lp{e}"])) for e, h in enumerate(hit, 1)], else_=0)
        code = ibis.cases(*[(h, w[f"_lp{e}"] & 31) for e, h in enumerate(hit, 1)], else_=0)
        out[f"_o{d}"] = code
        out[f"_c{d}"] = (p >= d) & ~_bit(code, _IN_LEX)
    fwd = [(w[f"_np{e}"] >> 11) - p for e in (1, 2)]
    out["_n1"] = ibis.ifelse(fwd[0] == 1, wid(w._np1), 0)
    out["_n1x"] = (fwd[0] == 1) & _bit(w._np1 & 31, _IN_LEX)
    out["_n2"] = ibis.cases((fwd[0] == 2, wid(w._np1)), (fwd[1] == 2, wid(w._np2)), else_=0)
    return w.select(
        *keys, _low=w._wid, _val=w._val, _up=w._up, _buts=w._buts, _cap=w._cap, _amp=w._amp, **out
    )


def _score_words(r: ibis.Table, keys: list[str]) -> ibis.Table:
    """Sums of the lexicon words' valences before and after the first "but", per text."""
    l0, l1, l2, l3, n1, n2 = (r[c] for c in ("_low", "_l1", "_l2", "_l3", "_n1", "_n2"))
    g = [_bit(r[f"_o{d}"], _NEG) for d in (1, 2, 3)]
    so_this = (_wid("so"), _wid("this"))
    # Negation multipliers of the 1st/2nd/3rd preceding word (VADER's _negation_check).
    m1 = ibis.ifelse(g[0], _N_SCALAR, 1.0)
    m2 = ibis.cases(
        ((l2 == _wid("never")) & l1.isin(so_this), 1.25),
        ((l2 == _wid("without")) & (l1 == _wid("doubt")), 1.0),
        (g[1], _N_SCALAR),
        else_=1.0,
    )
    m3 = ibis.cases(
        (((l3 == _wid("never")) & l2.isin(so_this)) | l1.isin(so_this), 1.25),
        ((l3 == _wid("without")) & ((l2 == _wid("doubt")) | (l1 == _wid("doubt"))), 1.0),
        (g[2], _N_SCALAR),
        else_=1.0,
    )
    # "no" before a lexicon word negates it (and loses its own valence).
    val = r._val
    no = _wid("no")
    no_neg = (l1 == no) | (l2 == no) | ((l3 == no) & l1.isin((_wid("or"), _wid("nor"))))
    v = ibis.cases((no_neg, val * _N_SCALAR), ((l0 == no) & r._n1x, 0.0), else_=val)
    r = r.mutate(_m1=m1, _m2=m2, _m3=m3, _va=v)
    caps = r._cap & r._up
    r = r.mutate(_v=ibis.ifelse(caps, ibis.ifelse(r._va > 0, r._va + _C_INCR, r._va - _C_INCR), r._va))
    for d in (1, 2, 3):
        r = r.mutate(_v=_step(r._v, r, d))
    l0, l1, l2, l3, n1, n2 = (r[c] for c in ("_low", "_l1", "_l2", "_l3", "_n1", "_n2"))
    # Special idioms, checked only when the 3rd preceding word exists and is no lexicon word.
    seqs = [[l1, l0], [l2, l1, l0], [l2, l1], [l3, l2, l1], [l3, l2]]
    before = [
        (_phrase_match(c, p), ibis.literal(x)) for c in seqs for p, x in _SPECIAL_CASES.items() if _fits(c, p)
    ]
    later = [
        (_phrase_match(c, p), ibis.literal(x))
        for c in ([l0, n1, n2], [l0, n1])
        for p, x in _SPECIAL_CASES.items()
        if _fits(c, p)
    ]
    ngram = [
        _phrase_match(c, g_)
        for c in ([l3, l2, l1], [l3, l2], [l2, l1])
        for g_ in _BOOST_NGRAMS
        if _fits(c, g_)
    ]
    ngram_add = sum((ibis.ifelse(c, _B_DECR, 0.0) for c in ngram), ibis.literal(0.0))

    def idioms(v: ir.FloatingValue) -> ir.FloatingValue:
        w = ibis.cases(*later, else_=ibis.cases(*before, else_=v))
        return ibis.ifelse(r._c3, w + ngram_add, v)

    # "least" negates unless it reads "at least" / "very least".
    least = ibis.ifelse((l1 == _wid("least")) & ~l2.isin((_wid("at"), _wid("very"))), _N_SCALAR, 1.0)
    skip = r._val.isnull() | ((l0 == _wid("kind")) & (n1 == _wid("of")))
    after = r._buts > 0
    v = ibis.ifelse(skip, 0.0, idioms(r._v) * least)
    return r.group_by(keys).aggregate(
        _b=v.sum(where=~after),
        _a=v.sum(where=after),
        _has_but=(r._buts > 0).any(),
        _amp=r._amp.max(),
    )


def sentiment_table(
    t: ibis.Table, key: str | Sequence[str], text: str = "text", *, unique: bool = False
) -> ibis.Table:
    """VADER compound sentiment of ``t[text]`` computed by the engine (DuckDB, Spark), per row of ``t``.

    Returns the ``key`` column(s) and ``sentiment`` (float64, −1…1; 0.0 for empty or NULL text), one
    row per row of ``t``. ``key`` must identify the text: rows with equal keys must carry equal texts
    (e.g. a hash of the text, or a comment id); ``unique=True`` says ``t`` has one row per key already (the
    texts are then not de-duplicated). The text is normalised as in :func:`normalise_texts`; the module
    docstring describes the method and its agreement with ``vaderSentiment``.
    """
    keys = [key] if isinstance(key, str) else list(key)
    scores = sentiment_scores_nonzero(t, keys, text, unique=unique)
    out = t.select(*keys)
    joined = out.left_join(scores, [out[k] == scores[k] for k in keys])
    return joined.select(*[out[k] for k in keys], sentiment=joined.sentiment.fill_null(0.0))


def sentiment_scores_nonzero(
    t: ibis.Table, keys: Sequence[str], text: str = "text", *, unique: bool = False
) -> ibis.Table:
    """:func:`sentiment_table` without (some of) the texts that score 0 for want of a lexicon word (``keys,
    sentiment``, one row per key; a left join with ``fill_null(0.0)`` gives every text its score)."""
    keys = list(keys)
    if not keys:
        raise ValueError("sentiment_table needs at least one key column")
    missing = [c for c in [*keys, text] if c not in t.columns]
    if missing:
        raise ValueError(f"sentiment_table: column(s) {missing} not in the table; it has {list(t.columns)}")
    from tribescope.features import _vader_arrow

    if ARROW_ON_DUCKDB and _vader_arrow.runs_in_duckdb(t):
        # DuckDB: the same method vectorised over Arrow batches (a pyarrow UDF), ~3× less CPU
        base = t.select(*keys, _t=t[text].cast("string"))
        if not unique:
            base = base.distinct(on=keys, keep="first")
        # (every text gets a row: a filter on the score would make DuckDB call the UDF twice)
        return _vader_arrow.sentiment_rows(base, keys, "_t")
    emoji = _emoji_class()
    raw = t[text].cast("string").fill_null("")
    # (the substring tests spare most texts the regexes)
    no_url = ibis.ifelse(raw.contains("http") | raw.contains("www."), raw.re_replace(_URL_PORTABLE, " "), raw)
    # VADER replaces every emoji by " " + its description. The emoji of a text, in order (``_e``; mentions
    # hold none), decide the descriptions: they are looked up once per distinct ``_e`` (one row per emoji,
    # a join) ...
    e_only = no_url.re_replace("[^" + emoji[1:] + "+", "")
    base = t.select(*keys, _c=no_url, _e=e_only)
    if not unique:
        base = base.distinct(on=keys, keep="first")
    no_at = ibis.ifelse(base._c.contains("@"), base._c.re_replace(_MENTION_PORTABLE, " "), base._c)
    base = base.mutate(
        _c=no_at, _runs=ibis.ifelse(base._e == "", ibis.null("array<string>"), no_at.re_split(emoji))
    )
    es = base.filter(base._e != "").select("_e").distinct()
    e = es._e
    ks = ibis.range(0, e.length()).map(lambda i: ibis.struct({"k": i, "ch": e.substr(i, 1)}))
    ch = es.select("_e", _u=ks.unnest())
    ch = ch.select("_e", _k=ch._u["k"], _ch=ch._u["ch"])
    emo = _emoji_table()
    cj = ch.inner_join(emo, ch._ch == emo._ech)
    descs = cj.group_by("_e").aggregate(_d=ibis.struct({"k": cj._k, "d": cj._edesc}).collect())
    descs = descs.select(_de="_e", _d=descs._d.sort().map(lambda x: x["d"]))
    # ... and put between the runs of text around the emoji (only texts with emoji were split).
    bj = base.left_join(descs, base._e == descs._de)
    runs, d = bj._runs, bj._d
    glued = runs.map(lambda r, ir: ibis.ifelse(ir == 0, r, ibis.literal(" ").concat(d[ir - 1], r))).join("")
    tx = bj.select(*[base[k] for k in keys], _t=ibis.ifelse(bj._e == "", bj._c, glued))
    # (most texts hold no whitespace but " ": a plain split, no regex)
    wl = ibis.ifelse(
        tx._t.re_search(_OTHER_SPACE_CLASS), tx._t.re_split(_SPACE_CLASS + "+"), tx._t.split(" ")
    ).filter(lambda x: x != "")
    # Text-level parts of the score: ALL-CAPS differential, "!"/"?" emphasis.
    n_up = wl.filter(lambda x: (x.upper() == x) & (x.lower() != x)).length()
    n_ep = ibis.ifelse(tx._t.contains("!"), tx._t.length() - tx._t.replace("!", "").length(), 0)
    n_qm = ibis.ifelse(tx._t.contains("?"), tx._t.length() - tx._t.replace("?", "").length(), 0)
    amp = ibis.least(n_ep, 4) * 0.292 + ibis.cases((n_qm > 3, 0.96), (n_qm > 1, n_qm * 0.18), else_=0.0)
    # (a text without upper-case letters has no ALL-CAPS word)
    cap = ibis.ifelse(tx._t.lower() == tx._t, False, (n_up > 0) & (n_up < wl.length()))
    tx = tx.select(*keys, _wl=wl, _cap=cap, _amp=amp.cast("float64"))
    words = tx.select(
        *keys, "_cap", "_amp", _u=tx._wl.map(lambda x, iw: ibis.struct({"w": x, "p": iw})).unnest()
    )
    words = words.select(*keys, "_cap", "_amp", _w=words._u["w"], _p=words._u["p"].cast("int64"))
    # Each distinct word is read once (texts repeat words): VADER's token strips string.punctuation unless
    # that leaves two characters or fewer; lower-cased, it is looked up in the vocabulary, and only words
    # some rule looks at are kept.
    dw = words.select(_dw=words._w).distinct()
    stripped = dw._dw.re_replace(f"^{_PUNCT_CLASS}+|{_PUNCT_CLASS}+$", "")
    dw = dw.mutate(_item=ibis.ifelse(stripped.length() <= 2, dw._dw, stripped))
    dw = dw.mutate(_low=dw._item.lower())
    vt = _vocab_table()
    v = dw.left_join(vt, dw._low == vt._vw)
    negw = v._negw.fill_null(False) | v._low.contains("n't")
    v = v.filter(v._vw.notnull() | negw)
    boost = v._boost.fill_null(0.0)
    up = (v._item.upper() == v._item) & (v._low != v._item)
    code = (
        ibis.ifelse(v._val.notnull(), _IN_LEX, 0)
        + ibis.ifelse(up, _UPPER, 0)
        + ibis.ifelse(negw, _NEG, 0)
        + ibis.ifelse(boost > 0, _BOOST_POS, 0)
        + ibis.ifelse(boost < 0, _BOOST_NEG, 0)
    )
    wid = v._wid.fill_null(0)
    v = v.select("_dw", "_val", _up=up, _wid=wid, _wc=(wid * _WID + code).cast("int64"))
    w = words.inner_join(v, words._w == v._dw)
    w = w.select(*keys, "_p", "_val", "_cap", "_amp", "_up", "_wid", _pk=w._p * _POS + w._wc)
    sums = _score_words(_neighbours(w, keys), keys)
    b, a = sums._b.fill_null(0.0), sums._a.fill_null(0.0)
    s = ibis.ifelse(sums._has_but, b * 0.5 + a * 1.5, b + a)
    agg = sums.select(*keys, _s=s, _amp=sums._amp)
    s2 = ibis.cases((agg._s > 0, agg._s + agg._amp), (agg._s < 0, agg._s - agg._amp), else_=0.0)
    return agg.select(*keys, sentiment=(s2 / (s2 * s2 + 15.0).sqrt()).cast("float64"))
