"""`make bench`: end-to-end import + score at synth scales, against the physical reference (one
DuckDB scan of the same files) and the notebook route; text and graph stage throughput.

Usage: ``python -m benchmarks [--scales m,l] [--out bench-output] [--skip-notebook] [--notebook-scale issue|s|m]
[--repeat N]``. The notebook comparison runs by default on exports of the issue's size (synth m's YouTube export cut to
~190k comments, :func:`youtube_only`).
Figures are printed and written to ``OUT/results.json``; ``docs/performance.md`` quotes them.

``--repeat N`` (default 3) runs each comparison N times, the reference (raw scans, notebook) right before the pipeline
each time, and reports every run and the median of the per-run ratios: this machine's speed drifts by ±20 % over
minutes, so a ratio is only as good as the pairing of its two figures (one synth m run's pipeline ÷ text scan ranged
4.2–6.7× on the same code in one afternoon: docs/perf-rounds.md, twenty-first round). ``--repeat 1`` for one run.

Each pipeline run also gives its CPU time (``cpu_s``: import + score, user + system) and the least wall time that work
could take on the machine's cores (``cpu_floor_s``, :func:`cpu_floor`), with that floor's ratio to the reference
(``ratio_cpu_floor_over_text_scan``, ``ratio_cpu_floor_over_notebook``): a target below the floor's ratio needs less
work, not more parallelism.

Each run's score writes its stages' times (``tribescope score --timings``): ``score_stages`` (``tribescope_score_stages``
for the notebook comparison) gives each stage's thread, wall seconds and the workspace's comments per second of it.

Each run also times the one-command route, ``tribescope score PATHS`` (the same import and score in one process,
:func:`one_command`): ``ratio_one_command_over_text_scan`` and ``ratio_one_command_over_notebook``, with the median of
each over the runs (``…_median``; the run quoted is still the two commands' median run).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import resource
import shutil
import time
from pathlib import Path
from typing import Any

import duckdb

from benchmarks._util import TS, run_child, write_json


def byte_compile() -> None:
    """Write the bytecode of tribescope's modules, as ``pip install`` does for an installed package. An editable
    install (``make setup``) leaves it to the first import, which writes nothing when ``PYTHONDONTWRITEBYTECODE`` is
    set (as on this machine): every command timed would then compile the package's sources first (~0.15 s)."""
    import compileall

    import tribescope

    compileall.compile_dir(Path(tribescope.__file__).parent, quiet=1)


def machine() -> dict[str, object]:
    mem = 0
    with contextlib.suppress(ValueError, OSError):
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(mem / 2**30, 1),
        "cpu": cpu,
        "python": platform.python_version(),
    }


def ensure_synth(out: Path, scale: str, seed: int = 1) -> Path:
    d = out / f"synth-{scale}"
    if not (d / ".tribescope-synth.json").exists():
        shutil.rmtree(d, ignore_errors=True)
        r = run_child([*TS, "synth", "--scale", scale, "--seed", str(seed), "--out", str(d)])
        print(f"  synth {scale}: {r.seconds:.1f} s")
    return d


# Where the comment / post / message texts sit in each export the synth writes (and the platforms emit).
# A ``[*]`` path yields a list per record; the others one value per record.
TEXT_PATHS: dict[str, tuple[str, ...]] = {
    "youtube/commentThreads*.json*": (
        "$.items[*].snippet.topLevelComment.snippet.textOriginal",
        "$.items[*].replies.comments[*].snippet.textOriginal",
    ),
    "youtube/comments*.json*": ("$.items[*].snippet.textOriginal",),
    "youtube/videos*.json*": ("$.items[*].snippet.description",),
    "instagram/*.json*": (
        "$.graphql.shortcode_media.edge_media_to_caption.edges[*].node.text",
        "$.graphql.shortcode_media.edge_media_to_parent_comment.edges[*].node.text",
        "$.graphql.shortcode_media.edge_media_to_parent_comment.edges[*].node.edge_threaded_comments.edges[*].node.text",
    ),
    "tiktok/comments*.json*": ("$.data.comments[*].text",),
    "tiktok/videos*.json*": ("$.data.videos[*].video_description",),
    "reddit/*_comments.ndjson": ("$.body",),
    "reddit/*_submissions.ndjson": ("$.selftext",),
    "discord/*/*.json": ("$.messages[*].content",),
}


