"""`tribescope score` (ranked creators, export) and `tribescope explain CREATOR` (why that score)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.table import Table

from tribescope.cli._app import app, console, err, fail, state
from tribescope.cli._out import check_out, json_safe, score_text, write_table
from tribescope.errors import TribescopeError
from tribescope.score._spec import confidence_text

_LABEL_STYLE = {
    "community_influencer": "bold green",
    "broadcast_influencer": "yellow",
    "creator": "cyan",
    "suspicious": "bold red",
    "insufficient_data": "dim",
}


def _fmt(v: Any, pct: bool = False) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        if v != v:  # NaN
            return "–"
        if v != 0 and round(v, 4 if pct else 2) == 0:
            v = abs(v)  # no "-0.00" for a value a rounding error below 0
        if pct:
            return f"{v:.1%}"
        return f"{int(v):,}" if v.is_integer() else f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _plural(n: int, one: str, many: str) -> str:
    """``1 reply``, ``2 replies``."""
    return f"{n:,} {one if n == 1 else many}"


def _vs(value: Any, threshold: float) -> str:
    """``value`` with the decimals it takes to tell it from ``threshold`` (0.4999 is not shown as 0.50 next to
    "< 0.50")."""
    if not isinstance(value, float) or value != value:
        return _fmt(value)
    for d in range(2, 7):
        if round(value, d) != round(threshold, d) or value == threshold:
            return f"{value:,.{d}f}".rstrip("0").rstrip(".") if d > 2 else _fmt(value)
    return repr(value)


def _failed(c: dict[str, Any]) -> str:
    """A label condition that did not hold, with the creator's value (or the evidence it lacked)."""
    text = f"{c['column']} {_vs(c['value'], c['threshold'])} {c['op']} {_fmt(c['threshold'])}"
    ev = c.get("evidence")
    if ev:
        text += f" (too little evidence: {ev['column']} {_fmt(ev['value'])} < {_fmt(ev['minimum'])})"
    return text


def write_scores(tbl: pa.Table, out: Path) -> None:
    """Write scores as CSV, Parquet or JSON (records) by the file suffix, whole or not at all
    (:func:`tribescope.cli._out.write_table`)."""
    write_table(tbl, check_out(out))


@app.command()
def score(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write every row and column to FILE.csv|.parquet|.json."),
    ] = None,
    spec: Annotated[
        Path | None, typer.Option("--spec", help="Score spec TOML (default: the packaged spec.toml).")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Rows shown in the table (--out still writes every row).")
    ] = 40,
    no_sentiment: Annotated[
        bool, typer.Option("--no-sentiment", help="Skip VADER sentiment (faster).")
    ] = False,
    no_models: Annotated[
        bool,
        typer.Option(
            "--no-models", help="Skip the trained authenticity and niche models (use stored results)."
        ),
    ] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Recompute every creator (by default only creators whose data changed since the last score).",
        ),
    ] = False,
) -> None:
    """Score every creator: community_score 0–100, label, confidence and every component."""
    from tribescope.score._run import score_workspace

    try:
        ws = state.open()
        with err.status("checking what changed…") as status:
            tbl = score_workspace(
                ws,
                spec,
                sentiment=not no_sentiment,
                models=not no_models,
                full=full,
                progress=status.update,
            )
        if out is not None:
            write_scores(tbl, out)  # NaN written as null in JSON (write_table)
            console.print(f"wrote {tbl.num_rows:,} creators to {out}")
    except TribescopeError as exc:
        raise fail(exc) from None
    rows = tbl.slice(0, limit).to_pylist()
    used = f"{rows[0]['spec_version']}, {rows[0].get('spec_hash')}" if rows else "-"
    t = Table(
        title=f"creators by community score ({tbl.num_rows:,}; spec {used})",
        show_edge=False,
    )
    wide = console.width >= 130
    cols = [
        ("#", "right"),
        ("creator", "left"),
        ("platform", "left"),
        ("followers", "right"),
        ("tier", "left"),
        ("label", "left"),
        ("score", "right"),
        ("conf", "right"),
    ]
    if wide:
        cols += [
            ("follower talk", "right"),
            ("returning", "right"),
            ("substantive", "right"),
            ("sponsored", "right"),
        ]
    for col, just in cols:
        t.add_column(col, justify=just, no_wrap=col in ("creator", "label"))  # type: ignore[arg-type]
    for i, r in enumerate(rows, 1):
        style = _LABEL_STYLE.get(r["label"], "")
        short = str(r["label"]).replace("_influencer", "").replace("insufficient_data", "too little data")
        cells = [
            str(i),
            str(r["handle"])[:24],
            r["platform"],
            _fmt(r["followers"]),
            _fmt(r["tier"]),
            f"[{style}]{short}[/]" if style else short,
            score_text(r["community_score"]),
            confidence_text(r["confidence"]),
        ]
        if wide:
            cells += [
                _fmt(r.get("interacting_commenter_share"), True),
                _fmt(r.get("returning_commenter_share"), True),
                _fmt(r.get("substantive_share"), True),
                _fmt(r.get("sponsored_share"), True),
            ]
        t.add_row(*cells)
    console.print(t)
    if not tbl.num_rows:
        console.print(
            "[dim]no creators in this workspace yet: `tribescope import FOLDER` brings exports in[/]"
        )
    if tbl.num_rows > limit:
        console.print(
            f"[dim]… {tbl.num_rows - limit:,} more; --out FILE.csv writes them all with every column[/]"
        )


