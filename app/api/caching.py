"""HTTP answers from the response cache (app/core/cache.py): ETag, 304, compressed bytes.

`cached_response` reads the data version (one query), answers `304 Not Modified` when the
client's `If-None-Match` names the current ETag, and otherwise sends the cached gzip bytes (built
on a miss). Anything with grades, or asked by an account, is `private, no-cache`; the rest
`public, no-cache`: a browser or proxy always revalidates, so a decision taken in a meeting is
never served from a stale copy.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable

from fastapi import Request, Response
from sqlalchemy.engine import Connection

from app.auth.principal import Principal
from app.core.cache import (
    PRIVATE,
    PUBLIC,
    VARY,
    ResponseCache,
    data_version,
    etag,
    matches,
    visibility_class,
)
from app.core.settings import get_settings

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
    replaces ours). The base URL is in the key: documents whose links name the server are kept
    per name it was called by."""
    query = tuple(sorted(request.query_params.multi_items()))
    who = visibility_class(principal) if per_caller else EVERYONE
    key = (str(request.base_url), request.url.path, query, who, data_version(conn))
    gzipped = accepts_gzip(request)
    tag = etag(key, "gzip" if gzipped else "identity")
    private = grades or principal is not None
    headers = {
        "ETag": tag,
        "Cache-Control": PRIVATE if private else PUBLIC,
        "Vary": VARY,
        **(extra_headers or {}),
    }
    if matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    entry = response_cache(request).fetch(key, build)
    if entry.empty:
        return Response(status_code=empty_status, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
        return Response(entry.compressed, headers=headers, media_type=media_type)
    return Response(gzip.decompress(entry.compressed), headers=headers, media_type=media_type)
