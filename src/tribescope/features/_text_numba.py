# ruff: noqa: SIM108, SIM109  (compiled kernels: plain branches and comparisons, as numba compiles them)
"""Compiled (numba) single-pass kernels behind :mod:`tribescope.features._text_arrow` and
:mod:`tribescope.features._vader_arrow`.

Each kernel walks the UTF-8 bytes or the token/word numbers once per text, in plain loops, and releases the GIL
(``nogil=True``), so the pieces of a batch run on both threads of :func:`tribescope.features._text_arrow.in_pieces`.
The definitions are those of the numpy forms they replace (same tokens, same sums in the same order, the same
VADER rules step for step); the numpy forms run instead for small batches and when numba is not installed
(:mod:`tribescope.features._kernels` decides, and imports this module only when a batch runs the kernels).
Compiled code is cached on disk (``cache=True``), so only the first run on a machine pays the compile time.

* :func:`tokenize` — maximal runs of word characters per text (a character's class from a 128-entry ASCII table
  and a code-point table that RE2 fills, see :func:`tribescope.features._text_arrow._classify`): token byte spans,
  and the code points not classified yet (the caller fills them and runs again);
* :func:`gather` — the tokens' bytes as one buffer with offsets (an Arrow string array's buffers);
* :func:`model_sums` — per text ``Σ w`` over known 1-grams (token order) plus ``Σ w`` over known 2-grams (pairs of
  neighbouring tokens, a binary search among the sorted pair codes);
* :func:`rule_counts` — per text the token count, whether a token holds a byte other than ``'``, generic tokens;
* :func:`vader` — VADER's per-text part over the words (text-level caps / "!" / "?" amplifiers, the kept words'
  neighbours 1–3 before and 1–2 after, negation, boosters, caps, idioms, "least", "kind of", "but", compound).
"""

from __future__ import annotations

import numpy as np

try:  # pragma: no cover - exercised by the import itself
    from numba import njit

    ENABLED = True
except ImportError:  # pragma: no cover - the numpy forms run instead
    ENABLED = False

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        def wrap(f):
            return f

        return wrap if not (len(args) == 1 and callable(args[0])) else args[0]


__all__ = ["ENABLED", "gather", "model_sums", "rule_counts", "tokenize", "vader"]


