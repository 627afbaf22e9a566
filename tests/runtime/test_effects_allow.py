"""Which hosts flows may call (`sce/httpallow.py`, as the runtime fetches): the `http-allow` entries, and names
that resolve to internal addresses.

Each refusal is shown against a real local business system (`tests.runtime.bank_server`) that
records every connection, so a refused fetch can be shown to have sent nothing. Names such as
`api.bank.example` are resolved by a resolver the test passes, as a DNS server would.
"""

from __future__ import annotations

import pytest

from runtime.errors import EffectBlocked
from sce.errors import ConfigError
from sce.httpallow import parse_allow_entry
from tests.runtime.bank_server import (
    Bank,
    Resolver,
    client_for,
    fetch,
)

# --- the allow-list -----------------------------------------------------------------------------


def test_an_empty_allowlist_allows_nothing_and_names_the_setting(bank: Bank) -> None:
    before = bank.connections
    result = fetch(client_for(), bank.url("/account"))
    assert result.error == (
        "no host may be called: http-allow in [tool.sce.runtime] (or SCE_HTTP_ALLOW) is empty;"
        f" list 127.0.0.1:{bank.port} there"
    )
    assert bank.connections == before


def test_a_host_not_listed_is_refused_and_the_server_gets_nothing(bank: Bank) -> None:
    before = bank.connections
    result = fetch(client_for("10.0.0.1", "api.bank.example"), bank.url("/account"))
    assert result.error == (
        f"127.0.0.1:{bank.port} is not allowed: add it to http-allow in [tool.sce.runtime]"
        " (or SCE_HTTP_ALLOW)"
    )
    assert bank.connections == before


def test_a_port_in_the_allowlist_allows_that_port_only(bank: Bank) -> None:
    before = bank.connections
    other = fetch(client_for(f"127.0.0.1:{bank.port + 1}"), bank.url("/account"))
    assert other.error.startswith(f"127.0.0.1:{bank.port} is not allowed")
    assert bank.connections == before
    assert fetch(client_for(f"127.0.0.1:{bank.port}"), bank.url("/account")).ok


def test_a_host_without_port_allows_any_port(bank: Bank) -> None:
    assert fetch(client_for("127.0.0.1"), bank.url("/account")).ok


def test_localhost_is_refused_unless_listed_by_name(bank: Bank) -> None:
    before = bank.connections
    refused = fetch(client_for(f"127.0.0.1:{bank.port}"), bank.url("/account", host="localhost"))
    assert refused.error.startswith(f"localhost:{bank.port} is not allowed")
    assert bank.connections == before
    listed = fetch(client_for("localhost"), bank.url("/echo", host="localhost"))
    assert listed.ok and listed.body["host"] == f"localhost:{bank.port}"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://api.bank.example/balance", True),
        ("https://a.b.bank.example/balance", True),
        ("https://API.Bank.Example./balance", True),
        ("http://api.bank.example:8080/balance", True),
        ("https://bank.example/balance", False),
        ("https://evilbank.example/balance", False),
        ("https://api.bank.example.evil.test/balance", False),
    ],
)
def test_a_wildcard_matches_subdomains_only(url: str, allowed: bool) -> None:
    client = client_for("*.bank.example")
    if allowed:
        assert client.check(url).host.endswith(".bank.example")
    else:
        with pytest.raises(EffectBlocked, match="is not allowed"):
            client.check(url)


def test_a_wildcard_does_not_cover_the_domain_itself_unless_listed() -> None:
    assert client_for("*.bank.example", "bank.example").check("https://bank.example/").exact


def test_a_wildcard_with_a_port_allows_that_port_only() -> None:
    client = client_for("*.bank.example:8443")
    assert client.check("https://api.bank.example:8443/x").port == 8443
    with pytest.raises(EffectBlocked, match="api.bank.example:443 is not allowed"):
        client.check("https://api.bank.example/x")


def test_a_wildcard_never_matches_an_ip_address() -> None:
    with pytest.raises(EffectBlocked, match="10.1.2.3:80 is not allowed"):
        client_for("*.1.2.3").check("http://10.1.2.3/")


@pytest.mark.parametrize("entry", ["host:port", "*.*.example", "a/b", "[::1", "*.10.0.0.1", ""])
def test_a_bad_allowlist_entry_is_a_config_error(entry: str) -> None:
    with pytest.raises(ConfigError, match="http-allow"):
        parse_allow_entry(entry)


def test_allowlist_entries_accept_ipv6_and_names_in_any_case() -> None:
    assert parse_allow_entry("[::1]:8080").matches("::1", 8080)
    assert not parse_allow_entry("[::1]:8080").matches("::1", 8081)
    assert parse_allow_entry("::1").matches("::1", 1)
    assert parse_allow_entry("API.Bank.Example.").matches("api.bank.example", 80)


# --- names that resolve to internal addresses ---------------------------------------------------


def test_a_wildcard_host_resolving_to_loopback_is_refused(bank: Bank) -> None:
    resolve = Resolver({"api.bank.example": ["127.0.0.1"]})
    client = client_for("*.bank.example", resolve=resolve)
    before = bank.connections
    result = fetch(client, bank.url("/account", host="api.bank.example"))
    assert result.error == (
        "api.bank.example resolves to 127.0.0.1, a loopback address; list 'api.bank.example'"
        " itself in http-allow in [tool.sce.runtime] (or SCE_HTTP_ALLOW) to let flows call it"
    )
    assert bank.connections == before


def test_every_resolved_address_is_checked() -> None:
    resolve = Resolver({"api.bank.example": ["8.8.8.8", "192.168.1.20"]})
    result = fetch(client_for("*.bank.example", resolve=resolve), "http://api.bank.example/x")
    assert result.error.startswith("api.bank.example resolves to 192.168.1.20, a private address")


@pytest.mark.parametrize(
    ("address", "kind"),
    [("169.254.169.254", "link-local"), ("::ffff:10.0.0.7", "private"), ("fe80::1", "link-local")],
)
def test_metadata_and_mapped_addresses_count_as_internal(address: str, kind: str) -> None:
    resolve = Resolver({"api.bank.example": [address]})
    result = fetch(client_for("*.bank.example", resolve=resolve), "http://api.bank.example/x")
    assert f"a {kind} address" in result.error


def test_a_host_listed_by_name_reaches_its_internal_address_once_resolved(bank: Bank) -> None:
    resolve = Resolver({"core.bank.example": ["127.0.0.1"]})
    client = client_for(f"core.bank.example:{bank.port}", resolve=resolve)
    result = fetch(client, bank.url("/echo", host="core.bank.example"))
    assert result.ok
    assert result.body["host"] == f"core.bank.example:{bank.port}"
    assert resolve.calls == ["core.bank.example"]
