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
of a ``Reply``, ``reactions`` = Σ ``reactions[].count``, ``created_at`` = ``timestamp`` (any offset,
stored as UTC), ``snapshot_at`` = ``exportedAt``. Authors become accounts (``username`` = name,
``full_name`` = nickname, ``is_bot`` = isBot). ``link_creator`` works as for Reddit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import ijson

from tribescope.errors import FieldError, SourceError
from tribescope.ingest._base import Context, Format, Row, need, to_int, to_ts
from tribescope.ingest._readers import Probe, Source, iter_json_values, whole_document
from tribescope.ingest.reddit import link_rows, parse_link_creator, seen_space

__all__ = ["DiscordChatExporter", "read_header"]

P = "discord"


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
    description = (
        "DiscordChatExporter JSON (guild, channel, messages with authors, reactions, reply references)"
    )
    platform = P

    def sniff(self, probe: Probe) -> bool:
        d = probe.first_json
        return isinstance(d, dict) and isinstance(d.get("guild"), dict) and isinstance(d.get("channel"), dict)

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        ctx.state["link_creator"] = parse_link_creator(ctx)
        doc = whole_document(src, ("guild", "channel", "exportedAt", "messages"))
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
        if ref and raw.get("type") in ("Reply", None):
            reply_to = ref.get("messageId")
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
                "text": raw.get("content"),
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
