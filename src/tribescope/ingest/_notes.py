"""What an import says beside its counts: the files it did not read and why, a generic file's columns no canonical
column takes, the bad records quarantined, the rows of forgotten accounts dropped.

One wording for every shell: ``tribescope import`` prints these notes and the dashboard's import job lists them
(the dashboard then names its form's fields where the text names a CLI option).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tribescope.ingest._run import FILE_OPTIONS, NOT_AN_EXPORT, FileReport, ImportReport

__all__ = [
    "FORMATS_HINT",
    "FORMAT_LIST",
    "Note",
    "not_an_export_notes",
    "report_notes",
    "skip_note",
]

#: the end of the message of a file no format recognises: the list of every format and what it reads
FORMAT_LIST = ". Expected one of: "
#: what a note says instead of that list (thousands of characters, once per such file)
FORMATS_HINT = "`tribescope formats` lists what is read"


@dataclass(frozen=True)
class Note:
    """One note; ``warning``: something the user's data lost (shown as a warning), else information."""

    text: str
    warning: bool = True


def _name(path: str) -> str:
    return Path(path).name


def skip_note(skipped: str) -> str:
    """Why a file was not read (:attr:`FileReport.skipped`), as a note shows it: a file no format recognises without
    the list of every format (:data:`FORMAT_LIST`), which ``tribescope formats`` shows (:data:`FORMATS_HINT`)."""
    head, sep, _ = skipped.partition(FORMAT_LIST)
    return f"{head} ({FORMATS_HINT})" if sep else skipped


def not_an_export_notes(
    files: Iterable[FileReport], name: Callable[[str], str] = _name, most: int = 10
) -> list[Note]:
    """The files that are no export (skipped with ``--skip-bad``), one note per reason naming up to ``most`` files:
    ``not imported (format not recognised; `tribescope formats` lists what is read): a.txt, b.txt and 3 more``."""
    why: dict[str, list[str]] = {}
    for f in files:
        if f.skipped.startswith(NOT_AN_EXPORT):
            head, listed, _ = f.skipped[len(NOT_AN_EXPORT) :].partition(FORMAT_LIST)
            why.setdefault(f"{head}; {FORMATS_HINT}" if listed else head, []).append(name(f.path))
    out = []
    for reason, names in why.items():
        more = f" and {len(names) - most:,} more" if len(names) > most else ""
        out.append(Note(f"not imported ({reason}): {', '.join(names[:most])}{more}"))
    return out


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _export_notes(files: Iterable[FileReport]) -> list[Note]:
    """The tables of a tribescope Parquet export that the import recognised and did not read
    (:class:`~tribescope.ingest.tabular.TribescopeExportTables`): the source workspace's log, and what ``score``
    derives (information: nothing of the data is lost)."""
    from tribescope.ingest.tabular import TABLES_SKIPPED

    log: list[str] = []
    derived: list[str] = []
    for f in files:
        if f.format == TABLES_SKIPPED:
            table = Path(f.path).parent.name
            (log if table in ("imports", "rejects") else derived).append(table)
    out = []
    if log:
        out.append(
            Note(
                f"{_and(sorted(set(log)))} of a tribescope export not imported: the exporting workspace's import log "
                "(this import logs its own; `tribescope status`)",
                warning=False,
            )
        )
    if derived:
        names = sorted(set(derived), key=lambda n: (n.startswith("_"), n))  # the score tables first
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        out.append(
            Note(
                f"{len(names)} derived tables of a tribescope export not imported ({shown}): "
                "`tribescope score` derives them again from the imported data",
                warning=False,
            )
        )
    return out


def report_notes(report: ImportReport, name: Callable[[str], str] = _name) -> list[Note]:
    """What an import did not take in, in the order ``tribescope import`` prints it under its table: each generic
    file's columns that no canonical column takes (never dropped silently), the bad records quarantined
    (``skip_bad``), the rows of accounts erased with ``tribescope forget`` that were dropped. ``name`` names a file
    from its path (the dashboard: the upload as the user named it)."""
    notes = [
        Note(
            f"{name(f.path)}: column(s) {', '.join(map(repr, f.ignored_columns))} not imported (no canonical "
            "column takes them; see docs/data-model.md)"
        )
        for f in report.files
        if f.ignored_columns
    ]
    notes += _export_notes(report.files)
    for key, readers in report.unused_options.items():
        notes.append(
            Note(
                f"option {FILE_OPTIONS[key]} not used: only {_and(readers)} files read it, and this import had none "
                f"({FORMATS_HINT})"
            )
        )
    if report.rejected:
        notes.append(Note(f"{report.rejected:,} bad records quarantined; see `tribescope status --rejects`"))
    if report.forgotten:
        notes.append(
            Note(
                f"{report.forgotten:,} rows of accounts erased with `tribescope forget` were dropped, not imported "
                "(docs/privacy.md)",
                warning=False,
            )
        )
    return notes
