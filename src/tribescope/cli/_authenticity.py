"""`tribescope accounts`, `comments`, `pods`, `eval accounts|comments`, `train accounts|comments`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.measure import Measurement

from tribescope._files import write_whole
from tribescope._limits import MAX_ROWS, MAX_WINDOW_SECONDS
from tribescope.cli._app import CliConsole, PlainTable, app, console, err, fail, group, state
from tribescope.cli._out import check_out, write_atomic, write_table
from tribescope.errors import TribescopeError

_BOOL_COLS = ("has_profile_pic", "is_private", "is_verified")
_NUM_COLS = ("followers", "following", "posts")
_PROFILE_COLS = ("username", "full_name", "bio", "external_url", *_NUM_COLS, *_BOOL_COLS)
#: flag cells that stand for no value (as the importers read empty number cells)
_NO_VALUE = frozenset(("", "nan", "null", "none", "na", "n/a", "#n/a", "-", "\u2013", "\u2014"))
_DATA_HELP = (
    "Folder holding the labelled sets (default: $TRIBESCOPE_SHARED_DATA, else shared/data beside the repository, "
    "else ../shared/data)."
)


class InputError(TribescopeError):
    """An input file for an authenticity command is missing or malformed."""


_eval = group("eval", "Evaluate models and algorithms on labelled real data.")
_train = group("train", "Rebuild shipped models from the labelled real data (developers).")


def _cell_text(v: Any) -> str | None:
    """A Parquet or JSON value as the text a CSV cell holds: a flag ``true``/``false``, a whole float (a count column
    with a null is float64 in pandas' files) as the whole number, a list or object as JSON; a null stays None
    (unknown, as `import` stores it: an empty bio ``""`` is known to be empty, a null one is not known)."""
    import orjson

    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, list | dict):
        return orjson.dumps(v).decode()
    return str(v)


def _frame(columns: dict[str, list[str | None]], locs: list[str]) -> Any:
    """The cells' texts as a frame of strings; ``df.attrs["locs"]``: each row's place in its file."""
    import pandas as pd

    df = pd.DataFrame(columns, columns=list(columns), dtype=object)
    df.attrs["locs"] = locs
    return df


def _arrow_texts(col: Any) -> list[str | None]:
    """A Parquet column's cells as :func:`_cell_text` writes them: text, whole numbers and flags cast by Arrow in one
    go (the same texts: ``1234``, ``true``); floats, lists and the rest cell by cell."""
    import pyarrow as pa

    t = col.type
    if (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_integer(t)
        or pa.types.is_boolean(t)
    ):
        texts: list[str | None] = col.cast(pa.string()).to_pylist()
        return texts
    return [_cell_text(v) for v in col.to_pylist()]


def _read_json(path: Path, data: bytes) -> Any:
    """A JSON array of objects or NDJSON (one object a line), as `--out x.json` writes them: records in file order,
    the columns in the order they first appear."""
    import orjson

    records: list[Any] = []
    locs: list[str] = []
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:  # NDJSON
        for n, line in enumerate(data.splitlines(), 1):
            if line.strip():
                try:
                    records.append(orjson.loads(line))
                except orjson.JSONDecodeError as exc:
                    raise InputError(f"{path}: line {n}: not JSON ({exc})") from None
                locs.append(f"line {n}")
    else:
        records = doc if isinstance(doc, list) else [doc]
        locs = [f"record {i}" for i in range(1, len(records) + 1)] if isinstance(doc, list) else ["line 1"]
    for r, loc in zip(records, locs, strict=True):
        if not isinstance(r, dict):
            raise InputError(
                f"{path}: {loc}: expected a JSON object per record (a JSON array of objects, or one object a line), "
                f"found {type(r).__name__}"
            )
    if not records:
        raise InputError(f"{path}: no records; nothing to score")
    names = list(dict.fromkeys(k for r in records for k in r))
    return _frame({n: [_cell_text(r.get(n)) for r in records] for n in names}, locs)


def _read_csv(path: Path) -> Any:
    """The rows of a CSV/TSV, Parquet or JSON file as strings, a CSV read as ``tribescope import`` reads one
    (:func:`~tribescope.ingest._readers.iter_csv_rows`: comma, tab or semicolon found in the header, a ``sep=;``
    line, a byte-order mark, gzip/xz/zstd); ``df.attrs["locs"]`` names each row's place (``line 5``, ``record 3``), for
    errors. A tab- or semicolon-separated file used to be read as one column (`comments`: "no `text` column"), a
    line number counted pandas' rows, not the file's lines (a bio over two lines, or a blank line, moved it), and a
    Parquet or JSON file (what `--out` writes) was parsed as CSV text."""
    import pandas as pd

    from tribescope.errors import SourceError
    from tribescope.ingest._readers import Source, iter_csv_rows

    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise InputError(f"{path} {what}; give a CSV file with a header row")
    with path.open("rb") as f:
        is_parquet = f.read(4) == b"PAR1"
    if (
        is_parquet
    ):  # as `import` reads one: every cell as its text (a count 1234, a flag true), a null as empty
        import pyarrow.parquet as pq

        try:
            t = pq.read_table(path)
        except Exception as exc:  # a damaged file: pyarrow's reason
            raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
        if not t.num_rows:
            raise InputError(f"{path}: no rows; nothing to score")
        texts = {n: _arrow_texts(t.column(i)) for i, n in enumerate(t.column_names)}
        return _frame(texts, [f"row {i}" for i in range(1, t.num_rows + 1)])
    try:
        with Source(path).open() as fb:
            head = fb.read(1 << 16)
            if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
                return _read_json(path, (head + fb.read()).lstrip(b"\xef\xbb\xbf"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    header: list[str] = []
    sep: list[str] = []
    rows: list[dict[str, str]] = []
    locs: list[str] = []

    def on_header(names: list[str], delimiter: str) -> None:
        header.extend(names)
        sep.append(delimiter)

    try:
        for loc, row in iter_csv_rows(Source(path), on_header=on_header):
            if isinstance(row, SourceError):
                raise row
            rows.append(row)
            locs.append(loc)
    except SourceError as exc:
        raise InputError(f"{path}: {exc.location}: {exc.message}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    if not rows:
        raise InputError(f"{path}: a header and no rows; nothing to score")
    df = pd.DataFrame(rows, columns=header, dtype=object)
    df.attrs["locs"] = locs
    # Excel's CSV where the decimal mark is a comma (``1.234`` is a thousand), as ``import`` reads it
    df.attrs["european"] = sep == [";"]
    return df


def _loc(locs: list[str] | None, i: int) -> str:
    """Where row ``i`` of a frame of :func:`_read_csv` is in its file (else the line after a one-line header)."""
    return locs[i] if locs else f"line {i + 2}"


def _write_frame(df: Any, out: Path) -> None:
    """Write a scored frame: CSV as pandas writes it (the input's cells unchanged; a verdict ``true`` / ``false`` as
    ``score --out`` writes it), else Parquet or JSON records, a verdict as a boolean (it was the text "false", which
    pandas' ``df[df.is_fake]`` takes as true)."""
    if out.suffix.lower() == ".csv":
        flags = [c for c in df.columns if df[c].dtype == bool]
        text = df.assign(**{c: df[c].map({True: "true", False: "false"}) for c in flags})
        write_atomic(out, lambda tmp: text.to_csv(tmp, index=False))
    else:
        import pyarrow as pa

        df = df.copy(deep=False)
        df.attrs = {}  # the reader's line numbers (:func:`_read_csv`) are no output: pyarrow keeps attrs as metadata
        write_table(pa.Table.from_pandas(df, preserve_index=False), out)


def _counts(col: Any, name: str, source: str, locs: list[str] | None = None, european: bool = False) -> Any:
    """A count column as read from CSV → Float64 (empty → NULL, unknown): plain numbers by pandas, the rest as the
    importers read counts (:func:`tribescope.ingest._base.to_int`: ``1,234``, ``12.3K``, ``N/A``; ``-1`` unknown,
    :func:`~tribescope.ingest._base.count_out_of_range`). A cell that is no count is an :class:`InputError` naming its
    line and column — it used to become "unknown" without a word, so a
    follower count written ``12.3K`` (as analytics exports show it) changed the verdict and the category."""
    import numpy as np
    import pandas as pd

    from tribescope.errors import FieldError
    from tribescope.ingest._base import count_out_of_range, to_int

    text = col.astype(str).str.strip()
    num = pd.to_numeric(text.where(text != "", None), errors="coerce").astype("Float64")
    # only the cells pandas cannot read as a count (0, 1, 2 …) go the importers' way: ``-1``, which scraping tools
    # write for a count they could not see, is unknown as on import (it was 0 followers, a fake's mark), and a
    # negative or fractional count is an error as on import (``-5``, ``2.5`` were read as 0 and 2.5)
    plain = (num >= 0) & (num < 2.0**63) & (num == num.round())
    if european:  # ``1.234`` / ``1,5``: the importers' decimal-comma reading, not pandas'
        plain &= ~text.str.contains(r"[.,]", regex=True)
    for i in np.flatnonzero((~plain.fillna(False) & (text != "")).to_numpy()):
        try:
            v = to_int(text.iat[i], name, decimal_comma=european, abbreviated=True)
            if v is not None and v < 0:
                count_out_of_range(v, name)  # raises, or -1: unknown
                v = None
        except FieldError as exc:
            raise InputError(
                f"{source}: {_loc(locs, int(i))}, column {name}: {text.iat[i]!r} is not a count ({exc.message}); write a "
                "number (1234, 1,234 or 12.3K) or leave the cell empty when it is unknown"
            ) from None
        num.iat[i] = pd.NA if v is None else float(v)
    return num


def _profile_columns(columns: Any) -> dict[str, str]:
    """The profile columns the model reads (and ``platform``) → the input's column naming each, as ``tribescope
    import`` maps a CSV's header (:func:`~tribescope.ingest.tabular.column_mapping`: any case, blanks, camelCase,
    aliases such as ``follower_count``): a ``Followers`` column was left unread without a word."""
    from tribescope.ingest.tabular import column_mapping

    return {canon: c for c, canon in column_mapping(map(str, columns), (*_PROFILE_COLS, "platform")).items()}


def score_account_frame(df: Any, operating_point: str = "default", *, source: str = "input") -> Any:
    """Score a frame of account profiles (strings as read from CSV) in the engine; adds the four output columns.
    ``source`` names the input in errors (a count cell that is no number)."""
    import ibis
    import numpy as np
    import pandas as pd

    from tribescope.authenticity import features_from_canonical, load_account_model
    from tribescope.authenticity._accounts import _boolf

    model = load_account_model()
    typed = pd.DataFrame({"__row": np.arange(len(df), dtype=np.int64)})
    col = _profile_columns(
        df.columns
    )  # canonical name → the file's column (``Followers``, ``follower_count``)
    for c in _NUM_COLS:
        if c in col:
            typed[c] = _counts(  # NaN → NULL (unknown)
                df[col[c]], col[c], source, df.attrs.get("locs"), df.attrs.get("european", False)
            )
    for c in _BOOL_COLS:
        if c in col:
            flags = _boolf(df[col[c]])
            text = df[col[c]].astype(str).str.strip()
            bad = np.flatnonzero((flags.isna() & ~text.str.lower().isin(_NO_VALUE)).to_numpy())
            if len(bad):  # "Y", "yes!" used to be read as unknown without a word
                i = int(bad[0])
                raise InputError(
                    f"{source}: {_loc(df.attrs.get('locs'), i)}, column {col[c]}: {text.iat[i]!r} is not a flag; write true/false, yes/no, "
                    "1/0 or leave the cell empty when it is unknown"
                )
            typed[c] = flags.map(lambda v: None if pd.isna(v) else bool(v)).astype("boolean")
    for c in ("platform", "username", "full_name", "bio", "external_url"):
        if c in col:
            typed[c] = df[col[c]].astype(object)
    features_from_canonical(typed)  # validates the same definitions run in pandas
    con = ibis.duckdb.connect()
    t = con.create_table("accounts_in", typed)
    scored = (
        model.score(t, operating_point=operating_point)
        .select("__row", "fake_probability", "is_fake", "category", "reasons")
        .order_by("__row")
    )
    res = scored.to_pandas()
    con.disconnect()
    out = df.copy()
    for c in ("fake_probability", "is_fake", "category", "reasons"):
        if c in out.columns:
            out = out.drop(columns=c)
    out["fake_probability"] = res["fake_probability"].round(4).to_numpy()
    out["is_fake"] = res["is_fake"].to_numpy(dtype=bool)
    out["category"] = res["category"].to_numpy()
    out["reasons"] = res["reasons"].to_numpy()
    return out


@app.command()
def accounts(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV, TSV, Parquet or JSON (an array of objects, or NDJSON) of account profiles with canonical "
            "column names "
            "(account_id, username, full_name, bio, followers, following, posts, "
            "has_profile_pic, is_private, external_url; any may be empty)."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Output file (.csv, .parquet or .json): every input column plus fake_probability, is_fake, "
            "category, reasons.",
        ),
    ],
    operating_point: Annotated[
        str,
        typer.Option(
            help="Cut-off for is_fake: `default` (best accuracy over the training sets), or `follower_audit` "
            "(the most sensitive cut-off that keeps specificity ≥ 0.97 on followers of influencers, SRF data).",
        ),
    ] = "default",
) -> None:
    """Estimate which accounts are fake / bots (model trained on InstaFake, Kaggle and SRF data).

    A `platform` column other than instagram makes the post count unknown to the model (posts are counted in
    each platform's own unit); followers, following and the profile fields are used everywhere.
    """
    try:
        check_out(out)
        df = _read_csv(file)
        # a name, a description alone (a Patreon members export's "Name", a video list's "description") is no profile
        if not set(_profile_columns(df.columns)) & {"username", *_NUM_COLS, *_BOOL_COLS}:
            # a posts, comments or Patreon members file: the model would see no signal at all and call every row
            # real with the same probability; a verdict without evidence is worse than none
            raise InputError(
                f"{file}: none of the profile columns the model reads ({', '.join(_PROFILE_COLS)}); the header has "
                f"{', '.join(map(str, df.columns))}. Give a CSV of account profiles with these canonical column names"
            )
        res = score_account_frame(df, operating_point, source=str(file))
        _write_frame(res, out)
    except TribescopeError as exc:
        raise fail(exc) from None
    n_fake = int(res["is_fake"].sum())
    console.print(
        f"scored {len(res):,} accounts: {n_fake:,} judged fake ({n_fake / max(1, len(res)):.1%}); wrote {out}"
    )
    # a column the model does not read (``Fans``, ``Follower count (k)``) left its signal out without a word, as
    # `import` says of the columns it does not import
    from tribescope.ingest.tabular import column_mapping

    known = {*_profile_columns(df.columns).values(), *column_mapping(map(str, df.columns), ("account_id",))}
    out_cols = ("fake_probability", "is_fake", "category", "reasons")  # a scored file's verdicts: replaced
    unread = [str(c) for c in df.columns if c not in known and c not in out_cols]
    if unread:
        err.print(
            f"note: column(s) {', '.join(map(repr, unread))} not read by the model (kept in {out.name}); it reads "
            f"{', '.join(_PROFILE_COLS)} and platform, by these names or the aliases `import` takes",
            markup=False,
            highlight=False,
        )


