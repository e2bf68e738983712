"""`tribescope forget`: remove every trace of an account."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tribescope.cli._app import app, console, fail, state
from tribescope.errors import TribescopeError
from tribescope.store._privacy import forget as _forget


@app.command()
def forget(
    account: Annotated[str, typer.Argument(help="Account id or handle (with or without '@').")],
    platform: Annotated[str | None, typer.Option("--platform", help="Only on this platform.")] = None,
    reports: Annotated[
        list[Path] | None, typer.Option("--reports", help="Folders of generated reports to purge too.")
    ] = None,
) -> None:
    """Delete an account and everything derived from it (rows, derived tables, quarantined records, reports)."""
    try:
        ws = state.open()
        rep = _forget(ws, account, platform, report_dirs=list(reports or []))
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
    console.print(f"forgot {account!r}: {rep.total:,} rows")
