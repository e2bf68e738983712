"""The topic model on creators whose captions are the same: NMF was asked for two topics of a rank-1 matrix and
printed scikit-learn's "Maximum number of iterations 400 reached" and NumPy's "invalid value encountered in sqrt" on
the console (under `score`, `niches`, `similar`), over two topics of the same words."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("sklearn")

from tribescope.niche._topics import fit_topics

CAPTION = "sourdough bread baking starter recipe"


def _fit(docs):
    keys = [("youtube", f"c{i}") for i in range(len(docs))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = fit_topics(keys, docs)
    return model, [str(w.message) for w in caught]


@pytest.mark.parametrize("n", [4, 8, 9])
def test_identical_captions_fit_one_topic_without_a_warning(n):
    model, caught = _fit([CAPTION] * n)
    assert caught == []
    assert len(model.terms) == 1
    assert set(model.terms[0]) == {"sourdough", "bread", "baking", "starter", "recipe"}


def test_the_same_words_in_another_case_are_one_topic_too():
    model, caught = _fit([CAPTION, CAPTION.upper() + "!"] * 4)
    assert caught == [] and len(model.terms) == 1


def test_distinct_captions_still_get_their_topics():
    model, caught = _fit([CAPTION, "cats dogs kittens puppies shelter"] * 4)
    assert caught == []
    assert len(model.terms) == 2
    assert {frozenset(t) for t in model.terms} == {
        frozenset(CAPTION.split()),
        frozenset(["cats", "dogs", "kittens", "puppies", "shelter"]),
    }
