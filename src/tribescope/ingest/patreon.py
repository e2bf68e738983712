"""Patreon exports → ``community_messages``, ``accounts`` and (with ``link_creator``) ``community_links``.

Three shapes, detected from the content:

1. **Patreon API v2 responses** (JSON:API, https://docs.patreon.com, ``Campaign v2`` / ``Post v2`` / ``Member`` /
   ``User v2`` resources): ``GET /api/oauth2/v2/campaigns`` and ``campaigns/{id}``,
   ``GET /api/oauth2/v2/campaigns/{id}/posts`` and ``GET /api/oauth2/v2/campaigns/{id}/members``. A file may hold
   one response, a JSON array of responses (pages) or one response per line (NDJSON), optionally gzip-compressed;
   every resource of ``data`` is one record (location ``line 2, data[3]``), read with the page's ``included``.
   Pages are streamed one by one; a page itself is parsed whole (JSON:API puts ``included`` after ``data``, and
   Patreon pages hold at most a thousand resources).
2. **Post comments as the web app's JSON:API returns them** (``/api/posts/{id}/comments?include=commenter,parent,
   post,…``): ``data[]`` of type ``comment`` (``body``, ``created``, ``vote_sum``, ``is_by_creator``,
   ``deleted_at``; relationships ``commenter``, ``parent``, ``post``). Replies that the page carries in
   ``included`` (``include=replies``/``parent``/``first_reply``) are records too (location ``included[5]``).
3. **The members CSV of the creator dashboard** (Audience / Relationship manager → Export CSV: ``Name, Email,
   Discord, Patron Status, Follows You, Free Member, Free Trial, Lifetime Amount, Pledge Amount, …, User ID, …``),
   one record per row (location ``line N``); detected by its ``Name``, ``Patron Status`` and ``User ID`` columns
   (before the generic CSV reader, which would not claim it anyway: it has no ``account_id``/``username`` column).

Mapping:

* ``campaign`` → the space: space_id = the campaign ``id``; space_name = ``name`` (the web API's), else ``vanity``,
  else the creator's ``full_name``; members = ``patron_count`` (Patreon's count of pledging patrons). The campaign's
  ``creator`` user (from ``included``) becomes an account. A space is tied to the creator's main account only by the
  import option ``link_creator`` = ``"PLATFORM:ACCOUNT_ID"`` (``--link-creator``), which writes one
  ``community_links`` row per campaign the file names, with the member count when the file gives one.
* ``post`` → ``community_messages`` (the creator's thread starters): message_id = thread_id = the post ``id``,
  channel = ``title``, text = ``title`` + blank line + ``content`` with its HTML removed, created_at =
  ``published_at``, reactions = ``like_count`` (a web-API field; the v2 API has none, so it is usually null),
  author = the ``user`` relationship. ``is_paid``, ``is_public``, ``embed_url`` and ``url`` are not stored.
* ``comment`` → ``community_messages``: message_id = ``comment:ID`` (JSON:API ids are unique per type only, and a
  post and a comment may share a number), thread_id = the ``post`` relationship's id, reply_to = ``comment:`` + the
  ``parent`` relationship's id (null for a comment on the post itself: it talks to the creator, not to a member),
  channel = the post's ``title`` when the page includes the post, text = ``body``, created_at = ``created``,
  reactions = ``vote_sum``. A deleted comment (``deleted_at`` set) keeps its place in the thread with neither text
  nor author. The commenter (``included`` user) becomes an account.
* ``member`` → ``accounts``: account_id = the ``user`` relationship's id (the Patreon user id, as the CSV's
  ``User ID`` and a commenter's id, so one person links up across the shapes), username = the user's ``vanity``,
  full_name = the member's ``full_name`` (else the user's), created_at = the user's ``created``.
* CSV row → ``accounts``: account_id = ``User ID``, full_name = ``Name`` (the tier, dates and amounts are not
  stored). The space's member count is the number of
  distinct users whose ``Patron Status`` is ``Active patron`` and who are not a ``Free Member`` — paying patrons,
  as ``patron_count`` counts them (declined and former patrons, free members and followers are not members).
  It is written with ``link_creator`` only (``community_links`` rows exist for linked spaces), and counts the rows
  of the file as exported: a filtered export counts what the filter kept.

Every Patreon account is keyed by the numeric Patreon user id; username = ``vanity`` (a handle), full_name = the
display name; author_name of a message = the vanity, else the full name. Timestamps are stored as UTC. Patreon's
responses say not when they were taken (``snapshot_at`` is null: import order decides, see ``schema``).

Where a shape is silent:

* A post or comment must name its campaign (the space): a post through its ``campaign`` relationship (request the
  posts with ``include=campaign``) or the page's ``links`` (``…/campaigns/ID/posts?…``); a comment through its
  post's ``campaign`` relationship in ``included`` (``include=post.campaign``). Failing that, the import option
  ``space_id`` (the campaign id) or a file name holding ``campaign-ID`` (``campaign-`` or ``campaign_`` and an id of
  five digits or more, e.g. ``comments-campaign-4412345.json``) declares it; otherwise the record is refused with an error naming the relationship — never a guessed space.
* A member names its campaign through its ``campaign`` relationship (``include=campaign``) or the page's ``links``
  (a last page has no ``next`` link), else the declared campaign (``space_id``, ``campaign-ID`` file name); with none
  of them it is an account only, and with ``link_creator`` (which could link no space for it) it is refused.
* The members CSV does not name its campaign either: with ``link_creator`` it needs ``space_id`` or a
  ``campaign-ID`` file name, else the file is refused at its header; without ``link_creator`` only accounts land.
* A member must carry its ``user`` relationship (``include=user``): a member without one is refused.
* API member pages give no member count (a file may hold some of the pages only); ``patron_count`` does.
* Resources of another type in ``data`` (``user``, ``tier``, …) are refused with the types this reader knows.

Privacy (see ``docs/privacy.md`` and :mod:`tribescope.store._privacy`): this reader **never stores** a member's or
user's e-mail address, the creator's private ``note``, ``social_connections``, pledge and payment amounts, nor any
postal data (the CSV's ``Email``, ``Discord``, ``Addressee``, ``Street``, ``City``, ``State``, ``Zip``,
``Country``, ``Phone``, ``Additional Details`` columns, and ``address`` resources of a members response). They are
dropped before a record reaches the importer, so they are not in ``rejects.raw`` either, and a record or line that
cannot be parsed is quarantined without its raw text (it may hold them).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import ijson

from tribescope.errors import FieldError, SourceError
from tribescope.ingest._base import Context, Format, Row, to_int, to_str, to_ts
from tribescope.ingest._readers import Probe, Source, iter_csv_rows, iter_json_values
from tribescope.ingest.reddit import parse_link_creator, seen_space

__all__ = ["Patreon", "html_text"]

P = "patreon"
#: the JSON:API resource types this reader maps
TYPES = ("campaign", "post", "member", "comment")
#: resource types kept from ``included`` to resolve relationships (never ``address``)
_INDEXED = frozenset({"user", "campaign", "post"})
#: attributes never kept from any resource: personal and payment data the data model does not hold
_PRIVATE_ATTRS = frozenset(
    {
        "email",
        "note",
        "social_connections",
        "first_name",
        "last_name",
        "is_email_verified",
        "currently_entitled_amount_cents",
        "lifetime_support_cents",
        "campaign_lifetime_support_cents",
        "will_pay_amount_cents",
        "pledge_cadence",
        "last_charge_date",
        "last_charge_status",
        "next_charge_date",
    }
)
#: the members CSV columns this reader reads (lower-cased); every other column is dropped at once
_CSV_COLUMNS = {
    "name": "Name",
    "user id": "User ID",
    "patron status": "Patron Status",
    "free member": "Free Member",
}
_CSV_REQUIRED = ("name", "patron status", "user id")
_WITHHELD = "(withheld: a Patreon export may hold e-mail and postal addresses)"
_CAMPAIGN_IN_URL = re.compile(r"/campaigns/(\d+)(?:[/?#]|$)")
#: ``campaign-ID`` / ``campaign_ID`` in a file name (5 digits or more: never a year)
_CAMPAIGN_IN_NAME = re.compile(r"(?i)(?:^|[^a-z])campaign[-_](\d{5,})(?!\d)")


# ---------------------------------------------------------------------------- helpers


class _Text(HTMLParser):
    _BLOCK = frozenset(
        {"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCK and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(s: str | None) -> str | None:
    """Plain text of a Patreon post's HTML ``content``: tags removed, entities decoded, one blank line at most."""
    if s is None:
        return None
    p = _Text()
    p.feed(s)
    p.close()
    lines = [re.sub(r"[ \t\r\f\v\xa0]+", " ", ln).strip() for ln in "".join(p.parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text or None


def _str(v: Any, name: str) -> str | None:
    if v is None or type(v) is str:
        return v
    if type(v) in (int, float):
        return to_str(v, name)
    raise FieldError(name, f"expected text, found {type(v).__name__}")


def _id(v: Any, name: str) -> str:
    """A required JSON:API id (text; a whole number is accepted too)."""
    if type(v) is str and v.strip():
        return v.strip()
    if type(v) is int:
        return str(v)
    if v is None or v == "":
        raise FieldError(name, "is missing or empty, but is required")
    raise FieldError(name, f"expected an id (text), found {v!r}")


def _obj(v: Any, name: str) -> dict[str, Any]:
    if v is None:
        return {}
    if type(v) is not dict:
        raise FieldError(name, f"expected a JSON object, found {type(v).__name__}")
    return v


def _rel(res: dict[str, Any], name: str) -> str | None:
    """The id a to-one relationship points to (``relationships.NAME.data.id``), or None when it is absent/null."""
    rels = _obj(res.get("relationships"), "relationships")
    rel = _obj(rels.get(name), f"relationships.{name}")
    data = rel.get("data")
    if data is None:
        return None
    if type(data) is not dict:
        raise FieldError(
            f"relationships.{name}.data",
            f"expected a resource identifier object, found {type(data).__name__}",
        )
    return _id(data.get("id"), f"relationships.{name}.data.id")


def _count(v: Any, name: str) -> int | None:
    n = to_int(v, name)
    if n is not None and n < 0:
        raise FieldError(name, f"expected a count of 0 or more, found {v!r}")
    return n


def _public(res: Any) -> Any:
    """A resource without the attributes this reader never keeps (what the importer, and ``rejects.raw``, see); an
    ``address`` resource keeps nothing but its type and id."""
    if type(res) is not dict:
        return res
    if res.get("type") == "address":
        return {"type": "address", "id": res.get("id")}
    attrs = res.get("attributes")
    if type(attrs) is dict and not _PRIVATE_ATTRS.isdisjoint(attrs):
        res = {**res, "attributes": {k: v for k, v in attrs.items() if k not in _PRIVATE_ATTRS}}
    return res


def _kind(doc: Any) -> str | None:
    """The resource type of a Patreon JSON:API response (``"empty"`` for an empty page, ``"error"`` for an error
    document), or None when ``doc`` is not one."""
    if type(doc) is list:
        doc = doc[0] if doc else None
    if type(doc) is not dict:
        return None
    data = doc.get("data")
    if type(data) is list:
        if not data:
            meta = doc.get("meta")
            return "empty" if type(meta) is dict and "pagination" in meta else None
        data = data[0]
    if type(data) is dict:
        t = data.get("type")
        if t in TYPES and "id" in data and ("attributes" in data or "relationships" in data):
            return str(t)
        return None
    errors = doc.get("errors")
    if type(errors) is list and errors and type(errors[0]) is dict and "code_name" in errors[0]:
        return "error"
    return None


_TYPE_PREFIXES = frozenset({"data.type", "data.item.type", "item.data.type", "item.data.item.type"})


def _head_kind(head: bytes) -> str | None:
    """The resource type named in the first bytes of a response larger than the detection probe."""
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(head)):
            if event == "string" and prefix in _TYPE_PREFIXES:
                return value if value in TYPES else None
    except (ijson.JSONError, ijson.IncompleteJSONError):
        pass
    return None


def _declared_space(ctx: Context) -> str | None:
    """The campaign id the import declares for this file: the ``space_id`` option, else ``campaign-ID`` in the name."""
    opt = ctx.options.get("space_id")
    if opt not in (None, ""):
        return str(opt).strip()
    m = _CAMPAIGN_IN_NAME.search(Path(ctx.path).name)
    return m.group(1) if m else None


def _page_campaign(page: dict[str, Any]) -> str | None:
    """The campaign id of a page's request URL (``links.self``/``next``/``first``/``prev``/``last``)."""
    links = page.get("links")
    if type(links) is not dict:
        return None
    for k in ("self", "next", "first", "prev", "last"):
        u = links.get(k)
        if type(u) is str:
            m = _CAMPAIGN_IN_URL.search(u)
            if m:
                return m.group(1)
    return None


def _no_space(what: str, field: str, how: str) -> FieldError:
    return FieldError(
        field,
        f"is missing: the {what} does not say which campaign (space) it belongs to; {how}, or declare the campaign "
        "with the import option space_id (--space-id) or a file name holding campaign-ID (e.g. comments-campaign-4412345.json)",
    )


# ---------------------------------------------------------------------------- the format


class Patreon(Format):
    """Patreon API v2 campaigns / posts / members responses, post comments (web JSON:API), members CSV."""

    name = "patreon"
    options = frozenset({"link_creator", "space_id"})
    description = (
        "Patreon API v2 JSON (campaigns, campaign posts, campaign members), post comments JSON:API, "
        "members CSV export"
    )
    platform = P

    def sniff(self, probe: Probe) -> bool:
        if probe.csv_header:
            cols = {c.strip().lower() for c in probe.csv_header}
            return cols.issuperset(_CSV_REQUIRED)
        if _kind(probe.first_json) is not None:
            return True
        # a first page larger than the probe: the resource type as it streams by
        return b'"data"' in probe.head and _head_kind(probe.head) is not None

    # -- reading

    def records(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        ctx.state["link_creator"] = parse_link_creator(ctx)
        if src.head(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
            yield from self._json(src, ctx)
        else:
            yield from self._csv(src, ctx)

    def _json(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        state = ctx.state
        for loc, page in iter_json_values(src):
            if isinstance(page, SourceError):
                yield (
                    loc,
                    SourceError(page.location, page.message, recoverable=page.recoverable, raw=_WITHHELD),
                )
                continue
            if type(page) is not dict:
                yield (
                    loc,
                    SourceError(
                        loc,
                        f"expected a Patreon API response object, found {type(page).__name__}",
                        recoverable=True,
                        raw=_WITHHELD,
                    ),
                )
                continue
            errors = page.get("errors")
            if type(errors) is list and errors:
                e = errors[0] if type(errors[0]) is dict else {}
                yield (
                    loc,
                    SourceError(
                        loc,
                        f"the Patreon API returned an error ({e.get('status')} {e.get('code_name') or e.get('title')}: "
                        f"{e.get('detail')}); this response holds no data: request it again or remove it from the file",
                        recoverable=True,
                        raw=_WITHHELD,
                    ),
                )
                continue
            data = page.get("data")
            if data is None or data == []:
                continue  # an empty page
            if type(data) not in (list, dict):
                yield (
                    loc,
                    SourceError(
                        f"{loc}, data",
                        f"expected a resource object or an array of them, found {type(data).__name__}",
                        recoverable=True,
                        raw=_WITHHELD,
                    ),
                )
                continue
            index: dict[tuple[str, str], dict[str, Any]] = {}
            extra: list[tuple[int, Any]] = []
            included = page.get("included")
            if type(included) is list:
                for j, r in enumerate(included):
                    if type(r) is not dict:
                        continue
                    t, i = r.get("type"), r.get("id")
                    if type(t) is str and t in _INDEXED and type(i) in (str, int):
                        index[(str(t), str(i))] = _public(r)
                    elif t == "comment":
                        extra.append((j, r))
            state["index"] = index
            state["page_campaign"] = _page_campaign(page)
            items = data if type(data) is list else [data]
            seen: set[str] = set()
            for i, res in enumerate(items):
                if type(res) is dict and res.get("type") == "comment":
                    seen.add(str(res.get("id")))
                yield (f"{loc}, data[{i}]" if type(data) is list else f"{loc}, data"), _public(res)
            for j, res in extra:  # replies and parents the page carries next to its comments
                if str(res.get("id")) not in seen:
                    seen.add(str(res.get("id")))
                    yield f"{loc}, included[{j}]", _public(res)

    def _csv(self, src: Source, ctx: Context) -> Iterator[tuple[str, Any]]:
        state = ctx.state
        state["csv"] = True
        state["active"] = set()
        space = _declared_space(ctx)
        if state["link_creator"] and space is None:
            raise SourceError(
                "header",
                "a Patreon members CSV does not say which campaign it lists, so --link-creator cannot tell which "
                "space to link and count: declare the campaign with the import option space_id (--space-id), or name the file "
                "with campaign-ID (e.g. patreon-members-campaign-4412345.csv; the id is the `id` of "
                "GET /api/oauth2/v2/campaigns)",
            )
        if space is not None:
            seen_space(ctx, space, None)
            state["csv_space"] = space
        first = True
        for loc, row in iter_csv_rows(src):
            if isinstance(row, SourceError):
                yield loc, SourceError(row.location, row.message, recoverable=row.recoverable, raw=_WITHHELD)
                continue
            keep = {}
            for k, v in row.items():
                canon = _CSV_COLUMNS.get(k.strip().lower())
                if canon is not None:
                    keep[canon] = v
            if first:
                missing = [_CSV_COLUMNS[c] for c in _CSV_REQUIRED if _CSV_COLUMNS[c] not in keep]
                if missing:
                    raise SourceError(
                        "header",
                        f"not a Patreon members export: the columns {', '.join(missing)} are missing (expected the "
                        "header of Audience → Relationship manager → Export CSV: Name, Email, …, User ID, …)",
                    )
                first = False
            yield loc, keep

    # -- mapping

    def convert(self, raw: Any, ctx: Context) -> Iterable[Row]:
        if type(raw) is not dict:
            raise FieldError(None, f"expected a JSON object, found {type(raw).__name__}")
        if ctx.state.get("csv"):
            return _csv_row(raw, ctx)
        t = raw.get("type")
        if t == "campaign":
            return _campaign(raw, ctx)
        if t == "post":
            return _post(raw, ctx)
        if t == "member":
            return _member(raw, ctx)
        if t == "comment":
            return _comment(raw, ctx)
        raise FieldError("type", f"expected one of {', '.join(TYPES)}, found {t!r}")

    def finish(self, ctx: Context) -> Iterable[Row]:
        creator = ctx.state.get("link_creator")
        if not creator:
            return
        members: dict[str, int | None] = ctx.state.get("members", {})
        if ctx.state.get("csv_space") is not None:
            members[ctx.state["csv_space"]] = len(ctx.state["active"])
        for space_id, space_name in ctx.state.get("spaces", {}).items():
            yield (
                "community_links",
                {
                    "platform": P,
                    "space_id": space_id,
                    "space_name": space_name,
                    "members": members.get(space_id),
                    "creator_platform": creator[0],
                    "creator_id": creator[1],
                },
            )


# ---------------------------------------------------------------------------- resources


def _attrs(res: dict[str, Any]) -> dict[str, Any]:
    return _obj(res.get("attributes"), "attributes")


def _user(ctx: Context, uid: str | None) -> dict[str, Any]:
    """The attributes of user ``uid`` from the page's ``included`` ({} when the page does not include it)."""
    if uid is None:
        return {}
    u = ctx.state["index"].get(("user", uid))
    a = u.get("attributes") if u else None
    return a if type(a) is dict else {}


def _account(
    ctx: Context, uid: str, user: dict[str, Any], full_name: str | None = None
) -> tuple[str | None, list[Row]]:
    """(the name a message shows: vanity, else full name; the ``accounts`` row of Patreon user ``uid``). The driver
    stages a file's identical account rows once."""
    vanity = _str(user.get("vanity"), "included user.attributes.vanity")
    vanity = vanity.strip() if vanity and vanity.strip() else None
    name = full_name or _str(user.get("full_name"), "included user.attributes.full_name") or None
    created = to_ts(user.get("created"), "included user.attributes.created")
    row = {"platform": P, "account_id": uid, "username": vanity, "full_name": name, "created_at": created}
    return vanity or name, [("accounts", row)]


def _author(ctx: Context, uid: str | None) -> tuple[str | None, list[Row]]:
    """(author_name, account rows) of user ``uid``."""
    if uid is None:
        return None, []
    return _account(ctx, uid, _user(ctx, uid))


def _campaign_name(ctx: Context, cid: str) -> str | None:
    """The name of campaign ``cid``: from the page's ``included`` campaign, else from a campaign read earlier."""
    c = ctx.state["index"].get(("campaign", cid))
    a = c.get("attributes") if c else None
    if type(a) is dict:
        for k in ("name", "vanity"):
            v = a.get(k)
            if type(v) is str and v.strip():
                return v.strip()
    spaces: dict[str, str | None] = ctx.state.get("spaces", {})
    return spaces.get(cid)


def _campaign(res: dict[str, Any], ctx: Context) -> list[Row]:
    cid = _id(res.get("id"), "id")
    a = _attrs(res)
    count = _count(a.get("patron_count"), "attributes.patron_count")
    to_ts(a.get("created_at"), "attributes.created_at")  # a campaign with a broken date is a broken record
    creator = _rel(res, "creator")
    user = _user(ctx, creator)
    name = None
    for k in ("name", "vanity"):
        v = _str(a.get(k), f"attributes.{k}")
        if v and v.strip():
            name = v.strip()
            break
    rows: list[Row] = []
    if creator is not None:
        _, rows = _account(ctx, creator, user)
        if name is None:
            name = _str(user.get("full_name"), "included user.attributes.full_name") or None
    members: dict[str, int | None] = ctx.state.setdefault("members", {})
    if count is not None or cid not in members:
        members[cid] = count
    seen_space(ctx, cid, name)
    return rows


def _post(res: dict[str, Any], ctx: Context) -> list[Row]:
    pid = _id(res.get("id"), "id")
    a = _attrs(res)
    space = _rel(res, "campaign") or ctx.state.get("page_campaign") or _declared_space(ctx)
    if space is None:
        raise _no_space("post", "relationships.campaign", "request the posts with include=campaign")
    title = _str(a.get("title"), "attributes.title")
    title = (title.strip() or None) if title else None  # a blank title is no channel, as for its comments
    body = html_text(_str(a.get("content"), "attributes.content"))
    text = f"{title}\n\n{body}" if title and body else (title or body)
    uid = _rel(res, "user")
    name, rows = _author(ctx, uid)
    space_name = _campaign_name(ctx, space)
    msg = {
        "platform": P,
        "message_id": pid,
        "space_id": space,
        "space_name": space_name,
        "channel": title,
        "thread_id": pid,
        "author_id": uid,
        "author_name": name,
        "reply_to": None,
        "created_at": to_ts(a.get("published_at"), "attributes.published_at"),
        "text": text,
        "reactions": _count(a.get("like_count"), "attributes.like_count"),
    }
    seen_space(ctx, space, space_name)
    return [("community_messages", msg), *rows]


def _member(res: dict[str, Any], ctx: Context) -> list[Row]:
    _id(res.get("id"), "id")
    a = _attrs(res)
    uid = _rel(res, "user")
    if uid is None:
        raise FieldError(
            "relationships.user",
            "is missing: a member's account is keyed by its Patreon user id; request the members with include=user",
        )
    full = _str(a.get("full_name"), "attributes.full_name")
    _, rows = _account(ctx, uid, _user(ctx, uid), full.strip() if full and full.strip() else None)
    # as for a post: a members page names its campaign only on request (include=campaign) or in a ``next`` link that
    # its last page has not, so the declared campaign (--space-id, campaign-ID in the name) counts too
    space = _rel(res, "campaign") or ctx.state.get("page_campaign") or _declared_space(ctx)
    if space is not None:
        seen_space(ctx, space, _campaign_name(ctx, space))
    elif ctx.state.get("link_creator"):  # --link-creator would link nothing for it, silently
        raise _no_space("member", "relationships.campaign", "request the members with include=campaign")
    return rows


def _comment(res: dict[str, Any], ctx: Context) -> list[Row]:
    cid = _id(res.get("id"), "id")
    a = _attrs(res)
    post = _rel(res, "post")
    if post is None:
        raise FieldError(
            "relationships.post",
            "is missing: a comment must name its post (the thread); request the comments with include=post",
        )
    parent = _rel(res, "parent")
    if parent == cid:
        parent = None
    post_res = ctx.state["index"].get(("post", post))
    space = None
    title = None
    if post_res is not None:
        space = _rel(post_res, "campaign")
        pa = post_res.get("attributes")
        if type(pa) is dict and type(pa.get("title")) is str:
            title = pa["title"].strip() or None
    space = space or ctx.state.get("page_campaign") or _declared_space(ctx)
    if space is None:
        raise _no_space(
            "comment",
            "relationships.post",
            "request the comments with include=post.campaign so that its post names it",
        )
    deleted = a.get("deleted_at") not in (None, "")
    if deleted:
        to_ts(a.get("deleted_at"), "attributes.deleted_at")
    uid = None if deleted else _rel(res, "commenter")
    name, rows = _author(ctx, uid)
    body = _str(a.get("body"), "attributes.body")
    space_name = _campaign_name(ctx, space)
    msg = {
        "platform": P,
        "message_id": f"comment:{cid}",
        "space_id": space,
        "space_name": space_name,
        "channel": title,
        "thread_id": post,
        "author_id": uid,
        "author_name": name,
        "reply_to": None if parent is None else f"comment:{parent}",
        "created_at": to_ts(a.get("created"), "attributes.created"),
        "text": None if deleted else body,
        "reactions": to_int(a.get("vote_sum"), "attributes.vote_sum"),
    }
    seen_space(ctx, space, space_name)
    return [("community_messages", msg), *rows]


def _csv_row(row: dict[str, Any], ctx: Context) -> list[Row]:
    uid = (row.get("User ID") or "").strip()
    if not uid:
        raise FieldError(
            "User ID",
            "is missing or empty: every member is keyed by its Patreon user id (Patreon blanks it for removed members)",
        )
    if not (uid.isdigit() and uid.isascii()):
        raise FieldError("User ID", f"expected Patreon's numeric user id, found {uid!r}")
    name = (row.get("Name") or "").strip() or None
    status = (row.get("Patron Status") or "").strip().lower()
    free = (row.get("Free Member") or "").strip().lower() in ("yes", "true", "1")
    if status == "active patron" and not free:
        ctx.state["active"].add(uid)
    return [("accounts", {"platform": P, "account_id": uid, "full_name": name})]
