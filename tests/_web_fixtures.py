"""Workspaces for the web tests, built once per test session (shared by pytest-xdist workers).

The hand-written CSVs in ``tests/fixtures/web/`` are imported through the real importer; the
"scored" variant also runs :func:`tribescope.score.score_creators` when the score module is present.
Both hold the XSS comment ``XSS`` under two creators' posts and an XSS-like bio.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURE_DIR = Path(__file__).parent / "fixtures" / "web"
FILES = ("accounts.csv", "posts.csv", "comments.csv")
XSS = """<script>window.__xss=1</script><img src=x onerror="window.__xss=2">"""


def _digest() -> str:
    """The fixture files and the code that builds the workspaces: the cache outlives the session (it is beside every
    session's folder), so a workspace scored by another tree's or an older spec or code was read as this one's."""
    h = hashlib.sha256()
    for f in FILES:
        h.update((FIXTURE_DIR / f).read_bytes())
    import tribescope

    pkg = Path(tribescope.__file__).parent
    for f in sorted(pkg.rglob("*")):
        if f.suffix in (".py", ".toml", ".json") and f.is_file():
            h.update(str(f.relative_to(pkg)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


def _build(path: Path, scored: bool) -> None:
    from tribescope.ingest import import_paths
    from tribescope.store import connect

    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    ws = connect(tmp)
    try:
        import_paths(ws, [FIXTURE_DIR / f for f in FILES])
        if scored:
            from tribescope.score import score_creators

            score_creators(ws)
    finally:
        ws.close()
    tmp.replace(path)


def _build_pipeline(path: Path) -> None:
    """The real pipeline: synth xs (seed 1) → import → score → campaign import."""
    from tribescope.campaigns import find_campaign_files, import_campaign
    from tribescope.ingest import import_paths
    from tribescope.score import score_creators
    from tribescope.store import connect
    from tribescope.synth import generate

    exports = path.with_name(path.stem + "-exports")
    shutil.rmtree(exports, ignore_errors=True)
    generate(exports, "xs", 1)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    ws = connect(tmp)
    try:
        import_paths(ws, [exports])
        score_creators(ws)
        found = find_campaign_files(exports / "campaigns")
        import_campaign(ws, plan=found.get("plan"), orders=found.get("orders"), clicks=found.get("clicks"))
    finally:
        ws.close()
    tmp.replace(path)


def pipeline_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the synth-xs workspace, built once per session."""
    for mod in ("tribescope.synth", "tribescope.score", "tribescope.campaigns"):
        pytest.importorskip(mod, reason=f"{mod} is not in this tree yet")
    return _cached(tmp_path_factory, f"synth-xs-seed1-{_digest()}", _build_pipeline)


@pytest.fixture(scope="module", name="client")
def pipeline_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A test module's ``client``: FastAPI's TestClient over :func:`pipeline_workspace` (import it into the module:
    ``from ._web_fixtures import pipeline_client``)."""
    from fastapi.testclient import TestClient

    from tribescope.web import create_app

    with TestClient(create_app(pipeline_workspace(tmp_path_factory)), base_url="http://127.0.0.1") as c:
        yield c


def _cached(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    shared = tmp_path_factory.getbasetemp().parent / "tribescope-web-fixtures"
    shared.mkdir(parents=True, exist_ok=True)
    target = shared / f"{name}.duckdb"
    lock = target.with_suffix(".lock")
    deadline = time.monotonic() + 900
    while not target.exists():
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:  # another worker is building it
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited too long for {target}") from None
            time.sleep(0.2)
            continue
        try:
            os.close(fd)
            if not target.exists():
                build(target)
        finally:
            lock.unlink(missing_ok=True)
    mine = tmp_path_factory.mktemp("webws") / target.name
    shutil.copy(target, mine)
    return mine


def workspace(tmp_path_factory: pytest.TempPathFactory, *, scored: bool) -> Path:
    """Path of a built workspace (a private copy, so each caller may open it in its own mode)."""
    if scored:
        pytest.importorskip("tribescope.score", reason="the score module is not in this tree yet")
    name = f"{'scored' if scored else 'imported'}-{_digest()}"
    return _cached(tmp_path_factory, name, lambda p: _build(p, scored))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real uvicorn server for ``app`` on a free loopback port, in a daemon thread (``with LiveServer(app) as s``)."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def unscored_pipeline_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synth-xs workspace with its campaign imported but ``creator_scores`` dropped (never scored)."""
    from tribescope.store import connect

    path = pipeline_workspace(tmp_path_factory)
    ws = connect(path)
    try:
        ws.duck.execute("DROP TABLE creator_scores")
    finally:
        ws.close()
    return path


POSTS_HEADER = "platform,post_id,creator_id,created_at,media_type,caption,likes,comments_count,views,is_paid_partnership\n"


def with_posts(path: Path, tmp_dir: Path, rows: str, *, score: bool = False) -> Path:
    """Import more posts (CSV rows after :data:`POSTS_HEADER`) into the workspace at ``path``; re-score if asked."""
    from tribescope.ingest import import_paths
    from tribescope.store import connect

    extra = tmp_dir / "posts.csv"
    extra.write_text(POSTS_HEADER + rows, encoding="utf-8")
    ws = connect(path)
    try:
        import_paths(ws, [extra])
        if score:
            from tribescope.score import score_creators

            score_creators(ws)
    finally:
        ws.close()
    return path


def import_job(client: Any, name: str, body: bytes, **form: str) -> dict[str, Any]:
    """Upload ``body`` as the file ``name`` to the dashboard's import job (``/api/jobs/import``, with the form's
    fields) and wait for it to end: the job's last state."""
    r = client.post("/api/jobs/import", files={"file": (name, body, "text/csv")}, data=form)
    assert r.status_code == 202, r.text
    return wait_job(client, r.json(), timeout=30)


def score_job(client: Any) -> dict[str, Any]:
    """Start the dashboard's score job (``/api/jobs/score``) and wait for it to end: the job's last state."""
    return wait_job(client, client.post("/api/jobs/score").json(), timeout=120)


def wait_job(client: Any, job: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    """Poll the dashboard's job ``job`` until it is done or failed (at most ``timeout`` seconds): its last state."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/jobs/{job['id']}").json()
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)
