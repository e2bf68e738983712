"""The "likely sponsored" model: gradient-boosted trees over :data:`~tribescope.sponsored.FEATURES`.

The fitted model ships as JSON (the trees' split features, thresholds, children and leaf values), so
applying it needs only NumPy, no pickle and no scikit-learn. It is trained by
:func:`tribescope.sponsored.train_kim` (scikit-learn's ``HistGradientBoostingClassifier``, log-loss,
Friedman 2001 / Ke et al. 2017) on the Kim et al. (WWW 2020) Instagram sample, whose label is Instagram's
own "Paid partnership with …" header; the label and the post's own sponsor are **never** features — the
sponsor of *other* creators' flagged posts enters only through the :class:`BrandIndex`.

P(sponsored) = 1 / (1 + exp(-(b₀ + Σ_trees leaf value))), the boosted log-odds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from tribescope.errors import TribescopeError
from tribescope.sponsored._features import FEATURES, BrandIndex, post_features

__all__ = ["FORMAT", "SponsoredModel", "Tree", "load_model"]

_MODEL_FILE = "sponsored_model.json"
FORMAT = "tribescope.sponsored/2"
_TREE_KEYS = ("feature", "threshold", "left", "right", "value", "missing_left")


@dataclass
class Tree:
    """One regression tree: node arrays; ``feature[i] < 0`` marks a leaf whose ``value[i]`` is added.
    At a split, ``x[feature] <= threshold`` (or a missing value with ``missing_left``) goes left."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    missing_left: np.ndarray

    def predict(self, x: np.ndarray) -> np.ndarray:
        node = np.zeros(len(x), dtype=np.int64)
        rows = np.arange(len(x))
        for _ in range(len(self.feature)):
            f = self.feature[node]
            inner = f >= 0
            if not inner.any():
                break
            r, n = rows[inner], node[inner]
            v = x[r, f[inner]]
            go_left = np.where(np.isnan(v), self.missing_left[n], v <= self.threshold[n])
            node[inner] = np.where(go_left, self.left[n], self.right[n])
        out: np.ndarray = self.value[node]
        return out

    def to_json(self) -> dict[str, list[Any]]:
        return {
            "feature": self.feature.tolist(),
            "threshold": [float(t) for t in self.threshold],
            "left": self.left.tolist(),
            "right": self.right.tolist(),
            "value": [round(float(v), 8) for v in self.value],
            "missing_left": self.missing_left.tolist(),
        }

    @classmethod
    def from_json(cls, d: dict[str, list[Any]]) -> Tree:
        """A tree from :meth:`to_json`; a malformed one is a :class:`ValueError` saying what is wrong."""
        if not isinstance(d, dict):
            raise ValueError(f"a tree is a JSON object, not {type(d).__name__}")
        missing = [k for k in _TREE_KEYS if k not in d]
        if missing:
            raise ValueError(f"a tree has no {', '.join(missing)}")
        t = cls(
            np.asarray(d["feature"], np.int64),
            np.asarray(d["threshold"], np.float64),
            np.asarray(d["left"], np.int64),
            np.asarray(d["right"], np.int64),
            np.asarray(d["value"], np.float64),
            np.asarray(d["missing_left"], bool),
        )
        n = len(t.feature)
        arrays = (t.feature, t.threshold, t.left, t.right, t.value, t.missing_left)
        if n == 0 or any(a.ndim != 1 or len(a) != n for a in arrays):
            raise ValueError(
                f"a tree's node arrays ({', '.join(_TREE_KEYS)}) must be non-empty lists of one length"
            )
        inner = t.feature >= 0
        if (t.feature >= len(FEATURES)).any():
            raise ValueError(
                f"a tree splits on feature {int(t.feature.max())}; the model has {len(FEATURES)}"
            )
        kids = np.concatenate([t.left[inner], t.right[inner]])
        if kids.size and ((kids <= 0) | (kids >= n)).any():
            raise ValueError("a tree's left/right child points outside the tree")
        return t


