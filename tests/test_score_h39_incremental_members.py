"""Incremental re-scoring sees a change in the accounts of a linked space's members: a member whose handle becomes the
creator's is one of the creator's own accounts (``metrics.own_account``), no longer a member, so the off-platform
figures move; the creator's fingerprint covers the message authors' ``accounts`` rows, and the re-score equals a full
one."""

from __future__ import annotations

import pytest

try:  # the tests folder may or may not be a package
    from ._score_fixtures import assert_same_rows, imported_synth, score_run, scratch_full_score
except ImportError:
    from _score_fixtures import (  # type: ignore[no-redef]
        assert_same_rows,
        imported_synth,
        score_run,
        scratch_full_score,
    )

pytestmark = pytest.mark.slow


def test_a_member_renamed_to_the_creators_handle_is_rescored(tmp_path):
    ws = imported_synth(tmp_path, 7)
    first, _ = score_run(ws)
    # a creator with a handle, a linked space and a member who wrote there (an account row of its own)
    row = ws.duck.execute(
        """SELECT l.creator_platform, l.creator_id, lower(ca.username), m.platform, m.author_id, count(*) AS n
           FROM community_links l
           JOIN accounts ca ON ca.platform = l.creator_platform AND ca.account_id = l.creator_id
           JOIN community_messages m ON m.platform = l.platform AND m.space_id = l.space_id
           JOIN accounts ma ON ma.platform = m.platform AND ma.account_id = m.author_id
           WHERE ca.username IS NOT NULL AND lower(ma.username) <> lower(ca.username)
           GROUP BY ALL ORDER BY n DESC, 1, 2, 5 LIMIT 1"""
    ).fetchone()
    assert row is not None, "the synth workspace has no linked space with members"
    cplat, cid, handle, mplat, member, _ = row
    ws.duck.execute(
        "UPDATE accounts SET username = ? WHERE platform = ? AND account_id = ?", [handle, mplat, member]
    )
    inc, run = score_run(ws)
    assert run.recomputed["offplatform"] >= 1, run.recomputed
    ws.close()

    full, scratch, _ = scratch_full_score(tmp_path / "ws.duckdb", tmp_path / "scratch.duckdb")
    scratch.close()
    assert_same_rows(inc, full, "creator_scores")
    # and the member's change did move the creator's off-platform figures
    key = {"platform": cplat, "creator_id": cid}
    before = next(r for r in first.to_pylist() if {k: r[k] for k in key} == key)
    after = next(r for r in inc.to_pylist() if {k: r[k] for k in key} == key)
    cols = [c for c in first.column_names if c.startswith("community_")]
    assert any(before[c] != after[c] for c in cols), {c: (before[c], after[c]) for c in cols}
