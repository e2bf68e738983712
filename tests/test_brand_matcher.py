"""One whole-word brand rule: sponsored classification (``brand_matcher``) and campaign posts (``word_pattern``) read
the same pattern."""

from __future__ import annotations

from tribescope.brand import Brand, brand_matcher
from tribescope.brand._text import brand_terms, word_pattern


def test_brand_matcher_is_the_campaign_rules_word_pattern():
    """brand_matcher kept its own copy of the whole-word pattern; it is now word_pattern of the brand's terms, so a
    change to the rule reaches both. A keyword written "#trailready" is the word "trailready", as a campaign's
    --brand-term "#trailready" is (the copy matched only "#trailready")."""
    b = Brand(
        "Brightfold",
        handles=["brightfold", "instagram:brightfold_eu"],
        keywords=["bottle", "trail pack", "#trailready"],
    )
    pat = brand_matcher(b)
    want = word_pattern(brand_terms(b))
    assert want is not None and (pat.pattern, pat.flags) == (want.pattern, want.flags)
    hits = {
        "my new BOTTLE": True,
        "#bottle life": True,
        "thanks @Brightfold!": True,
        "via @brightfold_eu": True,
        "the Trail Pack review": True,
        "trailready, finally": True,
        "#TrailReady": True,
        "bottles and backpacks": False,
        "trail packs compared": False,
        "brightfolds": False,
        "brightfold_fan": False,
    }
    assert {t: bool(pat.search(t)) for t in hits} == hits


def test_a_brand_without_words_matches_nothing():
    assert brand_matcher(Brand("")).search("anything at all") is None
