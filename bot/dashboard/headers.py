"""The headers every dashboard response carries: no caching of anyone's pages, a strict
Content-Security-Policy, no referrer so a sign-in link never leaks to another site."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE = "no-store, private"
STATIC_CACHE = "public, max-age=86400"  # the stylesheet only: the same for everyone, versioned
# No script at all; styles and images from the dashboard itself; forms post only to it.
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class SecurityHeaders:
    """Adds the dashboard's headers to every response, error pages included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root = scope.get("root_path", "")
        path: str = scope["path"]
        static = path.removeprefix(root).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Cache-Control"] = STATIC_CACHE if static else NO_STORE
                if not static:
                    headers["Pragma"] = "no-cache"
                    headers["Vary"] = "Cookie"
                headers["X-Content-Type-Options"] = "nosniff"
                # Same-origin only: the sign-in link's token never leaves in a Referer, and
                # the browser still sends a real Origin on the dashboard's own forms.
                headers["Referrer-Policy"] = "same-origin"
                headers["X-Frame-Options"] = "DENY"
                headers["Content-Security-Policy"] = CSP
            await send(message)

        await self.app(scope, receive, send_with_headers)
