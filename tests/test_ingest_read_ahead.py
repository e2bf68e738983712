"""Files read record by record are parsed ahead of their turn on a background thread (``ReadAhead``); the import
must be exactly what reading each file in its turn gives, fail at the bad file's turn, and leave no thread."""

from __future__ import annotations

import shutil
import threading
import time

import pytest

from tribescope.errors import ImportFailed
from tribescope.ingest import _run, import_paths
from tribescope.store import connect

TABLES = ("accounts", "posts", "comments", "community_messages", "rejects")


def _dump(ws) -> dict[str, list]:
    out = {}
    for t in TABLES:
        cols = [c for c in ws.table(t).columns if c != "import_id"]
        out[t] = ws.duck.execute(f'SELECT {", ".join(cols)} FROM "{t}" ORDER BY ALL').fetchall()
    out["imports"] = ws.duck.execute(
        "SELECT path, format, records, rows, rejected, status FROM imports ORDER BY path"
    ).fetchall()
    return out


def _no_reader_thread() -> bool:
    return not [t for t in threading.enumerate() if t.name == "tribescope-read"]


@pytest.fixture
def exports(tmp_path, fixtures):
    d = tmp_path / "exports"
    for sub in ("discord", "reddit", "tiktok", "youtube", "web"):
        shutil.copytree(fixtures / sub, d / sub)
    return d


def test_reading_ahead_equals_reading_in_turn(tmp_path, exports, monkeypatch):
    monkeypatch.setattr(
        _run, "READ_AHEAD_ROWS", 1
    )  # the reader waits after every batch: the tightest hand-over
    ahead = connect(tmp_path / "ahead.duckdb")
    r_ahead = import_paths(ahead, [exports], options={"platform": "instagram"})

    class InTurn(_run.ReadAhead):
        def __init__(self, jobs, max_rows=None):
            super().__init__({}, max_rows)

    monkeypatch.setattr(_run, "ReadAhead", InTurn)  # no file read ahead: each one read when its turn comes
    in_turn = connect(tmp_path / "in_turn.duckdb")
    r_turn = import_paths(in_turn, [exports], options={"platform": "instagram"})
    try:
        assert len(r_ahead.files) >= 8 and r_ahead.records > 50
        assert [(f.path, f.records, f.rows) for f in r_ahead.files] == [
            (f.path, f.records, f.rows) for f in r_turn.files
        ]
        assert _dump(ahead) == _dump(in_turn)
        assert _no_reader_thread()
    finally:
        ahead.close()
        in_turn.close()


def test_a_bad_file_read_ahead_fails_at_its_turn(ws, tmp_path):
    good = "account_id,followers\n1,10\n2,20\n"
    (tmp_path / "a.csv").write_text(good)
    (tmp_path / "b.csv").write_text("account_id,followers\n3,30\n4,lots\n")
    (tmp_path / "c.csv").write_text(good.replace("1,", "5,").replace("2,", "6,"))
    with pytest.raises(ImportFailed) as e:
        import_paths(ws, [tmp_path], options={"platform": "instagram"})
    assert "b.csv, line 3" in str(e.value) and "'followers'" in str(e.value)
    assert ws.counts()["accounts"] == 0 and ws.counts()["imports"] == 0
    assert _no_reader_thread()
    r = import_paths(ws, [tmp_path], options={"platform": "instagram"}, skip_bad=True)
    assert [f.records for f in r.files] == [2, 2, 2] and [f.rejected for f in r.files] == [0, 1, 0]
    assert ws.counts()["accounts"] == 5
    assert ws.duck.execute("SELECT location, field FROM rejects").fetchall() == [("line 3", "followers")]


def test_hashes_started_ahead_are_used_once_and_a_changed_file_is_hashed_again(tmp_path):
    from tribescope.ingest._readers import file_sha256

    a, b, c = (tmp_path / n for n in ("a.jsonl", "b.jsonl", "c.jsonl"))
    a.write_bytes(b'{"x": 1}\n' * 1000)
    b.write_bytes(b'{"y": 2}\n' * 10)
    c.write_bytes(b"not hashed ahead\n")
    _run.hash_ahead([a, b])
    b.write_bytes(b'{"y": 2}\n' * 11)  # changed after its hash was started: its size no longer matches
    got = list(_run._sha256_all([a, b, c]))
    assert got == [file_sha256(a), file_sha256(b), file_sha256(c)]
    assert not _run._AHEAD  # every started hash was taken (or dropped as stale) — none is left
    # a later import hashes again: nothing is reused twice
    assert list(_run._sha256_all([a])) == [file_sha256(a)]


