"""`tribescope synth`: write a synthetic sample with planted truth in the platforms' real formats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tribescope.cli._app import PlainTable, app, console, err, fail
from tribescope.cli._out import check_out_folder
from tribescope.errors import TribescopeError


@app.command()
def synth(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder to write (created; must be empty or earlier synth output)."),
    ],
    scale: Annotated[
        str, typer.Option("--scale", help="xs (~10k comments), s (~100k), m (~1M) or l (~10M).")
    ] = "s",
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Random seed ≥ 0: the same seed writes byte-identical files.")
    ] = 0,
) -> None:
    """Generate realistic exports (YouTube, Instagram, TikTok, Discord, Reddit) with planted truth.

    The truth (creator kinds, niches and leaders, fake accounts, pods, sponsored posts) goes to
    OUT/truth/, a brand campaign (plan, Shopify orders, link clicks) to OUT/campaigns/; both are
    skipped by `tribescope import OUT`.
    """
    # imported here: at module level every other command would load the generator (~0.07 s)
    from tribescope.synth import SCALES, generate

    if scale not in SCALES:
        raise fail(TribescopeError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}"))
    try:
        check_out_folder(out)
    except TribescopeError as exc:
        raise fail(exc) from None
    with Progress(
        TextColumn("[bold]synth[/] creators"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=scale in ("xs", "s"),
    ) as bar:
        task = bar.add_task("", total=SCALES[scale].creators)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            summary = generate(out, scale=scale, seed=seed, progress=progress)
        except TribescopeError as exc:
            raise fail(exc) from None
    t = PlainTable(
        title=f"synthetic sample in {out} (scale {scale}, seed {seed}, {summary.seconds:.1f}s)",
        show_edge=False,
    )
    t.add_column("platform")
    t.add_column("creators / spaces", justify="right")
    t.add_column("posts", justify="right")
    t.add_column("comments / messages", justify="right")
    for p, d in summary.by_platform.items():
        t.add_row(
            p,
            str(d.get("creators", d.get("spaces", 0))),
            str(d.get("posts", "")),
            str(d.get("comments", d.get("messages", 0))),
        )
    console.print(t)
    console.print(
        f"{summary.comments:,} comments, {summary.community_messages:,} community messages, "
        f"{summary.profiles:,} profiles, {summary.pods} pods, {summary.sponsored_posts} sponsored posts, "
        f"{summary.orders:,} orders. Planted truth: {out / 'truth'}; campaign: {out / 'campaigns'}."
    )
