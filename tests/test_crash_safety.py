"""SIGKILL in the middle of an import: the workspace opens afterwards and holds all or none of the file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tribescope.store import connect

pytestmark = pytest.mark.slow

N = 300_000


def _big_csv(path):
    with open(path, "w") as f:
        f.write("platform,comment_id,post_id,author_id,author_name,created_at,text,likes\n")
        for i in range(N):
            f.write(
                f"youtube,c{i},p{i % 500},a{i % 7000},user{i % 7000},2024-01-01T00:00:{i % 60:02d}Z,"
                f"comment number {i} with some words,{i % 13}\n"
            )


def test_sigkill_mid_import_leaves_all_or_nothing(tmp_path):
    src = tmp_path / "comments.csv"
    _big_csv(src)
    w = tmp_path / "w.duckdb"
    connect(w).close()  # the workspace exists before the import starts
    code = (
        "import sys; from tribescope.store import connect; from tribescope.ingest import import_paths;"
        f"ws = connect({str(w)!r}); print('started', flush=True);"
        f"import_paths(ws, [{str(src)!r}]); print('done', flush=True)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "started"
    time.sleep(1.5)  # well into parsing and staging
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    ws = connect(w)
    try:
        n = ws.counts()["comments"]
        assert n in (0, N), f"torn import: {n} of {N} comments present"
        assert ws.counts()["imports"] == (1 if n == N else 0)
    finally:
        ws.close()
