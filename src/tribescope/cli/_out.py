"""The ``--out`` files of the commands: checked before the work, written whole or not at all; the checks of
numeric options that a range alone lets through (nan, ±inf); and how every command shows a community score."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import typer

from tribescope._files import FORMULA_START, INERT_SIGNED_WORD, write_whole
from tribescope.errors import TribescopeError
from tribescope.score._spec import COUNT_COLUMNS, SCORE_DIGITS, score_text

__all__ = [
    "COUNT_COLUMNS",
    "SCORE_DIGITS",
    "TABLE_SUFFIXES",
    "check_out",
    "check_out_folder",
    "defuse_formulas",
    "finite",
    "integer_counts",
    "iso_times",
    "json_safe",
    "positive",
    "score_text",
    "write_atomic",
    "write_table",
]

#: what :func:`write_table` writes for most commands
TABLE_SUFFIXES = (".csv", ".parquet", ".json")


def _one_of(suffixes: Sequence[str]) -> str:
    return ", ".join(suffixes[:-1]) + " or " + suffixes[-1] if len(suffixes) > 1 else suffixes[0]


def _parents_ok(out: Path, option: str = "--out") -> None:
    """The nearest existing folder above ``out`` must be a folder (missing ones are created when writing)."""
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise TribescopeError(f"{option} {out}: {parent} is not a folder")
            return


def check_out(out: Path, suffixes: Sequence[str] = TABLE_SUFFIXES, *, option: str = "--out") -> Path:
    """Refuse, before the command computes anything, an ``--out`` file it could not write: a suffix naming a
    format the command does not write, an existing folder, or a path under a file. ``option``: the option the
    messages name."""
    if out.is_dir():
        raise TribescopeError(
            f"{option} {out}: is a directory; give a file name, e.g. {out / ('out' + suffixes[0])}"
        )
    _parents_ok(out, option)
    if out.suffix.lower() not in suffixes:
        raise TribescopeError(f"{option} {out}: use a {_one_of(suffixes)} file name")
    return out


def check_out_folder(out: Path) -> Path:
    """Refuse an ``--out`` folder that lies under a file (the command checks what is in the folder itself)."""
    _parents_ok(out)
    return out


def write_atomic(out: Path, write: Callable[[Path], object], *, option: str = "--out") -> Path:
    """:func:`tribescope._files.write_whole` for an ``--out`` file (an OS error names ``option``)."""
    return write_whole(out, write, name=f"{option} {out}")


def json_safe(v: Any) -> Any:
    """``v`` with nan and ±inf as null, recursively: JSON has no such numbers (text such as "NaN" is left as it is)."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, list | tuple):
        return [json_safe(x) for x in v]
    if isinstance(v, dict):
        return {k: json_safe(x) for k, x in v.items()}
    return v


def defuse_formulas(t: pa.Table) -> pa.Table:
    """``t`` with every text cell a spreadsheet would run as a formula (``=HYPERLINK(…)`` as a channel title) prefixed
    with ``'``, as the web API's CSV does: for the CSV files a marketer opens in Excel or Sheets."""
    import pyarrow.compute as pc

    cols = []
    for col in t.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            # tribescope._files.is_formula_cell, on the column
            risky = pc.and_not(
                pc.match_substring_regex(col, FORMULA_START), pc.match_substring_regex(col, INERT_SIGNED_WORD)
            )
            risky = pc.fill_null(risky, False)
            if pc.any(risky).as_py():
                col = pc.if_else(risky, pc.binary_join_element_wise("'", col, ""), col)
        cols.append(col)
    return pa.table(cols, names=t.column_names)


def _whole(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A float column of counts as int64 (NaN as null) when every value is a whole number, else as it is."""
    import pyarrow.compute as pc

    try:  # a safe cast: it refuses a fraction and an overflow
        return pc.cast(pc.if_else(pc.is_nan(col), pa.scalar(None, col.type), col), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return col


def integer_counts(t: pa.Table) -> pa.Table:
    """``t`` with its float :data:`COUNT_COLUMNS` as integers where no value has a fraction (16570, not 16570.0).

    The score table holds its counts as integers already; this is for the tables other commands build from it through
    pandas (a plan, a brand report), where a count with a missing value turns float."""
    names = [n for n in t.column_names if n in COUNT_COLUMNS and pa.types.is_floating(t.schema.field(n).type)]
    for n in names:
        t = t.set_column(t.schema.get_field_index(n), n, _whole(t.column(n)))
    return t


def iso_times(t: pa.Table) -> pa.Table:
    """``t`` with each timestamp and date column as ISO 8601 text (``2026-02-08T16:58:51.896000+00:00``), as the
    JSON ``--out`` files write times: pyarrow's CSV writer would write ``2026-02-08 16:58:51.896000Z``."""
    for i, name in enumerate(t.column_names):
        col = t.column(i)
        if pa.types.is_timestamp(col.type) or pa.types.is_date(col.type):
            text = pa.array([None if v is None else v.isoformat() for v in col.to_pylist()], pa.string())
            t = t.set_column(i, name, text)
    return t


def write_table(
    t: pa.Table, out: Path, *, list_sep: str = " | ", json_lines: bool = False, option: str = "--out"
) -> Path:
    """Write ``t`` in the format ``out``'s suffix names (see :func:`check_out`): .csv / .tsv (list cells joined by
    ``list_sep``, times as ISO 8601 text: :func:`iso_times`), .parquet (times typed), .json (an array of records, or
    one record a line with ``json_lines``), .jsonl / .ndjson (one record a line). Counts stay integers
    (:func:`integer_counts`)."""
    suffix = out.suffix.lower()
    t = integer_counts(t)

    def write(tmp: Path) -> None:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            pq.write_table(t, tmp)
        elif suffix in (".json", ".jsonl", ".ndjson"):
            rows = json_safe(iso_times(t).to_pylist())
            with tmp.open("w", encoding="utf-8") as fh:
                if json_lines or suffix != ".json":
                    for row in rows:
                        fh.write(json.dumps(row, default=str) + "\n")
                else:
                    fh.write(json.dumps(rows, default=str, indent=1))
        elif suffix in (".csv", ".tsv"):
            import pyarrow.csv as pacsv

            cols = {}
            text = iso_times(t)
            for name in text.column_names:
                col = text.column(name)
                if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
                    col = pa.array(
                        [list_sep.join(map(str, v)) if v else "" for v in col.to_pylist()], pa.string()
                    )
                cols[name] = col
            opts = pacsv.WriteOptions(delimiter="\t" if suffix == ".tsv" else ",")
            pacsv.write_csv(defuse_formulas(pa.table(cols) if cols else text), tmp, opts)
        else:  # the command's check_out refuses these before any work
            raise TribescopeError(f"{option} {out}: cannot write a {suffix or 'suffix-less'} file")

    return write_atomic(out, write, option=option)


def finite(value: float | None) -> float | None:
    """Typer callback: refuse nan and ±inf, which ``min=`` / ``max=`` let through (nan compares false)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number.")
    return value


def positive(value: float | None) -> float | None:
    """Typer callback: a finite number above 0."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise typer.BadParameter(f"{value} is not a finite number above 0.")
    return value
