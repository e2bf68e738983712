"""`tribescope niches`, `overlap`, `circle`, `similar`, `eval niches`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import pyarrow as pa
import typer

from tribescope._cells import is_share_column
from tribescope._limits import MAX_ROWS
from tribescope.cli._app import (
    KimData,
    PlainTable,
    app,
    console,
    err,
    eval_app,
    fail,
    shared_data,
    state,
    train_app,
)
from tribescope.cli._out import check_out, finite, positive, write_atomic, write_table
from tribescope.errors import TribescopeError

if TYPE_CHECKING:
    from tribescope.store import Workspace

__all__: list[str] = []

#: what ``--out`` writes here (``.json`` too is one record a line)
_SUFFIXES = (".csv", ".tsv", ".parquet", ".jsonl", ".ndjson", ".json")


def _check(out: Path | None) -> None:
    """Refuse an ``--out`` this module cannot write, before any work."""
    if out is not None:
        check_out(out, _SUFFIXES)


def _json_default(v: Any) -> str:
    """A value JSON has no type for: a time as ISO 8601, anything else as its text."""
    import datetime as dt

    return v.isoformat() if isinstance(v, dt.date | dt.time) else str(v)


def _write(table: pa.Table, out: Path) -> None:
    """Write ``table`` as CSV, TSV, Parquet, JSON (an array of records, as every command's ``--out x.json``) or JSON
    Lines (``.jsonl`` / ``.ndjson``) by the file's extension (checked by :func:`_check`); times as ISO 8601 in the
    text formats (:func:`~tribescope.cli._out.write_table`)."""
    try:
        write_table(table, out)
    except TribescopeError as exc:
        raise fail(exc) from None


def _fmt(v: Any, column: str = "", digits: int = 3) -> str:
    """A cell: a count with thousands separators, a share as a percentage with one decimal, any other number with
    ``digits`` decimals, a flag as yes / no (not Python's True / False), a list joined by commas."""
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if is_share_column(column):
            return f"{v:.1%}"
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, list):
        return ", ".join(_fmt(x) for x in v)
    return str(v)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _handles(ws: Workspace, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The handle (``accounts.username``) of each creator ``(platform, id)`` of ``keys`` the workspace knows one for."""
    keys = set(keys)
    if not keys or not ws.has_table("accounts"):
        return {}
    a = ws.table("accounts")
    a = a.filter(
        a.platform.isin(sorted({p for p, _ in keys})) & a.account_id.isin(sorted({i for _, i in keys}))
    )
    rows = a.select("platform", "account_id", "username").to_pyarrow().to_pylist()
    return {(r["platform"], r["account_id"]): r["username"] for r in rows if r["username"]}


def _with_handles(ws: Workspace, table: pa.Table, *ids: tuple[str, str, str]) -> pa.Table:
    """``table`` with a handle column after each id column, as the score table names creators (a YouTube id alone,
    ``UC…``, says nothing to a person); ``ids``: ``(platform column, id column, handle column)``."""
    keys = {
        i: list(zip(table.column(p).to_pylist(), table.column(i).to_pylist(), strict=True)) for p, i, _ in ids
    }
    names = _handles(ws, (k for column in keys.values() for k in column))
    for _, i, h in ids:
        handles = pa.array([names.get(k) for k in keys[i]], pa.string())
        table = table.add_column(table.column_names.index(i) + 1, h, handles)
    return table


def _named(ws: Workspace, key: tuple[str, str]) -> str:
    """``PLATFORM:ID`` of a creator, with its handle when the workspace knows one."""
    handle = _handles(ws, [key]).get(key)
    return f"{key[0]}:{key[1]}" + (f" (@{handle})" if handle else "")


def _show(
    table: pa.Table,
    title: str,
    columns: list[str] | None = None,
    limit: int | None = None,
    digits: dict[str, int] | None = None,
) -> None:
    """``table`` (its ``columns``, the first ``limit`` rows) as a Rich table: numbers right-aligned, as every other
    table of the CLI aligns them, in the formats of :func:`_fmt` (``digits``: decimals by column, 3 by default)."""
    cols = columns or table.column_names
    rows = table.to_pylist()[:limit]
    if not rows and limit is not None:  # `circle --top 0`: a title and headers over no row said nothing
        return
    # a handle is text, not Rich markup (PlainTable): "[/b]zed" crashed the table, "[red]kim" showed a red "kim"
    t = PlainTable(title=title, show_edge=False)
    for c in cols:
        numeric = any(_is_number(r[c]) for r in rows) and all(r[c] is None or _is_number(r[c]) for r in rows)
        t.add_column(c, justify="right" if numeric else "left")
    for row in rows:
        t.add_row(*(_fmt(row[c], c, (digits or {}).get(c, 3)) for c in cols))
    console.print(t)


@app.command()
def niches(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write every creator's group, leader rank and bridge role (.csv, .tsv, .parquet, .json or .jsonl).",
        ),
    ] = None,
    resolution: Annotated[
        float | None,
        typer.Option(
            "--resolution",
            "-r",
            callback=positive,
            help="Leiden resolution γ > 0; default: chosen by a sweep (most stable partition).",
        ),
    ] = None,
    alpha: Annotated[
        float,
        typer.Option(
            min=0,
            max=1,
            callback=finite,
            help="Weight of audience overlap vs topic similarity in the creator graph, 0 (topics only) – 1.",
        ),
    ] = 0.5,
    # NMF (scikit-learn) takes seeds 0 … 2³² − 1
    seed: Annotated[int, typer.Option(min=0, max=2**32 - 1, help="Random seed for Leiden and NMF.")] = 0,
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            help="Score spec TOML whose [leaders] gives the leader score's weights (default: the packaged spec.toml).",
        ),
    ] = None,
) -> None:
    """Niche groups of creators (Leiden), their topics, size, leaders and the bridges between them."""
    from tribescope.niche import niche_groups
    from tribescope.score._spec import load_spec

    try:
        _check(out)
        sp = load_spec(spec)  # before the workspace: a bad spec file is the error, not a half-done run
        ws = state.open(read_only=True)
        res = niche_groups(ws, resolution=resolution, alpha=alpha, seed=seed, spec=sp)
    except TribescopeError as exc:
        raise fail(exc) from None
    if res.sweep.num_rows > 1:
        _show(res.sweep, "resolution sweep (Leiden, modularity objective Q_γ)")
    console.print(
        f"chosen resolution γ = {res.resolution:g}; modularity Q_1 = {res.modularity:.3f}; "
        f"audience weight α = {res.alpha:g}"
    )
    for note in res.notes:
        err.print(f"[yellow]note:[/] {note}")
    _show(res.groups, f"{res.groups.num_rows} niche group{'' if res.groups.num_rows == 1 else 's'}")
    b = res.creators.filter(res.creators.column("is_bridge"))
    if b.num_rows:
        _show(
            b.sort_by([("betweenness", "descending")]),
            "bridges between groups",
            ["platform", "username", "group", "bridges_to", "betweenness", "participation"],
        )
    if out is not None:
        _write(res.creators, out)
        console.print(f"wrote {res.creators.num_rows:,} creators to {out}", markup=False)
    ws.close()


@app.command()
def overlap(
    creators: Annotated[
        list[str], typer.Argument(help="Two or more creators: PLATFORM:ID, account id or username.")
    ],
    minhash: Annotated[
        int,
        typer.Option(
            min=0,
            max=MAX_ROWS,
            help="Also estimate Jaccard from bottom-k MinHash sketches of this size (0 = off).",
        ),
    ] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the pairwise table (.csv, .tsv, .parquet, .json or .jsonl)."),
    ] = None,
) -> None:
    """Audience overlap between creators: shared engaged accounts, Jaccard, the smaller audience's overlap.

    Then the unique vs shared audience and reach of the whole list."""
    from tribescope.niche import audience, audience_sketches, estimate_jaccard, overlap_list, resolve_creators
    from tribescope.niche import overlap as overlap_fn

    if len(creators) < 2:
        raise fail(TribescopeError("overlap needs at least two creators"))
    try:
        _check(out)
        ws = state.open(read_only=True)
        keys = list(dict.fromkeys(resolve_creators(ws, creators)))
        if len(keys) < 2:
            raise TribescopeError(
                f"overlap needs at least two different creators; {', '.join(creators)} name one creator"
            )
        pairs = overlap_fn(ws, keys)
        per, totals = overlap_list(ws, keys)
        if minhash > 0:
            sk = audience_sketches(audience(ws, keys), minhash).to_pyarrow().to_pylist()
            by: dict[tuple[str, str], list[int]] = {}
            for r in sk:
                by.setdefault((r["creator_platform"], r["creator_id"]), []).append(int(r["h"]))
            est = [
                estimate_jaccard(
                    np.array(by.get((r["a_platform"], r["a_id"]), []), dtype=np.int64),
                    np.array(by.get((r["b_platform"], r["b_id"]), []), dtype=np.int64),
                    minhash,
                )
                for r in pairs.to_pylist()
            ]
            pairs = pairs.append_column("jaccard_minhash", pa.array(est, pa.float64()))
    except TribescopeError as exc:
        raise fail(exc) from None
    # the file as the table (and `/api/overlap.csv`) name each creator: by its handle too, after its id
    pairs = _with_handles(ws, pairs, ("a_platform", "a_id", "a_handle"), ("b_platform", "b_id", "b_handle"))
    _show(pairs, "pairwise audience overlap")
    _show(_with_handles(ws, per, ("platform", "creator_id", "handle")), "unique vs shared audience")
    console.print(
        f"the list reaches {totals['reach']:,} distinct engaged accounts; "
        f"{totals['duplicated']:,} of {totals['sum_audiences']:,} audience slots are duplicates"
    )
    if out is not None:
        _write(pairs, out)
    ws.close()


#: the Orbit levels of `circle`, more than one ("8 contributors", not "8 contributor")
_LEVEL_PLURAL = {
    "advocate": "advocates",
    "contributor": "contributors",
    "participant": "participants",
    "explorer": "explorers",
}


@app.command()
def circle(
    creator: Annotated[str, typer.Argument(help="PLATFORM:ID, account id or username.")],
    top: Annotated[int, typer.Option(min=0, max=MAX_ROWS, help="Members to list.")] = 20,
    all_levels: Annotated[
        bool, typer.Option("--all", help="List every level, not only the inner circle.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write every member's row (.csv, .tsv, .parquet, .json or .jsonl)."),
    ] = None,
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            help="Score spec TOML whose [circle] gives the love half-life and the levels' minimum love (default: the packaged spec.toml).",
        ),
    ] = None,
) -> None:
    """The inner circle of a creator's audience (Orbit model: love over time × reach, levels 1–4)."""
    from tribescope.niche import inner_circle, resolve_creators
    from tribescope.score._spec import load_spec

    try:
        _check(out)
        sp = load_spec(spec)
        ws = state.open(read_only=True)
        (key,) = resolve_creators(ws, [creator])
        t = inner_circle(ws, key, spec=sp)
    except TribescopeError as exc:
        raise fail(exc) from None
    if not t.num_rows:
        # not "0 engaged members — " and an empty table
        console.print(
            f"{_named(ws, key)}: no engaged members — nobody else commented under its posts or wrote in a space "
            "linked to it (`community_links`)",
            markup=False,
        )
        if out is not None:
            _write(t, out)
        ws.close()
        return
    counts: dict[str, int] = {}
    for name in t.column("level_name").to_pylist():
        counts[name] = counts.get(name, 0) + 1
    console.print(
        f"{_named(ws, key)}: {t.num_rows:,} engaged member{'' if t.num_rows == 1 else 's'} — "
        + ", ".join(f"{n:,} {_LEVEL_PLURAL.get(k, k) if n != 1 else k}" for k, n in counts.items()),
        markup=False,
    )
    shown = t if all_levels else t.filter(t.column("inner_circle"))
    if not shown.num_rows:  # not an empty "inner circle" table
        console.print(
            "no inner circle yet: no advocate or contributor (levels 1–2); `--all` lists every level"
        )
        if out is not None:
            _write(t, out)
        ws.close()
        return
    _show(
        shown,
        "inner circle" if not all_levels else "members by level",
        [
            "level",
            "level_name",
            # one person's Instagram handle and Discord account are two members: without it the same name twice
            "member_platform",
            "member_id",
            "username",
            "active_weeks",
            "love",
            "reach",
            "reach_source",
            "gravity",
        ],
        limit=top,
    )
    if shown.num_rows > top:  # the summary's counts, not the table's rows, are the whole circle
        where = "in the inner circle" if not all_levels else "at every level"
        console.print(
            f"… {shown.num_rows - top:,} more {where}; --top N lists more, --out FILE writes every member"
            if top
            else f"{shown.num_rows:,} members {where}, none listed (--top 0); --top N lists them, --out FILE writes "
            "every member",
            markup=False,
        )
    if out is not None:
        _write(t, out)
    ws.close()


@app.command()
def similar(
    creator: Annotated[str, typer.Argument(help="PLATFORM:ID, account id or username.")],
    n: Annotated[int, typer.Option("--n", "-n", min=1, max=MAX_ROWS, help="How many lookalikes.")] = 10,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the lookalikes with their reasons (.csv, .tsv, .parquet, .json or .jsonl).",
        ),
    ] = None,
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            help="Score spec TOML whose [similar] gives the weights of topic, audience and profile (default: the packaged spec.toml).",
        ),
    ] = None,
) -> None:
    """Lookalike creators by topic, audience and community profile, with the reasons."""
    from tribescope.niche import resolve_creators
    from tribescope.niche import similar as similar_fn
    from tribescope.score._spec import load_spec

    try:
        _check(out)
        sp = load_spec(spec)
        ws = state.open(read_only=True)
        (key,) = resolve_creators(ws, [creator])
        t = similar_fn(ws, key, n=n, spec=sp)
    except TribescopeError as exc:
        raise fail(exc) from None
    t = _with_handles(ws, t, ("platform", "creator_id", "handle"))
    if not t.num_rows:  # not an empty table under "creators like …"
        console.print(
            f"no creator is like {_named(ws, key)}: no other creator shares a word of its texts or an engaged "
            "account with it, or has a community profile like it",
            markup=False,
        )
    else:
        _show(
            t,
            f"creators like {_named(ws, key)}",
            ["platform", "creator_id", "handle", "similarity", "topic", "audience", "profile", "reasons"],
            # the decimals of the reasons beside them ("topics 0.92 …; profile 0.92"), not 0.922 beside 0.92
            digits={"similarity": 2, "topic": 2, "audience": 2, "profile": 2},
        )
    if out is not None:
        _write(t, out)
    ws.close()


