"""Error bodies in the two dialects of the API (docs/bigcommerce.md "Errors").

v2 answers an array ``[{"status", "message", "details"?}]``; v3 an object ``{"status", "title", "type",
"errors"}``. Handlers raise ``ApiError`` without caring which; the gateway writes the dialect of the path.
"""

from __future__ import annotations

from bigcommerce_lookalike.json_template import encode

STATUS_CODES_URL = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
MISSING_SCOPE_TITLE = "You don't have a required scope to access the endpoint"


class ApiError(Exception):
    """An error answer of the store API."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: dict | None = None,
        details: dict | None = None,
        dialect: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or {}
        self.details = details
        self.dialect = dialect  # forces "v3" where the real service answers v3-shaped on v2 paths too

    def body(self, version: str) -> str:
        """The JSON body in the dialect of ``version`` (``"v2"`` or ``"v3"``)."""
        if (self.dialect or version) == "v2":
            entry: dict = {"status": self.status, "message": self.message}
            if self.details is not None:
                entry["details"] = self.details
            return encode([entry])
        return encode({"status": self.status, "title": self.message, "type": STATUS_CODES_URL, "errors": self.errors})


def not_found() -> ApiError:
    return ApiError(404, "The requested resource was not found.")


def missing_scope() -> ApiError:
    """403 with the documented body (docs/bigcommerce.md "Authentication"): v3-shaped on both versions."""
    return ApiError(403, MISSING_SCOPE_TITLE, dialect="v3")
