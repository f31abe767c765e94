"""The FastAPI application factory."""

import asyncio
import contextlib
import mimetypes
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from os import PathLike
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.staticfiles import NotModifiedResponse
from starlette.types import Scope

from app import __version__, outlines
from app.access.policy import ANYONE_NOTHING
from app.api.caching import CachedAnswers, accepts_gzip
from app.api.inputs import InputGuard
from app.api.openapi import install_openapi
from app.api.routes import (
    accounts,
    allocations,
    audit,
    auth,
    campaigns,
    commission,
    day,
    events,
    exports,
    grades,
    health,
    meeting,
    meta,
    ogc,
    peuplements,
    printing,
    quartiers,
    residences,
    territory,
    tiles,
)
from app.core.assets import STATIC_DIR
from app.core.audit import AuditOriginMiddleware
from app.core.errors import install_error_handlers
from app.core.headers import SecurityHeaders
from app.core.keys import secret_key
from app.core.limits import BodyLimitMiddleware
from app.core.settings import get_settings
from app.pages import TEMPLATES
from app.pages import accounts as accounts_page
from app.pages import campaigns as campaign_pages
from app.pages import commission as commission_page
from app.pages import elu as elu_page
from app.pages import map as map_page
from app.pages import meeting as meeting_pages
from app.pages import quartiers as quartiers_page

ROUTERS = (
    health.router,
    auth.router,
    meta.router,
    residences.router,
    territory.router,
    campaigns.router,
    grades.router,
    meeting.router,
    day.router,
    events.router,
    map_page.router,
    campaign_pages.router,
    quartiers.router,
    peuplements.router,
    allocations.router,
    quartiers_page.router,
    exports.router,
    audit.router,
    printing.router,
    elu_page.router,
    meeting_pages.router,
    accounts.router,
    accounts_page.router,
    ogc.router,
    commission.router,
    commission_page.router,
    tiles.router,
)


class BuiltFiles(StaticFiles):
    """The built front end: a missing folder (an install without it) gives 404s, which the error
    handler explains in French (app/core/assets.py), not a 500. A file with a gzip twin written
    by the build (`NAME.gz`, frontend/build.mjs) is sent as that twin to a browser that takes
    gzip, instead of being compressed again on every request."""

    async def check_config(self) -> None:
        if self.directory is not None and Path(self.directory).is_dir():
            await super().check_config()

    def file_response(
        self,
        full_path: PathLike[str] | str,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        twin = f"{full_path}.gz"
        if status_code == 200 and accepts_gzip(Request(scope)):
            try:
                twin_stat = os.stat(twin)
            except OSError:
                twin_stat = None
            if twin_stat is not None and twin_stat.st_mtime >= stat_result.st_mtime:
                response = FileResponse(
                    twin,
                    stat_result=twin_stat,
                    media_type=mimetypes.guess_type(str(full_path))[0] or "text/plain",
                    headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
                )
                if self.is_not_modified(response.headers, Headers(scope=scope)):
                    return NotModifiedResponse(response.headers)
                return response
        return super().file_response(full_path, stat_result, scope, status_code)


async def warm_up(app: FastAPI) -> None:
    """When the worker knows the URL it is called by (`warm_url`), ask itself the map page's
    first requests: each first answer of a worker took 100 to 150 ms to build (the page's
    template, the bundle's file, the outlines' packing and gzip, the territory of /api/meta),
    and its first visitor waited for them all. These are anonymous requests through the whole
    application, which then keeps their answers as it keeps any (app/core/cache.py); a failure
    is left to the visitor's request, which reports it. Without the URL, only the outlines are
    packed (app/outlines.py)."""
    url = get_settings().warm_url
    if not url:
        await outlines.warm()
        return
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=url) as client:
        for path in map_page.FIRST_REQUESTS:
            with contextlib.suppress(Exception):
                await client.get(path, headers={"Accept-Encoding": "gzip"})


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Refuse to start without a secret key (app/core/keys.py); warm the worker up in the
    background (`warm_up`)."""
    secret_key()
    warming = asyncio.create_task(warm_up(app))
    yield
    warming.cancel()


def create_app(static_dir: Path = STATIC_DIR) -> FastAPI:
    """The application, serving the built front end from `static_dir` (app/core/assets.py)."""
    app = FastAPI(
        title="qualiparc",
        description="Qualification du parc social : résidences, notes de vivre-ensemble, QPV.",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )

    @app.get("/docs", include_in_schema=False, dependencies=[ANYONE_NOTHING])
    def api_docs(request: Request) -> HTMLResponse:
        """Swagger UI served from our static files (the default page loads it from a CDN),
        started by a script file: the Content-Security-Policy forbids inline scripts."""
        return TEMPLATES.TemplateResponse(request, "docs.html", {"openapi_url": app.openapi_url})

    install_error_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=5)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(AuditOriginMiddleware)
    app.add_middleware(CachedAnswers)  # after InputGuard: a refused address never reaches it
    app.add_middleware(InputGuard)
    for router in ROUTERS:
        app.include_router(router)
    install_openapi(app)
    app.state.static_dir = static_dir
    app.mount("/static", BuiltFiles(directory=static_dir, check_dir=False), name="static")
    app.add_middleware(SecurityHeaders)  # outermost: every response gets the headers
    return app


app = create_app()
