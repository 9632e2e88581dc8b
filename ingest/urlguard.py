"""Which web addresses the app may fetch when someone else (a visitor, an API or MCP
client) names them: http(s) on ports 80 and 443, and only hosts whose every address is
public, so a remote caller cannot make the server read its own loopback, the local
network or cloud metadata endpoints. The operator widens or narrows this with allow and
deny lists (``RAG_URL_ALLOW``, ``RAG_URL_DENY``; deny wins).

A check resolves the host once and returns the addresses it checked; ``fetch_url``
connects only to those (so a DNS answer that changes between check and connect cannot
slip past), and checks again after every redirect. Refusals say nothing about whether an
address answers or resolves: a caller learns no more than "not fetched".
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.errors import IngestError, UsageError


def is_url(item: str) -> bool:
    """True for http:// and https:// addresses."""
    return item.lower().startswith(("http://", "https://"))


STANDARD_PORTS = {"http": 80, "https": 443}
NOT_FETCHED = (
    "the page was not fetched; only public web addresses (http or https on the standard "
    "ports) that answer within the time limit can be fetched: check the address, or "
    "download the page and upload the file"
)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order (IP spellings such as
    ``127.1`` or ``0x7f000001`` come back as the address they mean)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


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


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(address.partition("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@dataclass(frozen=True)
class Rule:
    """One entry of an allow or deny list: a host name (``.example.org`` also matches
    its subdomains), a host with a port, or a network of addresses."""

    host: str | None = None
    port: int | None = None
    network: IPNetwork | None = None

    def matches(self, host: str, port: int, address: str) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            return _ip(address) in self.network
        name = (self.host or "").lower()
        host = host.lower().rstrip(".")
        return host == name or (name.startswith(".") and host.endswith(name))


def parse_rules(text: str, setting: str) -> tuple[Rule, ...]:
    """``host, host:port, 10.0.0.0/8, [::1]:8000`` as rules; UsageError names ``setting``."""
    rules: list[Rule] = []
    for item in (part.strip() for part in text.split(",")):
        if item:
            rules.append(_parse_rule(item, setting))
    return tuple(rules)


def _parse_rule(item: str, setting: str) -> Rule:
    try:
        return Rule(network=ipaddress.ip_network(item, strict=False))
    except ValueError:
        pass
    host, port = item, None
    if item.startswith("["):  # [v6]:port
        host, _, rest = item[1:].partition("]")
        port = rest.removeprefix(":") or None
    elif item.count(":") == 1:
        host, port = item.split(":")
    try:
        number = int(port) if port is not None else None
        if number is not None and not 0 < number < 65536:
            raise ValueError(port)
    except ValueError as e:
        raise UsageError(
            f"{setting}: {item!r} is not a host, host:port or network; "
            "write e.g. wiki.internal, wiki.internal:8080, 10.0.0.0/8"
        ) from e
    try:
        return Rule(network=ipaddress.ip_network(host), port=number)
    except ValueError:
        return Rule(host=host.lower().rstrip("."), port=number)


@dataclass(frozen=True)
class UrlPolicy:
    """The check for addresses named by someone other than the machine's own user.

    An address passes if no deny rule matches it and, for every address its host
    resolves to, an allow rule matches or the address is public and the port standard.
    Calling the policy checks a URL and returns the addresses to connect to."""

    allow: tuple[Rule, ...] = ()
    deny: tuple[Rule, ...] = ()

    @classmethod
    def from_lists(cls, allow: str = "", deny: str = "") -> UrlPolicy:
        return cls(parse_rules(allow, "RAG_URL_ALLOW"), parse_rules(deny, "RAG_URL_DENY"))

    def __call__(self, url: str) -> Sequence[str]:
        return self.check(url)

    def check(self, url: str) -> tuple[str, ...]:
        """Raise IngestError unless ``url`` may be fetched; the checked addresses."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as e:
            raise IngestError(url, f"the address is malformed ({e})") from e
        scheme = parts.scheme.lower()
        if scheme not in STANDARD_PORTS:
            raise IngestError(url, "only http:// and https:// addresses can be fetched")
        host = parts.hostname
        if not host:
            raise IngestError(url, "the address has no host name")
        port = port or STANDARD_PORTS[scheme]
        standard = port == STANDARD_PORTS[scheme]
        if not standard and not any(r.port == port for r in self.allow):
            raise IngestError(
                url,
                "only the standard ports (80 for http, 443 for https) can be fetched; "
                "the operator can allow host:port in RAG_URL_ALLOW",
            )
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError) as e:  # gaierror is an OSError
            raise IngestError(url, NOT_FETCHED) from e
        if not addresses or not all(self._permits(host, port, standard, a) for a in addresses):
            raise IngestError(url, NOT_FETCHED)
        return tuple(addresses)

    def _permits(self, host: str, port: int, standard: bool, address: str) -> bool:
        if any(rule.matches(host, port, address) for rule in self.deny):
            return False
        # an allow rule without a port opens only the standard port of what it names
        if any((standard or r.port) and r.matches(host, port, address) for r in self.allow):
            return True
        return standard and is_public_ip(address)


PUBLIC_ONLY = UrlPolicy()


def check_public_url(url: str) -> tuple[str, ...]:
    """Raise IngestError unless ``url`` is http(s) on a standard port and its host
    resolves only to public addresses; the addresses checked."""
    return PUBLIC_ONLY.check(url)
