"""`tribescope forget`: remove every trace of an account."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from tribescope.cli._app import app, console, err, fail, has_scores, state
from tribescope.errors import TribescopeError
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
) -> None:
    """Delete an account and everything derived from it (rows, derived tables, quarantined records, reports).

    The account stays forgotten: later imports drop what they bring of it (docs/privacy.md)."""
    try:
        ws = state.open()
        rep = _forget(ws, account, platform, report_dirs=list(reports or []))
        scored = has_scores(ws)
    except TribescopeError as exc:
        raise fail(exc) from None
    ws.close()
    if not rep.total and not rep.files_removed:
        console.print(
            f"nothing found for {account!r}" + (f" on {platform}" if platform else "") + "; nothing deleted"
        )
        return
    for t, n in sorted(rep.deleted.items()):
        console.print(f"  {t}: {n:,} rows deleted")
    for f in rep.files_removed:
        console.print(f"  removed {f}")
    console.print(f"forgot {account!r}: {rep.total:,} rows", highlight=False)
    if rep.suppressed:
        console.print(
            f"later imports drop what they bring of {escape(repr(account))} (the erasure list; docs/privacy.md)",
            highlight=False,
        )
    if scored and rep.total:
        err.print(_STALE_SCORES.format(account=escape(repr(account))))