@dataclass
class SponsoredModel:
    """Boosted trees over :data:`FEATURES`. ``predict_proba(rows, brands)`` → P(sponsored) per row."""

    trees: list[Tree]
    baseline: float
    threshold: float
    metrics: dict[str, Any]
    features: tuple[str, ...] = FEATURES

    def features_of(self, rows: list[dict[str, Any]], brands: BrandIndex | None = None) -> np.ndarray:
        return np.asarray([post_features(r, brands) for r in rows], dtype=np.float64).reshape(len(rows), -1)

    def decision_matrix(self, x: np.ndarray) -> np.ndarray:
        raw = np.full(len(x), self.baseline)
        for t in self.trees:
            raw += t.predict(x)
        return raw

    def predict_proba_matrix(self, x: np.ndarray) -> np.ndarray:
        p: np.ndarray = 1.0 / (1.0 + np.exp(-self.decision_matrix(x)))
        return p

    def predict_proba(self, rows: list[dict[str, Any]], brands: BrandIndex | None = None) -> np.ndarray:
        """P(sponsored) of each post row; ``brands``: the known sponsor accounts (empty when omitted)."""
        if not rows:
            return np.zeros(0)
        return self.predict_proba_matrix(self.features_of(rows, brands))

    # ------------------------------------------------------------------ persistence
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "features": list(self.features),
            "baseline": float(self.baseline),
            "threshold": float(self.threshold),
            "metrics": self.metrics,
            "trees": [t.to_json() for t in self.trees],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SponsoredModel:
        """The model of a :meth:`to_json` object; another format, other features or a malformed field is a
        :class:`TribescopeError` saying which."""
        if not isinstance(d, dict):
            raise TribescopeError(f"a sponsored model is a JSON object, not {type(d).__name__}")
        if d.get("format") != FORMAT:
            raise TribescopeError(
                f"unknown sponsored-model format {d.get('format')!r} (expected {FORMAT!r}); "
                "retrain with `tribescope train sponsored`"
            )
        if not isinstance(d.get("features"), list) or tuple(d["features"]) != FEATURES:
            raise TribescopeError(
                "the sponsored model was trained on other features than this version computes; "
                "retrain with `tribescope train sponsored`"
            )
        try:
            if not isinstance(d.get("trees"), list) or not d["trees"]:
                raise ValueError("no trees (expected a non-empty list)")
            trees = [Tree.from_json(t) for t in d["trees"]]
            baseline = float(d["baseline"])
            threshold = float(d.get("threshold", 0.5))
            metrics = dict(d.get("metrics") or {})
        except KeyError as exc:
            raise TribescopeError(f"the sponsored model has no {exc.args[0]!r} field") from None
        except (ValueError, TypeError) as exc:
            raise TribescopeError(f"the sponsored model is malformed: {exc}") from None
        if not (np.isfinite(baseline) and 0.0 <= threshold <= 1.0):
            raise TribescopeError(
                f"the sponsored model is malformed: baseline {baseline}, threshold {threshold} (expected 0…1)"
            )
        return cls(trees=trees, baseline=baseline, threshold=threshold, metrics=metrics)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n")


def load_model(path: str | Path | None = None) -> SponsoredModel:
    """Load the shipped model (``tribescope/sponsored/sponsored_model.json``) or one at ``path``."""
    try:
        if path is None:
            text = resources.files("tribescope.sponsored").joinpath(_MODEL_FILE).read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TribescopeError(
            f"sponsored-post model not found ({path or _MODEL_FILE}); train it with `tribescope train sponsored`"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise TribescopeError(f"sponsored-post model {path or _MODEL_FILE}: cannot read ({exc})") from None
    name = str(path) if path is not None else f"tribescope/sponsored/{_MODEL_FILE}"
    try:
        return SponsoredModel.from_json(json.loads(text))
    except ValueError as exc:  # json.JSONDecodeError
        raise TribescopeError(
            f"{name}: not JSON ({exc}); expected a {FORMAT} model written by `tribescope train sponsored`"
        ) from None
    except TribescopeError as exc:
        raise TribescopeError(f"{name}: {exc}") from None