def test_cli_import_hashes_ahead_and_skips_identical_content(tmp_path, exports):
    from typer.testing import CliRunner

    from tribescope.cli import app

    ws = tmp_path / "w.duckdb"
    r = CliRunner().invoke(app, ["--workspace", str(ws), "import", str(exports)])
    assert r.exit_code == 0, r.output
    again = CliRunner().invoke(app, ["--workspace", str(ws), "import", str(exports)])
    assert again.exit_code == 0, again.output
    con = connect(ws)
    try:
        # the second import recognised every file by its (ahead-computed) hash: one import row per file
        n_files = con.duck.execute("SELECT count(*), count(DISTINCT sha256) FROM imports").fetchone()
        assert n_files[0] == n_files[1] > 0
    finally:
        con.close()
    assert not _run._AHEAD


def test_import_collects_garbage_less_often_and_restores_the_thresholds(ws, tmp_path, monkeypatch):
    """While an import runs the young generation's threshold is raised; the thresholds are restored after it, also
    when it fails, and a collector disabled by the application (threshold 0) stays disabled."""
    import gc

    from tribescope._gc import BATCH_GC_THRESHOLD

    seen = []
    real = _run._read_file

    def spy(*args, **kwargs):
        seen.append(gc.get_threshold())
        return real(*args, **kwargs)

    monkeypatch.setattr(_run, "_read_file", spy)
    before = gc.get_threshold()
    (tmp_path / "a.csv").write_text("platform,account_id\ninstagram,a1\n")
    import_paths(ws, [tmp_path / "a.csv"])
    assert seen and seen[0][0] == max(before[0], BATCH_GC_THRESHOLD) and seen[0][1:] == before[1:]
    assert gc.get_threshold() == before
    (tmp_path / "b.csv").write_text("platform,account_id\ninstagram,\n")
    with pytest.raises(ImportFailed):
        import_paths(ws, [tmp_path / "b.csv"])
    assert gc.get_threshold() == before
    try:
        gc.set_threshold(0)
        seen.clear()
        import_paths(ws, [tmp_path / "a.csv"], force=True)
        assert seen and seen[0][0] == 0 and gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*before)


def test_the_import_works_while_the_reader_is_behind():
    """``items(…, idle=…)`` calls ``idle`` when the reader has nothing ready yet (the import writes the rows it
    gathered then), and not when it has: here the reader's first item waits for that call."""
    released = threading.Event()
    calls: list[bool] = []

    def job():
        assert released.wait(30), "idle was not called while the reader was behind"
        yield ("done", 3, 0)

    def idle():
        calls.append(released.is_set())
        released.set()

    def other():
        yield ("done", 1, 0)

    ahead = _run.ReadAhead({0: job, 1: other})
    try:
        assert list(ahead.items(0, idle=idle)) == [("done", 3, 0)]
        assert calls == [False]  # once, while the reader was behind
        deadline = time.monotonic() + 30
        while not ahead._items and time.monotonic() < deadline:  # the reader puts file 1's item
            time.sleep(0.01)
        assert list(ahead.items(1, idle=idle)) == [("done", 1, 0)]
        assert calls == [False]  # ready: no idle call
    finally:
        ahead.close()
    assert _no_reader_thread()


def test_hashes_started_ahead_of_a_failed_command_are_not_kept(tmp_path, exports):
    """`import` starts hashing before it opens the workspace: when the workspace cannot be opened (or the import fails
    before it takes them) the started hashes are dropped — they were left in the process, where a later import's
    test of "nothing left ahead" found them (order-dependent under pytest-xdist)."""
    from typer.testing import CliRunner

    from tribescope.cli import app

    not_a_workspace = tmp_path / "channels.json"
    not_a_workspace.write_text('{"kind": "youtube#channelListResponse"}')
    r = CliRunner().invoke(app, ["--workspace", str(not_a_workspace), "import", str(exports)])
    assert r.exit_code == 1 and "is not a DuckDB workspace" in r.output, r.output
    assert not _run._AHEAD
    ws = tmp_path / "w.duckdb"
    r = CliRunner().invoke(app, ["--workspace", str(ws), "import", str(exports), "--link-creator", "nocolon"])
    assert r.exit_code == 1, r.output
    assert not _run._AHEAD