@app.command()
def comments(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV, TSV, Parquet or JSON with comment_id, author, text (optional created_at, post_id, "
            "parent_comment_id)."
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Output file (.csv, .parquet or .json): every input column plus spam_probability, is_spam, "
            "quality, sentiment.",
        ),
    ],
) -> None:
    """Classify comments: spam, personal attack, emoji-/mention-only, generic or substantive; and sentiment."""
    import pyarrow as pa

    from tribescope.authenticity import score_comments
    from tribescope.ingest.tabular import column_mapping

    try:
        check_out(out)
        df = _read_csv(file)
        # the text column as `import` maps a header (``Text``, ``body``, ``content``): only ``text`` was read
        text_col = next(iter(column_mapping(map(str, df.columns), ("text",))), None)
        if text_col is None:
            raise InputError(f"{file}: no `text` column; the header has {', '.join(df.columns)}")
        tbl = pa.table({"text": pa.array(df[text_col].tolist(), pa.string())})
        q = score_comments(tbl).to_pandas()
    except TribescopeError as exc:
        raise fail(exc) from None
    res = df.copy()
    res["spam_probability"] = q["spam_probability"].round(4).to_numpy()
    res["is_spam"] = q["is_spam"].to_numpy(dtype=bool)
    res["quality"] = q["quality"].to_numpy()
    res["sentiment"] = q["sentiment"].round(4).to_numpy()
    try:
        _write_frame(res, out)
    except TribescopeError as exc:
        raise fail(exc) from None
    counts = res["quality"].value_counts().to_dict()
    console.print(
        f"scored {len(res):,} comments: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
        + f"; wrote {out}"
    )


