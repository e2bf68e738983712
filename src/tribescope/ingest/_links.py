"""The note an import gives when ``--link-creator`` names no account of the workspace (the CLI and the dashboard)."""

from __future__ import annotations

from tribescope.ingest.reddit import link_creator_key
from tribescope.store import Workspace

__all__ = ["unknown_link_creator"]


def unknown_link_creator(ws: Workspace, link_creator: str) -> str | None:
    """A note when ``--link-creator PLATFORM:ID`` names no account of the workspace (a handle where the platform keys
    accounts by id, e.g. a YouTube channel, or a typo): the link is written as given and counts for no creator."""
    plat, acc = link_creator_key(link_creator)  # the import read it: well formed
    if not ws.has_table("accounts"):
        return None
    t = ws.table("accounts")
    if ws.to_arrow(
        t.filter((t.platform == plat) & (t.account_id == acc)).select("account_id").limit(1)
    ).num_rows:
        return None
    named = ws.to_arrow(
        t.filter((t.platform == plat) & (t.username.lower() == acc.lower())).select("account_id").limit(3)
    )["account_id"].to_pylist()
    fix = f" re-import with --link-creator {plat}:{named[0]} (its account id)" if len(named) == 1 else ""
    if named:
        return (
            f"--link-creator {plat}:{acc}: no {plat} account has the id {acc!r}, but "
            f"{'one is' if len(named) == 1 else 'several are'} named so ({', '.join(named)}): the space is linked to "
            f"an id no creator has, so it adds nothing to a score;{fix or ' give the account id'}"
        )
    return (
        f"--link-creator {plat}:{acc}: no {plat} account with this id in the workspace (yet): the space counts for "
        f"the creator only once an export of {plat}:{acc} is imported; check the id for typos"
    )
