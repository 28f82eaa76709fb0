"""Exception classes (defined by the C binding, listed here for import convenience).

LightError ⊃ APIError (status, body, request_id, headers) ⊃ BadRequestError 400,
AuthenticationError 401, PermissionDeniedError 403, NotFoundError 404,
ConflictError 409, UnprocessableEntityError 422, RateLimitError 429,
InternalServerError ≥500, APIResponseValidationError (2xx that is not the JSON
expected); APIConnectionError ⊃ APITimeoutError; SignatureVerificationError (reason).
Argument mistakes raise TypeError / ValueError before any I/O.
An APIError's ``last_response`` (status_code, headers, request_id) is the
response that failed, as on every result.
"""
from __future__ import annotations

from ._light import (  # noqa: F401
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    LightError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SignatureVerificationError,
    UnprocessableEntityError,
)

from ._object import LightResponse


def _last_response(self: APIError) -> LightResponse | None:
    """The HTTP response of the failed call (status_code, case-insensitive headers, request_id)."""
    if self.status is None:
        return None
    return LightResponse(self.status, self.headers or {}, self.request_id, self.retries or 0)


APIError.last_response = property(_last_response)  # type: ignore[attr-defined]

__all__ = [
    "LightError", "APIError", "BadRequestError", "AuthenticationError", "PermissionDeniedError", "NotFoundError",
    "ConflictError", "UnprocessableEntityError", "RateLimitError", "InternalServerError",
    "APIResponseValidationError", "APIConnectionError", "APITimeoutError", "SignatureVerificationError",
]
