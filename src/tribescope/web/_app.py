"""The FastAPI application: REST API under ``/api``, dashboard pages, vendored static files."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import threading
import uuid
from collections.abc import Iterable
from http import HTTPStatus
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from tribescope import __version__ as _version
from tribescope.errors import TribescopeError
from tribescope.web import _charts, _data
from tribescope.web._api import Budget, LookalikeCount, LookalikeOf, creator_query
from tribescope.web._api import router as api_router
from tribescope.web._data import CreatorQuery
from tribescope.web._jobs import Jobs
from tribescope.web._ratelimit import RateLimit
from tribescope.web._render import creator_charts, env
from tribescope.web._security import CORS_EXPOSED, Guard, cors_origin
from tribescope.web._store import Store

__all__ = ["create_app"]

log = logging.getLogger("tribescope.web")

#: Largest request body outside the upload endpoint (bytes).
MAX_BODY = 64 * 1024
#: Largest uploaded export file (bytes).
MAX_UPLOAD = 256 * 1024 * 1024
#: Expensive requests (evidence, overlap, plans, CSV exports, job starts) per second per client IP, and burst.
RATE_LIMIT = 5.0
RATE_BURST = 120

DESCRIPTION = """\
Read-only access to a tribescope workspace: creators with their community-influence score and the
evidence behind it, niches, audience overlap, brands, campaigns and budget plans.

Every list is paged (`page`, `page_size` ≤ 500) and available as CSV (`?format=csv` or the `.csv` path):
every matching row (up to 100,000) with the same filters and sort, or only one page when the request gives
`page` or `page_size`. A list that is not available yet (e.g. not computed) answers, as JSON, `available: false`
with the `reason`; as CSV, 409 with `{"error": reason}` (and the reason in `X-Not-Available`), never an empty file
that would read as "no rows". When the server was started with `--token`, send
`Authorization: Bearer TOKEN`. A web page of another origin may read the API only when the server was started with
that origin (`--cors-origin`): `GET` requests, the token in that header. Errors are JSON `{"error": "…"}`; server
errors never include internals.
"""


class _DropEmptyQuery:
    """Dashboard forms submit empty fields (``?min_score=``); for pages, an empty field means "not set"."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/api") and scope.get("query_string"):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            scope = dict(
                scope, query_string=urlencode([(k, v) for k, v in pairs if v != ""]).encode("latin-1")
            )
        await self.app(scope, receive, send)


