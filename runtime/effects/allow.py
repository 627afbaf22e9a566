"""Which hosts flows may call: the `http-allow` entries, and what kind of address a name
resolved to (flows must not reach internal services unless an operator listed them by name)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from sce.errors import ConfigError

#: Where an operator changes what flows may call (named in every refusal).
SETTING = "http-allow in [tool.sce.runtime] (or SCE_HTTP_ALLOW)"

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True, slots=True)
class AllowEntry:
    """One `http-allow` entry: a host or `*.domain`, and optionally the only port allowed."""

    host: str
    port: int | None = None

    @property
    def wildcard(self) -> bool:
        return self.host.startswith("*.")

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.wildcard:
            return not is_ip(host) and host.endswith(self.host[1:])
        return host == self.host


def parse_allow_entry(text: str) -> AllowEntry:
    """`bank.example`, `*.bank.example`, `127.0.0.1:8080`, `[::1]:8080` → an entry."""
    raw = text.strip()
    host, port_text = raw, None
    if raw.startswith("["):
        end = raw.find("]")
        rest = raw[end + 1 :] if end > 0 else "?"
        if rest and not rest.startswith(":"):
            raise ConfigError(f"http-allow: '{text}' is not a host or host:port")
        host, port_text = raw[1:end], rest[1:] or None
    elif raw.count(":") == 1:
        host, port_text = raw.split(":")
    port = None
    if port_text is not None:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(f"http-allow: '{text}' has a bad port")
        port = int(port_text)
    wildcard = host.startswith("*.")
    try:
        name = normal_host(host[2:] if wildcard else host)
    except UnicodeError:
        name = ""
    if not name or "*" in name or "/" in name or (wildcard and is_ip(name)):
        raise ConfigError(f"http-allow: '{text}' is not a host name, *.domain or IP address")
    return AllowEntry("*." + name if wildcard else name, port)


def normal_host(host: str) -> str:
    """Lower case, no trailing dot, IDNA for non-ASCII names, canonical text for IP addresses."""
    host = host.strip().lower().rstrip(".")
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def internal_kind(address: str) -> str | None:
    """What kind of non-public address this is (None for a public one)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return "unrecognised"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            ip = embedded
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_private:
        return "private"
    if ip.is_multicast or not ip.is_global:
        return "non-public"
    return None
