"""Exception classes (defined by the C binding, listed here for import convenience).

LightError ⊃ APIError (status, body, request_id, headers) ⊃ BadRequestError 400,
AuthenticationError 401, PermissionDeniedError 403, NotFoundError 404,
ConflictError 409, UnprocessableEntityError 422, RateLimitError 429,
InternalServerError ≥500, APIResponseValidationError (2xx that is not the JSON
expected); APIConnectionError ⊃ APITimeoutError; SignatureVerificationError (reason).
Argument mistakes raise TypeError / ValueError before any I/O.
"""
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

__all__ = [
    "LightError", "APIError", "BadRequestError", "AuthenticationError", "PermissionDeniedError", "NotFoundError",
    "ConflictError", "UnprocessableEntityError", "RateLimitError", "InternalServerError",
    "APIResponseValidationError", "APIConnectionError", "APITimeoutError", "SignatureVerificationError",
]