@app.command()
def explain(
    creator: Annotated[str, typer.Argument(help="Creator handle (with or without @) or platform id.")],
    spec: Annotated[Path | None, typer.Option("--spec", help="Score spec TOML.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
) -> None:
    """Why a creator got its score: each component, its tier benchmark and contribution, and the evidence."""
    from rich.markup import escape

    from tribescope.score import explain as explain_creator

    try:
        ws = state.open(read_only=True)
        ex = explain_creator(ws, creator, spec=spec)
    except TribescopeError as exc:
        raise fail(exc) from None
    if as_json:
        console.print_json(data=json_safe(ex), default=str)
        return
    style = _LABEL_STYLE.get(ex["label"], "")
    console.print(
        f"[bold]@{escape(str(ex['handle']))}[/] ({ex['platform']}, {escape(str(ex['creator_id']))}) · "
        f"{_fmt(ex['followers'])} followers · tier {ex['tier']} · [{style}]{ex['label']}[/] · "
        f"score [bold]{score_text(ex['community_score'])}[/] · confidence {_fmt(ex['confidence'])}"
    )
    sp = ex["spec"]
    console.print(
        f"[dim]spec {escape(str(sp['name']))} {sp['version']} ({sp['hash']}) · {escape(sp['path'])}[/]"
    )
    for w in ex["warnings"]:
        console.print(f"[bold yellow]note:[/] {escape(w)}")
    why = ex["label_reasons"]
    if why["conditions"]:
        held = ", ".join(
            f"{c['column']} {_vs(c['value'], c['threshold'])} {c['op']} {_fmt(c['threshold'])}"
            for c in why["conditions"]
        )
        console.print(f"why {ex['label']}: {held} — {escape(why['rationale'])}")
    else:
        console.print(f"why {ex['label']}: {escape(why['rationale'])}")
    for r in why.get("not_before", []):
        if r["rule"] == ex["label"]:
            continue
        failed = ", ".join(_failed(c) for c in r["failed"])
        if r["needs"] == "all":
            text = f"{failed} does not hold" if len(r["failed"]) == 1 else f"these do not hold: {failed}"
        elif r["needs"] == "at least 1 of":
            text = f"none of these holds: {failed}"
        else:
            held = ", ".join(_failed(c) for c in r["held"]) or "none"
            text = f"it needs {r['needs'].split()[2]} of its conditions; holds: {held}; does not: {failed}"
        console.print(f"[dim]not {r['rule']}: {text}[/]")
    b = ex["benchmark"]
    console.print(
        f"ER {_fmt(b['er_median'], True)} vs tier benchmark {_fmt(b['er_benchmark'], True)} ({b['source']})"
    )
    t = Table(
        title="components (points = score 0–100 × weight; they add up to the community score)",
        show_edge=False,
    )
    for col in ("component", "value", "tier\nmedian", "score", "spec\nweight", "weight", "points"):
        if col == "component":  # the names in full where the width allows; the numbers take what is left
            t.add_column(col, justify="left", min_width=min(28, max(12, console.width - 58)))
        else:
            t.add_column(col, justify="right")
    missing = []
    for c in ex["components"]:
        t.add_row(
            f"{c['name']} [dim]({c['metric']})[/]",
            _fmt(c["value"]),
            _fmt(c["tier_median"]),
            _fmt(c["score"]),
            f"{c['spec_weight']:g}",
            f"{c['weight']:.1%}" if c["weight"] else "–",
            f"{c['contribution']:.2f}",
        )
        if c["missing"]:
            missing.append(f"{c['name']}: {escape(c['missing'])}")
    console.print(t)
    if missing:
        console.print(
            "[dim]left out (the other weights re-normalised): " + "; ".join(missing) + "[/]", soft_wrap=False
        )
    ev = ex["evidence"]
    if ev["conversations"]:
        console.print("[bold]Followers talking to each other[/]")
        for conv in ev["conversations"]:
            console.print(
                f"  {escape(str(conv['pair'][0]))} ↔ {escape(str(conv['pair'][1]))}: "
                f"{_plural(conv['replies'], 'reply', 'replies')} under {_plural(conv['posts_together'], 'post', 'posts')}"
            )
            for m in conv["thread"]:
                console.print(f"    [dim]{escape(str(m['author_id']))}:[/] {escape((m['text'] or '')[:140])}")
    else:
        console.print("[dim]No conversational replies between followers found.[/]")
    if ev["returning_commenters"]:
        rc = ", ".join(
            f"{escape(str(r['author_id']))} ({r['posts']} posts)" for r in ev["returning_commenters"]
        )
        console.print(f"[bold]Returning commenters[/]: {rc}")
    if ev["sponsored_posts"]:
        console.print(f"[bold]Sponsored posts found[/] ({len(ev['sponsored_posts'])}):")
        for p in ev["sponsored_posts"]:
            console.print(f"  {escape(str(p['post_id']))} \\[{p['kind']}] {escape(p['caption'][:100])}")
    if ev["suspicious_signals"]:
        console.print("[bold red]Suspicious signals[/]: " + escape("; ".join(ev["suspicious_signals"])))
