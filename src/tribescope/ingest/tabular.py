"""Generic CSV / TSV / Parquet with the canonical column names.

The target table is chosen by ``--table`` or, failing that, from the columns:
``comment_id`` → comments; ``message_id`` → community_messages; ``space_id`` + ``creator_id`` →
community_links; ``post_id`` → posts; ``account_id`` or ``username`` → accounts (account profile
lists). Columns that are not canonical are ignored and listed in the file's report
(``FileReport.ignored_columns``), so exports with extra columns import as they are; so is a second column that
names a canonical column already taken (``followers`` and ``follower_count``: the first one counts). A ``platform``
column is optional; ``--platform`` sets it, else it is ``generic``. On the platforms keyed by handle, account ids
(``account_id``, ``creator_id``, ``author_id``) are stored as those platforms' exports key them: lower-cased, without
``@`` (see :func:`~tribescope.ingest.reddit.account_key`). Lists (hashtags, mentions) may be JSON arrays or
comma-separated text.

Files are read as spreadsheet programs write them: comma, tab or semicolon separated (or as a first line ``sep=;``
says), UTF-8 with or without a byte-order mark, or UTF-16 (Excel's "Unicode Text"); column names match whatever their
case and blanks (``Follower Count``), or in camelCase as scraping tools write them (``followersCount``). Numbers may be
in thousands groups (``1,234``) or abbreviated (``12.3K``); in a semicolon-separated file (Excel where the decimal
mark is a comma) ``1.234`` is 1234, ``0,35`` is 0.35 and the date ``1/3/2024`` is the 1st of March. A number or date
written otherwise (``1,5``, or ``1/3/2024``, in a comma-separated file) is an error naming the line and column, never
a guess; so is a long id a spreadsheet saved in scientific notation (``7.25144E+18``). ``N/A``, ``#N/A`` and a dash
are empty number cells. A file named ``.csv``/``.tsv`` whose columns fit no table is refused with its column names and
how to choose the table (``--table``). With ``--table``, a file of any name (``export.txt``, no suffix) that no other
format recognises is read as a CSV when its first line is a delimited header (see
:func:`~tribescope.ingest._run.detect_format`).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from tribescope import schema
from tribescope.errors import FieldError, SourceError
from tribescope.ingest._base import Context, Format, Row, to_float, to_int, to_ts
from tribescope.ingest._readers import Probe, Source, iter_csv_rows
from tribescope.ingest.reddit import account_key

__all__ = [
    "TABLES_SKIPPED",
    "Tabular",
    "TribescopeExportTables",
    "column_mapping",
    "export_root",
    "guess_table",
]

#: Common aliases seen in hand-made and vendor exports → canonical names.
ALIASES = {
    "follower_count": "followers",
    "followers_count": "followers",
    "#followers": "followers",
    "following_count": "following",
    "followees": "following",
    "#followees": "following",
    "#follows": "following",
    "media_count": "posts",
    "#posts": "posts",
    "post_count": "posts",
    "posts_count": "posts",
    "follows_count": "following",
    "biography": "bio",
    "description": "bio",
    "name": "full_name",
    "fullname": "full_name",
    "display_name": "full_name",
    "handle": "username",
    "user": "username",
    "profile_pic": "has_profile_pic",
    "has_profile_picture": "has_profile_pic",
    # R's data frames as write.csv saves them (``Number.of.followers``: dots for blanks, see column_keys)
    "number_of_followers": "followers",
    "number_of_people_they_follow": "following",
    "number_of_posts": "posts",
    "private_account": "is_private",
    # the Twitter API v1.1 user object (tweet-scraping tools and research sets write its fields as columns)
    "screen_name": "username",
    "friends_count": "following",
    "statuses_count": "posts",
    "protected": "is_private",
    "private": "is_private",
    "verified": "is_verified",
    "like_count": "likes",
    "comment_count": "comments_count",
    "view_count": "views",
    "author": "author_name",
    "body": "text",
    "content": "text",
    "timestamp": "created_at",
    "date": "created_at",
}


#: where a camelCase name (``followersCount``, as scraping tools name their columns) has a word start
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def column_keys(name: str) -> tuple[str, str]:
    """A column name as the canonical names are written — lower case, blanks (and the dots R writes for them:
    ``Number.of.followers``) as ``_`` (``Follower Count`` → ``follower_count``) — and the same with camelCase words
    split (``followersCount`` → ``followers_count``)."""
    name = name.replace(".", " ")
    return "_".join(name.lower().split()), "_".join(_CAMEL.sub(" ", name).lower().split())


def guess_table(columns: Iterable[str]) -> str | None:
    cols = {k for c in columns for k in column_keys(c)}
    if "comment_id" in cols:
        return "comments"
    if "message_id" in cols:
        return "community_messages"
    if "space_id" in cols and "creator_id" in cols:
        return "community_links"
    if "post_id" in cols:
        return "posts"
    if "account_id" in cols or "username" in cols or "screen_name" in cols:  # Twitter's name of the username
        return "accounts"
    return None


#: required columns a row gets without a column of the file: the platform (``--platform``, else ``generic``) and a
#: community link's creator platform (the ``creator_platform`` import option, else the row's platform)
_FILLED = frozenset({"platform", "creator_platform"})

#: per table, its column holding an account id and the column of that account's platform (see :func:`account_key`)
_ACCOUNT_KEYS = {
    "accounts": ("account_id", "platform"),
    "posts": ("creator_id", "platform"),
    "comments": ("author_id", "platform"),
    "community_messages": ("author_id", "platform"),
    "community_links": ("creator_id", "creator_platform"),
}

#: the header of a DiscordChatExporter CSV export (``AuthorID,Author,Date,Content,Attachments,Reactions``): read as
#: nothing, with advice to export JSON (:class:`~tribescope.ingest.discord.DiscordChatExporter` reads that)
_DCE_CSV = frozenset({"AuthorID", "Author", "Date", "Content"})

#: file names of CSV/TSV files (compressed or not)
_CSV_NAME = re.compile(r"\.(csv|tsv)(\.(gz|xz|zst))?$", re.IGNORECASE)


def _names(columns: Iterable[str]) -> str:
    """Column names for a message: ``'a', 'b', 'c'`` (the first 12)."""
    cols = list(columns)
    return ", ".join(map(repr, cols[:12])) + (f" and {len(cols) - 12} more" if len(cols) > 12 else "")


#: a number as a spreadsheet shows a long one in a narrow column and saves it in a CSV: ``7.25144E+18``
_SCIENTIFIC = re.compile(r"[+-]?\d(?:[.,]\d+)?E\+\d+", re.IGNORECASE)


def _id_text(v: str, name: str) -> str:
    """An id cell as it is, unless a spreadsheet turned a long numeric id into scientific notation (its digits are
    lost: two ids would become one)."""
    if "+" in v and _SCIENTIFIC.fullmatch(v):
        raise FieldError(
            name,
            f"{v!r} is a long id in scientific notation, as a spreadsheet saves it: its digits are lost. Format the "
            "column as Text before saving the CSV, or export the file again from its source",
        )
    return v


#: the largest whole number a float64 holds exactly (every whole number up to it has a float of its own)
_EXACT_FLOAT = 2**53


def _float_id(v: float, name: str) -> str | None:
    """An id a Parquet file holds as a float (pandas writes an integer id column with a missing value as float64), as
    text: ``12345.0`` is ``12345``; one beyond 2**53 has lost its last digits in the float (two ids would become one,
    ``7251443385627200811`` and ``…999`` both ``7251443385627200512``), and a fraction is no id: both are refused."""
    if math.isnan(v):
        return None
    if not v.is_integer() or abs(v) >= _EXACT_FLOAT:
        raise FieldError(
            name,
            f"{v!r} is an id stored as a floating-point number, whose digits are lost beyond 2**53 (as pandas writes "
            "an integer id column that has a missing value): write the column as text or as 64-bit integers",
        )
    return str(int(v))


def _parsers(
    tbl: schema.Table, mapping: dict[str, str], european: bool
) -> dict[str, Callable[[Any, str], Any]]:
    """The mapped columns of ``tbl`` holding numbers, times or ids, each with the parser of its text in a CSV: counts
    may be abbreviated (``12.3K``), ids checked (:func:`_id_text`); ``european``: the file is a CSV of Excel in a
    decimal-comma locale, whose numbers have a decimal comma and whose dates are written day first."""
    parsers: dict[pa.DataType, Callable[[Any, str], Any]] = {
        pa.int64(): functools.partial(to_int, decimal_comma=european, abbreviated=True),
        pa.float64(): functools.partial(to_float, decimal_comma=european, abbreviated=True),
        schema.TS: functools.partial(to_ts, day_first=True) if european else to_ts,
    }
    types = {c.name: c.type for c in tbl.columns}
    out = {dst: parsers[types[dst]] for dst in mapping.values() if types[dst] in parsers}
    return out | {dst: _id_text for dst in mapping.values() if dst.endswith("_id") or dst == "reply_to"}


def _canonical(keys: Iterable[str]) -> Iterator[str]:
    """Each of a column's ``keys`` (see :func:`column_keys`) as the canonical name it is or is an alias of."""
    for key in keys:
        yield key
        if key in ALIASES:
            yield ALIASES[key]


