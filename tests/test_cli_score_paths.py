"""`tribescope score PATHS`: import the exports, then score, in one run — the same result as the two commands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading

import duckdb
import pyarrow.parquet as pq
import pytest
from tests._score_fixtures import assert_same_rows, run_cli


def _scores(path) -> object:
    return pq.read_table(path)  # every column: nothing in a score depends on the clock


def test_score_paths_gives_what_import_then_score_gives(tmp_path):
    from tribescope.synth import generate

    exports = tmp_path / "exports"
    generate(exports, "xs", 7)
    two, one = str(tmp_path / "two.duckdb"), str(tmp_path / "one.duckdb")
    code, out, err = run_cli(two, "import", str(exports))
    assert code == 0, out + err
    code, out, err = run_cli(two, "score", "--out", str(tmp_path / "two.parquet"))
    assert code == 0, out + err

    code, out, err = run_cli(one, "score", str(exports), "--out", str(tmp_path / "one.parquet"))
    assert code == 0, out + err
    assert "imported into" in out and "creators by community score" in out  # both reports, in that order
    assert out.index("imported into") < out.index("creators by community score")
    a, b = _scores(tmp_path / "two.parquet"), _scores(tmp_path / "one.parquet")
    assert a.num_rows > 20
    assert_same_rows(a, b, "score PATHS against import + score")
    # the workspace holds the same data and the same stored scores
    for table in ("comments", "posts", "accounts", "creator_scores"):
        with duckdb.connect(two, read_only=True) as x, duckdb.connect(one, read_only=True) as y:
            n = x.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert n == y.execute(f"SELECT count(*) FROM {table}").fetchone()[0], table
            assert n > 0, table

    # the same exports again: nothing new to import, and the same scores
    code, out, err = run_cli(one, "score", str(exports), "--out", str(tmp_path / "again.parquet"))
    assert code == 0, out + err
    assert_same_rows(b, _scores(tmp_path / "again.parquet"), "score PATHS twice")


def test_score_paths_with_a_bad_record_imports_nothing_and_scores_nothing(tmp_path):
    from tribescope.synth import generate

    w = str(tmp_path / "w.duckdb")
    exports = tmp_path / "exports"
    generate(exports, "xs", 3)
    code, out, err = run_cli(w, "import", str(exports / "youtube"))
    assert code == 0, out + err
    with duckdb.connect(w, read_only=True) as con:
        before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("comments", "accounts")}
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    assert "creator_scores" not in tables

    bad = tmp_path / "more"
    shutil.copytree(exports / "instagram", bad / "instagram")
    (bad / "accounts.csv").write_text(
        "platform,account_id,username,followers\ninstagram,9,ann,100\ninstagram,10,ben,lots\n"
    )
    code, out, err = run_cli(w, "score", str(bad))
    assert code == 1
    assert "accounts.csv" in err and "line 3" in err and "followers" in err
    assert "creators by community score" not in out
    with duckdb.connect(w, read_only=True) as con:
        after = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("comments", "accounts")}
        tables_after = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    assert after == before  # the import is one transaction: nothing of it landed
    assert "creator_scores" not in tables_after  # and nothing was scored


def test_score_refuses_an_out_or_a_spec_it_cannot_use_before_importing_or_scoring(tmp_path):
    """`score PATHS --out scores.txt` imported the exports (committed) and scored every creator, then failed on the
    suffix, and `--spec` was read only once the import had committed; both are now refused first, and nothing is
    imported, scored or written."""
    from tribescope.synth import generate

    exports = tmp_path / "exports"
    generate(exports, "xs", 5)
    w = tmp_path / "w.duckdb"
    code, out, err = run_cli(str(w), "score", str(exports / "youtube"), "--out", str(tmp_path / "scores.txt"))
    assert code == 1
    assert "--out" in err and "scores.txt" in err and ".csv, .parquet or .json" in err
    assert "imported into" not in out and "creators by community score" not in out
    assert not w.exists() and not (tmp_path / "scores.txt").exists()
    # so is a spec it cannot read (it was read by the score, after the import)
    bad = tmp_path / "spec.toml"
    bad.write_text("[weights\n")
    for spec, says in ((tmp_path / "none.toml", "does not exist"), (bad, "not valid TOML")):
        code, out, err = run_cli(str(w), "score", str(exports / "youtube"), "--spec", str(spec))
        assert code == 1 and says in err and str(spec) in err, err
        assert "imported into" not in out and not w.exists()
    # a workspace that exists is scored no more than it was imported
    code, out, err = run_cli(str(w), "import", str(exports / "youtube"))
    assert code == 0, out + err
    code, out, err = run_cli(str(w), "score", "--out", str(tmp_path))  # a folder
    assert code == 1 and "is a directory" in err
    with duckdb.connect(str(w), read_only=True) as con:
        assert "creator_scores" not in {r[0] for r in con.execute("SHOW TABLES").fetchall()}


def test_score_paths_refuses_a_spec_naming_no_column_before_importing(tmp_path):
    """A --spec whose metric is no column of the score table (a typo) failed only after `score PATHS` had committed its
    import and run the models; it is refused first, with the file, the component and the near column named, and
    nothing is imported. With --no-sentiment, a spec naming sentiment_mean is refused first too."""
    from importlib import resources

    from tribescope.synth import generate

    exports = tmp_path / "exports"
    generate(exports, "xs", 5)
    w = tmp_path / "w.duckdb"
    default = resources.files("tribescope.score").joinpath("spec.toml").read_text("utf-8")
    typo = tmp_path / "typo.toml"
    typo.write_text(default.replace('metric = "reciprocity"', 'metric = "reciprocitty"'))
    code, out, err = run_cli(str(w), "score", str(exports / "youtube"), "--spec", str(typo))
    assert code == 1, out + err
    assert str(typo) in err and "component 'reciprocity': metric: 'reciprocitty' is not a column" in err, err
    assert "did you mean 'reciprocity'" in err, err
    assert "imported into" not in out and not w.exists()
    senti = tmp_path / "senti.toml"
    senti.write_text(default.replace('when = "likes_cv > 1.5"', 'when = "sentiment_mean < -0.5"'))
    code, out, err = run_cli(
        str(w), "score", str(exports / "youtube"), "--spec", str(senti), "--no-sentiment"
    )
    assert code == 1 and "'sentiment_mean' is not a column" in err, out + err
    assert "imported into" not in out and not w.exists()


def test_score_paths_creates_no_workspace_when_its_import_fails(tmp_path):
    w = tmp_path / "new.duckdb"
    junk = tmp_path / "notes.dat"
    junk.write_text("hello world\nthis is not an export\n")
    r = subprocess.run(
        [sys.executable, "-m", "tribescope.cli", "--workspace", str(w), "score", str(junk)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 1 and "format not recognised" in r.stderr
    assert not w.exists() and not w.with_name("new.duckdb.wal").exists()


def test_score_paths_scores_even_when_loading_ahead_fails(tmp_path, monkeypatch):
    """The models loaded ahead are a head start only: if that fails, the score loads (and reports) them itself."""
    import tribescope.score._run as run

    def broken() -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(run, "warm_up", broken)
    w = str(tmp_path / "w.duckdb")
    from tribescope.synth import generate

    generate(tmp_path / "exports", "xs", 5)
    code, out, err = run_cli(
        w, "score", str(tmp_path / "exports" / "youtube"), "--out", str(tmp_path / "s.csv")
    )
    assert code == 0, out + err
    assert "disk on fire" not in out + err
    assert (tmp_path / "s.csv").read_text().count("\n") > 5


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice value is Linux's")
def test_load_ahead_runs_at_the_callers_priority(monkeypatch):
    """The models loaded ahead run as the caller's threads do. At nice 19 the warm-up left the engine's plan the
    cores on an idle machine, but with two busy processes beside it the warm-up got ~1 % of a core and the command
    waited for it: 26.9 s against 8.4 s (docs/perf-rounds.md, forty-first round)."""
    import tribescope.score._run as run

    def policy() -> tuple[int, int]:
        me = threading.get_native_id()
        return os.sched_getscheduler(me), os.getpriority(os.PRIO_PROCESS, me)

    seen: list[tuple[int, int]] = []
    monkeypatch.setattr(run, "warm_up", lambda: seen.append(policy()))
    before = policy()
    run.load_ahead().join()
    assert seen == [before]
    assert policy() == before


def test_score_paths_loads_the_scoring_modules_once_every_file_is_classified(tmp_path, monkeypatch):
    """The load-ahead thread starts with the import's first progress, not before the files are listed, hashed
    ahead and classified: beside that thread those steps (a syscall each, each giving up the GIL) took ~10x longer
    and synth m's first plan started 0.8-1.3 s later (docs/perf-rounds.md, forty-ninth round). Once, and joined."""
    import tribescope.ingest._run as ingest_run
    import tribescope.score._run as run
    from tribescope.synth import generate

    generate(tmp_path / "exports", "xs", 3)
    events: list[str] = []
    detect, load_ahead = ingest_run.detect_format, run.load_ahead

    def detecting(*a, **k):
        events.append("classify")
        return detect(*a, **k)

    threads: list[threading.Thread] = []

    def loading() -> threading.Thread:
        events.append("load")
        threads.append(load_ahead())
        return threads[-1]

    monkeypatch.setattr(ingest_run, "detect_format", detecting)
    monkeypatch.setattr(run, "load_ahead", loading)
    code, out, err = run_cli(str(tmp_path / "w.duckdb"), "score", str(tmp_path / "exports"))
    assert code == 0, out + err
    assert events.count("load") == 1 and events.count("classify") > 10
    assert events.index("load") > max(i for i, e in enumerate(events) if e == "classify")
    assert not threads[0].is_alive()  # joined before the score


