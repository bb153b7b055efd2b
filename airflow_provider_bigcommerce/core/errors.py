"""Exception types a user can catch. Each carries a ``code`` from its type's declared ``CODES`` and the facts that go
with it; its ``str()`` is a short label of both, never a sentence and never a secret. The words for people, with
the fix to make, are written from code and facts at the edges (``messages/``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class BigCommerceError(Exception):
    """Base of every error this provider raises on purpose: ``code`` (one of ``CODES``) and its ``facts``."""

    CODES: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, code: str, **facts: Any) -> None:
        if code not in self.CODES:
            raise ValueError(f"{type(self).__name__}: unknown code {code!r}")
        self.code = code
        self.facts = facts
        super().__init__(code)

    def __str__(self) -> str:
        figures = ", ".join(f"{name}={value!r}" for name, value in self.facts.items() if value is not None)
        return f"{self.code} ({figures})" if figures else self.code


class PropertyError(BigCommerceError, ValueError):
    """A connection property is missing, unknown or malformed.

    ``property_name`` is the driver's name (``StoreId``); ``field_name`` the Airflow form field (``store_id``);
    ``code`` says what is wrong with it. Facts: ``value`` (never for a property that may hold a secret),
    ``needed_for`` (what needs a missing property, one of ``NEEDED_FOR``), ``choices``, ``low``/``high``, ``host``,
    ``kind``, ``port``/``url_port``, ``scheme``, ``initiate_oauth``.
    """

    CODES = frozenset(
        (
            "unknown_property",  # the key names no property
            "given_twice",  # two spellings with different values
            "missing",  # needed_for says what needs it
            "not_text",  # kind: boolean, number, list, object or a type name
            "control_character",  # a line break, a tab (the value is not shown)
            "not_header_safe",  # a token with characters an HTTP header cannot carry (not shown)
            "not_store_hash",  # value: not letters and digits
            "unknown_value",  # value, choices
            "url_malformed",  # host or port cannot be parsed
            "url_not_http",  # not http(s), or no host
            "url_has_credentials",  # user:password in the URL (not shown)
            "url_has_query",  # a query string or fragment (not shown)
            "url_plain_http",  # http:// to host, which is not loopback
            "not_whole_number",  # value
            "out_of_range",  # value outside low..high
            "secret_cut",  # an unquoted secret followed by text that is no property: its rest, cut at a ';'
            "not_key_value",  # a part of the connection string that is no Key=Value pair (not shown)
            "port_conflict",  # the URL's url_port differs from the connection's Port (port)
            "callback_not_loopback",  # value cannot receive the desktop flow's callback
            "not_oauth",  # auth_scheme / initiate_oauth do not allow what needed_for needs
            "no_memory_id",  # memory:// without an id
            "store_not_supported",  # an object store (scheme) without conditional writes wired here
            "no_object_key",  # s3:// without bucket and key
        )
    )
    NEEDED_FOR = frozenset(
        (
            "personal_access_token",  # AuthScheme=PersonalAccessToken calls the API with the given token
            "oauth_without_initiate",  # AuthScheme=OAuth with InitiateOAuth=OFF does too
            "initiate_oauth",  # InitiateOAuth=GETANDREFRESH/REFRESH (initiate_oauth names which)
            "browser_authorization",  # the desktop flow
            "verifier_exchange",  # exchanging OAuthVerifier
            "token_refresh",  # refreshing the token saved in OAuthSettingsLocation
            "access_token_procedure",  # GetOAuthAccessToken
            "authorization_url",  # GetOAuthAuthorizationURL
            "oauth_authorization",  # any other use of the app's credentials
            "oauth_token_source",  # a token kept in OAuthSettingsLocation
            "oauth_commands",  # the CLI's oauth commands
        )
    )

    def __init__(self, code: str, property_name: str, field_name: str, **facts: Any) -> None:
        if facts.get("needed_for") not in (None, *self.NEEDED_FOR):
            raise ValueError(f"PropertyError: unknown needed_for {facts['needed_for']!r}")
        super().__init__(code, **facts)
        self.property_name = property_name
        self.field_name = field_name

    def __str__(self) -> str:
        return f"{self.property_name} ({self.field_name}): {super().__str__()}"


class BigCommerceApiError(BigCommerceError):
    """The API answered with an error. Facts: ``status``, ``method``, ``path``, ``api_message`` (what the body said,
    the token removed); ``code`` says how the call ended (``CODES``), with ``attempts``/``reason`` or ``starts``."""

    CODES = frozenset(
        (
            "error_status",  # a final error answer
            "retries_exhausted",  # 5xx on every allowed attempt (attempts; reason of the last)
            "not_json",  # a success answer whose body is not JSON (starts: its first characters)
        )
    )

    def __init__(self, code: str, status: int, method: str, path: str, api_message: str, **facts: Any) -> None:
        super().__init__(code, status=status, method=method, path=path, api_message=api_message, **facts)
        self.status = status
        self.method = method
        self.path = path
        self.api_message = api_message


class BigCommerceAuthError(BigCommerceApiError):
    """401 (``token_rejected``: missing, wrong or revoked; facts ``store_id`` and ``auth_scheme``) or 403
    (``scope_missing``: ``required_scope`` names the scope when known)."""

    CODES = frozenset(("token_rejected", "scope_missing"))

    def __init__(self, code: str, status: int, method: str, path: str, api_message: str, **facts: Any) -> None:
        super().__init__(code, status, method, path, api_message, **facts)
        self.required_scope: str | None = facts.get("required_scope")


class BigCommerceRateLimitError(BigCommerceApiError):
    """429s kept coming after every allowed wait (``rate_limited``; ``waits`` counts them)."""

    CODES = frozenset(("rate_limited",))


class BigCommerceTransportError(BigCommerceError):
    """The connection failed or timed out, and the call ended without an answer.

    ``cause`` names the last failure (``ReadTimeout``, ``ConnectionError``, ``AnswerTooSlow`` for an answer that
    kept trickling past its deadline, ``AnswerTooLarge``, ``SlotWait``); ``attempts`` counts the attempts that
    failed so; ``detail`` is the library's own text, cut short.
    """

    CODES = frozenset(
        (
            "attempts_exhausted",  # every allowed attempt failed so
            "not_retried",  # the request may have been applied (a POST that timed out): not sent again
            "not_retryable",  # a failure no retry cures (an answer too large, a TLS or URL error)
            "no_slot",  # the endpoint's few simultaneous requests stayed taken past the longest call
        )
    )

    def __init__(
        self, code: str, *, method: str, path: str, cause: str, attempts: int = 1, detail: str | None = None
    ) -> None:
        super().__init__(code, method=method, path=path, cause=cause, attempts=attempts, detail=detail)
        self.method = method
        self.path = path
        self.cause = cause
        self.attempts = attempts


class OAuthError(BigCommerceError):
    """The OAuth token endpoint or authorization flow failed; ``code`` says how (``CODES``).

    ``error_code`` is the OAuth ``error`` the token endpoint or the callback gave (``invalid_grant``,
    ``access_denied``), ``status`` the HTTP status, ``field_name`` the part of the token endpoint's answer that was
    unusable; ``said`` is what the endpoint said, secrets removed.
    """

    CODES = frozenset(
        (
            "unreachable",  # url, cause: the token endpoint did not answer
            "redirect_refused",  # url, target: the token endpoint answered a redirect, not followed
            "redirect_uri_mismatch",  # callback_url: not the callback URL registered for the app
            "code_rejected",  # invalid_grant for an authorization code: used, expired or mistyped
            "refresh_rejected",  # invalid_grant for a refresh token
            "client_rejected",  # invalid_client, or 401: the app's id or secret
            "body_refused",  # 406: the request's body did not match its Content-Type
            "no_token",  # url: a success answer without an access_token
            "token_endpoint_failed",  # any other error answer
            "unusable_answer",  # url, field_name: a field of the answer is unusable (never quoted)
            "callback_timeout",  # callback_url, timeout_s: no callback came
            "state_mismatch",  # the callback's state is not this flow's
            "denied",  # error_code: the app was not approved in the browser
            "wrong_store",  # context, store_id: approved for another store
            "no_code",  # the callback carried no code
            "callback_port_unavailable",  # host, port, reason: CallbackURL's port cannot be listened on
        )
    )

    def __init__(
        self,
        code: str,
        *,
        error_code: str | None = None,
        status: int | None = None,
        field_name: str | None = None,
        **facts: Any,
    ) -> None:
        super().__init__(code, error_code=error_code, status=status, field_name=field_name, **facts)
        self.error_code = error_code
        self.status = status
        self.field_name = field_name


class NextStep(StrEnum):
    """What a person must do before a token can be had; the CLI and the hook turn it into commands."""

    AUTHORIZE = "authorize"  # approve the app in a browser (again) and exchange the code
    EXCHANGE_VERIFIER = "exchange_verifier"  # OAuthVerifier is set but only a writing run exchanges it
    IMPORT_SETTINGS = "import_settings"  # authorize where a browser is, then bring the settings to settings_location
    ADD_SCOPE = "add_scope"  # grant the missing scope to the app and in Scope, then authorize again


class AuthorizationRequiredError(OAuthError):
    """No usable token is saved and this process may not obtain one: a person has to act.

    ``code`` says why (one of ``CODES``), ``next_step`` what to do, ``property_name`` the property concerned,
    ``store_id`` and ``settings_location`` where. Other facts: ``expired_at`` and ``refreshable``
    (``token_expired``), ``verifier_result`` (``verifier_used``), ``said`` (what the token endpoint said),
    ``required_scope`` (``scope_missing``), ``read_only`` (a caller that never exchanges, refreshes or writes).
    The edges put the facts in words and add the commands.
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
        code: str,
        *,
        next_step: NextStep = NextStep.AUTHORIZE,
        property_name: str | None = None,
        store_id: str | None = None,
        settings_location: str | None = None,
        error_code: str | None = None,
        status: int | None = None,
        **facts: Any,
    ) -> None:
        super().__init__(
            code,
            error_code=error_code,
            status=status,
            store_id=store_id,
            settings_location=settings_location,
            **facts,
        )
        self.next_step = NextStep(next_step)
        self.property_name = property_name
        self.store_id = store_id
        self.settings_location = settings_location


