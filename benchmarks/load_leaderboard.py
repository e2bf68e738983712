"""Bounded loopback load test of the leaderboard endpoint (``GET /api/creators``).

Starts ``uvicorn`` on 127.0.0.1 (a free port, its own process) over a workspace, sends a fixed
``--rate`` requests per second for ``--seconds`` (open loop: request *i* is due at ``t0 + i / rate``,
whatever the previous ones did), and prints p50/p95/p99 latency. Latency is measured from the moment
a request was *due*, so a server that falls behind shows it (no coordinated omission). Everything is
bounded: ``rate × seconds`` requests at most, a 10 s timeout each, loopback only.

Build the s-scale demo workspace first::

    tribescope synth --scale s --seed 7 --out /tmp/lt
    tribescope -w /tmp/lt.duckdb import /tmp/lt && tribescope -w /tmp/lt.duckdb score
    python -m benchmarks.load_leaderboard /tmp/lt.duckdb            # 50 req/s for 5 s

``docs/reliability.md`` quotes the figures.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

SERVER = """
import sys, uvicorn
from tribescope.web import create_app
uvicorn.run(create_app(sys.argv[1]), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            server_header=False)
"""
MAX_REQUESTS = 2_000
MAX_SECONDS = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(xs: list[float], p: float) -> float:
    """Nearest-rank percentile: the ⌈p/100 · n⌉-th smallest value."""
    s = sorted(xs)
    return s[max(0, min(len(s) - 1, -(-int(p * len(s)) // 100) - 1))]


def run(
    workspace: Path,
    rate: float,
    seconds: float,
    path: str,
    threads: int,
    settle: float = 8.0,
    uncached: bool = False,
) -> dict[str, object]:
    n = int(rate * seconds)
    if n > MAX_REQUESTS or seconds > MAX_SECONDS:
        raise SystemExit(f"refusing: at most {MAX_REQUESTS} requests and {MAX_SECONDS:.0f} s")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(workspace), str(port)])
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.1)
        # create_app imports the heavier library modules on a background thread; let that finish so the
        # figures are the steady state, not the start-up
        time.sleep(settle)
        local = threading.local()

        def client() -> httpx.Client:
            c = getattr(local, "c", None)
            if c is None:
                c = local.c = httpx.Client(base_url=url, timeout=10)
            return c

        warm = []
        for _ in range(5):  # first requests load modules and table schemas: reported apart
            t = time.perf_counter()
            client().get(path).raise_for_status()
            warm.append(time.perf_counter() - t)

        lat: list[float] = []
        service: list[float] = []
        status: dict[int, int] = {}
        lock = threading.Lock()

        def one(i: int, due: float) -> None:
            now = time.perf_counter()
            if due > now:
                time.sleep(due - now)
            sent = time.perf_counter()
            try:
                # --uncached: a distinct (no-op) filter per request, so every request runs the query
                params = {"min_score": f"{i * 1e-6:.6f}"} if uncached else None
                code = client().get(path, params=params).status_code
            except httpx.HTTPError:
                code = -1
            done = time.perf_counter()
            with lock:
                status[code] = status.get(code, 0) + 1
                lat.append(done - due)
                service.append(done - sent)

        with ThreadPoolExecutor(max_workers=threads) as pool:
            barrier = threading.Barrier(threads)

            def connect() -> None:  # every client thread opens its keep-alive connection first (as wrk does)
                client().get("/api/health")
                barrier.wait(timeout=30)

            for f in [pool.submit(connect) for _ in range(threads)]:
                f.result()
            t0 = time.perf_counter() + 0.2
            for i in range(n):
                pool.submit(one, i, t0 + i / rate)
        wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    ms = [x * 1000 for x in lat]
    return {
        "path": path,
        "uncached": uncached,
        "rate_per_s": rate,
        "seconds": seconds,
        "requests": n,
        "wall_s": round(wall, 2),
        "achieved_per_s": round(n / wall, 1),
        "status": status,
        "warm_up_ms": [round(x * 1000, 1) for x in warm],
        "p50_ms": round(_pct(ms, 50), 1),
        "p95_ms": round(_pct(ms, 95), 1),
        "p99_ms": round(_pct(ms, 99), 1),
        "max_ms": round(max(ms), 1),
        "service_p99_ms": round(_pct([x * 1000 for x in service], 99), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workspace", type=Path)
    ap.add_argument("--rate", type=float, default=50.0, help="requests per second (default 50)")
    ap.add_argument("--seconds", type=float, default=5.0, help="duration (default 5)")
    ap.add_argument("--path", default="/api/creators", help="endpoint (default /api/creators)")
    ap.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    ap.add_argument("--settle", type=float, default=8.0, help="seconds to wait after start-up (default 8)")
    ap.add_argument(
        "--uncached",
        action="store_true",
        help="a distinct no-op filter per request, so the server's page cache never answers",
    )
    a = ap.parse_args()
    if not a.workspace.exists():
        raise SystemExit(f"{a.workspace} does not exist; build it first (see this module's docstring)")
    res = run(a.workspace, a.rate, a.seconds, a.path, a.threads, a.settle, a.uncached)
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