def _exports(folder: Path, pattern: str) -> list[str]:
    return [str(p) for p in folder.rglob(pattern) if "truth" not in p.parts and "campaigns" not in p.parts]


def _warm(folder: Path) -> None:
    """Read every export once so that no timed step pays for the disk (a scale l run evicts m's files)."""
    for p in folder.rglob("*"):
        if p.is_file():
            with p.open("rb") as fh:
                while fh.read(1 << 24):
                    pass


#: seconds the machine is left idle before each reference scan (after :func:`_settle`'s ``sync``)
SETTLE_S = 2.0


def _settle() -> None:
    """Let the machine settle before a reference scan: the previous run's workspace and score files are written back
    (``sync``) and the kernel's background work after that run's exit (freeing its ~1.4 GB at m) has a moment to end.
    Without it the scan that follows a pipeline run shared the machine with that work: at synth m such a scan took
    4.0–6.0 s against 3.9–4.5 s after ``sync`` and a 3 s pause (2026-12-02, three pairs), which flattered the ratio."""
    os.sync()
    time.sleep(SETTLE_S)


def raw_scan(folder: Path) -> tuple[float, int]:
    """Object-level floor: split every JSON object / CSV row of the exports once in DuckDB, without
    parsing the objects into fields (``read_json_objects``; ``sum(length(json))``)."""
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.execute("SET enable_progress_bar = false")
    files_json = _exports(folder, "*.json*")
    files_csv = _exports(folder, "*.csv")
    t0 = time.perf_counter()
    n = 0
    if files_json:
        n += con.execute(
            "SELECT count(*), sum(length(json)) FROM read_json_objects(?, format='auto', maximum_object_size=1073741824)",
            [files_json],
        ).fetchone()[0]
    for f in files_csv:
        n += con.execute("SELECT count(*) FROM read_csv(?, all_varchar=true)", [f]).fetchone()[0]
    return time.perf_counter() - t0, int(n)


def raw_text_scan(folder: Path) -> tuple[float, int, int]:
    """Text-level floor, the issue's ``SELECT count(*), sum(length(text))`` over the raw exports: every
    comment, post and message text read out of its JSON once in DuckDB (``json_extract_string`` with
    wildcard paths, the fastest of the forms tried — ``read_json`` with declared nested columns took 3×
    longer on the YouTube pages), plus the CSV rows. Returns (seconds, texts, characters)."""
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.execute("SET enable_progress_bar = false")
    t0 = time.perf_counter()
    n = chars = 0
    for pattern, paths in TEXT_PATHS.items():
        files = _exports(folder, pattern)
        if not files:
            continue
        parts = " UNION ALL ".join(
            f"SELECT unnest(json_extract_string(json, '{p}')) AS t FROM o"
            if "[*]" in p
            else f"SELECT json_extract_string(json, '{p}') AS t FROM o"
            for p in paths
        )
        c, s = con.execute(
            "WITH o AS (SELECT json FROM read_json_objects(?, format='auto', maximum_object_size=1073741824)) "
            f"SELECT count(t), sum(length(t)) FROM ({parts})",
            [files],
        ).fetchone()
        n += int(c)
        chars += int(s or 0)
    for f in _exports(folder, "*.csv"):
        n += con.execute("SELECT count(*) FROM read_csv(?, all_varchar=true)", [f]).fetchone()[0]
    return time.perf_counter() - t0, n, chars


