"""Exception types a user can catch. Messages say what was wrong and what to change, never a secret."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


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

    def __init__(
        self, status: int, method: str, path: str, message: str, *, hint: str = "", required_scope: str | None = None
    ) -> None:
        self.required_scope = required_scope
        super().__init__(status, method, path, message, hint=hint)


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


class ExportError(BigCommerceError):
    """The export's arguments cannot work (unknown resource, empty window, bad compression); nothing was written.

    ``code`` names the problem when the caller set one, and ``facts`` carry its figures, for the edges' words.
    """

    def __init__(self, message: str = "", *, code: str | None = None, **facts: Any) -> None:
        self.code = code
        self.facts = facts
        super().__init__(message or f"export {code}: {facts}")


class QuotaLedgerError(BigCommerceError):
    """The quota ledger's folder or file is not this user's alone to write, so this process does not use it.

    ``code`` says what was wrong (one of ``CODES``), ``path`` the folder or file concerned. The process then paces
    the store on its own figures (``quota_ledger``): a ledger others can rewrite could stall every request.
    """

    CODES = frozenset(
        (
            "folder_is_symlink",  # the folder is a symbolic link (pruning would follow it into another folder)
            "not_a_folder",  # something else stands at the folder's path
            "folder_of_another_user",  # the folder belongs to a user other than this one and root
            "folder_open_to_all",  # world-writable without the sticky bit
            "ledger_of_another_user",  # the ledger file belongs to another user
            "ledger_not_regular",  # the ledger is a FIFO, a device, a folder
            "ledger_linked",  # the ledger has other hard links: it is also a file elsewhere
        )
    )

    def __init__(self, code: str, path: str, message: str) -> None:
        if code not in self.CODES:
            raise ValueError(f"QuotaLedgerError: unknown code {code!r}")
        self.code = code
        self.path = path
        super().__init__(message)


class SignedPayloadError(BigCommerceError):
    """A ``signed_payload_jwt`` from a BigCommerce callback failed verification."""


class PagingError(BigCommerceError):
    """A list walk could not prove it read every record exactly once; nothing was returned as complete.

    ``code`` says what went wrong (``PagingError.CODES``) and ``reason`` what was seen (``REASONS[code]``), with
    its ``facts`` (a value, a page number, how many passes); ``path`` is the list; ``expected`` the API's own count
    for the same filter (None when the list has none) and ``read`` how many distinct records the walk got. The
    CLI and the hook put them in words (``cli.problems.paging_problem``).
    """

    REASONS: dict[str, frozenset[str]] = {
        "count_mismatch": frozenset({"short_after_passes"}),
        "list_unstable": frozenset({"moved_under_position_reads", "grew_past_ceiling", "pages_past_ceiling"}),
        "bad_meta": frozenset(
            {"object_for_list", "not_whole_number", "no_count", "bound_not_whole", "breakdown_malformed"}
        ),
        "bad_record": frozenset({"id_not_whole", "parent_id_not_whole", "consignments_malformed", "date_not_readable"}),
        "page_repeated": frozenset({"ids_out_of_order", "ids_above_max", "same_page_twice", "page_repeats_previous"}),
        "cursor_cycle": frozenset({"cursor_seen_before"}),
    }
    CODES = frozenset(REASONS)

    def __init__(
        self, code: str, path: str, reason: str, *, expected: int | None = None, read: int | None = None, **facts: Any
    ) -> None:
        if reason not in self.REASONS.get(code, ()):
            raise ValueError(f"PagingError: {reason!r} is not a reason of code {code!r}")
        self.code = code
        self.path = path
        self.reason = reason
        self.expected = expected
        self.read = read
        self.facts = facts
        figures = [f"{name}={value!r}" for name, value in facts.items()]
        if expected is not None:
            figures += [f"expected={expected}", f"read={read}"]
        super().__init__(f"Reading {path} failed ({code}: {reason}{''.join(', ' + f for f in figures)})")
