"""The import driver: detect, stream, validate, stage, merge — all in one transaction."""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import functools
import json
import os
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from tribescope import schema
from tribescope._gc import fewer_collections
from tribescope.errors import FieldError, ImportFailed, SourceError, TribescopeError
from tribescope.ingest._archive import HTML_HINT, IGNORE_MARKER, PAGE_SUFFIXES, SYSTEM_NAMES, Archives
from tribescope.ingest._base import (
    FAST_MIN_BYTES,
    Context,
    Format,
    RowBuffer,
    columns_to_arrow,
    raw_text,
    sql_string,
)
from tribescope.ingest._readers import UTF16_BOMS, Probe, Source, file_sha256
from tribescope.store import Workspace
from tribescope.store._privacy import anything_forgotten, count_forgotten, forgotten_where, scrub_new_log
from tribescope.store._upsert import Stager

if TYPE_CHECKING:
    from tribescope.ingest._fast import Mapped

__all__ = ["FORMATS", "FileReport", "ImportReport", "detect_format", "hash_ahead", "import_paths", "register"]

#: Registered formats by name, in detection order (most specific first).
FORMATS: dict[str, Format] = {}

#: the locations of a detection error (:func:`detect_format`): the file is not an export; ``--skip-bad`` skips it
_NOT_AN_EXPORT = ("file", "start of file")
#: how :attr:`FileReport.skipped` starts for a file that is no export (empty, format not recognised), not read
NOT_AN_EXPORT = "not imported: "
#: the generic CSV/TSV/Parquet format's name (:class:`~tribescope.ingest.tabular.Tabular`)
_TABULAR = "csv"
#: files a folder's walk skips: documentation, logs, workspaces, and pictures no format reads (a .gif or .svg logo, a
#: .pdf beside the exports stopped the import as "format not recognised" without --skip-bad). Pictures and videos that
#: a format recognises beside its exports (instaloader's .webp/.mp4, an Instagram archive's media) are not skipped here.
#: A file named on the command line is read anyway.
SKIP_SUFFIXES = {
    ".md",
    ".txt~",
    ".log",
    ".html",
    ".htm",
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".ico",
    ".bmp",
    ".tif",
    ".tiff",
    ".duckdb",
    ".wal",
}
BATCH_ROWS = 50_000
#: files are staged together and merged in one go until this many rows are staged (see Stager). A group's merge runs
#: while the next files are read ahead and planned, so smaller groups leave a smaller merge for the end: 2M → 500k took
#: synth m from one 4.5 s merge after the last file (plus the commit) to three, the last 0.3 s, and the import
#: 15.1 → 13.2 s in-process (three pairs); scale l 2:48 → 2:35, 296 → 273 CPU-s; every table identical
GROUP_ROWS = int(os.environ.get("TRIBESCOPE_GROUP_ROWS", "500000"))
#: a group due (:data:`GROUP_ROWS`) between two files of one folder stays open until it holds this many times as many
#: staged rows (see :func:`_group_ends`)
GROUP_FOLDER_FACTOR = 4
#: tables whose exact duplicate rows within one file are staged once (the commenter / author stubs, one per
#: comment or message): the stager drops them (``Stager(dedup=…)``), and :func:`_read_file` already skips the
#: duplicates it remembers (at most :data:`DEDUP_MEMORY` distinct rows a table and file)
DEDUP_TABLES = ("accounts",)
DEDUP_MEMORY = 100_000
#: DuckDB memory limit of the workspace connection while importing (staging spills to disk beyond it)
IMPORT_MEMORY = os.environ.get("TRIBESCOPE_IMPORT_MEMORY", "2GB")


def register(fmt: Format) -> Format:
    FORMATS[fmt.name] = fmt
    return fmt


@dataclass
class FileReport:
    path: str
    format: str
    import_id: str = ""
    records: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    skipped: str = ""  # reason when the file was not read (e.g. already imported)
    seconds: float = 0.0
    #: columns of the file that no canonical column takes (a generic CSV/Parquet's extra or duplicate columns): their
    #: values are not imported
    ignored_columns: list[str] = field(default_factory=list)
    #: rows and quarantined records of accounts that ``tribescope forget`` erased, dropped (not in ``rows``)
    forgotten: int = 0


