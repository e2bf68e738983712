"""Niche category of a creator (fashion, travel, family, food, beauty, interior, fitness, pet, other) from text.

Model
-----
A multinomial logistic regression (softmax) over two TF-IDF blocks, trained on the creator categories of
Kim et al. ("Multimodal Post Attentive Profiling for Influencer Marketing", WWW 2020; the sample in
``shared/data/instagram_influencer_posts_kim``):

* words and ``#hashtags`` of the creator's document (captions, titles, hashtags, comments under their posts;
  :func:`tribescope.niche._text.creator_documents`), sublinear TF-IDF, L2-normalised;
* character 3–5-grams of the creator's handle (``"fitwithanna"`` → ``fit``, ``with``…), sublinear TF-IDF.

``P(c | x) = softmax(W x + b)_c``; ``niche_confidence`` is the top probability. The model ships with the
package as ``models/category.npz`` (plain arrays, no pickle) and ``models/category.json`` (its metrics on
creators held out by hashed username, and how it was trained). Images are not used: the paper's 98 %
uses images and 10 M posts; see ``docs/findings-real-data.md`` for what text alone reaches and why.

A creator is judged only when its document has at least ``min_terms`` distinct known terms; otherwise
``niche_category`` is null. The workspace's own ``accounts.category`` is never read, so an imported influencer
list with an empty Category column makes no difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from tribescope.errors import TribescopeError
from tribescope.niche._text import creator_documents, workspace_tables
from tribescope.niche._topics import TOKEN_PATTERN
from tribescope.store import Workspace

__all__ = ["CATEGORIES", "CategoryModel", "ModelMissing", "load_category_model", "predict_niche_category"]

CATEGORIES = ("beauty", "family", "fashion", "fitness", "food", "interior", "other", "pet", "travel")

_MODEL_DIR = "models"


class ModelMissing(TribescopeError):
    """The fitted category model is not where the package expects it."""


def _word_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(sublinear_tf=True, token_pattern=TOKEN_PATTERN, lowercase=True, min_df=3,
                           max_features=40000, vocabulary=vocabulary, dtype=np.float64)


def _handle_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True, min_df=3,
                           max_features=20000, vocabulary=vocabulary, dtype=np.float64)


def _fixed(vec: TfidfVectorizer, idf: np.ndarray) -> TfidfVectorizer:
    vec.idf_ = idf
    return vec


@dataclass
class CategoryModel:
    """Fitted category model: two vectorisers, softmax weights, class names and metadata."""

    words: TfidfVectorizer
    handles: TfidfVectorizer
    coef: np.ndarray  # classes × features
    intercept: np.ndarray  # classes
    classes: tuple[str, ...]
    handle_weight: float = 1.0
    meta: dict[str, Any] | None = None

    def features(self, documents: list[str], handles: list[str]) -> sp.csr_matrix:
        xw = self.words.transform(documents)
        xh = self.handles.transform(handles) * self.handle_weight
        return sp.hstack([xw, xh]).tocsr()

    def known_terms(self, documents: list[str]) -> np.ndarray:
        """Distinct vocabulary terms per document."""
        return np.diff(self.words.transform(documents).indptr)

    def predict_proba(self, documents: list[str], handles: list[str]) -> np.ndarray:
        z = self.features(documents, handles) @ self.coef.T + self.intercept
        z = np.asarray(z)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))

    def save(self, directory: Path) -> None:
        """Write ``category.npz`` (arrays) and ``category.json`` (metadata) into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        wv = sorted(self.words.vocabulary_, key=self.words.vocabulary_.__getitem__)
        hv = sorted(self.handles.vocabulary_, key=self.handles.vocabulary_.__getitem__)
        np.savez_compressed(
            directory / "category.npz",
            word_vocab=np.array(wv, dtype=str), word_idf=self.words.idf_.astype(np.float32),
            handle_vocab=np.array(hv, dtype=str), handle_idf=self.handles.idf_.astype(np.float32),
            coef=self.coef.astype(np.float32), intercept=self.intercept.astype(np.float32),
            classes=np.array(self.classes, dtype=str), handle_weight=np.array([self.handle_weight]),
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
                f"the niche-category model is missing ({npz_res}); reinstall tribescope, or retrain it with "
                "`python -m tribescope.niche._category_train DATA_DIR`"
            ) from exc
        wv = {str(t): i for i, t in enumerate(arrays["word_vocab"])}
        hv = {str(t): i for i, t in enumerate(arrays["handle_vocab"])}
        words = _fixed(_word_vectorizer(wv), arrays["word_idf"].astype(np.float64))
        handles = _fixed(_handle_vectorizer(hv), arrays["handle_idf"].astype(np.float64))
        return cls(words, handles, arrays["coef"].astype(np.float64), arrays["intercept"].astype(np.float64),
                   tuple(str(c) for c in arrays["classes"]), float(arrays["handle_weight"][0]), meta)


_CACHE: dict[str, CategoryModel] = {}


def load_category_model() -> CategoryModel:
    """The shipped model (loaded once per process)."""
    if "default" not in _CACHE:
        _CACHE["default"] = CategoryModel.load()
    return _CACHE["default"]


def predict_niche_category(
    ws: Workspace, *, min_terms: int = 3, min_confidence: float = 0.0, model: CategoryModel | None = None
) -> pa.Table:
    """``(platform, creator_id, niche_category, niche_confidence)`` for every creator with posts.

    ``niche_category`` is null when the creator's text has fewer than ``min_terms`` distinct known terms, or
    when the top probability is below ``min_confidence`` (held out: ≥ 0.6 keeps 52 % of creators at 79 %
    accuracy; see ``models/category.json``).
    """
    m = model or load_category_model()
    posts, comments = workspace_tables(ws)
    docs = creator_documents(posts, comments)
    if ws.has_table("accounts"):
        acc = ws.table("accounts").select(a_platform="platform", a_id="account_id", username="username")
        docs = docs.left_join(acc, [docs.platform == acc.a_platform, docs.creator_id == acc.a_id])
        docs = docs.select("platform", "creator_id", "document", handle=docs.username.fill_null(docs.creator_id))
    else:
        docs = docs.select("platform", "creator_id", "document", handle=docs.creator_id)
    t = docs.order_by(["platform", "creator_id"]).to_pyarrow()
    texts = [d or "" for d in t["document"].to_pylist()]
    handles = [(h or "").lower() for h in t["handle"].to_pylist()]
    cats: list[str | None] = [None] * len(texts)
    conf: list[float | None] = [None] * len(texts)
    if texts:
        proba = m.predict_proba(texts, handles)
        known = m.known_terms(texts)
        best = proba.argmax(axis=1)
        for i in range(len(texts)):
            if known[i] >= min_terms and proba[i, best[i]] >= min_confidence:
                cats[i] = m.classes[int(best[i])]
                conf[i] = float(proba[i, best[i]])
    return pa.table({
        "platform": t["platform"],
        "creator_id": t["creator_id"],
        "niche_category": pa.array(cats, pa.string()),
        "niche_confidence": pa.array(conf, pa.float64()),
    })