@eval_app.command("niches")
def eval_niches(
    data: Annotated[
        Path | None,
        typer.Option(
            help="Folder holding instagram_influencer_posts_kim/ and musae_social_graphs/ (default: "
            "$TRIBESCOPE_SHARED_DATA, else shared/data beside the repository, else ../shared/data).",
        ),
    ] = None,
    classifier: Annotated[
        bool, typer.Option(help="Evaluate the niche-category classifier (retrains on 80 %).")
    ] = True,
    graphs: Annotated[
        bool, typer.Option(help="Community detection / leader centrality on the MUSAE graphs.")
    ] = True,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write all figures as .json.")] = None,
) -> None:
    """Figures for the niche classifier (Kim et al.) and niche groups / leaders (MUSAE graphs)."""
    if out is not None:
        try:
            check_out(out, (".json",))
        except TribescopeError as exc:
            raise fail(exc) from None
    figures: dict[str, Any] = {}
    if classifier:
        from tribescope.niche import _category_train

        kim = shared_data(data) / "instagram_influencer_posts_kim"
        if not kim.is_dir():
            raise fail(TribescopeError(f"{kim} not found; pass --data pointing at the shared data folder"))
        m = _category_train.main([str(kim), "--eval-only"])
        figures["classifier"] = m
        _print_category_metrics(m)
    if graphs:
        from tribescope.niche import _musae

        root = shared_data(data) / "musae_social_graphs"
        if not root.is_dir():
            raise fail(TribescopeError(f"{root} not found; pass --data pointing at the shared data folder"))
        g = _musae.run_all(root)
        figures["musae"] = g
        for name in ("facebook", "github"):
            c = g[name]["chosen"]
            console.print(
                f"{name}: γ={c['resolution']:g}, {c['groups']} groups, Q={c['modularity']:.3f}, "
                f"NMI={c['nmi']:.3f}, ARI={c['ari']:.3f}"
            )
        for lang, r in g["twitch"].items():
            console.print(
                f"twitch {lang}: Spearman(PageRank, views)={r['pagerank']['spearman_views']:.3f}, "
                f"AUC(PageRank→partner)={r['pagerank']['auc_partner']:.3f}"
            )
    if out is not None:
        try:
            write_atomic(
                out, lambda tmp: tmp.write_text(json.dumps(figures, indent=2, default=_json_default) + "\n")
            )
        except TribescopeError as exc:
            raise fail(exc) from None
        console.print(f"wrote {out}")


