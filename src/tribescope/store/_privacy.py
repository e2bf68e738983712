"""Personal data: forgetting an account everywhere, and keyed pseudonyms for non-creator accounts.

What tribescope stores about people (see ``docs/privacy.md``): public handles, display names, bios
and counters of accounts that appear in the exports a brand imports, and the text of their public
comments and community messages. It needs them to measure conversation between followers; it never
needs real identities of followers, hence ``--pseudonymize``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tribescope import _interrupt, schema
from tribescope.errors import TribescopeError
from tribescope.store._workspace import Workspace, _ident
from tribescope.store._workspace import _literal as _lit

__all__ = ["ForgetReport", "PrivacyError", "drop_forgotten", "forget", "load_key", "pseudonym", "purge_file"]

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
#: columns that hold lists of handles (accounts tagged on a post, @-mentioned in its caption): the account's handle
#: is taken out of them, the row (someone else's post) stays
LIST_NAME_COLUMNS = ("tagged_users", "mentions")
#: derived tables that hold account ids inside lists (the engagement pods kept by ``score``): dropped whole
SCORE_CACHES_WITH_MEMBERS = ("_score_cache_pods",)
#: the erasure list: what ``forget`` removed, kept so that later imports do not bring it back (see :func:`drop_forgotten`)
FORGOTTEN_TABLE = "forgotten_accounts"
#: what replaces a forgotten account's handle or id in tribescope's own log (file paths, import options)
FORGOTTEN_PLACEHOLDER = "[forgotten]"
#: import options whose values are a fixed vocabulary (platform, format, table names), never an account
_VOCABULARY_OPTIONS = frozenset({"format", "platform", "creator_platform", "table"})
#: shortest id of digits alone that is looked for in the log: shorter ones are dates, counters and sequence numbers of
#: file names as often as ids
_MIN_DIGIT_ID = 6
#: shortest pseudonymisation key accepted: a shorter (or empty) HMAC key lets anyone recompute the pseudonyms
MIN_KEY_BYTES = 16

#: a value a rejection's reason quotes (Python's repr of text: in single quotes, or double when it holds one)
_QUOTED = r"'[^']*'|\"[^\"]*\""


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
    #: nothing matched, and the name given is on the erasure list (forgotten before, on this platform or all)
    already_forgotten: bool = False
    #: rows of the import log (``imports``, ``rejects``) kept, whose file path or options named the account: the
    #: name is replaced with :data:`FORGOTTEN_PLACEHOLDER` (table → rows)
    scrubbed: dict[str, int] = field(default_factory=dict)
    #: cached SQL texts that named the account (``$TRIBESCOPE_CACHE_DIR``, outside the workspace), deleted
    cache_files_removed: int = 0
    #: rows kept (others' posts) whose lists of tagged or mentioned handles (:data:`LIST_NAME_COLUMNS`) named the
    #: account, taken out of them (table → rows)
    untagged: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def _columns(ws: Workspace, table: str) -> list[str]:
    return [r[0] for r in ws.duck.execute(f'DESCRIBE "{table}"').fetchall()]


def _pseudonymised(ws: Workspace, key: bytes, account: str, platform: str | None) -> set[tuple[str, str]]:
    """``(platform, pseudonym)`` of ``account`` on each platform (or ``platform``) where a row of the workspace
    holds that pseudonym as an account id."""
    cands = [(p, pseudonym(key, p, account)) for p in ([platform] if platform else schema.PLATFORMS)]
    found: set[tuple[str, str]] = set()
    for table, col in (
        ("accounts", "account_id"),
        ("comments", "author_id"),
        ("community_messages", "author_id"),
    ):
        if table in ws.list_tables():
            cond = " OR ".join(f'(platform = ? AND "{col}" = ?)' for _ in cands)
            found.update(
                (p, v)
                for p, v in ws.duck.execute(
                    f'SELECT DISTINCT platform, "{col}" FROM "{table}" WHERE {cond}',
                    [x for c in cands for x in c],
                ).fetchall()
            )
    return found


def _token_regex(words: Iterable[str]) -> str:
    """A case-insensitive-ready regex (Python and DuckDB's RE2) for any of ``words`` as a whole handle or id.

    Handles hold ``.`` and ``-`` (``cedar.emma``), so those count as part of a word unless nothing word-like
    follows: ``ann`` matches ``@ann``, ``<td>ann</td>`` and ``ann.`` but not ``anna``, ``joann`` or ``ann.lee``.
    """
    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return rf"(?:^|[^\w.\-])(?:{alts})(?:$|[^\w.\-]|[.\-](?:$|[^\w]))"


def forget(
    ws: Workspace,
    account: str,
    platform: str | None = None,
    *,
    report_dirs: list[Path] | None = None,
    key: bytes | None = None,
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

    The import log keeps its rows (content hash, format and counts: a re-import of the same file is still recognised),
    but where a file path or an import option names the account (``alice/2024-01-01_UTC.json``,
    ``exports/Alice_comments.csv``, ``link_creator`` ``instagram:alice``) the name is replaced with
    :data:`FORGOTTEN_PLACEHOLDER` (:func:`_scrub_log`), also when the account was forgotten before (nothing else
    matched).

    The account stays forgotten: its ids and handle go on the workspace's erasure list (``forgotten_accounts``,
    SHA-256 digests only), and every later import drops what it brings of them (:func:`drop_forgotten`).

    ``key``: the pseudonymisation key (:func:`load_key`) of a workspace imported with ``--pseudonymize``: an account
    given by the id it was pseudonymised from is then found under its pseudonym (:func:`pseudonym`) as well.
    """
    from tribescope.store._workspace import require_writable

    require_writable(ws, "forget", "the deletion of the account's rows", duckdb_only=True)
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
    if key is not None:  # the pseudonym the account was given on each platform, where the workspace holds it
        ids |= _pseudonymised(ws, key, acct, platform)
    if not ids:
        ids.add((platform or "", acct))
    dirs = _report_dirs(report_dirs)
    rep = ForgetReport(platform or ",".join(sorted({p for p, _ in ids})), acct)
    names = {acct.lower()} | {a.lower() for _, a in ids}
    tokens = _token_regex(names)
    # the workspace's own tables: not the session's temporary ones (Ibis' in-memory tables are views, which a
    # DELETE refuses: a forget after a score in one Python session failed)
    tables = ws.stored_tables()
    listed = _on_list(ws, acct, platform)  # before this call puts it there
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
                _untag(ws, table, cols, names, platform, rep)
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
            _untag(ws, table, cols, names, platform, rep)
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
        if rep.deleted or listed:  # forgotten before: its name may still be in the log of an older tribescope
            rep.scrubbed = _scrub_log(ws, names, platform)
    # committed: a Ctrl-C from here on lets the copies that name the account go too (the caller asks
    # :func:`tribescope._interrupt.pressed` after, before the file's rewrite)
    with _interrupt.deferred():
        if (
            not rep.deleted
        ):  # nothing matched: a report that merely contains the word is not about this account
            rep.already_forgotten = listed
            if rep.scrubbed or rep.untagged:
                ws.duck.execute("CHECKPOINT")
            return rep
        from tribescope.store._sqlcache import purge_matching

        # compiled queries keep their literals (the commenter ids explain's evidence filters on), outside the workspace
        rep.cache_files_removed = purge_matching(tokens)
        imported = _imported_files(ws)
        for f in _report_files(dirs):
            if _mentions(f, tokens) and not _is_imported(f, imported):
                f.unlink()
                rep.files_removed.append(str(f))
        # the deleted rows leave the visible state and the write-ahead log; their bytes stay in the file's blocks
        # until :func:`purge_file` rewrites it (``tribescope forget`` does)
        ws.duck.execute("CHECKPOINT")
        return rep


def _untag(
    ws: Workspace, table: str, cols: list[str], names: set[str], platform: str | None, rep: ForgetReport
) -> None:
    """Take the account's ``names`` out of ``table``'s lists of handles (:data:`LIST_NAME_COLUMNS`: tagged on a post,
    @-mentioned in it), on ``platform`` when given; the rows stay (they are others' posts)."""
    lists = [c for c in LIST_NAME_COLUMNS if c in cols]
    if not lists:
        return
    ph = ", ".join("?" * len(names))
    named = " OR ".join(f'len(list_filter("{c}", x -> lower(x) IN ({ph}))) > 0' for c in lists)
    each = [name for _ in lists for name in sorted(names)]
    cond, params = f"({named})", each
    if platform and "platform" in cols:
        cond, params = f"{cond} AND platform = ?", [*params, platform]
    n = int(ws.duck.execute(f'SELECT count(*) FROM "{table}" WHERE {cond}', params).fetchone()[0])
    if not n:
        return
    sets = ", ".join(f'"{c}" = list_filter("{c}", x -> lower(x) NOT IN ({ph}))' for c in lists)
    ws.duck.execute(f'UPDATE "{table}" SET {sets} WHERE {cond}', [*each, *params])
    rep.untagged[table] = rep.untagged.get(table, 0) + n


def _scrub_log(
    ws: Workspace, names: set[str], platform: str | None, only: Iterable[str] | None = None
) -> dict[str, int]:
    """Replace ``names`` (a forgotten account's handle and ids, lower-cased) with :data:`FORGOTTEN_PLACEHOLDER` in
    the import log's text (``imports.path``, ``imports.options``, ``rejects.path``) and in the orders' source files
    (``campaign_orders.source_file``, not with ``only``); returns the rows changed per table. Call inside ``forget``'s
    transaction, before the file is rewritten (:func:`purge_file`).

    A name is matched in any case, as a whole path segment or a token of a file name: not next to a letter or digit
    (``alice`` in ``alice/…``, ``Alice_comments.csv``, ``@alice.json``, ``instagram:alice``; not in ``malice.json``
    or ``alice2/``). Ids of digits alone shorter than :data:`_MIN_DIGIT_ID` are not looked for (dates, counters). In
    ``options`` only string values are changed, not keys nor the vocabulary of :data:`_VOCABULARY_OPTIONS`. With
    ``platform``, only the log of imports whose format is of that platform, or of none (a generic CSV), is changed.
    The rest of a row (content hash, format, counts) is kept: re-importing the same file is still recognised.
    ``only``: the import ids whose log is looked at (default: every import)."""
    pat = _log_pattern(names)
    tables = ws.list_tables()
    if pat is None:
        return {}
    out: dict[str, int] = {}
    if only is None and "campaign_orders" in tables:  # orders name no platform: every erasure looks at them
        n = _scrub_orders(ws, pat)
        if n:
            out["campaign_orders"] = n
    if "imports" not in tables:
        return out

    def sub(text: str | None) -> str | None:
        return text if text is None else pat.sub(FORGOTTEN_PLACEHOLDER, text)

    def sub_options(text: str | None) -> str | None:
        if text is None or not pat.search(text):
            return text
        try:
            opts = json.loads(text)
        except ValueError:
            return sub(text)
        if not isinstance(opts, dict):
            return sub(text)
        out = {
            k: v if k in _VOCABULARY_OPTIONS or not isinstance(v, str) else sub(v) for k, v in opts.items()
        }
        return json.dumps(out)  # as the import wrote it (keys in their order, ``json.dumps`` defaults)

    d = ws.duck
    fmt_of = dict(d.execute("SELECT import_id, format FROM imports").fetchall())

    ids = None if only is None else set(only)

    def in_scope(import_id: str) -> bool:
        if ids is not None and import_id not in ids:
            return False
        p = _format_platform(fmt_of.get(import_id) or "")
        return platform is None or p == platform or p not in schema.PLATFORMS

    changed = []
    for imp, path, options in d.execute("SELECT import_id, path, options FROM imports").fetchall():
        new = (sub(path), sub_options(options))
        if in_scope(imp) and new != (path, options):
            changed.append((*new, imp))
    if changed:
        d.executemany("UPDATE imports SET path = ?, options = ? WHERE import_id = ?", changed)
        out["imports"] = len(changed)
    if "rejects" in tables:
        n = 0
        for imp, path, rows in d.execute(
            "SELECT import_id, path, count(*) FROM rejects WHERE path IS NOT NULL GROUP BY ALL"
        ).fetchall():
            new_path = sub(path)
            if in_scope(imp) and new_path != path:
                d.execute(
                    "UPDATE rejects SET path = ? WHERE import_id = ? AND path = ?", [new_path, imp, path]
                )
                n += int(rows)
        if n:
            out["rejects"] = n
    return out


def _log_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """The regex :func:`_scrub_log` replaces: any of ``names`` in any case, not next to a letter or digit; ``None``
    when no name is to be looked for (ids of digits alone shorter than :data:`_MIN_DIGIT_ID`)."""
    words = [n for n in names if n and not (n.isdigit() and len(n) < _MIN_DIGIT_ID)]
    if not words:
        return None
    alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alts})(?![^\W_])", re.IGNORECASE)


