"""Render the static report from the dashboard's read layer and templates."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from importlib.resources import files
from pathlib import Path
from typing import Any

from markupsafe import Markup

from tribescope import __version__
from tribescope._files import write_whole
from tribescope.errors import TribescopeError
from tribescope.score._spec import Spec, load_spec
from tribescope.store import Workspace, require_workspace
from tribescope.web import _charts, _data
from tribescope.web._render import creator_charts, env

__all__ = ["render_report", "write_report"]

_VENDOR = ("vendor/vega.min.js", "vendor/vega-lite.min.js", "vendor/vega-embed.min.js", "app.js")

#: The campaign figures a marketer reads in the e-mailed report, per creator: who, which group, what it cost and what
#: it brought (ROI with its 95 % interval). ``campaign_id`` leads when the report holds more than one campaign. The
#: other columns (followers, tier, posts, impressions, EMV, the attribution, every interval) are in the CSV of
#: ``tribescope campaign report --out FILE.csv``, which the report's note names.
CAMPAIGN_COLUMNS = (
    "handle",
    "creator_platform",
    "label_group",
    "cost",
    "clicks",
    "conversions",
    "revenue",
    "cpa",
    "roas",
    "roi",
    "roi_lo",
    "roi_hi",
)
#: Rows of each table the report shows (the leaderboard's, the niches' and the campaign creators')
MAX_ROWS = 100


def _campaign_ids(page: Any) -> list[str]:
    """The campaigns the campaign creator table's rows belong to, sorted."""
    return sorted({str(r["campaign_id"]) for r in page.rows if r.get("campaign_id") is not None})


def _campaign_columns(page: Any, ids: list[str]) -> list[str]:
    """:data:`CAMPAIGN_COLUMNS` that ``page`` (the campaign creator table) has, after ``campaign_id`` when its rows
    span several campaigns (``ids``)."""
    lead = ["campaign_id"] if len(ids) > 1 and "campaign_id" in page.columns else []
    return lead + [c for c in CAMPAIGN_COLUMNS if c in page.columns]


