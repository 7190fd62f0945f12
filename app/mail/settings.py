"""Reading the mail settings: SMTP_URL and BASE_URL. Plain Python, checked at startup."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

SCHEMES = {"smtp": 25, "smtps": 465}
# Anything else after "?" is a typing mistake worth refusing, not a setting to ignore.
OPTIONS = {"starttls", "timeout"}
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to deliver: host, port, TLS and credentials."""

    host: str
    port: int
    tls: bool = False        # smtps://: TLS from the first byte
    starttls: bool = False   # smtp://...?starttls=1: upgrade after EHLO
    username: str = ""
    password: str = ""
    timeout: float = 30.0

    def __repr__(self) -> str:  # never the password, in logs or tracebacks
        return (f"SmtpServer(host={self.host!r}, port={self.port}, tls={self.tls}, "
                f"starttls={self.starttls}, username={self.username!r})")


def parse_smtp_url(url: str) -> SmtpServer:
    """Parse ``smtp://user:pass@host:587?starttls=1`` or ``smtps://...``; ValueError if bad."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(f"expected smtp://host:port or smtps://host:port, got scheme "
                         f"{parts.scheme or '(none)'!r}")
    try:
        port = parts.port or SCHEMES[parts.scheme]
    except ValueError as error:
        raise ValueError(f"the port is not a number from 1 to 65535 ({error})") from None
    if not parts.hostname:
        raise ValueError("no host: write smtp://host:port")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError("an SMTP URL has no path or fragment; options go after '?'")
    options = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = set(options) - OPTIONS
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(sorted(OPTIONS))}")
    starttls = _flag(options.get("starttls", ["0"])[-1], "starttls")
    if starttls and parts.scheme == "smtps":
        raise ValueError("starttls is for smtp://; smtps:// is TLS from the start")
    timeout = 30.0
    if "timeout" in options:
        try:
            timeout = float(options["timeout"][-1])
        except ValueError:
            raise ValueError("timeout must be a number of seconds") from None
        if timeout <= 0:
            raise ValueError("timeout must be more than 0 seconds")
    if parts.password is not None and not parts.username:
        raise ValueError("a password needs a user name: smtp://user:pass@host")
    if parts.username and parts.scheme == "smtp" and not starttls \
            and not _loopback(parts.hostname):
        raise ValueError("a user name and password would cross the network in clear: "
                         "use smtps:// or add ?starttls=1")
    return SmtpServer(host=parts.hostname, port=port, tls=parts.scheme == "smtps",
                      starttls=starttls, username=unquote(parts.username or ""),
                      password=unquote(parts.password or ""), timeout=timeout)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValueError(f"{name} must be 1 or 0, got {value!r}")


def parse_base_url(url: str) -> str:
    """Check ``https://host[/prefix]`` and return it without a trailing slash."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected an absolute http(s) URL like https://archboard.example.com, "
                         f"got {url!r}")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError("give only the scheme, host and an optional path prefix")
    return url.rstrip("/")
