"""Background jobs started from the dashboard (import, score), one at a time, with progress."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tribescope.errors import TribescopeError
from tribescope.ingest._notes import FORMATS_HINT, report_notes, skip_note
from tribescope.store import Workspace
from tribescope.web._data import scrub

__all__ = ["Job", "JobBusy", "Jobs", "dashboard_text"]

log = logging.getLogger("tribescope.web")


#: longest stored upload name, in UTF-8 bytes (file systems allow 255)
MAX_NAME_BYTES = 200


def upload_name(filename: str | None) -> str:
    """A file name to store an upload under: the client's last path part without control characters (NUL
    included), leading dots or separators, cut to :data:`MAX_NAME_BYTES` with its last two suffixes kept (format
    detection reads ``.jsonl.gz``, ``.csv``); ``upload`` when nothing is left."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip().lstrip(".") or "upload"
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    suffix = "".join(Path(name).suffixes[-2:])
    suffix = suffix if len(suffix.encode()) <= 40 else ""
    room = MAX_NAME_BYTES - len(suffix.encode())
    stem = name[: len(name) - len(suffix)] if suffix else name
    return stem.encode()[:room].decode("utf-8", "ignore").rstrip() + suffix


#: The import form's fields, by the CLI option each stands for.
LINK_FIELD = '"link to creator"'
SPACE_FIELD = '"space id"'
FORMAT_FIELD = '"format"'
TABLE_FIELD = '"table"'
SKIP_BAD_FIELD = '"skip bad records"'
FORCE_FIELD = '"read again if already imported"'

#: What the importer's messages (written for ``tribescope import``) advise, as the dashboard's import form can do it:
#: (pattern, replacement), applied in order. A CLI option the form has is named by its field; one it has not is
#: replaced by what to do from the dashboard (with the command line named as such, where only it can do it).
_DASHBOARD_ADVICE: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        # ImportFailed.RECORD_HINT
        (
            r"Fix the record, or re-run with --skip-bad to import the good records and quarantine the bad ones in "
            r"the `rejects` table\.",
            f"Fix the record and upload the file again, or tick {SKIP_BAD_FIELD} and upload it again to import the "
            "good records and quarantine the bad ones in the `rejects` table.",
        ),
        # ImportFailed.FILE_HINT (--skip-bad would skip the one file uploaded: nothing to advise)
        (
            r"Remove the file, give its format with --format, or re-run with --skip-bad to import the other files "
            r"and skip the ones that are not exports\.",
            f"Upload an export in one of the formats listed, or choose the file's format in the {FORMAT_FIELD} "
            "field and upload it again.",
        ),
        # ImportFailed.HEADER_HINT
        (
            r"Fix the file's header row \(or the import options the message names\), or re-run with --skip-bad to "
            r"import the other files and quarantine this one in the `rejects` table\.",
            "Fix the file's header row (or the field of the import form the message names) and upload the file again.",
        ),
        # an unreadable file (a workbook, an archive)
        (
            r"Convert the file as the message says, or re-run with --skip-bad to import the other files and skip "
            r"this one\.",
            "Convert the file as the message says and upload it again.",
        ),
        # a generic CSV whose table cannot be told from its columns
        (
            r"Name the table with --table and the columns as in docs/data-model\.md \(see `tribescope import "
            r"--help`\)",
            f"Name the columns as in docs/data-model.md, and choose the table in the {TABLE_FIELD} field (or leave "
            "it to be told from the columns), and upload the file again",
        ),
        # a compressed file damaged at its start
        (
            r"Re-download or re-export the file, or re-run with --skip-bad to import the other files and skip this "
            r"one\.",
            "Re-download or re-export the file and upload it again.",
        ),
        # a ZIP archive that cannot be unpacked here (ingest._archive): a folder cannot be uploaded
        (
            r"Unzip the archive with its password and import the folder it gives\.",
            "Unzip the archive with its password and upload its export files (or a ZIP of them without a password).",
        ),
        (
            r"(Unzip the archive with another tool|Import the archive's files from a folder you unzipped them to "
            r"yourself)(?: and import the folder it gives)?\.",
            "Unzip the archive yourself and upload its export files (or a ZIP of them).",
        ),
        (
            r"unzip the archive yourself and import the folder\.",
            "unzip the archive yourself and upload its files.",
        ),
        # a CSV that lacks a column its table requires
        (r", or choose another table with --table", f", or choose another table in the {TABLE_FIELD} field"),
        (r"re-import with --link-creator (\S+)", rf"upload the file again with {LINK_FIELD} set to \1"),
        (r"--link-creator (\S+):", rf"{LINK_FIELD} \1:"),
        (r"option --link-creator", f"field {LINK_FIELD}"),
        (r"so --link-creator cannot", f"so {LINK_FIELD} cannot"),
        (r"the import option space_id \(--space-id\)", f"the field {SPACE_FIELD}"),
        (r"with --space-id \(e\.g\. --space-id ([^)\s]+)\)", rf"in the {SPACE_FIELD} field (e.g. \1)"),
        (r"--space-id", SPACE_FIELD),
        (r"--link-creator", LINK_FIELD),
        # an option no file of the import reads (ingest._notes.report_notes)
        (r"^option --table not used", f"the {TABLE_FIELD} field was not used"),
        # (--space-id and --link-creator were named by their fields above)
        (r'^(?:option|field) ("[^"]+") not used', r"the field \1 was not used"),
        # a --table that is no data table (refused before any file is read)
        (r"^--table (\S+) ", rf"table \1 (the {TABLE_FIELD} field) "),
        # a file no format recognises: the form's format list, not the CLI's command (ingest._notes.FORMATS_HINT)
        (re.escape(FORMATS_HINT), f"the {FORMAT_FIELD} field lists what is read"),
        # a file skipped as already imported (the CLI's --force re-reads it)
        (
            r"^identical content already imported \(import ([^)]*)\)$",
            r"identical content already imported (import \1): nothing was changed (the workspace holds this file "
            rf"already; tick {FORCE_FIELD} and upload it again to re-read it)",
        ),
    )
)


