"""Request body limits: every body is counted as it arrives, chunked ones included, and refused
with a French 413 as soon as it passes its limit, without reading the rest."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import STATUS_CODES, BodyTooLarge, PayloadTooLarge, error_body
from app.core.settings import get_settings

MULTIPART_ENVELOPE_BYTES = 64 * 1024
"""Room for the boundaries and form fields around an uploaded file of the largest size."""


def upload_limit_bytes() -> int:
    """The largest file an upload may carry."""
    return get_settings().max_upload_mb * 1024 * 1024


def upload_too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"Fichier trop volumineux : {get_settings().max_upload_mb} Mo au plus. "
        "Découpez-le, ou demandez à l'administrateur de relever la limite."
    )


def body_limit_bytes() -> int:
    """The largest body of a request that carries no file (JSON, form)."""
    return get_settings().max_body_kb * 1024


def body_too_large() -> BodyTooLarge:
    kb = get_settings().max_body_kb
    size = f"{kb // 1024} Mo" if kb % 1024 == 0 else f"{kb} Ko"
    return BodyTooLarge(f"Requête trop volumineuse : {size} au plus.")


class _LimitPassed(Exception):
    """Raised to the application by `receive` once the body passes its limit."""


class BodyLimitMiddleware:
    """Refuse a body past its limit (file uploads: `max_upload_mb`; any other: `max_body_kb`),
    whether its size is declared or not, and close the connection instead of reading on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if headers.get("content-type", "").lower().startswith("multipart/form-data"):
            limit, error = upload_limit_bytes() + MULTIPART_ENVELOPE_BYTES, upload_too_large()
        else:
            limit, error = body_limit_bytes(), body_too_large()
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(error, scope, receive, send)
            return

        received = 0
        passed = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, passed
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    passed = True
                    raise _LimitPassed
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if passed and not started:
                return  # the application's answer to the cut body: ours replaces it
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not passed:
                raise
        if passed and not started:
            await _refuse(error, scope, receive, send)


async def _refuse(error: PayloadTooLarge, scope: Scope, receive: Receive, send: Send) -> None:
    """The French 413, closing the connection so that the rest of the body is never read."""
    response = JSONResponse(
        error_body(error.code, error.message),
        status_code=STATUS_CODES[PayloadTooLarge],
        headers={"Connection": "close"},
    )
    await response(scope, receive, send)
