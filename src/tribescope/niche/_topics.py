"""Topics of creators and posts: TF-IDF + non-negative matrix factorisation, with readable top terms.

Method
------
Documents (see :mod:`tribescope.niche._text`) are weighted by TF-IDF with sublinear term frequency
(``tf = 1 + log(count)``, ``idf = log((1+n)/(1+df)) + 1``, rows L2-normalised; Salton & Buckley 1988)
and factorised as ``X ≈ W H`` with NMF (Lee & Seung, Nature 401, 1999; NNDSVD-a initialisation of
Boutsidis & Gallopoulos 2008, which makes the result deterministic). Row ``W_i`` normalised to sum 1 is
creator i's topic mix; the largest entries of ``H_k`` are topic k's top terms. NMF rather than LDA:
on short social texts it gives more coherent, less generic topics (O'Callaghan et al., "An analysis
of the coherence of descriptors in topic modeling", Expert Systems with Applications 42, 2015).

Text similarity of two creators (:meth:`TopicModel.similarity`, used by lookalikes and the creator graph) is
``√(cos_topic · cos_words)``: the geometric mean of the cosine of their topic mixes ``W_i`` and the cosine of their
TF-IDF rows ``X_i``. A topic mix has only k entries, so with few topics two creators who share no word at all can
load on the same topic and get ``cos_topic`` = 1 (a gym and a yoga creator in a workspace of four creators); the
word cosine is 0 for them, and so is the product. Creators whose words agree keep the topic model's smoothing.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from tribescope.niche._text import creator_documents, post_documents, workspace_tables
from tribescope.store import Workspace, require_workspace

if TYPE_CHECKING:  # scikit-learn is imported where a model is fitted (importing it costs ~3 CPU-s)
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["TOKEN_PATTERN", "TopicModel", "fit_topics", "post_topics", "text_similarity", "topics"]

#: words of ≥ 2 letters, optionally a leading ``#`` (hashtags stay distinguishable from words).
TOKEN_PATTERN = r"(?u)#?\b[^\W\d_][^\W_]+\b"

#: very common social-media words that carry no niche.
SOCIAL_STOP_WORDS = frozenset(
    [
        "love",
        "like",
        "just",
        "get",
        "got",
        "good",
        "great",
        "nice",
        "thanks",
        "thank",
        "wow",
        "omg",
        "yes",
        "lol",
        "amazing",
        "beautiful",
        "awesome",
        "cute",
        "day",
        "today",
        "new",
        "time",
        "follow",
        "pic",
        "photo",
        "instagram",
        "insta",
        "repost",
        "post",
        "video",
        "link",
        "bio",
        "check",
        "one",
        "http",
        "https",
        "www",
        "com",
        "watch",
        "subscribe",
        "channel",
        "dont",
        "im",
        "youre",
        "thats",
        "its",
    ]
)


def __getattr__(name: str) -> Any:
    # ``STOP_WORDS`` = sorted(sklearn's ENGLISH_STOP_WORDS | SOCIAL_STOP_WORDS), built on first use (PEP 562)
    if name == "STOP_WORDS":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        globals()[name] = words = sorted(ENGLISH_STOP_WORDS | SOCIAL_STOP_WORDS)
        return words
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _n_topics(n_docs: int, requested: int | None) -> int:
    if requested is not None:
        return max(1, min(requested, n_docs))
    return int(max(1, min(n_docs, 20, max(2, round(n_docs**0.5)))))


@dataclass
class TopicModel:
    """A fitted topic model: vectoriser, NMF and per-creator topic mixes."""

    vectorizer: TfidfVectorizer
    nmf: NMF | None
    terms: list[list[str]]  # top terms per topic
    keys: list[tuple[str, str]]  # (platform, creator_id) per row of ``mix``
    mix: np.ndarray  # creators × topics, rows sum to 1 (all zero for creators without text)
    tfidf: object  # sparse creators × terms matrix

    @property
    def n_topics(self) -> int:
        return len(self.terms)

    def topic_cosine(self, rows: Sequence[int]) -> np.ndarray:
        """Cosine of the topic mixes of creators ``rows`` with every creator's (``len(rows) × n``; 0 without text)."""
        u = _unit_rows(self.mix)
        return np.asarray(np.clip(u[list(rows)] @ u.T, 0.0, 1.0), dtype=np.float64)

    def word_cosine(self, rows: Sequence[int]) -> np.ndarray:
        """Cosine of the TF-IDF rows (L2-normalised) of creators ``rows`` with every creator's (``len(rows) × n``)."""
        if self.tfidf is None:
            return np.zeros((len(rows), len(self.keys)))
        x = self.tfidf
        prod = x[list(rows)] @ x.T  # type: ignore[index,attr-defined]
        return np.asarray(np.clip(prod.toarray(), 0.0, 1.0), dtype=np.float64)

    def similarity(self, rows: Sequence[int]) -> np.ndarray:
        """:func:`text_similarity` of creators ``rows`` with every creator (``len(rows) × n``)."""
        return text_similarity(self.topic_cosine(rows), self.word_cosine(rows))

    def label(self, k: int, n: int = 3) -> str:
        return ", ".join(self.terms[k][:n])

    def transform(self, documents: list[str]) -> np.ndarray:
        """Topic mixes (rows sum to 1, or 0 when no known term) of new documents."""
        if self.nmf is None:
            return np.zeros((len(documents), 0))
        return _normalise(self.nmf.transform(self.vectorizer.transform(documents)))

    def creator_table(self, n_terms: int = 5) -> pa.Table:
        """``(platform, creator_id, topic, topic_weight, topic_terms, topics)``: the main topic of each creator."""
        rows: dict[str, list[object]] = {
            k: [] for k in ("platform", "creator_id", "topic", "topic_weight", "topic_terms", "topics")
        }
        for i, (plat, cid) in enumerate(self.keys):
            w = self.mix[i] if self.n_topics else np.zeros(0)
            has = bool(len(w) and w.sum() > 0)
            top = int(np.argmax(w)) if has else -1
            rows["platform"].append(plat)
            rows["creator_id"].append(cid)
            rows["topic"].append(top if has else None)
            rows["topic_weight"].append(float(w[top]) if has else None)
            rows["topic_terms"].append(", ".join(self.terms[top][:n_terms]) if has else None)
            order: list[int] = [int(k) for k in np.argsort(-w)[:3]] if has else []
            rows["topics"].append(
                "; ".join(f"{self.label(int(k))} ({w[k]:.2f})" for k in order if w[k] > 0.05)
            )
        return pa.table(rows)