def _scrub_orders(ws: Workspace, pat: re.Pattern[str]) -> int:
    """``campaign_orders.source_file`` (the orders export each order was read from, as ``tribescope campaign import``
    was given it) with the names ``pat`` matches replaced by :data:`FORGOTTEN_PLACEHOLDER`; returns the orders
    changed."""
    n = 0
    for path, rows in ws.duck.execute(
        "SELECT source_file, count(*) FROM campaign_orders WHERE source_file IS NOT NULL GROUP BY ALL"
    ).fetchall():
        new = pat.sub(FORGOTTEN_PLACEHOLDER, path)
        if new != path:
            ws.duck.execute("UPDATE campaign_orders SET source_file = ? WHERE source_file = ?", [new, path])
            n += int(rows)
    return n


#: what may be a handle or id in a file path: runs of letters and digits, joined by '.', '_' or '-'
_LOG_RUN = re.compile(r"[^\W_]+")


def _name_candidates(text: str | None) -> set[str]:
    """Every name-like run of a file path or an option's text, lower-cased: each run of letters and digits of a path
    segment, and each span of up to six runs joined by '.', '_' or '-' (as a handle may be)."""
    out: set[str] = set()
    for seg in re.split(r"[/\\\s\"':,{}]+", text or ""):
        runs = [m.span() for m in _LOG_RUN.finditer(seg)]
        for a in range(len(runs)):
            for b in range(a, min(len(runs), a + 6)):
                out.add(seg[runs[a][0] : runs[b][1]].lower())
    return out