def _print_category_metrics(m: dict[str, Any]) -> None:
    j = m["judged"]
    console.print(
        f"niche category, held-out creators n={m['n']:,}: accuracy {m['accuracy']:.3f} "
        f"[{m['accuracy_ci95'][0]:.3f}, {m['accuracy_ci95'][1]:.3f}], macro-F1 {m['macro_f1']:.3f} "
        f"[{m['macro_f1_ci95'][0]:.3f}, {m['macro_f1_ci95'][1]:.3f}] (majority baseline "
        f"{m['majority_baseline_accuracy']:.3f})"
    )
    console.print(
        f"judged creators ({j['rule']}; coverage {j['coverage']:.1%}): accuracy {j['accuracy']:.3f} "
        f"[{j['accuracy_ci95'][0]:.3f}, {j['accuracy_ci95'][1]:.3f}], macro-F1 {j['macro_f1']:.3f} "
        f"[{j['macro_f1_ci95'][0]:.3f}, {j['macro_f1_ci95'][1]:.3f}]"
    )
    console.print(
        "per-class F1 (all / judged): "
        + ", ".join(f"{c} {f:.2f}/{j['per_class_f1'][c]:.2f}" for c, f in m["per_class_f1"].items())
    )


@train_app.command("category")
def train_category(
    data: KimData = None,
    model_out: Annotated[
        Path | None,
        typer.Option(help="Folder for category.npz / category.json (default: the package's niche/models)."),
    ] = None,
) -> None:
    """Rebuild the shipped niche-category model deterministically (held-out evaluation + final fit;
    docs/findings-real-data.md measures 65–80 s, longer on a slower or busier machine)."""
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from tribescope.niche import _category_train

    kim = shared_data(data) / "instagram_influencer_posts_kim"
    if not kim.is_dir():
        raise fail(TribescopeError(f"{kim} not found; pass --data pointing at the shared data folder"))
    args = [str(kim)] + (["--out", str(model_out)] if model_out is not None else [])
    m = _category_train.main(args)
    _print_category_metrics(m)
