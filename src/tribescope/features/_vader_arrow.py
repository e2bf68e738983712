"""Engine VADER (:func:`tribescope.features.sentiment.sentiment_scores_nonzero`) vectorised over Arrow/numpy.

The same method, step for step, as the Ibis expressions in :mod:`tribescope.features.sentiment` (the module
docstring there describes it), computed on a batch of texts with Arrow string kernels and numpy instead of SQL:

* links and @-mentions are removed with the same regexes (only on texts holding ``http``/``www.``/``@``);
* the texts are split on " " (texts holding another whitespace character first have it replaced by " "),
  one row per word; the words are dictionary-encoded, so every per-word step runs once per *distinct* word;
* a word holding an emoji VADER translates is replaced by the words of its translation (each emoji → " " +
  description, glued to what follows: exactly the engine's text rebuild, done per distinct word);
* per distinct word: ``string.punctuation`` stripped unless ≤ 2 characters remain, lower-cased, looked up in the
  vocabulary (valence, booster, negation, rule-word number), ALL-CAPS flags, "!"/"?" counts;
* the window functions become shifts over the kept words (sorted by text, then position): the kept word 1–3
  positions before and 1–2 after, and the running count of "but";
* the rules and the per-text sums are numpy expressions of those arrays.

Equal to the Ibis form within float rounding (sums run in another order); used on DuckDB through a pyarrow
UDF (:func:`sentiment_udf`), while PySpark keeps the Ibis expressions.

When numba is installed, the word split, the emoji translation, the expansion into the translation's words
and everything after the per-distinct-word step (the neighbours, the rules, the sums) of a large batch run as
compiled single-pass kernels (:mod:`tribescope.features._text_numba`; identical figures, see the tests); a small
batch runs the numpy code below (:mod:`tribescope.features._kernels` says which).
"""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tribescope.features import _kernels as K
from tribescope.features import sentiment as S
from tribescope.features._text_arrow import has_each, token_spans

__all__ = ["runs_in_duckdb", "sentiment_rows", "vader_compound"]


@lru_cache(maxsize=1)
def _vocab() -> tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vocabulary words (Arrow) and per word: valence (nan: none), booster increment, negation flag, rule id."""
    lex = S._vader_lexicon()
    boost = {w: S._B_INCR for w in S._BOOST_UP} | {w: S._B_DECR for w in S._BOOST_DOWN}
    phrase_words = {w for p in (*S._SPECIAL_CASES, *S._BOOST_NGRAMS) for w in p.split(" ")}
    words = sorted(set(lex) | set(boost) | set(S._NEGATE) | set(S._RULE_WORDS) | phrase_words)
    val = np.array([lex.get(w, np.nan) for w in words], dtype=np.float64)
    bst = np.array([boost.get(w, 0.0) for w in words], dtype=np.float64)
    neg = np.array([w in S._NEGATE for w in words], dtype=bool)
    wid = np.array([S._ID.get(w, 0) for w in words], dtype=np.int64)
    return pa.array(words, pa.string()), val, bst, neg, wid


@lru_cache(maxsize=1)
def _emoji_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Code point → 1 + number of its translation (0: not an emoji VADER translates); the translations
    (" " + description, UTF-8) as one byte buffer with offsets."""
    emo = S._vader_emoji()
    table = np.zeros(0x110000, dtype=np.int32)
    chunks = [(" " + d).encode() for d in emo.values()]
    for k, c in enumerate(emo, 1):
        table[ord(c)] = k
    offs = np.zeros(len(chunks) + 2, dtype=np.int64)  # entry 0 unused (not an emoji)
    offs[2:] = np.cumsum([len(x) for x in chunks])
    return table, np.frombuffer(b"".join(chunks), dtype=np.uint8), offs


