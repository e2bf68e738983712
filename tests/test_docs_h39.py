"""The user documentation names what the code has: the columns `classify_posts` returns (docs/campaigns.md) and the
Python functions README.md says raise `tribescope.CreatorNotFound`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_campaigns_doc_lists_every_column_classify_posts_returns() -> None:
    from tribescope.sponsored import SPONSORED_SCHEMA

    doc = (ROOT / "docs" / "campaigns.md").read_text(encoding="utf-8")
    m = re.search(r"`classify_posts\(ws\)` returns `([^`]+)`", doc)
    assert m, "docs/campaigns.md no longer says what classify_posts returns"
    listed = [c.strip() for c in m.group(1).split(",")]
    assert listed == list(SPONSORED_SCHEMA.names)


def test_readme_creator_not_found_functions_exist() -> None:
    import tribescope.niche
    import tribescope.score
    import tribescope.sponsored

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"`tribescope\.CreatorNotFound` \(([^)]+)\)", readme)
    assert m, "README.md no longer lists the functions that raise CreatorNotFound"
    names = re.findall(r"`(\w+)`", m.group(1))
    assert names
    modules = (tribescope.score, tribescope.niche, tribescope.sponsored)
    missing = [n for n in names if not any(callable(getattr(mod, n, None)) for mod in modules)]
    assert not missing, f"README.md names functions the Python API does not have: {missing}"


@pytest.mark.parametrize("doc", ["authenticity.md"])
def test_comment_scores_described_as_the_comment_features_table(doc: str) -> None:
    from tribescope.authenticity import comment_scores

    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    m = re.search(r"`comment_scores\(ws\)`\s*\(([^)]*)\)", text)
    assert m, f"docs/{doc} no longer describes comment_scores"
    # it returns the stored comment_features table (an Ibis expression), not a small Arrow table
    assert "comment_features" in m.group(1) and "Ibis" in m.group(1)
    assert "comment_features" in (comment_scores.__doc__ or "")
