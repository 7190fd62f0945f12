"""A real SMTP server (aiosmtpd) on a free loopback port, keeping what it receives;
plain, STARTTLS or TLS from the first byte, with an optional user name and password."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    tls: bool = False   # the message came over an encrypted connection
    login: str = ""     # the user name the client signed in with, if any

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        """The text, with the wire's CRLF line ends read as newlines."""
        return self.message.get_content().replace("\r\n", "\n")


@dataclass
class Collector:
    """The server's handler: keeps each message, or refuses the next ``refuse`` ones."""

    messages: list[Received] = field(default_factory=list)
    refuse: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 4.3.0 Try again later"
            parsed = message_from_bytes(envelope.content, policy=policy.default)
            login = session.auth_data.login.decode() if session.auth_data else ""
            encrypted = server.transport.get_extra_info("ssl_object") is not None
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed,
                                          tls=encrypted, login=login))
        return "250 OK"


@dataclass(frozen=True)
class Account:
    """The one user name and password the server accepts (over TLS only)."""

    user: str
    password: str

    def __call__(self, _server, _session, _envelope, mechanism, data) -> AuthResult:
        if isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) \
                == (self.user, self.password):
            return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)


class SmtpServer:
    """``starttls`` or ``tls``: an SSLContext holding the server's certificate; ``account``:
    the one sign-in it accepts, offered only once the connection is encrypted."""

    def __init__(self, *, starttls: ssl.SSLContext | None = None,
                 tls: ssl.SSLContext | None = None, account: Account | None = None) -> None:
        self.handler = Collector()
        self.port = _free_port()
        options = {}
        if starttls is not None:
            options.update(tls_context=starttls, require_starttls=True)
        if account is not None:
            # aiosmtpd knows only STARTTLS as encryption: over TLS from the first byte it
            # must be told to offer AUTH, and then it would warn that AUTH is required, so
            # there the sign-in is offered, not required (Received.login shows it was used).
            options.update(authenticator=account, auth_required=tls is None,
                           auth_require_tls=tls is None)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     ssl_context=tls, **options)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?timeout=10"

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def refuse_next(self, count: int = 1) -> None:
        """Answer the next ``count`` messages with a temporary failure (451)."""
        self.handler.refuse = count

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """Wait until ``count`` messages have arrived; return them all."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} email(s), got {len(self.messages)}")
            time.sleep(0.1)
        return self.messages

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
