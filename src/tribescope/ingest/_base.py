"""What every format shares: the Format contract, the import context, value coercion, text helpers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
import reprlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar

import pyarrow as pa

from tribescope import schema
from tribescope.errors import FieldError
from tribescope.ingest._readers import Probe, Source
from tribescope.store._workspace import _literal

__all__ = [
    "Context",
    "Format",
    "Row",
    "RowBuffer",
    "extract_hashtags",
    "extract_mentions",
    "need",
    "parse_number",
    "to_bool",
    "to_int",
    "to_ts",
]

#: One canonical row: (table name, column values).
Row = tuple[str, dict[str, Any]]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class Context:
    """Per-file state handed to a format while it reads."""

    path: str
    import_id: str
    imported_at: dt.datetime
    options: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    #: default ``snapshot_at`` for rows whose source does not carry an observation time
    snapshot_at: dt.datetime | None = None


class Format(ABC):
    """A source format: how to recognise it, stream its records, and map each to canonical rows.

    ``records`` yields ``(location, raw)``; ``raw`` may be a recoverable
    :class:`~tribescope.errors.SourceError` for a record that could not even be parsed.
    ``convert`` maps one raw record to canonical rows and raises
    :class:`~tribescope.errors.FieldError` naming the offending field. A record either lands whole
    or not at all.

    Two optional shortcuts give the same rows faster, and decline (return ``None``) whenever they could not:
    ``fast_plan(src, ctx)``, a :class:`~tribescope.ingest._fast.FastPlan` mapping a large file in the engine, and
    ``bulk(src, ctx)``, the whole file as columns in Python (see :meth:`DiscordChatExporter.bulk
    <tribescope.ingest.discord.DiscordChatExporter.bulk>`). A declined file is read record by record.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    platform: ClassVar[str]
    #: a format of side files that hold nothing to import, recognised so that a download folder imports as it is
    #: (instaloader's captions, pictures, id files): such a file is listed in the import's report with 0 records, but
    #: not read and not logged in ``imports`` (no import id). An export with no record (a header-only CSV, ``[]``)
    #: is read and logged like any other.
    side_files: ClassVar[bool] = False
    #: the import options (keys of :attr:`Context.options`) this format reads: an option that no imported file's
    #: format reads is said to be unused (:attr:`~tribescope.ingest._run.ImportReport.unused_options`)
    options: ClassVar[frozenset[str]] = frozenset()
    #: required columns (by table) that a record's rows may leave null for the format's ``place`` to fill from
    #: the merged workspace (:func:`~tribescope.ingest._run._after_merge`): a YouTube ``comments.list`` reply without
    #: ``snippet.videoId`` takes its parent's video, which another file or an earlier import may bring. The hook
    #: leaves no such null behind: it fills it, or refuses the record.
    deferred: ClassVar[Mapping[str, frozenset[str]]] = {}

    @abstractmethod
    def sniff(self, probe: Probe) -> bool:
        """True when ``probe`` looks like this format."""

    @abstractmethod
    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        """Stream ``(location, raw record)`` pairs."""

    @abstractmethod
    def convert(self, raw: Any, ctx: Context) -> Iterable[Row]:
        """Map one raw record to canonical rows."""


# ---------------------------------------------------------------------------- coercion


def raw_text(raw: Any) -> str:
    """A bad record as ``rejects.raw`` keeps it: as JSON (the page or record as the export holds it, text as it is, not
    ``\\u`` escapes), else as Python shows it (nesting deeper than JSON writes), its first 2,000 characters. One form
    for every format (the YouTube and TikTok error pages had a copy of their own; Reddit's Listings wrote Python's
    ``[{'kind': …}]``)."""
    try:
        return json.dumps(raw, default=str, ensure_ascii=False)[:2000]
    except (TypeError, ValueError, RecursionError):  # RecursionError: JSON nested thousands of levels deep
        return reprlib.repr(raw)[:2000]


def need(obj: Any, key: str, where: str = "") -> Any:
    """``obj[key]``, or a FieldError naming the missing field."""
    name = f"{where}.{key}" if where else key
    if not isinstance(obj, dict):
        raise FieldError(where or key, f"expected a JSON object, found {type(obj).__name__}")
    v = obj.get(key)
    if v is None or v == "":
        raise FieldError(name, "is missing or empty, but is required")
    return v


