"""Exception types a user can catch. Messages say what was wrong and what to change, never a secret."""

from __future__ import annotations

from enum import StrEnum


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
    """401 (token missing, wrong or revoked) or 403 (token lacks a scope; ``required_scope`` names it when known)."""

    def __init__(self, *args: object, required_scope: str | None = None, **kwargs: str) -> None:
        self.required_scope = required_scope
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class BigCommerceRateLimitError(BigCommerceApiError):
    """429s kept coming after every allowed wait."""


class BigCommerceTransportError(BigCommerceError):
    """The connection failed or timed out on every allowed attempt.

    ``cause`` names the last failure (``ReadTimeout``, ``ConnectionError``, ``AnswerTooSlow`` for an answer that
    kept trickling past its deadline, ``AnswerTooLarge``); ``attempts`` counts the attempts that failed so.
    """

    def __init__(self, message: str, *, method: str = "", path: str = "", cause: str = "", attempts: int = 0) -> None:
        self.method = method
        self.path = path
        self.cause = cause
        self.attempts = attempts
        super().__init__(message)


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


class NextStep(StrEnum):
    """What a person must do before a token can be had; the CLI and the hook turn it into commands."""

    AUTHORIZE = "authorize"  # approve the app in a browser (again) and exchange the code
    EXCHANGE_VERIFIER = "exchange_verifier"  # OAuthVerifier is set but only a writing run exchanges it
    IMPORT_SETTINGS = "import_settings"  # authorize where a browser is, then bring the settings to settings_location
    ADD_SCOPE = "add_scope"  # grant the missing scope to the app and in Scope, then authorize again


class AuthorizationRequiredError(OAuthError):
    """No usable token is saved and this process may not obtain one: a person has to act.

    ``code`` says why (one of ``CODES``), ``next_step`` what to do, ``property_name`` the property concerned,
    ``store_id`` and ``settings_location`` where. The message states the facts; the edges add the commands.
    """

    CODES = frozenset(
        (
            "nothing_saved",  # the settings location holds no token for this store
            "token_expired",  # the saved token expired and cannot be refreshed
            "verifier_pending",  # OAuthVerifier is set, and a read-only caller may not exchange it
            "verifier_used",  # this OAuthVerifier was tried before; a code works once
            "verifier_rejected",  # the token endpoint refused OAuthVerifier (invalid_grant)
            "refresh_rejected",  # the token endpoint refused the saved refresh token
            "token_revoked",  # the API answered 401 to the saved token
            "scope_missing",  # the API answered 403: the token lacks a scope
        )
    )

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        next_step: NextStep = NextStep.AUTHORIZE,
        property_name: str | None = None,
        store_id: str | None = None,
        settings_location: str | None = None,
        error_code: str | None = None,
        status: int | None = None,
    ) -> None:
        self.code = code
        self.next_step = NextStep(next_step)
        self.property_name = property_name
        self.store_id = store_id
        self.settings_location = settings_location
        super().__init__(message, error_code=error_code, status=status)


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


class PagingError(BigCommerceError):
    """A list walk could not prove it read every record exactly once; nothing was returned as complete.

    ``code`` says what went wrong (``PagingError.CODES``); ``path`` the list; ``expected`` the API's own count
    for the same filter (None when the list has none) and ``read`` how many distinct records the walk got.
    """

    CODES = frozenset(("count_mismatch", "page_repeated", "cursor_cycle", "list_unstable", "bad_meta", "bad_record"))

    def __init__(
        self, code: str, path: str, detail: str, *, expected: int | None = None, read: int | None = None
    ) -> None:
        self.code = code
        self.path = path
        self.expected = expected
        self.read = read
        self.detail = detail
        figures = f" (expected {expected}, read {read})" if expected is not None and read is not None else ""
        super().__init__(f"Reading {path} failed ({code}): {detail}{figures}.")
