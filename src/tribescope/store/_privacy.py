"""Personal data: forgetting an account everywhere, and keyed pseudonyms for non-creator accounts.

What tribescope stores about people (see ``docs/privacy.md``): public handles, display names, bios
and counters of accounts that appear in the exports a brand imports, and the text of their public
comments and community messages. It needs them to measure conversation between followers; it never
needs real identities of followers, hence ``--pseudonymize``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tribescope import schema
from tribescope.errors import TribescopeError
from tribescope.store._upsert import _lit
from tribescope.store._workspace import Workspace

__all__ = ["ForgetReport", "PrivacyError", "drop_forgotten", "forget", "load_key", "pseudonym"]

#: Columns that identify an account, by table-agnostic name. Any table with one of these is searched.
ID_COLUMNS = (
    "account_id",
    "author_id",
    "creator_id",
    "member_id",
    "commenter_id",
    "source_id",
    "target_id",
    "leader_id",
)
NAME_COLUMNS = ("username", "author_name", "handle", "owner_username")
#: derived tables that hold account ids inside lists (the engagement pods kept by ``score``): dropped whole
SCORE_CACHES_WITH_MEMBERS = ("_score_cache_pods",)
#: the erasure list: what ``forget`` removed, kept so that later imports do not bring it back (see :func:`drop_forgotten`)
FORGOTTEN_TABLE = "forgotten_accounts"
#: shortest pseudonymisation key accepted: a shorter (or empty) HMAC key lets anyone recompute the pseudonyms
MIN_KEY_BYTES = 16


class PrivacyError(TribescopeError):
    """A ``forget`` or pseudonymisation request cannot be carried out as given (bad platform, unusable key)."""


@dataclass
class ForgetReport:
    platform: str
    account: str
    deleted: dict[str, int] = field(default_factory=dict)
    files_removed: list[str] = field(default_factory=list)
    #: the account was added to the erasure list (later imports drop its rows); false when nothing matched or it
    #: was on the list already
    suppressed: bool = False

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def _columns(ws: Workspace, table: str) -> list[str]:
    return [r[0] for r in ws.duck.execute(f'DESCRIBE "{table}"').fetchall()]


def _token_regex(words: Iterable[str]) -> str:
    """A case-insensitive-ready regex (Python and DuckDB's RE2) for any of ``words`` as a whole handle or id.

    Handles hold ``.`` and ``-`` (``cedar.emma``), so those count as part of a word unless nothing word-like
    follows: ``ann`` matches ``@ann``, ``<td>ann</td>`` and ``ann.`` but not ``anna``, ``joann`` or ``ann.lee``.
    """
    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return rf"(?:^|[^\w.\-])(?:{alts})(?:$|[^\w.\-]|[.\-](?:$|[^\w]))"


def forget(
    ws: Workspace, account: str, platform: str | None = None, *, report_dirs: list[Path] | None = None
) -> ForgetReport:
    """Delete every row that belongs to ``account`` (id or handle) in every table, in one transaction.

    Rows removed: the account itself; content it authored (posts, comments, community messages);
    rows of derived tables keyed by it (scores, features, memberships, pairs); quarantined raw
    records that mention it. Replies *to* it by other people stay (they are the others' data), but
    their ``parent`` pointers keep only an opaque id. Files in ``report_dirs`` that mention the
    account (generated reports) are deleted so they can be regenerated; rows keyed by one of its comments (the
    comments' text features) go with the comment. With ``platform`` (one of
    :data:`tribescope.schema.PLATFORMS`) only rows on that platform go. Matching is on whole ids and
    handles, never substrings; when nothing matches, nothing is deleted (no cache, no report).

    The account stays forgotten: its ids and handle go on the workspace's erasure list (``forgotten_accounts``,
    SHA-256 digests only), and every later import drops what it brings of them (:func:`drop_forgotten`).
    """
    acct = account.strip().lstrip("@")
    if not acct:
        raise TribescopeError("forget needs an account id or handle")
    if platform is not None:
        platform = platform.strip().lower()
        if platform not in schema.PLATFORMS:
            raise PrivacyError(
                f"unknown platform {platform!r}; expected one of {', '.join(schema.PLATFORMS)}. Nothing was deleted."
            )
    # Resolve handle → ids on every platform (or the one given).
    ids: set[tuple[str, str]] = set()
    q = "SELECT platform, account_id FROM accounts WHERE (lower(account_id) = lower(?) OR lower(username) = lower(?))"
    args: list[Any] = [acct, acct]
    if platform:
        q += " AND platform = ?"
        args.append(platform)
    ids.update((p, a) for p, a in ws.duck.execute(q, args).fetchall())
    if not ids:
        ids.add((platform or "", acct))
    rep = ForgetReport(platform or ",".join(sorted({p for p, _ in ids})), acct)
    names = {acct.lower()} | {a.lower() for _, a in ids}
    tokens = _token_regex(names)
    tables = ws.list_tables()
    # the comments first: rows derived from one comment (its text features) go with it, found by its key
    order = sorted(tables, key=lambda t: t != "comments")
    gone_comments = False
    with ws.transaction():
        for table in order:
            if table in SCORE_CACHES_WITH_MEMBERS:
                continue
            cols = _columns(ws, table)
            conds: list[str] = []
            params: list[Any] = []
            for c in ID_COLUMNS + NAME_COLUMNS:
                if c in cols:
                    cond = f'lower(CAST("{c}" AS VARCHAR)) IN ({", ".join("?" * len(names))})'
                    params.extend(sorted(names))
                    # the platform of the row's account; tables without one cannot tell, so they match
                    pcol = (
                        "creator_platform" if c == "creator_id" and "creator_platform" in cols else "platform"
                    )
                    if platform and pcol in cols:
                        cond = f'({cond} AND "{pcol}" = ?)'
                        params.append(platform)
                    conds.append(cond)
            if table == "rejects" and "raw" in cols:
                # raw records carry no platform column: with --platform, the record must name it or come from
                # that platform's reader (``imports.format`` such as ``instagram-graphql``)
                cond = "regexp_matches(raw, ?, 'i')"
                params.append(tokens)
                if platform:
                    by_format = (
                        " OR import_id IN (SELECT import_id FROM imports WHERE split_part(format, '-', 1) = ?)"
                        if "imports" in tables
                        else ""
                    )
                    cond = f"({cond} AND (regexp_matches(raw, ?, 'i'){by_format}))"
                    params.append(_token_regex([platform]))
                    if by_format:
                        params.append(platform)
                conds.append(cond)
            if gone_comments and table != "comments" and {"platform", "comment_id"} <= set(cols):
                conds.append(
                    f'EXISTS (SELECT 1 FROM _forget_comments f WHERE f.platform = "{table}".platform '
                    f'AND f.comment_id = "{table}".comment_id)'
                )
            if not conds:
                continue
            where = " OR ".join(conds)
            n = ws.duck.execute(f'SELECT count(*) FROM "{table}" WHERE {where}', params).fetchone()[0]
            if n:
                if table == "comments":
                    ws.duck.execute(
                        "CREATE OR REPLACE TEMP TABLE _forget_comments AS "
                        f'SELECT platform, comment_id FROM "{table}" WHERE {where}',
                        params,
                    )
                    gone_comments = True
                ws.duck.execute(f'DELETE FROM "{table}" WHERE {where}', params)
                rep.deleted[table] = int(n)
        if gone_comments:
            ws.duck.execute("DROP TABLE _forget_comments")
        # an account that matches nothing changes nothing: a typo never blocks an account imported later
        if rep.deleted:
            rep.suppressed = _remember(ws, platform or "", names)
        if rep.deleted:  # lists of member ids, stale once an account is gone; `score` finds the pods again
            for table in SCORE_CACHES_WITH_MEMBERS:
                if table in tables:
                    rep.deleted[table] = int(ws.duck.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
                    ws.duck.execute(f'DROP TABLE "{table}"')
    if not rep.deleted:  # nothing matched: a report that merely contains the word is not about this account
        return rep
    pattern = re.compile(tokens, re.IGNORECASE)
    for d in report_dirs or []:
        for f in Path(d).glob("*"):
            if f.is_file() and f.suffix in (".html", ".csv", ".json", ".parquet"):
                try:
                    text = f.read_bytes().decode("utf-8", "replace")
                except OSError:
                    continue
                if pattern.search(text):
                    f.unlink()
                    rep.files_removed.append(str(f))
    ws.duck.execute("CHECKPOINT")  # drop deleted rows from the file, not just from the visible state
    return rep


def _name_hash(name: str) -> str:
    """SHA-256 (hex) of a lower-cased id or handle: what the erasure list keeps instead of the name itself. DuckDB's
    ``sha256(lower(x))`` computes the same digest, so rows are matched in the engine."""
    return hashlib.sha256(name.lower().encode()).hexdigest()


def _remember(ws: Workspace, platform: str, names: set[str]) -> bool:
    """Add ``names`` (ids and handles, lower-cased) on ``platform`` (``""``: every platform) to the erasure list;
    returns whether any was new. Only digests are kept — the list says nothing readable about whom it names."""
    d = ws.duck
    d.execute(
        f'CREATE TABLE IF NOT EXISTS "{FORGOTTEN_TABLE}" '
        "(platform VARCHAR NOT NULL, name_sha256 VARCHAR NOT NULL, forgotten_at TIMESTAMPTZ, "
        "PRIMARY KEY (platform, name_sha256))"
    )
    new = 0
    for h in sorted(_name_hash(n) for n in names):
        new += int(
            d.execute(
                f'INSERT INTO "{FORGOTTEN_TABLE}" VALUES (?, ?, now()) ON CONFLICT DO NOTHING RETURNING 1',
                [platform, h],
            ).fetchall()
            != []
        )
    return new > 0


def drop_forgotten(ws: Workspace, formats: dict[str, str]) -> dict[str, dict[str, int]]:
    """Delete the rows that this import's files (``formats``: import id → format name) wrote for accounts on the
    erasure list (:func:`forget`), so that re-importing an export, or a newer one, does not bring a forgotten account
    back. Returns the rows deleted per import id and table. Call inside the import's transaction.

    A row goes when one of its account columns (:data:`ID_COLUMNS`, :data:`NAME_COLUMNS`) names a forgotten
    account on the row's platform, as :func:`forget` matches them; a quarantined record (``rejects``) goes when one
    of its words does and its file's format is of that platform. Rows of other imports are not looked at:
    ``forget`` removed those. Costs one catalog lookup when nothing was ever forgotten."""
    d = ws.duck
    if not formats or FORGOTTEN_TABLE not in ws.list_tables():
        return {}
    if not d.execute(f'SELECT count(*) FROM "{FORGOTTEN_TABLE}"').fetchone()[0]:
        return {}
    ours = "import_id IN (" + ", ".join(_lit(i) for i in sorted(formats)) + ")"
    out: dict[str, dict[str, int]] = {}
    for table in (*schema.DATA_TABLES, "rejects"):
        where = f'{ours} AND EXISTS (SELECT 1 FROM "{FORGOTTEN_TABLE}" f WHERE {_names_forgotten(ws, table, formats)})'
        counts = d.execute(f'SELECT import_id, count(*) FROM "{table}" WHERE {where} GROUP BY ALL').fetchall()
        if counts:
            d.execute(f'DELETE FROM "{table}" WHERE {where}')
            for imp, n in counts:
                out.setdefault(imp, {})[table] = int(n)
    return out


def _names_forgotten(ws: Workspace, table: str, formats: dict[str, str]) -> str:
    """SQL: the erasure-list row ``f`` names the account of a row of ``table`` (see :func:`drop_forgotten`)."""
    if table == "rejects":
        # no platform column, as in :func:`forget`: the record names the platform, or its file's format is of it
        # (``instagram-graphql`` → instagram); a word of the raw record as handles are written (with '.' and '-')
        fmt_platform = (
            "CASE import_id "
            + " ".join(f"WHEN {_lit(i)} THEN {_lit(fmt.split('-')[0])}" for i, fmt in sorted(formats.items()))
            + " END"
        )
        words = r"list_transform(regexp_extract_all(coalesce(raw, ''), '\w+(?:[.\-]\w+)*'), w -> lower(w))"
        return (
            f"list_contains(list_transform({words}, w -> sha256(w)), f.name_sha256) "
            f"AND (f.platform IN ('', {fmt_platform}) OR list_contains({words}, f.platform))"
        )
    cols = set(_columns(ws, table))
    conds = []
    for c in ID_COLUMNS + NAME_COLUMNS:
        if c in cols:
            pcol = "creator_platform" if c == "creator_id" and "creator_platform" in cols else "platform"
            conds.append(
                f'(f.platform IN (\'\', "{table}"."{pcol}") '
                f'AND f.name_sha256 = sha256(lower(CAST("{table}"."{c}" AS VARCHAR))))'
            )
    return " OR ".join(conds) or "false"


def default_key_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tribescope" / "pseudonym.key"


def load_key(path: str | os.PathLike[str] | None = None, *, create: bool = True) -> bytes:
    """The pseudonymisation key, kept **outside** the workspace (default ``~/.config/tribescope/pseudonym.key``,
    or ``TRIBESCOPE_PSEUDONYM_KEY`` / ``--key-file``). Created with 32 random bytes on first use."""
    p = Path(path or os.environ.get("TRIBESCOPE_PSEUDONYM_KEY") or default_key_path())
    if p.is_dir():
        raise PrivacyError(f"pseudonym key {p} is a directory; give the path of a key file")
    if p.exists():
        try:
            key = p.read_bytes().strip()
        except OSError as exc:
            raise PrivacyError(f"pseudonym key {p} cannot be read: {exc.strerror or exc}") from None
        if len(key) < MIN_KEY_BYTES:
            raise PrivacyError(
                f"pseudonym key {p} is {'empty' if not key else f'only {len(key)} bytes'}; a key needs at least "
                f"{MIN_KEY_BYTES} bytes (with a short key anyone can recompute the pseudonyms). "
                "Use a longer key, or a path that does not exist yet to have a random one created."
            )
        return key
    if not create:
        raise TribescopeError(f"pseudonym key {p} does not exist")
    p.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


def pseudonym(key: bytes, platform: str, value: str) -> str:
    """Keyed hash of an account id or handle: stable for one key, irreversible without it (HMAC-SHA256)."""
    digest = hmac.new(key, f"{platform}\x1f{value.lower()}".encode(), hashlib.sha256).hexdigest()
    return "p_" + digest[:20]


def pseudonymize_workspace(ws: Workspace, key: bytes) -> dict[str, int]:
    """Replace ids and handles of every **non-creator** account with keyed pseudonyms, in place.

    Creators are accounts that publish posts or own a linked community space; brands need their
    names. Everyone else (commenters, community members) keeps a stable pseudonym ``p_…`` — the same
    person gets the same pseudonym across files and imports (same key), so conversation metrics are
    unchanged — while names, bios and links are dropped. Raw quarantined records are blanked.
    Idempotent: values that already are pseudonyms are left alone. Call inside a transaction.
    """
    import pyarrow as pa

    from tribescope.store._upsert import Stager

    d = ws.duck
    d.execute(
        """CREATE OR REPLACE TEMP TABLE __creators AS
           SELECT DISTINCT platform, creator_id AS id FROM posts
           UNION SELECT DISTINCT creator_platform, creator_id FROM community_links"""
    )
    values = d.execute(
        """SELECT DISTINCT platform, v FROM (
             SELECT platform, author_id AS v FROM comments UNION ALL
             SELECT platform, author_id FROM community_messages UNION ALL
             SELECT platform, account_id FROM accounts)
           WHERE v IS NOT NULL AND NOT starts_with(v, 'p_')
             AND (platform, v) NOT IN (SELECT platform, id FROM __creators)"""
    ).fetchall()
    if not values:
        return {}
    mapping = pa.table(
        {
            "platform": [p for p, _ in values],
            "v": [v for _, v in values],
            "pseudo": [pseudonym(key, p, v) for p, v in values],
        }
    )
    d.register("__pseudo_map", mapping)
    changed: dict[str, int] = {}
    try:
        for table in ("comments", "community_messages"):
            n = d.execute(
                f"""SELECT count(*) FROM {table} t JOIN __pseudo_map m
                    ON t.platform = m.platform AND t.author_id = m.v"""
            ).fetchone()[0]
            d.execute(
                f"""UPDATE {table} SET author_id = m.pseudo, author_name = m.pseudo
                    FROM __pseudo_map m WHERE {table}.platform = m.platform AND {table}.author_id = m.v"""
            )
            changed[table] = int(n)
        moved = d.execute(
            """SELECT a.* REPLACE (m.pseudo AS account_id, m.pseudo AS username, NULL::VARCHAR AS full_name,
                                   NULL::VARCHAR AS bio, NULL::VARCHAR AS external_url)
               FROM accounts a JOIN __pseudo_map m ON a.platform = m.platform AND a.account_id = m.v"""
        ).to_arrow_table()
        d.execute(
            """DELETE FROM accounts WHERE EXISTS (SELECT 1 FROM __pseudo_map m
               WHERE accounts.platform = m.platform AND accounts.account_id = m.v)"""
        )
        if moved.num_rows:
            # each account keeps the import that wrote it (its own file), not the first moved row's: one file a
            # group, merged in one pass (moved keys are distinct: one real account, one pseudonym)
            import pyarrow.compute as pc

            st: Stager | None = None
            for imp in pc.unique(moved.column("import_id")).to_pylist():
                part = moved.filter(
                    pc.is_null(moved.column("import_id"))
                    if imp is None
                    else pc.equal(moved.column("import_id"), imp)
                )
                file_id = imp or "pseudonymize"
                if st is None:
                    st = Stager(d, file_id)
                else:
                    st.next_file(file_id)
                st.add("accounts", part)
            assert st is not None
            st.merge()
        changed["accounts"] = moved.num_rows
        d.execute("UPDATE rejects SET raw = NULL WHERE raw IS NOT NULL")
        for table in SCORE_CACHES_WITH_MEMBERS:
            d.execute(f'DROP TABLE IF EXISTS "{table}"')
    finally:
        d.unregister("__pseudo_map")
        d.execute("DROP TABLE IF EXISTS __creators")
    return changed
