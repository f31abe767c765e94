"""Security headers on every response, pages and API alike (an ASGI middleware).

- Content-Security-Policy: scripts from this site only, never inline (no inline `<script>`, no
  `on…=` attribute runs, even if a name slipped through unescaped); no framing by any site
  (`frame-ancestors 'none'`); images from this site, `data:`/`blob:` URIs and the optional base-map
  server. Inline styles stay allowed: the legend swatches and Leaflet set colours in `style`.
- An HTML download (the offline map) gets its own policy: a sandbox with an opaque origin, so
  that its inline scripts run but can neither read this site's cookies nor call its API.
- X-Content-Type-Options, Referrer-Policy, X-Frame-Options for old browsers, and HSTS when the
  site is served over HTTPS (`secure_cookies`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.settings import get_settings

DOWNLOAD_POLICY = (
    "sandbox allow-scripts allow-popups; default-src 'none'; script-src 'unsafe-inline'; "
    "style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
)


def tile_origin(tile_url: str | None) -> str | None:
    """The origin of the base-map tiles (`{s}` sub-domains as a wildcard), or None."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy(tile_url: str | None = None) -> str:
    images = " ".join(filter(None, ("'self' data: blob:", tile_origin(tile_url))))
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class SecurityHeaders:
    """Adds the security headers to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        settings = get_settings()
        self.headers = {
            "Content-Security-Policy": content_security_policy(settings.tile_url),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
        }
        if settings.secure_cookies:
            self.headers["Strict-Transport-Security"] = "max-age=31536000"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                download = headers.get("content-disposition", "").startswith("attachment")
                if download and headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", DOWNLOAD_POLICY)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
