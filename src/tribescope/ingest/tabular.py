"""Generic CSV / TSV / Parquet with the canonical column names.

The target table is chosen by ``--table`` or, failing that, from the columns:
``comment_id`` → comments; ``message_id`` → community_messages; ``space_id`` + ``creator_id`` →
community_links; ``post_id`` → posts; ``account_id`` or ``username`` → accounts (account profile
lists). Columns that are not canonical are ignored and listed in the file's report
(``FileReport.ignored_columns``), so exports with extra columns import as they are; so is a second column that
names a canonical column already taken (``followers`` and ``follower_count``: the first one counts). A ``platform``
column is optional; ``--platform`` sets it, else it is ``generic``. Lists (hashtags, mentions) may be JSON arrays or
comma-separated text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from tribescope import schema
from tribescope.errors import FieldError, SourceError
from tribescope.ingest._base import Context, Format, Row
from tribescope.ingest._readers import Probe, Source, iter_csv_rows

__all__ = ["Tabular", "guess_table"]

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
    "biography": "bio",
    "description": "bio",
    "name": "full_name",
    "fullname": "full_name",
    "display_name": "full_name",
    "handle": "username",
    "user": "username",
    "profile_pic": "has_profile_pic",
    "private": "is_private",
    "verified": "is_verified",
    "like_count": "likes",
    "comment_count": "comments_count",
    "view_count": "views",
    "author": "author_name",
    "body": "text",
    "content": "text",
    "timestamp": "created_at",
}


def guess_table(columns: Iterable[str]) -> str | None:
    cols = {c.strip().lower() for c in columns}
    if "comment_id" in cols:
        return "comments"
    if "message_id" in cols:
        return "community_messages"
    if "space_id" in cols and "creator_id" in cols:
        return "community_links"
    if "post_id" in cols:
        return "posts"
    if "account_id" in cols or "username" in cols:
        return "accounts"
    return None


class Tabular(Format):
    name = "csv"
    description = "CSV/TSV/Parquet with canonical column names (accounts, posts, comments, community_messages, community_links)"
    platform = "generic"

    def sniff(self, probe: Probe) -> bool:
        if probe.is_parquet:
            return True
        return bool(probe.csv_header) and guess_table(probe.csv_header) is not None

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        table = ctx.options.get("table")
        if Probe.of(src).is_parquet:
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(src.path)
            table = table or guess_table(pf.schema_arrow.names)
            self._setup(ctx, table, pf.schema_arrow.names)
            n = 0
            for batch in pf.iter_batches(batch_size=10_000):
                for row in batch.to_pylist():
                    n += 1
                    yield f"row {n}", row
            return
        first = True
        for loc, row in iter_csv_rows(src):
            if first:
                cols = list(row.keys()) if isinstance(row, dict) else []
                self._setup(ctx, table or guess_table(cols) if cols else table, cols)
                first = False
            yield loc, row

    def _setup(self, ctx: Context, table: str | None, columns: list[str]) -> None:
        if table is None:
            raise SourceError(
                "header",
                "cannot tell which table these rows belong to: expected a column comment_id, post_id, "
                "message_id, space_id+creator_id, or account_id/username (or pass --table)",
            )
        tbl = schema.table(table)
        mapping: dict[str, str] = {}
        for c in columns:
            key = c.strip().lower()
            key = key if key in tbl.names else ALIASES.get(key, key)
            if key in tbl.names and key not in mapping.values():
                mapping[c] = key
        ctx.state["table"] = table
        ctx.state["mapping"] = mapping
        ctx.state["ignored"] = sorted(set(columns) - set(mapping))

    def convert(self, raw: Any, ctx: Context) -> Iterable[Row]:
        table: str = ctx.state["table"]
        mapping: dict[str, str] = ctx.state["mapping"]
        row: dict[str, Any] = {}
        for src_col, dst in mapping.items():
            v = raw.get(src_col)
            if isinstance(v, str):
                v = v.strip()
                if v == "":
                    v = None
            row[dst] = v
        platform = row.get("platform") or ctx.options.get("platform") or "generic"
        row["platform"] = str(platform).lower()
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
        stub = None
        if table == "comments" and (
            row.get("author_id") or (row.get("author_name") and "author_id" not in row)
        ):
            # a file of comments without an author_id column (names only): the name, lower-cased, is the author's id,
            # on the comment too, so its author's comments link up; a file that has the column and leaves it empty
            # for a row (a tribescope export of a YouTube comment without a channel) keeps it unknown
            aid = row.get("author_id") or str(row["author_name"]).lower()
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