class SettingsStoreError(BigCommerceError):
    """The OAuth settings location cannot be read, decrypted, trusted or written. It was left unchanged.

    ``location`` is the file or object concerned and ``code`` says what was wrong (``CODES``), with its facts: the
    key ``kind`` (``passphrase`` or ``key``) and where the keys ``configured`` here come from, the ``damage``, the
    ``saved`` store or client against the connection's, an OS error's ``action``, ``reason`` and ``errno``.
    """

    CODES = frozenset(
        (
            "no_key",  # no key is configured: the location can be neither read nor written
            "malformed_key",  # position, source: a configured key is not one
            "not_settings_file",  # not a file this provider wrote (no header)
            "damaged",  # damage: truncated, corrupt, altered or not_text
            "kdf_too_costly",  # n, r, p: scrypt parameters far above what this provider writes
            "key_missing",  # kind, configured: no key of the kind it was encrypted with is configured
            "wrong_key",  # kind, configured: encrypted with another key or passphrase
            "empty_file",  # 0 bytes: something truncated it
            "not_json",  # decrypts, but is not JSON
            "not_settings",  # decrypts, but holds no OAuth settings
            "newer_format",  # version: written by a newer version of this provider
            "other_store",  # saved, store_id: holds another store's settings
            "other_client",  # saved, client_id: holds another app's token
            "os_error",  # action, path, reason, errno, folder, folder_missing
            "location_is_symlink",  # path: became a symbolic link after it was resolved
            "not_regular_file",  # path: a FIFO, a device, a folder
            "lock_is_symlink",  # path: the .lock beside it is a symbolic link
            "lock_not_regular",  # path: the .lock beside it is not a regular file
            "unsafe_folder",  # folder: writable by every user, without the sticky bit
            "locks_unsupported",  # reason: the storage has no file locks
            "lock_timeout",  # waited_s, lock_path (a file) or lease_s (an object store's lease)
            "concurrent_write",  # another process changed the object since it was read
            "object_store_error",  # action, reason: an object store request failed
            "s3_unsupported",  # s3fs is not installed
        )
    )

    def __init__(self, code: str, *, location: str | None = None, **facts: Any) -> None:
        super().__init__(code, location=location, **facts)
        self.location = location


