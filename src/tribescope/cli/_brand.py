"""`tribescope brand …`, `ambassadors`, `posts`, `campaign …`, `plan`, `eval sponsored`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.markup import escape

from tribescope._cells import LABEL_COLUMNS, figure_cell
from tribescope._limits import MAX_ROWS, MAX_WINDOW_DAYS
from tribescope.cli._app import (
    KimData,
    PlainTable,
    app,
    console,
    eval_app,
    fail,
    shared_data,
    state,
    train_app,
)
from tribescope.cli._out import check_out, finite, positive, write_atomic, write_table
from tribescope.errors import TribescopeError

brand_app = typer.Typer(
    help="Brand profiles: add, list, show (fit, safety, evangelists).", no_args_is_help=True
)
campaign_app = typer.Typer(help="Campaigns: import plans and shop results, report ROI.", no_args_is_help=True)
app.add_typer(brand_app, name="brand")
app.add_typer(campaign_app, name="campaign")


def _fmt(v: Any, column: str | None = None, labels: frozenset[str] = LABEL_COLUMNS) -> str:
    """A cell as the dashboard shows it (:func:`~tribescope._cells.figure_cell`: labels by name, counts whole, money
    and ROI with two decimals, …); another number with two decimals, three under 1."""
    if v is None:
        return ""
    text = figure_cell(v, column, labels) if column is not None else None
    if text is not None:
        return text
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) >= 1 or v == 0 else f"{v:.3f}"
    if isinstance(v, list):
        return "\n".join(str(x) for x in v[:3])
    return str(v)


def _show(
    t: pa.Table,
    title: str,
    cols: list[str],
    limit: int = 20,
    out: Path | None = None,
    labels: frozenset[str] = LABEL_COLUMNS,
) -> None:
    """Print ``t`` as a table. Cells and title are plain text, never Rich markup: quoted posts, comments, brand
    words and descriptions hold brackets ("[gambling, exclusions] post …", "[/]") that markup would swallow or refuse
    with a traceback. ``out``: the file the rows are written to — the rows past ``limit`` are said to be in it (as
    ``tribescope score`` says), not "use --out FILE" to a user who gave it; ``--limit 0`` prints no table of no rows. ``labels``: the
    columns holding a score label (the label groups' table's ``group``; a campaign's ``group`` is its id)."""
    cols = [c for c in cols if c in t.column_names]
    if limit or not t.num_rows:
        tab = PlainTable(title=title, show_edge=False)
        for c in cols:
            tab.add_column(c, overflow="fold")
        for r in t.slice(0, limit).to_pylist():
            tab.add_row(*[_fmt(r[c], c, labels) for c in cols])
        console.print(tab)
    if t.num_rows > limit and (
        limit or out is None
    ):  # `--limit 0 --out FILE`: "wrote N rows to FILE" says it
        more = f"{t.num_rows - limit} more rows" if limit else f"{t.num_rows} rows"
        console.print(
            f"… {more} in {escape(str(out))}, with every column"
            if out is not None
            else f"… {more} (use --out FILE for all)"
        )


def _write(t: pa.Table, out: Path) -> None:
    """CSV (lists joined by ' | '), Parquet or JSON by the suffix :func:`check_out` accepted; whole or not at all."""
    try:
        write_table(t, out)
    except TribescopeError as exc:
        raise fail(exc) from None
    console.print(f"wrote {t.num_rows} rows to {escape(str(out))}")


_SECTIONS = ("all", "fit", "safety", "evangelists")


def _section_outs(out: Path, section: str) -> dict[str, Path]:
    """The file of each exported section: ``out`` itself, or ``<stem>_<section><suffix>`` for ``all``."""
    if section != "all":
        return {section: out}
    return {k: out.with_name(f"{out.stem}_{k}{out.suffix}") for k in _SECTIONS[1:]}


# ------------------------------------------------------------------------------------------ brand
@brand_app.command("add")
def brand_add(
    name: Annotated[str, typer.Argument(help="Brand name.")],
    handle: Annotated[
        list[str] | None, typer.Option("--handle", help="Brand account (repeat; PLATFORM:HANDLE ok).")
    ] = None,
    keyword: Annotated[
        list[str] | None, typer.Option("--keyword", help="Product / brand word (repeat).")
    ] = None,
    description: Annotated[str, typer.Option(help="What the brand sells and to whom (used for fit).")] = "",
    competitor: Annotated[
        list[str] | None, typer.Option("--competitor", help="Competing brand (repeat).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Brand-safety exclusion keyword (repeat).")
    ] = None,
) -> None:
    """Create or replace a brand profile."""
    from tribescope.brand import add_brand

    try:
        ws = state.open(create=True)
        b = add_brand(
            ws,
            name,
            handles=handle,
            keywords=keyword,
            description=description,
            competitors=competitor,
            exclusions=exclude,
        )
    except TribescopeError as exc:
        raise fail(exc) from None
    console.print(
        escape(
            f"brand {b.name!r} saved: handles {', '.join(b.handles) or '-'}; keywords {', '.join(b.keywords) or '-'}"
        )
    )
    ws.close()


@brand_app.command("list")
def brand_list() -> None:
    """List brand profiles."""
    from tribescope.brand import list_brands

    try:
        ws = state.open(read_only=True)
    except TribescopeError as exc:
        raise fail(exc) from None
    brands = list_brands(ws)
    if not brands:
        console.print("no brands yet: tribescope brand add NAME --handle … --keyword …")
    # every word of every profile (a list cell shows its first three only, as evidence does) and every profile:
    # `brand list` has no --out to send the rest to
    rows = [{k: ", ".join(v) if isinstance(v, list) else v for k, v in b.to_row().items()} for b in brands]
    t = pa.Table.from_pylist(rows) if brands else None
    if t is not None:
        _show(t, "brands", ["name", "handles", "keywords", "competitors", "exclusions"], t.num_rows)
    ws.close()


@brand_app.command("show")
def brand_show(
    name: Annotated[str, typer.Argument(help="Brand name.")],
    section: Annotated[str, typer.Option(help="all | fit | safety | evangelists")] = "all",
    flagged: Annotated[bool, typer.Option("--flagged", help="Safety: only creators with a flag.")] = False,
    limit: Annotated[int, typer.Option(min=0, max=MAX_ROWS, help="Rows per table.")] = 10,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Export the chosen section (.csv, .json or .parquet; with `all`, FILE_fit.csv and so on), every creator "
            "of it: the overview of `all` prints only the flagged creators of the safety section, its file holds all "
            "(--flagged: only those).",
        ),
    ] = None,
) -> None:
    """Show a brand: profile, best-fitting creators, safety flags, organic evangelists."""
    import pyarrow.compute as pc

    from tribescope.brand import brand_fit, evangelists, get_brand, safety_flags
    from tribescope.cli._niche import _with_handles

    def named(t: pa.Table) -> pa.Table:
        """``t`` with ``handle`` after ``creator_id``, as the leaderboard names creators: the stored handle
        (``accounts.username``), else the id (a YouTube ``UC…`` id alone says nothing to a person)."""
        t = _with_handles(ws, t, ("platform", "creator_id", "handle"))
        i = t.column_names.index("handle")
        return t.set_column(i, "handle", pc.coalesce(t["handle"], t["creator_id"]))

    try:
        if section not in _SECTIONS:
            raise TribescopeError(f"unknown section {section!r}; use all, fit, safety or evangelists")
        outs = _section_outs(check_out(out), section) if out is not None else {}
        for p in outs.values():
            check_out(p)
        ws = state.open(read_only=True)
        b = get_brand(ws, name)
        console.print(
            f"[bold]{escape(b.name)}[/]  "
            + escape(
                f"handles: {', '.join(b.handles) or '-'}; keywords: "
                f"{', '.join(b.keywords) or '-'}; competitors: {', '.join(b.competitors) or '-'}; "
                f"exclusions: {', '.join(b.exclusions) or '-'}\n{b.description}"
            )
        )
        tables: dict[str, pa.Table] = {}
        if section in ("all", "fit"):
            tables["fit"] = named(brand_fit(ws, b))
            _show(
                tables["fit"],
                "brand fit (TF-IDF)",
                ["platform", "handle", "fit", "content_similarity", "audience_similarity", "evidence"],
                limit,
                outs.get("fit"),
            )
        if section in ("all", "safety"):
            # the file holds every creator (unless --flagged); the overview of `all` prints the flagged ones only
            tables["safety"] = named(safety_flags(ws, b, flagged_only=flagged))
            shown = tables["safety"]
            if section == "all" and not flagged:
                shown = shown.filter(pc.greater(pc.list_value_length(shown["flags"]), 0))
            _show(
                shown,
                "brand safety flags",
                ["platform", "handle", "flags", "toxic_comment_share", "excluded", "evidence"],
                limit,
                # the overview of `all` prints the flagged ones only: the file holds every creator, so its rows
                # are not "more" of these
                outs.get("safety") if shown is tables["safety"] else None,
            )
        if section in ("all", "evangelists"):
            tables["evangelists"] = evangelists(
                ws, b, limit=None
            )  # the file holds every one; the table `limit`
            _show(
                tables["evangelists"],
                "organic evangelists",
                ["platform", "username", "followers", "mentions", "evidence"],
                limit,
                outs.get("evangelists"),
            )
    except TribescopeError as exc:
        raise fail(exc) from None
    for k, p in outs.items():
        _write(tables[k], p)
    ws.close()