def _forgotten_names(ws: Workspace, cands: set[str], platform: str) -> set[str]:
    """The names among ``cands`` on the erasure list, for ``platform`` (``''``: any platform)."""
    if not cands:
        return set()
    return {
        r[0]
        for r in ws.duck.execute(
            f"""SELECT v.name FROM (SELECT unnest(?::VARCHAR[]) AS name) v
                JOIN "{FORGOTTEN_TABLE}" f ON f.name_sha256 = sha256(v.name)
                WHERE ? = '' OR f.platform IN ('', ?)""",
            [sorted(cands), platform, platform],
        ).fetchall()
    }


def scrub_new_orders(ws: Workspace, source_file: str) -> None:
    """After a campaign import of the orders export ``source_file``, when accounts are on the erasure list
    (:func:`forget`): the names of forgotten accounts in that file's ``campaign_orders.source_file`` replaced as
    :func:`forget` replaces them (an orders export named after a forgotten creator names them nowhere). Call inside
    the import's transaction."""
    if not anything_forgotten(ws):
        return
    pat = _log_pattern(_forgotten_names(ws, _name_candidates(source_file), ""))
    if pat is not None:
        new = pat.sub(FORGOTTEN_PLACEHOLDER, source_file)
        ws.duck.execute(
            "UPDATE campaign_orders SET source_file = ? WHERE source_file = ?", [new, source_file]
        )


