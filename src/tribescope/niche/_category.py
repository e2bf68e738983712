"""Niche category of a creator (fashion, travel, family, food, beauty, interior, fitness, pet, other) from content.

Model
-----
A linear classifier over six TF-IDF blocks of everything a creator's posts carry, trained on the creator
categories of Kim et al. ("Multimodal Post Attentive Profiling for Influencer Marketing", WWW 2020; the sample in
``shared/data/instagram_influencer_posts_kim``). All posts of a creator are aggregated into one document per block
(:func:`creator_fields`):

* ``text`` — words and ``#hashtags`` of titles, captions and hashtags;
* ``image`` — words and word pairs of the platform's automatic image description
  (``posts.accessibility_caption``, "Image may contain: 2 people, food"): the only view of the image content;
* ``comments`` — words of the comments *others* wrote under the creator's posts (≤ 50 per post);
* ``replies`` — words of the creator's own comments under its posts;
* ``tagged`` — character 3–5-grams of the handles tagged on the media (``posts.tagged_users``);
* ``handle`` — character 3–5-grams of the creator's handle (``"fitwithanna"`` → ``fit``, ``with``…).

Each block is sublinear TF-IDF, L2-normalised, times a block weight. The classifier is a one-vs-rest linear SVM
(liblinear, squared hinge); its margins ``z = W x + b`` become probabilities by temperature scaling,
``P(c | x) = softmax(z / T)_c`` (Guo et al., "On Calibration of Modern Neural Networks", ICML 2017), with ``T``
fitted on creators held out inside the training part. ``niche_confidence`` is the top probability.

"Can judge"
-----------
A creator is judged (``niche_category`` not null) when both hold:

* evidence: its text, image, comment and reply blocks hold at least ``min_terms`` (3) distinct known terms; with
  less, ``niche_category`` and ``niche_confidence`` are null;
* confidence: the top probability is at least ``min_confidence`` — by default the model's own threshold τ,
  the lowest confidence at which creators held out inside the training part reach the target accuracy (see
  ``models/category.json``: ``judge_threshold``). Below τ, ``niche_category`` is null and ``niche_confidence``
  still shows the top probability.

The workspace's own ``accounts.category`` is never read, so an imported influencer list with an empty Category
column makes no difference. The model ships as ``models/category.npz`` (plain arrays, no pickle) and
``models/category.json`` (its held-out metrics, how and on which files it was trained); rebuild it with
``tribescope train category``. See ``docs/findings-real-data.md`` for what it reaches and why not more.
"""

from __future__ import annotations

import itertools
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from tribescope.errors import TribescopeError
from tribescope.niche._topics import TOKEN_PATTERN
from tribescope.store import Workspace, require_workspace

if TYPE_CHECKING:  # scikit-learn is imported to train (``vectorizer``), never to apply the shipped model
    from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = [
    "BLOCKS",
    "CATEGORIES",
    "CategoryModel",
    "ModelMissing",
    "creator_fields",
    "load_category_model",
    "predict_niche_category",
]

CATEGORIES = ("beauty", "family", "fashion", "fitness", "food", "interior", "other", "pet", "travel")

#: feature blocks, in the order of the model's columns
BLOCKS = ("text", "image", "comments", "replies", "tagged", "handle")
#: blocks whose known terms count as evidence ("can judge")
EVIDENCE_BLOCKS = ("text", "image", "comments", "replies")
#: comments per post that go into the ``comments`` / ``replies`` blocks (earliest first)
MAX_COMMENTS_PER_POST = 50

_MODEL_DIR = "models"


class ModelMissing(TribescopeError):
    """The fitted category model is not where the package expects it."""


#: each block's TF-IDF settings (sublinear tf, lower case, L2 rows and float64 for all): the training vectoriser
#: (:func:`vectorizer`) and the one that applies the shipped model (:class:`FixedTfidf`) both read them
_BLOCK_PARAMS: dict[str, dict[str, Any]] = {
    "text": {"token_pattern": TOKEN_PATTERN, "min_df": 3, "max_features": 40000},
    "image": {"token_pattern": TOKEN_PATTERN, "ngram_range": (1, 2), "min_df": 2, "max_features": 5000},
    "comments": {"token_pattern": TOKEN_PATTERN, "min_df": 3, "max_features": 30000},
    "replies": {"token_pattern": TOKEN_PATTERN, "min_df": 3, "max_features": 10000},
    "tagged": {"analyzer": "char_wb", "ngram_range": (3, 5), "min_df": 3, "max_features": 15000},
    "handle": {"analyzer": "char_wb", "ngram_range": (3, 5), "min_df": 3, "max_features": 15000},
}