def text_similarity(topic_cos: np.ndarray, word_cos: np.ndarray) -> np.ndarray:
    """``√(cos_topic · cos_words)`` (module docstring): 0 for creators who share no word, however close their coarse
    topic mixes are; the common value when both cosines agree."""
    return np.asarray(np.sqrt(topic_cos * word_cos), dtype=np.float64)


def _unit_rows(m: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (zero rows stay zero)."""
    norm = np.linalg.norm(m, axis=1, keepdims=True)
    return np.asarray(np.divide(m, norm, out=np.zeros_like(m, dtype=np.float64), where=norm > 0))


def _normalise(w: np.ndarray) -> np.ndarray:
    s = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s > 0, w / s, 0.0)


def fit_topics(
    keys: list[tuple[str, str]],
    documents: list[str],
    *,
    n_topics: int | None = None,
    n_terms: int = 10,
    max_features: int = 20000,
    random_state: int = 0,
) -> TopicModel:
    """Fit TF-IDF + NMF on ``documents`` (one per creator key). ``n_topics`` defaults to min(20, max(2, √n))."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    from tribescope.niche._topics import STOP_WORDS

    n = len(documents)
    min_df = 2 if n >= 10 else 1
    vec = TfidfVectorizer(
        sublinear_tf=True,
        min_df=min_df,
        max_df=0.9 if n >= 10 else 1.0,
        max_features=max_features,
        token_pattern=TOKEN_PATTERN,
        stop_words=STOP_WORDS,
        lowercase=True,
        dtype=np.float64,
    )
    try:
        x = vec.fit_transform(documents)
    except ValueError:  # empty vocabulary: no usable text at all
        vec = TfidfVectorizer(token_pattern=TOKEN_PATTERN)
        return TopicModel(vec, None, [], keys, np.zeros((n, 0)), None)
    k = _n_topics(n, n_topics)
    # no more topics than distinct documents with words (their TF-IDF rows): creators with identical captions made a
    # matrix of rank 1 split into two topics of the same words
    distinct = len(
        {
            (x.indices[a:b].tobytes(), np.round(x.data[a:b], 9).tobytes())
            for a, b in zip(x.indptr[:-1], x.indptr[1:], strict=True)
            if b > a
        }
    )
    k = max(1, min(k, x.shape[1], distinct))
    nmf = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=400, tol=1e-4)
    with warnings.catch_warnings():
        if (
            distinct <= k
        ):  # an exact factorisation: NMF's loss reaches 0 and its convergence test divides by it —
            # "Maximum number of iterations 400 reached" and NumPy's "invalid value encountered in sqrt" on the
            # console, over a fit that is exact
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
        w = nmf.fit_transform(x)
    vocab = np.asarray(vec.get_feature_names_out())
    terms = [list(vocab[np.argsort(-h)[:n_terms]][h[np.argsort(-h)[:n_terms]] > 0]) for h in nmf.components_]
    return TopicModel(vec, nmf, terms, keys, _normalise(w), x)


