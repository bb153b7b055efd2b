"""Connection properties under the commercial driver's names, validated once.

Every property has two spellings: the driver's (``OAuthAccessToken``, see docs/properties.md) and the
Airflow form field's snake_case (``oauth_access_token``). Both are accepted case-insensitively, from a mapping
(a connection's extras) or from a ``Key=Value;Key=Value`` connection string.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_bigcommerce.core.errors import PropertyError
from airflow_provider_bigcommerce.core.http.rate_limit import DEFAULT_RESERVE

DEFAULT_API_URL = "https://api.bigcommerce.com"
DEFAULT_LOGIN_URL = "https://login.bigcommerce.com"
DEFAULT_CALLBACK_URL = "http://localhost:33333"
API_ACCOUNTS_MENU = "Settings > Store-level API accounts"
"""Where the control panel creates store-level API accounts (docs/bigcommerce.md "Authentication"); every
message and docs/connection.md name it so."""
DEFAULT_SCOPE = "store_v2_orders store_v2_customers store_v2_products store_v2_information"
DEFAULT_TIMEOUT_S = 30.0
# How long after a window's end its records are taken as committed (docs/properties.md "SettleSeconds" says why 300).
DEFAULT_SETTLE_S = 300.0
MAX_SETTLE_S = 3600.0
SETTINGS_FILE_NAME = "OAuthSettings.txt"


class AuthScheme(StrEnum):
    PERSONAL_ACCESS_TOKEN = "PersonalAccessToken"
    OAUTH = "OAuth"


class InitiateOAuth(StrEnum):
    OFF = "OFF"
    GETANDREFRESH = "GETANDREFRESH"
    REFRESH = "REFRESH"


# driver name -> dataclass field name (also the Airflow form field). Order is the documentation order.
DRIVER_NAMES: dict[str, str] = {
    "AuthScheme": "auth_scheme",
    "StoreId": "store_id",
    "OAuthAccessToken": "oauth_access_token",
    "OAuthClientId": "oauth_client_id",
    "OAuthClientSecret": "oauth_client_secret",
    "CallbackURL": "callback_url",
    "Scope": "scope",
    "InitiateOAuth": "initiate_oauth",
    "OAuthVerifier": "oauth_verifier",
    "OAuthSettingsLocation": "oauth_settings_location",
    "OAuthSettingsPassphrase": "oauth_settings_passphrase",
    "OAuthRefreshToken": "oauth_refresh_token",
    "OAuthExpiresIn": "oauth_expires_in",
    "OAuthTokenTimestamp": "oauth_token_timestamp",
    "LoginURL": "login_url",
    "URL": "api_url",
    "Timeout": "timeout",
    "Reserve": "reserve",
    "SettleSeconds": "settle_seconds",
}
FIELD_TO_DRIVER = {snake: driver for driver, snake in DRIVER_NAMES.items()}
NUMBER_FIELDS = frozenset({"oauth_expires_in", "oauth_token_timestamp", "timeout", "reserve", "settle_seconds"})
MAX_RESERVE = 0.9
SECRET_FIELDS = frozenset(
    {
        "oauth_access_token",
        "oauth_client_secret",
        "oauth_verifier",
        "oauth_settings_passphrase",
        "oauth_refresh_token",
    }
)


def _lookup_key(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


# Both spellings fold to the same key: "OAuthAccessToken" and "oauth_access_token" -> "oauthaccesstoken".
_BY_LOOKUP_KEY = {_lookup_key(driver): snake for driver, snake in DRIVER_NAMES.items()}
_BY_LOOKUP_KEY.update({_lookup_key(snake): snake for snake in DRIVER_NAMES.values()})
_BY_LOOKUP_KEY["host"] = "api_url"  # Airflow's standard host field carries the API base URL
_BY_LOOKUP_KEY["baseurl"] = "api_url"


def canonical_name(key: str) -> str | None:
    """The field a property key means, in any accepted spelling (``OAuthAccessToken``, ``host``, ...), or None."""
    return _BY_LOOKUP_KEY.get(_lookup_key(key))


def _error(field_name: str, problem: str, fix: str) -> PropertyError:
    return PropertyError(FIELD_TO_DRIVER[field_name], field_name, problem, fix)


@dataclass(frozen=True)
class ConnectionProperties:
    """The validated properties of one BigCommerce connection. Build with :meth:`from_mapping`."""

    store_id: str
    auth_scheme: AuthScheme = AuthScheme.PERSONAL_ACCESS_TOKEN
    oauth_access_token: str | None = field(default=None, repr=False)
    oauth_client_id: str | None = None
    oauth_client_secret: str | None = field(default=None, repr=False)
    callback_url: str = DEFAULT_CALLBACK_URL
    scope: str = DEFAULT_SCOPE
    initiate_oauth: InitiateOAuth = InitiateOAuth.OFF
    oauth_verifier: str | None = field(default=None, repr=False)
    oauth_settings_location: str | None = None
    oauth_settings_passphrase: str | None = field(default=None, repr=False)
    oauth_refresh_token: str | None = field(default=None, repr=False)
    oauth_expires_in: int | None = None
    oauth_token_timestamp: int | None = None
    login_url: str = DEFAULT_LOGIN_URL
    api_url: str = DEFAULT_API_URL
    timeout: float = DEFAULT_TIMEOUT_S
    reserve: float = DEFAULT_RESERVE  # share of the store's quota left for its other apps (rate_limit.py)
    settle_seconds: float = DEFAULT_SETTLE_S  # a window is read only this long after its end (core.windows)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ConnectionProperties:
        """Build from any mix of driver names and snake_case names, case-insensitively; validate once."""
        fields: dict[str, Any] = {}
        for key, value in values.items():
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            name = canonical_name(str(key))
            if name is None:
                known = ", ".join(DRIVER_NAMES)
                raise PropertyError(
                    str(key), str(key), "is not a BigCommerce connection property", f"Use one of: {known}."
                )
            if name in fields and fields[name] != value:
                raise _error(name, "is given twice with different values", "Keep one spelling of it.")
            fields[name] = value.strip() if isinstance(value, str) else value
        return cls._validated(fields)

    @classmethod
    def from_connection_string(cls, text: str) -> ConnectionProperties:
        """Parse ``AuthScheme=OAuth;StoreId=abc;...`` (values may be quoted with ' or ")."""
        return cls.from_mapping(parse_connection_string(text))

    def replace(self, **changes: Any) -> ConnectionProperties:
        """A copy with some properties changed, validated again."""
        merged = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        merged.update(changes)
        return self._validated({k: v for k, v in merged.items() if v is not None})

    @property
    def settings_location(self) -> str | None:
        """Where OAuth state persists; a folder gets the driver's default file name appended."""
        location = self.oauth_settings_location
        if location and not location.startswith("memory://") and location.endswith(("/", "\\")):
            return location + SETTINGS_FILE_NAME
        return location

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(self.scope.split())

    @property
    def context(self) -> str:
        """BigCommerce's ``context`` value for this store (``stores/{hash}``, docs/bigcommerce.md "App OAuth")."""
        return f"stores/{self.store_id}"

    @property
    def store_api_url(self) -> str:
        return f"{self.api_url}/stores/{self.store_id}"

    @classmethod
    def _validated(cls, fields: dict[str, Any]) -> ConnectionProperties:
        for name, value in fields.items():
            if name not in NUMBER_FIELDS:
                _check_text(name, value)
        if "oauth_access_token" in fields and not is_header_safe(fields["oauth_access_token"]):
            raise _error(
                "oauth_access_token",
                "has characters a token cannot have (it is sent as an HTTP header; not shown, as it is a secret)",
                "Paste the token again, exactly as BigCommerce showed it.",
            )
        store_id = fields.get("store_id")
        if not store_id:
            raise _error(
                "store_id",
                "is missing",
                "Set it to the store hash: the part between 'stores/' and '/v3' of the API path shown when the "
                "API account was created (https://api.bigcommerce.com/stores/{StoreId}/v3/).",
            )
        if not re.fullmatch(r"[A-Za-z0-9]+", str(store_id)):
            raise _error(
                "store_id",
                f"'{store_id}' is not a store hash",
                "Use only the hash (letters and digits), not the whole API path or the store's domain.",
            )
        fields["auth_scheme"] = _enum(
            AuthScheme, "auth_scheme", fields.get("auth_scheme", AuthScheme.PERSONAL_ACCESS_TOKEN)
        )
        fields["initiate_oauth"] = _enum(
            InitiateOAuth, "initiate_oauth", fields.get("initiate_oauth", InitiateOAuth.OFF)
        )
        for url_field in ("api_url", "login_url", "callback_url"):
            if url_field in fields:
                fields[url_field] = _url(url_field, str(fields[url_field]))
        for number_field in ("oauth_expires_in", "oauth_token_timestamp"):
            if number_field in fields:
                fields[number_field] = _integer(number_field, fields[number_field])
        if "timeout" in fields:
            fields["timeout"] = _timeout(fields["timeout"])
        if "reserve" in fields:
            fields["reserve"] = _reserve(fields["reserve"])
        if "settle_seconds" in fields:
            fields["settle_seconds"] = _settle_seconds(fields["settle_seconds"])
        if "scope" in fields:
            fields["scope"] = " ".join(str(fields["scope"]).replace(",", " ").split())
        properties = cls(**fields)
        properties._check_auth()
        return properties

    def _check_auth(self) -> None:
        if self.auth_scheme is AuthScheme.PERSONAL_ACCESS_TOKEN:
            self.require_access_token()
            return
        if self.initiate_oauth is InitiateOAuth.OFF:
            # A web app may hold only its credentials: it calls GetOAuthAuthorizationURL / GetOAuthAccessToken and
            # keeps the token itself (docs/properties.md "Web app"). API calls then need the token.
            if not self.oauth_access_token and not self.oauth_client_id:
                self.require_access_token()
            return
        # REFRESH with a saved settings file needs nothing else (docs/properties.md "Headless, option 2"); the app's
        # credentials are needed to run the browser flow or to exchange a verifier.
        if self.initiate_oauth is InitiateOAuth.GETANDREFRESH or self.oauth_verifier:
            self.require_app_credentials(f"AuthScheme=OAuth with InitiateOAuth={self.initiate_oauth}")
        if not self.oauth_settings_location:
            raise _error(
                "oauth_settings_location",
                f"is missing for InitiateOAuth={self.initiate_oauth}",
                "Set it to a file on storage every worker shares (e.g. /shared/bigcommerce/OAuthSettings.txt) "
                "or to memory://<id> for one process.",
            )

    def require_access_token(self) -> str:
        """The token given as a property (PersonalAccessToken, or OAuth with InitiateOAuth=OFF), or raise."""
        if self.oauth_access_token:
            return self.oauth_access_token
        if self.auth_scheme is AuthScheme.PERSONAL_ACCESS_TOKEN:
            raise _error(
                "oauth_access_token",
                "is missing for AuthScheme=PersonalAccessToken",
                "Paste the Access Token of the store-level API account (Settings > Store-level API accounts).",
            )
        raise _error(
            "oauth_access_token",
            "is missing for AuthScheme=OAuth with InitiateOAuth=OFF",
            "Give the app's access token (what GetOAuthAccessToken returned), or set InitiateOAuth to "
            "GETANDREFRESH or REFRESH to obtain and keep one in OAuthSettingsLocation.",
        )

    def require_app_credentials(self, purpose: str) -> None:
        """Raise unless the custom app's client id and secret are set; ``purpose`` says what needs them."""
        if not self.oauth_client_id:
            raise _error(
                "oauth_client_id",
                f"is missing for {purpose}",
                "Copy the Client ID of your custom app from the BigCommerce Developer Portal.",
            )
        if not self.oauth_client_secret:
            raise _error(
                "oauth_client_secret",
                f"is missing for {purpose}",
                "Copy the Client Secret of your custom app from the BigCommerce Developer Portal.",
            )


_PAIR = re.compile(r"\s*([^=;]+?)\s*=\s*(\"[^\"]*\"|'[^']*'|[^;]*)\s*(?:;|$)")


def parse_connection_string(text: str) -> dict[str, str]:
    """Split ``Key=Value;Key=Value`` into a dict; quoted values may contain ``;`` and ``=``.

    An unknown key right after an unquoted secret is most likely the secret's own rest (``Passphrase=a;b=c``
    meant ``a;b=c``): it is refused under the secret's name, and never quoted back.
    """
    pairs: dict[str, str] = {}
    unquoted_secret: str | None = None  # the field whose unquoted secret value the previous pair was
    for match in _PAIR.finditer(text):
        key, value = match.group(1), match.group(2).strip()
        name = canonical_name(key)
        if name is None and unquoted_secret is not None:
            raise _error(
                unquoted_secret,
                "is followed by text that is not a property (not shown: it is probably the rest of this secret, "
                "cut at a ';')",
                "Quote a value that holds ';' or '=': Key=\"value;with;semicolons\".",
            )
        quoted = len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'"
        if quoted:
            value = value[1:-1]
        unquoted_secret = name if name in SECRET_FIELDS and value and not quoted else None
        pairs[key] = value
    if _PAIR.sub("", text).strip(" ;"):
        # The stray text is not quoted back: it may be (part of) a secret, e.g. after an unbalanced quote.
        raise PropertyError(
            "connection string",
            "connection_string",
            "has a part that is not a Key=Value pair (not shown, as it may hold a secret)",
            "Write the connection string as Key=Value;Key=Value, quoting values that contain ';' or '='.",
        )
    return pairs


def is_header_safe(text: str) -> bool:
    """Whether ``text`` can travel as an HTTP header value unchanged: visible ASCII only, as tokens are."""
    return bool(text) and all("!" <= char <= "~" for char in text)


def _check_text(field_name: str, value: Any) -> None:
    """Every property but the numbers is text; the value is never shown when it may be a secret."""
    if not isinstance(value, str):
        raise _error(
            field_name,
            f"is {_kind_of(value)}, not text",
            "Give it as a string (in JSON extras: in double quotes)"
            + ("; several scopes as one string separated by spaces." if field_name == "scope" else "."),
        )
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise _error(
            field_name,
            "contains a control character such as a line break (not shown)",
            "Copy the value again without line breaks or tabs.",
        )


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple | set):
        return "a list"
    if isinstance(value, Mapping):
        return "a JSON object"
    return f"a {type(value).__name__}"


