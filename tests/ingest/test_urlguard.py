"""The check that keeps remotely named URLs off loopback, private and other non-public
addresses; host names are resolved by a stand-in so the tests need no network."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from core.errors import IngestError, UsageError
from ingest.urlguard import (
    NOT_FETCHED,
    Rule,
    UrlPolicy,
    check_public_url,
    is_public_ip,
    parse_rules,
)


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

    def fake(host: str, port: int) -> list[str]:
        calls.append((host, port))
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    monkeypatch.setattr("ingest.urlguard.resolve", fake)
    return calls


def test_a_host_with_only_public_addresses_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _resolving(monkeypatch, {"news.example": ["93.184.215.14", "2606:4700::1"]})
    assert check_public_url("https://news.example/story") == ("93.184.215.14", "2606:4700::1")
    assert check_public_url("HTTP://news.example:80/story") == ("93.184.215.14", "2606:4700::1")
    assert calls == [("news.example", 443), ("news.example", 80)]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://localhost/", NOT_FETCHED),
        ("http://127.0.0.1/", NOT_FETCHED),
        ("http://[::1]/", NOT_FETCHED),
        ("http://intranet.example/", NOT_FETCHED),  # one private address is enough
        ("http://metadata.example/latest", NOT_FETCHED),
        ("http://nowhere.example/", NOT_FETCHED),  # unresolvable reads the same
        ("http://news.example:8080/", "only the standard ports"),
        ("https://news.example:80/", "only the standard ports"),
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
    with pytest.raises(IngestError) as error:
        check_public_url(url)
    assert error.value.source == url
    assert reason in error.value.reason
    assert "10.0.0.5" not in error.value.reason and "127.0.0.1" not in error.value.reason


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "127.0.0.1",
        "0x7f000001",
        "2130706433",
        "127.1",
        "0177.0.0.1",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[0:0:0:0:0:ffff:7f00:1]",
        "0.0.0.0",
    ],
)
def test_loopback_in_every_spelling_is_refused_with_the_real_resolver(host: str) -> None:
    with pytest.raises(IngestError, match="only public web addresses"):
        check_public_url(f"http://{host}/")


# --- allow and deny lists --------------------------------------------------------


def test_rules_parse_hosts_ports_and_networks() -> None:
    assert parse_rules(" wiki.internal, wiki.internal:8080,10.0.0.0/8 ,[::1]:8000,", "X") == (
        Rule(host="wiki.internal"),
        Rule(host="wiki.internal", port=8080),
        Rule(network=ipaddress.ip_network("10.0.0.0/8")),
        Rule(network=ipaddress.ip_network("::1/128"), port=8000),
    )
    with pytest.raises(UsageError, match="RAG_URL_ALLOW: 'wiki:http' is not a host"):
        UrlPolicy.from_lists(allow="wiki:http")


def test_the_allow_list_opens_named_hosts_ports_and_networks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _resolving(
        monkeypatch,
        {"wiki.internal": ["10.1.2.3"], "db.internal": ["10.9.9.9"], "news.example": ["1.1.1.1"]},
    )
    policy = UrlPolicy.from_lists(allow="wiki.internal, news.example:8443, 10.9.0.0/16")
    assert policy("http://wiki.internal/page") == ("10.1.2.3",)
    assert policy("https://news.example:8443/") == ("1.1.1.1",)
    assert policy("http://db.internal/") == ("10.9.9.9",)
    for refused in ["http://wiki.internal:8080/", "http://db.internal:5432/"]:
        with pytest.raises(IngestError):
            policy(refused)
    with pytest.raises(IngestError):
        check_public_url("http://wiki.internal/page")  # without the list: refused


def test_deny_wins_over_allow_and_over_public(monkeypatch: pytest.MonkeyPatch) -> None:
    _resolving(
        monkeypatch,
        {"news.example": ["1.1.1.1"], "ads.news.example": ["1.0.0.1"], "other.org": ["8.8.8.8"]},
    )
    policy = UrlPolicy.from_lists(allow="news.example,1.0.0.0/8", deny=".news.example,8.8.8.8/32")
    assert policy("https://news.example/") == ("1.1.1.1",)
    for refused in ["https://ads.news.example/", "https://other.org/"]:
        with pytest.raises(IngestError, match="only public web addresses"):
            policy(refused)
    with pytest.raises(IngestError):
        UrlPolicy.from_lists(deny="news.example:443")("https://news.example/")
    assert UrlPolicy.from_lists(deny="news.example:80")("https://news.example/") == ("1.1.1.1",)
