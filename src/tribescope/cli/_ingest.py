"""`tribescope import`, `status`, `export`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from tribescope import schema
from tribescope.cli._app import SCORES_TABLE, PlainTable, app, console, err, fail, has_scores, state
from tribescope.errors import TribescopeError
from tribescope.ingest import FORMATS, import_paths
from tribescope.ingest._archive import import_size, is_zip
from tribescope.ingest._links import unknown_link_creator
from tribescope.ingest._notes import not_an_export_notes, report_notes, skip_note
from tribescope.ingest._run import (
    NOT_AN_EXPORT,
    SKIP_SUFFIXES,
    FileReport,
    check_format,
    check_options,
    drop_ahead,
    expand_paths,
    hash_ahead,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from tribescope.store import Workspace


@app.command("import")
def import_(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Export files, folders (walked recursively) or ZIP archives (imported as they unzip)."
        ),
    ],
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Force a format instead of detecting it.")
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Quarantine bad records in `rejects` instead of failing.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Re-read files already imported with identical content.")
    ] = False,
    platform: Annotated[
        str | None, typer.Option("--platform", help="Platform for generic CSV rows without one.")
    ] = None,
    table: Annotated[
        str | None, typer.Option("--table", help="Target table for a generic CSV/Parquet file.")
    ] = None,
    pseudonymize: Annotated[
        bool,
        typer.Option(
            "--pseudonymize", help="Replace ids and handles of non-creator accounts with keyed hashes."
        ),
    ] = False,
    key_file: Annotated[
        Path | None,
        typer.Option("--key-file", help="Pseudonym key (kept outside the workspace; created if absent)."),
    ] = None,
    link_creator: Annotated[
        str | None,
        typer.Option(
            "--link-creator", help="PLATFORM:ACCOUNT_ID of the creator who owns the imported community space."
        ),
    ] = None,
    space_id: Annotated[
        str | None,
        typer.Option(
            "--space-id",
            help="The community space of files that do not name it: Patreon's campaign id (the members CSV, "
            "comment pages); a Reddit dump's subreddit (changemyview or r/changemyview).",
        ),
    ] = None,
) -> None:
    """Import exports (YouTube, Instagram, TikTok, Reddit, Discord, Patreon, CSV/Parquet) into the workspace.

    The whole command is one transaction: if any record is bad, nothing is imported (unless --skip-bad).
    """
    run_import(
        paths,
        format=format,
        skip_bad=skip_bad,
        force=force,
        platform=platform,
        table=table,
        pseudonymize=pseudonymize,
        key_file=key_file,
        link_creator=link_creator,
        space_id=space_id,
    ).close()


def run_import(
    paths: list[Path],
    *,
    format: str | None = None,
    skip_bad: bool = False,
    force: bool = False,
    platform: str | None = None,
    table: str | None = None,
    pseudonymize: bool = False,
    key_file: Path | None = None,
    link_creator: str | None = None,
    space_id: str | None = None,
    reading: Callable[[], None] | None = None,
) -> Workspace:
    """``tribescope import PATHS`` (with its options) into the command's workspace, its report printed; the
    workspace is returned open (``tribescope score PATHS`` scores it in the same run). A failed import raises the
    command's exit, having closed the workspace. ``reading()`` is called once, with the import's first progress (its
    first file staged: every file is listed, hashed ahead and classified and the fast plans are running by then);
    ``score PATHS`` then loads the scoring modules."""
    options = {
        k: v
        for k, v in {
            "platform": platform,
            "table": table,
            "link_creator": link_creator,
            "space_id": space_id,
            "pseudonymize": pseudonymize,
            "key_file": str(key_file) if key_file else None,
        }.items()
        if v
    }
    files: list[Path] = []
    try:
        check_options(options)  # before any file is hashed ahead: --table, --link-creator, --key-file
        if format:  # and --format: refused mid-import, it left an empty progress bar under the error
            check_format(format)
        if platform is not None and platform.strip().lower() not in schema.PLATFORMS:
            # refused here, once: each row of a generic file would be refused for it, with "Fix the record" as advice
            raise TribescopeError(
                f"--platform {platform!r}: not a platform; use one of {', '.join(schema.PLATFORMS)}"
            )
        files = expand_paths(paths)
        zips = {p for p in files if is_zip(p)}
        # a ZIP archive counts its files as they unpack
        total = sum(import_size(p, SKIP_SUFFIXES) if p in zips else p.stat().st_size for p in files)
        # while the engine loads and the workspace opens (not a ZIP archive: its files are hashed once unpacked)
        hash_ahead([p for p in files if p not in zips])
        ws = state.open(create=True)
    except TribescopeError as exc:
        drop_ahead(files)  # no import will take them
        raise fail(exc) from None
    with Progress(
        TextColumn("[bold]importing[/] {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
        disable=total < (4 << 20),
    ) as bar:
        task = bar.add_task("", total=total)

        def progress(n: int, desc: str) -> None:
            nonlocal reading
            if reading is not None:
                start, reading = reading, None
                start()
            bar.update(task, advance=n, description=desc)

        try:
            report = import_paths(
                ws, files, format=format, skip_bad=skip_bad, force=force, options=options, progress=progress
            )
        except TribescopeError as exc:
            ws.close()
            raise fail(exc) from None
    t = PlainTable(title=f"imported into {ws.path}", show_edge=False)
    many = len(report.files) > 12
    for col in (
        "format" if many else "file",
        "files" if many else "format",
        "records",
        "rows written",
        "rejected",
        "note",
    ):
        t.add_column(col, justify="right" if col in ("files", "records", "rejected") else "left")
    if many:  # one line per format; the import log (`tribescope status`) keeps the per-file detail
        groups: dict[str, list[FileReport]] = {}
        for f in report.files:
            groups.setdefault(f.format, []).append(f)
        for name, fs in groups.items():
            rows_by: dict[str, int] = {}
            for f in fs:
                for k, v in f.rows.items():
                    rows_by[k] = rows_by.get(k, 0) + v
            rows = ", ".join(f"{k} {v:,}" for k, v in sorted(rows_by.items()) if v) or "-"
            repeated = sum(1 for f in fs if f.skipped and not f.skipped.startswith(NOT_AN_EXPORT))
            no_export = sum(1 for f in fs if f.skipped.startswith(NOT_AN_EXPORT))
            notes = [f"{repeated} already imported"] if repeated else []
            notes += [f"{no_export} not imported: no export"] if no_export else []
            t.add_row(
                name,
                str(len(fs)),
                f"{sum(f.records for f in fs):,}",
                rows,
                f"{sum(f.rejected for f in fs):,}",
                "; ".join(notes),
            )
    else:
        for f in report.files:
            rows = ", ".join(f"{k} {v:,}" for k, v in sorted(f.rows.items()) if v) or "-"
            t.add_row(
                Path(f.path).name, f.format, f"{f.records:,}", rows, f"{f.rejected:,}", skip_note(f.skipped)
            )
    console.print(t)
    # the table counts the files that are no export: which, and why (the import log has no line for them)
    said = (not_an_export_notes(report.files) if many else []) + report_notes(report)
    for n in said:
        console.print(f"[yellow]{escape(n.text)}[/]" if n.warning else escape(n.text), highlight=False)
    if link_creator:
        note = unknown_link_creator(ws, link_creator)
        if note:
            console.print(f"[yellow]{escape(note)}[/]", highlight=False)
    return ws


#: imports the import log of ``tribescope status`` lists (the latest)
_LOG_ROWS = 30
#: the rejects `status --rejects` lists: the latest (the table holds them all)
_REJECT_ROWS = 200


def _rows_text(rows: Any) -> str:
    """The rows an import wrote, as ``tribescope import`` prints them ("accounts 1,678, comments 5,422"), not as the
    import log stores them (``{"accounts": 1678, "comments": 5422}``)."""
    try:
        got = json.loads(rows) if isinstance(rows, str) else rows
    except ValueError:
        return str(rows)
    if not isinstance(got, dict):
        return "-" if got is None else str(got)
    return (
        ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in sorted(got.items()) if v)
        or "-"
    )


def _scores_line(ws: Any) -> str:
    """Whether ``tribescope score`` has scored the workspace, and how many creators with which spec: the table above
    lists the imported data only, and the report's summary counts the scores too."""
    if not has_scores(ws):
        if ws.backend != "duckdb":
            return f"creator scores: none in this export. {ws.scoring_hint()}"
        return "creator scores: none yet; `tribescope score` scores every creator"
    # the read layer the dashboard and the report share
    from tribescope.web._data import score_changes, stored_specs

    n = ws.table(SCORES_TABLE).count().to_pyarrow().as_py()
    # version and hash, as the report and `tribescope score` say it: an edited copy whose version was not bumped
    specs = stored_specs(ws)
    spec = f" (spec {'; '.join(specs)})" if specs else ""
    line = f"creator scores: {n:,} creator{'' if n == 1 else 's'} scored{spec}"

    changes = score_changes(ws).text()  # an import since the score: the scores above are not the data's
    return f"{line}; since then {changes} — run `tribescope score`" if changes else line