@app.command("ambassadors")
def ambassadors_cmd(
    brand: Annotated[str, typer.Option("--brand", "-b", help="Brand name (see `brand list`).")],
    limit: Annotated[int, typer.Option(min=0, max=MAX_ROWS, help="Members to list.")] = 25,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write .csv, .json or .parquet.")] = None,
) -> None:
    """Rank the brand's own community members (its posts' commenters, its server/subreddit) by influence."""
    from tribescope.brand import ambassadors

    try:
        if out is not None:
            check_out(out)
        ws = state.open(read_only=True)
        t = ambassadors(ws, brand, limit=None)
    except TribescopeError as exc:
        raise fail(exc) from None
    _show(
        t,
        f"ambassadors to recruit for {brand}",
        ["platform", "username", "followers", "activity", "sparked", "repliers", "influence", "evidence"],
        limit,
        out,
    )
    if out is not None:
        _write(t, out)
    ws.close()


#: the values of ``posts --sponsored`` (:func:`tribescope.sponsored.classify_posts`' ``sponsored`` column)
_SPONSORED_KINDS = ("disclosed", "likely", "no")


@app.command("posts")
def posts_cmd(
    creator: Annotated[
        str | None, typer.Option("--creator", "-c", help="Only this creator (account id / handle).")
    ] = None,
    platform: Annotated[str | None, typer.Option(help="Only this platform.")] = None,
    sponsored: Annotated[str | None, typer.Option(help="Only disclosed | likely | no.")] = None,
    limit: Annotated[int, typer.Option(min=0, max=MAX_ROWS, help="Rows to print.")] = 30,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write .csv, .json or .parquet.")] = None,
) -> None:
    """List posts with their sponsorship: disclosed, likely (model) or no; probability; brands named."""
    from tribescope.sponsored import classify_posts

    try:
        if out is not None:
            check_out(out)
        if platform is not None:  # stored lower-case: `--platform Instagram` listed no post at all
            from tribescope.schema import PLATFORMS

            platform = platform.strip().lower()
            if platform not in PLATFORMS:
                raise TribescopeError(f"unknown --platform {platform!r}; use one of {', '.join(PLATFORMS)}")
            if creator is not None:
                from tribescope.metrics._base import split_creator_name

                named = split_creator_name(creator)[0]
                if named and named != platform:  # would list nothing, as if the creator had no post
                    raise TribescopeError(
                        f"--creator {creator!r} is on {named}, --platform {platform}: give one platform"
                    )
        # checked before the posts are classified: `--sponsored ""` listed every post
        kind = None if sponsored is None else sponsored.strip().lower()
        if kind is not None and kind not in _SPONSORED_KINDS:
            raise TribescopeError(f"unknown --sponsored {sponsored!r}; use {', '.join(_SPONSORED_KINDS)}")
        ws = state.open(read_only=True)
        t = classify_posts(ws, creator=creator, platform=platform)
    except TribescopeError as exc:
        raise fail(exc) from None
    if kind is not None:
        import pyarrow.compute as pc

        t = t.filter(pc.equal(t["sponsored"], kind))
    _show(
        t,
        "posts",
        [
            "platform",
            "post_id",
            "creator_id",
            "created_at",
            "sponsored",
            "sponsored_probability",
            "disclosure",
            "signals",
            "brands_mentioned",
        ],
        limit,
        out,
    )
    if out is not None:
        _write(t, out)
    ws.close()