def test_warm_up_loads_the_models_a_score_uses():
    from tribescope.authenticity import _accounts, _comments
    from tribescope.niche import _category
    from tribescope.score._run import warm_up

    _category._CACHE.clear()
    _accounts._MODEL_CACHE.clear()
    _comments._TEXT_CACHE.clear()
    warm_up()
    assert isinstance(_category._CACHE["default"], _category.CategoryModel)
    assert _accounts._MODEL_CACHE and {"spam", "attack"} <= set(_comments._TEXT_CACHE)


_NEW_MODULES = """
import json, sys
import tribescope.cli
before = set(sys.modules)
if sys.argv[1] == "import":
    from tribescope.ingest import import_paths
    from tribescope.store import connect
    ws = connect(sys.argv[2])
    import_paths(ws, [sys.argv[3]])
    ws.close()
else:
    from tribescope.score._run import warm_up
    warm_up()
print(json.dumps(sorted(m for m in set(sys.modules) - before if m.startswith("tribescope"))))
"""


def test_the_import_and_the_load_ahead_thread_never_import_one_module_at_once(tmp_path):
    """`score PATHS` loads the scoring modules on a thread while the import runs, and joins it before it imports
    anything more: safe as long as the import loads none of the package's modules that thread loads (two threads
    importing modules that import each other can deadlock)."""
    from tribescope.synth import generate

    generate(tmp_path / "exports", "xs", 11)  # every platform the synth writes, campaigns and links included

    def new_modules(*args: str) -> set[str]:
        r = subprocess.run(
            [sys.executable, "-c", _NEW_MODULES, *args], capture_output=True, text=True, check=True
        )
        return set(json.loads(r.stdout.strip().splitlines()[-1]))

    by_import = new_modules("import", str(tmp_path / "w.duckdb"), str(tmp_path / "exports"))
    by_warm_up = new_modules("warm")
    assert "tribescope.score._score" in by_warm_up and "tribescope.niche._category" in by_warm_up
    assert by_import & by_warm_up == set()


def test_score_of_a_path_that_does_not_exist_points_to_out(tmp_path):
    """`tribescope score scores.csv` most likely meant `--out scores.csv`: the error says so, and nothing is created."""
    w = tmp_path / "w.duckdb"
    code, _out, err = run_cli(str(w), "score", str(tmp_path / "scores.csv"))
    assert code == 1
    assert "scores.csv: no such file or directory" in err and f"--out {tmp_path / 'scores.csv'}" in err
    assert not w.exists() and not (tmp_path / "scores.csv").exists()