@app.command()
def pods(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write the pods (.csv, .parquet or .json; CSV lists space-separated)."
        ),
    ] = None,
    window: Annotated[
        int,
        typer.Option(
            min=1, max=MAX_WINDOW_SECONDS, help="Seconds after publication that count as an early burst."
        ),
    ] = 3600,
    min_posts: Annotated[
        int, typer.Option(min=1, max=MAX_ROWS, help="Posts a pair must co-engage early on.")
    ] = 3,
    # a pod is a group: one account alone co-engages with nobody
    min_size: Annotated[int, typer.Option(min=2, max=MAX_ROWS, help="Smallest pod (accounts).")] = 3,
) -> None:
    """Find engagement pods: accounts that comment together, early, on the same creators' posts."""
    from tribescope.authenticity import PodParams, find_pods

    try:
        if out is not None:
            check_out(out)
        ws = state.open(read_only=True)
        res = find_pods(ws, PodParams(window_s=window, min_co_posts=min_posts, min_size=min_size))
        if out is not None:
            write_table(res, out, list_sep=" ")
    except TribescopeError as exc:
        raise fail(exc) from None
    rows = res.to_pylist()
    pods_n = f"{len(rows):,} pod{'' if len(rows) == 1 else 's'}"
    if out is not None:
        console.print(f"{pods_n}; wrote {out}")
    # the workspace's file name, not its full path (as the report's title names it)
    t = PlainTable(title=f"engagement pods in {Path(ws.path).name}: {pods_n}", show_edge=False)
    for c in (
        "pod",
        "platform",
        "accounts",
        "posts",
        "median delay",
        "creators targeted",
        "reciprocal creators",
    ):
        t.add_column(c, justify="right" if c in ("posts", "median delay") else "left")
    from tribescope.cli._niche import _handles

    keys = {
        (r["platform"], a)
        for r in rows
        for a in [*r["accounts"][:6], *r["creators_targeted"][:4], *r["reciprocal_creators"][:4]]
    }
    names = _handles(ws, keys) if keys else {}

    def named(platform: str, ids: list[str], n: int) -> str:
        # a YouTube channel id (UC…) says nothing to a reader: the handle where the workspace knows one
        return ", ".join(names.get((platform, i)) or i for i in ids[:n]) + (" …" if len(ids) > n else "")

    for r in rows:
        p = r["platform"]
        t.add_row(
            r["pod_id"],
            p,
            f"{r['n_accounts']:,}: " + named(p, r["accounts"], 6),
            f"{r['n_posts']:,}",
            "–" if r["median_delay_s"] is None else f"{r['median_delay_s'] / 60:.0f} min",
            named(p, r["creators_targeted"], 4),
            named(p, r["reciprocal_creators"], 4),
        )
    console.print(t)
    ws.close()