def _block_params(block: str) -> dict[str, Any]:
    if block not in _BLOCK_PARAMS:
        raise ValueError(f"unknown feature block {block!r}; expected one of {BLOCKS}")
    return _BLOCK_PARAMS[block]


def vectorizer(block: str, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    """The scikit-learn TF-IDF vectoriser of one block, to train (imports scikit-learn)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    common: dict[str, Any] = {
        "sublinear_tf": True,
        "lowercase": True,
        "vocabulary": vocabulary,
        "dtype": np.float64,
    }
    return TfidfVectorizer(**_block_params(block), **common)


_WHITE_SPACES = re.compile(r"\s\s+")


class FixedTfidf:
    """A block's fitted TF-IDF vectoriser (vocabulary and ``idf``) applied without scikit-learn.

    ``transform`` returns what :func:`vectorizer` (``TfidfVectorizer(vocabulary=…)`` with ``idf_`` set) returns,
    bit for bit (``tests/test_niche*.py`` compare): the same analyser (lower case; ``token_pattern`` words and
    word n-grams, or ``char_wb`` n-grams over whitespace-normalised text), term counts of in-vocabulary terms,
    ``1 + ln(count)``, times ``idf``, each row divided by its L2 norm (summed in column order, as scikit-learn
    does). Counting each document's terms with :class:`collections.Counter` and looking up distinct terms only
    is ~2× faster than scikit-learn's per-token loop, and importing scikit-learn (~3 CPU-s) is avoided.
    """

    def __init__(self, block: str, vocabulary: dict[str, int], idf: np.ndarray) -> None:
        params = _block_params(block)
        self.block = block
        self.vocabulary_ = vocabulary
        self.idf_ = np.asarray(idf, dtype=np.float64)
        self.analyzer: str = params.get("analyzer", "word")
        self.ngram_range: tuple[int, int] = params.get("ngram_range", (1, 1))
        self._findall = re.compile(params["token_pattern"]).findall if self.analyzer == "word" else None
        self._terms_array: pa.Array | None = None

    def _terms(self, doc: str) -> list[str]:
        doc = doc.lower()
        lo, hi = self.ngram_range
        if self._findall is not None:
            tokens = self._findall(doc)
            if hi == 1:
                return tokens
            out = list(tokens) if lo == 1 else []
            for n in range(max(lo, 2), min(hi + 1, len(tokens) + 1)):
                out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
            return out
        grams: list[str] = []  # char_wb, as scikit-learn's ``_char_wb_ngrams``
        add = grams.append
        for w in _WHITE_SPACES.sub(" ", doc).split():
            w = " " + w + " "
            w_len = len(w)
            for n in range(lo, hi + 1):
                offset = 0
                add(w[offset : offset + n])
                while offset + n < w_len:
                    offset += 1
                    add(w[offset : offset + n])
                if offset == 0:
                    break
        return grams

    def _counts(self, doc: str) -> tuple[np.ndarray, np.ndarray]:
        """Column indices (ascending) and counts of ``doc``'s in-vocabulary terms."""
        voc = self.vocabulary_
        counts = Counter(self._terms(doc))
        keys = [k for k in counts if k in voc]
        ind = np.fromiter((voc[k] for k in keys), np.int32, len(keys))
        val = np.fromiter((counts[k] for k in keys), np.float64, len(keys))
        order = np.argsort(ind, kind="stable")
        return ind[order], val[order]

    def transform(self, docs: Iterable[str]) -> sp.csr_matrix:
        rows = [self._counts(doc) for doc in docs]
        indptr = np.zeros(len(rows) + 1, np.int32)
        np.cumsum([len(r[0]) for r in rows], out=indptr[1:])
        indices = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, np.int32)
        data = np.concatenate([r[1] for r in rows]) if rows else np.zeros(0, np.float64)
        return self._tfidf(data, indices, indptr)

    def transform_pieces(
        self, texts: list[str] | pa.Array, doc: np.ndarray, piece: np.ndarray, times: np.ndarray, n_docs: int
    ) -> sp.csr_matrix:
        """:meth:`transform` of documents given as pieces: document ``doc[k]`` holds ``times[k]`` copies of
        ``texts[piece[k]]``, the pieces joined by spaces (as ``group_concat(text, ' ')`` would join them).

        Word analyser without n-grams only: no term spans two pieces, so a document's term counts are the sums of
        its pieces' counts (see :meth:`_text_counts`). The result equals :meth:`transform` of the joined documents
        bit for bit (the same integer counts, then the same arithmetic).
        """
        if self.analyzer != "word" or self.ngram_range != (1, 1):
            raise ValueError(f"block {self.block!r}: pieces need the word analyser without n-grams")
        per_text = self._text_counts(texts)
        owners = sp.csr_matrix(
            (np.asarray(times, np.float64), (np.asarray(doc), np.asarray(piece))),
            shape=(n_docs, per_text.shape[0]),
        )
        counts = (owners @ per_text).tocsr()  # integer sums, exact in float64
        counts.sum_duplicates()
        counts.sort_indices()
        counts.eliminate_zeros()
        return self._tfidf(
            counts.data.astype(np.float64), counts.indices.astype(np.int32), counts.indptr.astype(np.int32)
        )

    def _text_counts(self, texts: list[str] | pa.Array) -> sp.csr_matrix:
        """Each text's in-vocabulary term counts (texts × vocabulary, float64 integers).

        Tokenised per distinct *space-separated word*, not per text: a term never holds a space (``token_pattern``
        matches ``#`` and word characters), a space is a non-word character as the string's edges are for ``\\b``,
        and lower-casing stops at a space too (Python's only context rule, the final sigma, looks through
        case-ignorable characters, and a space is not one), so a text's terms are its words' terms in order.
        Words repeat far more than texts (synth m: 1.44M words, 35k distinct, 167k distinct texts); the split and
        the distinct words are Arrow work, the regex runs once per distinct word.
        """
        assert self._findall is not None
        findall = self._findall
        arr = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else pa.array(texts, pa.string())
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        n_texts = len(arr)
        words = pc.split_pattern(arr, " ")
        text_of = pc.list_parent_indices(words).to_numpy()
        enc = pc.list_flatten(words).dictionary_encode()
        distinct = enc.dictionary.to_pylist()
        tokens: list[str] = []
        ends = np.zeros(len(distinct) + 1, np.int64)
        for i, w in enumerate(distinct):  # one flat token list, no per-word arrays
            tokens.extend(findall(w.lower()))
            ends[i + 1] = len(tokens)
        if self._terms_array is None:
            voc = self.vocabulary_
            self._terms_array = pa.array(sorted(voc, key=voc.__getitem__), pa.string())  # column j's term
        col = pc.index_in(pa.array(tokens, pa.string()), value_set=self._terms_array).fill_null(-1).to_numpy()
        word_of = np.repeat(np.arange(len(distinct)), np.diff(ends))
        known = col >= 0
        per_word = sp.csr_matrix(
            (np.ones(int(known.sum())), (word_of[known], col[known])), shape=(len(distinct), len(self.idf_))
        )  # duplicates summed: the count of each term in each distinct word
        occurs = sp.csr_matrix(
            (np.ones(len(text_of)), (text_of, enc.indices.to_numpy(zero_copy_only=False))),
            shape=(n_texts, len(distinct)),
        )  # how often each distinct word occurs in each text
        return (occurs @ per_word).tocsr()

    def _tfidf(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray) -> sp.csr_matrix:
        """Raw counts (each row's columns ascending) → ``(1 + ln count) · idf``, rows L2-normalised."""
        np.log(data, data)
        data += 1.0
        data *= self.idf_[indices]
        for a, b in itertools.pairwise(indptr.tolist()):
            if b > a:
                seg = data[a:b]
                ss = float(np.cumsum(seg * seg)[-1])  # sequential sum in column order, like scikit-learn
                if ss != 0.0:
                    seg /= np.sqrt(ss)
        x = sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, len(self.idf_)))
        x.has_sorted_indices = True
        return x


