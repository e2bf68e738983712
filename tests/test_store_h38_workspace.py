"""A workspace another process holds: the error says so, which process, and what to do."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tribescope.errors import WorkspaceError
from tribescope.store import connect


def test_a_second_writer_is_told_another_process_holds_the_workspace(tmp_path):
    w = tmp_path / "w.duckdb"
    connect(w).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()",
            str(w),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        for read_only in (False, True):
            with pytest.raises(WorkspaceError) as info:
                connect(w, read_only=read_only)
            msg = str(info.value)
            assert f"workspace {w} is in use by another process (PID {holder.pid}" in msg, msg
            assert "wait for that process to finish or stop it" in msg
            assert "IO Error" not in msg
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()
    connect(w).close()  # free again once it is gone


def test_forget_on_a_read_only_workspace_says_so_and_deletes_nothing(tmp_path):
    from tribescope.store._privacy import forget

    w = tmp_path / "w.duckdb"
    ws = connect(w)
    ws.duck.execute(
        "INSERT INTO accounts (platform, account_id, username) VALUES ('instagram', 'ann', 'ann')"
    )
    ws.close()
    ro = connect(w, read_only=True)
    with pytest.raises(WorkspaceError, match=r"forget wants to write .* is open read-only"):
        forget(
            ro, "ann"
        )  # before: DuckDB's InvalidInputException 'Cannot execute statement of type "DELETE"'
    ro.close()
    ws = connect(w)
    assert ws.counts()["accounts"] == 1
    ws.close()