def _print_rows(title: str, rows: list[dict[str, Any]], cols: list[str]) -> None:
    """A table of figures, never cut to fit: piped or in a narrow terminal Rich would shrink the columns to
    "0.9…" (80 columns when not a terminal); the table is printed at its natural width instead."""
    t = PlainTable(title=title, show_edge=False)
    for c in cols:
        t.add_column(c)
    for r in rows:
        t.add_row(*[(f"{r[c]:.3f}" if isinstance(r.get(c), float) else str(r.get(c, ""))) for c in cols])
    natural = Measurement.get(console, console.options.update_width(10_000), t).maximum
    if natural <= console.width:
        console.print(t)
    else:  # Console.print(width=) only narrows; a console of the table's width prints it whole
        CliConsole(highlight=False, width=natural, file=console.file).print(t)


def _with_baseline(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with ``majority_baseline``: the accuracy of always answering the majority class of the row's set,
    ``max(positives, n − positives) / n``, to read an accuracy against (docs/authenticity.md states them: 0.898 on
    SRF's held-out part, where 0.922 is barely above it). Rows without ``n`` / ``positives`` (a missing set) as given."""
    out = []
    for r in rows:
        n, pos = r.get("n"), r.get("positives")
        if isinstance(n, int) and isinstance(pos, int) and n > 0:
            r = {**r, "majority_baseline": max(pos, n - pos) / n}
        out.append(r)
    return out


@_eval.command("accounts")
def eval_accounts(
    data: Annotated[Path | None, typer.Option(help=_DATA_HELP)] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, max=MAX_ROWS, help="Use at most N rows per part (quick smoke run).")
    ] = None,
) -> None:
    """Measure the shipped fake-account model on held-out data (retrains nothing)."""
    from tribescope.authenticity import load_account_model
    from tribescope.authenticity._train import evaluate_accounts

    try:
        model = load_account_model()
        rows = evaluate_accounts(model, data, limit=limit)
    except TribescopeError as exc:
        raise fail(exc) from None
    _print_rows(
        f"fake-account model {model.meta.get('version')} on held-out data (positives: fake accounts; majority "
        "baseline: the accuracy of always answering the set's majority class)",
        _with_baseline(rows),
        [
            "dataset",
            "part",
            "threshold",
            "n",
            "positives",
            "accuracy",
            "majority_baseline",
            "precision",
            "recall",
            "f1",
            "roc_auc",
            "specificity",
            "sensitivity_at_spec96",
            "error",
        ],
    )
    for r in rows:
        if "published" in r:
            console.print(f"  {r['dataset']}: published — {r['published']}")
    tr = model.meta.get("metrics", {}).get("transfer", {})
    if tr:
        _print_rows(
            f"cross-data-set transfer recorded at training (leave one set out; all rows of the set left out; "
            f"threshold {model.threshold})",
            _with_baseline([{"left out": k, **v} for k, v in tr.items()]),
            [
                "left out",
                "n",
                "positives",
                "accuracy",
                "majority_baseline",
                "f1",
                "roc_auc",
                "sensitivity_at_spec96",
            ],
        )
    cv = model.meta.get("metrics", {}).get("repeated_cv", {})
    if cv:
        _print_rows(
            f"repeated cross-validation recorded at training ({cv.get('protocol', '')})",
            [{"figure": k, **v} for k, v in cv.items() if isinstance(v, dict)],
            ["figure", "mean", "sd"],
        )