def _enum(kind: type[StrEnum], field_name: str, value: Any) -> Any:
    for member in kind:
        if str(value).strip().lower() == member.value.lower():
            return member
    choices = ", ".join(member.value for member in kind)
    raise _error(field_name, f"'{value}' is not a known value", f"Use one of: {choices}.")


_URL_FORM = "Write it as https://host[:port][/path]."


def _url(field_name: str, value: str) -> str:
    # The value is not quoted back: a URL with user:password or a query may carry a secret.
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise _error(field_name, "is not a well-formed URL (host or port malformed)", _URL_FORM) from None
    if parts.scheme not in ("http", "https") or not host:
        raise _error(field_name, "is not an http(s) URL with a host", _URL_FORM)
    if "@" in parts.netloc:
        raise _error(
            field_name, "contains user:password (not shown)", "Remove it: credentials go in their own properties."
        )
    if field_name == "callback_url":
        return value
    if parts.query or parts.fragment:
        raise _error(field_name, "has a query string or fragment (not shown)", "Give only the base URL. " + _URL_FORM)
    if parts.scheme == "http" and not _is_loopback(host):
        raise _error(
            field_name,
            f"uses http:// for the host {host}, which would send credentials unencrypted",
            "Use https://; plain http is accepted only for loopback (localhost, 127.0.0.0/8, ::1), e.g. a local "
            "lookalike.",
        )
    return value.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_MAX_WHOLE_NUMBER = 2**53  # epoch milliseconds and lifetimes stay far below; larger is a typo or garbage


