"""`tribescope score` (ranked creators, export) and `tribescope explain CREATOR` (why that score)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pyarrow as pa
import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from tribescope.cli._app import PlainTable, app, console, err, fail, state
from tribescope.cli._out import check_out, json_safe, score_text, write_table
from tribescope.errors import TribescopeError
from tribescope.score._spec import (
    INSUFFICIENT_LAST_NOTE,
    confidence_text,
    er_text,
    insufficient_out_of_order,
    is_share,
    label_text,
    load_spec_option,
    metric_text,
)

if TYPE_CHECKING:
    import threading

    from tribescope.score._cache import StageTiming

_LABEL_STYLE = {
    "community_influencer": "bold green",
    "broadcast_influencer": "yellow",
    "creator": "cyan",
    "suspicious": "bold red",
    "insufficient_data": "dim",
}


def _label_markup(label: Any) -> str:
    """A label as ``score`` and ``explain`` print it: its display name (:func:`label_text`) in the label's colour; a
    label of the user's spec that has no colour here (``reach_only``) is printed plain, never as ``[]reach only[/]``
    (which Rich refuses: "closing tag '[/]' … has nothing to close")."""
    style = _LABEL_STYLE.get(str(label), "")
    text = escape(label_text(label))
    return f"[{style}]{text}[/]" if style else text


def _reach_text(followers: Any, tier: Any) -> str:
    """``explain``'s followers and tier: ``8,463 followers · tier nano``; for a creator without an ``accounts`` row
    ``followers unknown · no tier``, not ``– followers · tier None``."""
    reach = "followers unknown" if followers is None else f"{_num_text(followers, 'followers')} followers"
    return f"{reach} · " + ("no tier" if tier is None else f"tier {escape(str(tier))}")


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


# one format per kind of number, shared with the dashboard and the report (tribescope.score._spec)
_num_text = metric_text
_is_share = is_share


def _plural(n: int, one: str, many: str) -> str:
    """``1 reply``, ``2 replies``."""
    return f"{n:,} {one if n == 1 else many}"


def _vs(value: Any, threshold: float, column: str = "") -> str:
    """``value`` of ``column`` as :func:`_num_text` shows it, with the decimals it takes to tell it from
    ``threshold`` (0.4999 is not shown as 0.50 next to "< 0.50", nor 49.996% as 50.0% next to "< 50.0%")."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return _num_text(value, column)
    text = _num_text(value, column)
    if value == threshold or text != _num_text(threshold, column):
        return text
    scale = 100 if _is_share(column) else 1
    for d in range(1, 9):
        if round(value * scale, d) != round(threshold * scale, d):
            return _num_text(value, column, d)
    return repr(value)


def _cond(c: dict[str, Any]) -> str:
    """A label condition with the creator's value, both in the column's format: ``real_follower_share 100.0% < 50.0%``."""
    col, v = c["column"], c["value"]
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        # not "real_follower_share – < 50.0%": a condition on a missing value is false (docs of the spec's labels)
        return f"{col} {c['op']} {_num_text(c['threshold'], col)} (no value)"
    return f"{col} {_vs(v, c['threshold'], col)} {c['op']} {_num_text(c['threshold'], col)}"


def _failed(c: dict[str, Any]) -> str:
    """A label condition that did not hold, with the creator's value (or the evidence it lacked)."""
    text = _cond(c)
    ev = c.get("evidence")
    if ev:
        text += (
            f" (too little evidence: {ev['column']} {_num_text(ev['value'], ev['column'])} < "
            f"{_num_text(ev['minimum'], ev['column'])})"
        )
    return text


_er_text = er_text


def _rule_name(label: Any) -> str:
    """A label in ``explain``'s rule lines: its display name (:func:`label_text`), with the stored name the spec's
    rules use when it is not the same words ("too little data (insufficient_data)")."""
    name = label_text(label)
    return escape(name if name == str(label).replace("_", " ") else f"{name} ({label})")


