"""`tribescope forget`: remove every trace of an account."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from tribescope._interrupt import EXIT_STATUS, check, deferred, told
from tribescope.cli._app import app, console, err, fail, has_scores, state
from tribescope.errors import TribescopeError
from tribescope.store._privacy import (
    FORGOTTEN_PLACEHOLDER,
    ForgetReport,
    has_pseudonyms,
    load_key,
    purge_file,
)
from tribescope.store._privacy import forget as _forget

#: what ``forget`` says when scores are stored: they were computed with the account's comments and profile
_STALE_SCORES = (
    "[yellow]note:[/] the other creators' stored scores (creator_scores; the report, the dashboard and `plan` read "
    "them) still count {account} until the next `tribescope score`, which recomputes the creators whose data changed"
)


@app.command()
def forget(
    account: Annotated[str, typer.Argument(help="Account id or handle (with or without '@').")],
    platform: Annotated[str | None, typer.Option("--platform", help="Only on this platform.")] = None,
    reports: Annotated[
        list[Path] | None, typer.Option("--reports", help="Folders of generated reports to purge too.")
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            help="Pseudonym key of a workspace imported with --pseudonymize (default: the one `import` uses, if any), "
            "to find the account under its pseudonym.",
        ),
    ] = None,
) -> None:
    """Delete an account and everything derived from it (rows, derived tables, quarantined records, reports).

    The account stays forgotten: later imports drop what they bring of it (docs/privacy.md)."""
    try:
        key = _key(key_file)
        ws = state.open()
        rep = _forget(ws, account, platform, report_dirs=list(reports or []), key=key)
        with deferred():
            scored = has_scores(ws)
            hint = not rep.total and not rep.already_forgotten and key is None and has_pseudonyms(ws)
        rewritten = False
        if rep.total or rep.already_forgotten or rep.untagged:
            # the deleted rows' bytes go with them: the file is rewritten with the live rows only (closes ws)
            try:
                check()  # a Ctrl-C since the deletion was stored: stop before the rewrite, and say what was done
                with console.status("rewriting the workspace file without the deleted rows…"):
                    purge_file(ws)
                rewritten = True
            except KeyboardInterrupt:
                ws.close()
    except TribescopeError as exc:
        raise fail(exc) from None
    ws.close()
    _report(rep, account, platform, scored=scored, hint=hint)
    if not rewritten and (rep.total or rep.already_forgotten or rep.untagged):
        err.print(
            "[red]error:[/] interrupted (Ctrl-C) after the deletion was stored (above), before the workspace file was "
            f"rewritten: it still holds the deleted rows' bytes; run `tribescope forget {escape(repr(account))}` again "
            "to rewrite it",
            highlight=False,
        )
        told()
        raise typer.Exit(EXIT_STATUS)


def _report(rep: ForgetReport, account: str, platform: str | None, *, scored: bool, hint: bool) -> None:
    """What ``forget`` deleted, kept and removed."""
    if rep.already_forgotten:
        console.print(
            f"{escape(repr(account))} was forgotten before: nothing left to delete; the workspace file was rewritten "
            "without the bytes of deleted rows",
            highlight=False,
        )
        _print_scrubbed(rep.scrubbed)
        return
    if not rep.total and not rep.files_removed and not rep.untagged:
        console.print(
            f"nothing found for {escape(repr(account))}"
            + (f" on {platform}" if platform else "")
            + "; nothing deleted"
            + (
                " (in a workspace imported with --pseudonymize, give its key with --key-file to find the account "
                "under its pseudonym)"
                if hint
                else ""
            ),
            highlight=False,
        )
        return
    for t, n in sorted(rep.deleted.items()):
        console.print(f"  {t}: {n:,} rows deleted")
    for t, n in sorted(rep.untagged.items()):
        console.print(f"  {t}: {n:,} rows kept, the account taken out of their tagged and mentioned accounts")
    _print_scrubbed(rep.scrubbed)
    for f in rep.files_removed:
        console.print(f"  removed {f}")
    if rep.cache_files_removed:
        console.print(f"  {rep.cache_files_removed:,} cached queries that named the account deleted")
    console.print(f"forgot {account!r}: {rep.total:,} rows", highlight=False)
    if rep.suppressed:
        console.print(
            f"later imports drop what they bring of {escape(repr(account))} (the erasure list; docs/privacy.md)",
            highlight=False,
        )
    if scored and rep.total:
        err.print(_STALE_SCORES.format(account=escape(repr(account))))


def _print_scrubbed(scrubbed: dict[str, int]) -> None:
    """The import log's rows kept, whose file paths or options named the account (now ``[forgotten]``)."""
    for t, n in sorted(scrubbed.items()):
        what = "file paths and import options" if t == "imports" else "file paths"
        console.print(
            f"  {t}: {n:,} rows kept, the account's name replaced with {escape(FORGOTTEN_PLACEHOLDER)} in their {what}",
            highlight=False,
        )


def _key(key_file: Path | None) -> bytes | None:
    """The pseudonymisation key: the one given (an unusable one is an error), else the default one when it exists
    (``TRIBESCOPE_PSEUDONYM_KEY`` or ``~/.config/tribescope/pseudonym.key``; never created here)."""
    if key_file is not None:
        return load_key(key_file, create=False)
    try:
        return load_key(create=False)
    except TribescopeError:
        return None