def _translate_emoji(words: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Which of ``words`` hold a VADER emoji, and those words with each emoji → " " + description."""
    table, dbuf, doffs = _emoji_tables()
    w = words.cast(pa.string())
    offs = np.frombuffer(w.buffers()[1], dtype=np.int32, count=len(w) + 1, offset=w.offset * 4).astype(
        np.int64
    )
    lo, hi = int(offs[0]), int(offs[-1])
    data = np.frombuffer(w.buffers()[2], dtype=np.uint8)[lo:hi]
    offs = offs - lo
    if K.on():
        has, out, new_offs = K.kernels().translate_emoji(offs, data, table, dbuf, doffs)
        if not has.any():
            return has, pa.array([], pa.string())
        return has, pa.StringArray.from_buffers(int(has.sum()), pa.py_buffer(new_offs), pa.py_buffer(out))
    # decode UTF-8: one code point per lead byte
    lead = np.flatnonzero((data & 0xC0) != 0x80)
    b0 = data[lead].astype(np.int64)
    nb = np.where(b0 < 0x80, 1, np.where(b0 < 0xE0, 2, np.where(b0 < 0xF0, 3, 4)))
    pad = np.concatenate([data, np.zeros(4, dtype=np.uint8)]).astype(np.int64)
    b1, b2, b3 = pad[lead + 1] & 0x3F, pad[lead + 2] & 0x3F, pad[lead + 3] & 0x3F
    cp = np.select(
        [nb == 1, nb == 2, nb == 3],
        [b0, ((b0 & 0x1F) << 6) | b1, ((b0 & 0x0F) << 12) | (b1 << 6) | b2],
        ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3,
    )
    e = table[np.minimum(cp, 0x10FFFF)]
    word_of = np.searchsorted(offs, lead, side="right") - 1
    has = np.bincount(word_of, weights=e > 0, minlength=len(w)) > 0
    if not has.any():
        return has, pa.array([], pa.string())
    # only the words with emoji: each character's bytes, or its translation's
    sel = has[word_of]
    lead, nb, e, word_of = lead[sel], nb[sel], e[sel], word_of[sel]
    src = np.where(e > 0, doffs[e] + len(data), lead)
    ln = np.where(e > 0, doffs[e + 1] - doffs[e], nb)
    buf = np.concatenate([data, dbuf])
    start = np.cumsum(ln) - ln
    gather = np.repeat(src - start, ln) + np.arange(int(ln.sum()), dtype=np.int64)
    out = buf[gather]
    keep = np.flatnonzero(has)
    per_word = np.bincount(np.searchsorted(keep, word_of), weights=ln, minlength=len(keep)).astype(np.int64)
    new_offs = np.zeros(len(keep) + 1, dtype=np.int32)
    new_offs[1:] = np.cumsum(per_word)
    glued = pa.StringArray.from_buffers(len(keep), pa.py_buffer(new_offs), pa.py_buffer(out.tobytes()))
    return has, glued


@lru_cache(maxsize=1)
def _rule_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For :func:`tribescope.features._text_numba.vader`: the special-case phrases and booster n-grams as rule-word
    numbers (3 columns, the length in the 4th), the phrases' values, the numbers of the rule words, constants."""

    def table(phrases: Any) -> np.ndarray:
        rows = []
        for p in phrases:
            w = [S._wid(x) for x in p.split(" ")]
            rows.append([*w, *([0] * (3 - len(w))), len(w)])
        return np.array(rows, dtype=np.int64).reshape(-1, 4)

    names = S._RULE_WORDS  # no, or, nor, so, this, never, without, doubt, least, at, very, kind, of, but
    return (
        table(S._SPECIAL_CASES),
        np.array(list(S._SPECIAL_CASES.values()), dtype=np.float64),
        table(S._BOOST_NGRAMS),
        np.array([S._wid(w) for w in names], dtype=np.int64),
        np.array([S._B_INCR, S._B_DECR, S._C_INCR, S._N_SCALAR], dtype=np.float64),
    )


def _np(a: Any) -> np.ndarray:
    return np.asarray(a.to_numpy(zero_copy_only=False))


def _strings(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    t = texts.cast(pa.string())
    if isinstance(t, pa.ChunkedArray):
        t = t.combine_chunks()
    return pc.fill_null(t, "")


def _replace_where(t: pa.Array, mask: np.ndarray, pattern: str, repl: str) -> pa.Array:
    if not mask.any():
        return t
    sub = pc.replace_substring_regex(t.filter(pa.array(mask)), pattern, repl)
    return pc.replace_with_mask(t, pa.array(mask), sub)


def _has(t: pa.Array, s: str) -> np.ndarray:
    return _np(pc.match_substring(t, s))


def _words(t: pa.Array) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """Whitespace-split words: text index per word, the distinct words, and each word's index into them."""
    if K.on():
        # the runs of characters outside the whitespace class (" " or another whitespace character): the same words
        per, words = token_spans(t, S._SPACE_CLASS, outside=True)
        enc = words.dictionary_encode()
        return (
            np.repeat(np.arange(len(t), dtype=np.int64), per),
            enc.dictionary,
            _np(enc.indices).astype(np.int64),
        )
    other = _np(pc.match_substring_regex(t, S._OTHER_SPACE_CLASS))
    t = _replace_where(t, other, S._OTHER_SPACE_CLASS, " ")
    lists = pc.split_pattern(t, " ")
    offs = _np(lists.offsets)
    vals = lists.values
    tid = np.repeat(np.arange(len(t), dtype=np.int64), np.diff(offs))
    nonempty = _np(pc.binary_length(vals)) > 0
    if not nonempty.all():
        vals = vals.filter(pa.array(nonempty))
        tid = tid[nonempty]
    enc = vals.dictionary_encode()
    return tid, enc.dictionary, _np(enc.indices).astype(np.int64)


def _expand(tid: np.ndarray, dic: pa.Array, idx: np.ndarray) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """Replace the words holding emoji by their translation (see :func:`_translate_emoji`)."""
    non_ascii = np.flatnonzero(~_np(pc.string_is_ascii(dic)))
    if not len(non_ascii):
        return tid, dic, idx
    has, glued = _translate_emoji(dic.take(pa.array(non_ascii)))
    if not len(glued):
        return tid, dic, idx
    # the engine splits the rebuilt text on Python's whitespace set; the descriptions hold only " "
    parts = pc.split_pattern(glued, " ")
    pvals = parts.values
    nonempty = _np(pc.binary_length(pvals)) > 0
    parent = np.repeat(np.arange(len(glued), dtype=np.int64), np.diff(_np(parts.offsets)))
    counts = np.bincount(parent[nonempty], minlength=len(glued)).astype(np.int64)
    pvals = pvals.filter(pa.array(nonempty))
    emoji_words = non_ascii[has]
    n = len(dic)
    lengths = np.ones(n, dtype=np.int64)
    firsts = np.arange(n, dtype=np.int64)
    lengths[emoji_words] = counts
    firsts[emoji_words] = n + np.cumsum(counts) - counts
    # per distinct word, its replacement words are consecutive entries of the extended dictionary
    if K.on():
        new_tid, new_idx = K.kernels().expand(tid, idx, lengths, firsts)
        return new_tid, pa.concat_arrays([dic, pvals.cast(pa.string())]), new_idx
    occ = lengths[idx]
    total = int(occ.sum())
    start = np.cumsum(occ) - occ
    within = np.arange(total, dtype=np.int64) - np.repeat(start, occ)
    new_idx = np.repeat(firsts[idx], occ) + within
    return np.repeat(tid, occ), pa.concat_arrays([dic, pvals.cast(pa.string())]), new_idx


def vader_compound(texts: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """VADER compound per text (0.0 for empty / null / no lexicon word), as the engine computes it."""
    t = _strings(texts)
    n = len(t)
    out = np.zeros(n, dtype=np.float64)
    if n == 0:
        return out
    # (the link replacement adds no "@": the texts holding one before are a superset, enough for a replacement)
    f = has_each(t, ("http", "www.", "@"))
    t = _replace_where(t, f[:, 0] | f[:, 1], S._URL_PORTABLE, " ")
    t = _replace_where(t, f[:, 2], S._MENTION_PORTABLE, " ")
    tid, dic, idx = _expand(*_words(t))
    if not len(idx):
        return out
    # ---- per distinct word
    stripped = pc.utf8_trim(dic, characters=string.punctuation)
    item = pc.if_else(pc.greater(pc.utf8_length(stripped), 2), stripped, dic)
    low = pc.utf8_lower(item)
    vw, vval, vbst, vneg, vwid = _vocab()
    vi = _np(pc.fill_null(pc.index_in(low, vw), -1)).astype(np.int64)
    inv = vi >= 0
    vj = np.where(inv, vi, 0)
    val = np.where(inv, vval[vj], np.nan)
    bst = np.where(inv, vbst[vj], 0.0)
    negw = (inv & vneg[vj]) | _np(pc.match_substring(low, "n't"))
    wid = np.where(inv, vwid[vj], 0)
    keep_w = inv | negw
    up_item = _np(pc.equal(pc.utf8_upper(item), item)) & ~_np(pc.equal(low, item))
    code = (
        np.where(~np.isnan(val), S._IN_LEX, 0)
        + np.where(up_item, S._UPPER, 0)
        + np.where(negw, S._NEG, 0)
        + np.where(bst > 0, S._BOOST_POS, 0)
        + np.where(bst < 0, S._BOOST_NEG, 0)
    ).astype(np.int64)
    # text-level: ALL-CAPS words (the raw word), "!" and "?"
    up_raw = _np(pc.equal(pc.utf8_upper(dic), dic)) & ~_np(pc.equal(pc.utf8_lower(dic), dic))
    n_excl = _np(pc.count_substring(dic, "!")).astype(np.int64)
    n_qm = _np(pc.count_substring(dic, "?")).astype(np.int64)
    if K.on():
        ph, ph_val, bg, ids, consts = _rule_tables()
        return np.asarray(
            K.kernels().vader(
                n, tid, idx, keep_w, val, wid, code, up_raw, n_excl, n_qm, ph, ph_val, bg, ids, consts
            )
        )
    n_words = np.bincount(tid, minlength=n)
    n_up = np.bincount(tid, weights=up_raw[idx], minlength=n)
    ep = np.bincount(tid, weights=n_excl[idx], minlength=n)
    qm = np.bincount(tid, weights=n_qm[idx], minlength=n)
    cap_t = (n_up > 0) & (n_up < n_words)
    amp_t = np.minimum(ep, 4) * 0.292 + np.where(qm > 3, 0.96, np.where(qm > 1, qm * 0.18, 0.0))
    # ---- kept words, in text then position order
    pos_all = np.arange(len(idx), dtype=np.int64) - (np.cumsum(n_words) - n_words)[tid]
    k = keep_w[idx]
    kd = idx[k]
    T, P = tid[k], pos_all[k]
    W, C = wid[kd], code[kd]
    m = len(T)
    if m == 0:
        return out
    but = S._wid("but")
    is_but = but == W
    cb = np.cumsum(is_but)
    first = np.r_[True, T[1:] != T[:-1]]
    starts = np.flatnonzero(first)
    grp = np.cumsum(first) - 1
    buts = cb - np.r_[0, cb][starts][grp]  # running count of "but" within the text (inclusive)

    def back(d: int) -> tuple[np.ndarray, np.ndarray]:
        """rule id and code of the kept word exactly d positions before (0, 0 when none)."""
        wl = np.zeros(m, dtype=np.int64)
        cl = np.zeros(m, dtype=np.int64)
        for e in range(d, 0, -1):  # a kept word at p − d is among the d previous kept words
            if e >= m:
                continue
            hit = np.zeros(m, dtype=bool)
            hit[e:] = (T[e:] == T[:-e]) & (P[e:] - P[:-e] == d)
            wl[e:] = np.where(hit[e:], W[:-e], wl[e:])
            cl[e:] = np.where(hit[e:], C[:-e], cl[e:])
        return wl, cl

    def fwd(d: int) -> tuple[np.ndarray, np.ndarray]:
        wl = np.zeros(m, dtype=np.int64)
        cl = np.zeros(m, dtype=np.int64)
        for e in range(d, 0, -1):
            if e >= m:
                continue
            hit = np.zeros(m, dtype=bool)
            hit[:-e] = (T[:-e] == T[e:]) & (P[e:] - P[:-e] == d)
            wl[:-e] = np.where(hit[:-e], W[e:], wl[:-e])
            cl[:-e] = np.where(hit[:-e], C[e:], cl[:-e])
        return wl, cl

    l1, o1 = back(1)
    l2, o2 = back(2)
    l3, o3 = back(3)
    n1, c_n1 = fwd(1)
    n2, _ = fwd(2)
    vk = val[kd]
    cap_k = cap_t[T]
    up_k = (C & S._UPPER) != 0
    # only lexicon words get a valence; "but" rows only mark the text
    rows = ~np.isnan(vk) | is_but
    if not rows.any():
        return out
    (T, P, W, vk, cap_k, up_k, buts, l1, o1, l2, o2, l3, o3, n1, c_n1, n2) = (
        a[rows] for a in (T, P, W, vk, cap_k, up_k, buts, l1, o1, l2, o2, l3, o3, n1, c_n1, n2)
    )
    wi = S._wid
    c = {
        1: (P >= 1) & ((o1 & S._IN_LEX) == 0),
        2: (P >= 2) & ((o2 & S._IN_LEX) == 0),
        3: (P >= 3) & ((o3 & S._IN_LEX) == 0),
    }
    o = {1: o1, 2: o2, 3: o3}
    g = {1: (o1 & S._NEG) != 0, 2: (o2 & S._NEG) != 0, 3: (o3 & S._NEG) != 0}
    so_this = [wi("so"), wi("this")]
    m1 = np.where(g[1], S._N_SCALAR, 1.0)
    m2 = np.select(
        [(l2 == wi("never")) & np.isin(l1, so_this), (l2 == wi("without")) & (l1 == wi("doubt")), g[2]],
        [1.25, 1.0, S._N_SCALAR],
        1.0,
    )
    m3 = np.select(
        [
            ((l3 == wi("never")) & np.isin(l2, so_this)) | np.isin(l1, so_this),
            (l3 == wi("without")) & ((l2 == wi("doubt")) | (l1 == wi("doubt"))),
            g[3],
        ],
        [1.25, 1.0, S._N_SCALAR],
        1.0,
    )
    mm = {1: m1, 2: m2, 3: m3}
    no = wi("no")
    no_neg = (l1 == no) | (l2 == no) | ((l3 == no) & np.isin(l1, [wi("or"), wi("nor")]))
    n1x = (c_n1 & S._IN_LEX) != 0
    v = np.where(no_neg, vk * S._N_SCALAR, np.where((no == W) & n1x, 0.0, vk))
    v = np.where(cap_k & up_k, np.where(v > 0, v + S._C_INCR, v - S._C_INCR), v)
    for d in (1, 2, 3):
        code_d, damp = o[d], (1.0, 0.95, 0.9)[d - 1]
        b = np.where(
            (code_d & S._BOOST_POS) != 0, S._B_INCR, np.where((code_d & S._BOOST_NEG) != 0, S._B_DECR, 0.0)
        )
        s = np.where(v < 0, -b, b)
        caps = cap_k & ((code_d & S._UPPER) != 0) & (b != 0)
        s = s + np.where(caps, np.where(v > 0, S._C_INCR, -S._C_INCR), 0.0)
        v = np.where(c[d], (v + s * damp) * mm[d], v)

    def match(cols: list[np.ndarray], phrase: str) -> np.ndarray:
        words = phrase.split(" ")
        cond = cols[0] == wi(words[0])
        for col, w in zip(cols[1:], words[1:], strict=True):
            cond = cond & (col == wi(w))
        return np.asarray(cond, dtype=bool)

    def fits(cols: list[np.ndarray], phrase: str) -> bool:
        return len(cols) == phrase.count(" ") + 1

    seqs = [[l1, W], [l2, l1, W], [l2, l1], [l3, l2, l1], [l3, l2]]
    before = [(match(cc, p), x) for cc in seqs for p, x in S._SPECIAL_CASES.items() if fits(cc, p)]
    later = [
        (match(cc, p), x) for cc in ([W, n1, n2], [W, n1]) for p, x in S._SPECIAL_CASES.items() if fits(cc, p)
    ]
    ngram = [
        match(cc, g_) for cc in ([l3, l2, l1], [l3, l2], [l2, l1]) for g_ in S._BOOST_NGRAMS if fits(cc, g_)
    ]
    ngram_add = np.zeros(len(v))
    for cond in ngram:
        ngram_add = ngram_add + np.where(cond, S._B_DECR, 0.0)
    inner = np.select([cnd for cnd, _ in before], [x for _, x in before], v) if before else v
    w_id = np.select([cnd for cnd, _ in later], [x for _, x in later], inner) if later else inner
    idi = np.where(c[3], w_id + ngram_add, v)
    least = np.where((l1 == wi("least")) & ~np.isin(l2, [wi("at"), wi("very")]), S._N_SCALAR, 1.0)
    skip = np.isnan(vk) | ((wi("kind") == W) & (n1 == wi("of")))
    v = np.where(skip, 0.0, idi * least)
    after = buts > 0
    bsum = np.bincount(T, weights=np.where(after, 0.0, v), minlength=n)
    asum = np.bincount(T, weights=np.where(after, v, 0.0), minlength=n)
    has_but = np.bincount(T, weights=after, minlength=n) > 0
    s_ = np.where(has_but, bsum * 0.5 + asum * 1.5, bsum + asum)
    s2 = np.where(s_ > 0, s_ + amp_t, np.where(s_ < 0, s_ - amp_t, 0.0))
    return np.asarray(s2 / np.sqrt(s2 * s2 + 15.0), dtype=np.float64)


def sentiment_rows(t: ibis.Table, keys: list[str], text: str) -> ibis.Table:
    """``keys, sentiment`` for each row of ``t`` (one row per key): :func:`vader_compound` in a pyarrow UDF
    (:func:`tribescope.features._text_arrow.rows_through`)."""
    from tribescope.features._text_arrow import rows_through

    return rows_through(
        t, keys, text, "vader", {"sentiment": "float64"}, lambda x: {"sentiment": vader_compound(x)}
    )


def runs_in_duckdb(t: ibis.Table) -> bool:
    """True when ``t`` reads DuckDB tables or only in-memory ones (where the pyarrow UDFs run batch-wise)."""
    try:
        backends, _ = t._find_backends()
    except Exception:  # pragma: no cover - defensive: an expression ibis cannot inspect
        return False
    return all(getattr(b, "name", "") == "duckdb" for b in backends)
