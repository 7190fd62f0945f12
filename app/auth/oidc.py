"""The OpenID Connect client: sending a person to the provider and checking what comes back.

Authlib does the protocol: the code flow with PKCE (S256), a random ``state``
and ``nonce`` kept in the signed session cookie, the token exchange, and the ID
token's signature (the provider's published keys), issuer, audience, nonce and
expiry. Everything that can go wrong on the way becomes ``ProviderError``,
with words for the person and a reason for the log.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, Response, current_app
from joserfc.errors import JoseError

SCOPES = "openid email profile"
# How long one call to the provider (discovery, keys, token) may take.
TIMEOUT_SECONDS = 10
EXTENSION = "archboard.oidc"

_registering = threading.Lock()


class ProviderError(Exception):
    """A sign-in that could not finish: ``message`` for the person, ``reason`` for the log."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(reason)
        self.message = message
        self.reason = reason


UNREACHABLE = ("Your identity provider could not be reached, so you are not signed in. "
               "Try again in a moment, or sign in with your password.")


def init_app(app: Flask) -> None:
    """Give the app its Authlib registry (clients are made on first use, from the settings)."""
    app.extensions[EXTENSION] = OAuth(app)


def _client() -> Any:
    config = current_app.config
    settings = (config["OIDC_ISSUER"], config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"])
    # One client per provider configuration, named by it: the state Authlib
    # keeps in the session carries the name, so a changed configuration never
    # finishes a sign-in another one started.
    name = "sso_" + hashlib.sha256("\0".join(settings).encode()).hexdigest()[:16]
    oauth: OAuth = current_app.extensions[EXTENSION]
    with _registering:
        client = oauth.create_client(name)
        if client is None:
            issuer, client_id, client_secret = settings
            client = oauth.register(
                name,
                client_id=client_id,
                client_secret=client_secret,
                server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
                client_kwargs={"scope": SCOPES, "code_challenge_method": "S256",
                               "default_timeout": TIMEOUT_SECONDS},
            )
    return client


def start(redirect_uri: str) -> Response:
    """The redirect to the provider's sign-in page, with fresh state, nonce and PKCE verifier."""
    try:
        return _client().authorize_redirect(redirect_uri)
    except (requests.RequestException, ValueError) as error:
        raise ProviderError(UNREACHABLE, reason=f"discovery failed: {error}") from error


def finish() -> tuple[str, dict[str, Any]]:
    """The issuer and claims of the ID token the provider's answer leads to, once checked."""
    try:
        token = _client().authorize_access_token()
    except MismatchingStateError as error:
        raise ProviderError(
            "That sign-in was not started from this browser, or it expired. Start again.",
            reason="state missing or not this session's") from error
    except OAuthError as error:
        if error.error == "access_denied":
            raise ProviderError("Sign-in was cancelled at your identity provider.",
                                reason="provider answered access_denied") from error
        raise ProviderError("Your identity provider refused the sign-in.",
                            reason=f"provider error {error.error}: {error.description}",
                            ) from error
    except requests.RequestException as error:
        raise ProviderError(UNREACHABLE, reason=f"token exchange failed: {error}") from error
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        raise ProviderError("Your identity provider's answer could not be checked, so you "
                            "are not signed in.",
                            reason=f"ID token rejected: {error!r}") from error
    claims = token.get("userinfo")
    if not claims:
        raise ProviderError("Your identity provider's answer could not be checked, so you "
                            "are not signed in.", reason="no ID token in the token response")
    return str(claims["iss"]), dict(claims)
