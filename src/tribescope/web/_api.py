"""REST API (``/api/…``): JSON by default, CSV for every list (``?format=csv`` or ``/….csv``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from tribescope._files import is_formula_cell
from tribescope.errors import TribescopeError
from tribescope.schema import PLATFORMS
from tribescope.score._spec import COUNT_COLUMNS, label_value
from tribescope.web import _data
from tribescope.web._data import MAX_PAGE_SIZE, CreatorQuery, Page, Section
from tribescope.web._jobs import JobBusy

__all__ = ["LookalikeCount", "LookalikeOf", "router", "to_csv"]

# The Guard middleware enforces the token; create_app documents it in the schema when one is set.
router = APIRouter(prefix="/api")

Str = Annotated[str | None, Query(max_length=200)]


def _platform(v: str | None) -> str | None:
    """One of :data:`tribescope.schema.PLATFORMS` in any case, or a validation error naming them (``platform=tiktk``
    was a 200 of no creator, the plan's a 200 "available: false"); empty: every platform."""
    if v is None or not v.strip():
        return None
    p = v.strip().lower()
    if p not in PLATFORMS:
        raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}")
    return p


Platform = Annotated[
    str | None, Query(max_length=200, description=f"one of {', '.join(PLATFORMS)}"), AfterValidator(_platform)
]
PageNo = Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")]
PageSize = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"rows per page (at most {MAX_PAGE_SIZE})")
]
#: What a CSV export holds (the OpenAPI description of every list's CSV form).
CSV_ROWS = (
    "CSV holds every matching row (up to 100,000) with the same filters and sort, unless the request gives "
    "`page` or `page_size`: then only that page, as in JSON. `X-Total-Count` is the number of matching rows. "
    "A list that is not available (not computed yet) is a 409 with the reason, not an empty file."
)
Fmt = Annotated[Literal["json", "csv"], Query(description=f"json (default) or csv. {CSV_ROWS}")]


class ListResponse(BaseModel):
    """One page of a list. ``available`` is false (with the ``reason``) when it was not computed yet."""

    available: bool = True
    reason: str | None = None
    total: int = 0
    page: int = 1
    page_size: int = 0
    scored: bool = True
    #: creators: of the ``total``, those listed without a score (their posts were imported after the last
    #: ``tribescope score``; ranked last) — null when nothing is scored
    unscored: int | None = None
    columns: list[str] = Field(default_factory=list)
    items: list[dict[str, Any]] = Field(default_factory=list)


class OverlapResponse(ListResponse):
    """Pairs of the known creators; ``rejected`` lists each creator left out, with the reason; ``audience``
    the list's unique vs shared audience per creator (``audience``, ``unique``, ``shared``, ``unique_share``)
    and ``totals`` its reach (distinct engaged accounts), the sum of the audiences and the duplicates."""

    rejected: list[str] = Field(default_factory=list)
    audience: list[dict[str, Any]] = Field(default_factory=list)
    totals: dict[str, int] = Field(default_factory=dict)


class CampaignsResponse(ListResponse):
    """Campaign report rows (per creator, or pooled per label group); ``notes`` what ``tribescope campaign report``
    notes under its tables: fees or orders in several currencies added as written, plan rows naming no creator of the
    workspace, orders awaiting payment or placed outside a row's window, clicks no row won, the community − broadcast
    comparison or why it is not made."""

    notes: list[str] = Field(default_factory=list)


class PlanResponse(ListResponse):
    """The picks (one row each, with its ``rationale``); ``brand`` the brand whose exclusions and own accounts were
    left out (null: none chosen); ``summary`` what was spent of the budget, on how many creators, the community share,
    the macro/mega creators and the expected conversions (``text``: the line ``tribescope plan`` prints); ``notes``
    what ``tribescope plan`` notes under the picks (budget left unspent, creators left out and why, creators without
    a follower count, fees in other currencies, …)."""

    brand: str | None = None
    summary: dict[str, Any] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)


class Health(BaseModel):
    status: str
    read_only: bool