class ExportError(BigCommerceError):
    """The export's arguments cannot work (unknown resource, empty window, bad compression); nothing was written.

    ``code`` names the problem (``CODES``; the subclasses declare their own), ``facts`` carry its names and figures.
    """

    CODES = frozenset(
        (
            "unknown_resource",  # resource: not in the catalogue, and no path given
            "date_params_for_named",  # resource: date_modified_params given for a catalogue resource
            "path_not_versioned",  # path: does not start with v2/ or v3/
            "date_params_not_two",  # count: date_modified_params is not (minimum, maximum)
            "empty_window",  # resource, start: an incremental window that starts where it ends
            "no_interval",  # resource: read incrementally, but no window
            "no_deletions",  # resource: has no way to find deleted records
            "compression_unsupported",  # compression, choices
            "confirm_unset",  # a catalogue entry's Confirm names no way to read ids
            "initial_load_unknown",  # initial_load, choices (the export operator)
            "no_start_date",  # task_id: a first point-in-time run with nothing to begin from
            "later_runs_past_limit",  # limit, moment: too many successful runs after this one to step over
            "moment_not_iso",  # name, value: since/until is not an ISO 8601 timestamp
            "moment_naive",  # name, value: since/until has no time zone
            "half_window",  # given, missing: one of since/until without the other, where no run supplies it
            "unknown_format",  # file_format, choices
            "compression_with_parquet",  # compression: Parquet compresses inside
            "no_schema",  # resource: a list named by path has no declared schema (Parquet, a database load)
            "parquet_unavailable",  # pyarrow is not installed
            "parallel_tasks_out_of_range",  # value, low, high: a plan's tasks sharing the quota
        )
    )


