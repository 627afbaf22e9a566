"""Which hosts flows may call: the `http-allow` entries, what kind of address a name resolved to
(flows must not reach internal services unless an operator listed them by name), and what an
http node's URL will call, judged before any call.

The runtime checks each fetch with these (`runtime.effects.http`); the linter checks the URLs at
deploy with the same functions (SCE510-SCE514), so a flow that could never reach its business
system is refused before a caller is on the line.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

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


# -- what a flow's URL will call, known before any call ------------------------------------------


@dataclass(frozen=True, slots=True)
class UrlProblem:
    """Why an http node's URL can never be fetched, or must not be: `kind` is one of `scheme`
    (not http or https, or credentials in the URL), `from-call` (the host or port is built from
    the call's values), `internal` (a literal loopback, private or link-local address nobody
    listed), `nothing-allowed` (http-allow is empty) or `not-allowed` (outside http-allow)."""

    kind: str
    message: str


def check_url(url: str, allow: tuple[AllowEntry, ...] | None) -> UrlProblem | None:
    """What the runtime would refuse in the URL template `url` whatever the call, judged by its
    literal beginning (scheme, host and port); None when it may be called. `allow` None: the
    list is not known, so only what no list could allow is reported. A template that does not
    parse is the expression rules' to report (None here)."""
    from sce.expr.errors import ExprError
    from sce.expr.template import parse_template

    try:
        template = parse_template(url)
    except ExprError:
        return None
    first = template.parts[0] if template.parts else ""
    prefix = first if isinstance(first, str) else ""
    has_values = len(template.parts) > 1 or not isinstance(first, str)
    scheme, sep, rest = prefix.partition("://")
    if not sep:
        if has_values and not prefix.strip():
            return UrlProblem(
                "from-call", f"the URL '{url}' is built from the call's values, host and all"
            )
        return UrlProblem("scheme", f"'{url}' is not an http or https URL (scheme://host/...)")
    if scheme.lower() not in ("http", "https"):
        return UrlProblem("scheme", f"only http and https URLs are fetched, not {scheme}://")
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=-1)
    if end < 0 and has_values:
        return UrlProblem(
            "from-call",
            f"the host or port of '{url}' is built from the call's values, so no one can "
            "check what it calls",
        )
    authority = rest if end < 0 else rest[:end]
    try:
        parts = urlsplit(f"{scheme}://{authority}")
        port = parts.port or (443 if scheme.lower() == "https" else 80)
        host = normal_host(parts.hostname or "")
    except (ValueError, UnicodeError):
        return UrlProblem("scheme", f"'{url}' does not name a valid host and port")
    if not host:
        return UrlProblem("scheme", f"the URL '{url}' names no host")
    if parts.username is not None or parts.password is not None:
        return UrlProblem(
            "scheme", "URLs with a user name or password are not fetched; send them in a header"
        )
    shown = f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"
    listed = [entry for entry in allow or () if entry.matches(host, port)]
    if is_ip(host) and (kind := internal_kind(host)) and not listed:
        return UrlProblem(
            "internal",
            f"{shown} is a {kind} address: flows may not call internal services unless an "
            f"operator lists them in {SETTING}",
        )
    if allow is None:
        return None
    if not allow:
        return UrlProblem(
            "nothing-allowed", f"no host may be called: {SETTING} is empty; list {shown} there"
        )
    if not listed:
        return UrlProblem("not-allowed", f"{shown} is not allowed: add it to {SETTING}")
    return None