@njit(nogil=True, cache=True)
def tokenize(offs, data, ascii_cls, cp_cls, want):  # pragma: no cover - compiled
    """Token spans ``(start, end)`` (byte positions), tokens per text, and unclassified code points (≤ 4,096,
    with repeats; when there are any, the spans are incomplete and the caller classifies them and runs again).
    A token is a maximal run of characters whose class is ``want`` (True: in the class; False: outside it)."""
    n = len(offs) - 1
    cap = len(data) // 2 + n + 1
    ts = np.empty(cap, np.int64)
    te = np.empty(cap, np.int64)
    per = np.zeros(n, np.int64)
    unknown = np.empty(4096, np.int64)
    nu = 0
    k = 0
    for t in range(n):
        i = offs[t]
        end = offs[t + 1]
        inside = False
        while i < end:
            b = data[i]
            if b < 0x80:
                w = (ascii_cls[b] != 0) == want
                ln = 1
            elif b >= 0xC0:
                b1 = data[i + 1] & 0x3F if i + 1 < end else 0
                b2 = data[i + 2] & 0x3F if i + 2 < end else 0
                b3 = data[i + 3] & 0x3F if i + 3 < end else 0
                if b < 0xE0:
                    cp = ((b & 0x1F) << 6) | b1
                    ln = 2
                elif b < 0xF0:
                    cp = ((b & 0x0F) << 12) | (b1 << 6) | b2
                    ln = 3
                else:
                    cp = ((b & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3
                    ln = 4
                if cp > 0x10FFFF:
                    cp = 0x10FFFF
                c = cp_cls[cp]
                if c < 0:
                    if nu < 4096:
                        unknown[nu] = cp
                        nu += 1
                    w = False
                else:
                    w = (c != 0) == want
                if i + ln > end:
                    ln = end - i
            else:  # a continuation byte without its lead: in no class
                w = not want
                ln = 1
            if w:
                if not inside:
                    ts[k] = i
                    per[t] += 1
                    inside = True
                te[k] = i + ln
            elif inside:
                k += 1
                inside = False
            i += ln
        if inside:
            k += 1
    return ts[:k], te[:k], per, unknown[:nu]


@njit(nogil=True, cache=True)
def gather(data, ts, te):  # pragma: no cover - compiled
    """The bytes of the spans, one after another, and their int32 offsets."""
    m = len(ts)
    offs = np.empty(m + 1, np.int32)
    tot = 0
    for j in range(m):
        offs[j] = tot
        tot += te[j] - ts[j]
    offs[m] = tot
    out = np.empty(tot, np.uint8)
    p = 0
    for j in range(m):
        for i in range(ts[j], te[j]):
            out[p] = data[i]
            p += 1
    return out, offs


@njit(nogil=True, cache=True)
def model_sums(
    per, wi, word_uni, word_comp, uni_w, bi_codes, bi_start, bi_w, k
):  # pragma: no cover - compiled
    """Per text: n-gram count ``max(2L − 1, 1)``, Σ spam weight, Σ attack weight (1-grams, then 2-grams; the
    2-grams whose first component is ``a`` are ``bi_codes[bi_start[a]:bi_start[a + 1]]``)."""
    n = len(per)
    ng = np.empty(n, np.float64)
    s0 = np.zeros(n, np.float64)
    s1 = np.zeros(n, np.float64)
    nb = len(bi_codes)
    j = 0
    for t in range(n):
        L = per[t]
        ng[t] = max(2 * L - 1, 1)
        u0 = 0.0
        u1 = 0.0
        v0 = 0.0
        v1 = 0.0
        prev = -1
        for q in range(j, j + L):
            w = wi[q]
            c = -1
            if w >= 0:
                u = word_uni[w]
                if u >= 0:
                    u0 += uni_w[u, 0]
                    u1 += uni_w[u, 1]
                c = word_comp[w]
            if nb > 0 and prev >= 0 and c >= 0:
                code = prev * k + c
                lo = bi_start[prev]
                hi = bi_start[prev + 1]
                while lo < hi:  # binary search among the 2-grams starting with this component
                    mid = (lo + hi) // 2
                    if bi_codes[mid] < code:
                        lo = mid + 1
                    else:
                        hi = mid
                if lo < bi_start[prev + 1] and bi_codes[lo] == code:
                    v0 += bi_w[lo, 0]
                    v1 += bi_w[lo, 1]
            prev = c
        s0[t] = (0.0 + u0) + v0
        s1[t] = (0.0 + u1) + v1
        j += L
    return ng, s0, s1


@njit(nogil=True, cache=True)
def rule_counts(per, tok_offs, tok_data, gen):  # pragma: no cover - compiled
    """Per text: tokens, whether a token holds a byte other than ``'``, tokens flagged in ``gen``."""
    n = len(per)
    alnum = np.zeros(n, np.bool_)
    ngen = np.zeros(n, np.int64)
    j = 0
    for t in range(n):
        for q in range(j, j + per[t]):
            if gen[q]:
                ngen[t] += 1
            if not alnum[t]:
                for i in range(tok_offs[q], tok_offs[q + 1]):
                    if tok_data[i] != 0x27:
                        alnum[t] = True
                        break
        j += per[t]
    return alnum, ngen


@njit(nogil=True, cache=True)
def _match(a, b, c, ln, ph, p):  # pragma: no cover - compiled
    """Whether the words ``a b (c)`` (``ln`` of them) are phrase ``p``."""
    if ph[p, 3] != ln:
        return False
    if ln == 2:
        return a == ph[p, 0] and b == ph[p, 1]
    return a == ph[p, 0] and b == ph[p, 1] and c == ph[p, 2]


@njit(nogil=True, cache=True, inline="always")
def _first_phrase(seqs, ph, ph_val, default):  # pragma: no cover - compiled
    """The value of the first phrase that one of the word sequences ``seqs`` (``(a, b, c, length)``, tried in order,
    each against every phrase) is, else ``default``."""
    for a, b, c, ln in seqs:
        for p in range(ph.shape[0]):
            if _match(a, b, c, ln, ph, p):
                return ph_val[p]
    return default


@njit(nogil=True, cache=True)
def vader(
    n, tid, idx, keep, val, wid, code, up_raw, n_excl, n_qm, ph, ph_val, bg, ids, consts
):  # pragma: no cover
    """VADER compound per text over its words (``tid`` sorted; ``idx`` a word's distinct-word number; per distinct
    word: kept, valence (nan: none), rule word number, code bits, ALL-CAPS, "!" and "?" counts).

    ``ph`` / ``bg``: the special-case phrases / booster n-grams as word numbers (columns 0–2, length in column 3);
    ``ids``: the numbers of no, or, nor, so, this, never, without, doubt, least, at, very, kind, of, but;
    ``consts``: B_INCR, B_DECR, C_INCR, N_SCALAR."""
    IN_LEX, UPPER, NEG, BPOS, BNEG = 1, 2, 4, 8, 16
    w_no, w_or, w_nor, w_so, w_this, w_never, w_without, w_doubt = (
        ids[0],
        ids[1],
        ids[2],
        ids[3],
        ids[4],
        ids[5],
        ids[6],
        ids[7],
    )
    w_least, w_at, w_very, w_kind, w_of, w_but = ids[8], ids[9], ids[10], ids[11], ids[12], ids[13]
    B_INCR, B_DECR, C_INCR, N_SCALAR = consts[0], consts[1], consts[2], consts[3]
    out = np.zeros(n, np.float64)
    m = len(tid)
    KP = np.empty(m, np.int64)  # position of each kept word within its text
    KD = np.empty(m, np.int64)  # its distinct-word number
    nbg = bg.shape[0]
    fs = (1.0, 0.95, 0.9)
    i = 0
    while i < m:
        t = tid[i]
        e = i
        while e < m and tid[e] == t:
            e += 1
        # text level: words, ALL-CAPS words, "!", "?"; the kept words
        nw = e - i
        n_up = 0
        ep = 0
        qm = 0
        nk = 0
        for q in range(i, e):
            d = idx[q]
            if up_raw[d]:
                n_up += 1
            ep += n_excl[d]
            qm += n_qm[d]
            if keep[d]:
                KP[nk] = q - i
                KD[nk] = d
                nk += 1
        cap_t = n_up > 0 and n_up < nw
        amp = min(float(ep), 4.0) * 0.292
        fq = float(qm)
        if qm > 3:
            amp += 0.96
        elif qm > 1:
            amp += fq * 0.18
        else:
            amp += 0.0
        bsum = 0.0
        asum = 0.0
        has_but = False
        buts = 0
        for r in range(nk):
            d = KD[r]
            P = KP[r]
            W = wid[d]
            if w_but == W:
                buts += 1
            vk = val[d]
            if np.isnan(vk) and w_but != W:
                continue
            # the kept words exactly 1, 2, 3 positions before and 1, 2 after (0: none / not kept)
            l1 = l2 = l3 = 0
            o1 = o2 = o3 = 0
            for s in range(r - 1, max(r - 3, 0) - 1, -1):
                dp = P - KP[s]
                if dp == 1:
                    l1 = wid[KD[s]]
                    o1 = code[KD[s]]
                elif dp == 2:
                    l2 = wid[KD[s]]
                    o2 = code[KD[s]]
                elif dp == 3:
                    l3 = wid[KD[s]]
                    o3 = code[KD[s]]
            n1 = n2 = 0
            c_n1 = 0
            for s in range(r + 1, min(r + 2, nk - 1) + 1):
                dp = KP[s] - P
                if dp == 1:
                    n1 = wid[KD[s]]
                    c_n1 = code[KD[s]]
                elif dp == 2:
                    n2 = wid[KD[s]]
            after = buts > 0
            if after:
                has_but = True
            if np.isnan(vk):
                v = 0.0
            else:
                up_k = (code[d] & UPPER) != 0
                c1 = P >= 1 and (o1 & IN_LEX) == 0
                c2 = P >= 2 and (o2 & IN_LEX) == 0
                c3 = P >= 3 and (o3 & IN_LEX) == 0
                g1 = (o1 & NEG) != 0
                g2 = (o2 & NEG) != 0
                g3 = (o3 & NEG) != 0
                l1_so = l1 == w_so or l1 == w_this
                l2_so = l2 == w_so or l2 == w_this
                m1 = N_SCALAR if g1 else 1.0
                if l2 == w_never and l1_so:
                    m2 = 1.25
                elif l2 == w_without and l1 == w_doubt:
                    m2 = 1.0
                elif g2:
                    m2 = N_SCALAR
                else:
                    m2 = 1.0
                if (l3 == w_never and l2_so) or l1_so:
                    m3 = 1.25
                elif l3 == w_without and (l2 == w_doubt or l1 == w_doubt):
                    m3 = 1.0
                elif g3:
                    m3 = N_SCALAR
                else:
                    m3 = 1.0
                no_neg = l1 == w_no or l2 == w_no or (l3 == w_no and (l1 == w_or or l1 == w_nor))
                if no_neg:
                    v = vk * N_SCALAR
                elif w_no == W and (c_n1 & IN_LEX) != 0:
                    v = 0.0
                else:
                    v = vk
                if cap_t and up_k:
                    v = v + C_INCR if v > 0 else v - C_INCR
                for dd in range(3):
                    if dd == 0:
                        od, cd, md = o1, c1, m1
                    elif dd == 1:
                        od, cd, md = o2, c2, m2
                    else:
                        od, cd, md = o3, c3, m3
                    if (od & BPOS) != 0:
                        b = B_INCR
                    elif (od & BNEG) != 0:
                        b = B_DECR
                    else:
                        b = 0.0
                    sc = -b if v < 0 else b
                    if cap_t and (od & UPPER) != 0 and b != 0:
                        sc = sc + (C_INCR if v > 0 else -C_INCR)
                    else:
                        sc = sc + 0.0
                    if cd:
                        v = (v + sc * fs[dd]) * md
                if c3 and l1 == 0 and l2 == 0 and l3 == 0 and W == 0:
                    idi = v + 0.0  # no rule word around: no idiom, no booster n-gram
                elif c3:
                    # idioms: the first special case among the words before (in this order of word sequences),
                    # overridden by one starting at this word; booster n-grams before add B_DECR each
                    inner = _first_phrase(
                        ((l1, W, 0, 2), (l2, l1, W, 3), (l2, l1, 0, 2), (l3, l2, l1, 3), (l3, l2, 0, 2)),
                        ph,
                        ph_val,
                        v,
                    )
                    w_id = _first_phrase(((W, n1, n2, 3), (W, n1, 0, 2)), ph, ph_val, inner)
                    add = 0.0
                    for seq in range(3):
                        for p in range(nbg):
                            if seq == 0:
                                ok = _match(l3, l2, l1, 3, bg, p)
                            elif seq == 1:
                                ok = _match(l3, l2, 0, 2, bg, p)
                            else:
                                ok = _match(l2, l1, 0, 2, bg, p)
                            if ok:
                                add = add + B_DECR
                    idi = w_id + add
                else:
                    idi = v
                least = N_SCALAR if (l1 == w_least and l2 != w_at and l2 != w_very) else 1.0
                if w_kind == W and n1 == w_of:
                    v = 0.0
                else:
                    v = idi * least
            if after:
                asum += v
            else:
                bsum += v
        if has_but:
            s_ = bsum * 0.5 + asum * 1.5
        else:
            s_ = bsum + asum
        if s_ > 0:
            s2 = s_ + amp
        elif s_ < 0:
            s2 = s_ - amp
        else:
            s2 = 0.0
        out[t] = s2 / np.sqrt(s2 * s2 + 15.0)
        i = e
    return out


@njit(nogil=True, cache=True)
def contains(offs, data, needles, noffs):  # pragma: no cover - compiled
    """Per text and needle (the byte strings ``needles[noffs[j]:noffs[j + 1]]``): whether the text holds it."""
    n = len(offs) - 1
    k = len(noffs) - 1
    out = np.zeros((n, k), np.bool_)
    first = np.full(256, False)
    for j in range(k):
        first[needles[noffs[j]]] = True
    for t in range(n):
        end = offs[t + 1]
        left = k
        for i in range(offs[t], end):
            b = data[i]
            if not first[b]:
                continue
            for j in range(k):
                if out[t, j] or needles[noffs[j]] != b:
                    continue
                ln = noffs[j + 1] - noffs[j]
                if i + ln > end:
                    continue
                ok = True
                for q in range(1, ln):
                    if data[i + q] != needles[noffs[j] + q]:
                        ok = False
                        break
                if ok:
                    out[t, j] = True
                    left -= 1
            if left == 0:
                break
    return out


@njit(nogil=True, cache=True, inline="always")
def _code_point(data, i):  # pragma: no cover - compiled
    """The code point starting at byte ``i`` of UTF-8 ``data`` and its length in bytes (missing continuation
    bytes past the end read as 0)."""
    b = data[i]
    if b < 0x80:
        return np.int64(b), 1
    b1 = np.int64(data[i + 1] & 0x3F) if i + 1 < len(data) else np.int64(0)
    b2 = np.int64(data[i + 2] & 0x3F) if i + 2 < len(data) else np.int64(0)
    b3 = np.int64(data[i + 3] & 0x3F) if i + 3 < len(data) else np.int64(0)
    if b < 0xE0:
        return ((np.int64(b) & 0x1F) << 6) | b1, 2
    if b < 0xF0:
        return ((np.int64(b) & 0x0F) << 12) | (b1 << 6) | b2, 3
    return ((np.int64(b) & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3, 4


@njit(nogil=True, cache=True)
def translate_emoji(offs, data, table, dbuf, doffs):  # pragma: no cover - compiled
    """Which words hold a VADER emoji (``table[code point]`` > 0), and those words rebuilt with each emoji → its
    translation ``dbuf[doffs[e]:doffs[e + 1]]`` (bytes and int32 offsets)."""
    n = len(offs) - 1
    has = np.zeros(n, np.bool_)
    size = np.zeros(n, np.int64)
    for w in range(n):
        i = offs[w]
        end = offs[w + 1]
        while i < end:
            cp, ln = _code_point(data, i)
            e = table[min(cp, 0x10FFFF)]
            if e > 0:
                has[w] = True
                size[w] += doffs[e + 1] - doffs[e]
            else:
                size[w] += ln
            i += ln
            while i < end and (data[i] & 0xC0) == 0x80:  # (continuation bytes of a malformed character)
                i += 1
    m = 0
    tot = 0
    for w in range(n):
        if has[w]:
            m += 1
            tot += size[w]
    out = np.empty(tot, np.uint8)
    new_offs = np.zeros(m + 1, np.int32)
    p = 0
    k = 0
    for w in range(n):
        if not has[w]:
            continue
        i = offs[w]
        end = offs[w + 1]
        while i < end:
            cp, ln = _code_point(data, i)
            e = table[min(cp, 0x10FFFF)]
            if e > 0:
                for q in range(doffs[e], doffs[e + 1]):
                    out[p] = dbuf[q]
                    p += 1
            else:
                for q in range(i, i + ln):
                    out[p] = data[q]
                    p += 1
            i += ln
            while i < end and (data[i] & 0xC0) == 0x80:
                i += 1
        k += 1
        new_offs[k] = p
    return has, out, new_offs


@njit(nogil=True, cache=True)
def expand(tid, idx, lengths, firsts):  # pragma: no cover - compiled
    """Each word ``idx[j]`` (of text ``tid[j]``) → its ``lengths[idx[j]]`` replacement words, the dictionary
    entries ``firsts[idx[j]]``, ``firsts[idx[j]] + 1``, …: the new text and word numbers."""
    total = 0
    for j in range(len(idx)):
        total += lengths[idx[j]]
    nt = np.empty(total, np.int64)
    ni = np.empty(total, np.int64)
    p = 0
    for j in range(len(idx)):
        d = idx[j]
        f = firsts[d]
        for q in range(lengths[d]):
            nt[p] = tid[j]
            ni[p] = f + q
            p += 1
    return nt, ni
