"""Per-client rate limit on the expensive endpoints (a token bucket per client IP, in process).

Expensive requests are the ones that recompute something or return every row:

* creator detail with ``evidence=true`` (``/api/creators/{platform}/{id}`` and ``/creator/…``),
* audience overlap (``/api/overlap``), lookalikes (``/api/similar``, ``/similar``) and budget plans (``/api/plan``,
  ``/campaigns?budget=``),
* every CSV export (a ``.csv`` path or ``format=csv``),
* job starts (``POST /api/jobs/…``).

Each client IP has a bucket of ``burst`` tokens refilled at ``rate`` tokens per second; an expensive
request takes one token. An empty bucket gives **429** with ``Retry-After`` (whole seconds until the
next token) and a JSON error. Cheap reads (the leaderboard, lists, health, pages, static files) are
never limited. The state is in process memory: with several worker processes each has its own buckets.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from tribescope.web._security import _send_json

__all__ = ["RateLimit", "TokenBuckets", "is_expensive"]

#: Buckets kept at most; the least recently used ones are dropped beyond this (bounded memory).
MAX_CLIENTS = 10_000
#: the values a bool query parameter is false for (pydantic's, any case); any other value asks for the work (true,
#: 1, on, yes, t, y …) or is refused (422), which costs nothing to count
_FALSE = frozenset(("", "0", "off", "f", "false", "n", "no"))


def is_expensive(method: str, path: str, query_string: bytes) -> bool:
    """Whether a request counts against the rate limit (see the module docstring)."""
    if method == "POST" and path.startswith("/api/jobs/"):
        return True
    if method not in ("GET", "HEAD"):
        return False
    if (
        path.endswith(".csv")
        or path.startswith(("/api/overlap", "/api/plan", "/api/similar"))
        or path == "/similar"
    ):
        return True
    query = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    if query.get("format", "").lower() == "csv":
        return True
    if (
        path.startswith(("/api/creators/", "/creator/"))
        and query.get("evidence", "").strip().lower() not in _FALSE
    ):
        return True
    return path == "/campaigns" and bool(query.get("budget"))


class TokenBuckets:
    """``take(key)`` → seconds to wait (0.0 when a token was taken). Thread-safe.

    Token bucket: ``tokens = min(burst, tokens + rate · Δt)``; a request needs ``tokens ≥ 1``, else it
    waits ``(1 − tokens) / rate`` seconds.
    """

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self.clock = clock
        self._state: dict[str, tuple[float, float]] = {}  # key -> (tokens, last update)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        now = self.clock()
        with self._lock:
            tokens, last = self._state.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._state[key] = (tokens, now)  # re-inserted: dict order is least recently used first
            while len(self._state) > MAX_CLIENTS:
                del self._state[next(iter(self._state))]
        return wait


class RateLimit:
    """Pure ASGI middleware applying :class:`TokenBuckets` to :func:`is_expensive` requests."""

    def __init__(self, app: Any, *, rate: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate, burst)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and is_expensive(
            scope.get("method", "GET"), scope.get("path", ""), scope.get("query_string", b"")
        ):
            client = scope.get("client") or ("unknown", 0)
            wait = self.buckets.take(str(client[0]))
            if wait > 0:
                secs = max(1, math.ceil(wait))
                await _send_json(
                    send,
                    429,
                    {
                        "error": f"too many expensive requests from this client; retry in {secs} s",
                        "retry_after": secs,
                    },
                    [(b"retry-after", str(secs).encode())],
                )
                return
        await self.app(scope, receive, send)
