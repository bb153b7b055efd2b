"""Exception types a user can catch. Messages say what was wrong and what to change, never a secret."""

from __future__ import annotations


class BigCommerceError(Exception):
    """Base of every error this provider raises on purpose."""


class PropertyError(BigCommerceError, ValueError):
    """A connection property is missing, unknown or malformed.

    ``property_name`` is the driver's name (``StoreId``); ``field_name`` the Airflow form field (``store_id``).
    """

    def __init__(self, property_name: str, field_name: str, problem: str, fix: str) -> None:
        self.property_name = property_name
        self.field_name = field_name
        super().__init__(f"{property_name} ({field_name}) {problem}. {fix}")


class BigCommerceApiError(BigCommerceError):
    """The API answered with an error status. Carries status, method, path and the body's message."""

    def __init__(self, status: int, method: str, path: str, message: str, *, hint: str = "") -> None:
        self.status = status
        self.method = method
        self.path = path
        self.api_message = message
        text = f"BigCommerce answered {status} to {method} {path}: {message}"
        super().__init__(f"{text.rstrip('. ')}. {hint}" if hint else text)


class BigCommerceAuthError(BigCommerceApiError):
    """401 (token missing, wrong or revoked) or 403 (token lacks a scope)."""


class BigCommerceRateLimitError(BigCommerceApiError):
    """429s kept coming after every allowed wait."""


class BigCommerceTransportError(BigCommerceError):
    """The connection failed or timed out on every allowed attempt."""


class OAuthError(BigCommerceError):
    """The OAuth token endpoint or authorization flow failed.

    ``field_name`` names the part of the token endpoint's answer that was unusable (``expires_in``), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        error_code: str | None = None,
        status: int | None = None,
        field_name: str | None = None,
    ) -> None:
        self.error_code = error_code
        self.status = status
        self.field_name = field_name
        super().__init__(message)


class AuthorizationRequiredError(OAuthError):
    """No usable token is saved and this mode may not obtain one; the message says the exact next step."""


class SettingsStoreError(BigCommerceError):
    """The OAuth settings location cannot be read, decrypted, trusted or written. It was left unchanged.

    ``location`` is the file concerned and ``code`` says what was wrong (e.g. ``empty_file``), when known.
    """

    def __init__(self, message: str, *, location: str | None = None, code: str | None = None) -> None:
        self.location = location
        self.code = code
        super().__init__(message)


class SignedPayloadError(BigCommerceError):
    """A ``signed_payload_jwt`` from a BigCommerce callback failed verification."""
