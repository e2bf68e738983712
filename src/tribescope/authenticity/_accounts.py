"""Fake / bot account estimation from the canonical ``accounts`` row.

Features (one definition, two implementations that agree: pandas for files, Ibis for the engine)
-------------------------------------------------------------------------------------------------
``log_followers = ln(1 + followers)``, ``log_following = ln(1 + following)``, ``log_posts = ln(1 + posts)``,
``follow_ratio = ln((1 + following) / (1 + followers))``, ``posts_per_follower = ln((1 + posts) / (1 + followers))``,
``posts_per_following = ln((1 + posts) / (1 + following))`` (SRF Data's following/posts ratio),
``has_profile_pic``, ``is_private`` (0/1), ``bio_length`` (characters), ``username_length``,
``username_digit_ratio = digits / length``, ``fullname_words``, ``fullname_digit_ratio``,
``name_equals_username`` (case-insensitive), ``has_external_url`` (0/1).
A value the source does not carry is *unknown* (NaN / NULL), never 0: the model has a separate branch for it.

Platform rule: ``posts`` is counted in a platform's own unit (an Instagram post is not a tweet: a 2013 Twitter human
has ~1,000 statuses, an Instagram one ~50 posts), and the model is trained on Instagram only. So when the row has a
``platform`` that is not in :data:`POSTS_PLATFORMS`, the three posts features are *unknown*; followers / following
count the same thing (accounts) everywhere and are always used. Training adds a copy of every row with the posts
features unknown, so that branch is learnt, not guessed.

Sources: Akyon & Kalfaoglu, "Instagram Fake and Automated Account Detection", ASYU 2019 (InstaFake features);
SRF Data 2017 (ratios); the Kaggle "fake spammer genuine" features; Cresci et al., "Fame for sale", DSS 2015.

Model
-----
:class:`FakeAccountClassifier` — gradient-boosted trees of depth ``max_depth`` (shipped: 2), decomposed
exactly into per-feature contributions (Saabas): ``logit P(fake) = b + Σ_f c_f(x)`` with
``c_f(x) = g_f(x_f) + Σ_{terms t of f} [path_t(x)] · h_t(x_f)``: ``g_f`` a step function of the feature (the trees'
root splits on it), each term a step function of ``f`` that applies where a path of conditions on other features
holds (a split on ``f`` below a tree's root). ``b + Σ_f c_f`` *is* the ensemble's log-odds, so the ``reasons``
(features with the largest ``c_f``) are exact sums; each ``g_f`` and each term compiles to one ``CASE``
expression, so the model is one Ibis expression in the engine (DuckDB, Spark). With ``max_depth=1`` there are no
terms: the additive scorecard of model 2.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from tribescope.errors import TribescopeError

__all__ = [
    "ACCOUNT_INPUT_COLUMNS",
    "CATEGORIES",
    "FEATURES",
    "POSTS_FEATURES",
    "POSTS_PLATFORMS",
    "AccountModel",
    "FakeAccountClassifier",
    "ModelError",
    "account_feature_exprs",
    "features_from_canonical",
    "load_account_model",
]

#: Feature columns, in model order.
FEATURES: tuple[str, ...] = (
    "log_followers",
    "log_following",
    "log_posts",
    "follow_ratio",
    "posts_per_follower",
    "posts_per_following",
    "has_profile_pic",
    "is_private",
    "bio_length",
    "username_length",
    "username_digit_ratio",
    "fullname_words",
    "fullname_digit_ratio",
    "name_equals_username",
    "has_external_url",
)

#: Features computed from ``posts``: unknown on a platform outside :data:`POSTS_PLATFORMS` (see the module doc).
POSTS_FEATURES: tuple[str, ...] = ("log_posts", "posts_per_follower", "posts_per_following")
#: Platforms whose post counts are in the unit the model was trained on (lower case; NULL platform counts as these).
POSTS_PLATFORMS: tuple[str, ...] = ("instagram",)

#: Canonical `accounts` columns the features read.
ACCOUNT_INPUT_COLUMNS = (
    "platform",
    "username",
    "full_name",
    "bio",
    "followers",
    "following",
    "posts",
    "has_profile_pic",
    "is_private",
    "external_url",
)

#: HypeAuditor-style audience categories.
CATEGORIES = ("real", "influencer", "mass_follower", "suspicious")

#: Words for a feature pushing towards *fake* (used in ``reasons``).
_WORDS_FAKE = {
    "log_followers": "few followers",
    "log_following": "follows many accounts",
    "log_posts": "few or no posts",
    "follow_ratio": "follows far more accounts than follow it",
    "posts_per_follower": "few posts for its audience",
    "posts_per_following": "follows many accounts but posts little",
    "has_profile_pic": "no profile picture",
    "is_private": "private profile",
    "bio_length": "short or empty bio",
    "username_length": "unusual username length",
    "username_digit_ratio": "many digits in the username",
    "fullname_words": "no or odd full name",
    "fullname_digit_ratio": "digits in the full name",
    "name_equals_username": "full name equals username",
    "has_external_url": "no link in bio",
}
_WORDS_REAL = {
    "log_followers": "many followers",
    "log_following": "follows few accounts",
    "log_posts": "many posts",
    "follow_ratio": "followed back at a normal rate",
    "posts_per_follower": "posts regularly for its audience",
    "posts_per_following": "posts a lot for the accounts it follows",
    "has_profile_pic": "has a profile picture",
    "is_private": "public profile",
    "bio_length": "has a bio",
    "username_length": "ordinary username",
    "username_digit_ratio": "few digits in the username",
    "fullname_words": "has a full name",
    "fullname_digit_ratio": "clean full name",
    "name_equals_username": "full name differs from username",
    "has_external_url": "has a link in bio",
}


class ModelError(TribescopeError):
    """A shipped model file is missing or does not match this version of tribescope."""


#: version of the fake-account model this code reads. Its major number changes whenever the features (or how they
#: are computed, e.g. the platform rule of 2.0) change: a file of another major version would be read with the
#: wrong feature definitions, so :meth:`AccountModel.from_json` refuses it
ACCOUNT_MODEL_VERSION = "2.1.0"


def _major(version: object) -> str:
    return str(version).split(".", 1)[0]


# --------------------------------------------------------------------------- features (pandas)
def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype(float)


def _boolf(s: pd.Series) -> pd.Series:
    """True/False/1/0/yes/no/y/n (any case; the importers' flags, ``ingest._base.to_bool``) → 1.0/0.0; anything else
    (empty) → NaN. ``y``/``n`` were NaN, so `tribescope accounts` refused a flag column `import` reads."""
    if s.dtype == bool:
        return s.astype(float)
    m = {
        "true": 1.0,
        "1": 1.0,
        "yes": 1.0,
        "y": 1.0,
        "t": 1.0,
        "1.0": 1.0,
        "false": 0.0,
        "0": 0.0,
        "no": 0.0,
        "n": 0.0,
        "f": 0.0,
        "0.0": 0.0,
    }
    return s.map(
        lambda v: (
            np.nan
            if v is None or (isinstance(v, float) and math.isnan(v))
            else m.get(str(v).strip().lower(), np.nan)
        )
    )


def _str(s: pd.Series) -> pd.Series:
    """Strings with None/NaN/pd.NA kept as None (unknown)."""
    return s.map(
        lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)
    )


def features_from_canonical(df: pd.DataFrame) -> pd.DataFrame:
    """Model features from canonical ``accounts`` columns (any may be absent or empty → unknown = NaN).

    Empty strings in ``bio`` / ``full_name`` / ``external_url`` mean *known to be empty* (length 0);
    NULL means unknown. Same definitions as :func:`account_feature_exprs`.
    """
    fol, fng, pst = (_num(_col(df, c)) for c in ("followers", "following", "posts"))
    out = pd.DataFrame(index=df.index)
    out["log_followers"] = np.log1p(fol.clip(lower=0))
    out["log_following"] = np.log1p(fng.clip(lower=0))
    out["log_posts"] = np.log1p(pst.clip(lower=0))
    out["follow_ratio"] = out["log_following"] - out["log_followers"]
    out["posts_per_follower"] = out["log_posts"] - out["log_followers"]
    out["posts_per_following"] = out["log_posts"] - out["log_following"]
    if "platform" in df.columns:
        plat = _str(df["platform"]).map(lambda v: None if v is None else (v.strip().lower() or None))
        foreign = plat.map(lambda v: v is not None and v not in POSTS_PLATFORMS).to_numpy(dtype=bool)
        out.loc[foreign, list(POSTS_FEATURES)] = np.nan
    out["has_profile_pic"] = _boolf(_col(df, "has_profile_pic"))
    out["is_private"] = _boolf(_col(df, "is_private"))
    bio = _str(_col(df, "bio"))
    out["bio_length"] = bio.map(lambda v: np.nan if v is None else float(len(v)))
    user = _str(_col(df, "username")).map(lambda v: None if v is None else v.strip().lstrip("@"))
    user = user.map(lambda v: v if v else None)  # an empty username is unknown
    out["username_length"] = user.map(lambda v: np.nan if v is None else float(len(v)))
    out["username_digit_ratio"] = user.map(
        lambda v: np.nan if v is None else sum(ch.isdigit() for ch in v) / len(v)
    )
    name = _str(_col(df, "full_name")).map(lambda v: None if v is None else v.strip())
    out["fullname_words"] = name.map(lambda v: np.nan if v is None else float(len(v.split())))
    out["fullname_digit_ratio"] = name.map(
        lambda v: np.nan if v is None else (sum(ch.isdigit() for ch in v) / len(v) if v else 0.0)
    )
    eq = [
        np.nan if (n is None or u is None) else float(n.lower() == u.lower())
        for n, u in zip(name.tolist(), user.tolist(), strict=True)
    ]
    out["name_equals_username"] = np.asarray(eq, dtype=float)
    url = _str(_col(df, "external_url"))
    out["has_external_url"] = url.map(lambda v: np.nan if v is None else float(bool(v.strip())))
    return out[list(FEATURES)].astype(float)


# --------------------------------------------------------------------------- features (Ibis)
def _digits(s: ir.StringValue) -> ir.IntegerValue:
    return s.length() - s.re_replace(r"[0-9]", "").length()


def account_feature_exprs(t: ir.Table) -> dict[str, ir.FloatingValue]:
    """The :data:`FEATURES` as Ibis expressions over a table with canonical ``accounts`` columns.

    Missing columns are treated as all-unknown. NULL stays NULL (unknown).
    """
    cols = set(t.columns)

    def num(c: str) -> ir.FloatingValue:
        if c not in cols:
            return ibis.null().cast("float64")
        v = t[c].cast("float64")
        return ibis.ifelse(v < 0.0, 0.0, v)  # not greatest(): DuckDB's GREATEST skips NULLs

    def text(c: str) -> ir.StringValue:
        return t[c].cast("string") if c in cols else ibis.null().cast("string")

    def flag(c: str) -> ir.FloatingValue:
        if c not in cols:
            return ibis.null().cast("float64")
        return t[c].cast("boolean").cast("float64")

    lf, lg, lp = ((num(c) + 1.0).ln() for c in ("followers", "following", "posts"))
    if "platform" in cols:
        plat = t["platform"].cast("string").strip().lower().nullif("")
        lp = ibis.ifelse(plat.isnull() | plat.isin(list(POSTS_PLATFORMS)), lp, ibis.null().cast("float64"))
    bio = text("bio")
    user = text("username").strip()
    user = user.re_replace(r"^@+", "")
    user = user.nullif("")
    name = text("full_name").strip()
    url = text("external_url")
    ulen = user.length().cast("float64")
    nlen = name.length().cast("float64")
    words = name.re_replace(r"\S+", "x").re_replace(r"\s+", "").length().cast("float64")
    return {
        "log_followers": lf,
        "log_following": lg,
        "log_posts": lp,
        "follow_ratio": lg - lf,
        "posts_per_follower": lp - lf,
        "posts_per_following": lp - lg,
        "has_profile_pic": flag("has_profile_pic"),
        "is_private": flag("is_private"),
        "bio_length": bio.length().cast("float64"),
        "username_length": ulen,
        "username_digit_ratio": _digits(user).cast("float64") / ulen,
        "fullname_words": words,
        "fullname_digit_ratio": ibis.cases(
            (name.isnull(), ibis.null().cast("float64")),
            (nlen > 0, _digits(name).cast("float64") / nlen),
            else_=0.0,
        ),
        "name_equals_username": (name.lower() == user.lower()).cast("float64"),
        "has_external_url": (url.strip().length() > 0).cast("float64"),
    }


# --------------------------------------------------------------------------- the estimator
#: built on first access by the module ``__getattr__`` below (sklearn is imported then)
FakeAccountClassifier: type


def _make_classifier() -> type:
    """Define :class:`FakeAccountClassifier` (an sklearn estimator). scikit-learn (and SciPy's stats it pulls in,
    ~3 CPU-s) is imported here, the first time the class is used — to train — never when the shipped model is
    applied (:class:`AccountModel`, in the engine)."""
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data

    class FakeAccountClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
        """Gradient-boosted trees for *fake vs real* accounts, kept as exact per-feature terms; NaN means unknown.

        Learnt by :class:`sklearn.ensemble.HistGradientBoostingClassifier` (``max_depth`` 1, 2, 3, …), then decomposed
        (:func:`_decompose`): ``logit P(y=1 | x) = intercept_ + Σ_f c_f(x)``, ``c_f`` = the feature's step function
        (``steps_``, with its own value for NaN) plus the :class:`Term` s credited to it (``terms_``, splits below a
        tree's root, each active where its path holds). That is what ``predict_proba`` evaluates and what is shipped
        and compiled to SQL; it equals the boosted ensemble's prediction exactly. Optional training-time masking (``mask_rate``, ``mask_copies``) adds
        copies of the rows with random feature values set to NaN, so the model learns what to do when a source does
        not carry a field instead of reading "unknown" as a data-set fingerprint.

        Parameters
        ----------
        max_depth
            Depth of each tree: 1 = additive stumps (no terms); 2 = pairwise interactions.
        max_iter, learning_rate, min_samples_leaf, l2_regularization
            Passed to the boosting.
        monotonic_cst
            ``{feature name or index: -1 | 0 | 1}``: the direction the fake probability may move as a feature grows.
        mask_rate, mask_copies, never_mask
            Masking augmentation: ``mask_copies`` extra copies, each value NaN with probability ``mask_rate``
            except features named/indexed in ``never_mask``.
        random_state
            Seed for the masking and the boosting.
        """

        def __init__(
            self,
            max_depth: int = 1,
            max_iter: int = 300,
            learning_rate: float = 0.05,
            min_samples_leaf: int = 10,
            l2_regularization: float = 0.0,
            monotonic_cst: dict[Any, int] | None = None,
            mask_rate: float = 0.0,
            mask_copies: int = 0,
            never_mask: tuple[Any, ...] = (),
            random_state: int | None = None,
        ) -> None:
            self.max_depth = max_depth
            self.max_iter = max_iter
            self.learning_rate = learning_rate
            self.min_samples_leaf = min_samples_leaf
            self.l2_regularization = l2_regularization
            self.monotonic_cst = monotonic_cst
            self.mask_rate = mask_rate
            self.mask_copies = mask_copies
            self.never_mask = never_mask
            self.random_state = random_state

        def __sklearn_tags__(self) -> Any:
            tags = super().__sklearn_tags__()
            tags.input_tags.allow_nan = True
            tags.classifier_tags.multi_class = False
            return tags

        def _index(self, key: Any) -> int:
            names = list(getattr(self, "feature_names_in_", []))
            if isinstance(key, str):
                if key not in names:
                    raise ValueError(f"unknown feature {key!r}; features are {names}")
                return names.index(key)
            return int(key)

        def fit(self, X: Any, y: Any, sample_weight: Any = None) -> FakeAccountClassifier:
            X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", dtype=np.float64)
            check_classification_targets(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError(f"FakeAccountClassifier needs 2 classes; got 1 class ({self.classes_[0]!r})")
            if len(self.classes_) > 2:
                raise ValueError(f"Only binary classification is supported; got {len(self.classes_)} classes")
            yb = (y == self.classes_[1]).astype(int)
            w = np.ones(len(yb)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
            rng = np.random.default_rng(self.random_state)
            if self.mask_copies and self.mask_rate > 0:
                keep = {self._index(k) for k in self.never_mask}
                maskable = np.array([j not in keep for j in range(X.shape[1])])
                parts, ys, ws = [X], [yb], [w]
                for _ in range(self.mask_copies):
                    c = X.copy()
                    c[(rng.random(c.shape) < self.mask_rate) & maskable] = np.nan
                    parts.append(c)
                    ys.append(yb)
                    ws.append(w)
                Xf, yf, wf = np.vstack(parts), np.concatenate(ys), np.concatenate(ws)
            else:
                Xf, yf, wf = X, yb, w
            cst = None
            if self.monotonic_cst:
                cst = [0] * X.shape[1]
                for k, v in self.monotonic_cst.items():
                    cst[self._index(k)] = int(v)
            gb = HistGradientBoostingClassifier(
                max_depth=self.max_depth,
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                min_samples_leaf=self.min_samples_leaf,
                l2_regularization=self.l2_regularization,
                monotonic_cst=cst,
                early_stopping=False,
                random_state=int(rng.integers(2**31 - 1)),
            )
            gb.fit(Xf, yf, sample_weight=wf)
            self.n_iter_ = int(gb.n_iter_)
            self.intercept_, self.steps_, self.terms_ = _decompose(gb, X.shape[1])
            # centre each step function on its mean over the (unaugmented) training rows, so that a feature's
            # contribution reads "how much this value moves the odds against a typical account"
            contrib = self._contributions(X)
            self.centers_ = contrib.mean(axis=0)
            return self

        def _contributions(self, X: np.ndarray) -> np.ndarray:
            return _eval_contributions(X, self.steps_, self.terms_)

        def contributions(self, X: Any) -> np.ndarray:
            """Centred per-feature log-odds contributions ``g_f(x_f) - mean_train g_f``."""
            check_is_fitted(self)
            X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
            return np.asarray(self._contributions(X) - self.centers_)

        def decision_function(self, X: Any) -> np.ndarray:
            check_is_fitted(self)
            X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64)
            return np.asarray(self.intercept_ + self._contributions(X).sum(axis=1))

        def predict_proba(self, X: Any) -> np.ndarray:
            p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
            return np.column_stack([1.0 - p, p])

        def predict(self, X: Any) -> np.ndarray:
            check_is_fitted(self)
            return np.asarray(self.classes_[(self.decision_function(X) > 0).astype(int)])

    # importable (pickle, docs) as the module attribute
    FakeAccountClassifier.__qualname__ = "FakeAccountClassifier"
    return FakeAccountClassifier


def __getattr__(name: str) -> Any:
    # PEP 562: ``FakeAccountClassifier`` is built on first access (import, pickle, ``from … import``), then cached
    if name == "FakeAccountClassifier":
        cls = _make_classifier()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: a step function ``(thresholds, values, value_if_nan)``: ``values[i]`` for ``thresholds[i-1] < x <= thresholds[i]``
Steps = tuple[list[float], list[float], float]
#: one condition of a term: ``(feature index, threshold, "<=" | ">", NaN satisfies it)``
Condition = tuple[int, float, str, bool]


@dataclass
class Term:
    """A step function of feature ``feature`` that applies only where every condition in ``when`` holds (else 0).

    The Saabas part of the trees' splits below the root: a split on ``feature`` reached through ``when``.
    """

    feature: int
    when: tuple[Condition, ...]
    steps: Steps


def _steps_eval(x: np.ndarray, steps: Steps) -> np.ndarray:
    thr, vals, miss = steps
    v = (
        np.asarray(vals)[np.searchsorted(np.asarray(thr), x, side="left")]
        if thr
        else np.full(len(x), vals[0])
    )
    return np.where(np.isnan(x), miss, v)


def _when_mask(X: np.ndarray, when: tuple[Condition, ...]) -> np.ndarray:
    ok = np.ones(len(X), dtype=bool)
    for g, t, op, nan_in in when:
        x = X[:, g]
        with np.errstate(invalid="ignore"):
            cmp = x <= t if op == "<=" else x > t
        ok &= np.where(np.isnan(x), nan_in, cmp)
    return ok


def _eval_contributions(X: np.ndarray, steps: list[Steps], terms: list[Term]) -> np.ndarray:
    """Uncentred per-feature contributions: each feature's own step function plus the terms credited to it."""
    out = np.zeros(X.shape, dtype=float)
    for j, st in enumerate(steps):
        out[:, j] = _steps_eval(X[:, j], st)
    for term in terms:
        out[:, term.feature] += np.where(
            _when_mask(X, term.when), _steps_eval(X[:, term.feature], term.steps), 0.0
        )
    return out


def _collapse(stumps: list[tuple[float, bool, float, float]]) -> Steps:
    """Sum stumps ``(threshold, nan goes left, left value, right value)`` of one feature into one step function."""
    thr = sorted({s[0] for s in stumps})
    vals = []
    for i in range(len(thr) + 1):
        # representative x of interval i: its right edge (the last interval: just above the last threshold)
        xr = thr[i] if i < len(thr) else (thr[-1] + 1.0 if thr else 0.0)
        vals.append(sum(lv if xr <= t else rv for t, _, lv, rv in stumps))
    miss = sum(lv if ml else rv for _, ml, lv, rv in stumps)
    return thr, [float(v) for v in vals], float(miss)


def _decompose(gb: Any, n_features: int) -> tuple[float, list[Steps], list[Term]]:
    """Exact per-feature decomposition of a fitted HistGradientBoostingClassifier's log-odds (Saabas).

    Each node gets a value: a leaf its own, an inner node the training-count-weighted mean of its children's. A
    row's leaf value is then ``root value + Σ (child value − parent value)`` along its path, each step credited to
    the feature split on. Root values go to the intercept. The steps of the root splits depend on their own
    feature only and are summed into one step function per feature (for depth-1 trees that is the whole model,
    the additive scorecard); a step lower down applies only where the path to it holds, and becomes a
    :class:`Term` (same feature and same path → one term). So ``intercept + Σ_f contribution_f(x)`` equals the
    ensemble's raw prediction for every row, which is what makes ``reasons`` exact sums.
    Reads the fitted trees (``_predictors``/``nodes``, stable since scikit-learn 0.21).
    """
    intercept = float(np.ravel(gb._baseline_prediction)[0])
    roots: list[list[tuple[float, bool, float, float]]] = [[] for _ in range(n_features)]
    below: dict[tuple[int, tuple[Condition, ...]], list[tuple[float, bool, float, float]]] = {}
    for (pred,) in gb._predictors:
        nodes = pred.nodes
        value: dict[int, float] = {}

        def node_value(i: int, nodes: Any = nodes, value: dict[int, float] = value) -> float:
            if i not in value:
                nd = nodes[i]
                if nd["is_leaf"]:
                    value[i] = float(nd["value"])
                else:
                    lc, rc = int(nd["left"]), int(nd["right"])
                    nl, nr = float(nodes[lc]["count"]), float(nodes[rc]["count"])
                    vl, vr = node_value(lc), node_value(rc)
                    value[i] = (nl * vl + nr * vr) / (nl + nr) if nl + nr > 0 else 0.5 * (vl + vr)
            return value[i]

        intercept += node_value(0)
        stack: list[tuple[int, tuple[Condition, ...]]] = [(0, ())]
        while stack:
            i, when = stack.pop()
            nd = nodes[i]
            if nd["is_leaf"]:
                continue
            f, t, ml = int(nd["feature_idx"]), float(nd["num_threshold"]), bool(nd["missing_go_to_left"])
            lc, rc = int(nd["left"]), int(nd["right"])
            stump = (t, ml, node_value(lc) - node_value(i), node_value(rc) - node_value(i))
            if when:
                below.setdefault((f, tuple(sorted(when))), []).append(stump)
            else:
                roots[f].append(stump)
            stack.append((lc, (*when, (f, t, "<=", ml))))
            stack.append((rc, (*when, (f, t, ">", not ml))))
    steps = [_collapse(roots[j]) for j in range(n_features)]
    terms = [Term(f, when, _collapse(st)) for (f, when), st in sorted(below.items(), key=lambda kv: kv[0])]
    return intercept, steps, terms


# --------------------------------------------------------------------------- the shipped model
#: HypeAuditor-style category cut-offs (HypeAuditor, "Audience quality" methodology; also issue 3 of tribescope).
MASS_FOLLOWING = 1500
INFLUENCER_FOLLOWERS = 5000
#: a feature is named in ``reasons`` when it moves the log-odds by at least this much towards the verdict
REASON_MIN_LOGIT = 0.4


@dataclass
class AccountModel:
    """A fitted :class:`FakeAccountClassifier` as shipped: step tables, terms, threshold, provenance and metrics."""

    features: list[str]
    intercept: float
    steps: list[tuple[list[float], list[float], float]]
    centers: list[float]
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)

    # ---- (de)serialisation
    @classmethod
    def from_estimator(cls, est: Any, threshold: float, meta: dict[str, Any]) -> AccountModel:
        feats = [str(f) for f in getattr(est, "feature_names_in_", FEATURES)]
        return cls(
            feats,
            float(est.intercept_),
            [(list(t), list(v), float(m)) for t, v, m in est.steps_],
            [float(c) for c in est.centers_],
            float(threshold),
            meta,
            list(est.terms_),
        )

    def to_json(self) -> str:
        head = {k: v for k, v in self.meta.items() if k not in ("metrics",)}
        # a model fitted by this code reads this code's features
        head.setdefault("version", ACCOUNT_MODEL_VERSION)
        doc = {
            **head,
            "features": self.features,
            "intercept": self.intercept,
            "threshold": self.threshold,
            # full precision (JSON floats round-trip exactly): a rounded cut can flip a value sitting on it
            "steps": {
                f: {"thresholds": list(t), "values": list(v), "missing": m, "center": c}
                for f, (t, v, m), c in zip(self.features, self.steps, self.centers, strict=True)
            },
            # splits below the trees' roots: a step function of `feature` where every `when` condition
            # [feature, threshold, "<=" or ">", NULL satisfies it] holds, else 0
            "terms": [
                {
                    "feature": self.features[tm.feature],
                    "when": [[self.features[g], t, op, nan_in] for g, t, op, nan_in in tm.when],
                    "thresholds": list(tm.steps[0]),
                    "values": list(tm.steps[1]),
                    "missing": tm.steps[2],
                }
                for tm in self.terms
            ],
            "metrics": self.meta.get("metrics", {}),
        }
        text = json.dumps(doc, indent=1, sort_keys=False)
        # one line per condition list and per step table: the file stays readable and small
        return re.sub(r"\[[^\[\]{}]*\]", lambda m: re.sub(r"\s*\n\s*", " ", m.group(0)), text)

    @classmethod
    def from_json(cls, text: str) -> AccountModel:
        doc = json.loads(text)
        version = doc.get("version")
        if _major(version) != _major(ACCOUNT_MODEL_VERSION):
            raise ModelError(
                f"account model version {version or '(none recorded)'} is not readable by this tribescope, which "
                f"reads version {_major(ACCOUNT_MODEL_VERSION)}.x (its features are computed differently); "
                "rebuild it with `tribescope train accounts`"
            )
        feats = list(doc["features"])
        if feats != list(FEATURES):
            raise ModelError(
                f"account model features {feats} do not match this tribescope's {list(FEATURES)}; "
                "rebuild it with `tribescope train accounts`"
            )
        steps = [
            (doc["steps"][f]["thresholds"], doc["steps"][f]["values"], doc["steps"][f]["missing"])
            for f in feats
        ]
        centers = [doc["steps"][f]["center"] for f in feats]
        idx = {f: j for j, f in enumerate(feats)}
        terms = [
            Term(
                idx[tm["feature"]],
                tuple((idx[g], float(t), str(op), bool(n)) for g, t, op, n in tm["when"]),
                (list(tm["thresholds"]), list(tm["values"]), float(tm["missing"])),
            )
            for tm in doc.get("terms", [])
        ]
        meta = {
            k: v for k, v in doc.items() if k not in ("features", "intercept", "threshold", "steps", "terms")
        }
        return cls(feats, float(doc["intercept"]), steps, centers, float(doc["threshold"]), meta, terms)

    # ---- numpy
    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Centred per-feature log-odds contributions; ``intercept + Σ centers + Σ_f contribution_f = logit``."""
        c = _eval_contributions(np.asarray(X, dtype=float), self.steps, self.terms)
        return np.asarray(c - np.asarray(self.centers))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """P(fake) for a feature matrix in :data:`FEATURES` order (NaN = unknown)."""
        z = self.intercept + sum(self.centers) + self.contributions(np.asarray(X, dtype=float)).sum(axis=1)
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def operating_point(self, name: str = "default") -> float:
        """The cut-off of a named operating point recorded at training (``default`` is :attr:`threshold`).

        ``follower_audit``: the lowest (most sensitive) cut-off that keeps specificity ≥ 0.97 out-of-fold on SRF's
        followers of influencers — the operating point of an audience audit, where SRF's authors report theirs.
        """
        if name == "default":
            return self.threshold
        ops = self.meta.get("operating_points", {})
        if name not in ops:
            raise ModelError(
                f"the account model has no operating point {name!r}; it has {', '.join(sorted({'default', *ops}))}"
            )
        return float(ops[name]["threshold"])

    @property
    def importance_order(self) -> list[int]:
        imp = self.meta.get("importance", {})
        return sorted(range(len(self.features)), key=lambda j: -float(imp.get(self.features[j], 0.0)))

    # ---- Ibis
    def contribution_exprs(
        self, t: ir.Table, feats: dict[str, Any] | None = None
    ) -> dict[str, ir.FloatingValue]:
        """Centred log-odds contribution of each feature: one CASE for its own step function (centred), plus
        one ``CASE WHEN <path> THEN <step function> ELSE 0`` per :class:`Term` credited to it."""
        feats = account_feature_exprs(t) if feats is None else feats

        def steps_branches(x: Any, thr: list[float], vals: list[float], miss: float, shift: float) -> Any:
            branches = [(x.isnull(), _exact(miss - shift))]
            branches += [(x <= _exact(th), _exact(v - shift)) for th, v in zip(thr, vals, strict=False)]
            return branches, _exact(vals[-1] - shift)

        out: dict[str, Any] = {}
        for f, (thr, vals, miss), c in zip(self.features, self.steps, self.centers, strict=True):
            branches, last = steps_branches(feats[f], thr, vals, miss, c)
            out[f] = ibis.cases(*branches, else_=last)
        for tm in self.terms:
            # one CASE: 0 where a condition fails, else the term's step function
            fails = []
            for g, th, op, nan_in in tm.when:
                x = feats[self.features[g]]
                broken = x > _exact(th) if op == "<=" else x <= _exact(th)  # NULL: not broken
                fails.append((broken if nan_in else x.isnull() | broken, _exact(0.0)))
            f = self.features[tm.feature]
            branches, last = steps_branches(feats[f], *tm.steps, 0.0)
            out[f] = out[f] + ibis.cases(*fails, *branches, else_=last)
        return {f: e.cast("float64") for f, e in out.items()}

    def score(self, t: ir.Table, *, reasons: bool = True, operating_point: str = "default") -> ir.Table:
        """``t`` plus ``fake_probability``, ``is_fake``, ``category`` and (optionally) ``reasons``.

        ``fake_probability = 1 / (1 + exp(-(b + Σ_f g_f(x_f))))``; ``is_fake = fake_probability >= threshold``
        (the cut-off of ``operating_point``, see :meth:`operating_point`);
        ``category``: suspicious if fake, else mass_follower if following > 1,500, else influencer if followers
        > 5,000, else real (HypeAuditor's audience categories). Computed in stages (features → contributions →
        probability → words) so the generated SQL stays small.
        """
        cols = list(t.columns)
        fx = {f"__f_{f}": e for f, e in account_feature_exprs(t).items()}
        s1 = t.mutate(**fx)
        feats = {f: s1[f"__f_{f}"] for f in self.features}
        s2 = s1.mutate(**{f"__c_{f}": e for f, e in self.contribution_exprs(s1, feats).items()})
        z = _exact(self.intercept + sum(self.centers))
        for f in self.features:
            z = z + s2[f"__c_{f}"]
        s3 = s2.mutate(fake_probability=(1.0 / (1.0 + (-z).exp())).round(6))
        s3 = s3.mutate(is_fake=s3.fake_probability >= self.operating_point(operating_point))
        fol = s3["followers"].cast("float64") if "followers" in cols else ibis.null().cast("float64")
        fng = s3["following"].cast("float64") if "following" in cols else ibis.null().cast("float64")
        out: dict[str, ir.Value] = {
            "category": ibis.cases(
                (s3.is_fake, "suspicious"),
                (fng.fill_null(0) > MASS_FOLLOWING, "mass_follower"),
                (fol.fill_null(0) > INFLUENCER_FOLLOWERS, "influencer"),
                else_="real",
            )
        }
        if reasons:
            s: ir.StringValue | None = None
            for j in self.importance_order:
                f = self.features[j]
                c = s3[f"__c_{f}"]
                piece = ibis.cases(
                    (s3[f"__f_{f}"].isnull(), ibis.literal("")),
                    (s3.is_fake & (c >= REASON_MIN_LOGIT), ibis.literal(_WORDS_FAKE[f] + "; ")),
                    (~s3.is_fake & (c <= -REASON_MIN_LOGIT), ibis.literal(_WORDS_REAL[f] + "; ")),
                    else_=ibis.literal(""),
                )
                s = piece if s is None else s + piece
            assert s is not None
            out["reasons"] = s.re_replace(r"; $", "")
        s4 = s3.mutate(**out)
        keep = [c for c in cols if c not in ("fake_probability", "is_fake", "category", "reasons")]
        return s4.select(*keep, "fake_probability", "is_fake", "category", *(["reasons"] if reasons else []))


def _exact(v: float) -> Any:
    """A DOUBLE literal equal to ``v`` bit for bit in every engine: a plain number literal is parsed as a DECIMAL
    first (DuckDB turns ``-0.014510304698945535`` into ``-0.014510304698945537``), which can flip a value sitting
    on a cut; ``CAST('<repr>' AS DOUBLE)`` parses the shortest round-trip text exactly (DuckDB, Spark)."""
    return ibis.literal(repr(float(v))).cast("float64")


_MODEL_CACHE: dict[str, AccountModel] = {}


def load_account_model(name: str = "fake_accounts.json") -> AccountModel:
    """The shipped fake-account model (``tribescope/authenticity/models/<name>``), cached."""
    if name not in _MODEL_CACHE:
        try:
            text = resources.files("tribescope.authenticity").joinpath("models", name).read_text()
        except FileNotFoundError:
            raise ModelError(
                f"model file models/{name} is missing from the tribescope package; "
                "reinstall tribescope or rebuild it with `tribescope train accounts`"
            ) from None
        try:
            _MODEL_CACHE[name] = AccountModel.from_json(text)
        except ModelError as exc:  # another version's file: say which file
            raise ModelError(f"model file models/{name}: {exc}") from None
        except (ValueError, KeyError, TypeError, IndexError) as exc:  # JSONDecodeError is a ValueError
            raise ModelError(
                f"model file models/{name} is not a valid fake-account model ({type(exc).__name__}: {exc}); "
                "reinstall tribescope or rebuild it with `tribescope train accounts`"
            ) from None
    return _MODEL_CACHE[name]