def column_mapping(columns: Iterable[str], names: Collection[str]) -> dict[str, str]:
    """Each of a file's ``columns`` that names one of the canonical ``names`` — in any case, with blanks, in camelCase
    or as an alias (:func:`column_keys`, :data:`ALIASES`: ``Followers``, ``Follower Count``, ``followersCount``) —
    → that name; of two columns naming one, the first counts."""
    mapping: dict[str, str] = {}
    for c in columns:
        key = next((k for k in _canonical(column_keys(c)) if k in names), None)
        if key is not None and key not in mapping.values():
            mapping[c] = key
    return mapping


class Tabular(Format):
    name = "csv"
    description = "CSV/TSV/Parquet with canonical column names (accounts, posts, comments, community_messages, community_links)"
    platform = "generic"
    options = frozenset({"table", "platform"})

    def sniff(self, probe: Probe) -> bool:
        if probe.is_parquet or guess_table(probe.csv_header) is not None:
            return True
        # a file named .csv/.tsv is read as one even when no table fits its columns: the header's error then names
        # them and says how to choose the table (--table), where detection could only say "not recognised"
        return len(probe.csv_header) >= 2 and _CSV_NAME.search(probe.path.name) is not None

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        table = ctx.options.get("table")
        if Probe.of(src).is_parquet:
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(src.path)
            self._setup(ctx, table or guess_table(pf.schema_arrow.names), pf.schema_arrow.names)
            ctx.state["typed"] = True
            n = 0
            for batch in pf.iter_batches(batch_size=10_000):
                for row in batch.to_pylist():
                    n += 1
                    yield f"row {n}", row
            return

        def setup(header: list[str], delimiter: str) -> None:
            self._setup(ctx, table or guess_table(header), header, european=delimiter == ";")

        yield from iter_csv_rows(src, on_header=setup)

    def _setup(self, ctx: Context, table: str | None, columns: list[str], european: bool = False) -> None:
        """The file's target table and its column mapping, from its header; ``european``: a semicolon-separated CSV
        (Excel where the decimal mark is a comma: decimal commas, dates day first)."""
        if table is None and set(columns) >= _DCE_CSV:
            raise SourceError(
                "header",
                "this is a DiscordChatExporter CSV export (columns AuthorID, Author, Date, Content, …), which names no "
                "message, guild or reply: its messages cannot be keyed or threaded, so it is not imported. Export the "
                "channel again as JSON (the export format 'JSON' in DiscordChatExporter's app, or its command line's -f Json) and import that",
            )
        if table is None:
            raise SourceError(
                "header",
                "cannot tell which table these rows belong to: expected a column comment_id, post_id, "
                f"message_id, space_id+creator_id, or account_id/username; found {_names(columns)}. "
                "Name the table with --table and the columns as in docs/data-model.md (see `tribescope import --help`)",
            )
        tbl = schema.table(table)
        mapping = column_mapping(columns, tbl.names)
        if not mapping:
            raise SourceError(
                "header",
                f"none of the columns {_names(columns)} is a column of table {table}: rename them as in "
                "docs/data-model.md (e.g. account_id, username, followers for accounts)",
            )
        missing = [
            c.name
            for c in tbl.columns
            if c.required and c.name not in _FILLED and c.name not in mapping.values()
        ]
        if "username" in mapping.values() and table == "accounts" and "account_id" in missing:
            missing.remove("account_id")  # taken from the username
        if missing:  # every row would be refused for it: the file is, once, naming what it lacks
            raise SourceError(
                "header",
                f"table {table} needs the column(s) {', '.join(missing)} (each row must have them), which the file "
                f"does not have: found {_names(columns)}. Add the column(s) as in docs/data-model.md (e.g. the "
                "video's id as post_id in every row of a comment list), or choose another table with --table",
            )
        ctx.state["table"] = table
        ctx.state["mapping"] = mapping
        ctx.state["ignored"] = sorted(set(columns) - set(mapping))
        ctx.state["parsers"] = _parsers(tbl, mapping, european)
        ctx.state["ids"] = frozenset(d for d in mapping.values() if d.endswith("_id") or d == "reply_to")
        ctx.state["known_empty"] = schema.KNOWN_EMPTY_TEXT.get(table, frozenset())

    def convert(self, raw: Any, ctx: Context) -> Iterable[Row]:
        table: str = ctx.state["table"]
        mapping: dict[str, str] = ctx.state["mapping"]
        row: dict[str, Any] = {}
        parsers: dict[str, Callable[[Any, str], Any]] = ctx.state["parsers"]
        ids: frozenset[str] = ctx.state["ids"]
        known_empty: frozenset[str] = ctx.state["known_empty"]
        typed: bool = ctx.state.get("typed", False)
        for src_col, dst in mapping.items():
            v = raw.get(src_col)
            if isinstance(v, str):
                text = v.strip()
                if text == "":
                    # an empty bio / name / link is the profile's, not a gap (schema.KNOWN_EMPTY_TEXT): as None the
                    # imported profile scored as another than `tribescope accounts` scores the same file
                    v = "" if dst in known_empty else None
                elif dst in parsers:
                    v = parsers[dst](text, dst)
                elif not typed:
                    # a CSV cell's padding is the spreadsheet's; a Parquet text value is kept as written (a
                    # tribescope export's captions and comments as the workspace stored them)
                    v = text
            elif type(v) is float and dst in ids:  # a Parquet file's float64 id column
                v = _float_id(v, dst)
            row[dst] = v
        platform = row.get("platform") or ctx.options.get("platform") or "generic"
        row["platform"] = str(platform).strip().lower()
        if row["platform"] not in schema.PLATFORMS:
            raise FieldError(
                "platform", f"unknown platform {platform!r}; expected one of {', '.join(schema.PLATFORMS)}"
            )
        if table == "accounts":
            if not row.get("account_id"):
                if not row.get("username"):
                    raise FieldError("account_id", "each account needs an account_id or a username")
                row["account_id"] = str(row["username"]).lstrip("@").lower()
            if row.get("username"):
                row["username"] = str(row["username"]).lstrip("@")
        if table == "community_links":
            row.setdefault("creator_platform", None)
            if not row.get("creator_platform"):
                row["creator_platform"] = ctx.options.get("creator_platform") or row["platform"]
            row["creator_platform"] = str(row["creator_platform"]).lower()
        # an account's id as the platform's accounts are keyed (a handle: lower-cased, without @), so that the rows of
        # a file link up with its accounts and with every other export of the platform
        key_col, key_platform = _ACCOUNT_KEYS.get(table, ("", ""))
        if type(row.get(key_col)) is str:
            row[key_col] = account_key(row[key_platform], row[key_col])
        stub = None
        if table == "comments" and (
            row.get("author_id") or (row.get("author_name") and "author_id" not in row)
        ):
            # a file of comments without an author_id column (names only): the name, lower-cased, is the author's id,
            # on the comment too, so its author's comments link up; a file that has the column and leaves it empty
            # for a row (a tribescope export of a YouTube comment without a channel) keeps it unknown
            aid = row.get("author_id") or account_key(row["platform"], str(row["author_name"]).lower())
            row["author_id"] = aid
            stub = {"platform": row["platform"], "account_id": aid, "username": row.get("author_name")}
        yield table, row
        if stub is not None:
            yield "accounts", stub
        if table == "community_messages" and row.get("author_id"):
            yield (
                "accounts",
                {
                    "platform": row["platform"],
                    "account_id": row["author_id"],
                    "username": row.get("author_name"),
                },
            )