def scrub_new_log(ws: Workspace, import_ids: list[str]) -> None:
    """After an import, when accounts are on the erasure list (:func:`forget`): the names of forgotten accounts in the
    log rows it wrote (file paths of ``imports`` and ``rejects``, ``imports.options``) replaced as :func:`forget`
    replaces them (:func:`_scrub_log`) — a file named after a forgotten account imported again names it nowhere. The
    erasure list holds digests only, so each run of letters and digits of a path segment (and each span of up to six
    runs joined by '.', '_' or '-', as a handle may be) is hashed and looked up. Call inside the import's
    transaction."""
    if not import_ids or not anything_forgotten(ws):
        return
    d = ws.duck
    marks = ", ".join("?" * len(import_ids))
    texts: dict[str, set[str]] = {}  # platform of the import's format ('' when of none) → candidate names
    rows = d.execute(
        f"SELECT format, path, options FROM imports WHERE import_id IN ({marks})", import_ids
    ).fetchall()
    rows += d.execute(
        f"SELECT i.format, r.path, NULL FROM rejects r JOIN imports i USING (import_id) "
        f"WHERE r.import_id IN ({marks}) AND r.path IS NOT NULL GROUP BY ALL",
        import_ids,
    ).fetchall()
    for fmt, path, options in rows:
        p = _format_platform(fmt or "")
        bucket = texts.setdefault(p if p in schema.PLATFORMS else "", set())
        bucket |= _name_candidates(path) | _name_candidates(options)
    for plat, cands in texts.items():
        found = _forgotten_names(ws, cands, plat)
        if found:
            _scrub_log(ws, found, plat or None, only=import_ids)


def _format_platform(fmt: str) -> str:
    """The platform of an import format by its name (``instagram-graphql`` → ``instagram``; ``csv`` is of none)."""
    return fmt.split("-")[0]


def purge_file(ws: Workspace) -> None:
    """Rewrite the DuckDB workspace file of ``ws`` with its live rows only, and close ``ws``.

    DuckDB marks deleted rows as deleted and keeps their bytes in the file's blocks (a checkpoint rewrites a row
    group only when most of it is deleted; a table rebuilt in place leaves its old blocks free but not wiped): after
    :func:`forget`, a forgotten account's comments could still be read out of the file with ``strings``. The
    database is copied whole (``COPY FROM DATABASE``: every table with its definition) into a new file beside it,
    which then replaces it; the copy is made on this connection, so the write lock is held until it is done. On
    failure the new file is removed and the workspace is left as it was (rows deleted, bytes not yet wiped).
    DuckDB files only; ``ws`` must be open for writing and is closed (open it again with :func:`connect`)."""
    from tribescope.errors import WorkspaceError
    from tribescope.store._workspace import require_writable

    require_writable(ws, "purge_file", "a copy of the workspace file", duckdb_only=True)
    path = Path(ws.path).resolve()  # a symlink's target is the file that holds the bytes
    tmp = path.with_name(f".{path.name}.purge")
    d = ws.duck
    wal = tmp.with_name(tmp.name + ".wal")
    try:
        for stale in (tmp, wal):  # left by a rewrite that was killed
            stale.unlink(missing_ok=True)
        d.execute("CHECKPOINT")
        db = d.execute("SELECT current_database()").fetchone()[0]
        before = _stamp(path)
        d.execute(f"ATTACH {_lit(str(tmp))} AS __ts_purge")
        try:
            d.execute(f'COPY FROM DATABASE "{db}" TO __ts_purge')
        except (
            BaseException
        ):  # a copy that failed (or was interrupted) may refuse the DETACH: closing detaches
            with contextlib.suppress(Exception):
                d.execute("DETACH __ts_purge")
            raise
        d.execute("DETACH __ts_purge")
        ws.close()
        if _stamp(path) != before:  # nothing may have written to it since the copy began
            raise WorkspaceError(f"{path} changed while it was copied")
        shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        ws.close()
        for left in (tmp, wal):
            left.unlink(missing_ok=True)
        if _interrupt.is_interrupt(
            exc
        ):  # Ctrl-C: the caller says what was done (the rows' deletion) and stops
            raise KeyboardInterrupt from exc
        raise WorkspaceError(
            f"the rows were deleted, but {path} still holds their bytes: it could not be rewritten ({exc}). "
            "Fix that (disk space, another program using the file) and run `tribescope forget` again with the same "
            "account: it rewrites the file of an account already forgotten"
        ) from exc
    finally:
        ws.close()


def _stamp(p: Path) -> tuple[int, int]:
    st = p.stat()
    return st.st_size, st.st_mtime_ns