class _HeadAsGet:
    """``HEAD`` is answered as ``GET`` is, without the body (FastAPI routes only the methods a route declares)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(msg: Any) -> None:
            await send({**msg, "body": b""} if msg["type"] == "http.response.body" else msg)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    html = (
        env()
        .get_template(name)
        .render(
            read_only=request.app.state.store.read_only,
            inline=False,
            workspace=request.app.state.store.path.name,
            **ctx,
        )
    )
    return HTMLResponse(html, status_code=status)


def _error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if _is_api(request):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    page = _page(request, "error.html", status=status, status_code=status, message=message)
    page.headers.update(headers or {})
    return page


def _http_problem(request: Request, exc: StarletteHTTPException) -> tuple[str, dict[str, str]]:
    """The message and headers of an HTTP error: Starlette's bare "Not Found" / "Method Not Allowed" name the
    path and the methods it allows (``Allow``, HEAD included wherever GET is: see :class:`_HeadAsGet`)."""
    headers = dict(exc.headers or {})
    allow = [m.strip() for m in headers.get("Allow", "").split(",") if m.strip()]
    if "GET" in allow and "HEAD" not in allow:
        headers["Allow"] = ", ".join([*allow, "HEAD"])
    if exc.detail != HTTPStatus(exc.status_code).phrase:  # a message written for this case
        return str(exc.detail), headers
    path = request.url.path
    if exc.status_code == 404:
        return f"nothing at {path}" + (
            "; the endpoints are listed at /api" if _is_api(request) else ""
        ), headers
    if exc.status_code == 405:
        return f"{request.method} is not allowed on {path}; allowed: {headers.get('Allow', 'none')}", headers
    return str(exc.detail), headers


def create_app(
    workspace_path: str | os.PathLike[str],
    *,
    token: str | None = None,
    read_only: bool = True,
    allowed_hosts: list[str] | None = None,
    max_body: int = MAX_BODY,
    max_upload: int = MAX_UPLOAD,
    rate_limit: float | None = RATE_LIMIT,
    rate_burst: int = RATE_BURST,
    cors_origins: Iterable[str] = (),
    spec: Any = None,
) -> FastAPI:
    """The dashboard + REST API over the workspace at ``workspace_path``.

    Parameters
    ----------
    token
        When set, every request (but ``/static`` and ``/api/health``) must carry it. Required whenever
        the server listens beyond loopback (see :func:`tribescope.web.check_bind`).
    read_only
        Open the workspace read-only and refuse imports / scoring from the UI (the default).
    allowed_hosts
        ``Host`` header values accepted when there is no token (default: loopback names).
    rate_limit, rate_burst
        Expensive requests (see :mod:`tribescope.web._ratelimit`) allowed per second per client IP,
        with bursts of ``rate_burst``; beyond that the answer is 429 with ``Retry-After``.
        ``rate_limit=None`` turns the limit off.
    cors_origins
        Origins whose pages may read the API cross-origin (``GET``/``HEAD``, the token in ``Authorization``, no
        cookies): each as :func:`tribescope.web._security.cors_origin` accepts it (``*`` for any). Writes from
        another origin stay refused.
    spec
        The score spec (a file, or a loaded spec) the workspace's scores were made with (``tribescope score --spec
        FILE``): the creator pages' components and evidence are read with it, and a re-score from the dashboard
        scores with it. Default: the packaged spec.
    """
    origins = [cors_origin(o) for o in cors_origins]  # a bad origin fails before the workspace opens
    if spec is not None:  # a broken spec fails before the workspace opens
        from tribescope.score._spec import load_spec

        spec = load_spec(spec)
    store = Store(workspace_path, read_only=read_only)

    app = FastAPI(
        title="tribescope",
        version=_version,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    # The workspace stays open for the life of the app object (test clients start and stop the ASGI
    # lifespan many times); ``app.state.store.close()`` releases it.
    app.state.store = store
    app.state.spec = spec
    app.state.jobs = None if read_only else Jobs(store.main, store.write_lock, store.changed, spec=spec)
    app.add_middleware(_HeadAsGet)
    app.add_middleware(_DropEmptyQuery)
    if rate_limit is not None:  # inside Guard: requests without the token never use up a client's budget
        app.add_middleware(RateLimit, rate=rate_limit, burst=rate_burst)
    app.add_middleware(
        Guard, token=token, allowed_hosts=allowed_hosts, max_body=max_body, max_upload=max_upload
    )
    if origins:  # outside Guard: a browser's preflight carries no token, and answering it reveals nothing
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "HEAD"],
            allow_headers=["Authorization"],
            expose_headers=list(CORS_EXPOSED),
            max_age=600,
        )
    app.mount("/static", StaticFiles(directory=str(files("tribescope.web") / "static")), name="static")
    app.include_router(api_router)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, *_http_problem(request, exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems: list[dict[str, Any]] = [
            {
                "loc": [str(x) for x in e.get("loc", ())],
                "msg": _range_msg(request, e) or str(e.get("msg", "")),
                "type": str(
                    e.get("type", "")
                ),  # FastAPI's ValidationError shape, as the OpenAPI document declares
            }
            for e in exc.errors()
        ]
        for p, e in zip(problems, exc.errors(), strict=True):  # name the value refused (e.g. which creator)
            if isinstance(e.get("input"), str) and len(e["input"]) <= 320:
                p["input"] = e["input"]
        if _is_api(request):
            return JSONResponse({"error": "invalid request", "detail": problems}, status_code=422)
        text = "; ".join(
            # a message that names its parameter itself ("page must be …") is not prefixed with it again
            (
                p["msg"]
                if p["msg"].startswith(f"{p['loc'][-1]} ")
                else f"{'.'.join(p['loc'][1:]) or p['loc'][0]}: {p['msg']}"
            )
            + (f" (got {p['input']!r})" if "input" in p else "")
            for p in problems
        )
        return _page(request, "error.html", status=422, status_code=422, message=f"invalid request: {text}")

    @app.exception_handler(TribescopeError)
    async def _refused(request: Request, exc: TribescopeError) -> Response:
        return _error(request, 400, _data.scrub(str(exc), store.path))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        ref = uuid.uuid4().hex[:8]
        log.error("request %s %s failed (ref %s)", request.method, request.url.path, ref, exc_info=exc)
        return _error(request, 500, f"internal server error (reference {ref}; details are in the server log)")

    _pages(app)
    if token:
        _document_token(app)
    threading.Thread(target=_warm_up, name="tribescope-warm-up", daemon=True).start()
    return app


#: pydantic's errors for a number refused: not a number, not finite, or out of one of its bounds (only the bound it
#: failed is named: ``min_score=nan`` said "Input should be less than or equal to 100", ``-1`` only "≥ 0")
_NUMBER_ERRORS = frozenset(
    {
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "finite_number",
        "float_parsing",
        "float_type",
        "int_parsing",
        "int_type",
        "int_from_float",
    }
)


def _param_field(request: Request, name: str, where: str) -> Any:
    """The route's parameter ``name`` in ``where`` (``query``, ``path``), also one of a dependency's (the creator
    list's filters are :func:`creator_query`'s); ``None`` when the route has none of that name."""
    route = request.scope.get("route")
    todo = [getattr(route, "dependant", None)]
    while todo:
        dep = todo.pop()
        if dep is None:
            continue
        for f in getattr(dep, f"{where}_params", ()):
            if f.alias == name or f.name == name:
                return f
        todo.extend(dep.dependencies)
    return None


def _range_msg(request: Request, err: Any) -> str | None:
    """What a refused number must be, whole: ``must be a number from 0 to 100`` (its kind and both bounds, read from
    the parameter's declaration) rather than the one bound pydantic checked last. ``None``: not a number's error."""
    loc = err.get("loc", ())
    if (
        err.get("type") == "value_error"
    ):  # a validator's own words (``platform must be one of …``), not pydantic's
        return str(err.get("msg", "")).removeprefix("Value error, ") or None
    if err.get("type") not in _NUMBER_ERRORS or len(loc) != 2 or loc[0] not in ("query", "path"):
        return None
    field = _param_field(request, str(loc[1]), str(loc[0]))
    if field is None:
        return None
    lo = hi = None
    for m in getattr(field.field_info, "metadata", ()):
        for attr, op in (("ge", "≥"), ("gt", ">")):
            if getattr(m, attr, None) is not None:
                lo = (op, getattr(m, attr))
        for attr, op in (("le", "≤"), ("lt", "<")):
            if getattr(m, attr, None) is not None:
                hi = (op, getattr(m, attr))

    def num(v: Any) -> str:
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return f"{v:,}" if isinstance(v, int) else str(v)

    kind = "a whole number" if "int" in str(err.get("type")) or _is_int(field) else "a number"
    if lo and hi and lo[0] == "≥" and hi[0] == "≤":
        bounds = f" from {num(lo[1])} to {num(hi[1])}"
    else:
        parts = [f"{op} {num(v)}" for op, v in (b for b in (lo, hi) if b is not None)]
        bounds = f" {' and '.join(parts)}" if parts else ""
    return f"{loc[1]} must be {kind}{bounds}"


def _is_int(field: Any) -> bool:
    ann = getattr(field.field_info, "annotation", None)
    return ann is int


def _warm_up() -> None:
    """Import the heavier library modules in the background, so the first creator page is not slow."""
    for mod in ("tribescope.score", "tribescope.features", "tribescope.niche", "tribescope.campaigns"):
        with contextlib.suppress(Exception):  # a module that is not installed is reported where it is used
            importlib.import_module(mod)


def _document_token(app: FastAPI) -> None:
    """Declare the bearer token in the OpenAPI schema (only when the server requires one)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the token given to `tribescope serve --token`",
                }
            }
            for path, item in schema["paths"].items():
                if path != "/api/health":
                    for op in item.values():
                        op["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _pages(app: FastAPI) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def leaderboard(request: Request, cq: Annotated[CreatorQuery, Depends(creator_query)]) -> Response:
        with request.app.state.store.view() as ws:
            page = _data.list_creators(ws, cq)
            facets = _data.facets(ws)
            imported = page.total > 0 or _data.has_posts(ws)
            chart_rows = (
                page.rows
                if page.total <= cq.page_size and cq.page == 1  # a page past the end has no rows to draw
                else _data.list_creators(
                    ws, CreatorQuery(**{**cq.__dict__, "page": 1, "page_size": _data.MAX_PAGE_SIZE})
                ).rows
            )
        args = {k: v for k, v in cq.__dict__.items() if k not in ("page", "extra") and v not in (None, "")}
        # the CSV link exports every matching row with these filters and sort: no page, no page size
        csv_args = {k: v for k, v in args.items() if k != "page_size"}
        pages = max(1, -(-page.total // cq.page_size))
        return _page(
            request,
            "leaderboard.html",
            page=page,
            q=cq,
            facets=facets,
            args=args,
            csv_args=csv_args,
            pages=pages,
            default_page_size=CreatorQuery.page_size,
            imported=imported,
            board_chart=_charts.leaderboard(chart_rows) if page.scored else None,
            # what the chart leaves out, said beside it: creators past its first rows, creators without followers or
            # not scored yet
            chart_counts=_charts.leaderboard_counts(chart_rows),
        )

    # ``:path``: a creator id may hold "/" (links encode it as %2F, which is decoded before routing)
    @app.get("/creator/{platform}/{creator_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def creator(
        request: Request,
        platform: Annotated[str, PathParam(max_length=64)],
        creator_id: Annotated[str, PathParam(max_length=300)],
        evidence: bool = False,
    ) -> Response:
        return _creator_page(request, platform, creator_id, evidence)

    # an id that is a dot segment ("." or "..") cannot be a path segment: browsers resolve it away
    @app.get("/creator/{platform}", response_class=HTMLResponse, include_in_schema=False)
    def creator_by_query(
        request: Request,
        platform: Annotated[str, PathParam(max_length=64)],
        id: Annotated[str, Query(min_length=1, max_length=300, description="the creator id")],
        evidence: bool = False,
    ) -> Response:
        return _creator_page(request, platform, id, evidence)

    def _creator_page(request: Request, platform: str, creator_id: str, evidence: bool) -> Response:
        with request.app.state.store.view() as ws:
            d = _data.creator_detail(ws, platform, creator_id, evidence=evidence, spec=request.app.state.spec)
        if d is None:
            return _error(request, 404, f"no creator {platform}:{creator_id} in this workspace")
        return _page(request, "creator.html", d=d, charts=creator_charts(d), prefix="c")

    @app.get("/similar", response_class=HTMLResponse, include_in_schema=False)
    def similar(request: Request, creator: LookalikeOf, n: LookalikeCount = 10) -> Response:
        platform, _, creator_id = creator.partition(":")
        with request.app.state.store.view() as ws:
            # the id, else a handle in any case (youtube:cookswithmax), as /api/similar and `tribescope similar` take it
            key = _data.resolve_creator(ws, platform, creator_id)
            row = _data._find_creator(ws, *key)[0] if key is not None else None
            if key is None or row is None:
                return _error(request, 404, f"no creator {platform.lower()}:{creator_id} in this workspace")
            sec = _data.lookalikes(ws, *key, n)
        return _page(request, "similar.html", sec=sec, c=row, n=n, creator=creator)

    @app.get("/niches", response_class=HTMLResponse, include_in_schema=False)
    def niches(request: Request) -> Response:
        with request.app.state.store.view() as ws:
            sec = _data.niches(ws, 1, _data.MAX_PAGE_SIZE)
            members = _data.niche_creators(ws, 1, _data.MAX_PAGE_SIZE)
        chart = _charts.niche_map(members.data.rows) if members.ok else None
        return _page(request, "niches.html", sec=sec, members=members, niche_chart=chart)

    @app.get("/campaigns", response_class=HTMLResponse, include_in_schema=False)
    def campaigns(
        request: Request,
        brand: Annotated[str | None, Query(max_length=200)] = None,
        budget: Budget | None = None,
    ) -> Response:
        with request.app.state.store.view() as ws:
            sec = _data.with_stored_handles(ws, _data.campaigns(ws, 1, _data.MAX_PAGE_SIZE))
            labels = _data.campaign_labels(ws, 1, _data.MAX_PAGE_SIZE)
            brands = _data.brands(ws, 1, 200)
            plan = _data.plan(ws, brand, budget) if budget else None
        roi = _charts.campaign_roi(sec.data.rows, sec.data.columns) if sec.ok else None
        cmp = _charts.campaign_comparison(labels.data.rows) if labels.ok else None
        return _page(
            request,
            "campaigns.html",
            sec=sec,
            labels=labels,
            brands=brands,
            plan=plan,
            roi=roi,
            cmp=cmp,
            brand=brand or "",
            budget=budget,
        )

    @app.get("/shortlist", response_class=HTMLResponse, include_in_schema=False)
    def shortlist(request: Request) -> Response:
        return _page(request, "shortlist.html")

    @app.get("/jobs", response_class=HTMLResponse, include_in_schema=False)
    def jobs(request: Request) -> Response:
        from tribescope import schema
        from tribescope.ingest import FORMATS

        j = request.app.state.jobs
        return _page(
            request,
            "jobs.html",
            jobs=[x.public() for x in j.list()] if j else [],
            formats=[
                (f.name, f.platform, f.description) for f in FORMATS.values()
            ],  # as `tribescope formats`
            tables=list(schema.DATA_TABLES),
        )

    @app.get("/api", response_class=HTMLResponse, include_in_schema=False)
    def api_docs(request: Request) -> Response:
        schema = request.app.openapi()
        ops = [
            {
                "method": m.upper(),
                "path": p,
                "summary": o.get("summary", ""),
                "params": [x["name"] for x in o.get("parameters", [])],
            }
            for p, item in schema["paths"].items()
            for m, o in item.items()
        ]
        return _page(request, "api.html", ops=ops, description=DESCRIPTION)