def _integer(field_name: str, value: Any) -> int:
    number = parse_number(value)
    if not (math.isfinite(number) and number == int(number) and abs(number) <= _MAX_WHOLE_NUMBER):
        raise _error(field_name, f"'{value}' is not a whole number", "Leave it empty or give an integer.")
    return int(number)


def _timeout(value: Any) -> float:
    seconds = parse_number(value)
    if not 1 <= seconds <= 600:  # NaN fails every comparison
        raise _error("timeout", f"'{value}' is not a timeout in seconds", "Give a number of seconds between 1 and 600.")
    return seconds


def _reserve(value: Any) -> float:
    fraction = parse_number(value)
    if not 0 <= fraction <= MAX_RESERVE:  # NaN fails every comparison
        raise _error(
            "reserve",
            f"'{value}' is not a fraction of the quota between 0 and {MAX_RESERVE:g}",
            "Give the share of the store's quota to leave to its other apps, e.g. 0.1 (the default) or 0.25.",
        )
    return fraction


def _settle_seconds(value: Any) -> float:
    seconds = parse_number(value)
    if not 0 <= seconds <= MAX_SETTLE_S:  # NaN fails every comparison
        raise _error(
            "settle_seconds",
            f"'{value}' is not a number of seconds between 0 and {MAX_SETTLE_S:g}",
            f"Give how long after a window's end to wait before reading it, e.g. {DEFAULT_SETTLE_S:g} (the default); "
            "0 reads at once and can miss records written in a window's last moments.",
        )
    return seconds


def parse_number(value: Any) -> float:
    """``value`` (a number or its text) as a float; NaN for anything else, booleans included."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return math.nan
    try:
        return float(value)
    except (ValueError, OverflowError):
        return math.nan
