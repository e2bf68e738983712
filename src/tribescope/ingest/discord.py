"""DiscordChatExporter JSON → ``community_messages`` (+ author ``accounts``, optional ``community_links``).

A DiscordChatExporter (DCE) export is one JSON document per channel::

    {"guild": {"id", "name"}, "channel": {"id", "type", "category", "name", "topic"}, "exportedAt": …,
     "messages": [{"id", "type", "timestamp", "content", "author": {"id", "name", "nickname", "isBot"},
                   "reactions": [{"emoji", "count"}], "reference": {"messageId", …}}, …],
     "messageCount": N}

The header (everything before ``messages``) is read with a streaming parser that stops at
``messages``; messages are then streamed one by one, so a 1 GB export is never held in memory.
An export of at most :data:`~tribescope.ingest._readers.WHOLE_DOC_BYTES` is parsed whole with orjson
instead (same header, messages and locations; several times faster for the usual small channel files).

Mapping: ``space_id`` = guild id, ``space_name`` = guild name, ``channel`` = channel name,
``thread_id`` = channel id, ``author_id`` = author snowflake, ``reply_to`` = ``reference.messageId``
of a ``Reply`` (never of a ``reference`` of type ``Forward``), ``text`` = ``content`` (a forwarded message without
text of its own: the forwarded text, ``forwardedMessage.content``, as Discord shows it; author, time and reactions
stay the forwarding message's), ``reactions`` = Σ ``reactions[].count``, ``created_at`` = ``timestamp`` (any offset,
stored as UTC), ``snapshot_at`` = ``exportedAt``. Authors become accounts (``username`` = name,
``full_name`` = nickname, ``is_bot`` = isBot). ``link_creator`` works as for Reddit.

System notifications (``type`` ``GuildMemberJoin``, ``ChannelPinnedMessage``, ``ThreadCreated``, ``Call``, …: DCE's
message kinds 1–18) are read but map to no row: DCE writes a text of its own for them ("Joined the server.",
"Pinned a message."), which no member wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import ijson
import orjson

from tribescope.errors import FieldError, SourceError
from tribescope.ingest._base import _I64_MAX, _I64_MIN, Context, Format, Row, need, to_int, to_ts
from tribescope.ingest._readers import Probe, Source, iter_json_values, whole_document, whole_document_bytes
from tribescope.ingest.reddit import link_rows, parse_link_creator, seen_space

__all__ = ["DiscordChatExporter", "read_header"]

P = "discord"
#: the top-level names :meth:`DiscordChatExporter.records` requires to occur once for a whole-document read
_UNIQUE = ("guild", "channel", "exportedAt", "messages")
_NONE = type(None)
#: DCE's names of the message kinds it counts as system notifications (``MessageKind.IsSystemNotification``: 1–18);
#: a kind DCE has no name for is written as its number
_SYSTEM_KINDS = frozenset(
    (
        "RecipientAdd",
        "RecipientRemove",
        "Call",
        "ChannelNameChange",
        "ChannelIconChange",
        "ChannelPinnedMessage",
        "GuildMemberJoin",
        "ThreadCreated",
        *map(str, range(1, 19)),
    )
)
_EMPTY: dict[str, Any] = {}


def _types_in(values: list[Any], types: tuple[type, ...]) -> bool:
    """Whether every value's type is one of ``types`` (exactly: ``bool`` is not ``int``)."""
    return set(map(type, values)).issubset(types)


def _fits(values: list[Any]) -> bool:
    """Whether ``values`` are whole numbers of 64 bits (Python ints, as :func:`to_int` requires)."""
    return _types_in(values, (int,)) and (not values or (min(values) >= _I64_MIN and max(values) <= _I64_MAX))


def _is_system(message: dict[str, Any]) -> bool:
    """Whether a DCE message is a system notification (a member joined, a message was pinned, …), not a message."""
    kind = message.get("type")
    return type(kind) is str and kind in _SYSTEM_KINDS


