"""Refuse webhook URLs that would make Slotwise call into its own network (SSRF).

The same check runs when a URL is saved and again before every attempt, and the attempt
connects to exactly the addresses checked here: a name that resolved to a public address
at creation and to 10.0.0.1 later (DNS rebinding) is refused at delivery, never reached.
"""

import ipaddress
import socket

import httpx

from ..errors import RuleViolation

SCHEMES = ("http", "https")
NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlNotAllowed(RuleViolation):
    code = "url_not_allowed"

    def __init__(self, message: str, reason: str):
        super().__init__(message, details={"url": reason})


def _embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address leads to: mapped, 6to4, NAT64 or Teredo."""
    if address.version == 4:
        return []
    found = [address.ipv4_mapped, address.sixtofour, address.teredo and address.teredo[1]]
    if address in NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [embedded for embedded in found if embedded]


def _kind(address: IPAddress) -> str | None:
    """What makes an address unfit for webhooks (``"private"``...); None for a public one."""
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        # Shared address space (100.64.0.0/10) and other special-purpose ranges.
        return "non-public"
    return None


def refusal(text: str) -> str | None:
    """Why ``text`` (an IP address) may not receive webhooks; None when it may."""
    address = ipaddress.ip_address(text.split("%", 1)[0])
    for candidate in (*_embedded_ipv4(address), address):
        kind = _kind(candidate)
        if kind is not None:
            return kind
    return None


def _invalid(url: str, reason: str) -> UrlNotAllowed:
    return UrlNotAllowed(f"The webhook URL {url!r} {reason}.", reason)


def parse(url: str) -> httpx.URL:
    """The URL as the HTTP client will read it; only http(s) with a host and a valid port."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise _invalid(url, "is not a valid URL") from None
    if parsed.scheme not in SCHEMES:
        scheme = parsed.scheme or "no scheme"
        raise UrlNotAllowed(
            f"Webhook URLs must use http or https, not {scheme}.", "must use http or https"
        )
    if not parsed.raw_host:
        raise _invalid(url, "has no host")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise _invalid(url, "has a port out of range")
    return parsed


def lookup(host: str) -> list[str]:
    """The host's addresses in the resolver's order; OSError if it has none."""
    found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in found))


def resolve(url: str, *, allow_private: bool) -> list[str]:
    """The addresses to connect to for ``url``, every one of them allowed; UrlNotAllowed if not."""
    parsed = parse(url)
    host = parsed.raw_host.decode("ascii")
    try:
        addresses = lookup(host)
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        raise UrlNotAllowed(f"The webhook URL's host {host} does not resolve.", "does not resolve")
    if not allow_private:
        for address in addresses:
            kind = refusal(address)
            if kind is not None:
                article = "an" if kind[0] in "aeiou" else "a"
                raise UrlNotAllowed(
                    f"Webhook URLs must reach a public address; {address} is {kind}.",
                    f"resolves to {article} {kind} address",
                )
    return addresses