# ---------------------------------------------------------------------------------------------- documents
def _concat(*parts: ir.StringValue) -> ir.StringValue:
    out = parts[0].fill_null("")
    for p in parts[1:]:
        out = out.concat(" ", p.fill_null(""))
    return out.strip()


def _selected_comments(posts: ir.Table, comments: ir.Table) -> ir.Table:
    """The comments that go into the ``comments``/``replies`` blocks — the first :data:`MAX_COMMENTS_PER_POST` with
    text under each post — with the post's creator ``o_creator`` and the text as ``_other`` (someone else wrote
    it) or ``_own`` (the creator did), the other one empty.

    The window that numbers each post's comments sorts every comment with text, so it is given the least it needs:
    each comment's key and time, and its post as one integer (the post's rank by key) rather than the two strings of
    the post's key; the author and text of the comments kept are joined back by the comment's key. At synth l (10M
    comments) 4.3–5.5 s and 8.0–10.3 CPU-s against 6.5–7.7 s and 12.5–14.4 CPU-s with the text carried through a
    window partitioned by the strings (docs/perf-rounds.md, forty-fifth round)."""
    owner = posts.select(o_platform="platform", o_post="post_id", o_creator="creator_id")
    owner = owner.mutate(_pn=ibis.row_number().over(order_by=[owner.o_platform, owner.o_post]))
    c = comments.filter(comments.text.notnull()).select("platform", "post_id", "comment_id", "created_at")
    c = c.inner_join(owner, [c.platform == owner.o_platform, c.post_id == owner.o_post])
    w = ibis.window(group_by=c._pn, order_by=[c.created_at, c.comment_id])
    c = c.mutate(_rn=ibis.row_number().over(w)).filter(lambda t: t._rn < MAX_COMMENTS_PER_POST).drop("_pn")
    body = comments.select(_b_platform="platform", _b_id="comment_id", author_id="author_id", text="text")
    c = c.inner_join(body, [c.platform == body._b_platform, c.comment_id == body._b_id]).drop(
        "_b_platform", "_b_id"
    )
    own = c.author_id.fill_null("") == c.o_creator
    return c.mutate(_is_own=own, _other=ibis.ifelse(own, "", c.text), _own=ibis.ifelse(own, c.text, ""))