# ---------------------------------------------------------------------------- a tribescope Parquet export

#: the one file ``tribescope export --parquet`` writes in each table's folder, and the Spark backend's folder of
#: derived tables (:data:`tribescope.store._workspace.DERIVED_DIR`)
_PART = "part-0.parquet"
_DERIVED = "_derived"
#: the format name of an export's tables that are not data (:class:`TribescopeExportTables`)
TABLES_SKIPPED = "tribescope-export"


def export_root(path: Path) -> Path | None:
    """The folder of a ``tribescope export --parquet DIR`` export that ``path`` is in (``DIR/<table>/part-0.parquet``,
    or a file of the Spark backend's ``DIR/_derived/``), told by the export's own tables beside it: ``accounts`` and
    ``imports``, which every export writes; else ``None``."""
    for root in list(path.parents)[1:3]:
        if (root / "imports" / _PART).is_file() and (root / "accounts" / _PART).is_file():
            return root
    return None


class TribescopeExportTables(Format):
    """A tribescope Parquet export imported as a folder (moving a workspace to another machine): its five data tables
    (``DIR/accounts/part-0.parquet`` …) are read by :class:`Tabular` as any Parquet with the canonical columns (their
    ``snapshot_at`` kept, so the merge orders them as the source workspace did); its other folders are recognised and
    not read — ``imports`` and ``rejects`` are the source workspace's own log (this import logs its own), the score
    caches, ``creator_scores`` and the other derived tables are what ``tribescope score`` derives again from the data
    (:attr:`Format.side_files <tribescope.ingest._base.Format.side_files>`; the import's notes name them). They were
    refused as files whose columns fit no table (or, with ``--skip-bad``, quarantined as 20 bad records)."""

    name = TABLES_SKIPPED
    side_files = True
    description = (
        "the import log, rejects and derived tables (scores, score caches) of a `tribescope export --parquet` folder: "
        "recognised, not imported (the data tables beside them are read as Parquet; `tribescope score` derives the "
        "rest again)"
    )
    platform = "generic"

    def sniff(self, probe: Probe) -> bool:
        path = probe.path
        if not (probe.is_parquet or _DERIVED in path.parts):
            return False
        root = export_root(path)
        if root is None:
            return False
        return not (
            path.name == _PART and path.parent.parent == root and path.parent.name in schema.DATA_TABLES
        )

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        return iter(())

    def convert(self, raw: Any, ctx: Context) -> Iterable[Row]:
        return ()
