"""Timing helpers: wall time and peak RSS of a stage run in a child process."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TS = [sys.executable, "-m", "tribescope.cli"]


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    stdout: str


def run_child(args: list[str], *, env: dict[str, str] | None = None) -> Run:
    """Run ``args`` in a fresh process; report wall time and that process's peak RSS (GNU time)."""
    e = dict(os.environ, COLUMNS="160", **(env or {}))
    timefile = Path("/tmp") / f"tribescope-bench-{os.getpid()}.time"
    cmd = args
    use_gnu_time = Path("/usr/bin/time").exists()
    if use_gnu_time:
        cmd = ["/usr/bin/time", "-f", "%M", "-o", str(timefile), *args]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=e, capture_output=True, text=True, check=False)
    dt = time.perf_counter() - t0
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    if use_gnu_time:
        rss_kb = float(timefile.read_text().strip().splitlines()[-1])
    else:  # pragma: no cover - ru_maxrss of all children so far (an upper bound)
        rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return Run(dt, rss_kb / 1024, out.stdout)


def write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, default=str))
