"""Workspace and the idempotent upsert."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from tribescope import schema
from tribescope.store import connect
from tribescope.store._upsert import Stager

UTC = dt.UTC


def _acc(rows):
    s = schema.arrow_schema("accounts")
    return pa.Table.from_pylist([{k: r.get(k) for k in s.names} for r in rows], schema=s)


def _merge(ws, import_id, rows):
    with ws.transaction():
        st = Stager(ws.duck, import_id)
        st.add("accounts", _acc(rows))
        return st.merge()["accounts"]


def _get(ws, aid):
    t = ws.table("accounts")
    return t.filter(t.account_id == aid).to_pyarrow().to_pylist()[0]


def test_canonical_tables_created(ws):
    assert set(schema.TABLES) <= set(ws.list_tables())
    assert ws.counts()["accounts"] == 0


def test_same_rows_twice_change_nothing(ws):
    rows = [{"platform": "youtube", "account_id": "UC1", "username": "a", "followers": 10}]
    assert _merge(ws, "i1", rows) == 1
    assert _merge(ws, "i2", rows) == 0
    assert _get(ws, "UC1")["import_id"] == "i1"


def test_newer_snapshot_updates_counters_older_only_fills_gaps(ws):
    t1, t2, t0 = (dt.datetime(2024, 1, d, tzinfo=UTC) for d in (2, 3, 1))
    _merge(ws, "i1", [{"platform": "youtube", "account_id": "UC1", "followers": 10, "snapshot_at": t1}])
    _merge(ws, "i2", [{"platform": "youtube", "account_id": "UC1", "followers": 12, "snapshot_at": t2}])
    assert _get(ws, "UC1")["followers"] == 12
    _merge(
        ws,
        "i3",
        [{"platform": "youtube", "account_id": "UC1", "followers": 5, "bio": "hi", "snapshot_at": t0}],
    )
    row = _get(ws, "UC1")
    assert (row["followers"], row["bio"]) == (12, "hi")


def test_duplicates_within_one_batch_are_merged(ws):
    n = _merge(
        ws,
        "i1",
        [
            {"platform": "youtube", "account_id": "UC1", "username": "a"},
            {"platform": "youtube", "account_id": "UC1", "followers": 3},
        ],
    )
    assert n == 1
    row = _get(ws, "UC1")
    assert (row["username"], row["followers"]) == ("a", 3)


def test_failed_transaction_leaves_nothing(ws):
    with pytest.raises(RuntimeError), ws.transaction():
        st = Stager(ws.duck, "i1")
        st.add("accounts", _acc([{"platform": "youtube", "account_id": "UC1"}]))
        st.merge()
        raise RuntimeError("boom")
    assert ws.counts()["accounts"] == 0


def test_read_only_missing_workspace_is_a_clear_error(tmp_path):
    from tribescope.errors import WorkspaceError

    with pytest.raises(WorkspaceError, match="does not exist"):
        connect(tmp_path / "nope.duckdb", read_only=True)


def test_data_model_doc_is_current():
    from pathlib import Path

    doc = (Path(__file__).parents[1] / "docs" / "data-model.md").read_text()
    assert doc == schema.render_markdown() + "\n", (
        "regenerate docs/data-model.md from tribescope.schema.render_markdown()"
    )