def _shown_text(text: Any, forwarded: dict[str, Any]) -> Any:
    """The text of a message holding a forward (DCE's ``forwardedMessage``, with a ``reference`` of type
    ``Forward``): its own ``content`` when it has one, else the forwarded message's, which is what Discord shows."""
    if text is None or text == "":
        shown = forwarded.get("content")
        if shown is not None and shown != "":
            return shown
    return text


def read_header(src: Source) -> dict[str, Any]:
    """The top-level members of a DCE export that precede ``messages`` (guild, channel, exportedAt, …).

    Stops parsing at the ``messages`` key; a header that cannot be parsed yields what was read.
    """
    out: dict[str, Any] = {}
    key: str | None = None
    builder: Any = None
    with src.open() as f:
        try:
            for prefix, event, value in ijson.parse(f, use_float=True):
                if prefix == "":
                    if key is not None:
                        out[key] = builder.value
                        key = None
                    if event == "map_key":
                        if value == "messages":
                            break
                        key, builder = value, ijson.ObjectBuilder()
                    elif event != "start_map":
                        break
                    continue
                if key is not None:
                    builder.event(event, value)
        except (
            ijson.JSONError,
            ijson.IncompleteJSONError,
            UnicodeDecodeError,
            OSError,
            EOFError,
            SourceError,
        ):
            pass
    return out


def _header_state(doc: dict[str, Any], where: str) -> dict[str, Any]:
    guild, channel = doc.get("guild"), doc.get("channel")
    if not isinstance(guild, dict) or guild.get("id") in (None, ""):
        raise SourceError(where, "not a DiscordChatExporter export: the header has no guild.id")
    if not isinstance(channel, dict):
        raise SourceError(where, "not a DiscordChatExporter export: the header has no channel object")
    try:
        snap = to_ts(doc.get("exportedAt"), "exportedAt")
    except FieldError as exc:
        raise SourceError(f"{where}, exportedAt", exc.message) from None
    return {
        "space_id": str(guild["id"]),
        "space_name": guild.get("name"),
        "channel": channel.get("name"),
        "thread_id": None if channel.get("id") is None else str(channel["id"]),
        "snapshot_at": snap,
    }