@app.command()
def status(
    rejects: Annotated[
        bool, typer.Option("--rejects", help="List quarantined records with their reasons.")
    ] = False,
) -> None:
    """Counts per table and platform, and the import log."""
    try:
        ws = state.open(read_only=True)
    except TribescopeError as exc:
        raise fail(exc) from None
    by_platform = ws.counts_by_platform()
    counts = ws.counts()
    t = PlainTable(title=f"workspace {ws.path} ({ws.backend})", show_edge=False)
    t.add_column("table")
    t.add_column("rows", justify="right")
    t.add_column("by platform")
    for name, n in counts.items():
        plat = ", ".join(f"{p} {c:,}" for p, c in by_platform.get(name, {}).items())
        t.add_row(name, f"{n:,}", plat)
    console.print(t)
    console.print(_scores_line(ws), highlight=False)
    if ws.has_table("imports"):
        log = ws.table("imports").order_by("started_at").to_pyarrow().to_pylist()
        shown = log[-_LOG_ROWS:]
        title = (
            "import log"
            if len(shown) == len(log)
            else f"import log (the last {len(shown):,} of {len(log):,})"
        )
        lt = PlainTable(title=title, show_edge=False)
        for col in ("import", "file", "format", "records", "rows written", "rejected", "status"):
            lt.add_column(col, justify="right" if col in ("records", "rejected") else "left")
        for r in shown:
            lt.add_row(
                r["import_id"],
                Path(r["path"] or "").name,
                r["format"],
                f"{r['records'] or 0:,}",
                _rows_text(r["rows"]),
                f"{r['rejected'] or 0:,}",
                r["status"],
            )
        console.print(lt)
    if rejects and ws.has_table("rejects"):
        shown, total = _latest_rejects(ws)
        title = "rejects" if len(shown) == total else f"rejects (the last {len(shown):,} of {total:,})"
        rt = PlainTable(title=title, show_edge=False)
        for col in ("import", "file", "where", "field", "reason"):
            rt.add_column(col)
        for r in shown:
            rt.add_row(
                r["import_id"], Path(r["path"] or "").name, r["location"], r["field"] or "", r["reason"]
            )
        console.print(rt)
    ws.close()