_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1

#: files smaller than this are read record by record, never by an engine fast plan (``Format.fast_plan``): the Python
#: path is as fast there and needs no second reader. Every format's plan declines them, and the import asks for the
#: plans of larger files only, before it looks at the others (see :func:`tribescope.ingest._run.import_paths`).
FAST_MIN_BYTES = 1 << 20


def _in_range(v: int, name: str) -> int:
    if _I64_MIN <= v <= _I64_MAX:
        return v
    raise FieldError(name, f"{v} does not fit a 64-bit whole number")


#: text that stands for no value in a numeric cell (exports of analytics tools show an unknown count as N/A or a
#: dash; Excel writes #N/A)
_NO_NUMBER = frozenset(("", "nan", "null", "none", "na", "n/a", "#n/a", "-", "\u2013", "\u2014"))
#: a number in thousands groups (``1,234,567.5``; ``1.234.567,5`` with decimal commas; or groups of spaces, as French
#: Excel writes them); group 1 is the separator. The first group never starts with 0: ``0,035`` is no thousands
#: grouping (an error without decimal commas, 0.035 with them), nor is ``0.035`` in a decimal-comma file (0.035)
_GROUPED = {
    False: re.compile(r"[+-]?[1-9]\d{0,2}([,\u00a0\u202f ])\d{3}(?:\1\d{3})*(?:\.\d+)?"),
    True: re.compile(r"[+-]?[1-9]\d{0,2}([.\u00a0\u202f ])\d{3}(?:\1\d{3})*(?:,\d+)?"),
}
#: a count abbreviated as analytics tools show it: ``12.3K``, ``1.2M``, ``3B``
_ABBREVIATED = re.compile(r"(.+?)\s*([kKmMbB])")
_SCALE = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}


def parse_number(text: str, decimal_comma: bool = False, abbreviated: bool = False) -> Decimal:
    """The number ``text`` writes: plain (``1234.5``, ``1e3``) or in thousands groups (``1,234``); with
    ``abbreviated`` also a count as analytics tools' CSV exports show it (``12.3K`` → 12300, rounded to a whole
    number). With ``decimal_comma`` (a CSV of Excel where the decimal mark is a comma) the comma is the decimal mark
    and dots group thousands (``1.234,5``); a dot that does not group thousands is still a decimal point (``0.35``).
    :class:`ValueError` for anything else, such as ``1,5`` without ``decimal_comma``: never a silently different
    number."""
    s = text.strip()
    short = _ABBREVIATED.fullmatch(s) if abbreviated else None
    if short:
        s = short[1]
    grouped = _GROUPED[decimal_comma].fullmatch(s)
    if grouped:
        s = s.replace(grouped[1], "")
    if decimal_comma:
        s = s.replace(",", ".")
    try:
        d = Decimal(s)
    except InvalidOperation:
        raise ValueError(text) from None
    if short and d.is_finite():
        d = (d * _SCALE[short[2].lower()]).to_integral_value(ROUND_HALF_UP)
    return d


def to_int(v: Any, name: str = "", decimal_comma: bool = False, abbreviated: bool = False) -> int | None:
    """A whole number from a number or its text (see :func:`parse_number`); ``None`` for an empty or null cell."""
    if type(v) is str and v.isdigit() and v.isascii():  # fast path: plain ASCII digits (CSV counts)
        return _in_range(int(v), name)
    if v is None or v == "":
        return None
    if isinstance(v, bool):  # JSON true/false: a flag in a count's place (a shifted or mislabelled field)
        raise FieldError(name, f"expected a whole number, found {str(v).lower()}")
    if isinstance(v, int):
        return _in_range(v, name)
    if isinstance(v, float):
        if math.isnan(v):
            return None
        if v.is_integer():
            return _in_range(int(v), name)
        raise FieldError(name, f"expected a whole number, found {v!r}")
    if isinstance(v, str):
        if v.strip().lower() in _NO_NUMBER:
            return None
        try:
            d = parse_number(v, decimal_comma, abbreviated)
        except ValueError:
            raise FieldError(name, f"expected a whole number, found {v!r}") from None
        if not d.is_finite() or d != d.to_integral_value():
            raise FieldError(name, f"expected a whole number, found {v!r}")
        if d.adjusted() > 19:  # not converted: 1e999999999 would be a huge int
            raise FieldError(name, f"{v} does not fit a 64-bit whole number")
        return _in_range(int(d), name)
    raise FieldError(name, f"expected a whole number, found {type(v).__name__}")