def topics(ws: Workspace, *, n_topics: int | None = None, random_state: int = 0) -> TopicModel:
    """Fit the topic model on every creator's document in the workspace (see :func:`fit_topics`)."""
    require_workspace(ws, "topics")
    posts, comments = workspace_tables(ws)
    docs = creator_documents(posts, comments).order_by(["platform", "creator_id"]).to_pyarrow()
    keys = list(zip(docs["platform"].to_pylist(), docs["creator_id"].to_pylist(), strict=True))
    texts = [d or "" for d in docs["document"].to_pylist()]
    return fit_topics(keys, texts, n_topics=n_topics, random_state=random_state)


def post_topics(ws: Workspace, model: TopicModel, n_terms: int = 5) -> pa.Table:
    """``(platform, post_id, creator_id, topic, topic_weight, topic_terms)`` for every post."""
    require_workspace(ws, "post_topics")
    if not isinstance(model, TopicModel):
        raise TypeError(
            f"post_topics takes a TopicModel (tribescope.niche.topics(ws)), not {type(model).__name__}"
        )
    posts, comments = workspace_tables(ws)
    d = post_documents(posts, comments).order_by(["platform", "post_id"]).to_pyarrow()
    mix = model.transform([x or "" for x in d["document"].to_pylist()])
    has = mix.sum(axis=1) > 0 if mix.shape[1] else np.zeros(len(d), dtype=bool)
    top = np.argmax(mix, axis=1) if mix.shape[1] else np.zeros(len(d), dtype=np.int64)
    return pa.table(
        {
            "platform": d["platform"],
            "post_id": d["post_id"],
            "creator_id": d["creator_id"],
            "topic": pa.array([int(t) if h else None for t, h in zip(top, has, strict=True)], pa.int64()),
            "topic_weight": pa.array(
                [float(mix[i, t]) if h else None for i, (t, h) in enumerate(zip(top, has, strict=True))],
                pa.float64(),
            ),
            "topic_terms": pa.array(
                [", ".join(model.terms[t][:n_terms]) if h else None for t, h in zip(top, has, strict=True)],
                pa.string(),
            ),
        }
    )
