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
MIN_TIMEOUT_S = 1.0
MAX_TIMEOUT_S = 600.0
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


def _error(code: str, field_name: str, **facts: Any) -> PropertyError:
    return PropertyError(code, FIELD_TO_DRIVER[field_name], field_name, **facts)


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
                raise PropertyError("unknown_property", str(key), str(key))
            if name in fields and fields[name] != value:
                raise _error("given_twice", name)
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
            raise _error("not_header_safe", "oauth_access_token")
        store_id = fields.get("store_id")
        if not store_id:
            raise _error("missing", "store_id")
        if not re.fullmatch(r"[A-Za-z0-9]+", str(store_id)):
            raise _error("not_store_hash", "store_id", value=str(store_id))
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
            self.require_app_credentials("initiate_oauth")
        if not self.oauth_settings_location:
            raise _error(
                "missing",
                "oauth_settings_location",
                needed_for="initiate_oauth",
                initiate_oauth=self.initiate_oauth.value,
            )

    def require_access_token(self) -> str:
        """The token given as a property (PersonalAccessToken, or OAuth with InitiateOAuth=OFF), or raise."""
        if self.oauth_access_token:
            return self.oauth_access_token
        if self.auth_scheme is AuthScheme.PERSONAL_ACCESS_TOKEN:
            raise _error("missing", "oauth_access_token", needed_for="personal_access_token")
        raise _error("missing", "oauth_access_token", needed_for="oauth_without_initiate")

    def require_app_credentials(self, needed_for: str) -> None:
        """Raise unless the custom app's client id and secret are set; ``needed_for`` (``PropertyError.NEEDED_FOR``)
        says what needs them."""
        for field_name in ("oauth_client_id", "oauth_client_secret"):
            if not getattr(self, field_name):
                raise _error("missing", field_name, needed_for=needed_for, initiate_oauth=self.initiate_oauth.value)


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
            raise _error("secret_cut", unquoted_secret)
        quoted = len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'"
        if quoted:
            value = value[1:-1]
        unquoted_secret = name if name in SECRET_FIELDS and value and not quoted else None
        pairs[key] = value
    if _PAIR.sub("", text).strip(" ;"):
        # The stray text is not quoted back: it may be (part of) a secret, e.g. after an unbalanced quote.
        raise PropertyError("not_key_value", "connection string", "connection_string")
    return pairs


def is_header_safe(text: str) -> bool:
    """Whether ``text`` can travel as an HTTP header value unchanged: visible ASCII only, as tokens are."""
    return bool(text) and all("!" <= char <= "~" for char in text)


def _check_text(field_name: str, value: Any) -> None:
    """Every property but the numbers is text; the value is never shown when it may be a secret."""
    if not isinstance(value, str):
        raise _error("not_text", field_name, kind=_kind_of(value))
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise _error("control_character", field_name)


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list | tuple | set):
        return "list"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _enum(kind: type[StrEnum], field_name: str, value: Any) -> Any:
    for member in kind:
        if str(value).strip().lower() == member.value.lower():
            return member
    raise _error("unknown_value", field_name, value=str(value), choices=tuple(member.value for member in kind))


def _url(field_name: str, value: str) -> str:
    # The value is not quoted back: a URL with user:password or a query may carry a secret.
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise _error("url_malformed", field_name) from None
    if parts.scheme not in ("http", "https") or not host:
        raise _error("url_not_http", field_name)
    if "@" in parts.netloc:
        raise _error("url_has_credentials", field_name)
    if field_name == "callback_url":
        return value
    if parts.query or parts.fragment:
        raise _error("url_has_query", field_name)
    if parts.scheme == "http" and not _is_loopback(host):
        raise _error("url_plain_http", field_name, host=host)
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
        raise _error("not_whole_number", field_name, value=str(value))
    return int(number)


def _timeout(value: Any) -> float:
    seconds = parse_number(value)
    if not MIN_TIMEOUT_S <= seconds <= MAX_TIMEOUT_S:  # NaN fails every comparison
        raise _error("out_of_range", "timeout", value=str(value), low=MIN_TIMEOUT_S, high=MAX_TIMEOUT_S)
    return seconds


def _reserve(value: Any) -> float:
    fraction = parse_number(value)
    if not 0 <= fraction <= MAX_RESERVE:  # NaN fails every comparison
        raise _error("out_of_range", "reserve", value=str(value), low=0, high=MAX_RESERVE)
    return fraction


def _settle_seconds(value: Any) -> float:
    seconds = parse_number(value)
    if not 0 <= seconds <= MAX_SETTLE_S:  # NaN fails every comparison
        raise _error("out_of_range", "settle_seconds", value=str(value), low=0, high=MAX_SETTLE_S)
    return seconds


def parse_number(value: Any) -> float:
    """``value`` (a number or its text) as a float; NaN for anything else, booleans included."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return math.nan
    try:
        return float(value)
    except (ValueError, OverflowError):
        return math.nan
