"""`tribescope serve` (dashboard + REST API) and `tribescope report` (static HTML)."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path
from typing import Annotated

import typer

from tribescope.cli._app import app, console, err, fail, has_scores, state
from tribescope.cli._out import check_out
from tribescope.errors import BackendMissing, TribescopeError


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (beyond loopback needs --token).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0–65535).")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="TRIBESCOPE_TOKEN",
            help="Require this token (header 'Authorization: Bearer …' or ?token= once in the browser).",
        ),
    ] = None,
    write: Annotated[
        bool,
        typer.Option("--write", help="Allow imports and scoring from the dashboard (default: read-only)."),
    ] = False,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin",
            envvar="TRIBESCOPE_CORS_ORIGINS",
            help="Let pages of this origin (https://app.example.com) read the API from a browser; repeatable, * "
            "for any. GET only, the token in the Authorization header. Env: origins separated by spaces.",
        ),
    ] = None,
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            help="Score spec TOML the stored scores were made with (`tribescope score --spec FILE`): creator pages "
            "read them with it, and a re-score from the dashboard uses it (default: the packaged spec.toml).",
        ),
    ] = None,
) -> None:
    """Serve the dashboard and the REST API (OpenAPI at /api/openapi.json) over the workspace."""
    try:
        from tribescope.web import check_bind, create_app
    except ImportError as exc:
        raise fail(
            BackendMissing(f"the dashboard needs the [web] extra: pip install 'tribescope[web]' ({exc})")
        ) from None
    try:
        import uvicorn
    except ImportError:
        raise fail(BackendMissing("the dashboard needs uvicorn: pip install 'tribescope[web]'")) from None
    if state.backend != "duckdb":
        raise fail(TribescopeError("the dashboard serves DuckDB workspaces; pass a .duckdb file"))
    try:
        check_bind(host, token)
        from tribescope.score._spec import load_spec_option

        the_spec = load_spec_option(spec)  # a broken spec fails before the server starts
        web = create_app(
            state.workspace, token=token, read_only=not write, cors_origins=cors_origin or (), spec=the_spec
        )
    except TribescopeError as exc:
        raise fail(exc) from None
    try:
        sock = _listen(host, port)
    except TribescopeError as exc:
        raise fail(exc) from None
    port = sock.getsockname()[1]  # the port chosen, with --port 0
    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"tribescope dashboard on http://{shown}:{port}/"
        + ("  (token required)" if token else "")
        + ("  read-only" if not write else "  (imports allowed)")
    )
    config = uvicorn.Config(web, host=host, port=port, log_level="warning", server_header=False)
    with sock:
        uvicorn.Server(config).run(sockets=[sock])


def _listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port``, before the server starts: the URL printed names the port really bound
    (``--port 0`` picks a free one), and an address in use or not of this machine is an error naming it (uvicorn
    logged it and exited)."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (OSError, UnicodeError) as exc:
        raise TribescopeError(f"cannot listen on {host}: {exc}") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: restart after a close
        sock.bind(addr)
    except OSError as exc:
        sock.close()
        why = (
            "the port is in use (pass another --port, or 0 for a free one)"
            if exc.errno == errno.EADDRINUSE
            else exc
        )
        raise TribescopeError(f"cannot listen on {host}:{port}: {why}") from None
    return sock


_REPORT = Path("report.html")


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write (.html, .htm).")] = _REPORT,
    top: Annotated[int, typer.Option("--top", min=1, max=200, help="Creators with a full section.")] = 20,
    evidence: Annotated[
        int,
        typer.Option(
            "--evidence",
            min=0,
            max=200,
            help="How many of them also get the evidence of `tribescope explain` (slower).",
        ),
    ] = 3,
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            help="Score spec TOML the stored scores were made with (`tribescope score --spec FILE`): the creator "
            "sections' components and evidence are read with it (default: the packaged spec.toml).",
        ),
    ] = None,
) -> None:
    """Write a self-contained HTML report (charts included, nothing fetched when opened) for e-mail."""
    from rich.markup import escape

    from tribescope.report import write_report
    from tribescope.score._spec import load_spec_option
    from tribescope.web._data import has_posts, score_changes

    try:
        check_out(out, (".html", ".htm"))
        the_spec = load_spec_option(spec)  # a broken spec fails before any work
        ws = state.open(read_only=True)
    except TribescopeError as exc:
        raise fail(exc) from None
    try:
        path = write_report(ws, out, top=top, evidence=evidence, spec=the_spec)
        scored = has_scores(ws)
        changes = score_changes(ws).text() if scored else ""
        creators = has_posts(ws)
        scoring_hint = ws.scoring_hint()
    except TribescopeError as exc:
        raise fail(exc) from None
    finally:
        ws.close()
    console.print(f"report written: {os.fspath(path.resolve())} ({path.stat().st_size / 1e6:.1f} MB)")
    if changes:  # the report shows the stored scores: say they are not the workspace's data
        err.print(
            f"[yellow]note:[/] since the last score, {escape(changes)}: the report shows the stored scores. "
            f"{scoring_hint}, then `tribescope report` again.",
            highlight=False,
        )
    if not creators:  # scoring finds no one: the exports are what is missing
        err.print(
            "[yellow]note:[/] no creators in this workspace yet (no posts imported): the report has none. Run "
            "`tribescope import EXPORTS` and `tribescope score`, then `tribescope report` again."
        )
    elif not scored:
        err.print(
            "[yellow]note:[/] no scores in this workspace yet: the report lists its creators without score, label or "
            f"components. {scoring_hint}, then `tribescope report` again."
        )
