"""The client's address: the one helper every limit, lockout and audit event uses.

Behind a reverse proxy REMOTE_ADDR is the proxy's address. Only a proxy listed in
settings.XJM_TRUSTED_PROXIES (addresses or networks) is believed about who its client is:
X-Forwarded-For is read from the right (the entry the nearest proxy appended), skipping
the trusted proxies' own entries, and the first address that is not one of them is the
client. Anything further left was written by the client and is not believed. With no
trusted proxy (the default) the address is REMOTE_ADDR alone, whatever the headers say.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(configured: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in configured)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
             networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address of the client as the trusted proxy reports it ("" if unknown)."""
    remote = _address(request.META.get("REMOTE_ADDR", "") or "")
    if remote is None:
        return ""
    networks = _networks(tuple(settings.XJM_TRUSTED_PROXIES))
    if not networks or not _trusted(remote, networks):
        return str(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") or ""
    for entry in reversed(forwarded.split(",")):
        hop = _address(entry)
        if hop is None:
            break  # a malformed entry: nothing left of it can be believed
        if not _trusted(hop, networks):
            return str(hop)
    # Only trusted proxies (or nothing usable) in the header: the nearest is the client.
    return str(remote)