# ------------------------------------------------------------------------------------------ campaigns
@campaign_app.command("import")
def campaign_import(
    folder: Annotated[
        Path | None,
        typer.Argument(help="Folder with *plan*.csv, *order*.csv (or *order*.json), *click*.csv."),
    ] = None,
    plan: Annotated[Path | None, typer.Option(help="Campaign plan CSV.")] = None,
    orders: Annotated[
        Path | None,
        typer.Option(help="Shop orders: Shopify or WooCommerce export CSV, or Shopify Orders API .json."),
    ] = None,
    clicks: Annotated[
        Path | None, typer.Option(help="Link clicks CSV (date, utm_campaign, link, clicks).")
    ] = None,
) -> None:
    """Import a campaign plan and its results (all or nothing)."""
    from tribescope.campaigns import find_campaign_files, import_campaign

    try:
        named = {k: v for k, v in {"plan": plan, "orders": orders, "clicks": clicks}.items() if v}
        files: dict[str, Path] = find_campaign_files(folder, given=named) if folder else {}
        files.update(named)
        if folder and not files:
            raise TribescopeError(
                f"{folder}: no campaign files in this folder (its subfolders are not searched): looked for a CSV "
                "whose name holds 'plan', one holding 'order' (or a .json of Shopify orders) and one holding "
                "'click'; rename them, or give --plan, --orders and/or --clicks"
            )
        ws = state.open(create=True)
        n = import_campaign(ws, **files)  # type: ignore[arg-type]
    except TribescopeError as exc:
        raise fail(exc) from None
    for k, v in n.items():
        console.print(
            f"{k}: {v} rows ({files[{'campaign_plan': 'plan', 'campaign_orders': 'orders', 'campaign_clicks': 'clicks'}[k]]})"
        )
    ws.close()


