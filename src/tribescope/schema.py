"""The canonical data model: every table tribescope stores, in one place.

Every importer maps its source format onto these tables; every metric reads them.
The same definitions are rendered in ``docs/data-model.md`` (a test keeps the two in step). A CSV, TSV or Parquet
file whose columns carry these names is imported onto these tables as it is; how its column names, numbers, dates and
encodings are read (``Follower Count``, ``12.3K``, Excel's semicolon CSV, UTF-16, …) is in
[importing-csv.md](importing-csv.md).

Conventions
-----------
* Natural keys are ``(platform, <id>)``. ``platform`` is one of :data:`PLATFORMS`.
* Account ids follow the platform's own stable identifier when every export carries it
  (YouTube channel id, Discord user snowflake); platforms whose exports and profile lists are
  keyed by handle (Instagram, TikTok, Reddit) use the lower-cased handle as ``account_id``.
* All timestamps are UTC (``timestamp[us, tz=UTC]``).
* ``snapshot_at`` is when the source observed the row, when the export says (a crawl or export time); null
  when it does not (DiscordChatExporter's ``exportedAt`` and Pushshift's ``retrieved_on`` are such times; the
  YouTube Data API, TikTok Research API, Instagram exports and Reddit listings carry none). When the same key is
  imported twice, a record newer than the stored row (its ``snapshot_at``: the newest it has merged) overwrites the
  columns it has, and an older one only fills the row's gaps (a newer export updates counters; an older one never
  turns them back). A row keeps one snapshot time, not one per column: a value that only an older export carries
  stays as first filled even when a later-imported export, older than the row but newer than that one, has another
  value too. Rows without a snapshot count in import order, the last import winning. So importing the same file
  again changes nothing, but re-reading an older export with ``--force`` after a newer one (neither dated) puts its values back.
  One exception: an account's ``username`` as a comment or message names its author (an author stub: the name without
  any profile fact — bio, follower, following or post count, link, creation time, category) only fills a gap. It never
  replaces the username a profile gives, whatever the import order or snapshot; between stubs the newest wins.
* Free text and ids that are (nearly) unique per row — marked *uncompressed* below — are stored in the DuckDB
  workspace without DuckDB's lightweight string compression (FSST, dictionary): compressing them at every import and
  decompressing them at every scan cost more CPU than the disk they save (synth m: import + score ~2 s or ~10 %
  faster, the file ~1.5× larger; see docs/perf-rounds.md). Repetitive columns (``platform``, ``post_id`` of a
  comment, …) keep DuckDB's choice. A workspace created by an older version keeps the compression its columns were
  created with; a column added to it later is declared as here.
* The workspace carries the version of this layout (`tribescope.schema.SCHEMA_VERSION`, now 1), stamped as the comment
  of its `imports` table whenever it is opened for writing. A workspace of an older tribescope (a lower version, or
  none) is upgraded in place — missing tables created, missing columns added — and stamped; one written by a newer
  tribescope (a higher version) is refused, by readers too, with an error naming the file and both versions, and is
  left as it is. The version is read in the catalog query that opening does anyway (no table is read).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

__all__ = [
    "KNOWN_EMPTY_TEXT",
    "PLATFORMS",
    "SCHEMA_VERSION",
    "TABLES",
    "Column",
    "Table",
    "arrow_schema",
    "table",
]

#: Platforms tribescope understands. ``generic`` is for CSV rows that name no platform.
PLATFORMS = ("youtube", "instagram", "tiktok", "reddit", "discord", "patreon", "twitter", "generic")

TS = pa.timestamp("us", tz="UTC")
STR_LIST = pa.list_(pa.string())


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    required: bool = False
    #: False: stored without DuckDB's lightweight compression (free text and ids that are mostly distinct; see the
    #: conventions above)
    compressed: bool = True
    #: a count (followers, likes, views …): 0 or more. An import reads -1, the "unknown" or "hidden" scraping tools
    #: write, as unknown (null); any other negative value is the field's error
    count: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    #: columns whose values are merged by "newest snapshot wins" on upsert
    versioned: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name: str, type_: pa.DataType, doc: str, required: bool = False) -> Column:
    return Column(name, type_, doc, required)


def _n(name: str, doc: str) -> Column:
    """A count (:attr:`Column.count`): a whole number, 0 or more."""
    return Column(name, pa.int64(), doc, count=True)


def _u(name: str, doc: str, required: bool = False) -> Column:
    """A text column stored uncompressed: free text, or an id that is (nearly) unique per row."""
    return Column(name, pa.string(), doc, required, compressed=False)


_PROVENANCE = (
    _c("snapshot_at", TS, "when the source observed this row, if the export says (else null: import order)"),
    _c("import_id", pa.string(), "the import that last changed this row (see `imports`)"),
)

ACCOUNTS = Table(
    "accounts",
    "Every account seen: creators, commenters, community members, brand accounts.",
    ("platform", "account_id"),
    (
        _c("platform", pa.string(), "platform name", True),
        _u("account_id", "stable platform id, or lower-cased handle (see conventions)", True),
        _u("username", "handle as shown on the platform, without '@'"),
        _u("full_name", "display / full name"),
        _u("bio", "profile biography / channel description"),
        _n("followers", "followers / subscribers"),
        _n("following", "accounts followed (followees)"),
        _n("posts", "posts / videos published"),
        _c("has_profile_pic", pa.bool_(), "a profile picture is set"),
        _c("is_private", pa.bool_(), "the profile is private"),
        _c("is_verified", pa.bool_(), "the platform's verified badge"),
        _u("external_url", "link in bio / channel link"),
        _c("created_at", TS, "account creation time, when known"),
        _c("category", pa.string(), "creator category given by the source (e.g. Kim et al. niche labels)"),
        _c("country", pa.string(), "country code when the source gives one"),
        _c("is_bot", pa.bool_(), "the platform marks the account as a bot (Discord)"),
        *_PROVENANCE,
    ),
)

POSTS = Table(
    "posts",
    "Content published by a creator: videos, images, reels, submissions.",
    ("platform", "post_id"),
    (
        _c("platform", pa.string(), "platform name", True),
        _u("post_id", "platform post / video id", True),
        _c("creator_id", pa.string(), "account_id of the publishing account", True),
        _c("created_at", TS, "publication time"),
        _c("media_type", pa.string(), "video | image | carousel | text | link"),
        _u("title", "title (YouTube, Reddit)"),
        _u("caption", "caption / description / body"),
        _u(
            "accessibility_caption",
            "the platform's automatic image description (Instagram alt text, e.g. 'Image may contain: food')",
        ),
        _n("likes", "likes / reactions"),
        _n("comments_count", "comments as counted by the platform (may exceed rows in `comments`)"),
        _n("views", "views / plays"),
        _n("shares", "shares"),
        _c("is_paid_partnership", pa.bool_(), "the platform's own paid-partnership / paid-promotion flag"),
        _c("sponsor", pa.string(), "sponsor named by the platform flag (comma-separated if several)"),
        _c("hashtags", STR_LIST, "hashtags without '#', lower-cased"),
        _c("mentions", STR_LIST, "@-mentioned handles without '@', lower-cased"),
        _c("tagged_users", STR_LIST, "accounts tagged on the media, lower-cased"),
        _u("url", "permalink"),
        _c("duration_s", pa.float64(), "video length in seconds"),
        *_PROVENANCE,
    ),
)

COMMENTS = Table(
    "comments",
    "Comments and replies under posts.",
    ("platform", "comment_id"),
    (
        _c("platform", pa.string(), "platform name", True),
        _u("comment_id", "platform comment id", True),
        _c("post_id", pa.string(), "post the comment sits under", True),
        _u("author_id", "account_id of the author (null when the source hides it)"),
        _u("author_name", "author handle / display name as shown"),
        _u("parent_comment_id", "comment this one replies to (null = top-level)"),
        _c("created_at", TS, "time written"),
        _u("text", "comment text (plain)"),
        _n("likes", "likes on the comment"),
        _n("reply_count", "replies the platform counts under a top-level comment"),
        *_PROVENANCE,
    ),
)

COMMUNITY_MESSAGES = Table(
    "community_messages",
    "Messages in off-platform communities: Discord channels, subreddits, Patreon posts and comments.",
    ("platform", "message_id"),
    (
        _c("platform", pa.string(), "discord | reddit | patreon | …", True),
        _u("message_id", "message / submission / comment id", True),
        _c("space_id", pa.string(), "server (guild) id, subreddit name, Patreon campaign", True),
        _c("space_name", pa.string(), "human name of the space"),
        _c("channel", pa.string(), "channel name (Discord) or thread title"),
        _c("thread_id", pa.string(), "thread / submission the message belongs to"),
        _u("author_id", "account_id of the author"),
        _u("author_name", "author handle / display name"),
        _u("reply_to", "message_id this message replies to (null = starts a thread)"),
        _c("created_at", TS, "time written"),
        _u("text", "message text"),
        _c("reactions", pa.int64(), "reactions / score"),
        *_PROVENANCE,
    ),
)

COMMUNITY_LINKS = Table(
    "community_links",
    "Which creator owns (runs) which off-platform space.",
    ("platform", "space_id", "creator_platform", "creator_id"),
    (
        _c("platform", pa.string(), "platform of the space (discord | reddit | patreon)", True),
        _c("space_id", pa.string(), "space id as in `community_messages.space_id`", True),
        _c("creator_platform", pa.string(), "platform of the creator's main account", True),
        _c("creator_id", pa.string(), "account_id of the creator", True),
        _c("space_name", pa.string(), "human name of the space"),
        _n("members", "member / subscriber / patron count reported by the platform"),
        *_PROVENANCE,
    ),
)

IMPORTS = Table(
    "imports",
    "One row per import of one file: what came in and what happened.",
    ("import_id",),
    (
        _c("import_id", pa.string(), "id of this import", True),
        _c("path", pa.string(), "file path as given"),
        _c("format", pa.string(), "detected or forced format"),
        _c("sha256", pa.string(), "content hash of the file"),
        _c("bytes", pa.int64(), "file size"),
        _c("started_at", TS, "start"),
        _c("finished_at", TS, "end"),
        _c("records", pa.int64(), "records read"),
        _c("rows", pa.string(), "rows written per table (JSON)"),
        _c("rejected", pa.int64(), "records quarantined in `rejects` (with --skip-bad)"),
        _c("status", pa.string(), "ok | ok_with_rejects"),
        _c("options", pa.string(), "import options (JSON)"),
    ),
    versioned=False,
)

REJECTS = Table(
    "rejects",
    "Records refused by an import run with --skip-bad, with the reason; nothing is dropped silently.",
    ("import_id", "location"),
    (
        _c("import_id", pa.string(), "import that refused the record", True),
        _c("path", pa.string(), "file"),
        _c("location", pa.string(), "line / record number and JSON path", True),
        _c("field", pa.string(), "offending field, when one is to blame"),
        _c("reason", pa.string(), "what was wrong and what was expected"),
        _c("raw", pa.string(), "the record as read (truncated to 2,000 characters)"),
    ),
    versioned=False,
)

#: The version of the workspace's layout (its tables, columns and what they mean), stamped in every DuckDB workspace
#: a tribescope opens for writing (a comment on its ``imports`` table). A workspace of a lower version (or none: one
#: written before the stamp) is upgraded in place and stamped; one of a higher version, written by a newer
#: tribescope, is refused (:func:`tribescope.store.connect`). Raise it with a change an older tribescope would
#: misread (a column whose meaning changed, a table renamed), not for an added column or table.
SCHEMA_VERSION = 1

#: All canonical tables by name, in data-flow order.
TABLES: dict[str, Table] = {
    t.name: t for t in (ACCOUNTS, POSTS, COMMENTS, COMMUNITY_MESSAGES, COMMUNITY_LINKS, IMPORTS, REJECTS)
}

#: Tables whose rows come from the user's exports (the rest are bookkeeping).
DATA_TABLES = ("accounts", "posts", "comments", "community_messages", "community_links")

#: Text columns where an empty value is a fact, not a gap: a profile with an empty bio, no display name or no link
#: (the fake-account model reads "" as known to be empty, NULL as unknown: docs/authenticity.md). An importer keeps
#: such a value "" when its source carries the field (a CSV's empty cell under a ``bio`` column, an Instagram
#: profile's ``"biography": ""``), and NULL when it does not.
KNOWN_EMPTY_TEXT: dict[str, frozenset[str]] = {"accounts": frozenset({"bio", "full_name", "external_url"})}


def table(name: str) -> Table:
    """Return the definition of canonical table ``name``."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; canonical tables are {', '.join(TABLES)}") from None


def arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema of canonical table ``name``."""
    return pa.schema([pa.field(c.name, c.type) for c in table(name).columns])


def render_markdown() -> str:
    """The data model as Markdown (the body of ``docs/data-model.md``)."""
    out = ["# Data model", "", (__doc__ or "").split("\n\n", 1)[1].strip(), ""]
    for t in TABLES.values():
        out += [f"## `{t.name}`", "", t.doc, "", f"Key: `({', '.join(t.key)})`", ""]
        out += ["| column | type | meaning |", "|---|---|---|"]
        for c in t.columns:
            req = " (required)" if c.required else ""
            unc = " *uncompressed*" if not c.compressed else ""
            out.append(f"| `{c.name}` | `{c.type}` | {c.doc}{req}{unc} |")
        out.append("")
    return "\n".join(out)
