"""The check that keeps remotely named URLs off loopback, private and other non-public
addresses; host names are resolved by a stand-in so the tests need no network."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from core.errors import IngestError
from ingest.urlguard import check_public_url, is_public_ip


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1%eth0",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2001:db8::1",  # documentation
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_ip(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert is_public_ip(address)


def _resolving(monkeypatch: pytest.MonkeyPatch, table: dict[str, list[str]]) -> list[Any]:
    calls: list[Any] = []

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        calls.append((host, port))
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in table[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return calls


def test_a_host_with_only_public_addresses_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _resolving(monkeypatch, {"news.example": ["93.184.215.14"]})
    check_public_url("https://news.example/story")
    check_public_url("HTTP://news.example:8080/story")
    assert calls == [("news.example", 443), ("news.example", 8080)]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://localhost:7860/", "resolves to 127.0.0.1"),
        ("http://127.0.0.1/", "resolves to 127.0.0.1"),
        ("http://[::1]:8000/", "resolves to ::1"),
        ("http://intranet.example/", "resolves to 10.0.0.5"),  # one private address is enough
        ("http://metadata.example/latest", "resolves to 169.254.169.254"),
        ("http://nowhere.example/", "cannot be resolved"),
        ("ftp://news.example/file", "only http:// and https://"),
        ("file:///etc/passwd", "only http:// and https://"),
        ("http:///no-host", "no host name"),
        ("http://news.example:99999/", "malformed"),
    ],
)
def test_refused_urls_say_why(monkeypatch: pytest.MonkeyPatch, url: str, reason: str) -> None:
    _resolving(
        monkeypatch,
        {
            "localhost": ["127.0.0.1"],
            "127.0.0.1": ["127.0.0.1"],
            "::1": ["::1"],
            "news.example": ["93.184.215.14"],
            "intranet.example": ["93.184.215.14", "10.0.0.5"],
            "metadata.example": ["169.254.169.254"],
        },
    )
    with pytest.raises(IngestError, match=reason) as error:
        check_public_url(url)
    assert error.value.source == url


def test_loopback_is_refused_with_the_real_resolver() -> None:
    with pytest.raises(IngestError, match="public web addresses"):
        check_public_url("http://localhost:9/")