def dashboard_text(message: str) -> str:
    """An importer message with its advice for the dashboard's import form instead of ``tribescope import``'s
    options: each option is named by the form's field that stands for it (``--format``, ``--table``, ``--skip-bad``,
    ``--force``, ``--link-creator``, ``--space-id``: "format", "table", "skip bad records", "read again if already
    imported", "link to creator", "space id")."""
    for pattern, repl in _DASHBOARD_ADVICE:
        message = pattern.sub(repl, message)
    # the CLI breaks its lines where a sentence ends without a full stop ("the file is empty\nNothing was
    # imported"): HTML joins them with a space, so they read as one sentence
    return re.sub(
        r"\s*\n\s*",
        lambda m: " " if m.string[m.start() - 1 : m.start()] in ".:;!?" else ". ",
        message.strip(),
    )


def _import_notes(ws: Workspace, options: dict[str, Any]) -> list[str]:
    """What ``tribescope import`` notes after an import with these options (a ``link_creator`` that names no
    account of the workspace), in the same words."""
    if not options.get("link_creator"):
        return []
    from tribescope.ingest._links import unknown_link_creator  # the CLI's note, not a copy of it

    note = unknown_link_creator(ws, options["link_creator"])
    return [dashboard_text(note)] if note else []


def _shown(path: str, upload_dir: Path) -> str:
    """A file of an upload as the user knows it: its path inside the upload, not the server's temporary folder."""
    return str(path).replace(f"{upload_dir}{os.sep}", "")


class JobBusy(TribescopeError):
    """Another job is still running."""


@dataclass
class Job:
    id: str
    kind: str
    status: str = "queued"  # queued | running | done | failed
    progress: float = 0.0  # 0..1; stays 0 while a step cannot tell how far it is
    message: str = ""
    created_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())
    finished_at: str | None = None
    result: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        return {
            k: getattr(self, k)
            for k in ("id", "kind", "status", "progress", "message", "created_at", "finished_at", "result")
        }


