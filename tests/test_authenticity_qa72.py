"""The audience the authenticity components judge is the metrics' audience: not the creator's own accounts (QA 72)."""

from __future__ import annotations

import pytest

from tribescope.authenticity import creator_audience_authenticity
from tribescope.authenticity._pods import PodParams, find_pods, pod_members

try:  # the tests folder may or may not be a package
    from ._score_fixtures import creator_answering_under_another_id
except ImportError:
    from _score_fixtures import creator_answering_under_another_id  # type: ignore[no-redef]


def test_the_creator_answering_under_another_id_is_no_pod_and_not_its_own_audience(ws):
    """The pods and the authenticity components excluded the creator by id alone: ivy's replies from 9999 — her
    own account by the metrics' rule (``own_account``: n_follower_comments 8) — counted as 16 audience comments,
    and 9999, u1 and u2, early together on every post, were an engagement pod: comment_authenticity 0 (every
    comment a pod's), pod share 1."""
    creator_answering_under_another_id(ws)
    assert pod_members(find_pods(ws, PodParams())) == []
    (row,) = creator_audience_authenticity(ws).to_pyarrow().to_pylist()
    assert row["comments"] == 8  # u1's and u2's, as n_follower_comments counts them
    assert row["comment_authenticity"] == pytest.approx(1.0)
    assert row["pod_engagement_share"] == pytest.approx(0.0)
