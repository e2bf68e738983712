"""The metric stages on a second connection while the models run (``MetricLane``, what ``tribescope score`` does):
the same scores as one stage after the other, every stage's rows stored, and a clean stop when the models fail."""

from __future__ import annotations

import shutil
import time

import duckdb
import pyarrow as pa
import pytest

from tribescope.score import score_creators
from tribescope.score._cache import ScoreRun
from tribescope.score._enrich import enrich
from tribescope.score._score import MetricLane
from tribescope.store import connect

try:  # the tests folder may or may not be a package
    from ._score_fixtures import assert_same_rows, imported_synth
except ImportError:
    from _score_fixtures import assert_same_rows, imported_synth  # type: ignore[no-redef]

pytestmark = pytest.mark.slow


def _with_lane(ws) -> tuple[pa.Table, ScoreRun]:
    run = ScoreRun.open(ws)
    with MetricLane(ws, None, run) as lane:
        enrich(ws, run=run, stored=lane.stored)
        assert (
            "sentiment" in lane
        )  # queued once the comments' text features were stored, as tribescope score does
        return score_creators(ws, run=run, lane=lane), run


def _in_turn(ws) -> tuple[pa.Table, ScoreRun]:
    run = ScoreRun.open(ws)
    enrich(ws, run=run)
    return score_creators(ws, run=run), run


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    d = tmp_path_factory.mktemp("lane")
    imported_synth(d, 11).close()
    return d / "ws.duckdb"


def test_lane_scores_equal_the_stages_in_turn_and_every_stage_is_stored(imported, tmp_path):
    shutil.copy(imported, tmp_path / "a.duckdb")
    shutil.copy(imported, tmp_path / "b.duckdb")
    a, b = connect(tmp_path / "a.duckdb"), connect(tmp_path / "b.duckdb")
    with_lane, run = _with_lane(a)
    in_turn, _ = _in_turn(b)
    n = with_lane.num_rows
    assert n > 20 and run.recomputed["conversation"] == n and run.recomputed["sentiment"] == n
    assert_same_rows(with_lane, in_turn, "creator_scores", any_order=True)
    stages = sorted(t for t in b.list_tables() if t.startswith("_score_cache_") and t != "_score_cache_state")
    assert len(stages) >= 12
    assert (
        sorted(t for t in a.list_tables() if t.startswith("_score_cache_") and t != "_score_cache_state")
        == stages
    )
    for t in stages:
        assert_same_rows(a.table(t).to_pyarrow(), b.table(t).to_pyarrow(), t, any_order=True)
    # the lane's stages finished after the models' commit too: all were stored, so nothing is recomputed now
    again, run = _with_lane(a)
    assert set(run.recomputed.values()) == {0}, run.recomputed
    assert_same_rows(again, with_lane, "re-score", any_order=True)
    a.close()
    b.close()