@_eval.command("comments")
def eval_comments(
    data: Annotated[Path | None, typer.Option(help=_DATA_HELP)] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, max=MAX_ROWS, help="Use at most N rows per part (quick smoke run).")
    ] = None,
) -> None:
    """Measure the shipped spam and attack models on a video / fold they never saw (retrains nothing)."""
    from tribescope.authenticity import load_text_model
    from tribescope.authenticity._train import evaluate_comments

    try:
        rows = evaluate_comments(data, limit=limit)
    except TribescopeError as exc:
        raise fail(exc) from None
    _print_rows(
        "comment models on held-out data (positives: spam / ad hominem; majority baseline: the accuracy of always "
        "answering the part's majority class)",
        _with_baseline(rows),
        [
            "model",
            "part",
            "n",
            "positives",
            "accuracy",
            "majority_baseline",
            "precision",
            "recall",
            "f1",
            "roc_auc",
            "error",
        ],
    )
    for r in rows:
        if "published" in r:
            console.print(f"  {r['model']}: published — {r['published']}")
    spam = load_text_model("spam").meta.get("metrics", {})
    attack = load_text_model("attack").meta.get("metrics", {})
    console.print(
        f"recorded at training: spam leave-one-video-out mean F1 {spam.get('leave_one_video_out_mean_f1')}; "
        f"attack leave-one-fold-out mean accuracy {attack.get('leave_one_fold_out_mean_accuracy')}"
    )
    from tribescope.authenticity._train import evaluate_quality_sample

    q = evaluate_quality_sample()
    console.print(
        f"quality classes on the hand-labelled sample ({q['n']} comments): accuracy {q['accuracy']}, "
        f"generic vs substantive {q['generic_vs_substantive_accuracy']}"
    )