#: the import options a file's format reads (:attr:`Format.options <tribescope.ingest._base.Format.options>`), as the
#: CLI names them
FILE_OPTIONS = {
    "platform": "--platform",
    "table": "--table",
    "link_creator": "--link-creator",
    "space_id": "--space-id",
}


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    #: the file options given (:data:`FILE_OPTIONS` keys) that no file of the import is read by a format that reads
    #: them (``--table`` on a YouTube export): each with the formats that do read it
    unused_options: dict[str, list[str]] = field(default_factory=dict)

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def forgotten(self) -> int:
        """Rows (and quarantined records) of forgotten accounts the files held, dropped."""
        return sum(f.forgotten for f in self.files)

    def rows(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.files:
            for k, v in f.rows.items():
                out[k] = out.get(k, 0) + v
        return out


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files to import: given files as they are; folders walked recursively in name order,
    skipping hidden entries, an operating system's files (:data:`~tribescope.ingest._archive.SYSTEM_NAMES`:
    ``Thumbs.db``, ``desktop.ini``, ``__MACOSX/``), documentation files, pictures no format reads
    (:data:`SKIP_SUFFIXES`), and folders marked with ``.tribescopeignore``."""
    out: list[Path] = []
    for p in map(Path, paths):
        if not p.exists():
            raise TribescopeError(f"{p}: no such file or directory")
        if p.is_file():
            out.append(p)
            continue
        before = len(out)
        pages = 0  # HTML files skipped: a platform's download requested as HTML
        for root, dirs, files in os.walk(p):
            if IGNORE_MARKER in files:
                dirs[:] = []
                continue
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d.lower() not in SYSTEM_NAMES)
            for name in sorted(files):
                f = Path(root) / name
                if (
                    name.startswith(".")
                    or name.lower() in SYSTEM_NAMES
                    or f.suffix.lower() in SKIP_SUFFIXES
                    or name.lower().startswith("readme")
                ):
                    pages += f.suffix.lower() in PAGE_SUFFIXES
                    continue
                out.append(f)
        if len(out) == before:
            raise TribescopeError(
                f"{p}: no files to import in this folder (hidden files, README and documentation files, images and "
                "folders marked with .tribescopeignore are skipped)"
                + (HTML_HINT.format(pages) if pages else "")
            )
    return out


def detect_format(src: Source, forced: str | None = None, options: dict[str, Any] | None = None) -> Format:
    """The format of ``src``: ``forced`` (a format's name), else the first whose sniffer recognises the content.

    A file no sniffer recognises goes to the generic CSV importer when the import names a table (``options["table"]``,
    ``--table``) and the file starts with a delimited header (two columns or more), whatever its name (``export.txt``,
    no suffix): the user has said what the rows are, as a ``.csv`` name does (see :meth:`Tabular.sniff
    <tribescope.ingest.tabular.Tabular.sniff>`). Raises :class:`ImportFailed` for a file that is empty or no export.
    """
    if forced:
        return check_format(forced)
    probe = Probe.of(src)
    for fmt in FORMATS.values():
        try:
            if fmt.sniff(probe):
                return fmt
        except Exception:  # a sniffer must never break detection of the others
            continue
    tabular = FORMATS.get(_TABULAR)
    if tabular is not None and options and options.get("table") and len(probe.csv_header) >= 2:
        return tabular
    if not probe.head.strip():
        raise ImportFailed(src.shown, "file", None, "the file is empty", ImportFailed.FILE_HINT)
    raise ImportFailed(
        src.shown,
        "start of file",
        None,
        "format not recognised. Expected one of: "
        + "; ".join(f"{f.name} ({f.description})" for f in FORMATS.values())
        + ".",
        ImportFailed.FILE_HINT,
    )


def _raw_text(raw: Any) -> str:
    return raw.raw[:2000] if isinstance(raw, SourceError) else raw_text(raw)


ProgressFn = Callable[[int, str], None]


def import_paths(
    ws: Workspace,
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    format: str | None = None,
    skip_bad: bool = False,
    force: bool = False,
    options: dict[str, Any] | None = None,
    progress: ProgressFn | None = None,
) -> ImportReport:
    """Import files into ``ws`` in a single transaction.

    Parameters
    ----------
    paths
        Files or folders (walked recursively); one path alone is taken as a list of it.
    format
        Force a format by name instead of detecting it from the content.
    skip_bad
        Quarantine bad records in ``rejects`` (with location and reason) instead of failing.
    force
        Re-read files whose identical content was already imported (the data would not change).
    options
        Format options (e.g. ``{"platform": "instagram"}`` for a generic CSV, ``{"link_creator": …}``);
        ``{"pseudonymize": True, "key_file": PATH}`` replaces ids and handles of non-creator accounts with
        keyed pseudonyms (see :func:`tribescope.store._privacy.pseudonymize_workspace`).
    progress
        Called as ``progress(bytes_advanced, description)``.

    Raises
    ------
    ImportFailed
        On the first bad record when ``skip_bad`` is false; nothing is written. Also when a file cannot be read
        (it disappeared, or is not readable, while the import ran).
    """
    from tribescope.store._workspace import require_writable

    require_writable(ws, "import_paths", "the imported records", duckdb_only=True)
    if isinstance(paths, str | os.PathLike):  # not its characters, one by one
        paths = [paths]
    options = dict(options or {})
    check_options(options)
    given = expand_paths(paths)
    files = given
    # ZIP archives are imported as the folders they unzip to, named as the archive's files (:mod:`._archive`)
    with Archives(SKIP_SUFFIXES) as archives:
        try:
            files = archives.expand(given, expand_paths, progress, skip_bad=skip_bad)
            return _import_files(ws, files, format, skip_bad, force, options, progress, archives)
        except OSError as exc:  # the transaction is rolled back: say which file, as for a bad record
            if exc.filename is None or str(exc.filename) not in {str(f) for f in files}:
                raise
            raise ImportFailed(
                archives.shown(str(exc.filename)),
                "file",
                None,
                f"the file could not be read ({exc.strerror or exc})",
                "Check that it exists and is readable (it may have been moved or deleted during the import), then "
                "run the import again.",
            ) from exc
        finally:
            # hashes started ahead that the import did not take (it failed before it got to them)
            drop_ahead(given)


def check_format(name: str) -> Format:
    """The format named ``name`` (``import --format``, as ``tribescope formats`` lists them), or a
    :class:`TribescopeError` naming the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise TribescopeError(
            f"unknown format {name!r}; known formats: {', '.join(sorted(FORMATS))}"
        ) from None


def check_options(options: Mapping[str, Any]) -> None:
    """Refuse, before any file is read, import options that no import may take as given: a target table no file can
    be imported into (:func:`check_table`), a malformed creator to link community spaces to (``link_creator``,
    ``--link-creator``), and a pseudonym key (``key_file``, ``--key-file``) without
    ``pseudonymize``, which was ignored — an import meant to store keyed hashes stored the real ids and handles."""
    check_table(options.get("table"))
    if options.get("link_creator"):
        # only a file that links a community space (Discord, Reddit, Patreon) reads it: an import of other files
        # committed, then failed on a malformed one in its closing note
        from tribescope.ingest.reddit import link_creator_option

        link_creator_option(options["link_creator"], "the import's options")
    if options.get("key_file") and not options.get("pseudonymize"):
        raise TribescopeError(
            f"--key-file {options['key_file']}: the key of --pseudonymize, which this import does not ask for; add "
            "--pseudonymize to replace the ids and handles of non-creator accounts with keyed hashes, or drop "
            "--key-file"
        )


def check_table(table: Any) -> None:
    """Refuse a target table (``options["table"]``, ``--table``) that no file can be imported into, before any file
    is read: only the five data tables take imported rows; ``imports`` and ``rejects`` are the import's own log,
    written by tribescope (a file read into them was refused row by row, its columns said to be "not a column of
    table imports")."""
    if table is None or table in schema.DATA_TABLES:
        return
    what = (
        "is tribescope's own record of imports and quarantined records, not a table to import into"
        if table in schema.TABLES
        else "is not a table"
    )
    raise TribescopeError(
        f"--table {table!r} {what}: rows can be imported into one of {', '.join(schema.DATA_TABLES)} "
        "(docs/importing-csv.md)"
    )


def _import_files(
    ws: Workspace,
    files: list[Path],
    format: str | None,
    skip_bad: bool,
    force: bool,
    options: dict[str, Any],
    progress: ProgressFn | None,
    archives: Archives | None = None,
) -> ImportReport:
    """:func:`import_paths` of the expanded ``files``, in one transaction. ``archives``: the ZIP archives some of
    ``files`` were unpacked from; the report and the import log name those files inside their archive
    (:attr:`Source.shown <tribescope.ingest._readers.Source.shown>`)."""
    report = ImportReport()
    for shown, why in archives.skipped if archives is not None else ():  # refused archives, with --skip-bad
        report.files.append(FileReport(shown, "-", skipped=NOT_AN_EXPORT + why))
    now = dt.datetime.now(dt.UTC)
    seq0 = _next_import_seq(ws)
    opt_json = json.dumps({k: options[k] for k in sorted(options)} | {"format": format, "skip_bad": skip_bad})
    first = _empty(ws)
    # With accounts on the erasure list (``tribescope forget``), a file that brings rows of them (:class:`_Forgotten`)
    # is merged at once, not with the files after it, and the rows of them it wrote (new or changed, as its figures
    # count them) are counted then; they are dropped at the end (:func:`_drop_forgotten`). Counted only at the end, a
    # row two files of a merge group wrote was taken off the last one's figures alone: accounts.csv said "accounts 1"
    # written for a row the import then dropped. Under pseudonyms the rows are matched once the pseudonyms replace
    # the names (their files are not told apart).
    forgetting = not options.get("pseudonymize") and anything_forgotten(ws)
    with (
        fewer_collections(),
        ws.memory_limit(IMPORT_MEMORY),
        ws.commit_vacuum() as skip_vacuum,
        ws.transaction(),
        ws.checkpoints_put_off(),  # inside the transaction: back before its commit, which checkpoints as before
    ):
        # the net effect of the whole import (rows it changed and set back keep their stored import id) concerns rows
        # stored before it: a first import has none, and keeping their originals scanned the tables it had just filled
        # (synth m: ~0.35 s on the import's thread, most of it after the last plan)
        stager = Stager(
            ws.duck,
            "",
            dedup=DEDUP_TABLES,
            net=not first,
            # under pseudonyms: the accounts each file wrote, for its figures once they are moved to their pseudonyms
            track=("accounts",) if options.get("pseudonymize") else (),
        )
        staged: dict[str, FileReport] = {}
        merged: dict[str, FileReport] = {}  # every file merged so far, by import id
        #: whether the file being staged brings rows of forgotten accounts (None: no account is forgotten)
        forgotten = _Forgotten(ws) if forgetting else None
        #: rows of forgotten accounts the files of a group with such a file wrote, by table, counted after its merge
        written_forgotten: dict[str, dict[str, int]] = {}

        # (sha256, format, options) → the first import of that content: the stored imports, then this
        # command's files. Their ``imports`` rows are written at the end, with the rows each file wrote,
        # in one statement — not three per file (a lookup, an insert, an update: ~1900 at synth m).
        known: dict[tuple[str, str], str] = {}
        stored_sizes: set[int | None] = set()
        for imp, sha_, fmt_, size_ in ws.duck.execute(
            # a literal, not a ``?`` parameter: DuckDB's client imports pandas (~0.5 s) on the first parameter, and
            # here nothing else has started yet; the readers' first Arrow conversion imports it off this thread
            "SELECT import_id, sha256, format, bytes FROM imports WHERE options = " + sql_string(opt_json)
        ).fetchall():
            known.setdefault((sha_, fmt_), imp)
            stored_sizes.add(size_)
        pending: list[tuple[FileReport, list[Any]]] = []

        def flush() -> None:
            if staged:
                stager.merge()
                for imp, written in stager.written.items():
                    staged[imp].rows = written
                if forgotten is not None and forgotten.found:
                    # each file of the group: its rows of forgotten accounts (none but the last file's, as a rule)
                    counted = count_forgotten(ws, list(staged))
                    for imp in staged:
                        written_forgotten[imp] = counted.get(imp, {})
                    forgotten.found = False
                merged.update(staged)
                staged.clear()

        def finish() -> None:
            """After the last merge: rows the import as a whole left as they were keep their provenance (a key two
            files describe differently is changed by one and set back by the other: neither wrote it), then the
            ``imports`` rows, with the rows each file wrote."""
            for imp, undone in stager.finish().items():
                rows = merged[imp].rows
                for table, n in undone.items():
                    rows[table] -= n
            if pending:
                _write_imports(ws, pending)
                pending.clear()

        # What each file is and whether it is read, decided up front, so the engine can map the next fast-path
        # file on a background thread while earlier files are read (:class:`~tribescope.ingest._fast.Prefetcher`).
        # A file's detection error is raised when its turn comes, as if files were looked at one by one.
        # Identical content has the same size, so a file's hash is waited for here only when a stored import (of
        # these options) or another file of this command has its size; the others are planned at once while their
        # hashes finish on the hashing threads (the hash is needed again only for the file's ``imports`` row).
        hashes = _sha256_futures(files)
        size_of = [f.stat().st_size for f in files]
        sizes = collections.Counter(size_of)
        Plan = tuple[Source, str | None, Format | TribescopeError, str | None, str | None]
        fast: dict[int, tuple[Any, str]] = {}

        ours: set[str] = set()  # this command's import ids
        reread: dict[str, str] = {}  # import id → sha256 of the forced re-reads that quarantined records

        def plan_file(i: int, path: Path) -> Plan:
            src = Source(path, None if archives is None else archives.files.get(str(path)))
            # ``force`` re-reads content imported by earlier commands, never a file identical to an earlier file of
            # this command: a second read of it would put its values back over the files between them (a forced
            # re-import would then differ from the import it repeats)
            may_repeat = sizes[src.size] > 1 or (
                not force and (None in stored_sizes or src.size in stored_sizes)
            )
            sha = hashes[i].result() if may_repeat else None
            try:
                found = detect_format(src, format, options)
            except TribescopeError as exc:  # ImportFailed included
                return (src, sha, exc, None, None)
            if found.side_files:  # nothing to read, no import id, no ``imports`` row (see Format.side_files)
                return (src, sha, found, None, None)
            key = (sha, found.name) if sha is not None else None
            prev = known.get(key) if key is not None else None
            if prev and (not force or prev in ours):
                return (src, sha, found, prev, None)
            new_id = f"{now:%Y%m%dT%H%M%S}-{seq0 + i:05d}"
            ours.add(new_id)
            if key is not None and (force or key not in known):
                known[key] = new_id
            fp = _fast_plan(src, found, Context(str(path), new_id, now, options=options), options)
            if fp is not None:
                fast[i] = (fp, new_id)
            return (src, sha, found, None, new_id)

        # The files large enough for a fast plan (FAST_MIN_BYTES) are planned first and their plans started, then
        # the others (at synth m, detecting 444 small Discord files took ~0.4 s before the first plan could start).
        # Identical content has the same size, so it is planned in the same pass, in file order, as before.
        from tribescope.ingest._fast import Prefetcher

        big = [i for i, size in enumerate(size_of) if size >= FAST_MIN_BYTES]
        planned: dict[int, Plan] = {i: plan_file(i, files[i]) for i in big}
        prefetch = Prefetcher(ws.duck, fast, size_of)
        ahead: ReadAhead | None = None
        try:
            for i, path in enumerate(files):
                if i not in planned:
                    planned[i] = plan_file(i, path)
                    if i in fast:  # a smaller file's plan (no format offers one today)
                        prefetch.add(i, *fast[i])
            plan = [planned[i] for i in range(len(files))]
            ahead = ReadAhead(
                {
                    i: functools.partial(_read_file, src, fmt, import_id, skip_bad, options)
                    for i, (src, _, fmt, _, import_id) in enumerate(plan)
                    if import_id is not None and isinstance(fmt, Format) and i not in fast
                }
            )
            for i, (src, sha, fmt, prev, import_id) in enumerate(plan):
                if not isinstance(fmt, Format):
                    if skip_bad and isinstance(fmt, ImportFailed) and fmt.location in _NOT_AN_EXPORT:
                        # a file that is no export at all (empty, not recognised) is skipped like a bad record
                        report.files.append(FileReport(src.shown, "-", skipped=NOT_AN_EXPORT + fmt.message))
                        if progress:
                            progress(src.size, src.path.name)
                        continue
                    raise fmt
                fr = FileReport(src.shown, fmt.name)
                report.files.append(fr)
                if fmt.side_files:
                    if progress:
                        progress(src.size, src.path.name)
                    continue
                if import_id is None:
                    fr.skipped = f"identical content already imported (import {prev})"
                    fr.import_id = prev or ""  # set whenever import_id is None
                    if progress:
                        progress(src.size, src.path.name)
                    continue
                fr.import_id = import_id
                started = dt.datetime.now(dt.UTC)
                stager.next_file(import_id)
                staged[import_id] = fr
                # while a fast plan or the reader is behind, the rows gathered in Arrow go to the stage
                fast_rows = prefetch.take(i, idle=stager.write_pending) if i in prefetch else None
                if fast_rows is not None:
                    _stage_fast(stager, src, fr, fast_rows, progress, forgotten)
                else:  # read ahead, or now (a fast plan that did not apply)
                    items = (
                        ahead.items(i, idle=stager.write_pending)
                        if i in ahead
                        else _read_file(src, fmt, import_id, skip_bad, options)
                    )
                    _stage(ws, stager, src, fr, items, progress, forgotten)
                    if fr.rejected and force:
                        reread[import_id] = sha if sha is not None else hashes[i].result()
                finished = dt.datetime.now(dt.UTC)
                fr.seconds = (finished - started).total_seconds()
                pending.append(
                    (
                        fr,
                        [
                            import_id,
                            src.shown,
                            fmt.name,
                            sha if sha is not None else hashes[i].result(),
                            src.size,
                            started,
                            finished,
                            fr.records,
                            None,  # rows: set when the file's rows are merged
                            None,  # rejected and status: set when the rows are written (see drop_forgotten)
                            None,
                            opt_json,
                        ],
                    )
                )
                if (forgotten is not None and forgotten.found) or _group_ends(
                    stager, files[i], files[i + 1] if i + 1 < len(files) else None
                ):
                    flush()
            flush()
        finally:
            if ahead is not None:
                ahead.close()
            prefetch.close()
            stager.release()  # the fast plans' databases staged in place (a failed import: none left attached)
        if options.get("pseudonymize"):
            from tribescope.store._privacy import load_key, pseudonymize_workspace

            pseudonymize_workspace(
                ws,
                load_key(options.get("key_file")),
                {imp: fr.rows for imp, fr in merged.items()},
                stager.wrote_table("accounts"),
            )
            stager.drop_tracking()
        # what a record needs from other rows to be stored at all (a YouTube reply's video, its parent comment's),
        # before the rows of forgotten accounts go: a reply by another to a forgotten account's comment stays
        refused = _after_merge(ws, merged, skip_bad, hook="place")
        # after the pseudonyms (a forgotten pseudonymised account is known by its pseudonym)
        _drop_forgotten(ws, merged, written_forgotten)
        # after the rows of forgotten accounts are gone: what a format derives from the merged rows comes from rows
        # that stay
        refused |= _after_merge(ws, merged, skip_bad)
        if force:  # records a format's after_merge refused count as the reading's
            sha_of = {v[0]: v[3] for _, v in pending}
            for imp in refused:
                reread.setdefault(imp, sha_of[imp])
        for import_id, sha in reread.items():  # after the pseudonyms: the records are compared as stored
            _keep_first_rejects(ws, import_id, sha)
        # after the pseudonyms: a stored comment re-imported under its real author is the same row once they are back
        finish()
        # a file named after a forgotten account names it nowhere in the log (as `forget` left the log)
        if forgetting:
            scrub_new_log(ws, sorted(merged))
        if first and not stager.deleted and not options.get("pseudonymize"):
            # A first import deletes nothing, so the commit's checkpoint would only merge partial row groups: one per
            # table and merge group, which it rewrites on one thread (at synth m all 443,870 accounts and the last
            # comments: 1.47 → 0.76 s without). Later imports compact as before, so the partial ones stay few.
            skip_vacuum()
    report.unused_options = unused_options(options, report.files)
    return report


def unused_options(options: Mapping[str, Any], files: Iterable[FileReport]) -> dict[str, list[str]]:
    """The file options (:data:`FILE_OPTIONS`) given in ``options`` that no format of ``files`` reads (a file skipped
    as already imported counts by its format: the option would have applied to it), each with the names of the
    formats that read it."""
    seen = {f.format for f in files}
    out: dict[str, list[str]] = {}
    for key in FILE_OPTIONS:
        if options.get(key) and not any(key in FORMATS[n].options for n in seen if n in FORMATS):
            out[key] = sorted(n for n, fmt in FORMATS.items() if key in fmt.options)
    return out


def _group_ends(stager: Stager, here: Path, after: Path | None) -> bool:
    """Whether the merge group ends after the file ``here`` (``after``: the next file, None after the last).

    A group ends once it holds :data:`GROUP_ROWS` staged rows, but not between two files of one folder while it holds
    fewer than :data:`GROUP_FOLDER_FACTOR` times as many (a fast plan's rows, read in place from the plan's database
    at the merge, count as staged rows: :meth:`Stager.holds_parts`). The files of one export describe the same
    accounts and comments — TikTok's ``users.jsonl`` profiles the authors its ``comments.jsonl`` stubs, an Instagram
    export's ``media.jsonl`` names owners whose profiles its ``accounts.csv`` holds — and merged in two groups, the
    second replaces rows the first stored. DuckDB's commit keeps the row groups a transaction wrote for a table only
    when it deleted none of the rows it inserted there; else it appends every new row of that table again (synth l:
    all ~4.6M new accounts for the 52k TikTok stubs the profiles replaced, the commit 8.3–9.4 s against 1.7–2.0 s with
    one group per folder; docs/perf-rounds.md, forty-fourth and fifty-third rounds). Until the fifty-third round a
    group holding a fast plan's rows ended when due, and TikTok's comments, mapped by a plan since the fiftieth,
    brought the replaced stubs back: synth l's import 9–17 s longer."""
    if stager.staged_rows < GROUP_ROWS:
        return False
    same_folder = after is not None and after.parent == here.parent
    return not (same_folder and stager.staged_rows < GROUP_FOLDER_FACTOR * GROUP_ROWS)


def _drop_forgotten(
    ws: Workspace, merged: dict[str, FileReport], written: dict[str, dict[str, int]] | None = None
) -> None:
    """Drop what the files wrote for accounts ``tribescope forget`` erased (:func:`~tribescope.store._privacy.
    drop_forgotten`), and take it off each file's figures: a file in ``written`` by the data rows of them it wrote,
    counted after its group's merge (a row two files wrote comes off both); any other by the rows dropped that carry
    its import id (it was the last to write them). Quarantined records always by their file's import id."""
    from tribescope.store._privacy import drop_forgotten

    gone_by_file = drop_forgotten(ws, {imp: fr.format for imp, fr in merged.items()})
    if written:
        gone_by_file = {
            imp: (
                {t: n for t, n in gone_by_file.get(imp, {}).items() if t == "rejects"} | written[imp]
                if imp in written
                else gone_by_file[imp]
            )
            for imp in sorted(gone_by_file.keys() | written.keys())
        }
    for imp, gone in gone_by_file.items():
        fr = merged[imp]
        for table, n in gone.items():
            if table == "rejects":
                fr.rejected -= n
            else:
                fr.rows[table] -= n
            fr.forgotten += n


def _after_merge(
    ws: Workspace, merged: dict[str, FileReport], skip_bad: bool = False, hook: str = "after_merge"
) -> set[str]:
    """Each format's optional ``after_merge(ws, import_ids, paths=…, skip_bad=…)`` (like ``finish``, not part of
    :class:`Format`), called once per format with the import ids of its files this import merged (``paths``: each
    one's file as the report names it), inside the import's transaction: what a format derives in the engine from the
    rows of several files and imports (:meth:`Reddit.after_merge <tribescope.ingest.reddit.Reddit.after_merge>`:
    comments take their submission's title), after the rows of forgotten accounts are dropped. ``hook="place"``:
    the formats' ``place`` (same arguments), before they are: what a record needs to be stored at all
    (:meth:`YouTubeAPI.place <tribescope.ingest.youtube.YouTubeAPI.place>`: a reply takes its parent's video). It
    returns the rows it
    changed per file (import id) and table, added to the files' figures; under ``"rejects"`` the records it refused
    (with ``skip_bad``: their rows removed, quarantined in ``rejects``; without, it raises :class:`ImportFailed`).
    Returns the import ids of the files with records refused so. An import of no such format costs nothing."""
    by_format: dict[str, list[str]] = {}
    for imp, fr in merged.items():
        by_format.setdefault(fr.format, []).append(imp)
    refused: set[str] = set()
    for name, ids in by_format.items():
        fn = getattr(FORMATS.get(name), hook, None)
        if fn is None:
            continue
        for imp, tables in fn(ws, ids, paths={i: merged[i].path for i in ids}, skip_bad=skip_bad).items():
            fr = merged[imp]
            for table, n in tables.items():
                if table == "rejects":
                    fr.rejected += n
                    refused.add(imp)
                else:
                    fr.rows[table] = fr.rows.get(table, 0) + n
    return refused


class _Forgotten:
    """Whether the file being staged brings rows of accounts on the erasure list (:attr:`found`), told in the engine
    from its staged rows (Arrow batches, or a fast plan's tables) as ``drop_forgotten`` matches them. Used only when
    an account is forgotten; each table's condition built once."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.found = False
        self._where: dict[str, str] = {}

    def _sql(self, table: str, source: str) -> str:
        if table not in self._where:
            self._where[table] = forgotten_where(self.ws, table)
        return f'SELECT count(*) FROM {source} AS "{table}" WHERE {self._where[table]}'

    def rows(self, table: str, batch: pa.Table) -> None:
        if not self.found and table in schema.DATA_TABLES:
            sql = self._sql(table, "__rows")
            self.found = bool(self.ws.duck.from_arrow(batch).query("__rows", sql).fetchone()[0])

    def source(self, table: str, name: str) -> None:
        if not self.found and table in schema.DATA_TABLES:
            self.found = bool(self.ws.duck.execute(self._sql(table, name)).fetchone()[0])


def _empty(ws: Workspace) -> bool:
    """Whether no data table of the workspace holds a row (a first import): one statement, not one a table."""
    held = " OR ".join(f'EXISTS (SELECT 1 FROM "{t}")' for t in schema.DATA_TABLES)
    return not ws.duck.execute(f"SELECT {held}").fetchone()[0]


#: hashes started by :func:`hash_ahead`: path → ((size, mtime, inode) when it was started, the hash)
_AHEAD: dict[str, tuple[tuple[int, int, int], Future[str]]] = {}
_AHEAD_LOCK = threading.Lock()


def _stat(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _take_ahead(path: Path) -> Future[str] | None:
    """The hash :func:`hash_ahead` started for ``path``, if the file has not changed since (caller holds the lock)."""
    got = _AHEAD.pop(str(path.resolve()), None)
    return got[1] if got is not None and got[0] == _stat(path) else None


def hash_ahead(files: Sequence[Path]) -> None:
    """Start hashing ``files`` on two background threads; a later :func:`import_paths` of the same files takes
    the results instead of hashing them again.

    The CLI calls this before it opens the workspace, so the hashing (hashlib and file reads release the GIL)
    overlaps loading the engine. A file changed since (size, modification time or inode) is hashed again.
    """
    futures = _hash_on_threads(files, "tribescope-sha-ahead")
    with _AHEAD_LOCK:
        for f, fut in zip(files, futures, strict=True):
            _AHEAD[str(f.resolve())] = (_stat(f), fut)


def drop_ahead(files: Sequence[Path]) -> None:
    """Forget the hashes :func:`hash_ahead` started for ``files`` that no import took (the workspace could not be
    opened, the import failed before it got to them): a process that goes on must not keep them."""
    with _AHEAD_LOCK:
        if _AHEAD:  # after an import that took them all (the usual end): nothing to look up
            for f in files:
                _AHEAD.pop(str(f.resolve()), None)


def _hash_on_threads(files: Sequence[Path], name: str) -> list[Future[str]]:
    """Each file's SHA-256 started on two threads (hashlib and file reads release the GIL); they run to the end."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(2, thread_name_prefix=name)
    try:
        return [pool.submit(file_sha256, f) for f in files]
    finally:
        pool.shutdown(wait=False)


def _sha256_futures(files: list[Path]) -> list[Future[str]]:
    """Each file's SHA-256, in order, as futures: from :func:`hash_ahead` when it was started for the file as it is
    now, else started here on two threads (hashlib and file reads release the GIL)."""
    with _AHEAD_LOCK:
        ahead = [_take_ahead(f) for f in files] if _AHEAD else [None] * len(files)
    started = iter(
        _hash_on_threads([f for f, a in zip(files, ahead, strict=True) if a is None], "tribescope-sha")
    )
    return [next(started) if a is None else a for a in ahead]


def _sha256_all(files: list[Path]) -> list[str]:
    """Each file's SHA-256, in order (see :func:`_sha256_futures`)."""
    return [f.result() for f in _sha256_futures(files)]


def _write_imports(ws: Workspace, pending: list[tuple[FileReport, list[Any]]]) -> None:
    """Append the ``imports`` rows of merged files (one statement), each with the rows its file wrote."""
    types = [pa.string()] * 4 + [
        pa.int64(),
        pa.timestamp("us", tz="UTC"),
        pa.timestamp("us", tz="UTC"),
        pa.int64(),
        pa.string(),
        pa.int64(),
        pa.string(),
        pa.string(),
    ]
    rows = [
        [
            *v[:8],
            json.dumps(fr.rows, sort_keys=True),
            fr.rejected,
            "ok_with_rejects" if fr.rejected else "ok",
            v[11],
        ]
        for fr, v in pending
    ]
    cols = list(zip(*rows, strict=True))
    data = pa.table(
        [pa.array(c, t) for c, t in zip(cols, types, strict=True)], names=[f"c{i}" for i in range(len(types))]
    )
    ws.duck.from_arrow(data).insert_into("imports")  # by position, as INSERT … VALUES


def _next_import_seq(ws: Workspace) -> int:
    """The number of this import's first file in its import ids (``<time>-<number>``): past every number stored.

    Not the count of ``imports`` rows: a file skipped as already imported takes a number but writes no row, so a
    count could give the next import, in the same second, an id an earlier file already has (two files, one
    ``import_id``: which one wrote a row could no longer be told)."""
    row = ws.duck.execute(
        r"SELECT count(*), max(TRY_CAST(regexp_extract(import_id, '-(\d+)$', 1) AS BIGINT)) FROM imports"
    ).fetchone()
    if not row:
        return 1
    return max(int(row[0]), int(row[1] or 0)) + 1


#: an item a file's reading produces: ("rows", table, Arrow rows) | ("rejects", None, Arrow rows) |
#: ("progress", bytes read, None) | ("ignored", columns not imported, None) | ("done", records, rejected)
Item = tuple[str, Any, Any]


def _read_file(
    src: Source, fmt: Format, import_id: str, skip_bad: bool, options: dict[str, Any]
) -> Generator[Item]:
    """Read one file record by record in Python: its canonical rows in Arrow batches, its rejects, progress, and
    at the end its record and reject counts. Raises :class:`ImportFailed` on the first bad record unless
    ``skip_bad``. Touches no connection, so it can run ahead of the import on another thread (:class:`ReadAhead`)."""
    ctx = Context(str(src.path), import_id, dt.datetime.now(dt.UTC), options=options)
    buffers: dict[str, RowBuffer] = {}
    #: the distinct rows of each :data:`DEDUP_TABLES` buffer seen so far in this file
    seen: dict[RowBuffer, set[tuple[Any, ...]]] = {}
    rejects = RowBuffer("rejects")
    n_records = n_rejected = reported = 0

    def reject(location: str, fld: str | None, reason: str, raw: Any) -> None:
        nonlocal n_rejected
        if not skip_bad:
            raise ImportFailed(src.shown, location, fld, reason)
        rejects.append(
            rejects.check(
                {
                    "import_id": import_id,
                    "path": src.shown,
                    "location": location,
                    "field": fld,
                    "reason": reason,
                    "raw": _raw_text(raw),
                }
            )
        )
        n_rejected += 1

    def tick(force: bool = False) -> Iterator[Item]:
        nonlocal reported
        pos = src.bytes_read()
        if force or pos - reported > (1 << 20):
            yield ("progress", pos - reported, None)
            reported = pos

    whole = _bulk(src, fmt, ctx, options)
    if whole is not None:  # the whole file mapped at once, as columns (see Format.bulk)
        n_records, tables = whole
        for table, cols in tables.items():
            n = len(next(iter(cols.values())))
            cols["import_id"] = [import_id] * n
            yield ("rows", table, columns_to_arrow(table, cols, n))
        records: Iterator[tuple[str, Any]] = iter(())
    else:
        records = fmt.records(src, ctx)
    try:
        while True:
            try:
                location, raw = next(records)
            except StopIteration:
                break
            except SourceError as exc:  # unreadable past this point
                reject(exc.location, None, exc.message + " — the rest of the file was not read", exc.raw)
                break
            n_records += 1
            if isinstance(raw, SourceError):
                reject(location, None, raw.message, raw)
                continue
            try:
                pending = []
                for table, row in fmt.convert(raw, ctx):
                    row.setdefault("snapshot_at", ctx.snapshot_at)
                    row["import_id"] = import_id
                    buf = buffers.get(table)
                    if buf is None:
                        buf = buffers[table] = RowBuffer(table, fmt.deferred.get(table, frozenset()))
                        # rows are set keys: tables without list columns only
                        if table in DEDUP_TABLES and schema.STR_LIST not in buf.arrow.types:
                            seen[buf] = set()
                    pending.append((buf, buf.check(row)))
            except FieldError as exc:
                reject(location, exc.field, exc.message, raw)
                continue
            for buf, values in pending:
                known = seen.get(buf)
                if known is not None:
                    # An exact duplicate of a row of this file (e.g. a commenter's stub per comment): the stager
                    # would keep only the first; it is not staged at all. (Rows the set does not hold — past its
                    # bound — are staged and the stager drops their duplicates.)
                    if values in known:  # check() gives a tuple
                        continue
                    if len(known) < DEDUP_MEMORY:
                        known.add(values)
                buf.append(values)
                if buf.n >= BATCH_ROWS:
                    yield ("rows", buf.table.name, buf.flush())
            if n_records % 4096 == 0:
                yield from tick()
    finally:  # an aborted import must not leave the file open until garbage collection
        close = getattr(records, "close", None)
        if close is not None:
            close()
    for table, rows in _finish(fmt, ctx):
        buf = buffers.setdefault(table, RowBuffer(table))
        rows.setdefault("snapshot_at", ctx.snapshot_at)
        rows["import_id"] = import_id
        buf.append(buf.check(rows))
    for name, buf in buffers.items():
        if buf.n:
            yield ("rows", name, buf.flush())
    if rejects.n:
        yield ("rejects", None, rejects.flush())
    yield from tick(force=True)
    if ctx.state.get("ignored"):  # a generic table's columns that no canonical column takes
        yield ("ignored", list(ctx.state["ignored"]), None)
    yield ("done", n_records, n_rejected)


def _stage(
    ws: Workspace,
    stager: Stager,
    src: Source,
    fr: FileReport,
    items: Iterable[Item],
    progress: ProgressFn | None,
    forgotten: _Forgotten | None = None,
) -> None:
    """Stage what :func:`_read_file` produced for one file (on the import's thread: it owns the connection); tell
    ``forgotten`` whether its rows name forgotten accounts."""
    for kind, a, b in items:
        if kind == "rows":
            if forgotten is not None:
                forgotten.rows(a, b)
            stager.add(a, b)
        elif kind == "rejects":
            ws.duck.from_arrow(b).insert_into("rejects")  # not register: see Stager._write
        elif kind == "progress":
            if progress:
                progress(a, src.path.name)
        elif kind == "ignored":
            fr.ignored_columns = a
        else:
            fr.records, fr.rejected = a, b


def _keep_first_rejects(ws: Workspace, import_id: str, sha: str) -> None:
    """A forced re-read of content imported before quarantines its bad records again: keep them once, under the
    import that first quarantined them, as a re-import leaves the data rows it does not change as they were — the
    ``rejects`` of the new import that an earlier import of the same content (``sha256``) holds alike (location,
    field, reason and record) are dropped. The file's figures still count every record the reading refused."""
    ws.delete_rows(
        """DELETE FROM rejects r WHERE r.import_id = ? AND EXISTS (
             SELECT 1 FROM rejects o JOIN imports i ON o.import_id = i.import_id
             WHERE i.sha256 = ? AND o.import_id <> r.import_id AND o.location = r.location
               AND o.field IS NOT DISTINCT FROM r.field AND o.reason IS NOT DISTINCT FROM r.reason
               AND o.raw IS NOT DISTINCT FROM r.raw)""",
        [import_id, sha],
    )


def _stage_fast(
    stager: Stager,
    src: Source,
    fr: FileReport,
    fast_rows: Mapped,
    progress: ProgressFn | None,
    forgotten: _Forgotten | None = None,
) -> None:
    """Stage the engine's mapped rows of one file (see :func:`_fast_plan`) in place: the stager reads them from the
    plan's database at the group's merge (:meth:`Stager.add_part`) and frees them after it (or when the import
    fails). Tell ``forgotten`` whether they name forgotten accounts."""
    held = False
    try:
        n = 0
        for table, name in fast_rows.tables.items():
            if forgotten is not None:
                forgotten.source(table, name)
            n += stager.add_part(table, name)
        if n:
            stager.hold(fast_rows)
            held = True
    finally:
        if not held:
            fast_rows.close()
    fr.records = fast_rows.records
    if progress:
        progress(src.size, src.path.name)


#: rows the background reader may hold ahead of the import (Arrow batches waiting to be staged)
READ_AHEAD_ROWS = 400_000


class _Stopped(Exception):
    pass


class ReadAhead:
    """Reads the record-by-record files of an import on a background thread, in file order, ahead of their turn.

    The import's thread stages what was read (:meth:`items`) while the reader parses the next files: the engine
    work of staging, mapping (the :class:`~tribescope.ingest._fast.Prefetcher`) and merging releases the GIL, so
    Python parsing and DuckDB use both cores. At most :data:`READ_AHEAD_ROWS` rows wait at a time. A file's
    reading error is raised by :meth:`items` when its turn comes; :meth:`close` stops the reader.
    """

    def __init__(self, jobs: dict[int, Callable[[], Generator[Item]]], max_rows: int | None = None) -> None:
        self._jobs = dict(sorted(jobs.items()))
        self._items: deque[tuple[int, str, Any, Any]] = deque()
        self._cond = threading.Condition()
        self._rows = 0
        self._max = READ_AHEAD_ROWS if max_rows is None else max_rows
        self._stop = False
        self._thread: threading.Thread | None = None
        if self._jobs:
            self._thread = threading.Thread(target=self._run, name="tribescope-read", daemon=True)
            self._thread.start()

    def __contains__(self, position: int) -> bool:
        return position in self._jobs

    def _put(self, item: tuple[int, str, Any, Any], rows: int) -> None:
        with self._cond:
            while self._rows > self._max and not self._stop:
                self._cond.wait()
            if self._stop:
                raise _Stopped
            self._items.append(item)
            self._rows += rows
            self._cond.notify_all()

    def _run(self) -> None:
        for position, job in self._jobs.items():
            reading = job()
            try:
                for kind, a, b in reading:
                    self._put((position, kind, a, b), b.num_rows if kind == "rows" else 0)
            except _Stopped:
                return
            except BaseException as exc:  # raised by items() when the import reaches this file
                with contextlib.suppress(_Stopped):
                    self._put((position, "error", exc, None), 0)
                return
            finally:
                reading.close()  # the file is closed now, not at garbage collection

    def items(self, position: int, idle: Callable[[], None] | None = None) -> Iterator[Item]:
        """What the reader produced for the file at ``position`` (files are taken in order). ``idle`` is called
        (without the lock) when the reader is behind, before waiting for it."""
        while True:
            if idle is not None and not self._items:
                idle()
            with self._cond:
                while not self._items:
                    self._cond.wait()
                got, kind, a, b = self._items.popleft()
                if kind == "rows":
                    self._rows -= b.num_rows
                self._cond.notify_all()
            assert got == position, "files are taken in order"
            if kind == "error":
                raise a
            yield kind, a, b
            if kind == "done":
                return

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._items.clear()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()


def _shortcuts_off(options: dict[str, Any]) -> bool:
    """Whether the import reads every file record by record: the ``no_fast_path`` option or the
    ``TRIBESCOPE_NO_FAST_PATH`` environment variable (the differential tests' reference path)."""
    return bool(options.get("no_fast_path") or os.environ.get("TRIBESCOPE_NO_FAST_PATH"))


def _fast_plan(src: Source, fmt: Format, ctx: Context, options: dict[str, Any]) -> Any:
    """The format's engine fast plan for this file (see :mod:`tribescope.ingest._fast`), or None."""
    plan_fn = getattr(fmt, "fast_plan", None)
    if plan_fn is None or _shortcuts_off(options):
        return None
    plan = plan_fn(src, ctx)
    if plan is not None and not _engine_reads(src):
        return None  # the plans look at the content as the Python readers give it: decoded and transcoded
    return plan


def _engine_reads(src: Source) -> bool:
    """Whether the engine's JSON reader can read ``src`` as it is stored (by its first bytes, whatever its name; the
    plans name the compression they find there): not xz- or zstd-compressed and not UTF-16 text, compressed or not
    (it reads UTF-8 only; a UTF-8 byte-order mark its detection reads, its JSON Lines reader not:
    :func:`~tribescope.ingest._readers.json_lines_format`). DuckDB reads gzip, and zstd only up to a 128 MB window: the
    Pushshift / Arctic Shift dumps' 2 GB one (``zstd --long=31``) fails there ("Frame requires too much memory for
    decoding"), which a frame header cannot rule out for the frames after it. A plan of content it cannot read would
    fail in the engine and fall back to the Python reader, after a wasted pass over the file; :meth:`Source.open`
    decompresses and transcodes them all."""
    start = src.stored_start  # None: xz, zstd, or a damaged start (the Python reader says where)
    return start is not None and start[:2] not in UTF16_BOMS


def _bulk(
    src: Source, fmt: Format, ctx: Context, options: dict[str, Any]
) -> tuple[int, dict[str, dict[str, list[Any]]]] | None:
    """The format's whole-file columnar mapping of ``src`` (``Format.bulk``: the rows the record-by-record path would
    give, or ``None`` when that path must read the file), unless fast paths are switched off like the engine's."""
    bulk = getattr(fmt, "bulk", None)
    if bulk is None or _shortcuts_off(options):
        return None
    got: tuple[int, dict[str, dict[str, list[Any]]]] | None = bulk(src, ctx)
    return got


def _finish(fmt: Format, ctx: Context) -> Iterable[tuple[str, dict[str, Any]]]:
    fin = getattr(fmt, "finish", None)
    return fin(ctx) if fin is not None else ()