@campaign_app.command("report")
def campaign_report_cmd(
    campaign: Annotated[str | None, typer.Option(help="Only this campaign id.")] = None,
    cpm_table: Annotated[
        Path | None, typer.Option(help="CSV platform,cpm for EMV (default: shipped table).")
    ] = None,
    margin: Annotated[
        float,
        typer.Option(min=0, max=1, callback=finite, help="Gross margin for ROI, 0–1 (1 = revenue ROI)."),
    ] = 1.0,
    window: Annotated[
        int,
        typer.Option(min=0, max=MAX_WINDOW_DAYS, help="Attribution window in days after the campaign end."),
    ] = 14,
    brand_term: Annotated[
        list[str] | None, typer.Option("--brand-term", help="Words that mark campaign posts.")
    ] = None,
    backtest: Annotated[bool, typer.Option(help="Also back-test the forecast on these campaigns.")] = True,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the creator table (+ _labels, _campaigns, _incrementality) as .csv, .json or .parquet.",
        ),
    ] = None,
) -> None:
    """ROI per creator, per campaign and community vs broadcast, with 95 % bootstrap CIs."""
    from tribescope.campaigns import CampaignReport, campaign_report, load_cpm_table
    from tribescope.campaigns._forecast import backtest as run_backtest
    from tribescope.campaigns._report import LABEL_GROUP_COLUMNS

    try:
        outs = CampaignReport.paths(out) if out is not None else {}
        for p in outs.values():
            check_out(p)
        ws = state.open(read_only=True)
        from tribescope.brand._text import stored_brand_terms

        brand_terms = list(brand_term or []) or stored_brand_terms(ws)
        rep = campaign_report(
            ws,
            campaign=campaign,
            cpm_table=load_cpm_table(cpm_table) if cpm_table else None,
            margin=margin,
            window_days=window,
            brand_terms=brand_terms,
        )
    except TribescopeError as exc:
        raise fail(exc) from None
    _show(
        rep.creators,
        "per creator",
        [
            "handle",
            "label_group",
            "cost",
            "impressions",
            "engagements",
            "clicks",
            "conversions",
            "revenue",
            "cpm",
            "cpe",
            "cpa",
            "roas",
            "roi",
            "roi_lo",
            "roi_hi",
            "emv",
        ],
        50,
        outs.get("creators"),
    )
    _show(
        rep.labels,
        "community vs broadcast",
        list(LABEL_GROUP_COLUMNS),
        labels=LABEL_COLUMNS | {"group"},
    )
    _show(
        rep.campaigns,
        "per campaign",
        ["group", "creators", "cost", "conversions", "revenue", "roas", "roi", "roi_lo", "roi_hi", "emv"],
    )
    _show(
        rep.incrementality,
        "incrementality vs pre-period",
        [
            "campaign_id",
            "pre_orders",
            "observed_orders",
            "baseline_orders",
            "incremental_orders",
            "incremental_lo",
            "incremental_hi",
            "credited_orders",
            "note",
        ],
    )
    for n in rep.notes:
        console.print(f"• {escape(n)}")
    if backtest:
        bt = run_backtest(rep.creators.to_pandas())
        if "coverage" in bt:
            console.print(
                f"• forecast back-test (leave one creator out, {bt['creators']} creators, "
                f"{bt['campaign_rows']} campaign rows): 80 % interval "
                f"coverage {bt['coverage']:.0%}, MAE {bt['mae_conversions']:.1f} conversions, "
                f"Spearman {bt['spearman']:.2f}"
            )
    for name, p in outs.items():
        try:
            write_table(getattr(rep, name), p)
        except TribescopeError as exc:
            raise fail(exc) from None
        console.print(f"wrote {escape(str(p))}")
    ws.close()


