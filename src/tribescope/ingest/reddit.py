"""Reddit exports → ``community_messages`` (+ author ``accounts``, optional ``community_links``).

Reads Pushshift-style NDJSON of submissions and comments, and Reddit API ``Listing`` JSON
(``{"kind": "Listing", "data": {"children": [{"kind": "t3" | "t1", "data": …}]}}``), including a
thread page — ``[post listing, comments listing]`` with comments nested under ``replies`` listings.

Mapping: ``space_id`` = subreddit, lower-cased — for records that do not name one (a research dump of one
subreddit), the import option ``space_id`` (``--space-id changemyview``), else the record is refused;
``space_name`` = ``r/Name``; ``thread_id`` = the submission id (``link_id`` without ``t3_``); ``reply_to`` =
``parent_id`` without its ``t1_``/``t3_`` prefix (null for a submission); ``channel`` = the submission title (for a
comment: its ``link_title``, or the title of its submission when that was read earlier in the same file, else, after
the merge, the title of its submission as the workspace holds it — see :meth:`Reddit.after_merge`); ``text`` =
title + blank line + selftext for a submission, ``body`` for a comment — the placeholder Reddit leaves for removed or
deleted text (``[removed]``, ``[deleted]``, a large share of the comments of a Pushshift dump) is no text: a
comment's is null, a submission's the title alone; ``reactions`` = ``score`` (``ups`` without one); ``created_at``
from ``created_utc``; ``snapshot_at`` from Pushshift's ``retrieved_on`` when present. A record is a submission or a
comment as its ``kind``, else its ``name`` (``t3_…``/``t1_…``), says.
The author is ``author`` (or ``author_name``, as some research dumps call it). Authors become account stubs keyed by
the lower-cased username; ``[deleted]`` authors are not accounts and their messages keep a null author. With the
import option ``link_creator`` = ``"PLATFORM:ACCOUNT_ID"`` every space seen is linked to that creator in
``community_links``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tribescope import schema
from tribescope.errors import FieldError, ImportFailed, SourceError
from tribescope.ingest._base import Context, Format, Row, raw_text, sql_string, to_int, to_ts
from tribescope.ingest._readers import Probe, Source, iter_json_values

if TYPE_CHECKING:
    from tribescope.store import Workspace

__all__ = [
    "Reddit",
    "account_key",
    "link_creator_key",
    "link_creator_option",
    "link_rows",
    "parse_link_creator",
]

P = "reddit"
#: Authors Reddit shows for removed accounts; they are not accounts.
DELETED = {"[deleted]", "[removed]", ""}
#: what Reddit (and so Pushshift / Arctic Shift) shows for a comment or self text that was removed or deleted
GONE_TEXT = {"[deleted]", "[removed]"}
#: Platforms whose account ids are lower-cased handles (see :mod:`tribescope.schema`).
HANDLE_PLATFORMS = {"instagram", "tiktok", "reddit", "twitter"}


def account_key(platform: str, account_id: str) -> str:
    """An account id as accounts are stored on ``platform``: on the platforms keyed by handle (:data:`HANDLE_PLATFORMS`)
    the handle without ``@``, lower-cased (``@Ann_Knits`` → ``ann_knits``); elsewhere (a YouTube channel id, a
    Discord snowflake: case counts) as it is."""
    return account_id.lstrip("@").lower() if platform in HANDLE_PLATFORMS else account_id


def link_creator_key(opt: object) -> tuple[str, str]:
    """``"PLATFORM:ACCOUNT_ID"`` (the ``--link-creator`` option) → ``(platform, account_id)`` as accounts are stored
    (no ``@``; lower-cased on the platforms keyed by handle); a :class:`ValueError` saying what is expected."""
    plat, sep, acc = str(opt).partition(":")
    plat = plat.strip().lower()
    acc = acc.strip().lstrip("@")
    if not sep or not acc or plat not in schema.PLATFORMS:
        raise ValueError(
            f"expected PLATFORM:ACCOUNT_ID (e.g. youtube:UCxxxx or instagram:alice.cooks) with PLATFORM one of "
            f"{', '.join(schema.PLATFORMS)}, found {opt!r}"
        )
    return plat, account_key(plat, acc)


def link_creator_option(opt: object, path: str) -> tuple[str, str]:
    """:func:`link_creator_key` of the ``link_creator`` import option, a malformed one an :class:`ImportFailed` at
    ``path`` (the file that reads it, or the import's options) saying to correct the option."""
    try:
        return link_creator_key(opt)
    except ValueError as exc:
        raise ImportFailed(path, "option --link-creator", None, str(exc), ImportFailed.OPTION_HINT) from None


def parse_link_creator(ctx: Context) -> tuple[str, str] | None:
    """The ``link_creator`` import option ``"PLATFORM:ACCOUNT_ID"`` → ``(platform, account_id)``."""
    opt = ctx.options.get("link_creator")
    return link_creator_option(opt, ctx.path) if opt else None


def link_rows(ctx: Context, platform: str) -> Iterator[Row]:
    """``community_links`` rows for the spaces collected in ``ctx.state["spaces"]`` (by :func:`seen_space`)."""
    creator = ctx.state.get("link_creator")
    if not creator:
        return
    for space_id, space_name in ctx.state.get("spaces", {}).items():
        yield (
            "community_links",
            {
                "platform": platform,
                "space_id": space_id,
                "space_name": space_name,
                "creator_platform": creator[0],
                "creator_id": creator[1],
            },
        )


def seen_space(ctx: Context, space_id: str, space_name: str | None) -> None:
    spaces: dict[str, str | None] = ctx.state.setdefault("spaces", {})
    if space_id not in spaces or (space_name and not spaces[space_id]):
        spaces[space_id] = space_name


def _strip(v: Any, name: str) -> str | None:
    """A Reddit fullname/id → the bare id (``t3_abc`` → ``abc``)."""
    if v is None or v == "":
        return None
    if isinstance(v, int):
        return str(v)
    if not isinstance(v, str):
        raise FieldError(name, f"expected a Reddit id such as t3_abc123, found {type(v).__name__}")
    return v[3:] if len(v) > 3 and v[0] == "t" and v[2] == "_" else v


def _str(v: Any, name: str) -> str | None:
    if v is None or isinstance(v, str):
        return v
    raise FieldError(name, f"expected text, found {type(v).__name__}")


def _gone_is_none(text: str | None) -> str | None:
    """``text``, or None for the placeholder of removed or deleted text (:data:`GONE_TEXT`)."""
    return None if text in GONE_TEXT else text


def _is_thing(d: Any) -> bool:
    return (
        isinstance(d, dict)
        and (
            ("subreddit" in d and ("body" in d or "title" in d or "link_id" in d))
            or (d.get("kind") in ("t1", "t3") and isinstance(d.get("data"), dict))
            # a comment of a dump that left the subreddit out (a research dataset of one subreddit, e.g. the
            # ChangeMyView chains of Habernal et al. 2018): its submission and parent as Reddit fullnames
            or (
                "body" in d
                and isinstance(d.get("link_id"), str)
                and d["link_id"].startswith("t3_")
                and isinstance(d.get("parent_id"), str)
                and d["parent_id"][:3] in ("t1_", "t3_")
            )
        )
    )


def _space_option(ctx: Context) -> str | None:
    """The ``space_id`` import option (``--space-id``): the subreddit of records that do not name one, as a space id
    (``r/ChangeMyView`` → ``ChangeMyView``; lower-cased with the other space ids by :meth:`Reddit.convert`)."""
    opt = ctx.options.get("space_id")
    if opt is None:
        return None
    sub = str(opt).strip().strip("/ ")  # "/r/changemyview/" as a URL path writes it
    if sub[:2].lower() == "r/":
        sub = sub[2:].strip("/ ")
    if not sub:
        raise ImportFailed(
            ctx.path,
            "option --space-id",
            None,
            f"expected a subreddit name (e.g. changemyview or r/changemyview), found {opt!r}",
            ImportFailed.OPTION_HINT,
        )
    return sub


def _is_listing(d: Any) -> bool:
    return isinstance(d, dict) and d.get("kind") == "Listing" and isinstance(d.get("data"), dict)


class Reddit(Format):
    name = "reddit"
    options = frozenset({"link_creator", "space_id"})
    description = (
        "Reddit API Listing JSON (incl. thread pages) or Pushshift NDJSON of submissions and comments"
    )
    platform = P

    def sniff(self, probe: Probe) -> bool:
        d = probe.first_json
        if isinstance(d, list) and d:
            d = d[0]
        return _is_listing(d) or _is_thing(d)

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        ctx.state["link_creator"] = parse_link_creator(ctx)
        ctx.state["space_option"] = _space_option(ctx)
        for loc, doc in iter_json_values(src):
            if isinstance(doc, list):  # a thread page: [post listing, comments listing]
                for i, part in enumerate(doc):
                    yield from _walk(part, f"{loc}[{i}]")
            else:
                yield from _walk(doc, loc)

    def convert(self, raw: Any, ctx: Context) -> Iterable[Row]:
        if not isinstance(raw, dict):
            raise FieldError(None, f"expected a submission or comment object, found {type(raw).__name__}")
        kind = raw.get("kind")
        d = raw["data"] if kind in ("t1", "t3") and isinstance(raw.get("data"), dict) else raw
        if kind not in ("t1", "t3"):
            fullname = d.get("name")
            if isinstance(fullname, str) and fullname[:3] in ("t1_", "t3_"):  # what the thing says it is
                kind = fullname[:2]
            else:
                kind = "t1" if ("body" in d or "parent_id" in d) else "t3"
        sub = _str(d.get("subreddit"), "subreddit") or ctx.state.get("space_option")
        if not sub:
            raise FieldError(
                "subreddit",
                "is missing or empty, but is required: give the subreddit of records that do not name one with "
                "--space-id (e.g. --space-id changemyview)",
            )
        space = sub.lower()
        name = _str(d.get("subreddit_name_prefixed"), "subreddit_name_prefixed") or f"r/{sub}"
        mid = _strip(d.get("id") or d.get("name"), "id")
        if not mid:
            raise FieldError("id", "is missing or empty, but is required")
        # ``author_name``: the field's name in some research dumps (the ChangeMyView chains of Habernal et al.)
        author = _str(d["author"], "author") if "author" in d else _str(d.get("author_name"), "author_name")
        if author in DELETED:
            author = None
        titles: dict[str, str] = ctx.state.setdefault("titles", {})
        row: dict[str, Any]
        if kind == "t3":
            title = _str(d.get("title"), "title") or ""
            # a submission's text in ``body`` where a dump keeps one text field for both kinds (the CMV chains)
            body = _str(d["selftext"], "selftext") if "selftext" in d else _str(d.get("body"), "body")
            if body in GONE_TEXT:
                body = None
            row = {
                "thread_id": mid,
                "reply_to": None,
                "channel": title or None,
                "text": f"{title}\n\n{body}" if body else title,
            }
            if title and len(titles) < 1_000_000:
                titles[mid] = title
        else:
            thread = _strip(d.get("link_id"), "link_id")
            if not thread:
                raise FieldError("link_id", "is missing: a comment must name its submission (t3_…)")
            row = {
                "thread_id": thread,
                "reply_to": _strip(d.get("parent_id"), "parent_id"),
                "channel": _str(d.get("link_title"), "link_title") or titles.get(thread),
                "text": _gone_is_none(_str(d.get("body"), "body")),
            }
        row.update(
            {
                "platform": P,
                "message_id": mid,
                "space_id": space,
                "space_name": name,
                "author_id": author.lower() if author else None,
                "author_name": author,
                "created_at": to_ts(d.get("created_utc", d.get("created")), "created_utc"),
                # ``ups`` where a dump has no ``score`` (older API records, research dumps): the same figure then
                "reactions": to_int(d["score"], "score") if "score" in d else to_int(d.get("ups"), "ups"),
            }
        )
        snap = d.get("retrieved_on", d.get("retrieved_utc"))
        if snap is not None:
            row["snapshot_at"] = to_ts(snap, "retrieved_on")
        yield "community_messages", row
        seen_space(ctx, space, name)
        if author:
            yield "accounts", {"platform": P, "account_id": author.lower(), "username": author}

    def finish(self, ctx: Context) -> Iterable[Row]:
        return link_rows(ctx, P)

    def after_merge(
        self,
        ws: Workspace,
        import_ids: Sequence[str],
        *,
        paths: Mapping[str, str] | None = None,
        skip_bad: bool = False,
    ) -> dict[str, dict[str, int]]:
        """After the import's rows are merged (in its transaction; ``import_ids``: its Reddit files): a comment
        stored without a title (``channel`` null: a Pushshift / Arctic Shift comment carries no ``link_title``) takes
        the title of its submission — the row of the same space whose ``message_id`` is the comment's ``thread_id``
        and ``reply_to`` null — when the workspace holds it, whichever file or import brought either. Only comments
        of these files, and stored comments whose submission these files wrote; a stored comment filled so was
        changed by the submission's file: it takes that file's ``import_id`` and counts in its rows (returned per
        import id and table). Re-importing the same data finds no comment left to fill, and changes nothing."""
        ids = "[" + ", ".join(sql_string(i) for i in sorted(import_ids)) + "]::VARCHAR[]"
        d = ws.duck
        d.execute(
            f"""CREATE OR REPLACE TEMP TABLE __reddit_titles AS
                SELECT c.message_id, s.channel,
                       CASE WHEN list_contains({ids}, c.import_id) THEN NULL ELSE s.import_id END AS wrote
                FROM community_messages c JOIN community_messages s
                  ON s.message_id = c.thread_id AND s.space_id = c.space_id
                WHERE c.platform = '{P}' AND c.channel IS NULL AND c.message_id <> c.thread_id
                  AND s.platform = '{P}' AND s.reply_to IS NULL AND s.channel IS NOT NULL
                  AND (list_contains({ids}, c.import_id) OR list_contains({ids}, s.import_id))"""
        )
        try:
            wrote = d.execute("SELECT wrote, count(*) FROM __reddit_titles GROUP BY ALL").fetchall()
            if wrote:
                d.execute(
                    f"""UPDATE community_messages AS t SET channel = x.channel, import_id = coalesce(x.wrote, t.import_id)
                        FROM __reddit_titles x WHERE t.platform = '{P}' AND t.message_id = x.message_id"""
                )
        finally:
            d.execute("DROP TABLE IF EXISTS __reddit_titles")
        return {imp: {"community_messages": int(n)} for imp, n in wrote if imp is not None}


def _walk(doc: Any, loc: str) -> Iterator[tuple[str, Any]]:
    """Flatten listings (and the ``replies`` listings nested in comments) into single things, in
    document order. Iterative, so a reply chain of any depth cannot exhaust the call stack."""
    stack: list[tuple[Any, str]] = [(doc, loc)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, SourceError) or not _is_listing(node):
            yield where, node
            if _is_thing(node) and node.get("kind") == "t1":
                stack.extend(_replies(node["data"], where))
            continue
        children = node["data"].get("children")
        if not isinstance(children, list):
            yield (
                f"{where}.data.children",
                SourceError(
                    f"{where}.data.children",
                    "expected an array of things in the Listing's data.children",
                    recoverable=True,
                    raw=raw_text(children),
                ),
            )
            continue
        todo: list[tuple[Any, str]] = []
        for i, child in enumerate(children):
            if isinstance(child, dict) and child.get("kind") == "more":
                continue  # "load more comments" placeholder: ids only, no content
            todo.append((child, f"{where}.data.children[{i}]"))
        stack.extend(reversed(todo))


def _replies(data: dict[str, Any], loc: str) -> list[tuple[Any, str]]:
    rep = data.get("replies")
    return [(rep, f"{loc}.data.replies")] if _is_listing(rep) else []
