"""Who may talk to the server, and how much: token, host check, CSRF check, body limit, headers.

Rules
-----
* Binding to anything but loopback needs a token (:func:`check_bind` refuses otherwise).
* With a token, every request except ``/static/…`` and ``/api/health`` must carry it: header
  ``Authorization: Bearer TOKEN``, the ``tribescope_token`` cookie, or ``?token=TOKEN`` (a page opened
  with ``?token=`` sets the cookie and redirects to the clean URL).
* Without a token (loopback only) the ``Host`` header must name a loopback host, which stops DNS
  rebinding pages from reading the API.
* Unsafe methods (POST, …) from another origin are refused (CSRF).
* Cross-origin reads (a brand's own web app calling the API) only from the origins the server was given
  (``tribescope serve --cors-origin``, :func:`cors_origin`): ``GET`` and ``HEAD``, with the ``Authorization`` header,
  never with cookies. Without them a browser lets no other origin read an answer.
* Request bodies are capped (``max_body`` bytes; ``max_upload`` for the import upload).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import secrets
from collections.abc import Iterable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from starlette.exceptions import HTTPException

from tribescope.errors import TribescopeError

__all__ = [
    "CORS_EXPOSED",
    "LOOPBACK_HOSTS",
    "Guard",
    "UnsafeBind",
    "check_bind",
    "cors_origin",
    "is_loopback",
]

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
COOKIE = "tribescope_token"
PUBLIC_PREFIXES = ("/static/", "/api/health")
UPLOAD_PATHS = ("/api/jobs/import",)

CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class UnsafeBind(TribescopeError):
    """Refusing to listen beyond loopback without a token."""


def is_loopback(host: str) -> bool:
    h = host.strip("[]")
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def _same_site_path(scope: Any) -> str:
    """The request's path as the client sent it (percent-encoded: ``/creator/youtube/x%3Fy``, not the decoded
    ``…/x?y``, which a browser would read as a query) for a ``Location`` header, and never one a browser reads as
    another site: ``//evil.example/`` is protocol-relative, so leading slashes become one (a backslash, which a
    browser reads as a slash, is percent-encoded)."""
    raw = scope.get("raw_path")
    if not isinstance(raw, bytes) or not raw:
        raw = scope.get("path", "/").encode()
    # percent-encoded as sent; any other byte (a raw space, UTF-8) encoded, so the header is ASCII
    path = quote(raw, safe="/%:@!$&'()*+,;=-._~")
    return "/" + path.lstrip("/")


def check_bind(host: str, token: str | None) -> None:
    """Raise :class:`UnsafeBind` when ``host`` is not loopback and no token is set."""
    if not is_loopback(host) and not token:
        raise UnsafeBind(
            f"refusing to listen on {host} without a token: anyone who can reach this address could read "
            "the workspace. Pass --token (or set TRIBESCOPE_TOKEN), or bind to 127.0.0.1."
        )


#: the API's own response headers a cross-origin caller may read (beside the CORS-safelisted ones)
CORS_EXPOSED = ("content-disposition", "retry-after", "x-not-available", "x-total-count", "x-truncated")
_DEFAULT_PORT = {"http": 80, "https": 443}


def cors_origin(origin: str) -> str:
    """An origin allowed to read the API from a browser, as browsers send it (``https://app.example.com``,
    ``http://localhost:3000``): scheme ``http`` or ``https`` and a host, with a port or not, no path, query or user;
    ``*`` allows every origin (still without cookies: the token travels in ``Authorization``). A trailing ``/`` and the
    scheme's default port are dropped, as browsers write the origin; anything else is a
    :class:`~tribescope.errors.TribescopeError` naming the value."""
    text = origin.strip()
    if text == "*":
        return text
    text = text.removesuffix("/")
    try:
        parts = urlsplit(text)
        port = parts.port  # a port that is not a number raises here
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme not in ("http", "https")  # urlsplit lower-cases the scheme and the host name
        or not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise TribescopeError(
            f"--cors-origin {origin!r}: expected an origin such as https://app.example.com or "
            "http://localhost:3000 (scheme and host, an optional port, no path), or *"
        )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port == _DEFAULT_PORT[parts.scheme]:  # a browser's Origin leaves the scheme's default port out
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header.split("]")[0] + "]"
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


async def _send_json(
    send: Any, status: int, payload: dict[str, Any], headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _TooLarge(HTTPException):
    """Raised from ``receive`` so FastAPI's body parser re-raises it as a 413 (not a 400)."""


class Guard:
    """Pure ASGI middleware applying the rules of this module."""

    def __init__(
        self,
        app: Any,
        *,
        token: str | None,
        allowed_hosts: Iterable[str] | None,
        max_body: int,
        max_upload: int,
    ) -> None:
        self.app = app
        self.token = token
        self.allowed_hosts = {h.lower() for h in (allowed_hosts or LOOPBACK_HOSTS)}
        self.max_body = max_body
        self.max_upload = max_upload

    def _authorised(self, headers: dict[str, str], query: dict[str, str]) -> bool | None:
        """True: a token given matches; False: tokens were given, none matches; None: no token was given."""
        assert self.token is not None
        cand: list[str] = []
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            cand.append(auth[7:].strip())
        if "cookie" in headers:
            c: SimpleCookie = SimpleCookie()
            with contextlib.suppress(Exception):  # a malformed cookie header is no token
                c.load(headers["cookie"])
            if COOKIE in c:
                cand.append(c[COOKIE].value)
        if "token" in query:
            cand.append(query["token"])
        if not cand:
            return None
        return any(secrets.compare_digest(x.encode(), self.token.encode()) for x in cand)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        query = dict(pairs)

        if not self.token and _host_name(headers.get("host", "")).lower() not in self.allowed_hosts:
            await _send_json(
                send,
                400,
                {
                    "error": "unexpected Host header; without a token the server only "
                    "answers requests addressed to a loopback host"
                },
            )
            return
        if "\x00" in path or any(
            "\x00" in k or "\x00" in v for k, v in pairs
        ):  # every value of a repeated key
            # no creator, handle or filter holds one, and SQL string literals cannot: a client error, not a 500
            await _send_json(send, 400, {"error": "the request's path or query holds a NUL character"})
            return
        if method not in ("GET", "HEAD", "OPTIONS"):
            origin = headers.get("origin")
            if origin and urlsplit(origin).netloc.lower() != headers.get("host", "").lower():
                await _send_json(send, 403, {"error": "cross-origin request refused"})
                return
        if self.token and not path.startswith(PUBLIC_PREFIXES):
            ok = self._authorised(headers, query)
            if ok is None:
                await _send_json(
                    send,
                    401,
                    {
                        "error": "a token is required: send 'Authorization: Bearer TOKEN' "
                        "or open the page with ?token=TOKEN"
                    },
                    [(b"www-authenticate", b"Bearer")],
                )
                return
            if not ok:  # RFC 6750 §3.1: a token was sent and is not this server's
                await _send_json(
                    send,
                    401,
                    {
                        "error": "the token given is not this server's (the --token or TRIBESCOPE_TOKEN it was "
                        "started with); send that one in 'Authorization: Bearer TOKEN' or ?token=TOKEN"
                    },
                    [(b"www-authenticate", b'Bearer error="invalid_token"')],
                )
                return
            if "token" in query and method == "GET" and not path.startswith("/api/"):
                rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
                loc = _same_site_path(scope) + ("?" + rest if rest else "")
                cookie = f"{COOKIE}={query['token']}; HttpOnly; SameSite=Strict; Path=/".encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 303,
                        "headers": [
                            (b"location", loc.encode()),
                            (b"set-cookie", cookie),
                            (b"content-length", b"0"),
                            *SECURITY_HEADERS,
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return

        limit = self.max_upload if path in UPLOAD_PATHS else self.max_body
        declared = headers.get("content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await _send_json(send, 413, {"error": f"request body larger than {limit:,} bytes"})
                return
        seen = 0
        started = False

        async def limited_receive() -> Any:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise _TooLarge(413, f"request body larger than {limit:,} bytes")
            return msg

        async def send_with_headers(msg: Any) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
                have = {k.lower() for k, _ in msg.get("headers", [])}
                msg = dict(msg)
                msg["headers"] = list(msg.get("headers", [])) + [
                    h for h in SECURITY_HEADERS if h[0] not in have
                ]
            await send(msg)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _TooLarge:
            if not started:
                await _send_json(send, 413, {"error": f"request body larger than {limit:,} bytes"})
