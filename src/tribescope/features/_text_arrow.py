"""Comment text features on Arrow/numpy: the n-gram model sums and the quality rules, one batch at a time.

The same definitions as the Ibis expressions (:func:`tribescope.authenticity._comments._model_sums`,
:func:`tribescope.features._rules.quality_rules`), computed without a Unicode regex *split*: the regexes that
only search (or replace on the few texts holding ``<``, ``&``, ``.``, ``@``) run as Arrow (RE2) kernels, and
tokens — maximal runs of ``[\\p{L}\\p{N}_]`` (models) or ``[\\p{L}\\p{N}']`` (rules) — are cut from the UTF-8
bytes with numpy: each character's class comes from a code-point table that RE2 itself fills (the class matched
against each code point the first time it is seen), tokens are the runs of word characters within a text.

Per batch: model sums ``Σ w·count`` over word 1-grams (dictionary lookup) and 2-grams (pairs of neighbouring
token numbers, a sorted-array lookup), the n-gram count ``max(2L − 1, 1)``; the quality rule label.

When numba is installed, the tokens, the trigger searches, the n-gram sums and the rule counts of a large batch run
as compiled single-pass kernels (:mod:`tribescope.features._text_numba`, same figures); a small batch, or a machine
without numba, runs the numpy code (:mod:`tribescope.features._kernels` says which).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tribescope.features import _kernels as K
from tribescope.features._rules import MENTION_PATTERN

__all__ = ["batch_udf", "model_sums", "quality_labels", "rows_through", "tokens"]


_TABLES: dict[str, np.ndarray] = {}
_ASCII: dict[str, np.ndarray] = {}


def _classify(char_class: str, cp: np.ndarray) -> np.ndarray:
    """Whether each code point matches the RE2 character class ``char_class`` (a per-class table, filled the
    first time a code point is seen by one RE2 match per distinct new code point)."""
    table = _TABLES.get(char_class)
    if table is None:  # threads may get here at once (warm-up, UDF pieces): all keep the one table stored
        table = _TABLES.setdefault(char_class, np.full(0x110000, -1, dtype=np.int8))
    cp = np.minimum(cp, 0x10FFFF)
    got = table[cp]
    unknown = got < 0
    if unknown.any():
        new = np.unique(cp[unknown])
        chars = pa.array(["\ufffd" if 0xD800 <= c <= 0xDFFF else chr(c) for c in new.tolist()], pa.string())
        table[new] = np.asarray(
            pc.match_substring_regex(chars, f"^{char_class}$").to_numpy(zero_copy_only=False)
        )
        got = table[cp]
    return np.asarray(got, dtype=bool)


def _buffers(t: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    t = pc.fill_null(t.cast(pa.string()), "")
    offs = np.frombuffer(t.buffers()[1], dtype=np.int32, count=len(t) + 1, offset=t.offset * 4).astype(
        np.int64
    )
    lo, hi = int(offs[0]), int(offs[-1])
    data = np.frombuffer(t.buffers()[2], dtype=np.uint8)[lo:hi] if hi > lo else np.zeros(0, np.uint8)
    return offs - lo, data


def tokens(texts: pa.Array, char_class: str) -> tuple[np.ndarray, pa.Array]:
    """Maximal runs of ``char_class`` characters in each text: the text number of each token, and the tokens."""
    offs, data = _buffers(texts)
    nbytes = len(data)
    if nbytes == 0:
        return np.zeros(0, np.int64), pa.array([], pa.string())
    # class per character, set on each of its bytes: ASCII bytes by a 256-entry table (False for ≥ 0x80) ...
    if char_class not in _ASCII:
        t256 = np.zeros(256, dtype=bool)
        t256[:128] = _classify(char_class, np.arange(128, dtype=np.int64))
        _ASCII[char_class] = t256
    word = _ASCII[char_class][data]
    # ... and multi-byte characters from their decoded code point
    multi = np.flatnonzero(data >= 0xC0)
    if len(multi):
        pad = np.concatenate([data, np.zeros(4, np.uint8)])
        b0 = pad[multi].astype(np.int64)
        b1 = (pad[multi + 1] & 0x3F).astype(np.int64)
        b2 = (pad[multi + 2] & 0x3F).astype(np.int64)
        b3 = (pad[multi + 3] & 0x3F).astype(np.int64)
        three, four = b0 >= 0xE0, b0 >= 0xF0
        cp = np.where(
            ~three,
            ((b0 & 0x1F) << 6) | b1,
            np.where(
                ~four, ((b0 & 0x0F) << 12) | (b1 << 6) | b2, ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3
            ),
        )
        cls = _classify(char_class, cp)
        word[multi] = cls
        word[multi + 1] = cls
        word[multi[three] + 2] = cls[three]
        word[multi[four] + 3] = cls[four]
    start = word.copy()
    start[1:] &= ~word[:-1]
    nonempty = np.diff(offs) > 0
    first = offs[:-1][nonempty]
    start[first] = word[first]  # a token never continues across texts
    keep = np.flatnonzero(word)
    if not len(keep):
        return np.zeros(0, np.int64), pa.array([], pa.string())
    out = data[keep]
    tok_starts = np.flatnonzero(start[keep])
    tok_offs = np.empty(len(tok_starts) + 1, dtype=np.int32)
    tok_offs[:-1] = tok_starts
    tok_offs[-1] = len(out)
    per_text = np.zeros(len(offs) - 1, dtype=np.int64)
    per_text[nonempty] = np.add.reduceat(start, first, dtype=np.int64)
    tid = np.repeat(np.arange(len(per_text), dtype=np.int64), per_text)
    arr = pa.StringArray.from_buffers(len(tok_starts), pa.py_buffer(tok_offs), pa.py_buffer(out.tobytes()))
    return tid.astype(np.int64), arr


def _ascii_table(char_class: str) -> np.ndarray:
    if char_class not in _ASCII:
        t256 = np.zeros(256, dtype=bool)
        t256[:128] = _classify(char_class, np.arange(128, dtype=np.int64))
        _ASCII[char_class] = t256
    return _ASCII[char_class]


def spans(texts: pa.Array, char_class: str, outside: bool = False) -> tuple[np.ndarray, ...]:
    """The compiled :func:`tokens` (:func:`tribescope.features._text_numba.tokenize`): the texts' bytes, each token's
    start and end in them, and the tokens per text; ``outside``: runs of the characters *not* in ``char_class``."""
    offs, data = _buffers(texts)
    asc = _ascii_table(char_class).view(np.uint8)
    _classify(char_class, np.zeros(1, np.int64))  # the code-point table exists
    while True:  # (the table the classification fills, each pass: never a stale copy, or this would not end)
        ts, te, per, unknown = K.kernels().tokenize(offs, data, asc, _TABLES[char_class], not outside)
        if not len(unknown):
            return data, ts, te, per
        _classify(char_class, unknown)


def strings(data: np.ndarray, ts: np.ndarray, te: np.ndarray) -> pa.Array:
    """The byte spans as an Arrow string array."""
    out, offs = K.kernels().gather(data, ts, te)
    return pa.StringArray.from_buffers(len(ts), pa.py_buffer(offs), pa.py_buffer(out))


def token_spans(texts: pa.Array, char_class: str, outside: bool = False) -> tuple[np.ndarray, pa.Array]:
    """:func:`spans`: the tokens per text, and the tokens (in text order)."""
    data, ts, te, per = spans(texts, char_class, outside)
    return per, strings(data, ts, te)


def _np(a: Any) -> np.ndarray:
    return np.asarray(a.to_numpy(zero_copy_only=False))


def _replace_where(t: pa.Array, mask: np.ndarray, pattern: str, repl: str) -> pa.Array:
    if not mask.any():
        return t
    m = pa.array(mask)
    return pc.replace_with_mask(t, m, pc.replace_substring_regex(t.filter(m), pattern, repl))


def _has(t: pa.Array, s: str) -> np.ndarray:
    return _np(pc.match_substring(t, s))


def has_each(t: pa.Array, needles: tuple[str, ...]) -> np.ndarray:
    """``[_has(t, s) for s in needles]`` as an (n, len(needles)) array: one compiled pass over the bytes when
    numba is there, else one Arrow search per needle."""
    if not K.on():
        return np.stack([_has(t, s) for s in needles], axis=1).reshape(len(t), len(needles))
    offs, data = _buffers(t)
    enc = [s.encode() for s in needles]
    noffs = np.zeros(len(enc) + 1, np.int64)
    noffs[1:] = np.cumsum([len(e) for e in enc])
    found: np.ndarray = K.kernels().contains(offs, data, np.frombuffer(b"".join(enc), np.uint8), noffs)
    return found


class GramWeights:
    """Both models' weights arranged for lookups: 1-grams by string, 2-grams by a pair of token numbers."""

    def __init__(self, spam: dict[str, float], attack: dict[str, float]) -> None:
        grams = sorted(set(spam) | set(attack))
        uni = [g for g in grams if " " not in g]
        bi = [g for g in grams if " " in g]
        self.uni = pa.array(uni, pa.string())
        self.uni_w = np.array(
            [[spam.get(g, 0.0), attack.get(g, 0.0)] for g in uni], dtype=np.float64
        ).reshape(-1, 2)
        parts = [g.split(" ") for g in bi]
        comps = sorted({p for ps in parts for p in ps})
        self.comp = pa.array(comps, pa.string())
        num = {c: i for i, c in enumerate(comps)}
        self.k = max(1, len(comps))
        codes = np.array([num[a] * self.k + num[b] for a, b in parts], dtype=np.int64)
        order = np.argsort(codes)
        self.bi_codes = codes[order]
        self.bi_start = np.searchsorted(self.bi_codes, np.arange(self.k + 1, dtype=np.int64) * self.k)
        self.bi_w = np.array([[spam.get(g, 0.0), attack.get(g, 0.0)] for g in bi], dtype=np.float64).reshape(
            -1, 2
        )[order]
        assert all(len(p) == 2 for p in parts)
        # one lookup serves both: every 1-gram or 2-gram component → its 1-gram row / component number (or −1)
        words = sorted(set(uni) | set(comps))
        self.words = pa.array(words, pa.string())
        urow = {g: i for i, g in enumerate(uni)}
        self.word_uni = np.array([urow.get(w, -1) for w in words], dtype=np.int64)
        self.word_comp = np.array([num.get(w, -1) for w in words], dtype=np.int64)