class JobOut(BaseModel):
    id: str
    kind: str
    status: str
    progress: float
    message: str
    created_at: str
    finished_at: str | None = None
    result: dict[str, Any] = Field(default_factory=dict)


class ErrorOut(BaseModel):
    error: str


CSV_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "the rows (JSON or, with format=csv, CSV)",
    },
    409: {"model": ErrorOut, "description": "CSV only: the list is not available (the reason says why)"},
}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "invalid request"},
    401: {"model": ErrorOut, "description": "token missing or wrong"},
    413: {"model": ErrorOut, "description": "request body too large"},
    429: {"model": ErrorOut, "description": "too many expensive requests from this client (see Retry-After)"},
    500: {"model": ErrorOut, "description": "internal error (details only in the server log)"},
}


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool | np.bool_):  # as `score --out x.csv` writes them, not True / False
        return "true" if v else "false"
    if isinstance(v, list | dict):
        import json

        v = json.dumps(v, ensure_ascii=False)
    if isinstance(v, str) and is_formula_cell(v):
        return "'" + v  # spreadsheet formula injection (OWASP "CSV Injection")
    return v


def _count(v: Any) -> Any:
    return int(v) if isinstance(v, float) and v.is_integer() else _cell(v)


def to_csv(page: Page) -> str:
    """CSV text of a page of rows; text cells that a spreadsheet would run as formulas are quoted; counts the score
    table holds as floats (:data:`~tribescope.score._spec.COUNT_COLUMNS`) written whole (8463, not 8463.0)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(page.columns)
    for r in page.rows:
        w.writerow([_count(r.get(c)) if c in COUNT_COLUMNS else _cell(r.get(c)) for c in page.columns])
    return buf.getvalue()


def _one_page(request: Request) -> bool:
    """Whether a CSV request asked for one page (``page`` or ``page_size`` given) rather than every row."""
    return not {"page", "page_size"}.isdisjoint(request.query_params)


def _csv_response(page: Page, name: str) -> Response:
    headers = {"content-disposition": f'attachment; filename="{name}.csv"', "x-total-count": str(page.total)}
    if page.truncated:
        headers["x-truncated"] = f"first {len(page.rows)} of {page.total} rows"
    return Response(to_csv(page), media_type="text/csv; charset=utf-8", headers=headers)


#: dashes and typographic quotes as their ASCII look-alikes
_ASCII_LOOKALIKES = str.maketrans("—–‘’“”", "--''\"\"")


def _ascii(text: str) -> str:
    """``text`` for an HTTP header: dashes and quotes as their ASCII look-alikes, anything else non-ASCII as "?"."""
    return text.translate(_ASCII_LOOKALIKES).encode("ascii", "replace").decode()


def _list_out(sec: Section, name: str, fmt: str) -> Any:
    if not sec.ok:
        if fmt == "csv":  # an empty 200 file would read as "no rows", and its columns are not known
            return JSONResponse(
                {"error": sec.missing or "not available"},
                status_code=409,
                # a header is Latin-1: the reason's dashes as ASCII ("not computed yet - run …"), never "?"
                headers={"x-not-available": _ascii(sec.missing or "")},
            )
        return ListResponse(available=False, reason=sec.missing)
    page: Page = sec.data
    if fmt == "csv":
        return _csv_response(page, name)
    return ListResponse(
        total=page.total,
        page=page.page,
        page_size=page.page_size,
        scored=page.scored,
        unscored=page.extra.get("unscored"),
        columns=page.columns,
        items=page.rows,
    )


def _store(request: Request) -> Any:
    return request.app.state.store


@router.get("/health", response_model=Health, tags=["meta"], summary="Liveness (no token needed)")
def health(request: Request) -> Health:
    return Health(status="ok", read_only=_store(request).read_only)


@router.get("/summary", tags=["meta"], summary="Rows per table in the workspace", responses=ERRORS)
def summary(request: Request) -> dict[str, int]:
    with _store(request).view() as ws:
        return _data.workspace_summary(ws)


async def creator_query(  # async: no I/O, so FastAPI need not hop to a worker thread for it
    platform: Platform = None,
    tier: Annotated[
        str | None, Query(max_length=200, description="creator, nano, micro, mid, macro or mega")
    ] = None,
    label: Annotated[
        str | None,
        Query(
            max_length=200,
            description="the stored label (community_influencer) or its name as the tables show it "
            "(community influencer, too little data), in any case",
        ),
    ] = None,
    niche: Annotated[
        str | None,
        Query(max_length=200, description="the niche as the dashboard's filter lists it, in any case"),
    ] = None,
    min_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    q: Annotated[str | None, Query(max_length=200, description="substring of handle or id")] = None,
    sort: Annotated[
        str | None, Query(max_length=64, description="column to sort by (default community_score)")
    ] = None,
    order: Annotated[Literal["asc", "desc"], Query()] = "desc",
    page: PageNo = 1,
    page_size: PageSize = 50,
) -> CreatorQuery:
    return CreatorQuery(
        platform=platform,
        # as stored: the dashboard's filter form shows the label and tier chosen, however they were written
        tier=tier.strip().lower() if tier else tier,
        label=label_value(label) if label else label,
        niche=niche,
        min_score=min_score,
        max_score=max_score,
        q=q,
        sort=sort,
        order=order,
        page=page,
        page_size=page_size,
    )


#: Cached leaderboard answers per store (the busiest endpoint): at most this many (then the cache starts
#: over), each at most MAX_CACHED_BYTES of JSON — 64 MB in all.
MAX_CACHED_PAGES = 64
MAX_CACHED_BYTES = 1_000_000


def _creators_key(generation: int, cq: CreatorQuery) -> tuple[Any, ...]:
    return ("creators", generation, repr(sorted(cq.__dict__.items())))


def _creators(request: Request, cq: CreatorQuery, fmt: str) -> Any:
    store = _store(request)
    with store.view() as ws:
        if fmt == "csv":
            rows = _data.list_creators(ws, cq, export=not _one_page(request))
            return _list_out(Section(rows), "creators", fmt)
        # A page depends only on the query and the workspace generation (bumped, and the cache emptied,
        # when a job writes); the generation is read before the view's snapshot, so an answer computed
        # from data older than a change is never filed under the new generation.
        key = _creators_key(ws.generation, cq)  # type: ignore[attr-defined]
        with store.cache_lock:
            hit = store.cache.get(key)
        if hit is None:  # kept as JSON text: serialising 50 wide rows costs more than the query
            out = _list_out(Section(_data.list_creators(ws, cq)), "creators", fmt)
            hit = out.model_dump_json().encode()
            if len(hit) <= MAX_CACHED_BYTES:
                with store.cache_lock:
                    if len(store.cache) >= MAX_CACHED_PAGES:
                        store.cache.clear()
                    store.cache[key] = hit
    return Response(hit, media_type="application/json")


@router.get(
    "/creators",
    response_model=ListResponse,
    tags=["creators"],
    responses={**ERRORS, **CSV_DOC},
    summary="Creators with their community score, filtered, sorted and paged",
)
async def creators(
    request: Request, cq: Annotated[CreatorQuery, Depends(creator_query)], format: Fmt = "json"
) -> Any:
    """Rows of ``creator_scores`` (or, before scoring, the creators found in ``posts``, with
    ``scored: false``). ``format=csv``: see ``/api/creators.csv``."""
    if format == "json":  # a cached page is answered on the event loop; queries go to a worker thread
        store = _store(request)
        with store.cache_lock:
            hit = store.cache.get(_creators_key(store.generation, cq))
        if hit is not None:
            return Response(hit, media_type="application/json")
    return await run_in_threadpool(_creators, request, cq, format)


@router.get(
    "/creators.csv",
    tags=["creators"],
    responses={**ERRORS, **CSV_DOC},
    response_class=Response,
    summary="The same list as CSV",
    description=CSV_ROWS,
)
def creators_csv(request: Request, cq: Annotated[CreatorQuery, Depends(creator_query)]) -> Any:
    return _creators(request, cq, "csv")


Evidence = Annotated[bool, Query(description="also compute the evidence (slow: recomputes metrics)")]


@router.get(
    "/creators/{platform}/{creator_id:path}",  # a creator id may hold "/" (send it as %2F)
    tags=["creators"],
    responses={**ERRORS, 404: {"model": ErrorOut}},
    summary="One creator: score breakdown, evidence, posts, comment sample, network",
)
def creator(
    request: Request,
    platform: Annotated[str, PathParam(max_length=64)],
    creator_id: Annotated[str, PathParam(max_length=300)],
    evidence: Evidence = False,
) -> dict[str, Any]:
    return _creator(request, platform, creator_id, evidence)


@router.get(
    "/creators/{platform}",  # an id a path cannot carry: "." and ".." (clients resolve them away)
    tags=["creators"],
    responses={**ERRORS, 404: {"model": ErrorOut}},
    summary="One creator, its id given as ?id= (for any id; needed for '.' and '..')",
)
def creator_by_query(
    request: Request,
    platform: Annotated[str, PathParam(max_length=64)],
    id: Annotated[str, Query(min_length=1, max_length=300, description="the creator id")],
    evidence: Evidence = False,
) -> dict[str, Any]:
    return _creator(request, platform, id, evidence)


def _creator(request: Request, platform: str, creator_id: str, evidence: bool) -> dict[str, Any]:
    with _store(request).view() as ws:
        d = _data.creator_detail(
            ws, platform, creator_id, evidence=evidence, spec=getattr(request.app.state, "spec", None)
        )
    if d is None:
        raise HTTPException(404, f"no creator {platform}:{creator_id} in this workspace")
    out: dict[str, Any] = _data.jsonable(
        {
            k: ({"available": v.ok, "reason": v.missing, "data": v.data} if isinstance(v, Section) else v)
            for k, v in d.items()
        }
    )
    return out


def _simple_list(name: str, fn: Any, model: type[ListResponse] = ListResponse) -> None:
    """``GET /name`` (``model``: a :class:`ListResponse` whose further fields come from the page's ``extra``) and
    ``GET /name.csv``."""
    more = [k for k in model.model_fields if k not in ListResponse.model_fields]

    def handler(request: Request, page: PageNo = 1, page_size: PageSize = 50, format: Fmt = "json") -> Any:
        with _store(request).view() as ws:
            sec = _data.mark_scored(
                ws, fn(ws, page, page_size, export=format == "csv" and not _one_page(request))
            )
        out = _list_out(sec, name.replace("/", "_"), format)
        if more and isinstance(out, ListResponse) and sec.ok:
            return model(**out.model_dump(), **{k: sec.data.extra[k] for k in more if k in sec.data.extra})
        return out

    def handler_csv(request: Request, page: PageNo = 1, page_size: PageSize = 50) -> Any:
        return handler(request, page, page_size, "csv")

    router.add_api_route(
        f"/{name}",
        handler,
        methods=["GET"],
        response_model=model,
        tags=[name.split("/")[0]],
        responses={**ERRORS, **CSV_DOC},
        summary=(fn.__doc__ or name).strip().splitlines()[0],
        name=name.replace("/", "_"),
    )
    router.add_api_route(
        f"/{name}.csv",
        handler_csv,
        methods=["GET"],
        tags=[name.split("/")[0]],
        responses={**ERRORS, **CSV_DOC},
        response_class=Response,
        summary=f"{name} as CSV",
        description=CSV_ROWS,
        name=f"{name.replace('/', '_')}_csv",
    )


_simple_list("niches", _data.niches)
_simple_list("niches/creators", _data.niche_creators)
_simple_list("brands", _data.brands)
_simple_list("campaigns", _data.campaigns, CampaignsResponse)
_simple_list("campaigns/labels", _data.campaign_labels, CampaignsResponse)


def _overlap(request: Request, creators: list[str], fmt: str) -> Any:
    if not 2 <= len(creators) <= 20:
        raise HTTPException(400, "give between 2 and 20 creators as platform:creator_id")
    with _store(request).view() as ws:
        sec = _data.mark_scored(ws, _data.overlap(ws, creators))
    out = _list_out(sec, "overlap", fmt)
    rejected = sec.data.rejected if sec.ok else []
    extra = sec.data.extra if sec.ok else {}
    if isinstance(out, ListResponse):
        return OverlapResponse(**out.model_dump(), rejected=rejected, **extra)
    if rejected:
        out.headers["x-rejected"] = "; ".join(rejected).encode("ascii", "backslashreplace").decode()[:2000]
    return out


#: ``platform:creator_id``; the id may hold any character (the importer accepts "a b/c" as an id).
CreatorKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,16}:.{1,300}$")]
Creators = Annotated[
    list[CreatorKey],
    Query(min_length=2, max_length=20, description="creators as platform:creator_id (2 to 20)"),
]


@router.get(
    "/overlap",
    response_model=OverlapResponse,
    tags=["niches"],
    responses={**ERRORS, **CSV_DOC},
    summary="Audience overlap between creators",
)
def overlap(request: Request, creators: Creators, format: Fmt = "json") -> Any:
    """Every pair of the given creators. A creator not in the workspace is left out and listed in
    ``rejected``; fewer than two known creators is a 400 naming the rejected ones."""
    return _overlap(request, creators, format)


@router.get(
    "/overlap.csv",
    tags=["niches"],
    responses={**ERRORS, **CSV_DOC},
    response_class=Response,
    summary="overlap as CSV",
)
def overlap_csv(request: Request, creators: Creators) -> Any:
    return _overlap(request, creators, "csv")


class SimilarResponse(ListResponse):
    """The lookalikes of ``creator`` (its ``platform``, ``creator_id``, ``handle``), most similar first."""

    creator: dict[str, Any] = Field(default_factory=dict)


LookalikeOf = Annotated[
    CreatorKey, Query(description="the creator as platform:creator_id (its id may hold any character)")
]
LookalikeCount = Annotated[
    int, Query(ge=1, le=_data.MAX_LOOKALIKES, description="how many lookalikes (as `tribescope similar --n`)")
]


def _similar(request: Request, creator: str, n: int, fmt: str) -> Any:
    platform, _, creator_id = creator.partition(":")
    with _store(request).view() as ws:
        key = _data.resolve_creator(ws, platform, creator_id)  # as /api/creators/… answers it
        if key is None:
            raise HTTPException(404, f"no creator {platform.lower()}:{creator_id} in this workspace")
        sec = _data.mark_scored(ws, _data.lookalikes(ws, *key, n))
    out = _list_out(sec, "similar", fmt)
    if isinstance(out, ListResponse):
        return SimilarResponse(**out.model_dump(), creator=sec.data.extra["creator"] if sec.ok else {})
    return out


@router.get(
    "/similar",
    response_model=SimilarResponse,
    tags=["niches"],
    responses={**ERRORS, **CSV_DOC, 404: {"model": ErrorOut}},
    summary="Lookalike creators by topic, audience and community profile, with the reasons",
)
def similar(request: Request, creator: LookalikeOf, n: LookalikeCount = 10, format: Fmt = "json") -> Any:
    """What ``tribescope similar PLATFORM:ID --n N`` prints (:func:`tribescope.niche.similar`): ``similarity`` =
    0.4 × ``topic`` + 0.3 × ``audience`` + 0.3 × ``profile`` (each 0–1), the ``reasons``, and each lookalike's
    ``handle``, ``followers``, ``community_score`` and ``label``. A creator not in the workspace is a 404."""
    return _similar(request, creator, n, format)


@router.get(
    "/similar.csv",
    tags=["niches"],
    responses={**ERRORS, **CSV_DOC, 404: {"model": ErrorOut}},
    response_class=Response,
    summary="similar as CSV",
)
def similar_csv(request: Request, creator: LookalikeOf, n: LookalikeCount = 10) -> Any:
    return _similar(request, creator, n, "csv")


Budget = Annotated[float, Query(gt=0, le=1e12, description="budget in the campaign currency")]
Brand = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="a stored brand profile, whose exclusions and own accounts the plan leaves out (optional: "
        "without one nobody is left out for a brand, and the plan's notes say so)",
    ),
]


def _plan(request: Request, brand: str | None, budget: float, platform: str | None, fmt: str) -> Any:
    with _store(request).view() as ws:
        if (unknown := _data.unknown_brand(ws, brand)) is not None:  # was a 200 "available: false"
            raise HTTPException(404, unknown)
        sec = _data.mark_scored(ws, _data.plan(ws, brand, budget, platform))
    out = _list_out(sec, "plan", fmt)
    if not isinstance(out, ListResponse) or not sec.ok:
        return out
    extra = sec.data.extra
    return PlanResponse(
        **out.model_dump(),
        brand=extra.get("brand"),
        summary=extra.get("summary") or {},
        notes=extra.get("notes") or [],
    )


@router.get(
    "/plan",
    response_model=PlanResponse,
    tags=["campaigns"],
    responses={**ERRORS, **CSV_DOC, 404: {"model": ErrorOut}},
    summary="Creators to book for a brand within a budget, with the rationale per pick",
)
def plan(
    request: Request, budget: Budget, brand: Brand = None, platform: Platform = None, format: Fmt = "json"
) -> Any:
    return _plan(request, brand, budget, platform, format)


@router.get(
    "/plan.csv",
    tags=["campaigns"],
    responses={**ERRORS, **CSV_DOC, 404: {"model": ErrorOut}},
    response_class=Response,
    summary="plan as CSV",
)
def plan_csv(request: Request, budget: Budget, brand: Brand = None, platform: Platform = None) -> Any:
    return _plan(request, brand, budget, platform, "csv")


# ---------------------------------------------------------------------------------------------- jobs


def _jobs(request: Request) -> Any:
    store = _store(request)
    if store.read_only or request.app.state.jobs is None:
        raise HTTPException(
            403,
            "the server is read-only; start it with `tribescope serve --write` to import "
            "or score from the dashboard",
        )
    return request.app.state.jobs


class _WriteRoute(APIRoute):
    """A route that writes to the workspace: a read-only server refuses it (403) before the request body is
    read or validated, so the answer does not depend on what was sent."""

    def get_route_handler(self) -> Any:
        handler = super().get_route_handler()

        async def refuse_when_read_only(request: Request) -> Response:
            _jobs(request)
            return await handler(request)

        return refuse_when_read_only


def _busy(exc: JobBusy) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=409)


def _link_creator(v: str | None) -> str | None:
    """A well-formed ``PLATFORM:ACCOUNT_ID`` (as ``import --link-creator`` takes it), or a validation error."""
    if v:
        from tribescope.ingest.reddit import link_creator_key

        link_creator_key(v)  # a ValueError saying what is expected
    return v or None


LinkCreator = Annotated[
    str | None,
    Form(
        max_length=320,
        description="PLATFORM:ACCOUNT_ID of the creator who owns the imported community space "
        "(as `import --link-creator`)",
    ),
    AfterValidator(_link_creator),
]
SpaceId = Annotated[
    str | None,
    Form(
        max_length=200,
        description="Patreon: the campaign id of a file that does not name it (as `import --space-id`)",
    ),
]


def _import_format(v: str | None) -> str | None:
    """A format ``tribescope formats`` lists (as ``import --format`` takes it), or a validation error; empty: detect."""
    if not v:
        return None
    from tribescope.ingest._run import check_format

    try:
        check_format(v)
    except TribescopeError as exc:
        raise ValueError(str(exc)) from None
    return v


def _import_table(v: str | None) -> str | None:
    """A table of imported data (as ``import --table`` takes it; not the bookkeeping ``imports`` / ``rejects``), or a
    validation error; empty: told from the columns."""
    if not v:
        return None
    from tribescope import schema

    if v not in schema.DATA_TABLES:
        raise ValueError(f"not a table of imported data: {v!r}; use one of {', '.join(schema.DATA_TABLES)}")
    return v


ImportFormat = Annotated[
    str | None,
    Form(
        max_length=64,
        description="a format of `tribescope formats` instead of detecting it (as `import --format`)",
    ),
    AfterValidator(_import_format),
]
ImportTable = Annotated[
    str | None,
    Form(
        max_length=64,
        description="the table of a generic CSV/Parquet file instead of telling it from the columns "
        "(as `import --table`)",
    ),
    AfterValidator(_import_table),
]
SkipBad = Annotated[
    bool,
    Form(
        description="quarantine bad records in the `rejects` table and import the good ones instead of failing "
        "(as `import --skip-bad`)"
    ),
]
Force = Annotated[
    bool, Form(description="re-read a file already imported with identical content (as `import --force`)")
]


def _post_write(path: str, **kw: Any) -> Callable[[Any], Any]:
    """``@router.post``, as a :class:`_WriteRoute`."""

    def add(endpoint: Any) -> Any:
        router.add_api_route(path, endpoint, methods=["POST"], route_class_override=_WriteRoute, **kw)
        return endpoint

    return add


@_post_write(
    "/jobs/import",
    response_model=JobOut,
    status_code=202,
    tags=["jobs"],
    responses={**ERRORS, 403: {"model": ErrorOut}, 409: {"model": ErrorOut}},
    summary="Import one uploaded export file (or ZIP archive of them) in the background",
)
def start_import(
    request: Request,
    file: Annotated[
        UploadFile,
        File(description="an export file, or a ZIP archive of them (imported as the folder it unzips to)"),
    ],
    link_creator: LinkCreator = None,
    space_id: SpaceId = None,
    format: ImportFormat = None,
    table: ImportTable = None,
    skip_bad: SkipBad = False,
    force: Force = False,
) -> Any:
    """The import of ``tribescope import`` (:func:`tribescope.ingest.import_paths`), with its options as form
    fields. The job's ``result`` counts what was written (``rejected``: bad records quarantined with ``skip_bad``);
    its ``notes`` say what to check, as ``tribescope import`` notes it (a ``link_creator`` that names no account of
    the workspace, columns not imported, records quarantined, a file already imported)."""
    jobs = _jobs(request)
    options = {
        k: v for k, v in {"link_creator": link_creator, "space_id": space_id, "table": table}.items() if v
    }

    def save(path: Any) -> int:
        n = 0
        with open(path, "wb") as out:
            while chunk := file.file.read(1 << 20):
                out.write(chunk)
                n += len(chunk)
        return n

    try:
        return jobs.start_import(
            file.filename or "upload", save, options, format=format, skip_bad=skip_bad, force=force
        ).public()
    except JobBusy as exc:
        return _busy(exc)


@_post_write(
    "/jobs/score",
    response_model=JobOut,
    status_code=202,
    tags=["jobs"],
    responses={**ERRORS, 403: {"model": ErrorOut}, 409: {"model": ErrorOut}},
    summary="Re-score every creator in the background",
)
def start_score(request: Request) -> Any:
    jobs = _jobs(request)
    try:
        return jobs.start_score().public()
    except JobBusy as exc:
        return _busy(exc)


@router.get("/jobs", response_model=list[JobOut], tags=["jobs"], responses=ERRORS, summary="Recent jobs")
def list_jobs(request: Request) -> Any:
    jobs = request.app.state.jobs
    return [j.public() for j in jobs.list()] if jobs else []


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    tags=["jobs"],
    responses={**ERRORS, 404: {"model": ErrorOut}},
    summary="Progress of one job",
)
def job(request: Request, job_id: Annotated[str, PathParam(max_length=64)]) -> Any:
    jobs = request.app.state.jobs
    j = jobs.get(job_id) if jobs else None
    if j is None:
        raise HTTPException(404, f"no job {job_id}")
    return j.public()