def count_out_of_range(v: int, name: str) -> None:
    """A count (:attr:`schema.Column.count <tribescope.schema.Column.count>`) outside 0 … 2⁶³−1: -1, which scraping
    tools write for a count they could not see (a hidden like count), is unknown (``None``); anything else is the
    field's error."""
    if not _I64_MIN <= v <= _I64_MAX:
        raise FieldError(name, f"{v} does not fit a 64-bit whole number")
    if v == -1:
        return None
    raise FieldError(name, f"expected a count of 0 or more, found {v}")


def to_float(v: Any, name: str = "", decimal_comma: bool = False, abbreviated: bool = False) -> float | None:
    """A number from a number or its text (see :func:`parse_number`)."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        raise FieldError(name, f"expected a number, found {str(v).lower()}")
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        if v.strip().lower() in _NO_NUMBER:
            return None
        try:
            return float(parse_number(v, decimal_comma, abbreviated))
        except ValueError:
            raise FieldError(name, f"expected a number, found {v!r}") from None
    raise FieldError(name, f"expected a number, found {type(v).__name__}")


_TRUE = {"true", "t", "1", "yes", "y"}
_FALSE = {"false", "f", "0", "no", "n"}
_STR_BOOL = dict.fromkeys(_TRUE, True) | dict.fromkeys(_FALSE, False)


def to_bool(v: Any, name: str = "") -> bool | None:
    if type(v) is str:  # fast path: text already stripped and lower-cased ("true", "0", …)
        b = _STR_BOOL.get(v)
        if b is not None:
            return b
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float) and v in (0, 1):
        return bool(v)
    if isinstance(v, str):
        s = v.strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        if s in _NO_NUMBER:  # an unknown flag is written as an unknown count is (N/A, #N/A, a dash)
            return None
    raise FieldError(name, f"expected true/false, found {v!r}")


def to_str(v: Any, name: str = "") -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return str(int(v)) if v.is_integer() else str(v)
    raise FieldError(name, f"expected text, found {type(v).__name__}")


#: ISO-8601 that :meth:`datetime.fromisoformat` reads exactly as the general path of :func:`to_ts` does
_ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})")


#: a date as spreadsheet programs write it, with an optional time: ``3/1/2024 10:00``, ``01.03.2024 10:00:05``
_SHEET_DATE = re.compile(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def _sheet_date(text: str, name: str, day_first: bool) -> dt.datetime | None:
    """The UTC datetime of a spreadsheet date (:data:`_SHEET_DATE`), ``None`` for other text. ``1/3/2024`` is the 1st
    of March where dates are written day first (``day_first``: a CSV of Excel in a decimal-comma locale; dotted dates
    always), else it is ambiguous — the 3rd of January in the US — and a :class:`FieldError`, unless a part over 12
    tells which is the day."""
    m = _SHEET_DATE.fullmatch(text)
    if m is None:
        return None
    a, sep, b, year, hh, mm, ss = m.groups()
    first, second = int(a), int(b)
    if day_first or sep == "." or first > 12 or first == second:
        day, month = first, second
    elif second > 12:
        month, day = first, second
    else:
        raise FieldError(
            name,
            f"ambiguous date {text!r}: day/month or month/day? Write it as ISO-8601 (YYYY-MM-DD hh:mm) or import a "
            "file whose dates are unambiguous",
        )
    try:
        return dt.datetime(int(year), month, day, int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=dt.UTC)
    except ValueError:
        raise FieldError(name, f"expected a timestamp, found {text!r} (no such date or time)") from None


#: a date written as digits alone, ``YYYYMMDD`` (yt-dlp's ``upload_date``, compact dates of export tools)
_COMPACT_DATE = re.compile(r"(19\d\d|20\d\d)(\d\d)(\d\d)")


def _digits_ts(s: str, name: str) -> dt.datetime | None:
    """A timestamp written as digits (text): a ``YYYYMMDD`` date (8 digits from 1900 on: as unix seconds they would be
    a time in 1970–1973, before any platform), else unix seconds (milli-, microseconds by size, see :func:`to_ts`).
    A number a spreadsheet wrote for a date cell it did not format (days since 1899-12-30: ``45292`` is 2024-01-01;
    as unix seconds the 1st of January 1970) is refused, not read as a time in 1970."""
    m = _COMPACT_DATE.fullmatch(s)
    if m is not None:
        try:
            return dt.datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=dt.UTC)
        except ValueError:
            raise FieldError(name, f"expected a timestamp, found {s!r} (no such date YYYYMMDD)") from None
    x = float(s)
    if 10_000 <= x < 100_000:
        raise FieldError(
            name,
            f"found {s!r}, a spreadsheet's serial date number (days since 1899-12-30), not a time: format the column "
            "as a date (or text) in the spreadsheet before saving the CSV, or write ISO-8601 (YYYY-MM-DD hh:mm)",
        )
    return to_ts(x, name)


def to_ts(v: Any, name: str = "", day_first: bool = False) -> dt.datetime | None:
    """A UTC datetime from epoch seconds/milliseconds, ISO-8601 text (any offset; naive = UTC), a spreadsheet date
    (see :func:`_sheet_date`; ``day_first``: the file writes dates day first), datetime or date (midnight UTC)."""
    if type(v) is int and 0 <= v < 100_000_000_000:  # fast path: whole unix seconds (the common case)
        return dt.datetime.fromtimestamp(v, dt.UTC)
    if type(v) is str and _ISO_UTC.fullmatch(v):  # fast path: canonical ISO-8601 with an offset
        try:
            return dt.datetime.fromisoformat(v).astimezone(dt.UTC)
        except ValueError:  # e.g. month 13: the general path below names the field
            pass
    if v is None or v == "":
        return None
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=dt.UTC) if v.tzinfo is None else v.astimezone(dt.UTC)
    if isinstance(v, dt.date):  # a Parquet / Arrow date column (pandas', R's): midnight UTC, as a date alone
        return dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC)
    if isinstance(v, bool):
        raise FieldError(name, f"expected a timestamp, found {v!r}")
    if isinstance(v, int | float):
        x = float(v)
        if math.isnan(x):
            return None
        if abs(x) > 1e14:  # microseconds
            x /= 1e6
        elif abs(x) > 1e11:  # milliseconds
            x /= 1e3
        try:
            return _EPOCH + dt.timedelta(seconds=x)
        except OverflowError:
            raise FieldError(name, f"timestamp {v!r} is out of range") from None
    if isinstance(v, str):
        s = v.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", s):
            return _digits_ts(s, name)
        sheet = _sheet_date(s, name, day_first)
        if sheet is not None:
            return sheet
        s2 = s.replace("Z", "+00:00").replace("z", "+00:00")
        if " " in s2 and "T" not in s2:
            s2 = s2.replace(" ", "T", 1)
        s2 = re.sub(r"\s*(UTC|GMT)$", "+00:00", s2)
        s2 = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", s2)
        # Python < 3.12 accepts at most 6 fractional digits; DiscordChatExporter writes 7.
        s2 = re.sub(r"(\.\d{6})\d+", r"\1", s2)
        try:
            d = dt.datetime.fromisoformat(s2)
        except ValueError:
            for fmt in ("%a %b %d %H:%M:%S %z %Y", "%Y/%m/%d %H:%M:%S"):
                try:
                    d = dt.datetime.strptime(s, fmt)
                    break
                except ValueError:
                    continue
            else:
                raise FieldError(
                    name, f"expected a timestamp (ISO-8601 or unix seconds), found {v!r}"
                ) from None
        return d.replace(tzinfo=dt.UTC) if d.tzinfo is None else d.astimezone(dt.UTC)
    raise FieldError(name, f"expected a timestamp, found {type(v).__name__}")


def to_str_list(v: Any, name: str = "") -> list[str] | None:
    if v is None or v == "":
        return None
    if isinstance(v, str):
        s = v.strip()
        if s.startswith("["):
            import orjson

            try:
                v = orjson.loads(s)
            except orjson.JSONDecodeError:
                raise FieldError(name, f"expected a list, found {v!r}") from None
        else:
            v = [p for p in re.split(r"[,;|\s]+", s) if p]
    if isinstance(v, list | tuple):
        out = []
        for x in v:
            if isinstance(x, dict):  # e.g. [{"username": …}]
                x = x.get("username") or x.get("name") or x.get("id")
            if x is None:
                continue
            out.append(str(x).lstrip("#@").lower())
        return out
    raise FieldError(name, f"expected a list, found {type(v).__name__}")


_COERCE = {
    pa.string(): to_str,
    pa.int64(): to_int,
    pa.float64(): to_float,
    pa.bool_(): to_bool,
    schema.TS: to_ts,
    schema.STR_LIST: to_str_list,
}


#: Python types already in canonical form for a column type (checked with ``type(v) is …``, so bool ≠ int).
_FAST: dict[pa.DataType, type] = {pa.string(): str, pa.int64(): int, pa.float64(): float, pa.bool_(): bool}


def _check_source(table: schema.Table, deferred: frozenset[str] = frozenset()) -> str:
    """Python source of ``check(row)`` for ``table``: :meth:`RowBuffer.check`'s rules, one column after the other.
    The ``deferred`` columns are not required (:attr:`Format.deferred`).

    Generated once per table (see :func:`_row_checker`) so that a row costs no loop over the columns, no plan
    tuples and no per-column type dispatch; every value, error and message is the generic rules' own.
    """
    t = table.name
    lines = [
        "def check(row):",
        "    if not names.issuperset(row):",
        "        raise FieldError(sorted(set(row) - names)[0], "
        + repr(f"is not a column of table {t}")
        + ")",
        "    get = row.get",
    ]
    missing = repr(f"is required in table {t} but is missing")
    out = []
    for i, c in enumerate(table.columns):
        if c.name in deferred:
            c = dataclasses.replace(c, required=False)
        v, n = f"v{i}", repr(c.name)
        out.append(v)
        lines.append(f"    {v} = get({n})")
        if c.required:
            lines.append(f"    if {v} is None:")
            lines.append(f"        raise FieldError({n}, {missing})")
            lines.append("    else:")
        else:
            lines.append(f"    if {v} is not None:")
        body: list[str] = []
        if c.type == pa.string():
            body += [
                f"if type({v}) is not str:",
                f"    {v} = to_str({v}, {n})",
            ]
            if c.required:
                body += [f"    if {v} is None:", f"        raise FieldError({n}, {missing})"]
                body += [f"if {v} == '':", f"    raise FieldError({n}, {missing})"]
                body += [f"if '\\x00' in {v}:", f"    {v} = {v}.replace('\\x00', '')"]
            else:
                body += [f"if {v} is not None and '\\x00' in {v}:", f"    {v} = {v}.replace('\\x00', '')"]
        elif c.type == pa.int64() and c.count:  # same cost: the range check's lower bound is 0
            body += [
                f"if type({v}) is int:",
                f"    if not 0 <= {v} <= {_I64_MAX}:",
                f"        {v} = count_out_of_range({v}, {n})",
                "else:",
                f"    {v} = to_int({v}, {n})",
                f"    if {v} is not None and {v} < 0:",
                f"        {v} = count_out_of_range({v}, {n})",
            ]
            if c.required:
                body += [f"if {v} is None:", f"    raise FieldError({n}, {missing})"]
        elif c.type == pa.int64():
            body += [
                f"if type({v}) is int:",
                f"    if not {_I64_MIN} <= {v} <= {_I64_MAX}:",
                f"        raise FieldError({n}, f'{{{v}}} does not fit a 64-bit whole number')",
                "else:",
                f"    {v} = to_int({v}, {n})",
            ]
            if c.required:
                body += [f"    if {v} is None:", f"        raise FieldError({n}, {missing})"]
        else:
            conv = {pa.float64(): ("to_float", "float"), pa.bool_(): ("to_bool", "bool")}.get(c.type)
            if conv is not None:
                body += [f"if type({v}) is not {conv[1]}:", f"    {v} = {conv[0]}({v}, {n})"]
                ind = "    "
            elif (
                c.type == schema.TS
            ):  # a UTC datetime passes as it is: to_ts returns it itself (astimezone(UTC))
                body += [
                    f"if type({v}) is not datetime or {v}.tzinfo is not UTC:",
                    f"    {v} = to_ts({v}, {n})",
                ]
                ind = "    "
            else:  # text lists always go through their coercion
                body += [f"{v} = to_str_list({v}, {n})"]
                ind = ""
            if c.required:
                body += [f"{ind}if {v} is None:", f"{ind}    raise FieldError({n}, {missing})"]
        lines += ["        " + b for b in body]
    lines.append(f"    return ({', '.join(out)},)")
    return "\n".join(lines) + "\n"


def _row_checker(table: schema.Table, deferred: frozenset[str] = frozenset()) -> Any:
    scope: dict[str, Any] = {
        "names": frozenset(c.name for c in table.columns),
        "FieldError": FieldError,
        "to_str": to_str,
        "to_int": to_int,
        "to_float": to_float,
        "to_bool": to_bool,
        "to_ts": to_ts,
        "to_str_list": to_str_list,
        "count_out_of_range": count_out_of_range,
        "datetime": dt.datetime,
        "UTC": dt.UTC,
    }
    exec(compile(_check_source(table, deferred), f"<RowBuffer.check {table.name}>", "exec"), scope)
    return scope["check"]


#: column types whose equal values (``==``) are the same Arrow value, so a column of one repeated value may be
#: built from that value alone (not floats: ``0.0 == -0.0``)
_REPEATABLE = {pa.string(): str, pa.int64(): int, schema.TS: dt.datetime}


def _to_arrow(col: Any, ty: pa.DataType, repeatable: type | None) -> pa.Array:
    """``pa.array(col, type=ty)``; a column of one repeated value (a file's export time, platform, import id, …) is
    built from that value once — converting a timezone-aware datetime costs pyarrow ~0.7 µs a value."""
    n = len(col)
    if n > 8 and type(col[0]) is repeatable and col[-1] == col[0] and col.count(col[0]) == n:
        return pa.repeat(pa.scalar(col[0], type=ty), n)
    return pa.array(col, type=ty)


def columns_to_arrow(table: str, columns: dict[str, list[Any]], n: int) -> pa.Table:
    """``n`` canonical Arrow rows of ``table`` from whole columns whose values already have the canonical Python
    types (what :meth:`RowBuffer.check` returns: text as ``str`` without NUL, UTC datetimes, …); a column not in
    ``columns`` is null. The columnar counterpart of appending checked rows to a :class:`RowBuffer` and flushing it
    (the same Arrow conversion)."""
    arrow = schema.arrow_schema(table)
    return pa.Table.from_arrays(
        [
            _to_arrow(columns[f.name], f.type, _REPEATABLE.get(f.type))
            if f.name in columns
            else pa.nulls(n, f.type)
            for f in arrow
        ],
        schema=arrow,
    )


_ZIP_ROWS = 2048


class RowBuffer:
    """Rows for one canonical table, validated and coerced column by column, flushed as Arrow.

    Values already of the column's canonical Python type pass through without a coercion call, and
    rows are kept as tuples and transposed once per flush — the import's hot path. The per-row check is
    generated code for the table (:func:`_check_source`), with the rules of :meth:`check_generic`.
    """

    #: per table (and its :attr:`Format.deferred` columns): its Arrow schema, coercion plan, column names, (Arrow type,
    #: repeatable type) of each column and generated check — built by the first buffer of the table (an import makes a
    #: few buffers a file)
    _layouts: ClassVar[dict[tuple[str, frozenset[str]], tuple[Any, ...]]] = {}

    def __init__(self, table: str, deferred: frozenset[str] = frozenset()) -> None:
        """``deferred``: required columns a row may leave null (:attr:`Format.deferred`)."""
        self.table = schema.table(table)
        layout = RowBuffer._layouts.get((table, deferred))
        if layout is None:
            arrow = schema.arrow_schema(table)
            types = [arrow.field(c.name).type for c in self.table.columns]
            layout = RowBuffer._layouts[(table, deferred)] = (
                arrow,
                [
                    (
                        c.name,
                        _COERCE[c.type],
                        c.required and c.name not in deferred,
                        _FAST.get(c.type),
                        c.count,
                    )
                    for c in self.table.columns
                ],
                frozenset(c.name for c in self.table.columns),
                [(ty, _REPEATABLE.get(ty)) for ty in types],
                _row_checker(self.table, deferred),
            )
        self.arrow, self._plan, self._names, self._types, fn = layout
        self._rows: list[Sequence[Any]] = []
        self.n = 0
        #: ``check(row)``: one row coerced, as a tuple; raises FieldError naming the bad column. Does not append.
        self.check = fn

    def check_generic(self, row: dict[str, Any]) -> list[Any]:
        """Coerce one row; raise FieldError naming the bad column. Does not append. (The rules the generated
        :attr:`check` follows; kept as their readable statement and to test the generated code against.)"""
        if not self._names.issuperset(row):
            unknown = set(row) - self._names
            raise FieldError(sorted(unknown)[0], f"is not a column of table {self.table.name}")
        out: list[Any] = []
        get = row.get
        for name, fn, required, fast, count in self._plan:
            v = get(name)
            if v is None:
                if required:
                    raise FieldError(name, f"is required in table {self.table.name} but is missing")
                out.append(None)
                continue
            if type(v) is int and fast is int:
                if not _I64_MIN <= v <= _I64_MAX:
                    raise FieldError(name, f"{v} does not fit a 64-bit whole number")
            elif type(v) is not fast:
                v = fn(v, name)
            if count and v is not None and v < 0:
                count_out_of_range(v, name)  # raises, or -1: unknown
                v = None
            if v is None:
                if required:
                    raise FieldError(name, f"is required in table {self.table.name} but is missing")
                out.append(None)
                continue
            if isinstance(v, str):
                if required and v == "":
                    raise FieldError(name, f"is required in table {self.table.name} but is missing")
                if "\x00" in v:
                    v = v.replace("\x00", "")
            out.append(v)
        return out

    def append(self, values: Sequence[Any]) -> None:
        if len(values) != len(self._plan):
            raise ValueError(
                f"expected {len(self._plan)} values for table {self.table.name}, got {len(values)}"
            )
        self._rows.append(values)
        self.n += 1

    def flush(self) -> pa.Table:
        rows = self._rows
        # zip(*rows) is the fastest transpose of a few rows and slow for many (cache misses): 2048 at a time
        if len(rows) <= _ZIP_ROWS:
            cols: list[Any] = list(zip(*rows, strict=True)) if rows else [()] * len(self._plan)
        else:
            cols = [[] for _ in self._plan]
            for i in range(0, len(rows), _ZIP_ROWS):
                for col, part in zip(cols, zip(*rows[i : i + _ZIP_ROWS], strict=True), strict=True):
                    col.extend(part)
        t = pa.Table.from_arrays(
            [_to_arrow(col, ty, rep) for (ty, rep), col in zip(self._types, cols, strict=True)],
            schema=self.arrow,
        )
        self._rows = []
        self.n = 0
        return t


# ---------------------------------------------------------------------------- text helpers

_HASHTAG = re.compile(r"(?<![\w&])#(\w[\w\u00C0-\uFFFF]*)", re.UNICODE)
_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)")


#: ``s`` as a SQL string literal (file paths and option text in engine queries): the store's one quoter
sql_string = _literal


def extract_hashtags(text: str | None) -> list[str]:
    """``#Tags`` in ``text``, lower-cased, without '#', in order, unique."""
    if not text or "#" not in text:  # most texts hold none, and every match holds a '#'
        return []
    return list(dict.fromkeys(m.lower() for m in _HASHTAG.findall(text)))


def extract_mentions(text: str | None) -> list[str]:
    """``@handles`` in ``text``, lower-cased, without '@', in order, unique."""
    if not text or "@" not in text:  # most texts hold none, and every match holds an '@'
        return []
    return list(dict.fromkeys(m.lower() for m in _MENTION.findall(text)))
