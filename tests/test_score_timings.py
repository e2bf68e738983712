"""Where a score's time went: each stage's wall time, thread and creators computed (``score_workspace(timings=…)``,
``tribescope score --timings FILE``)."""

from __future__ import annotations

import csv
import time

import duckdb
import pytest

from tribescope.score._run import score_workspace
from tribescope.store import connect

try:  # the tests folder may or may not be a package
    from ._score_fixtures import imported_synth, run_cli
except ImportError:
    from _score_fixtures import imported_synth, run_cli  # type: ignore[no-redef]

pytestmark = pytest.mark.slow

#: the stages every first score of a synth workspace computes: the models' and a few of the metric lane's
_SOME = {"fingerprints", "pods", "authenticity", "niches", "conversation", "graph", "sentiment"}


def test_every_stage_of_a_score_is_timed_with_what_it_computed(tmp_path):
    imported_synth(tmp_path, 11).close()
    ws = connect(tmp_path / "ws.duckdb")
    first: list = []
    began = time.perf_counter()
    tbl = score_workspace(ws, timings=first)
    took = time.perf_counter() - began
    n = tbl.num_rows
    by = {t.stage: t for t in first}
    assert len(by) == len(first)  # each stage once
    assert n > 20 and set(by) >= _SOME
    # every stage the run stored in its cache was timed
    stored = {
        t.removeprefix("_score_cache_")
        for t in ws.list_tables()
        if t.startswith("_score_cache_") and t != "_score_cache_state"
    }
    assert stored and stored <= set(by)
    # the models on the score's own thread, the metric stages beside them on the lane
    assert by["authenticity"].on == by["niches"].on == by["pods"].on == "main"
    assert by["conversation"].on == by["graph"].on == "metric lane"
    # what each computed: every creator, the pods once (a result across creators); the fingerprints are no stage's
    assert by["conversation"].creators == by["authenticity"].creators == by["sentiment"].creators == n
    assert by["pods"].creators == 1 and by["fingerprints"].creators is None
    # times within the score: each stage began after the run opened and ended before the score returned
    assert all(t.started >= 0 and t.seconds >= 0 for t in first)
    assert max(t.started + t.seconds for t in first) <= took
    assert by["fingerprints"].started <= min(t.started for t in first)
    # the stages on two threads overlap: their seconds add up to more than the parts of the score they cover
    assert (
        sum(t.seconds for t in first) > max(t.started + t.seconds for t in first) - by["fingerprints"].started
    )

    again: list = []
    score_workspace(ws, timings=again)
    assert {t.stage for t in again} == set(by)
    assert {t.creators for t in again if t.stage != "fingerprints"} == {
        0
    }  # nothing changed: all from the cache
    ws.close()


def test_score_timings_file_and_table(tmp_path):
    from tribescope.synth import generate

    generate(tmp_path / "exports", "xs", 4)
    w = str(tmp_path / "w.duckdb")
    code, out, err = run_cli(w, "score", str(tmp_path / "exports"), "--timings", str(tmp_path / "t.csv"))
    assert code == 0, out + err
    assert "where the score's" in err and "conversation" in err and "metric lane" in err
    with (tmp_path / "t.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["stage", "thread", "started_s", "seconds", "creators"]
    assert {r["stage"] for r in rows} >= _SOME
    started = [float(r["started_s"]) for r in rows]
    assert started == sorted(started)  # in the order the stages began
    with duckdb.connect(w, read_only=True) as con:
        n = con.execute("SELECT count(*) FROM creator_scores").fetchone()[0]
    assert {r["creators"] for r in rows if r["stage"] == "conversation"} == {str(n)}
    assert {r["creators"] for r in rows if r["stage"] == "fingerprints"} == {""}

    # a file it could not write is refused before the score runs
    code, out, err = run_cli(w, "score", "--full", "--timings", str(tmp_path / "t.txt"))
    assert code == 1 and "--timings" in err and "t.txt" in err and ".csv, .parquet or .json" in err
    assert "creators by community score" not in out and not (tmp_path / "t.txt").exists()
    # nor the --out file itself: the timings replaced the scores ("wrote 40 creators", then 14 timing rows in it)
    (tmp_path / "s.csv").write_text("kept\n")
    code, out, err = run_cli(
        w, "score", "--out", str(tmp_path / "s.csv"), "--timings", str(tmp_path / "s.csv")
    )
    assert code == 1 and f"--timings {tmp_path / 's.csv'} is the --out file" in err
    assert (tmp_path / "s.csv").read_text() == "kept\n" and "creators by community score" not in out