def creator_comment_texts(posts: ir.Table, comments: ir.Table) -> ir.Table:
    """``(platform, creator_id, replies, text, n)``: the distinct texts of each creator's ``comments`` block
    (``replies`` false) and ``replies`` block (true), each with how often it occurs there — the pieces
    :func:`creator_fields` joins into those two blocks (see :meth:`FixedTfidf.transform_pieces`). Pure Ibis."""
    c = _selected_comments(posts, comments)
    c = c.filter(c.o_creator.notnull())  # as the blocks' join on the creator: a null id matches no creator
    c = c.select(platform=c.platform, creator_id=c.o_creator, replies=c._is_own, text=c.text)
    return c.group_by(["platform", "creator_id", "replies", "text"]).agg(n=c.count())


def creator_fields(
    posts: ir.Table, comments: ir.Table | None = None, accounts: ir.Table | None = None
) -> ir.Table:
    """``(platform, creator_id, handle, n_posts, text, image, comments, replies, tagged)``: one row per creator
    with posts, each block the creator's posts aggregated (see the module docstring). Pure Ibis."""
    cols = set(posts.columns)
    null = ibis.null().cast("string")
    title = posts.title if "title" in cols else null
    caption = posts.caption if "caption" in cols else null
    tags = posts.hashtags.map(lambda h: "#" + h).join(" ") if "hashtags" in cols else null
    image = posts.accessibility_caption if "accessibility_caption" in cols else null
    tagged = posts.tagged_users.join(" ") if "tagged_users" in cols else null
    created = posts.created_at if "created_at" in cols else ibis.null().cast("timestamp")
    p = posts.select(
        "platform",
        "post_id",
        "creator_id",
        _created=created,
        _text=_concat(title, caption, tags),
        _image=image.fill_null(""),
        _tagged=tagged.fill_null(""),
    )

    def joined(col: str, sep: str) -> ir.StringValue:
        """The creator's posts' ``col`` joined in post order (created_at, post_id), whatever order the rows come in:
        the blocks' word n-grams span adjacent posts, so an unordered ``group_concat`` made a creator's
        ``niche_confidence`` depend on the order its posts were imported in. Sorted as an array of structs (Spark's
        ``group_concat`` takes no ``order_by``)."""
        undated = (
            p._created.isnull()
        )  # first in the key: undated posts last on both engines, whatever their NULL order
        parts = ibis.struct({"undated": undated, "at": p._created, "id": p.post_id, "v": p[col]}).collect()
        return parts.sort().map(lambda x: x.v).join(sep)

    out = p.group_by(["platform", "creator_id"]).agg(
        n_posts=p.post_id.nunique(),
        text=joined("_text", "\n"),
        image=joined("_image", "\n"),
        tagged=joined("_tagged", " "),
    )
    if comments is not None:
        c = _selected_comments(posts, comments)
        ct = c.group_by([c.platform.name("c_platform"), c.o_creator.name("c_creator")]).agg(
            comments=c._other.group_concat(" "), replies=c._own.group_concat(" ")
        )
        out = out.left_join(ct, [out.platform == ct.c_platform, out.creator_id == ct.c_creator]).drop(
            "c_platform", "c_creator"
        )
    else:
        out = out.mutate(comments=null, replies=null)
    if accounts is not None:
        acc = accounts.select(a_platform="platform", a_id="account_id", a_username="username")
        out = out.left_join(acc, [out.platform == acc.a_platform, out.creator_id == acc.a_id])
        handle = out.a_username.fill_null(out.creator_id)
    else:
        handle = out.creator_id
    return out.select(
        "platform",
        "creator_id",
        handle=handle.lower(),
        n_posts=out.n_posts,
        **{b: out[b].fill_null("") for b in BLOCKS if b != "handle"},
    )


