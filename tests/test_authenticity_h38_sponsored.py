"""Sponsored-post classification: which brands a post names (``brands_mentioned``) follows the rule campaign posts
follow (a brand's handles, keywords and name; whole words in the text or the sponsor, whole handles when tagged) and
reads the @-mentioned / tagged accounts as the model's features do."""

from __future__ import annotations

import datetime as dt

import numpy as np

from tribescope.sponsored import FEATURES, SponsoredModel, classify_posts, post_features
from tribescope.sponsored._model import Tree

try:  # tests/ may or may not be a package
    from ._score_fixtures import insert as _put
except ImportError:
    from _score_fixtures import insert as _put  # type: ignore[no-redef]

T = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
KSM = FEATURES.index("known_sponsor_max")


def _stump() -> SponsoredModel:
    """P = σ(-2 + 3·[known_sponsor_max > 0.5]): 0.119 without a known sponsor, 0.731 with one."""
    tree = Tree(
        feature=np.array([KSM, -1, -1]),
        threshold=np.array([0.5, 0, 0]),
        left=np.array([1, 0, 0]),
        right=np.array([2, 0, 0]),
        value=np.array([0.0, 0.0, 3.0]),
        missing_left=np.array([True, False, False]),
    )
    return SponsoredModel(trees=[tree], baseline=-2.0, threshold=0.5, metrics={})


def _post(pid: str, creator: str, caption: str, **kw: object) -> dict[str, object]:
    return {
        "platform": "instagram",
        "post_id": pid,
        "creator_id": creator,
        "created_at": T,
        "caption": caption,
        **kw,
    }


def test_a_brand_keyword_tagged_or_named_as_sponsor_names_the_brand(ws) -> None:
    """Tagging the account @trailready (a keyword of Brightfold, not a handle) or a platform sponsor "trailready" named
    no brand (the sponsor came out raw as 'trailready'), while campaign posts count both as naming the brand."""
    from tribescope.brand import add_brand

    add_brand(ws, "Brightfold", handles="brightfold", keywords=["trailready", "trail pack"])
    _put(
        ws,
        "posts",
        [
            _post("1", "cat", "weekend hike", tagged_users=["trailready"]),
            _post("2", "cat", "summit day", is_paid_partnership=True, sponsor="trailready"),
            _post("3", "cat", "my new Trail Pack!"),  # a keyword in the caption (held before too)
            _post("4", "cat", "packed my #TrailReady kit"),  # a keyword as a hashtag
            _post(
                "5", "cat", "a trailready_fan tagged", tagged_users=["trailready_fan"]
            ),  # not a whole handle
            _post("6", "cat", "hi @brightfold"),  # the handle (held before too)
        ],
    )
    out = {r["post_id"]: r["brands_mentioned"] for r in classify_posts(ws, model=_stump()).to_pylist()}
    assert out == {
        "1": ["Brightfold"],
        "2": ["Brightfold"],
        "3": ["Brightfold"],
        "4": ["Brightfold"],
        "5": [],
        "6": ["Brightfold"],
    }


def test_known_sponsor_handles_are_read_as_the_model_reads_them(ws) -> None:
    """A source without a ``mentions`` column (a CSV of posts) or with handles written "@OtherCorp": the model's
    features lower-case them and read the caption's @-mentions, so a known sponsor made the post "likely" — and
    ``brands_mentioned`` stayed empty, naming no brand for the verdict."""
    from tribescope.brand import add_brand

    add_brand(ws, "Acme", handles="acme")
    _put(
        ws,
        "posts",
        [
            _post("1", "ann", "new shoes", is_paid_partnership=True, sponsor="othercorp"),
            _post("2", "bob", "love these @OtherCorp"),  # mentions NULL: read from the caption
            _post("3", "bob", "new kicks", mentions=["@Acme"], tagged_users=["OtherCorp"]),
        ],
    )
    rows = {r["post_id"]: r for r in classify_posts(ws, model=_stump()).to_pylist()}
    # the model sees othercorp as a sponsor of another creator (ann) in both posts: P = σ(1) ≥ 0.5 → likely
    for pid in ("2", "3"):
        assert rows[pid]["sponsored"] == "likely"
        assert rows[pid]["signals"] == ["model 0.73 ≥ 0.50"]
    assert rows["2"]["brands_mentioned"] == ["othercorp"]
    assert rows["3"]["brands_mentioned"] == ["Acme", "othercorp"]
    # the same handles as the features count
    assert (
        post_features({"caption": "love these @OtherCorp", "mentions": None, "creator_id": "bob"})[0] == 1.0
    )