def _models_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "authenticity" / "models"


def _write_model(path: Path, data: bytes) -> Path:
    return write_whole(path, lambda tmp: tmp.write_bytes(data))


def _out_folder(out_dir: Path | None) -> Path:
    """``--out-dir`` (created when missing; written whole, see :func:`write_whole`), else the package's models."""
    if out_dir is None:
        return _models_dir()
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out-dir {out_dir} is a file; give a folder for the model files")
    return out_dir


@_train.command("accounts")
def train_accounts_cmd(
    data: Annotated[Path | None, typer.Option(help=_DATA_HELP)] = None,
    out_dir: Annotated[
        Path | None, typer.Option(help="Where to write fake_accounts.json (default: the package).")
    ] = None,
) -> None:
    """Rebuild the shipped fake-account model deterministically (slow: ~30 fits, with the repeated CV)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from tribescope.authenticity._train import train_accounts

    try:
        folder = _out_folder(out_dir)  # before minutes of fitting, not after
        model = train_accounts(data)
        path = write_whole(folder / "fake_accounts.json", lambda tmp: tmp.write_text(model.to_json()))
    except TribescopeError as exc:
        raise fail(exc) from None
    err.print(json.dumps(model.meta["metrics"]["held_out"], indent=1))
    console.print(f"wrote {path}")


@_train.command("comments")
def train_comments_cmd(
    data: Annotated[Path | None, typer.Option(help=_DATA_HELP)] = None,
    out_dir: Annotated[
        Path | None, typer.Option(help="Where to write spam/attack.json (default: the package).")
    ] = None,
) -> None:
    """Rebuild the shipped spam and attack models deterministically."""
    from tribescope.authenticity._train import train_attack, train_spam

    try:
        folder = _out_folder(out_dir)
        models = [train_spam(data), train_attack(data)]
        paths = [_write_model(folder / f"{m.name}.json", m.dumps()) for m in models]
    except TribescopeError as exc:
        raise fail(exc) from None
    for m, path in zip(models, paths, strict=True):
        err.print(json.dumps(m.meta["metrics"]["held_out"]))
        console.print(f"wrote {path}")
