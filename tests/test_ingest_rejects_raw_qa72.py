"""``rejects.raw`` keeps a bad record as JSON whatever the format read it (one helper: ingest._base.raw_text)."""

from __future__ import annotations

import json

from tribescope.ingest import import_paths


def test_a_reddit_listing_whose_children_are_no_array_is_kept_as_json(ws, tmp_path):
    """A Reddit Listing whose ``data.children`` is an object: its quarantined record was Python's repr
    (``{'kind': 't3', …}``, single quotes, not JSON) while every other reject is JSON."""
    children = {"kind": "t3", "data": {"id": "s1", "title": "Pullover très doux", "subreddit": "CozyKnits"}}
    good = {
        "kind": "t3",
        "data": {
            "id": "s2",
            "name": "t3_s2",
            "title": "Cable knit",
            "selftext": "",
            "author": "knitter",
            "subreddit": "CozyKnits",
            "created_utc": 1_700_000_000,
        },
    }
    f = tmp_path / "listing.json"
    f.write_text(
        json.dumps(
            [
                {"kind": "Listing", "data": {"children": [good]}},
                {"kind": "Listing", "data": {"children": children}},
            ]
        )
    )
    r = import_paths(ws, [f], skip_bad=True, format="reddit")
    assert r.rejected == 1
    (rej,) = ws.table("rejects").to_pyarrow().to_pylist()
    assert "expected an array of things" in rej["reason"]
    assert json.loads(rej["raw"]) == children  # the text as it is: "très", not an escape
    assert "très" in rej["raw"]


def test_raw_text_falls_back_to_python_for_what_json_cannot_write():
    from tribescope.ingest._base import raw_text

    deep: list = []
    for _ in range(3000):
        deep = [deep]
    assert raw_text({"a": 1, "t": "é"}) == '{"a": 1, "t": "é"}'
    assert raw_text(deep).startswith("[[[") and len(raw_text(deep)) <= 2000
    assert len(raw_text({"x": "y" * 5000})) == 2000