#: :data:`tribescope.authenticity._comments._URL` and what every match of it holds: "://" or "www." (a link), or
#: "." and a domain ending (a bare domain)
_URL_NEEDLES = {
    r"(https?://|www\.)\S+|\b\S+\.(com|net|org|ly|co|be|me|io)(/\S*)?\b": (
        "://", "www.", ".com", ".net", ".org", ".ly", ".co", ".be", ".me", ".io",
    ),
}  # fmt: skip


def _url_candidates(t: pa.Array, url: str, dots: np.ndarray) -> np.ndarray:
    """The (lower-cased) texts the link regex may match: those holding one of its needles (one compiled pass
    over the bytes; a replacement that finds nothing leaves a text as it is), else those holding "." or "://"."""
    needles = _URL_NEEDLES.get(url)
    if needles is None or not K.on():
        return dots
    return dots & has_each(t, needles).any(axis=1)


def normalised(texts: pa.Array, html: str, entities: Any, url: str, mention: str) -> pa.Array:
    """:func:`tribescope.authenticity._comments.normalised_text` on Arrow (the same guards and regexes)."""
    t = pc.fill_null(texts.cast(pa.string()), "")
    # the triggers are looked for once, in the raw texts: a regex replacement that finds nothing leaves a text as
    # it is, so a superset of the texts holding a trigger at its step is enough; removing tags, lower-casing
    # (no code point lower-cases to ".", ":", "/", "@") and the link replacement add none of the later
    # triggers, and the texts whose entities were replaced are searched again
    f = has_each(t, ("<", "&", ".", "://", "@"))
    t = _replace_where(t, f[:, 0], html, " ")
    amp = f[:, 1]
    if amp.any():
        m = pa.array(amp)
        sub = t.filter(m)
        for ent, ch in entities:
            sub = pc.replace_substring(sub, ent, ch)
        t = pc.replace_with_mask(t, m, sub)
        f[amp, 2:] |= has_each(sub, (".", "://", "@"))
    t = pc.utf8_lower(t)
    t = _replace_where(t, _url_candidates(t, url, f[:, 2] | f[:, 3]), url, " urltoken ")
    return _replace_where(t, f[:, 4], mention, " ")


