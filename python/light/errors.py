"""Exception classes, built by the C binding from the core's error kinds
(names, parents, docs: ``light_error_kind_*``) — no list of kinds here.

LightError ⊃ APIError (status, body, request_id, headers) ⊃ BadRequestError 400,
AuthenticationError 401, PermissionDeniedError 403, NotFoundError 404,
ConflictError 409, UnprocessableEntityError 422, RateLimitError 429,
InternalServerError ≥500, APIResponseValidationError (2xx that is not the JSON
expected, or a validly signed webhook body that is no event envelope);
APIConnectionError ⊃ APITimeoutError; SignatureVerificationError (reason).
Argument mistakes raise TypeError / ValueError before any I/O.
An APIError's ``last_response`` (status_code, headers, request_id) is the
response that failed, as on every result.
"""
from ._light import error_classes as _error_classes
from ._object import LightResponse

_CLASSES = _error_classes()
globals().update(_CLASSES)


def _last_response(self):
    """The HTTP response of the failed call (status_code, case-insensitive headers, request_id)."""
    if self.status is None:
        return None
    return LightResponse(self.status, self.headers or {}, self.request_id, self.retries or 0)


_CLASSES["APIError"].last_response = property(_last_response)  # type: ignore[attr-defined]

__all__ = sorted(_CLASSES, key=lambda n: (len(_CLASSES[n].__mro__), n))