def test_thread_row_stages_by_groups_of_creators_equal_the_whole_scope(imported, tmp_path, monkeypatch):
    """A score of every creator of a workspace holding more than ``GROUP_COMMENTS`` comments builds the thread rows
    of one group of creators at a time, never of the whole scope, and stores the same rows as a score in one group."""
    import math

    from tribescope.score import _score

    shutil.copy(imported, tmp_path / "one.duckdb")
    shutil.copy(imported, tmp_path / "groups.duckdb")
    one, groups = connect(tmp_path / "one.duckdb"), connect(tmp_path / "groups.duckdb")
    built: list[tuple[bool, frozenset]] = []
    real = _score._thread_rows

    def spy(sc, **kw):
        built.append((sc.full, frozenset(sc.keys)))
        return real(sc, **kw)

    monkeypatch.setattr(_score, "_thread_rows", spy)
    sentiment: list[frozenset] = []  # the creators of each sentiment query, grouped as the thread rows are
    real_sentiment = _score._sentiment_rows

    def spy_sentiment(ws, sc, **kw):
        sentiment.append(frozenset(sc.keys))
        return real_sentiment(ws, sc, **kw)

    monkeypatch.setattr(_score, "_sentiment_rows", spy_sentiment)
    ref, _ = _with_lane(one)
    assert built and all(
        full for full, _ in built
    )  # the default bound: one group, the whole scope's thread rows
    assert len(sentiment) == 1
    built.clear()
    sentiment.clear()
    from tribescope.metrics import _base

    handle_builds: list[int] = []  # the creators' own-account handles: built once for every group
    real_handles = _base.own_handles_rows

    def spy_handles(posts, accounts):
        rows = real_handles(posts, accounts)
        handle_builds.append(rows.num_rows)
        return rows

    monkeypatch.setattr(_base, "own_handles_rows", spy_handles)
    monkeypatch.setattr(_score, "own_handles_rows", spy_handles)
    n = groups.duck.execute("SELECT count(*) FROM comments").fetchone()[0]
    monkeypatch.setattr(_score, "GROUP_COMMENTS", n // 3)
    got, run = _with_lane(groups)
    k = math.ceil(n / (n // 3))
    assert k > 1 and len(built) == k and not any(full for full, _ in built)
    assert len(handle_builds) == 1 and handle_builds[0] > 0
    creators = set(zip(got["platform"].to_pylist(), got["creator_id"].to_pylist(), strict=True))
    assert frozenset().union(*(keys for _, keys in built)) == creators  # every creator, each in one group
    assert sum(len(keys) for _, keys in built) == len(creators)
    assert run.recomputed["conversation"] == run.recomputed["graph"] == len(creators)
    assert sorted(sentiment, key=sorted) == sorted((keys for _, keys in built), key=sorted)
    assert_same_rows(got, ref, "creator_scores", any_order=True)
    for t in sorted(
        x for x in one.list_tables() if x.startswith("_score_cache_") and x != "_score_cache_state"
    ):
        assert_same_rows(groups.table(t).to_pyarrow(), one.table(t).to_pyarrow(), t, any_order=True)
    one.close()
    groups.close()


def test_groups_of_creators_take_their_sentiment_from_their_thread_rows_once_the_features_are_stored(
    imported, tmp_path, monkeypatch
):
    """While the thread-row stages run group by group, each group's ``sentiment`` rows are computed from its thread
    rows once the models have stored ``comment_features`` (the lane's event set), and the ``sentiment`` stage then
    joins nothing again; before that, the stage computes every group itself from the comments. Same means either
    way, equal to those of a score in one group."""
    import threading

    from tribescope.score import _score
    from tribescope.score._cache import _keys
    from tribescope.score._spec import load_spec

    shutil.copy(imported, tmp_path / "s.duckdb")
    ws = connect(tmp_path / "s.duckdb")
    ref, _ = _with_lane(ws)  # one group; stores comment_features
    keys = zip(ref["platform"].to_pylist(), ref["creator_id"].to_pylist(), strict=True)
    want = dict(zip(keys, ref["sentiment_mean"].to_pylist(), strict=True))
    assert sum(v is not None for v in want.values()) > 20
    n = ws.duck.execute("SELECT count(*) FROM comments").fetchone()[0]
    monkeypatch.setattr(_score, "GROUP_COMMENTS", n // 3)
    calls: list[bool] = []  # per query: whether it read the group's thread rows
    real = _score._sentiment_rows

    def spy(ws_, sc, **kw):
        calls.append(getattr(sc, "_threads", None) is not None)
        return real(ws_, sc, **kw)

    monkeypatch.setattr(_score, "_sentiment_rows", spy)
    spec = load_spec(None)
    for ready in (False, True):
        calls.clear()
        run = ScoreRun.open(ws, full=True)
        sc = run.scope(set(_keys(run.fingerprints)))
        assert sc.full
        stored = threading.Event()
        if ready:
            stored.set()
        _score._part(ws, "conversation", sc, spec=spec, stored=stored)
        k = len(_score._groups(sc))
        assert k > 1
        assert calls == [True] * k if ready else not calls
        got = _score._part(ws, "sentiment", sc, spec=spec)
        assert calls == [True] * k if ready else calls == [False] * k
        assert got.num_rows == len(want)
        for p, c, v in zip(
            *(got[x].to_pylist() for x in ("platform", "creator_id", "sentiment_mean")), strict=True
        ):
            assert v == pytest.approx(want[(p, c)], abs=1e-12) if v is not None else want[(p, c)] is None
    ws.close()


def test_lane_queues_sentiment_once_the_text_features_are_stored_unless_the_score_skips_it(
    imported, tmp_path
):
    shutil.copy(imported, tmp_path / "s.duckdb")
    ws = connect(tmp_path / "s.duckdb")
    for sentiment in (True, False):
        run = ScoreRun.open(ws)
        with MetricLane(ws, None, run, sentiment=sentiment) as lane:
            lane.stored("creator_niches")
            assert "sentiment" not in lane
            lane.stored("creator_audience_authenticity")
            assert ("sentiment" in lane) is sentiment
    ws.close()


def test_lane_stops_and_closes_its_connection_when_the_models_fail(imported, tmp_path):
    shutil.copy(imported, tmp_path / "c.duckdb")
    ws = connect(tmp_path / "c.duckdb")
    run = ScoreRun.open(ws)
    t0 = time.perf_counter()
    with pytest.raises(RuntimeError, match="model failed"), MetricLane(ws, None, run) as lane:
        raise RuntimeError("model failed")
    assert time.perf_counter() - t0 < 30
    with pytest.raises(duckdb.ConnectionException):
        lane._ws._duck.execute("SELECT 1")  # the DuckDB connection itself is closed
    # nothing was committed, and the workspace's own connection works on
    assert not [t for t in ws.list_tables() if t.startswith("_score_cache_")]
    assert ws.duck.execute("SELECT count(*) FROM comments").fetchone()[0] > 0
    ws.close()


def test_workspace_cursor_shares_the_database_not_the_temporary_tables(tmp_path):
    ws = connect(tmp_path / "w.duckdb")
    cur = ws.cursor()
    ws.duck.execute("CREATE TABLE shared AS SELECT 42 AS x")
    assert cur.table("shared").to_pyarrow()["x"].to_pylist() == [42]
    cur.duck.execute("CREATE TEMP TABLE mine AS SELECT 1 AS y")
    assert "mine" not in ws.list_tables()
    assert cur.duck.execute("SELECT current_setting('python_enable_replacements')").fetchone()[0] is False
    assert cur.duck.execute("SELECT current_setting('TimeZone')").fetchone()[0] in ("UTC", "Etc/UTC")
    cur.close()
    assert ws.duck.execute("SELECT x FROM shared").fetchone()[0] == 42
    ws.close()


def test_scoring_collects_garbage_less_often_and_restores_the_thresholds(imported, tmp_path, monkeypatch):
    """The models and the metric stages run with the young generation's threshold raised (see ``tribescope._gc``),
    on the lane's thread too; the thresholds are back as they were afterwards."""
    import gc

    from tribescope._gc import BATCH_GC_THRESHOLD
    from tribescope.score import _score

    seen: list[tuple[int, int, int]] = []
    real = _score._part

    def spy(*args, **kwargs):
        seen.append(gc.get_threshold())
        return real(*args, **kwargs)

    monkeypatch.setattr(_score, "_part", spy)
    shutil.copy(imported, tmp_path / "g.duckdb")
    ws = connect(tmp_path / "g.duckdb")
    before = gc.get_threshold()
    try:
        _with_lane(ws)
    finally:
        ws.close()
    assert len(seen) >= 9 and all(t[0] == max(before[0], BATCH_GC_THRESHOLD) for t in seen), seen
    assert gc.get_threshold() == before


def _pool_seen_by_stages(monkeypatch, then=None) -> list[int]:
    """The size of DuckDB's pool each metric stage starts with, in the order they start (``_part`` spied on; ``then()``
    called after each is noted, before the stage runs)."""
    from tribescope.score import _score

    seen: list[int] = []
    real = _score._part

    def spy(lane_ws, *args, **kwargs):
        seen.append(lane_ws.duck.execute("SELECT current_setting('threads')").fetchone()[0])
        if then is not None:
            then()
        return real(lane_ws, *args, **kwargs)

    monkeypatch.setattr(_score, "_part", spy)
    return seen


def test_side_by_side_the_engine_pool_has_a_thread_fewer_and_gets_it_back(imported, tmp_path, monkeypatch):
    """While the lane runs beside the models, DuckDB's pool is one thread smaller (each side's statements on their own
    thread: two calling threads and the pool's others match the cores); the stages see it, and it is back after."""
    from tribescope.score import _score

    small, large = _score.SIDE_BY_SIDE_COMMENTS, _score.SIDE_BY_SIDE_COMMENTS + 1
    assert [_score.side_by_side_threads(n, small) for n in (None, 1, 2, 8)] == [None, 1, 1, 7]
    assert _score.side_by_side_threads(2, large) is None  # a large workspace keeps the pool
    seen = _pool_seen_by_stages(monkeypatch)
    shutil.copy(imported, tmp_path / "t.duckdb")
    ws = connect(tmp_path / "t.duckdb")
    try:
        with ws.engine_threads(3):
            _with_lane(ws)
            assert ws.engine_thread_count() == 3
            assert len(seen) >= 9 and set(seen) == {2}, seen
            run = ScoreRun.open(ws)
            with pytest.raises(RuntimeError, match="model failed"), MetricLane(ws, None, run):
                assert ws.engine_thread_count() == 2
                raise RuntimeError("model failed")
            assert ws.engine_thread_count() == 3
            monkeypatch.setattr(_score, "SIDE_BY_SIDE_COMMENTS", 10)  # this workspace is "large" now
            seen.clear()
            with MetricLane(ws, None, ScoreRun.open(ws, full=True)) as lane:
                assert ws.engine_thread_count() == 3
                lane.result("reach")
            assert seen and set(seen) == {3}, seen
    finally:
        ws.close()


def test_the_pool_is_given_back_to_the_lane_when_the_models_are_done(imported, tmp_path, monkeypatch):
    """``tribescope score`` gives DuckDB's pool its thread back once the models are done (``MetricLane.models_done``):
    the lane's stages that start after it see the whole pool, those before the smaller one, and closing the lane
    after leaves it as it was."""
    import threading

    first_started, go_on = threading.Event(), threading.Event()

    def hold_the_first() -> None:  # the lane's first stage waits until the test has given the pool back
        if not first_started.is_set():
            first_started.set()
            assert go_on.wait(60)

    seen = _pool_seen_by_stages(monkeypatch, then=hold_the_first)
    shutil.copy(imported, tmp_path / "g.duckdb")
    ws = connect(tmp_path / "g.duckdb")
    try:
        with ws.engine_threads(3):
            with MetricLane(ws, None, ScoreRun.open(ws, full=True)) as lane:
                assert first_started.wait(60)
                assert ws.engine_thread_count() == 2
                lane.models_done()
                assert ws.engine_thread_count() == 3
                go_on.set()
                lane.models_done()  # once is enough; again changes nothing
                for name in ("reach", "engagement", "conversation", "graph"):
                    lane.result(name)
                assert ws.engine_thread_count() == 3
            assert ws.engine_thread_count() == 3
            assert seen[0] == 2 and len(seen) >= 4 and set(seen[1:]) == {3}, seen
    finally:
        go_on.set()
        ws.close()


def test_workspace_cursor_is_utc_on_a_machine_in_another_time_zone(tmp_path):
    """A DuckDB cursor starts from the defaults (the local zone), not from its parent's settings."""
    import os
    import subprocess
    import sys

    code = (
        "import sys; from tribescope.store import connect; ws = connect(sys.argv[1]); cur = ws.cursor(); "
        "print(cur.duck.execute(\"SELECT current_setting('TimeZone')\").fetchone()[0]); "
        "print(ws.duck.cursor().execute(\"SELECT current_setting('TimeZone')\").fetchone()[0])"
    )
    env = {**os.environ, "TZ": "America/New_York"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "tz.duckdb")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out[0] in ("UTC", "Etc/UTC")
    assert out[1] == "America/New_York"  # what a bare cursor would have had: the test can tell the two apart


def test_a_lane_that_cannot_start_gives_back_its_connection_and_the_thresholds(
    imported, tmp_path, monkeypatch
):
    import gc

    shutil.copy(imported, tmp_path / "f.duckdb")
    ws = connect(tmp_path / "f.duckdb")
    run = ScoreRun.open(ws)
    opened = []
    real_cursor = type(ws).cursor

    def cursor(self):
        c = real_cursor(self)
        opened.append(c)
        return c

    def broken_on(_ws):
        raise RuntimeError("state unreadable")

    monkeypatch.setattr(type(ws), "cursor", cursor)
    monkeypatch.setattr(run, "on", broken_on)
    before = gc.get_threshold()
    threads = ws.engine_thread_count()
    with pytest.raises(RuntimeError, match="state unreadable"):
        MetricLane(ws, None, run)
    assert gc.get_threshold() == before
    assert ws.engine_thread_count() == threads
    assert len(opened) == 1
    with pytest.raises(duckdb.ConnectionException):
        opened[0]._duck.execute("SELECT 1")  # the DuckDB connection itself is closed
    ws.close()
