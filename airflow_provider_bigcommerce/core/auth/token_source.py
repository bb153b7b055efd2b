"""Where the REST client gets its token from, and what it does when the API rejects one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

SecretSink = Callable[[str], None]
"""Called with every secret the moment it is read (the Airflow layer passes ``mask_secret``)."""


class TokenSource(Protocol):
    def access_token(self) -> str:
        """A token to send as ``X-Auth-Token`` now. Cheap in steady state: called once per request."""

    def token_rejected(self, token: str) -> str | None:
        """The API answered 401 to ``token``: return a different token worth one retry, or None."""


class StaticTokenSource:
    """A token given as a property (PersonalAccessToken, or OAuth with InitiateOAuth=OFF)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def access_token(self) -> str:
        return self._token

    def token_rejected(self, token: str) -> str | None:
        return None
