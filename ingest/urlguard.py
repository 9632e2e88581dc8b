"""Which web addresses the app may fetch when someone else (an MCP client) names them:
http(s) only, and only hosts whose every address is public, so a remote caller cannot
make the server read its own loopback, the local network or cloud metadata endpoints.

This checks the address before the fetch; it does not follow redirects or pin the
resolved address (a fuller outbound-fetch guard is planned).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from core.errors import IngestError

_REFUSED = "only public web addresses can be fetched; download the page and add its text"


def is_public_ip(address: str) -> bool:
    """True for a globally routable unicast address (IPv4 or IPv6, a ``%zone`` ignored)."""
    ip = ipaddress.ip_address(address.partition("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # is_global alone lets multicast and some reserved ranges through
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_reserved
        or ip.is_link_local
        or ip.is_loopback
        or ip.is_private
        or ip.is_unspecified
    )


def check_public_url(url: str) -> None:
    """Raise IngestError unless ``url`` is http(s) and its host resolves only to public
    addresses."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise IngestError(url, f"the address is malformed ({e})") from e
    if parts.scheme.lower() not in ("http", "https"):
        raise IngestError(url, "only http:// and https:// addresses can be fetched")
    host = parts.hostname
    if not host:
        raise IngestError(url, "the address has no host name")
    default_port = 443 if parts.scheme.lower() == "https" else 80
    try:
        infos = socket.getaddrinfo(host, port or default_port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise IngestError(
            url, f"the host {host!r} cannot be resolved; check the address or your connection"
        ) from e
    addresses = {str(info[4][0]) for info in infos}
    private = sorted(a for a in addresses if not is_public_ip(a))
    if not addresses or private:
        raise IngestError(
            url, f"the host {host!r} resolves to {', '.join(private) or 'nothing'}; {_REFUSED}"
        )