def _latest_rejects(ws: Any) -> tuple[list[dict[str, Any]], int]:
    """The last :data:`_REJECT_ROWS` rejects in import order (the imports' start; within a file, by the line or
    record number its location starts with), and how many there are. The list was the table's first 200 rows in no
    order, so the records an import had just pointed to (`see tribescope status --rejects`) could be left out."""
    rj = ws.table("rejects")
    total = int(rj.count().to_pyarrow().as_py())
    if ws.has_table("imports"):
        rj = rj.left_join(ws.table("imports").select("import_id", "started_at"), "import_id")
        first = [rj.started_at]
    else:
        first = []
    number = rj.location.re_extract(r"(\d+)", 1).nullif("").cast("int64")
    keys = [*first, rj.import_id, rj.path, number, rj.location]
    last = rj.order_by([k.desc() for k in keys]).limit(_REJECT_ROWS)
    return last.to_pyarrow().to_pylist()[::-1], total


@app.command()
def formats() -> None:
    """List the import formats tribescope detects."""
    t = PlainTable(
        show_edge=False,
        caption="Any of them may be gzip-, xz- or zstd-compressed, or in a ZIP archive (imported as the folder it "
        "unzips to).",
    )
    t.add_column("format")
    t.add_column("platform")
    t.add_column("what it reads")
    for f in FORMATS.values():
        t.add_row(f.name, f.platform, f.description)
    console.print(t)


@app.command()
def export(
    parquet: Annotated[
        Path, typer.Option("--parquet", help="Directory to write one Parquet folder per table.")
    ],
) -> None:
    """Write the workspace as Parquet (for `--backend pyspark` or other tools)."""
    try:
        ws = state.open(read_only=True)
        out = ws.export_parquet(parquet)
    except TribescopeError as exc:
        raise fail(exc) from None
    console.print(f"wrote {sum(1 for d in out.iterdir() if d.is_dir())} tables to {out}")
    ws.close()