class Jobs:
    """Runs one job at a time on a worker thread against the server's writable workspace."""

    def __init__(
        self,
        ws: Workspace,
        write_lock: threading.Lock,
        on_change: Callable[[], None] | None = None,
        *,
        spec: Any = None,
    ) -> None:
        self.ws = ws
        self.spec = spec  # the score spec a re-score uses (`serve --spec`; None: the packaged one)
        self.lock = write_lock
        self.on_change = on_change
        self.jobs: dict[str, Job] = {}
        self._running = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def list(self) -> list[Job]:
        return sorted(self.jobs.values(), key=lambda j: j.created_at, reverse=True)[:50]

    def _start(
        self, kind: str, work: Callable[[Job], dict[str, Any]], cleanup: Callable[[], None] | None
    ) -> Job:
        if not self._running.acquire(blocking=False):
            if cleanup:
                cleanup()
            raise JobBusy("another import or scoring job is running; wait for it to finish")
        job = Job(uuid.uuid4().hex[:12], kind)
        self.jobs[job.id] = job

        def run() -> None:
            job.status = "running"
            status, message = "failed", "internal error (see the server log)"
            try:
                with self.lock:
                    job.result = work(job)
                status, message = "done", job.message or "finished"
            except TribescopeError as exc:  # a message written for people; safe to show without server paths
                message = scrub(str(exc), self.ws.path)
            except Exception:
                log.exception("job %s (%s) failed", job.id, kind)
            finally:
                from tribescope.web._data import clear_cache

                clear_cache()
                if self.on_change:
                    self.on_change()
                if cleanup:
                    cleanup()
                self._running.release()
                # the end is told last: a client that sees it reads the new data and may start the next job
                if status == "done":
                    job.progress = 1.0
                job.message, job.finished_at = message, dt.datetime.now(dt.UTC).isoformat()
                job.status = status

        threading.Thread(target=run, name=f"tribescope-job-{job.id}", daemon=True).start()
        return job

    def start_import(
        self,
        filename: str,
        save: Callable[[Path], int],
        options: dict[str, Any] | None = None,
        *,
        format: str | None = None,
        skip_bad: bool = False,
        force: bool = False,
    ) -> Job:
        """Import one uploaded file as ``tribescope import`` does (:func:`tribescope.ingest.import_paths`).
        ``save(path)`` writes the upload there and returns its size; ``options`` are the import's format options
        (``link_creator``, ``space_id``, ``table``), ``format``, ``skip_bad`` and ``force`` its arguments."""
        from tribescope.ingest import import_paths
        from tribescope.ingest._archive import import_size
        from tribescope.ingest._run import SKIP_SUFFIXES

        tmp = Path(tempfile.mkdtemp(prefix="tribescope-upload-"))
        path = tmp / upload_name(filename)
        try:
            save(path)
            # what the progress counts: a ZIP archive's files as they unpack
            size = import_size(path, SKIP_SUFFIXES)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

        def work(job: Job) -> dict[str, Any]:
            done = 0

            def progress(n: int, desc: str) -> None:
                nonlocal done
                done += n
                job.progress = min(0.99, done / max(size, 1))
                job.message = f"importing {desc}"

            try:
                report = import_paths(
                    self.ws,
                    [path],
                    format=format,
                    skip_bad=skip_bad,
                    force=force,
                    options=options,
                    progress=progress,
                )
            except TribescopeError as exc:  # name the upload as the user does, not the server's copy of it
                raise TribescopeError(dashboard_text(str(exc).replace(f"{tmp}{os.sep}", ""))) from exc
            bad = (
                report.rejected
            )  # quarantined with "skip bad records": read, not imported ("imported 2" of 1)
            job.message = (
                f"read {report.records:,} records: {report.records - bad:,} imported, {bad:,} quarantined"
                if bad
                else f"imported {report.records:,} records"
            )
            # the CLI's notes (one wording, ingest._notes), the upload named as the user named it
            skipped = [dashboard_text(skip_note(f.skipped)) for f in report.files if f.skipped]
            notes = [dashboard_text(n.text) for n in report_notes(report, name=lambda p: _shown(p, tmp))]
            return {
                "records": report.records,
                "rows": report.rows(),
                "rejected": report.rejected,
                "skipped": skipped,
                "notes": skipped + notes + _import_notes(self.ws, options or {}),
            }

        return self._start("import", work, lambda: shutil.rmtree(tmp, ignore_errors=True))

    def start_score(self) -> Job:
        """Re-score every creator as ``tribescope score`` does (:func:`tribescope.score.score_workspace`: the models
        too, which ``score_creators`` alone does not compute), with the server's spec (``serve --spec``)."""

        def work(job: Job) -> dict[str, Any]:
            try:
                from tribescope.score import score_workspace
            except ImportError as exc:
                raise TribescopeError("scoring is not available in this installation") from exc
            job.message = "scoring creators"

            def progress(message: str) -> None:
                job.message = message.rstrip("…")

            from tribescope.score._cache import recomputed_text

            stages: list[Any] = []
            out = score_workspace(self.ws, self.spec, progress=progress, timings=stages)
            n = getattr(out, "num_rows", None)
            job.message = f"scored {n:,} creators" if n is not None else "scored"
            recomputed = recomputed_text(stages, n or 0)  # an incremental score: how many it recomputed
            if recomputed:
                job.message += f"; {recomputed}"
            return {"creators": n}

        return self._start("score", work, None)