class QuotaLedgerError(BigCommerceError):
    """The quota ledger's folder or file is not this user's alone to write, or could not be locked or written in
    time, so this process does not use it.

    ``code`` says what was wrong (one of ``CODES``), ``path`` the folder or file concerned, ``uid`` its owner;
    ``lock_timeout`` adds ``waited_s``, ``partly_written`` the bytes ``written`` of ``size``. The process then
    paces the store on its own figures (``quota_ledger``): a ledger others can rewrite could stall every request.
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
            "lock_timeout",  # other processes held the ledger's lock past waited_s
            "partly_written",  # a full disk or a file-size limit cut the write short
        )
    )

    def __init__(self, code: str, path: str, *, uid: int | None = None, **facts: float) -> None:
        super().__init__(code, path=path, uid=uid, **facts)
        self.path = path
        self.uid = uid


class SignedPayloadError(BigCommerceError):
    """A ``signed_payload_jwt`` from a BigCommerce callback failed verification; ``code`` says which check."""

    CODES = frozenset(
        (
            "not_jwt",  # not three dot-separated parts
            "part_not_base64",  # part: header, payload or signature
            "part_not_json",  # part: header or payload is not a JSON object
            "bad_algorithm",  # alg: not HS256
            "bad_signature",  # not signed with this app's client secret
            "wrong_audience",  # audience, client_id: meant for another app
            "no_expiry",  # no exp claim
            "expired",  # seconds_ago
            "not_yet_valid",  # claim (nbf or iat), seconds_ahead
            "claim_not_number",  # claim: a time claim that is not a number of seconds
        )
    )


class PagingError(BigCommerceError):
    """A list walk could not prove it read every record exactly once; nothing was returned as complete.

    ``code`` says what went wrong (``PagingError.CODES``) and ``reason`` what was seen (``REASONS[code]``), with
    its ``facts`` (a value, a page number, how many passes); ``path`` is the list; ``expected`` the API's own count
    for the same filter (None when the list has none) and ``read`` how many distinct records the walk got. The
    CLI and the hook put them in words (``messages.paging.paging_problem``).
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
        super().__init__(code, **facts)
        self.path = path
        self.reason = reason
        self.expected = expected
        self.read = read

    def __str__(self) -> str:
        figures = [f"{name}={value!r}" for name, value in self.facts.items()]
        if self.expected is not None:
            figures += [f"expected={self.expected}", f"read={self.read}"]
        return f"Reading {self.path} failed ({self.code}: {self.reason}{''.join(', ' + f for f in figures)})"
