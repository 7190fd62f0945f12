"""A real OpenID Connect provider for tests (oidc-provider-mock), on a free loopback port.

It publishes discovery and its signing keys, signs ID tokens, and shows a
sign-in form where a person types who they are (the ``sub``); ``set_user``
decides the claims that person's ID token carries. It trusts any client id
and secret, so Archboard is configured against it with made-up ones.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

with warnings.catch_warnings():
    # The provider imports Authlib's older JOSE module, which warns on import.
    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.deprecate import AuthlibDeprecationWarning

    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    import oidc_provider_mock

CLIENT_ID = "archboard-tests"
CLIENT_SECRET = "archboard-tests-secret"  # noqa: S105 - the provider accepts any
_subjects = itertools.count(1)


@dataclass(frozen=True)
class Provider:
    """The running provider: its issuer URL, and the people it knows."""

    issuer: str

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """The Archboard settings that point at this provider."""
        return {"OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
                "OIDC_CLIENT_SECRET": CLIENT_SECRET, **overrides}

    def set_user(self, sub: str, **claims: Any) -> str:
        """Make the provider's next ID tokens for ``sub`` carry ``claims``; returns ``sub``."""
        response = requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10)
        response.raise_for_status()
        return sub

    def new_user(self, **claims: Any) -> str:
        """A person the provider has never seen, with ``claims``; returns their subject."""
        return self.set_user(f"subject-{next(_subjects)}", **claims)


@contextmanager
def run_provider() -> Iterator[Provider]:
    """Serve the provider on a free port of localhost until the block ends."""
    with oidc_provider_mock.run_server_in_thread(port=0) as server:
        # Its issuer is the host it is asked by, so every URL uses this one.
        yield Provider(issuer=f"http://localhost:{server.server_port}")
