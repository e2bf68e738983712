"""Errors tribescope raises on purpose. Each says what was wrong, where, and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "AmbiguousCreator",
    "BackendMissing",
    "CreatorNotFound",
    "FieldError",
    "ImportFailed",
    "SourceError",
    "TribescopeError",
    "WorkspaceError",
]


class TribescopeError(Exception):
    """Base class of every error tribescope raises deliberately."""


class CreatorNotFound(TribescopeError):
    """A creator named on the command line or in a call is not in the workspace (one class for every module:
    ``explain``, the niche functions, ``posts``)."""

    @classmethod
    def ambiguous(cls, name: str, keys: Iterable[tuple[str, str]]) -> CreatorNotFound:
        """``name`` names creators on several platforms (``keys``: their ``(platform, creator_id)``): the error that
        lists them and asks for ``PLATFORM:ID``, as every command that takes a creator says it."""
        who = ", ".join(f"{p}:{i}" for p, i in sorted(set(keys)))
        return AmbiguousCreator(
            f"creator {name!r} is ambiguous in this workspace: {who}. Name it as PLATFORM:ID."
        )


class AmbiguousCreator(CreatorNotFound):
    """A creator's name (a handle) names several creators (:meth:`CreatorNotFound.ambiguous`)."""


class WorkspaceError(TribescopeError):
    """The workspace cannot be opened or does not hold what was asked for."""


class BackendMissing(TribescopeError):
    """An optional engine is not installed; the message names the pip extra."""


class FieldError(ValueError):
    """One field of one record is wrong. Raised by format converters; the importer adds the location."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class SourceError(ValueError):
    """The file itself cannot be read past ``location`` (bad JSON, truncated file, bad encoding).

    ``recoverable`` is true when reading can resume after the bad record (e.g. one bad line of NDJSON).
    """

    def __init__(self, location: str, message: str, *, recoverable: bool = False, raw: str = "") -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message
        self.recoverable = recoverable
        self.raw = raw


class ImportFailed(TribescopeError):
    """An import was refused; the workspace was left exactly as it was."""

    #: what to do about a bad record, and about a file that is not an export at all (empty, format not recognised)
    RECORD_HINT = (
        "Fix the record, or re-run with --skip-bad to import the good records and quarantine the bad ones in the "
        "`rejects` table."
    )
    FILE_HINT = (
        "Remove the file, give its format with --format, or re-run with --skip-bad to import the other files and "
        "skip the ones that are not exports."
    )
    #: what to do about a file whose header row (the column names) cannot be read as the format
    HEADER_HINT = (
        "Fix the file's header row (or the import options the message names), or re-run with --skip-bad to import "
        "the other files and quarantine this one in the `rejects` table."
    )
    #: what to do about a bad import option (no record is at fault, so --skip-bad does not help)
    OPTION_HINT = "Correct the option and run the import again."

    def __init__(
        self, path: str, location: str, field: str | None, message: str, hint: str | None = None
    ) -> None:
        where = f"{path}, {location}" + (f", field '{field}'" if field else "")
        hint = hint or (self.HEADER_HINT if location == "header" else self.RECORD_HINT)
        super().__init__(f"{where}: {message}\nNothing was imported (the workspace is unchanged). {hint}")
        self.path = path
        self.location = location
        self.field = field
        self.message = message
