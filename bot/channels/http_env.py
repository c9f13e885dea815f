"""The HTTP proxy from the environment, read once when a platform client opens.

An aiohttp session opened with `trust_env=True` (line-bot-sdk opens its session so) looks in
`~/.netrc` and in the proxy variables in a worker thread before *every* request: two thread
hand-offs and a file read per send, about 8 % of `serve`'s samples in a burst of replies
(BENCHMARKS.md "The stack itself and the platform clients"). The platform clients therefore
run with `trust_env=False`, and the proxy the environment names (`HTTPS_PROXY`, `HTTP_PROXY`,
`ALL_PROXY`, `NO_PROXY`; credentials in the URL or in `~/.netrc`) is resolved here once, at
start-up, and given to every request. A changed proxy variable takes effect at the next
restart, like every other setting. The platforms authenticate with a token header, so netrc
credentials for the platform hosts themselves were never used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.request import getproxies, proxy_bypass

from aiohttp.helpers import encode_basic_auth, netrc_from_env
from yarl import URL

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnvProxy:
    """Where requests to one API host go, and the proxy's own credentials as the header
    aiohttp sends in the CONNECT of an https:// API (its `proxy_auth` is deprecated)."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)


def env_proxy(api_url: str) -> EnvProxy | None:
    """The proxy the environment names for `api_url`, or None (no proxy, or NO_PROXY covers
    the host). The variables as curl and httpx read them: `HTTPS_PROXY` / `HTTP_PROXY` for the
    URL's scheme, else `ALL_PROXY`; a value without a scheme ("proxy.office:3128") is an HTTP
    proxy; credentials in it ("http://user:pass@…") or in ~/.netrc go in Proxy-Authorization."""
    url = URL(api_url)
    if url.host is not None and proxy_bypass(url.host):
        return None
    found = getproxies()
    value = found.get(url.scheme) or found.get("all")
    if not value:
        return None
    if "://" not in value:
        value = f"http://{value}"
    proxy = URL(value)
    if proxy.scheme != "http":
        # https:// and socks5:// proxies: aiohttp's own trust_env lookup skips them too.
        log.warning(
            "the %s:// proxy in the environment is not supported: connecting directly", proxy.scheme
        )
        return None
    credentials: str | None = None
    if proxy.user is not None:
        credentials = encode_basic_auth(proxy.user, proxy.password or "")
    elif proxy.host is not None:
        netrc = netrc_from_env()
        found_in_netrc = netrc.authenticators(proxy.host) if netrc is not None else None
        if found_in_netrc is not None:
            login, account, password = found_in_netrc
            credentials = encode_basic_auth(login or account or "", password or "")
    headers = {"Proxy-Authorization": credentials} if credentials is not None else {}
    return EnvProxy(str(proxy.with_user(None)), headers)