@app.command("plan")
def plan_cmd(
    brand: Annotated[str, typer.Option("--brand", "-b", help="Brand name (exclusions apply).")],
    budget: Annotated[float, typer.Option(callback=positive, help="Budget to spend.")],
    platform: Annotated[
        list[str] | None, typer.Option("--platform", help="Only these platforms (repeat).")
    ] = None,
    min_community_share: Annotated[
        float,
        typer.Option(
            min=0, max=1, callback=finite, help="Least share of budget on community influencers, 0–1."
        ),
    ] = 0.7,
    max_macro: Annotated[
        int, typer.Option(min=-1, max=MAX_ROWS, help="Most macro/mega creators (-1 = no limit).")
    ] = 2,
    overlap_penalty: Annotated[
        float,
        typer.Option(min=0, callback=finite, help="Value discount per unit of audience overlap (0 = off)."),
    ] = 1.0,
    min_roi: Annotated[
        float,
        typer.Option(
            "--min-roi",
            min=-1,
            callback=finite,
            help="Least expected ROI of a pick (0 = break-even, 0.5 = +50%; -1 plans any): budget is left "
            "unspent rather than spent on creators expected below it.",
        ),
    ] = 0.0,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the picks (.csv, .json or .parquet).")
    ] = None,
) -> None:
    """Pick creators that maximise expected conversions within the budget, with a rationale per pick."""
    from tribescope.brand import get_brand
    from tribescope.campaigns._io import format_money
    from tribescope.campaigns._plan import plan_budget, summary_text

    try:
        if out is not None:
            check_out(out)
        ws = state.open(read_only=True)
        get_brand(ws, brand)
        res = plan_budget(
            ws,
            budget,
            brand=brand,
            platforms=platform,
            min_community_share=min_community_share,
            max_macro=None if max_macro < 0 else max_macro,
            overlap_penalty=overlap_penalty,
            use_overlap=overlap_penalty > 0,
            min_roi=None if min_roi <= -1 else min_roi,
        )
    except TribescopeError as exc:
        raise fail(exc) from None
    _show(
        res.picks,
        f"plan for {brand}: budget {format_money(budget)}",
        [
            "rank",
            "platform",
            "handle",
            "label",
            "tier",
            "cost",
            "expected_conversions",
            "conversions_lo",
            "conversions_hi",
            "rationale",
        ],
        100,
        out,
    )
    s = res.summary
    console.print(escape(summary_text(s)))
    for n in s["notes"]:
        console.print(f"• {escape(n)}")
    if out is not None:
        _write(res.picks, out)
    ws.close()