def cores() -> int:
    """The CPUs this process may run on (its affinity; ``os.cpu_count()`` where that is not known)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cpu_floor(cpu_s: float, n_cores: int | None = None) -> float:
    """The least wall time ``cpu_s`` CPU-seconds can take on ``n_cores`` cores (default :func:`cores`): every core
    busy for the whole run. Printed beside the pipeline's wall time, it shows how far a target is reachable by
    running the same work more in parallel, and how far only by doing less work."""
    return cpu_s / (n_cores or cores())


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _remove_workspace(ws: Path) -> None:
    """The workspace file ``ws`` and its write-ahead log gone, for a run that starts from no workspace."""
    ws.unlink(missing_ok=True)
    Path(str(ws) + ".wal").unlink(missing_ok=True)


def pipeline(folder: Path, ws: Path) -> dict[str, Any]:
    """Import + score in child processes: wall time, CPU time (user + system, less sensitive to a
    busy machine than wall time), peak RSS, and the 1-minute load average before each stage."""
    _remove_workspace(ws)
    load_import = os.getloadavg()[0]
    cpu0 = _child_cpu()
    imp = run_child([*TS, "--workspace", str(ws), "import", str(folder)])
    cpu1 = _child_cpu()
    load_score = os.getloadavg()[0]
    timings = ws.with_suffix(".timings.csv")
    sco = run_child(
        [
            *TS,
            "--workspace",
            str(ws),
            "score",
            "--out",
            str(ws.with_suffix(".scores.parquet")),
            "--timings",
            str(timings),
        ]
    )
    cpu2 = _child_cpu()
    con = duckdb.connect(str(ws), read_only=True)
    counts = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("accounts", "posts", "comments", "community_messages")
    }
    con.close()
    rows = sum(counts.values())
    return {
        "import_s": imp.seconds,
        "import_cpu_s": cpu1 - cpu0,
        "import_load_avg": load_import,
        "import_peak_rss_mb": imp.peak_rss_mb,
        "import_rows_per_s": rows / imp.seconds,
        "score_rows_per_s": rows / sco.seconds,
        "score_s": sco.seconds,
        "score_cpu_s": cpu2 - cpu1,
        "score_load_avg": load_score,
        "score_peak_rss_mb": sco.peak_rss_mb,
        "total_s": imp.seconds + sco.seconds,
        "cpu_s": cpu2 - cpu0,
        "cpu_floor_s": cpu_floor(cpu2 - cpu0),
        "peak_rss_mb": max(imp.peak_rss_mb, sco.peak_rss_mb),
        "comments": counts["comments"],
        "rows": rows,
        "score_stages": score_stages(timings, counts["comments"]),
    }


def score_stages(timings: Path, comments: int) -> dict[str, dict[str, Any]]:
    """Each stage of the score (``tribescope score --timings``), longest first: its thread, its wall seconds and the
    workspace's comments ÷ those seconds (every stage of a first score reads every creator's comments; the stages on
    the two threads overlap, so these are per stage, not shares of the score)."""
    with timings.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: -float(r["seconds"])):
        sec = float(r["seconds"])
        out[r["stage"]] = {
            "thread": r["thread"],
            "seconds": sec,
            "comments_per_s": round(comments / sec) if sec > 0 else None,
        }
    return out


def one_command(folder: Path, ws: Path) -> dict[str, float]:
    """``tribescope score FOLDER`` in one child process (the import, then the score, as the two commands do them: one
    engine, the modules and models loaded once, the scoring modules while the import runs): wall time, CPU time, peak
    RSS, and its CPU floor."""
    _remove_workspace(ws)
    cpu0 = _child_cpu()
    r = run_child(
        [*TS, "--workspace", str(ws), "score", str(folder), "--out", str(ws.with_suffix(".scores.parquet"))]
    )
    cpu = _child_cpu() - cpu0
    return {
        "one_command_s": r.seconds,
        "one_command_cpu_s": cpu,
        "one_command_cpu_floor_s": cpu_floor(cpu),
        "one_command_peak_rss_mb": r.peak_rss_mb,
    }


def text_features(ws: Path, limit: int = 1_000_000) -> dict[str, float]:
    """Comment text features in the engine (spam + attack models, quality rules, sentiment), DuckDB, 2 threads.

    ``text_features_per_s`` is comments per wall second; ``text_features_per_s_cpu`` the same with the process
    CPU time spread over the 2 threads (what 2 free cores would give on a shared machine). Measured with the
    Arrow memory pool ``tribescope score`` runs with (:func:`tribescope._memory.use_command_pool`).
    """
    from tribescope._memory import use_command_pool
    from tribescope.store import connect

    use_command_pool()

    w = connect(ws, read_only=True)
    try:
        texts = w.table("comments").select("text").limit(limit).to_pyarrow()["text"]
    finally:
        w.close()
    out: dict[str, float] = {"comments": len(texts)}
    from tribescope.authenticity._comments import measure_text_features

    m = measure_text_features(texts, threads=2, sentiment=False)
    out["models_rules_per_s"] = m["per_s"]  # spam + attack models and quality rules, without sentiment
    m = measure_text_features(texts, threads=2)
    out["text_features_per_s"] = m["per_s"]
    out["text_features_per_s_cpu"] = m["per_s_cpu"]
    return out


def graph_stage(n_edges: int = 1_000_000) -> dict[str, float]:
    import networkit as nk
    import numpy as np

    nk.setNumberOfThreads(2)
    rng = np.random.default_rng(1)
    n = max(10_000, n_edges // 20)
    groups = rng.integers(0, 50, n)
    src = rng.integers(0, n, n_edges)
    same = rng.random(n_edges) < 0.8
    dst = np.where(same, rng.integers(0, n, n_edges), rng.integers(0, n, n_edges))
    # route 80 % of edges inside the source's group
    order = np.argsort(groups, kind="stable")
    starts = np.searchsorted(groups[order], np.arange(51))
    g_of_src = groups[src]
    lo, hi = starts[g_of_src], starts[g_of_src + 1]
    inside = order[lo + (rng.random(n_edges) * (hi - lo)).astype(np.int64)]
    dst = np.where(same, inside, dst)
    t0 = time.perf_counter()
    g = nk.GraphFromCoo(
        (np.ones(n_edges), (src.astype(np.uint64), dst.astype(np.uint64))), n=n, weighted=True, directed=False
    )
    g.removeSelfLoops()
    g.removeMultiEdges()
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    leiden = nk.community.ParallelLeiden(g, randomize=False)
    leiden.run()
    t_leiden = time.perf_counter() - t0
    t0 = time.perf_counter()
    pr = nk.centrality.PageRank(g)
    pr.run()
    t_pr = time.perf_counter() - t0
    m = g.numberOfEdges()
    return {
        "edges": m,
        "build_s": t_build,
        "leiden_s": t_leiden,
        "leiden_edges_per_s": m / t_leiden,
        "pagerank_s": t_pr,
        "pagerank_edges_per_s": m / t_pr,
        "communities": leiden.getPartition().numberOfSubsets(),
        **commenter_graphs(src, dst, groups),
    }


def commenter_graphs(src: Any, dst: Any, groups: Any, per_group: int = 16) -> dict[str, float]:
    """The per-creator commenter graphs of the score (:func:`tribescope.graph.graph_stats_from_edges`: largest
    component, clustering, density of each creator's commenter-to-commenter edges) over the same edges, dealt to
    ``50 × per_group`` creators by their first node (a creator's commenters talk mostly among themselves, as the
    planted groups do); the edge list as the score hands it over, Arrow text ids."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import scipy.sparse.csgraph  # noqa: F401  - loaded before the clock starts: module loading is no edge work

    from tribescope.graph import graph_stats_from_edges

    creator = groups[src] * per_group + src % per_group
    edges = pa.table(
        {
            "platform": pa.array(np.full(len(src), "youtube")),
            "creator_id": pc.cast(pa.array(creator), pa.string()),
            "a": pc.cast(pa.array(src), pa.string()),
            "b": pc.cast(pa.array(dst), pa.string()),
        }
    )
    t0 = time.perf_counter()
    stats = graph_stats_from_edges(edges)
    t = time.perf_counter() - t0
    return {
        "commenter_graphs": stats.num_rows,
        "commenter_graph_edges": len(src),
        "commenter_graphs_s": t,
        "commenter_graph_edges_per_s": len(src) / t,
    }


#: the issue's statement of the notebook route: "about 8 s for 190k comments (185 MB JSON) on this machine"
ISSUE_COMMENTS = 190_000


def youtube_only(src: Path, dest: Path, comments: int | None = None) -> Path:
    """``dest``: the YouTube exports of the synth folder ``src``, linked; with ``comments``, ``commentThreads`` is
    instead cut to its first pages holding at least that many comments (top-level comments and the replies the pages
    carry: at synth m and :data:`ISSUE_COMMENTS`, 3,325 pages, 190,047 comments, 165.5 MB). Written once (through a
    ``.partial`` folder renamed at the end); an existing ``dest`` is kept."""
    import orjson

    if dest.exists():
        return dest
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for f in (src / "youtube").iterdir():
        if comments is None or not f.name.startswith("commentThreads"):
            (tmp / f.name).symlink_to(f.resolve())
            continue
        n = 0
        with f.open("rb") as fin, (tmp / f.name).open("wb") as fout:
            for line in fin:
                if n >= comments:
                    break
                if not line.strip():
                    continue
                for it in orjson.loads(line).get("items", []):
                    n += 1 + len(((it.get("replies") or {}).get("comments")) or [])
                fout.write(line)
    tmp.rename(dest)
    return dest


def notebook_comparison(out: Path, scale: str) -> dict[str, float]:
    """The notebook route against tribescope's ``import`` + ``score`` of the same YouTube exports: those of synth
    ``scale``, or with ``scale`` ``"issue"`` synth m's cut to the issue's ~190k comments (:func:`youtube_only`)."""
    if scale == "issue":
        yt = youtube_only(ensure_synth(out, "m"), out / "youtube-only-issue", ISSUE_COMMENTS)
    else:
        yt = youtube_only(ensure_synth(out, scale), out / f"youtube-only-{scale}")
    size_mb = sum(f.stat().st_size for f in yt.iterdir()) / 2**20
    nb = run_child([os.sys.executable, "-m", "benchmarks.notebook_reference", str(yt)])
    nb_info = json.loads(nb.stdout.strip().splitlines()[-1])
    ours = pipeline(yt, out / f"youtube-only-{scale}.duckdb")
    one = one_command(yt, out / f"youtube-only-{scale}-one.duckdb")
    return {
        "input_mb": size_mb,
        "comments": nb_info["comments"],
        "notebook_s": nb.seconds,
        "tribescope_s": ours["total_s"],
        "ratio_tribescope_over_notebook": ours["total_s"] / nb.seconds,
        "tribescope_import_s": ours["import_s"],
        "tribescope_score_s": ours["score_s"],
        "tribescope_cpu_s": ours["cpu_s"],
        "tribescope_cpu_floor_s": ours["cpu_floor_s"],
        "ratio_cpu_floor_over_notebook": ours["cpu_floor_s"] / nb.seconds,
        "tribescope_score_stages": ours["score_stages"],
        **one,
        "ratio_one_command_over_notebook": one["one_command_s"] / nb.seconds,
        "ratio_one_command_cpu_floor_over_notebook": one["one_command_cpu_floor_s"] / nb.seconds,
    }


def rescore(out: Path, scale: str, batch_seed: int = 99) -> dict[str, float]:
    """Incremental re-score on a copy of the scored ``ws-<scale>`` workspace: ``score`` with nothing new, then
    ``import`` of a small new batch (synth xs, ``batch_seed``: ≈ 1 % of m's comments) and ``score`` again, then
    ``score --full`` on the same data (everything recomputed) for comparison; wall and CPU of each."""
    src = out / f"ws-{scale}.duckdb"
    ws = out / f"ws-{scale}-rescore.duckdb"
    shutil.copy(src, ws)
    Path(str(ws) + ".wal").unlink(missing_ok=True)
    batch = out / f"synth-xs-seed{batch_seed}"
    if not (batch / ".tribescope-synth.json").exists():
        shutil.rmtree(batch, ignore_errors=True)
        run_child([*TS, "synth", "--scale", "xs", "--seed", str(batch_seed), "--out", str(batch)])
    res: dict[str, float] = {}
    steps = [
        ("rescore_nothing_new", ["score", "--out", str(ws.with_suffix(".nothing.parquet"))]),
        ("import_batch", ["import", str(batch)]),
        ("rescore_after_batch", ["score", "--out", str(ws.with_suffix(".batch.parquet"))]),
        ("score_full_after_batch", ["score", "--full", "--out", str(ws.with_suffix(".full.parquet"))]),
    ]
    for name, args in steps:
        cpu0 = _child_cpu()
        r = run_child([*TS, "--workspace", str(ws), *args])
        res[f"{name}_s"] = r.seconds
        res[f"{name}_cpu_s"] = _child_cpu() - cpu0
        res[f"{name}_load_avg"] = os.getloadavg()[0]
    con = duckdb.connect(str(ws), read_only=True)
    res["batch_comments"] = con.execute(
        "SELECT count(*) FROM comments WHERE import_id IN (SELECT import_id FROM imports WHERE path LIKE ?)",
        [f"%{batch.name}%"],
    ).fetchone()[0]
    res["comments"] = con.execute("SELECT count(*) FROM comments").fetchone()[0]
    con.close()
    return res


def _median_run(runs: list[dict[str, Any]], ratio: str, others: tuple[str, ...] = ()) -> dict[str, Any]:
    """The run whose ``ratio`` is the median (the lower middle one of an even count), with every run's ratio and
    total under ``runs`` when there was more than one. Each ratio of ``others`` (another route measured in the same
    runs) gets its own median as ``<name>_median``, listed under ``runs`` too."""
    ordered = sorted(runs, key=lambda r: r[ratio])
    mid = dict(ordered[(len(ordered) - 1) // 2])
    for k in others:
        mid[f"{k}_median"] = sorted(r[k] for r in runs)[(len(runs) - 1) // 2]
    if len(runs) > 1:
        mid["runs"] = [
            {
                k: v
                for k, v in r.items()
                if k == ratio or k in others or (k.endswith("_s") and not isinstance(v, dict))
            }
            for r in runs
        ]
    return mid


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks")
    ap.add_argument("--scales", default="m", help="comma-separated synth scales (xs, s, m, l)")
    ap.add_argument("--out", default="bench-output")
    ap.add_argument("--skip-notebook", action="store_true")
    ap.add_argument(
        "--notebook-scale",
        default="issue",
        help="synth scale of the notebook comparison's YouTube exports (xs, s, m), or 'issue': synth m's cut to the "
        "issue's ~190k comments (default)",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="run each comparison N times (reference, then pipeline) and report the median (default 3)",
    )
    ap.add_argument(
        "--rescore-scale", default="", help="also time incremental re-scoring at this scale (e.g. m)"
    )
    args = ap.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    byte_compile()
    results: dict[str, object] = {"machine": machine(), "scales": {}}
    print(f"machine: {results['machine']}")
    for scale in [s.strip() for s in args.scales.split(",") if s.strip()]:
        print(f"== scale {scale}")
        d = ensure_synth(out, scale)
        _warm(d)  # both scans (and the pipeline) read the files from the page cache, not the disk
        runs = []
        for _ in range(args.repeat):
            _settle()  # each reference scan starts as the first did: the previous run's files written back
            scan_s, scan_rows = raw_scan(d)
            text_s, text_rows, text_chars = raw_text_scan(d)
            p = pipeline(d, out / f"ws-{scale}.duckdb")
            p.update(one_command(d, out / f"ws-{scale}-one.duckdb"))
            p["ratio_one_command_over_text_scan"] = p["one_command_s"] / text_s
            p["raw_scan_s"] = scan_s
            p["raw_scan_records"] = scan_rows
            p["ratio_pipeline_over_scan"] = p["total_s"] / scan_s
            p["raw_text_scan_s"] = text_s
            p["raw_text_scan_texts"] = text_rows
            p["raw_text_scan_chars"] = text_chars
            p["ratio_pipeline_over_text_scan"] = p["total_s"] / text_s
            p["ratio_cpu_floor_over_text_scan"] = p["cpu_floor_s"] / text_s
            runs.append(p)
        p = _median_run(runs, "ratio_pipeline_over_text_scan", ("ratio_one_command_over_text_scan",))
        p["text"] = text_features(out / f"ws-{scale}.duckdb")
        results["scales"][scale] = p  # type: ignore[index]
        print(json.dumps(p, indent=2, default=lambda x: round(x, 3)))
    if args.rescore_scale:
        print(f"== incremental re-score, scale {args.rescore_scale}")
        results["rescore"] = rescore(out, args.rescore_scale)
        print(json.dumps(results["rescore"], indent=2, default=lambda x: round(x, 3)))
    print("== graph stage (synthetic 1M-edge creator graph)")
    results["graph"] = graph_stage()
    print(json.dumps(results["graph"], indent=2))
    if not args.skip_notebook:
        print(f"== notebook route vs tribescope (YouTube exports, scale {args.notebook_scale})")
        results["notebook"] = _median_run(
            [notebook_comparison(out, args.notebook_scale) for _ in range(args.repeat)],
            "ratio_tribescope_over_notebook",
            ("ratio_one_command_over_notebook",),
        )
        print(json.dumps(results["notebook"], indent=2))
    write_json(out / "results.json", results)
    print(f"written {out / 'results.json'}")


if __name__ == "__main__":
    main()
