"""Handing one email to an SMTP server (smtplib), over TLS or STARTTLS when asked."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from app.mail.settings import SmtpServer


def build_message(sender: str, recipient: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message with the headers every mail server expects."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message.set_content(body)
    return message


def send(server: SmtpServer, message: EmailMessage) -> None:
    """Deliver ``message``; raises smtplib.SMTPException or OSError when the server refuses."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if server.tls:
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout,
                                  context=context)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
    with client:
        if server.starttls:
            client.starttls(context=context)
        if server.username:
            client.login(server.username, server.password)
        client.send_message(message)
