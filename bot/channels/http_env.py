"""The HTTP proxy from the environment, read once when a platform client opens.

An aiohttp session opened with `trust_env=True` (line-bot-sdk opens its session so) looks in
`~/.netrc` and in the proxy variables in a worker thread before *every* request: two thread
hand-offs and a file read per send, about 8 % of `serve`'s samples in a burst of replies
(BENCHMARKS.md "The stack itself and the platform clients"). The platform clients therefore
run with `trust_env=False`, and the proxy the environment names (`HTTPS_PROXY`, `HTTP_PROXY`,
`NO_PROXY`, with credentials in the URL or in `~/.netrc`) is resolved here once, at start-up, and
given to every request. A changed proxy variable takes effect at the next restart, like every
other setting. The platforms authenticate with a token header, so netrc credentials for the
platform hosts themselves were never used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL


@dataclass(frozen=True)
class EnvProxy:
    """Where requests to one API host go, and the proxy's own credentials as the header
    aiohttp sends in the CONNECT of an https:// API (its `proxy_auth` is deprecated)."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)


def env_proxy(api_url: str) -> EnvProxy | None:
    """The proxy the environment names for `api_url`, or None (no proxy, or NO_PROXY covers
    the host). Same rules as aiohttp's `trust_env`, because it is aiohttp's own lookup."""
    try:
        proxy, auth = get_env_proxy_for_url(URL(api_url))
    except LookupError:
        return None
    headers = {"Proxy-Authorization": auth.encode()} if auth is not None else {}
    return EnvProxy(str(proxy), headers)