def model_sums(norm: pa.Array, weights: GramWeights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per normalised text: n-gram count ``max(2L − 1, 1)``, Σ spam weight, Σ attack weight."""
    n = len(norm)
    if K.on():
        per, toks = token_spans(norm, r"[\p{L}\p{N}_]")
        wi = _np(pc.fill_null(pc.index_in(toks, weights.words), -1)).astype(np.int64)
        sums: tuple[np.ndarray, np.ndarray, np.ndarray] = K.kernels().model_sums(
            per,
            wi,
            weights.word_uni,
            weights.word_comp,
            weights.uni_w,
            weights.bi_codes,
            weights.bi_start,
            weights.bi_w,
            weights.k,
        )
        return sums
    tid, toks = tokens(norm, r"[\p{L}\p{N}_]")
    L = np.bincount(tid, minlength=n)
    n_grams = np.maximum(2 * L - 1, 1).astype(np.float64)
    s = np.zeros((n, 2))
    if not len(toks):
        return n_grams, s[:, 0], s[:, 1]
    wi = _np(pc.fill_null(pc.index_in(toks, weights.words), -1)).astype(np.int64)
    known = wi >= 0
    ui = np.where(known, weights.word_uni[np.where(known, wi, 0)], -1)
    hit = ui >= 0
    if hit.any():
        s[:, 0] += np.bincount(tid[hit], weights=weights.uni_w[ui[hit], 0], minlength=n)
        s[:, 1] += np.bincount(tid[hit], weights=weights.uni_w[ui[hit], 1], minlength=n)
    if len(weights.bi_codes) and len(toks) > 1:
        ci = np.where(known, weights.word_comp[np.where(known, wi, 0)], -1)
        pair = (ci[:-1] >= 0) & (ci[1:] >= 0) & (tid[:-1] == tid[1:])
        at = np.flatnonzero(pair)
        if len(at):
            code = ci[at] * weights.k + ci[at + 1]
            j = np.searchsorted(weights.bi_codes, code)
            j = np.minimum(j, len(weights.bi_codes) - 1)
            ok = weights.bi_codes[j] == code
            t2, j2 = tid[at[ok]], j[ok]
            s[:, 0] += np.bincount(t2, weights=weights.bi_w[j2, 0], minlength=n)
            s[:, 1] += np.bincount(t2, weights=weights.bi_w[j2, 1], minlength=n)
    return n_grams, s[:, 0], s[:, 1]


#: label numbers of :func:`quality_labels`
LABELS = ("mention_only", "emoji_only", "generic", "substantive")


def quality_labels(texts: pa.Array, generic: pa.Array) -> np.ndarray:
    """:func:`tribescope.features._rules.quality_rules` per text, as an index into :data:`LABELS`."""
    t = pc.fill_null(texts.cast(pa.string()), "")
    n = len(t)
    low = pc.utf8_lower(t)
    at = has_each(t, ("@",))[:, 0]  # (lower-casing adds or removes no "@")
    has_mention = at.copy()
    if at.any():
        has_mention[at] = _np(pc.match_substring_regex(low.filter(pa.array(at)), MENTION_PATTERN))
    no_mention = _replace_where(low, has_mention, MENTION_PATTERN, " ")
    if K.on():
        ntok, toks = token_spans(no_mention, r"[\p{L}\p{N}']")
        toffs, tdata = _buffers(toks)
        alnum_tok, n_gen = K.kernels().rule_counts(
            ntok, toffs, tdata, _np(pc.is_in(toks, generic)).astype(bool)
        )
    else:
        tid, toks = tokens(no_mention, r"[\p{L}\p{N}']")
        ntok = np.bincount(tid, minlength=n)
        if len(toks):
            # (no dictionary: two cheap per-token tests) a token holds a letter or digit unless it is all "'"
            toffs, tdata = _buffers(toks)
            other = np.add.reduceat(tdata != 0x27, toffs[:-1], dtype=np.int64) > 0
            alnum_tok = np.bincount(tid, weights=other, minlength=n) > 0
            n_gen = np.bincount(tid, weights=_np(pc.is_in(toks, generic)), minlength=n).astype(np.int64)
        else:
            alnum_tok = np.zeros(n, bool)
            n_gen = np.zeros(n, dtype=np.int64)
    alnum_low = _np(pc.match_substring_regex(low, r"[\p{L}\p{N}]"))
    blank = np.zeros(n, bool)
    if (~alnum_low).any():
        m = ~alnum_low
        blank[m] = _np(pc.match_substring_regex(t.filter(pa.array(m)), r"^[\s\p{Z}]*$"))
    few = ntok <= 3
    all_generic = (ntok > 0) & (n_gen == ntok)
    return np.select([has_mention & ~alnum_tok, ~alnum_low & ~blank, few | all_generic], [0, 1, 2], 3).astype(
        np.int8
    )


# --------------------------------------------------------------------------- running them from the engine
#: texts per piece of a batch (pieces of this size run faster than one large piece: caches) and the threads
#: the pieces run on (the Arrow kernels and the large numpy operations release the GIL)
PIECE, THREADS = 50_000, 2

Compute = Callable[[pa.Array], dict[str, Any]]


def in_pieces(compute: Compute, texts: pa.Array) -> dict[str, Any]:
    """``compute`` over pieces of :data:`PIECE` texts on :data:`THREADS` threads, the columns concatenated; every
    piece with the compiled kernels or every piece with the numpy forms, by the batch's size
    (:func:`tribescope.features._kernels.wanted`)."""
    n = len(texts)
    use = K.wanted(n)

    def run(piece: pa.Array) -> dict[str, Any]:
        with K.using(use):
            return compute(piece)

    if n <= PIECE:
        return run(texts)
    from concurrent.futures import ThreadPoolExecutor

    pieces = [texts.slice(i, PIECE) for i in range(0, n, PIECE)]
    with ThreadPoolExecutor(THREADS) as ex:
        parts = list(ex.map(run, pieces))
    return {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]}


_UDFS: dict[tuple[str, str], Any] = {}


def batch_udf(name: str, row_type: dt.Struct, out: dict[str, dt.DataType], compute: Compute) -> Any:
    """A pyarrow UDF: a list of ``row_type`` structs (key fields and ``_t``, the text) → a list of structs (the
    key fields and the ``out`` columns ``compute`` returns for the texts), in the same order.

    The texts reach the UDF as one list (one row of an aggregate), so ``compute`` sees large batches: DuckDB
    hands a scalar UDF 2,048 rows at a time, and per-call costs then dominate. PySpark runs ibis' pyarrow UDFs
    as row UDFs (one Python list per call); that works too."""
    cache_key = (name, str(row_type))
    if cache_key not in _UDFS:
        keys = [k for k in row_type.names if k != "_t"]
        out_type = dt.Array(dt.Struct({**{k: row_type[k] for k in keys}, **out}))
        arrow_out = out_type.value_type.to_pyarrow()
        out_arrow = {k: v.to_pyarrow() for k, v in out.items()}

        def fn(rows: Any) -> Any:
            if not isinstance(rows, pa.Array | pa.ChunkedArray):
                items = [r.asDict() if hasattr(r, "asDict") else dict(r) for r in (rows or [])]
                if not items:
                    return []
                cols = in_pieces(compute, pc.fill_null(pa.array([r["_t"] for r in items], pa.string()), ""))
                vals = {k: pa.array(np.asarray(cols[k]), out_arrow[k]).to_pylist() for k in out}
                return [
                    {**{k: r[k] for k in keys}, **{k: vals[k][i] for k in out}} for i, r in enumerate(items)
                ]
            lists = rows.combine_chunks() if isinstance(rows, pa.ChunkedArray) else rows
            flat = lists.flatten()
            texts = pc.fill_null(flat.field("_t").cast(pa.string()), "")
            if isinstance(texts, pa.ChunkedArray):
                texts = texts.combine_chunks()
            cols = in_pieces(compute, texts) if len(flat) else {k: np.zeros(0) for k in out}
            values = pa.StructArray.from_arrays(
                [*(flat.field(k) for k in keys), *(pa.array(np.asarray(cols[k]), out_arrow[k]) for k in out)],
                fields=list(arrow_out),
            )
            lengths = np.asarray(pc.fill_null(pc.list_value_length(lists), 0).to_numpy(), dtype=np.int32)
            offsets = np.zeros(len(lists) + 1, dtype=np.int32)
            offsets[1:] = np.cumsum(lengths)
            return pa.ListArray.from_arrays(pa.array(offsets), values, mask=lists.is_null())

        fn.__name__ = f"tribescope_{name}_{len(_UDFS)}"
        _UDFS[cache_key] = ibis.udf.scalar.pyarrow(
            fn, name=fn.__name__, signature=((dt.Array(row_type),), out_type)
        )
    return _UDFS[cache_key]


#: bytes of text per list handed to the UDF. DuckDB converts a UDF's input to Arrow with 32-bit offsets (at most
#: 2 GiB of strings per call) and hands it up to 2,048 rows per call: one list of every text failed past 2 GiB of
#: distinct text. 2,048 lists of ≤ 512 KiB (plus the text that crosses the bound) stay near 1 GiB a call; below
#: that, every list still arrives in one call.
LIST_BYTES = 512 * 1024


@ibis.udf.scalar.builtin(name="strlen")  # type: ignore[untyped-decorator]
def _bytes(s: str) -> int:  # type: ignore[empty-body]
    """DuckDB's ``strlen``: a string's length in bytes (stored with the string: no scan of its characters)."""


def rows_through(
    t: ibis.Table, keys: list[str], text: str, name: str, out: dict[str, Any], compute: Compute
) -> ibis.Table:
    """``keys`` + the ``out`` columns of ``compute`` for each row of ``t`` (one row per key), by :func:`batch_udf`.

    The rows go to the UDF as lists of at most :data:`LIST_BYTES` bytes of text (cut in the order DuckDB scans
    them: each text's features depend on that text alone, so how they are grouped changes nothing). DuckDB only:
    PySpark runs the Ibis expressions instead."""
    size = _bytes(t[text].cast("string")).fill_null(0)
    t = t.mutate(__list=size.cumsum() // LIST_BYTES)
    row = ibis.struct({**{k: t[k] for k in keys}, "_t": t[text].cast("string")})
    agg = t.group_by("__list").aggregate(_rows=row.collect())
    udf = batch_udf(name, row.type(), {k: dt.dtype(v) for k, v in out.items()}, compute)
    u = agg.select(_u=udf(agg._rows)).unnest("_u")
    return u.select(**{k: u._u[k] for k in [*keys, *out]})