def _kim_dir(data: Path) -> Path:
    return (
        data / "instagram_influencer_posts_kim"
        if (data / "instagram_influencer_posts_kim").exists()
        else data
    )


def _print_sponsored_metrics(met: dict[str, Any]) -> None:
    console.print(f"protocol: {met.get('protocol')}")
    console.print(
        f"posts {met.get('n_posts')}, sponsored {met.get('n_positive')} (base rate {met.get('base_rate', 0):.3%}),"
        f" creators {met.get('n_creators')}"
    )
    for k in ("pr_auc", "recall@50", "recall@100", "recall@200"):
        if k in met:
            v = met[k]
            console.print(f"{k:>11}: {v['value']:.3f}  (95% CI {v['ci95'][0]:.3f} … {v['ci95'][1]:.3f})")
    if "at_threshold" in met:
        thr = met.get("threshold")
        console.print(
            f"'likely' threshold{f' {thr}' if thr is not None else ''}: precision "
            f"{met['at_threshold']['precision']:.3f}, recall {met['at_threshold']['recall']:.3f}"
        )
    if "calibration" in met:
        c = met["calibration"]
        console.print(
            f"calibration (Platt, out of fold): mean probability {c['mean_probability']:.4f} vs base rate "
            f"{met.get('base_rate', 0):.4f}; Brier {c['brier']:.5f}"
        )
    for name, digest in (met.get("training_files") or {}).items():
        console.print(f"trained on {name} sha256 {digest}")


@eval_app.command("sponsored")
def eval_sponsored(
    data: KimData = None,
    split: Annotated[
        str | None,
        typer.Option(
            help="Also score the shipped model on this split (e.g. holdout): "
            "tags hidden, brand index from the train split."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the metrics as .json.")] = None,
) -> None:
    """PR-AUC and recall@k of the likely-sponsored model on held-out creators (Kim et al. labels)."""
    from tribescope.sponsored import evaluate_kim, load_model

    try:
        if out is not None:
            check_out(out, (".json",))
        m = load_model()
        met = m.metrics
        # the split first: a split that is not there fails before anything is printed, not after the stored figures
        on_split = evaluate_kim(m, _kim_dir(shared_data(data)), split=split) if split else None
        _print_sponsored_metrics(met)
        if on_split is not None:
            met = on_split
            met["threshold"] = m.threshold
            console.print(f"\n[bold]{split} split[/]")
            _print_sponsored_metrics(met)
        if out is not None:
            write_atomic(out, lambda tmp: tmp.write_text(json.dumps(met, indent=1)))
    except TribescopeError as exc:
        raise fail(exc) from None
    if out is not None:
        console.print(f"wrote {out}")


@train_app.command("sponsored")
def train_sponsored(
    data: KimData = None,
    model_out: Annotated[
        Path | None, typer.Option(help="Where to write the model JSON (default: the package).")
    ] = None,
) -> None:
    """Rebuild the shipped likely-sponsored model deterministically (grouped CV + final fit, a few minutes)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from tribescope.sponsored import train_kim

    path = model_out or Path(__file__).resolve().parents[1] / "sponsored" / "sponsored_model.json"
    try:
        m = train_kim(_kim_dir(shared_data(data)), out=path)
    except TribescopeError as exc:
        raise fail(exc) from None
    _print_sponsored_metrics(m.metrics)
    console.print(f"wrote {path}")
