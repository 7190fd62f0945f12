"""Delivery over TLS to a real SMTP server: STARTTLS with a sign-in, TLS from the first byte,
and a server whose certificate this machine does not trust, which gets nothing."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.mail.settings import parse_smtp_url
from app.mail.transport import build_message, send
from tests.support.smtp import Account, SmtpServer

ACCOUNT = Account("archboard", "s3cret:with/odd@chars")
SENDER = "Archboard <noreply@archboard.test>"


def write_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid for a day, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def certificate(tmp_path) -> tuple[Path, ssl.SSLContext]:
    cert_path, key_path = write_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return cert_path, context


@pytest.fixture
def trusted(certificate, monkeypatch) -> ssl.SSLContext:
    """The server's certificate is one this process trusts (as an internal CA would be)."""
    cert_path, context = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    return context


def serve(scheme: str, context: ssl.SSLContext) -> SmtpServer:
    """A server that signs ACCOUNT in: STARTTLS, or TLS from the first byte (smtps)."""
    server = SmtpServer(**({"starttls": context} if scheme == "starttls" else {"tls": context}),
                        account=ACCOUNT)
    server.start()
    return server


def smtp_url(scheme: str, port: int) -> str:
    """SMTP_URL for ACCOUNT at ``port``; the password percent-encoded as the README says."""
    login = f"{ACCOUNT.user}:{quote(ACCOUNT.password, safe='')}@127.0.0.1:{port}"
    return (f"smtp://{login}?starttls=1&timeout=10" if scheme == "starttls"
            else f"smtps://{login}?timeout=10")


@pytest.mark.parametrize("scheme", ["starttls", "smtps"])
def test_a_trusted_server_gets_the_message_over_an_encrypted_signed_in_connection(
        trusted, scheme):
    server = serve(scheme, trusted)
    try:
        send(parse_smtp_url(smtp_url(scheme, server.port)),
             build_message(SENDER, "ann@example.com", "Hello", "Body."))
        (received,) = server.wait_for(1)
    finally:
        server.stop()
    assert received.tls and received.login == ACCOUNT.user
    assert received.recipients == ["ann@example.com"] and received.subject == "Hello"


@pytest.mark.parametrize("scheme", ["starttls", "smtps"])
def test_a_certificate_this_machine_does_not_trust_gets_nothing(certificate, scheme):
    _, context = certificate  # SSL_CERT_FILE is left alone: the system's CAs only
    server = serve(scheme, context)
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            send(parse_smtp_url(smtp_url(scheme, server.port)),
                 build_message(SENDER, "cy@example.com", "No", "Never."))
    finally:
        server.stop()
    assert server.messages == []
