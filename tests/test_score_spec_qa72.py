"""Spec edits that used to load and then score nonsense."""

from __future__ import annotations

from importlib import resources

import pytest

from tribescope.score import SpecError, load_spec, score_creators

try:  # the tests folder may or may not be a package
    from ._score_fixtures import bakery
except ImportError:
    from _score_fixtures import bakery  # type: ignore[no-redef]

DEFAULT = resources.files("tribescope.score").joinpath("spec.toml").read_text("utf-8")


def test_weights_too_large_to_compute_with_are_refused_naming_the_file(ws, tmp_path):
    """A weight of 1e308 is finite, so it loaded; 100 · weight overflowed and every creator scored NaN ("–") while
    the label rules still labelled them (a `community influencer` without a score)."""
    p = tmp_path / "huge.toml"
    p.write_text(DEFAULT.replace("weight = 0.13", "weight = 1e308", 1), encoding="utf-8")
    with pytest.raises(
        SpecError, match=r"huge\.toml: \[\[component\]\]: the weights sum to 1e\+308, too large"
    ):
        load_spec(p)

    # a large but computable weight still scores: weights are relative
    ok = tmp_path / "large.toml"
    ok.write_text(DEFAULT.replace("weight = 0.13", "weight = 1e300", 1), encoding="utf-8")
    bakery(ws)
    got = score_creators(ws, ok, sentiment=False).to_pylist()
    assert got and all(0 <= r["community_score"] <= 100 for r in got)