def _script_text(name: str) -> str:
    text = (files("tribescope.web") / "static" / name).read_text(encoding="utf-8")
    # Nothing in the inlined code may end the <script> element early.
    return text.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def _csp(scripts: list[str]) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
        for s in scripts
    )
    # vega compiles its expressions with Function(), hence 'unsafe-eval'; no network access at all.
    return (
        f"default-src 'none'; script-src {hashes} 'unsafe-eval'; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def render_report(
    ws: Workspace,
    *,
    top: int = 20,
    evidence: int = 3,
    title: str | None = None,
    spec: Spec | str | os.PathLike[str] | None = None,
) -> str:
    """The report as one HTML string: summary, leaderboard, ``top`` creator sections (the first
    ``evidence`` of them with the evidence of :func:`tribescope.score.explain`), niches, campaigns. ``spec``: the
    score spec the creator sections read the stored scores with (their components and evidence), as
    ``tribescope score --spec`` made them; default the packaged one."""
    require_workspace(ws, "render_report")
    sp = load_spec(spec) if spec is not None else None  # a broken spec fails before any work
    board = _data.list_creators(ws, _data.CreatorQuery(page_size=_data.MAX_PAGE_SIZE))
    creators: list[dict[str, Any]] = []
    for i, r in enumerate(board.rows[:top]):
        d = _data.creator_detail(ws, r["platform"], r["creator_id"], evidence=i < evidence, spec=sp)
        if d is not None:
            creators.append(
                {"d": d, "charts": creator_charts(d), "prefix": f"c{i}", "anchor": f"creator-{i}"}
            )
    changes = _data.score_changes(ws) if board.scored else _data.ScoreChanges()
    niches = _data.niches(ws, 1, _data.MAX_PAGE_SIZE)
    members = _data.niche_creators(ws, 1, _data.MAX_PAGE_SIZE) if niches.ok else niches
    # campaign creators named as the leaderboard names them (the dashboard's campaigns page does the same)
    camps = _data.with_stored_handles(ws, _data.campaigns(ws, 1, _data.MAX_PAGE_SIZE))
    labels = _data.campaign_labels(ws, 1, _data.MAX_PAGE_SIZE) if camps.ok else camps
    campaign_ids = _campaign_ids(camps.data) if camps.ok else []
    from tribescope.campaigns._report import LABEL_GROUP_COLUMNS  # here: loading it loads pandas

    scripts = [_script_text(n) for n in _VENDOR]
    ctx: dict[str, Any] = {
        "title": title or f"tribescope report — {Path(ws.path).name}",
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "summary": _data.workspace_summary(ws),
        "board": board,
        # the rows of the table: the chart draws the creators the table lists (a creator it leaves out is in the
        # table, as its note says), not the 500 the board was read with
        "board_chart": _charts.leaderboard(board.rows[:MAX_ROWS]) if board.scored and board.total else None,
        "chart_counts": _charts.leaderboard_counts(board.rows[:MAX_ROWS]),
        # anything imported at all: a workspace without creators is told to import, not to score
        "imported": board.total > 0 or _data.has_posts(ws),
        # scored creators whose posts or comments changed since the score (those imported since: board.extra)
        "changed": changes.changed,
        # scored creators whose follower count changed since the score (their tier, ER and reach with it)
        "followers_changed": changes.followers,
        # scored creators whose other data (likes, views, comment texts, profiles, linked spaces) changed since
        "edited": changes.edited,
        # which spec made the stored scores (`score --spec FILE`): the leaderboard's labels are that spec's rules
        "specs": _data.stored_specs(ws) if board.scored else [],
        "spec": sp,
        "creators": creators,
        "anchors": {
            (c["d"]["creator"]["platform"], c["d"]["creator"]["creator_id"]): c["anchor"] for c in creators
        },
        "niches": niches,
        "niche_chart": _charts.niche_map(members.data.rows) if members.ok else None,
        "campaigns": camps,
        "labels": labels,
        "roi_chart": _charts.campaign_roi(camps.data.rows, camps.data.columns) if camps.ok else None,
        "cmp_chart": _charts.campaign_comparison(labels.data.rows) if labels.ok else None,
        "campaign_columns": _campaign_columns(camps.data, campaign_ids) if camps.ok else [],
        "campaign_ids": campaign_ids,
        "label_columns": [c for c in LABEL_GROUP_COLUMNS if c in labels.data.columns] if labels.ok else [],
        "max_rows": MAX_ROWS,
        "css": Markup(
            (files("tribescope.web") / "static" / "app.css").read_text(encoding="utf-8").replace("</", "<\\/")
        ),
        "scripts": [Markup(s) for s in scripts],
        "csp": _csp(scripts),
        "inline": True,
        "read_only": True,
        "comments_limit": 15,
    }
    return env().get_template("report.html").render(**ctx)


def write_report(
    ws: Workspace,
    out: str | os.PathLike[str],
    *,
    top: int = 20,
    evidence: int = 3,
    spec: Spec | str | os.PathLike[str] | None = None,
) -> Path:
    """Write :func:`render_report` to ``out`` (parent folders created) and return the path. The page is rendered
    first, then written to a hidden ``.NAME.partial`` file renamed into place: a failure leaves nothing behind."""
    require_workspace(ws, "write_report")
    path = Path(out)
    if path.is_dir():  # before the (long) rendering, and again after it: the folder may appear meanwhile
        raise TribescopeError(
            f"{path}: is a directory; give the report's file name, e.g. {path / 'report.html'}"
        )
    html = render_report(ws, top=top, evidence=evidence, spec=spec)
    if path.is_dir():
        raise TribescopeError(
            f"{path}: is a directory; give the report's file name, e.g. {path / 'report.html'}"
        )
    return write_whole(path, lambda tmp: tmp.write_text(html, encoding="utf-8"), name=f"the report {path}")
