# Copyright 2026 Accounting First
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Where the connector may send a request, and with it a credential (plain Python).

Every URL the connector calls carries a token or a secret: the API base URL
(API token, access token), the Salesforce login URL and the Zoho accounts
URL (consumer or client secret, refresh token), the instance URL and API
domain that token answers name, and each page it follows. So a URL is
called only when it is:

- https, on a host of the provider (``hosts``: exact names, or ``*.domain``
  for any name under the domain), or on a host an administrator added with
  the system parameter ``external_crm_connector.extra_allowed_hosts``
  (comma-separated, same patterns);
- or on loopback (127.0.0.0/8, ::1, localhost), in http or https, only while
  the system parameter ``external_crm_connector.allow_loopback`` is set: for
  tests and local fakes, never in production.

A URL is also refused when URL parsers could read it differently (user
information, backslashes, percent-encoded or non-ASCII host names,
fragments): the host checked must be the host called.
"""

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, urlsplit

from ..exceptions import ExternalCrmApiError

LOOPBACK_PARAMETER = "external_crm_connector.allow_loopback"
EXTRA_HOSTS_PARAMETER = "external_crm_connector.extra_allowed_hosts"

# a host name or an IPv4 address, or an IPv6 address in brackets, and a port:
# no user information, backslash, percent sign or anything else that two
# URL parsers (ours and the HTTP library's) might read differently
_NETLOC = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")

# reasons a URL is refused (``Destinations.problem``)
MALFORMED = "malformed"
NOT_HTTPS = "not_https"
LOOPBACK = "loopback"
INTERNAL = "internal"
FOREIGN_HOST = "foreign_host"

REASONS = {
    MALFORMED: "not an http(s) address with a plain host name",
    NOT_HTTPS: "not https",
    LOOPBACK: "a loopback address, allowed for tests and local fakes only",
    INTERNAL: "an internal address",
    FOREIGN_HOST: "not a host of the provider, nor one an administrator allowed",
}


class DestinationRefused(ExternalCrmApiError):
    """A URL the connector must not call: retrying will not make it allowed."""


def parse_hosts(text):
    """Host patterns from a system parameter: commas or spaces between them."""
    return tuple(part.strip().lower() for part in re.split(r"[,\s]+", text or "") if part.strip())


def is_loopback(host):
    """True for 127.0.0.0/8, ::1 and localhost (with its subdomains)."""
    host = (host or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_matches(host, patterns):
    """True when ``host`` is one of ``patterns`` (``*.domain``: any name under it)."""
    host = (host or "").lower().rstrip(".")
    for pattern in patterns or ():
        pattern = pattern.strip().lower().rstrip(".")
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif pattern and host == pattern:
            return True
    return False


def hosts_of(urls):
    """The host names of ``urls`` (the providers' own lists of URLs)."""
    return tuple(urlsplit(url).hostname for url in urls)


def split_url(url):
    """``urlsplit(url)`` of a well-formed http(s) URL, else None."""
    if not isinstance(url, str) or not url or any(char.isspace() for char in url):
        return None
    if not url.isascii() or "\\" in url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number or out of range, a bad IPv6 address
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        return None
    if not _NETLOC.match(parts.netloc) or parts.fragment:
        return None
    return parts


def same_origin(first, second):
    """True when two split URLs have the same scheme, host and port."""
    return (first.scheme, first.hostname, first.port) == (
        second.scheme,
        second.hostname,
        second.port,
    )


@dataclass(frozen=True)
class Destinations:
    """The destinations a backend may call, from the system parameters."""

    extra_hosts: tuple = ()
    allow_loopback: bool = False

    def problem(self, url, hosts=None):
        """Why ``url`` must not be called (a key of ``REASONS``), or None.

        ``hosts`` are the provider's own host patterns; None when the
        provider has no list (any https host, but no internal address).
        """
        parts = split_url(url)
        if parts is None:
            return MALFORMED
        host = parts.hostname
        if is_loopback(host):
            return None if self.allow_loopback else LOOPBACK
        if parts.scheme != "https":
            return NOT_HTTPS
        if host_matches(host, self.extra_hosts):
            return None
        if hosts is None:
            try:
                address = ipaddress.ip_address(host)
            except ValueError:
                return None
            return None if address.is_global else INTERNAL
        return None if host_matches(host, hosts) else FOREIGN_HOST

    def check(self, url, hosts=None, setting="the URL"):
        """Return ``url``, or raise ``DestinationRefused`` saying why and what to check."""
        reason = self.problem(url, hosts)
        if reason:
            raise DestinationRefused(
                f"{url!r} is not an allowed destination ({REASONS[reason]}); check {setting}"
            )
        return url


def scrub(text, secrets):
    """``text`` without any of ``secrets`` (also URL-encoded), for errors and logs.

    Providers sometimes repeat in their error text what they received: the
    token, the secret of the form. Errors are stored on events and cursors
    that every External CRM manager reads.
    """
    if not isinstance(text, str) or not text:
        return text
    forms = set()
    for secret in secrets:
        if isinstance(secret, str) and secret:
            forms.update({secret, quote(secret, safe=""), quote_plus(secret)})
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "[hidden]")
    return text