#: the files ``forget --reports`` looks into: what the commands write (``--out``: tables as CSV/TSV, JSON, JSON lines
#: or Parquet, reports as HTML), whatever the case of the suffix
REPORT_SUFFIXES = (".html", ".htm", ".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".parquet")


def _report_dirs(report_dirs: list[Path] | None) -> list[Path]:
    """The ``--reports`` folders, checked before anything is deleted: a folder that does not exist (a typo) would
    otherwise purge nothing without a word."""
    dirs = [Path(d) for d in report_dirs or []]
    for d in dirs:
        if not d.is_dir():
            what = "is a file, not a folder" if d.exists() else "does not exist"
            raise PrivacyError(
                f"reports folder {d} {what}; give the folder the reports were written to. Nothing was deleted."
            )
    return dirs


def _report_files(dirs: list[Path]) -> list[Path]:
    """Every report file under ``dirs``, subfolders included (``export --parquet`` writes one folder per table)."""
    return [
        f for d in dirs for f in sorted(d.rglob("*")) if f.is_file() and f.suffix.lower() in REPORT_SUFFIXES
    ]


def _imported_files(ws: Workspace) -> set[tuple[int, str]]:
    """``(bytes, sha256)`` of every file the workspace imported: exports (table ``imports``) and campaign files (a plan,
    shop orders, clicks: ``campaign_files``)."""
    rows: list[tuple[Any, Any]] = []
    for table in ("imports", "campaign_files"):
        if table in ws.list_tables():
            rows += ws.duck.execute(
                f'SELECT DISTINCT bytes, sha256 FROM "{table}" WHERE sha256 IS NOT NULL'
            ).fetchall()
    return {(int(n), str(h)) for n, h in rows if n is not None}


def _is_imported(f: Path, imported: set[tuple[int, str]]) -> bool:
    """Whether ``f`` is an export the workspace imported (not a generated report: ``forget`` keeps it; a re-import
    drops the account again)."""
    try:
        size = f.stat().st_size
        if not any(n == size for n, _ in imported):
            return False
        return (size, hashlib.sha256(f.read_bytes()).hexdigest()) in imported
    except OSError:
        return False


def _mentions(f: Path, tokens: str) -> bool:
    """Whether the file ``f`` names the account (``tokens``: :func:`_token_regex`). A Parquet file is searched by its
    values: its bytes hold text compressed (a handle whose first letters repeat an earlier value is not in them)."""
    if f.suffix.lower() == ".parquet":
        found = _parquet_mentions(f, tokens)
        if found is not None:
            return found
    try:
        text = f.read_bytes().decode("utf-8", "replace")
    except OSError:
        return False
    return re.search(tokens, text, re.IGNORECASE) is not None


#: DuckDB column types that cannot hold a handle (numbers, booleans, times): not searched in a Parquet report
_PLAIN_TYPES = re.compile(
    r"^(BOOLEAN|U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|DECIMAL\b.*|DATE|TIME\b.*|TIMESTAMP\b.*|INTERVAL)$"
)


def _parquet_mentions(f: Path, tokens: str) -> bool | None:
    """Whether a value of the Parquet file ``f`` (every column but numbers, booleans and times, lists and structs
    as text) names the account; ``None`` when ``f`` cannot be read as Parquet."""
    import duckdb

    con = duckdb.connect()
    try:
        src = f"read_parquet({_lit(str(f))})"
        cols = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
        text = [c for c, t, *_ in cols if not _PLAIN_TYPES.match(str(t))]
        if not text:
            return False
        where = " OR ".join(f"regexp_matches(CAST({_ident(c)} AS VARCHAR), ?, 'i')" for c in text)
        found = con.execute(
            f"SELECT EXISTS (SELECT 1 FROM {src} WHERE {where})", [tokens] * len(text)
        ).fetchone()
        return bool(found and found[0])
    except duckdb.Error:
        return None
    finally:
        con.close()


def has_pseudonyms(ws: Workspace) -> bool:
    """Whether the workspace holds pseudonymised accounts (``p_`` and 20 hex digits, :func:`pseudonym`)."""
    have = set(ws.list_tables())
    parts = [
        f'SELECT 1 FROM "{t}" WHERE regexp_full_match("{c}", \'p_[0-9a-f]{{20}}\')'
        for t, c in (
            ("accounts", "account_id"),
            ("comments", "author_id"),
            ("community_messages", "author_id"),
        )
        if t in have
    ]
    if not parts:
        return False
    return bool(ws.duck.execute(f"SELECT EXISTS ({' UNION ALL '.join(parts)})").fetchone()[0])


def _on_list(ws: Workspace, name: str, platform: str | None) -> bool:
    """Whether ``name`` is on the erasure list for every platform, or for ``platform``."""
    if FORGOTTEN_TABLE not in ws.list_tables():
        return False
    plats = ["", platform] if platform else [""]
    q = f'SELECT count(*) FROM "{FORGOTTEN_TABLE}" WHERE name_sha256 = ? AND platform IN ({", ".join("?" * len(plats))})'
    return bool(ws.duck.execute(q, [_name_hash(name), *plats]).fetchone()[0])


def forgotten_among(ws: Workspace, names: list[tuple[str | None, str]]) -> set[int]:
    """The positions in ``names`` (``(platform, id or handle)``; platform ``None``: any) of the names on the erasure
    list (:func:`forget`) for their platform or every platform, in one query; empty at once when nothing was ever
    forgotten. For files that are not imported through :func:`drop_forgotten` (a campaign plan)."""
    vals = [(k, (p or "").lower(), _name_hash(n.strip().lstrip("@"))) for k, (p, n) in enumerate(names) if n]
    if not vals or FORGOTTEN_TABLE not in ws.list_tables():
        return set()
    rows = ws.duck.execute(
        f"""SELECT DISTINCT v.k FROM (VALUES {", ".join("(?, ?, ?)" for _ in vals)}) v(k, platform, h)
            JOIN "{FORGOTTEN_TABLE}" f ON f.name_sha256 = v.h
             AND (f.platform = '' OR v.platform = '' OR f.platform = v.platform)""",
        [x for v in vals for x in v],
    ).fetchall()
    return {int(r[0]) for r in rows}


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


def _forgotten_ids(ws: Workspace) -> set[tuple[str, str]]:
    """``(platform, lower-cased id)`` of every account in the workspace whose id, or a name it writes under (author
    name, username), is on the erasure list for its platform. Empty at once when nothing was ever forgotten."""
    d = ws.duck
    if (
        FORGOTTEN_TABLE not in ws.list_tables()
        or not d.execute(f'SELECT count(*) FROM "{FORGOTTEN_TABLE}"').fetchone()[0]
    ):
        return set()
    rows = d.execute(
        f"""WITH v AS (
              SELECT platform, author_id AS id, author_name AS name FROM comments UNION ALL
              SELECT platform, author_id, author_name FROM community_messages UNION ALL
              SELECT platform, account_id, username FROM accounts)
            SELECT DISTINCT v.platform, lower(v.id) FROM v JOIN "{FORGOTTEN_TABLE}" f
              ON f.platform IN ('', v.platform)
             AND (f.name_sha256 = sha256(lower(v.id)) OR f.name_sha256 = sha256(lower(coalesce(v.name, v.id))))
            WHERE v.id IS NOT NULL"""
    ).fetchall()
    return {(str(p), str(i)) for p, i in rows}


def _remember_pseudonyms(ws: Workspace, pairs: list[tuple[str, str]]) -> None:
    """Put the pseudonyms ``(platform, p_…)`` of forgotten accounts on the erasure list (on their platform)."""
    for platform, pseudo in pairs:
        _remember(ws, platform, {pseudo})


def drop_forgotten(ws: Workspace, formats: dict[str, str]) -> dict[str, dict[str, int]]:
    """Delete the rows that this import's files (``formats``: import id → format name) wrote for accounts on the
    erasure list (:func:`forget`), so that re-importing an export, or a newer one, does not bring a forgotten account
    back. Returns the rows deleted per import id and table. Call inside the import's transaction.

    A row goes when one of its account columns (:data:`ID_COLUMNS`, :data:`NAME_COLUMNS`) names a forgotten
    account on the row's platform, as :func:`forget` matches them; a quarantined record (``rejects``) goes when one
    of its words does and its file's format is of that platform. Rows of other imports are not looked at:
    ``forget`` removed those. Costs one catalog lookup when nothing was ever forgotten."""
    if not formats or not anything_forgotten(ws):
        return {}
    out = _forgotten_rows(ws, formats, (*schema.DATA_TABLES, "rejects"), delete=True)
    for table in schema.DATA_TABLES:
        _untag_forgotten(ws, table, formats)
    return out


def _untag_forgotten(ws: Workspace, table: str, formats: dict[str, str]) -> None:
    """Take the accounts on the erasure list out of the lists of handles (:data:`LIST_NAME_COLUMNS`: tagged on a post,
    @-mentioned in its caption) of the rows of ``table`` that this import's files (``formats``' import ids) wrote, as
    :func:`forget` took them out of the stored rows (:func:`_untag`); the rows stay (they are others' posts). A
    re-import of the export then leaves the post as ``forget`` left it (the import's net provenance, run after this,
    gives it back its stored ``import_id``): it wrote the forgotten handle back into the post's ``tagged_users``.
    In the engine: one statement per list column, each list filtered by the digests on the list for every platform
    or the row's."""
    cols = set(_columns(ws, table))
    ours = "t.import_id IN (" + ", ".join(_lit(i) for i in sorted(formats)) + ")"
    for c in (c for c in LIST_NAME_COLUMNS if c in cols):
        col = f't."{c}"'
        named = f"len(list_filter({col}, x -> list_contains(d.digests, sha256(lower(x))))) > 0"
        ws.duck.execute(
            f"""UPDATE "{table}" AS t SET "{c}" = list_filter({col}, x -> NOT list_contains(d.digests, sha256(lower(x))))
                FROM (SELECT p.platform, list(f.name_sha256) AS digests
                      FROM (SELECT DISTINCT platform FROM "{table}" t WHERE {ours} AND len({col}) > 0) p
                      JOIN "{FORGOTTEN_TABLE}" f ON f.platform IN ('', p.platform) GROUP BY p.platform) d
                WHERE t.platform = d.platform AND {ours} AND {named}"""
        )


def count_forgotten(ws: Workspace, import_ids: list[str]) -> dict[str, dict[str, int]]:
    """The data rows (not ``rejects``) that the imports ``import_ids`` wrote for accounts on the erasure list, per
    import id and table, matched as :func:`drop_forgotten` matches them; nothing is deleted."""
    return _forgotten_rows(ws, dict.fromkeys(import_ids, ""), schema.DATA_TABLES, delete=False)


def _forgotten_rows(
    ws: Workspace, formats: dict[str, str], tables: tuple[str, ...], *, delete: bool
) -> dict[str, dict[str, int]]:
    d = ws.duck
    ours = "import_id IN (" + ", ".join(_lit(i) for i in sorted(formats)) + ")"
    out: dict[str, dict[str, int]] = {}
    for table in tables:
        where = f"{ours} AND {forgotten_where(ws, table, formats)}"
        counts = d.execute(f'SELECT import_id, count(*) FROM "{table}" WHERE {where} GROUP BY ALL').fetchall()
        if counts and delete:
            d.execute(f'DELETE FROM "{table}" WHERE {where}')
        for imp, n in counts:
            out.setdefault(imp, {})[table] = int(n)
    return out


def anything_forgotten(ws: Workspace) -> bool:
    """Whether an account is on the workspace's erasure list (:func:`forget`): one catalog lookup when none ever was."""
    if FORGOTTEN_TABLE not in ws.list_tables():
        return False
    return bool(ws.duck.execute(f'SELECT count(*) FROM "{FORGOTTEN_TABLE}"').fetchone()[0])


def forgotten_where(ws: Workspace, table: str, formats: dict[str, str] | None = None) -> str:
    """SQL condition on a row of ``table`` (named so, or aliased as it): it names an account on the erasure list
    (:func:`_names_forgotten`; ``formats``, import id → format, only for ``rejects``)."""
    return f'EXISTS (SELECT 1 FROM "{FORGOTTEN_TABLE}" f WHERE {_names_forgotten(ws, table, formats or {})})'


def _names_forgotten(ws: Workspace, table: str, formats: dict[str, str]) -> str:
    """SQL: the erasure-list row ``f`` names the account of a row of ``table`` (see :func:`drop_forgotten`)."""
    if table == "rejects":
        # no platform column, as in :func:`forget`: the record names the platform, or its file's format is of it
        # (``instagram-graphql`` → instagram); a word of the raw record as handles are written (with '.' and '-')
        fmt_platform = (
            "CASE import_id "
            + " ".join(
                f"WHEN {_lit(i)} THEN {_lit(_format_platform(fmt))}" for i, fmt in sorted(formats.items())
            )
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


def _pseudonymize_unkeyed_names(ws: Workspace, key: bytes) -> dict[str, int]:
    """The handles of authors whose export gives no id (a YouTube comment without ``authorChannelId``): each
    ``author_name`` replaced with the pseudonym of the name (the one its account gets where the id is the handle),
    except a creator's own handle. Rows changed per table."""
    d = ws.duck
    out: dict[str, int] = {}
    for table in ("comments", "community_messages"):
        names = d.execute(
            f"""SELECT DISTINCT platform, author_name FROM {table}
                WHERE author_id IS NULL AND author_name IS NOT NULL AND NOT starts_with(author_name, 'p_')
                  AND (platform, lower(author_name)) NOT IN (
                    SELECT a.platform, lower(coalesce(a.username, a.account_id)) FROM accounts a
                    WHERE (a.platform, a.account_id) IN (
                      SELECT platform, creator_id FROM posts
                      UNION SELECT creator_platform, creator_id FROM community_links)
                    UNION SELECT platform, lower(creator_id) FROM posts)"""
        ).fetchall()
        if not names:
            continue
        import pyarrow as pa

        d.register(
            "__pseudo_names",
            pa.table(
                {
                    "platform": [p for p, _ in names],
                    "name": [n for _, n in names],
                    "pseudo": [pseudonym(key, p, n) for p, n in names],
                }
            ),
        )
        try:
            n = d.execute(
                f"""SELECT count(*) FROM {table} t JOIN __pseudo_names m
                    ON t.platform = m.platform AND t.author_name = m.name WHERE t.author_id IS NULL"""
            ).fetchone()[0]
            d.execute(
                f"""UPDATE {table} SET author_name = m.pseudo FROM __pseudo_names m
                    WHERE {table}.author_id IS NULL AND {table}.platform = m.platform
                      AND {table}.author_name = m.name"""
            )
        finally:
            d.unregister("__pseudo_names")
        out[table] = int(n)
    return out


def _pseudonymize_tags(ws: Workspace, values: list[tuple[str, str]], pseudos: list[str]) -> None:
    """``posts.tagged_users`` (accounts tagged on the media) of the accounts being pseudonymised, by their id or
    handle, replaced with their pseudonyms (before the accounts' handles are). The caption and its ``mentions`` are
    the creator's text and stay."""
    import pyarrow as pa

    d = ws.duck
    by_name = {(p, v.lower()): s for (p, v), s in zip(values, pseudos, strict=True)}
    users = d.execute(
        "SELECT platform, account_id, lower(username) FROM accounts WHERE username IS NOT NULL"
    ).fetchall()
    for p, a, u in users:
        s = by_name.get((p, a.lower()))
        if s is not None:
            by_name.setdefault((p, u), s)
    rows = d.execute("SELECT rowid, platform, tagged_users FROM posts WHERE len(tagged_users) > 0").fetchall()
    new = []
    for rid, p, tags in rows:
        out = [by_name.get((p, t.lower()), t) if t is not None else None for t in tags]
        if out != tags:
            new.append((rid, out))
    if not new:
        return
    d.register(
        "__pseudo_tags",
        pa.table({"rid": [r for r, _ in new], "tags": pa.array([t for _, t in new], pa.list_(pa.string()))}),
    )
    try:
        d.execute("UPDATE posts SET tagged_users = n.tags FROM __pseudo_tags n WHERE posts.rowid = n.rid")
    finally:
        d.unregister("__pseudo_tags")


def _count_unmoved(d: Any, written: dict[str, dict[str, int]], wrote: str, moved_wrote: str | None) -> None:
    """Take off each file's ``accounts`` figure (``written``) the accounts it wrote under a real id (``wrote``) whose
    pseudonym's row the move to pseudonyms (``__pseudo_map``) did not write (``moved_wrote``: the keys it did)."""
    changed = (
        f"AND NOT EXISTS (SELECT 1 FROM {_ident(moved_wrote)} x WHERE x.platform = m.platform AND x.account_id = m.pseudo)"
        if moved_wrote is not None
        else ""
    )
    for imp, n in d.execute(
        f"""SELECT w.import_id, count(*) FROM {_ident(wrote)} w
            JOIN __pseudo_map m ON w.platform = m.platform AND w.account_id = m.v
            WHERE true {changed} GROUP BY ALL"""
    ).fetchall():
        rows = written.get(imp)
        if rows is not None and "accounts" in rows:
            rows["accounts"] -= int(n)


def pseudonymize_workspace(
    ws: Workspace,
    key: bytes,
    written: dict[str, dict[str, int]] | None = None,
    wrote: str | None = None,
) -> dict[str, int]:
    """Replace ids and handles of every **non-creator** account with keyed pseudonyms, in place.

    Creators are accounts that publish posts or own a linked community space; brands need their
    names. Everyone else (commenters, community members) keeps a stable pseudonym ``p_…`` — the same
    person gets the same pseudonym across files and imports (same key), so conversation metrics are
    unchanged — while names, bios and links are dropped. Raw quarantined records are blanked.
    Idempotent: values that already are pseudonyms are left alone. Call inside a transaction.

    ``written``: the import's rows written per file (import id) and table, corrected for the accounts moved to their
    pseudonyms: the accounts each file wrote under a real id (``wrote``: the import stager's
    :meth:`~tribescope.store._upsert.Stager.wrote_table`) whose pseudonym's row the move left as it was are taken off
    its figures — a forced re-import of a pseudonymised export wrote every commenter's account under its real id, a
    new key, and counted them all ("accounts 1,938" written for rows left exactly as they were).
    """
    import pyarrow as pa

    from tribescope.store._upsert import Stager

    d = ws.duck
    values = d.execute(
        """WITH creators AS (
             SELECT DISTINCT platform, creator_id AS id FROM posts
             UNION SELECT DISTINCT creator_platform, creator_id FROM community_links)
           SELECT DISTINCT platform, v FROM (
             SELECT platform, author_id AS v FROM comments UNION ALL
             SELECT platform, author_id FROM community_messages UNION ALL
             SELECT platform, account_id FROM accounts)
           WHERE v IS NOT NULL AND NOT starts_with(v, 'p_')
             AND (platform, v) NOT IN (SELECT platform, id FROM creators)"""
    ).fetchall()
    # the raw records of the rejects name their authors too, also when no account needs a pseudonym (an import whose
    # every record was rejected kept them whole)
    d.execute("UPDATE rejects SET raw = NULL WHERE raw IS NOT NULL")
    # and a reason may quote the value it refused ("expected a count of 0 or more, found 'mallory'": a handle in a
    # shifted column); the quoted values go, the reason's wording stays
    d.execute(
        "UPDATE rejects SET reason = regexp_replace(reason, ?, '…', 'g') WHERE regexp_matches(reason, ?)",
        [_QUOTED, _QUOTED],
    )
    changed: dict[str, int] = _pseudonymize_unkeyed_names(ws, key)
    if not values:
        return changed
    pseudos = [pseudonym(key, p, v) for p, v in values]
    # an account on the erasure list by its name or id stays forgotten under its pseudonym: the pseudonym goes on the
    # list too, so that the import's :func:`drop_forgotten` (run after this) drops the rows it brought of them
    gone = _forgotten_ids(ws)
    if gone:
        _remember_pseudonyms(
            ws, [(p, pv) for (p, v), pv in zip(values, pseudos, strict=True) if (p, v.lower()) in gone]
        )
    mapping = pa.table(
        {
            "platform": [p for p, _ in values],
            "v": [v for _, v in values],
            "pseudo": pseudos,
        }
    )
    _pseudonymize_tags(ws, values, pseudos)
    d.register("__pseudo_map", mapping)
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
            changed[table] = changed.get(table, 0) + int(n)
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
            track = ("accounts",) if written is not None and wrote is not None else ()
            for imp in pc.unique(moved.column("import_id")).to_pylist():
                part = moved.filter(
                    pc.is_null(moved.column("import_id"))
                    if imp is None
                    else pc.equal(moved.column("import_id"), imp)
                )
                file_id = imp or "pseudonymize"
                if st is None:
                    st = Stager(d, file_id, track=track)
                else:
                    st.next_file(file_id)
                st.add("accounts", part)
            assert st is not None
            st.merge()
            if written is not None and wrote is not None:
                _count_unmoved(d, written, wrote, st.wrote_table("accounts"))
            st.drop_tracking()
        changed["accounts"] = moved.num_rows
        for table in SCORE_CACHES_WITH_MEMBERS:
            d.execute(f'DROP TABLE IF EXISTS "{table}"')
    finally:
        d.unregister("__pseudo_map")
    return changed