# ---------------------------------------------------------------------------------------------- model
@dataclass
class CategoryModel:
    """Fitted category model: one vectoriser per block, linear weights, temperature and judge threshold."""

    vectorizers: dict[
        str, Any
    ]  # block → :class:`FixedTfidf` (loaded) or a fitted ``TfidfVectorizer`` (training)
    weights: dict[str, float]
    coef: np.ndarray  # classes × features
    intercept: np.ndarray  # classes
    classes: tuple[str, ...]
    temperature: float = 1.0
    judge_threshold: float = 0.0
    meta: dict[str, Any] | None = field(default=None, repr=False)

    def block_features(self, docs: dict[str, list[str]]) -> dict[str, sp.csr_matrix]:
        """Each block's TF-IDF matrix (unweighted) of a batch of creators."""
        return {b: self.vectorizers[b].transform(docs[b]) for b in BLOCKS}

    def features(
        self, docs: dict[str, list[str]], blocks: dict[str, sp.csr_matrix] | None = None
    ) -> sp.csr_matrix:
        """The model's feature matrix of a batch of creators (``docs[block]`` = one string per creator)."""
        blocks = blocks or self.block_features(docs)
        return sp.hstack([blocks[b] * self.weights[b] for b in BLOCKS]).tocsr()

    def known_terms(
        self, docs: dict[str, list[str]], blocks: dict[str, sp.csr_matrix] | None = None
    ) -> np.ndarray:
        """Distinct vocabulary terms per creator over the evidence blocks."""
        if blocks is None:
            blocks = {b: self.vectorizers[b].transform(docs[b]) for b in EVIDENCE_BLOCKS}
        counts = [np.diff(blocks[b].indptr) for b in EVIDENCE_BLOCKS]
        return np.asarray(np.sum(counts, axis=0))

    def decision(
        self, docs: dict[str, list[str]], blocks: dict[str, sp.csr_matrix] | None = None
    ) -> np.ndarray:
        return np.asarray(self.features(docs, blocks) @ self.coef.T + self.intercept)

    def predict_proba(
        self, docs: dict[str, list[str]], blocks: dict[str, sp.csr_matrix] | None = None
    ) -> np.ndarray:
        """``softmax(z / T)`` of the margins ``z``."""
        z = self.decision(docs, blocks) / self.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def save(self, directory: Path) -> None:
        """Write ``category.npz`` (arrays) and ``category.json`` (metadata) into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {}
        for b in BLOCKS:
            v = self.vectorizers[b]
            arrays[f"{b}_vocab"] = np.array(sorted(v.vocabulary_, key=v.vocabulary_.__getitem__), dtype=str)
            arrays[f"{b}_idf"] = v.idf_.astype(np.float32)
        np.savez_compressed(
            directory / "category.npz",
            **arrays,
            weights=np.array([self.weights[b] for b in BLOCKS]),
            blocks=np.array(BLOCKS, dtype=str),
            coef=self.coef.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
            classes=np.array(self.classes, dtype=str),
            temperature=np.array([self.temperature]),
            judge_threshold=np.array([self.judge_threshold]),
        )
        (directory / "category.json").write_text(json.dumps(self.meta or {}, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, directory: Path | None = None) -> CategoryModel:
        """Load from ``directory`` (default: the model shipped in the package)."""
        if directory is None:
            base = resources.files("tribescope.niche") / _MODEL_DIR
            npz_res, meta_res = base / "category.npz", base / "category.json"
        else:
            npz_res, meta_res = Path(directory) / "category.npz", Path(directory) / "category.json"
        try:
            with npz_res.open("rb") as fh:
                z = np.load(fh, allow_pickle=False)
                arrays = {k: z[k] for k in z.files}
            meta = json.loads(meta_res.read_text()) if meta_res.is_file() else {}
        except FileNotFoundError as exc:
            raise ModelMissing(
                f"the niche-category model is missing ({npz_res}); reinstall tribescope, or rebuild it with "
                "`tribescope train category`"
            ) from exc
        except (
            OSError,
            ValueError,
            zipfile.BadZipFile,
            EOFError,
        ) as exc:  # a damaged file (JSONDecodeError: ValueError)
            raise ModelMissing(
                f"the niche-category model ({npz_res}, {meta_res}) cannot be read ({type(exc).__name__}: {exc}); "
                "reinstall tribescope, or rebuild it with `tribescope train category`"
            ) from exc
        if tuple(str(b) for b in arrays.get("blocks", [])) != BLOCKS:
            raise ModelMissing(
                f"{npz_res} was written by another tribescope version (feature blocks differ); "
                "rebuild it with `tribescope train category`"
            )
        other = _recorded_vectorizers_differ(meta)
        if other:
            raise ModelMissing(
                f"{meta_res} records the {other} block tokenised otherwise than this tribescope does: the model "
                "was written by another tribescope version; rebuild it with `tribescope train category`"
            )
        try:
            vecs = {}
            for b in BLOCKS:
                words = arrays[
                    f"{b}_vocab"
                ].tolist()  # Python strings at once (str() of each numpy.str_ is ~3× slower)
                vocab = dict(zip(words, range(len(words)), strict=True))
                vecs[b] = FixedTfidf(b, vocab, arrays[f"{b}_idf"].astype(np.float64))
            model = cls(
                vecs,
                {b: float(w) for b, w in zip(BLOCKS, arrays["weights"], strict=True)},
                arrays["coef"].astype(np.float64),
                arrays["intercept"].astype(np.float64),
                tuple(str(c) for c in arrays["classes"]),
                float(arrays["temperature"][0]),
                float(arrays["judge_threshold"][0]),
                meta,
            )
            # arrays that do not fit together failed only when the first creator was scored (a matmul error)
            n_terms = sum(len(v.vocabulary_) for v in vecs.values())
            shapes = {
                "coef": (model.coef.shape, (len(model.classes), n_terms)),
                "intercept": (model.intercept.shape, (len(model.classes),)),
                **{f"{b}_idf": (vecs[b].idf_.shape, (len(vecs[b].vocabulary_),)) for b in BLOCKS},
            }
            bad = [
                f"{k} has shape {got}, expected {want}" for k, (got, want) in shapes.items() if got != want
            ]
            unknown = sorted(set(model.classes) - set(CATEGORIES))
            if unknown:
                bad.append(f"classes {unknown} are not categories of this tribescope")
            if bad:
                raise ValueError("; ".join(bad))
            return model
        except (KeyError, ValueError, IndexError, TypeError) as exc:
            raise ModelMissing(
                f"{npz_res} is not a complete niche-category model ({type(exc).__name__}: {exc}); "
                "rebuild it with `tribescope train category`"
            ) from exc


def _recorded_vectorizers_differ(meta: dict[str, Any]) -> str | None:
    """The first block whose analyser or n-gram range recorded in ``category.json`` (``features``) differs from
    :data:`_BLOCK_PARAMS`; the vocabulary holds the terms of the recorded ones, so this code would look up other
    terms and silently miss most of them. ``None`` when they agree or nothing is recorded."""
    recorded = meta.get("features") if isinstance(meta, dict) else None
    if not isinstance(recorded, dict):
        return None
    for b in BLOCKS:
        vec = (recorded.get(b) or {}).get("vectorizer") if isinstance(recorded.get(b), dict) else None
        if not isinstance(vec, dict):
            continue
        params = _BLOCK_PARAMS[b]
        want = {
            "analyzer": params.get("analyzer", "word"),
            "ngram_range": str(params.get("ngram_range", (1, 1))),
        }
        if any(k in vec and str(vec[k]) != v for k, v in want.items()):
            return b
    return None


_CACHE: dict[str, CategoryModel] = {}


def load_category_model() -> CategoryModel:
    """The shipped model (loaded once per process)."""
    if "default" not in _CACHE:
        _CACHE["default"] = CategoryModel.load()
    return _CACHE["default"]


#: blocks built from comment texts as pieces: block → whether it holds the creator's own comments
_PIECE_BLOCKS = {"comments": False, "replies": True}


def _key(t: pa.Table) -> pa.Array:
    return pc.binary_join_element_wise(t["platform"], t["creator_id"], "\x00")


def _block_from_pieces(vec: Any, pieces: pa.Table | None, own: bool, creators: pa.Table) -> sp.csr_matrix:
    """A comment block's TF-IDF matrix, one row per ``creators`` row, from :func:`creator_comment_texts` rows;
    empty rows for creators without such comments."""
    n = creators.num_rows
    if pieces is None or pieces.num_rows == 0:
        return vec.transform([""] * n)
    mine = pieces.filter(pc.equal(pieces["replies"], own))
    doc = pc.index_in(_key(mine), value_set=_key(creators)).fill_null(-1).to_numpy()
    texts = mine["text"].dictionary_encode().combine_chunks()
    keep = doc >= 0  # a creator without posts of its own has no row
    return vec.transform_pieces(
        texts.dictionary,
        doc[keep],
        texts.indices.to_numpy(zero_copy_only=False)[keep],
        mine["n"].to_numpy()[keep],
        n,
    )


def predict_niche_category(
    ws: Workspace,
    *,
    min_terms: int = 3,
    min_confidence: float | None = None,
    model: CategoryModel | None = None,
    posts: ir.Table | None = None,
    comments: ir.Table | None = None,
) -> pa.Table:
    """``(platform, creator_id, niche_category, niche_confidence)`` for every creator with posts.

    ``niche_category`` is null when the creator cannot be judged: fewer than ``min_terms`` distinct known terms
    (then ``niche_confidence`` is null too), or a top probability below ``min_confidence`` (default: the model's
    ``judge_threshold``; 0 judges every creator with enough evidence). ``posts``/``comments`` (default: the
    workspace's) restrict it to some creators: their posts and every comment under them.
    """
    require_workspace(ws, "predict_niche_category")
    if model is not None and not isinstance(model, CategoryModel):
        raise TypeError(
            f"predict_niche_category takes model=CategoryModel (load_category_model()), not {type(model).__name__}"
        )
    m = model or load_category_model()
    tau = m.judge_threshold if min_confidence is None else min_confidence
    if posts is None:
        posts = ws.table("posts")
        comments = ws.table("comments") if ws.has_table("comments") else None
    accounts = ws.table("accounts") if ws.has_table("accounts") else None
    # the comment blocks as distinct texts with their counts, each tokenised once (FixedTfidf.transform_pieces)
    t = creator_fields(posts, None, accounts).order_by(["platform", "creator_id"]).to_pyarrow()
    docs = {b: [d or "" for d in t[b].to_pylist()] for b in BLOCKS if b not in _PIECE_BLOCKS}
    n = t.num_rows
    cats: list[str | None] = [None] * n
    conf: list[float | None] = [None] * n
    if n:
        blocks = {}
        for b in docs:
            v = m.vectorizers[b]
            if b == "text":  # a word block without n-grams: each document is its own single piece
                one = np.arange(n)
                blocks[b] = v.transform_pieces(t[b].fill_null(""), one, one, np.ones(n), n)
            else:
                blocks[b] = v.transform(docs[b])
        pieces = creator_comment_texts(posts, comments).to_pyarrow() if comments is not None else None
        for b, own in _PIECE_BLOCKS.items():
            blocks[b] = _block_from_pieces(m.vectorizers[b], pieces, own, t)
        proba = m.predict_proba(docs, blocks=blocks)
        known = m.known_terms(docs, blocks=blocks)
        best = proba.argmax(axis=1)
        for i in range(n):
            if known[i] >= min_terms:
                top = float(proba[i, best[i]])
                conf[i] = top
                if top >= tau:
                    cats[i] = m.classes[int(best[i])]
    return pa.table(
        {
            "platform": t["platform"],
            "creator_id": t["creator_id"],
            "niche_category": pa.array(cats, pa.string()),
            "niche_confidence": pa.array(conf, pa.float64()),
        }
    )