def _line(text: Any, width: int) -> str:
    """A comment or caption on one line of ``explain``'s evidence (escaped for Rich): its line breaks and runs of
    blanks as one space, then its first ``width`` characters — a line break in a comment started a line of its own
    at the left margin, read as the next item of the listing."""
    return escape(" ".join(str(text or "").split())[:width])


def _weight_digits(weights: list[float]) -> int:
    """The decimals every spec weight of the table is shown with: two, or as many as the finest weight has (0.125)."""
    for d in range(2, 7):
        if all(round(w, d) == w for w in weights):
            return d
    return 6


def _namer(ex: dict[str, Any]) -> Callable[[Any], str]:
    """How ``explain`` names a commenter of its evidence: the handle :func:`tribescope.score.explain` found for the
    account (``names``), else the account id."""
    names = ex.get("names") or {}

    def who(account: Any) -> str:
        return str(names.get(str(account)) or account)

    return who


def _report_timings(stages: list[StageTiming], took: float, path: Path) -> None:
    """``score --timings``: each stage's time as a table on stderr (longest first) and in ``path``, in the order the
    stages began."""
    rows = sorted(stages, key=lambda s: s.started)
    t = pa.table(
        {
            "stage": pa.array([s.stage for s in rows], pa.string()),
            "thread": pa.array([s.on for s in rows], pa.string()),
            "started_s": pa.array([round(s.started, 3) for s in rows], pa.float64()),
            "seconds": pa.array([round(s.seconds, 3) for s in rows], pa.float64()),
            "creators": pa.array([s.creators for s in rows], pa.int64()),
        }
    )
    write_table(t, path, option="--timings")
    table = Table(
        title=f"where the score's {took:.1f} s went (two threads: their stages overlap)",
        show_edge=False,
    )
    for col, just in (
        ("stage", "left"),
        ("thread", "left"),
        ("started", "right"),
        ("seconds", "right"),
        ("share", "right"),
        ("creators", "right"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for s in sorted(rows, key=lambda s: -s.seconds):
        table.add_row(
            escape(s.stage),
            s.on,
            f"{s.started:.2f}",
            f"{s.seconds:.2f}",
            f"{s.seconds / took:.0%}" if took > 0 else "–",
            "–" if s.creators is None else f"{s.creators:,}",
        )
    err.print(table)
    err.print(f"wrote {len(rows)} stage timings to {path}")


def write_scores(tbl: pa.Table, out: Path) -> None:
    """Write scores as CSV, Parquet or JSON (records) by the file suffix, whole or not at all
    (:func:`tribescope.cli._out.write_table`); ``score`` checked ``out`` before its work (:func:`check_out`)."""
    write_table(tbl, out)


@app.command()
def score(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Exports to import first, in the same run (as `tribescope import PATHS` does; one transaction: a "
            "bad record imports nothing and scores nothing). Without them, the workspace as it is."
        ),
    ] = None,
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
    timings: Annotated[
        Path | None,
        typer.Option(
            "--timings",
            help="Print how long each stage took, and write it to FILE.csv|.parquet|.json (stage, thread, "
            "started and seconds after the score began, creators computed).",
        ),
    ] = None,
) -> None:
    """Score every creator: community_score 0–100, label, confidence and every component.

    With PATHS, import those exports first (`tribescope score exports/` = `tribescope import exports/` then
    `tribescope score`, in one process: the engine, the modules and the models load once, and the scoring modules
    load while the import runs).
    """
    # light: the scoring modules load on first use
    from tribescope.score._cache import recomputed_text
    from tribescope.score._run import load_ahead, score_workspace

    try:  # before any work: an --out it could not write, or a broken --spec, would fail after the import committed
        if out is not None:
            check_out(out)
        if timings is not None:
            check_out(timings, option="--timings")
            if out is not None and timings.resolve() == out.resolve():  # the timings would replace the scores
                raise TribescopeError(
                    f"--timings {timings} is the --out file; write the stage timings to another file"
                )
        # a column no score table has (a typo'd metric) fails before the import too
        the_spec = load_spec_option(spec, sentiment=not no_sentiment)
    except TribescopeError as exc:
        raise fail(exc) from None
    if paths:
        from tribescope.cli._ingest import run_import

        missing = next((p for p in paths if not p.exists()), None)
        if missing is not None:  # most likely the file the scores were meant for
            raise fail(
                TribescopeError(
                    f"{missing}: no such file or directory — `score PATHS` imports those exports first; to write the "
                    f"scores to a file, use --out {missing}"
                )
            )
        # started with the import's first progress (its first file staged): beside the listing, hashing and
        # classifying of the files (a syscall per step, each giving up the GIL to the loading thread) it made them
        # ~10x slower (synth m: the first plan 0.8-1.3 s later; docs/perf-rounds.md, forty-ninth round)
        ahead: list[threading.Thread] = []
        try:
            ws = run_import(paths, reading=lambda: ahead.append(load_ahead()))
        finally:
            # before this thread imports anything more, also when the import failed (a test's process goes on)
            for loading in ahead:
                loading.join()
    try:
        if not paths:
            ws = state.open()
        stages: list[StageTiming] = []
        began = time.perf_counter()
        with err.status("checking what changed…") as status:
            tbl = score_workspace(
                ws,
                the_spec,
                sentiment=not no_sentiment,
                models=not no_models,
                full=full,
                progress=status.update,
                timings=stages,
            )
        took = time.perf_counter() - began
        if out is not None:
            write_scores(tbl, out)  # NaN written as null in JSON (write_table)
            console.print(f"wrote {tbl.num_rows:,} creators to {out}")
        if timings is not None:
            _report_timings(stages, took, timings)
    except TribescopeError as exc:
        raise fail(exc) from None
    rows = tbl.slice(0, limit).to_pylist()
    used = f"{rows[0]['spec_version']}, {rows[0].get('spec_hash')}" if rows else "-"
    t = PlainTable(  # the data's text as it is: no Rich markup, a right-to-left override kept to its cell
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
        ("confidence", "right"),
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
        cells: list[
            str | Text
        ] = [  # the data's text as it is: a handle "[bold]x" or "x[/]" is no Rich markup
            str(i),
            str(r["handle"])[:24],
            str(r["platform"]),
            _fmt(r["followers"]),
            _fmt(r["tier"]),
            Text.from_markup(_label_markup(r["label"])),
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
    if rows or not tbl.num_rows:  # `--limit 0 --out FILE`: no table of no rows
        console.print(t)
    if insufficient_out_of_order(rows):  # a "too little data" row below a lower score reads as a mistake
        console.print(f"[dim]{INSUFFICIENT_LAST_NOTE}[/]")
    if not tbl.num_rows:
        console.print(
            "[dim]no creators in this workspace yet: `tribescope import FOLDER` brings exports in[/]"
        )
    recomputed = recomputed_text(stages, tbl.num_rows)
    if recomputed:
        console.print(f"[dim]{escape(recomputed)}[/]", highlight=False)
    if tbl.num_rows > limit and out is None:
        console.print(
            f"[dim]… {tbl.num_rows - limit:,} more; --out FILE.csv writes them all with every column[/]"
        )
    elif (
        tbl.num_rows > limit and rows
    ):  # not "--out FILE.csv writes them all" to a user who has just given --out
        console.print(f"[dim]… {tbl.num_rows - limit:,} more in {out}, with every column[/]", highlight=False)


@app.command()
def explain(
    creator: Annotated[
        str,
        typer.Argument(
            help="Creator handle (with or without @) or platform id; PLATFORM:ID (tiktok:cookswithbea) picks the "
            "platform of a handle that is on several."
        ),
    ],
    spec: Annotated[Path | None, typer.Option("--spec", help="Score spec TOML.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
) -> None:
    """Why a creator got its score: each component, its tier benchmark and contribution, and the evidence."""
    from tribescope.score import explain as explain_creator

    try:
        ws = state.open(read_only=True)
        ex = explain_creator(ws, creator, spec=spec)
    except TribescopeError as exc:
        raise fail(exc) from None
    if as_json:
        console.print_json(data=json_safe(ex), default=str)
        return
    console.print(
        f"[bold]@{escape(str(ex['handle']))}[/] ({escape(str(ex['platform']))}, {escape(str(ex['creator_id']))}) · "
        f"{_reach_text(ex['followers'], ex['tier'])} · "
        f"{_label_markup(ex['label'])} · "
        f"score [bold]{score_text(ex['community_score'])}[/] · confidence {confidence_text(ex['confidence'])}"
    )
    sp = ex["spec"]
    console.print(
        f"[dim]spec {escape(str(sp['name']))} {escape(str(sp['version']))} ({sp['hash']}) · {escape(sp['path'])}[/]"
    )
    for w in ex["warnings"]:
        console.print(f"[bold yellow]note:[/] {escape(w)}")
    why = ex["label_reasons"]
    if why["conditions"]:
        held = ", ".join(_cond(c) for c in why["conditions"])
        console.print(f"why {_rule_name(ex['label'])}: {held} — {escape(why['rationale'])}")
    else:
        console.print(f"why {_rule_name(ex['label'])}: {escape(why['rationale'])}")
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
        console.print(f"[dim]not {_rule_name(r['rule'])}: {text}[/]")
    b = ex["benchmark"]
    er = f"ER (median per post) {_er_text(b['er_median'])} vs tier benchmark {_er_text(b['er_benchmark'])}"
    ratio = ex["metrics"].get("er_ratio")
    source = b["source"] or (
        "no benchmark without a follower count" if ex["followers"] is None else "no benchmark"
    )
    console.print(
        f"{er} ({escape(str(source))})"
        + (f" · er_ratio {_num_text(ratio, 'er_ratio')}" if ratio is not None else "")
    )
    t = Table(
        title="components (points = score 0–100 × weight used; they add up to the community score)",
        show_edge=False,
    )
    wd = _weight_digits([c["spec_weight"] for c in ex["components"]])
    for col in ("component", "value", "tier\nmedian", "score", "spec\nweight", "weight\nused", "points"):
        if col == "component":  # the names in full where the width allows; the numbers take what is left
            t.add_column(col, justify="left", min_width=min(28, max(12, console.width - 58)))
        else:
            t.add_column(col, justify="right")
    missing = []
    for c in ex["components"]:
        t.add_row(
            f"{c['name']} [dim]({c['metric']})[/]",
            _num_text(c["value"], c["metric"]),
            _num_text(c["tier_median"], c["metric"]),
            _num_text(c["score"], "community_score"),
            f"{c['spec_weight']:.{wd}f}",
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
    who = _namer(ex)
    if ev["conversations"]:
        console.print("[bold]Followers talking to each other[/]")
        for conv in ev["conversations"]:
            console.print(
                f"  {escape(who(conv['pair'][0]))} ↔ {escape(who(conv['pair'][1]))}: "
                f"{_plural(conv['replies'], 'reply', 'replies')} under {_plural(conv['posts_together'], 'post', 'posts')}"
            )
            for m in conv["thread"]:
                console.print(f"    [dim]{escape(who(m['author_id']))}:[/] {_line(m['text'], 140)}")
    else:
        console.print("[dim]No conversational replies between followers found.[/]")
    if ev["returning_commenters"]:
        rc = ", ".join(
            f"{escape(who(r['author_id']))} ({_plural(r['posts'], 'post', 'posts')})"
            for r in ev["returning_commenters"]
        )
        console.print(f"[bold]Returning commenters[/]: {rc}")
    if ev["sponsored_posts"]:
        console.print(f"[bold]Sponsored posts found[/] ({len(ev['sponsored_posts'])}):")
        for p in ev["sponsored_posts"]:
            console.print(f"  {escape(str(p['post_id']))} \\[{p['kind']}] {_line(p['caption'], 100)}")
    if ev["suspicious_signals"]:
        console.print("[bold red]Suspicious signals[/]: " + escape("; ".join(ev["suspicious_signals"])))
