"""HTTP answers from the response cache (app/core/cache.py): ETag, 304, compressed bytes.

`cached_response` reads the data version (one query), answers `304 Not Modified` when the
client's `If-None-Match` names the current ETag, and otherwise sends the cached gzip bytes (built
on a miss). Anything with grades, or asked by an account, is `private, no-cache`; the rest
`public, no-cache`: a browser or proxy always revalidates, so a decision taken in a meeting is
never served from a stale copy.

`CachedAnswers` gives the same answer before routing when the cache already holds it: it reads
the caller's account (the same credential check as every route) and the data version (a query
shared by the requests that came meanwhile, never older than the request), and sends the entry
of that key as `cached_response` would send it. An entry exists only once its route has
answered the same resource for the same visibility class at the same data version, after its
access policy and its checks of the query: the route's rules are not repeated here, only their
answer. Entries whose answer depends on other request headers than those of `VARY` (an OGC
page negotiated by `Accept`) are left to their route.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request, Response
from sqlalchemy.engine import Connection
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.deps import checked_credentials, presented
from app.auth.principal import Principal
from app.core.cache import (
    PRIVATE,
    PUBLIC,
    VARY,
    Entry,
    Key,
    ResponseCache,
    etag,
    matches,
    visibility_class,
)
from app.core.database import PoolTimeout, run_with_connection
from app.core.errors import busy, error_response
from app.core.settings import get_settings
from app.core.versions import data_version, version_reads

EVERYONE = "tous"
"""The visibility class of a resource that is the same for every caller (outlines, QPV)."""


def response_cache(request: Request) -> ResponseCache:
    """The application's cache, made on first use with the size of `QUALIPARC_CACHE_MB`."""
    state = request.app.state
    cache = getattr(state, "response_cache", None)
    if cache is None:
        cache = state.response_cache = ResponseCache(get_settings().cache_mb * 1024 * 1024)
    return cache


def accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*") and params.replace(" ", "") != "q=0":
            return True
    return False


@dataclass(frozen=True)
class Form:
    """How a cached body is answered, kept with it."""

    media_type: str
    grades: bool
    """The body may hold grades: always `private`."""
    empty_status: int
    extra_headers: tuple[tuple[str, str], ...]

    @property
    def shared(self) -> bool:
        """Whether the answer depends on no request header but those of `VARY` (an extra `Vary`
        names others)."""
        return all(name.lower() != "vary" for name, _ in self.extra_headers)


def resource(request: Request) -> tuple:
    """What `request` asks: base URL, path and query. The base URL is in it: documents whose links
    name the server are kept per name it was called by. The query is sorted by name only: a
    repeated parameter keeps its order (the last one may win)."""
    query = tuple(sorted(request.query_params.multi_items(), key=lambda item: item[0]))
    return (str(request.base_url), request.url.path, query)


def _headers(request: Request, key: Key, form: Form, principal: Principal | None) -> dict:
    private = form.grades or principal is not None
    return {
        "ETag": etag(key, "gzip" if accepts_gzip(request) else "identity"),
        "Cache-Control": PRIVATE if private else PUBLIC,
        "Vary": VARY,
        **dict(form.extra_headers),
    }


def _answer(request: Request, headers: dict, entry: Entry, form: Form) -> Response:
    if matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    if entry.empty:
        return Response(status_code=form.empty_status, headers=headers)
    if accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(entry.compressed, headers=headers, media_type=form.media_type)
    body = gzip.decompress(entry.compressed)
    return Response(body, headers=headers, media_type=form.media_type)


def cached_response(
    request: Request,
    conn: Connection,
    build: Callable[[], bytes],
    *,
    media_type: str,
    principal: Principal | None,
    per_caller: bool,
    grades: bool,
    empty_status: int = 200,
    extra_headers: dict[str, str] | None = None,
) -> Response:
    """The body `build()` makes for this request, from the cache when the data have not changed.

    `per_caller`: the body depends on the caller's access (its visibility class is in the key);
    `grades`: the body may hold grades (always `private`); `empty_status`: the status of an
    empty body (204 for an empty tile); `extra_headers` go with every answer (a `Vary` there
    replaces ours, and keeps the answer from `CachedAnswers`)."""
    who = visibility_class(principal) if per_caller else EVERYONE
    key = (resource(request), who, data_version(conn))
    form = Form(media_type, grades, empty_status, tuple((extra_headers or {}).items()))
    headers = _headers(request, key, form, principal)
    if matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    entry = response_cache(request).fetch(key, build, form)
    return _answer(request, headers, entry, form)


def cached_part(request: Request, conn: Connection, name: str, build: Callable[[], bytes]) -> bytes:
    """Bytes `build()` makes, the same for every caller, kept until the data change: the shared
    part of an answer that also holds something of the caller's own (never answered early)."""
    key = ((name,), EVERYONE, data_version(conn))
    return gzip.decompress(response_cache(request).fetch(key, build).compressed)


async def early_answer(request: Request, cache: ResponseCache) -> Response | None:
    """The cached answer of a GET, found before routing (None: let the route answer)."""
    asked = resource(request)
    if not cache.holds(asked):
        return None
    credential = presented(request)
    versions = await version_reads().read()
    principal = None
    if credential is not None:
        checked = checked_credentials(request)
        principal = credential.known(checked, versions.access)
        if principal is None:

            def check(conn: Connection) -> Principal | None:
                conn.execution_options(isolation_level="AUTOCOMMIT")  # reads; a write commits
                return credential.principal(conn, checked, versions.access)

            principal = await run_with_connection(check)
        if credential.token and principal is None:
            return None  # the route refuses the token
    for who in (visibility_class(principal), EVERYONE):
        key = (asked, who, versions.data)
        entry = cache.get(key)
        form = entry.about if entry is not None else None
        if entry is not None and isinstance(form, Form) and form.shared:
            cache.early_hits += 1
            return _answer(request, _headers(request, key, form, principal), entry, form)
    return None


class CachedAnswers:
    """Serves a GET from the response cache before routing when it holds the answer (ASGI
    middleware, inside `InputGuard`); anything else, or any failure, goes to the routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            request = Request(scope)
            cache = getattr(request.app.state, "response_cache", None)
            answer: Response | None = None
            if cache is not None:
                try:
                    answer = await early_answer(request, cache)
                except PoolTimeout:
                    answer = error_response(busy())  # waiting again in the route would double it
                except Exception:  # the route answers, with its own errors
                    answer = None
            if answer is not None:
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)