class DiscordChatExporter(Format):
    name = "discord"
    options = frozenset({"link_creator"})
    description = (
        "DiscordChatExporter JSON (guild, channel, messages with authors, reactions, reply references)"
    )
    platform = P

    def sniff(self, probe: Probe) -> bool:
        d = probe.first_json
        return isinstance(d, dict) and isinstance(d.get("guild"), dict) and isinstance(d.get("channel"), dict)

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        ctx.state["link_creator"] = parse_link_creator(ctx)
        doc = whole_document(src, _UNIQUE)
        if isinstance(doc, dict) and isinstance(doc.get("messages"), list):
            # A small export, parsed whole: the same header and messages as the streaming path below.
            head: dict[str, Any] = {}
            for k, v in doc.items():
                if k == "messages":
                    break
                head[k] = v
            ctx.state["header"] = _header_state(head, "header")
            for i, m in enumerate(doc["messages"], 1):
                yield f"record {i}", m
            return
        ctx.state["header"] = _header_state(read_header(src), "header")
        for loc, value in iter_json_values(src, item_path="messages.item"):
            if isinstance(value, dict) and isinstance(value.get("messages"), list) and "guild" in value:
                # A whole export on one line (minified DCE, or several exports as JSON Lines).
                ctx.state["header"] = _header_state(value, loc)
                for i, m in enumerate(value["messages"]):
                    yield f"{loc}, messages[{i}]", m
                continue
            yield loc, value

    def convert(self, raw: Any, ctx: Context) -> Iterable[Row]:
        if not isinstance(raw, dict):
            raise FieldError(None, f"expected a message object, found {type(raw).__name__}")
        if _is_system(raw):
            return
        h = ctx.state["header"]
        mid = need(raw, "id")
        author = raw.get("author")
        if author is None:
            author = {}
        if not isinstance(author, dict):
            raise FieldError("author", f"expected a JSON object, found {type(author).__name__}")
        ref = raw.get("reference")
        if ref is not None and not isinstance(ref, dict):
            raise FieldError("reference", f"expected a JSON object, found {type(ref).__name__}")
        reply_to = None
        if ref and raw.get("type") in ("Reply", None) and ref.get("type") != "Forward":
            reply_to = ref.get("messageId")
        text = raw.get("content")
        fwd = raw.get("forwardedMessage")
        if fwd is not None:
            if not isinstance(fwd, dict):
                raise FieldError("forwardedMessage", f"expected a JSON object, found {type(fwd).__name__}")
            text = _shown_text(text, fwd)
        reactions = raw.get("reactions")
        total = None
        if reactions is not None:
            if not isinstance(reactions, list):
                raise FieldError("reactions", f"expected a JSON array, found {type(reactions).__name__}")
            total = 0
            for i, r in enumerate(reactions):
                if not isinstance(r, dict):
                    raise FieldError(f"reactions[{i}]", f"expected a JSON object, found {type(r).__name__}")
                total += to_int(r.get("count"), f"reactions[{i}].count") or 0
        aid = author.get("id")
        yield (
            "community_messages",
            {
                "platform": P,
                "message_id": mid,
                "space_id": h["space_id"],
                "space_name": h["space_name"],
                "channel": h["channel"],
                "thread_id": h["thread_id"],
                "author_id": aid,
                "author_name": author.get("name"),
                "reply_to": reply_to,
                "created_at": to_ts(raw.get("timestamp"), "timestamp"),
                "text": text,
                "reactions": total,
                "snapshot_at": h["snapshot_at"],
            },
        )
        seen_space(ctx, h["space_id"], h["space_name"])
        if aid not in (None, ""):
            yield (
                "accounts",
                {
                    "platform": P,
                    "account_id": aid,
                    "username": author.get("name"),
                    "full_name": author.get("nickname"),
                    "is_bot": author.get("isBot"),
                    "snapshot_at": h["snapshot_at"],
                },
            )

    def finish(self, ctx: Context) -> Iterable[Row]:
        return link_rows(ctx, P)

    def bulk(self, src: Source, ctx: Context) -> tuple[int, dict[str, dict[str, list[Any]]]] | None:
        """The whole file at once, as columns: ``(records, {table: {column: values}})`` with the values
        :meth:`convert` and the driver's row check would give (``snapshot_at`` included, ``import_id`` not; the
        ``accounts`` rows are the file's distinct author rows in order of first occurrence), or ``None`` when the
        record-by-record path must read the file: not a small whole document (see :meth:`records`), or any
        message that :meth:`convert` would map through a coercion or reject (ids, names or text that are not JSON
        text, reaction counts that are not whole numbers, a timestamp :func:`to_ts` does not read, text holding
        NUL, …). That path then reads the file and names a bad record and field as before.

        The usual DCE channel export maps here column by column, without a row dict and a generated row check per
        message: the 444 files of the synth m Discord folder (61,522 messages) read in ~1.0 s instead of
        ~1.2–1.6 s on one thread, most of what is left being orjson and the whole-document checks."""
        link = parse_link_creator(ctx)  # a bad option fails here as in records()
        data = whole_document_bytes(src, _UNIQUE)
        if data is None or b"\\u0000" in data:  # an escaped NUL: the row check drops it from the text
            return None
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
        if type(doc) is not dict or type(doc.get("messages")) is not list:
            return None
        head: dict[str, Any] = {}
        for k, v in doc.items():
            if k == "messages":
                break
            head[k] = v
        try:
            h = _header_state(head, "header")
        except SourceError:
            return None
        for k in ("space_name", "channel"):
            if type(h[k]) not in (str, _NONE):
                return None
        if not _types_in(doc["messages"], (dict,)):
            return None
        msgs: list[Any] = [m for m in doc["messages"] if not _is_system(m)]
        ids = [m.get("id") for m in msgs]
        authors = [m.get("author") for m in msgs]
        refs = [m.get("reference") for m in msgs]
        texts = [m.get("content") for m in msgs]
        fwds = [m.get("forwardedMessage") for m in msgs]
        rs = [m.get("reactions") for m in msgs]
        if (
            not _types_in(ids, (str,))
            or "" in ids
            or not _types_in(authors, (dict, _NONE))
            or not _types_in(refs, (dict, _NONE))
            or not _types_in(texts, (str, _NONE))
            or not _types_in(fwds, (dict, _NONE))
            or not _types_in(rs, (list, _NONE))
        ):
            return None
        authors = [_EMPTY if a is None else a for a in authors]
        author_ids = [a.get("id") for a in authors]
        author_names = [a.get("name") for a in authors]
        if not _types_in(author_ids, (str, _NONE)) or not _types_in(author_names, (str, _NONE)):
            return None
        # a Reply's (or an untyped message's) reference, when it is a non-empty object and no forward's
        replies = [
            r.get("messageId")
            if r and m.get("type") in ("Reply", None) and r.get("type") != "Forward"
            else None
            for m, r in zip(msgs, refs, strict=True)
        ]
        # a forward (DCE's ``forwardedMessage``) without text of its own shows the forwarded message's text
        if any(fwds):
            texts = [t if f is None else _shown_text(t, f) for t, f in zip(texts, fwds, strict=True)]
            if not _types_in(texts, (str, _NONE)):
                return None
        if not _types_in(replies, (str, _NONE)):
            return None
        # reactions: Σ count per message (a missing count is 0), every count a whole number of 64 bits
        reacting = [x for r in rs if r for x in r]
        if not _types_in(reacting, (dict,)):
            return None
        counts = [c for c in (x.get("count") for x in reacting) if c is not None]
        if not _fits(counts):
            return None
        reactions = [None if r is None else sum(x.get("count") or 0 for x in r) for r in rs]
        if not _fits([t for t in reactions if t is not None]):
            return None
        try:
            created = [to_ts(m.get("timestamp"), "timestamp") for m in msgs]
        except FieldError:  # a timestamp to_ts rejects
            return None
        # the authors' account rows: the distinct ones, in order of first occurrence
        writing = [k for k, i in enumerate(author_ids) if i]
        nicks = [authors[k].get("nickname") for k in writing]
        bots = [authors[k].get("isBot") for k in writing]
        if not _types_in(nicks, (str, _NONE)) or not _types_in(bots, (bool, _NONE)):
            return None
        authors_rows = dict.fromkeys(
            zip(
                [author_ids[k] for k in writing], [author_names[k] for k in writing], nicks, bots, strict=True
            )
        )
        n = len(ids)
        ctx.state["link_creator"] = link
        ctx.state["header"] = h
        if n:
            seen_space(ctx, h["space_id"], h["space_name"])
        snap = h["snapshot_at"]
        out: dict[str, dict[str, list[Any]]] = {}
        if n:
            out["community_messages"] = {
                "platform": [P] * n,
                "message_id": ids,
                "space_id": [h["space_id"]] * n,
                "space_name": [h["space_name"]] * n,
                "channel": [h["channel"]] * n,
                "thread_id": [h["thread_id"]] * n,
                "author_id": author_ids,
                "author_name": author_names,
                "reply_to": replies,
                "created_at": created,
                "text": texts,
                "reactions": reactions,
                "snapshot_at": [snap] * n,
            }
        if authors_rows:
            k = len(authors_rows)
            cols = list(zip(*authors_rows, strict=True))
            out["accounts"] = {
                "platform": [P] * k,
                "account_id": list(cols[0]),
                "username": list(cols[1]),
                "full_name": list(cols[2]),
                "is_bot": list(cols[3]),
                "snapshot_at": [snap] * k,
            }
        return len(doc["messages"]), out
