"""Exception classes, built by the C binding from the core's error kinds
(names, parents, docs: ``light_error_kind_*``) — no list of kinds here.

LightError ⊃ APIError (status, body, request_id, headers) ⊃ BadRequestError 400,
AuthenticationError 401, PermissionDeniedError 403, NotFoundError 404,
ConflictError 409, UnprocessableEntityError 422, RateLimitError 429,
InternalServerError ≥500, APIResponseValidationError (2xx that is not the JSON
expected, or a validly signed webhook body that is no event envelope);
APIConnectionError ⊃ APITimeoutError; SignatureVerificationError (reason).
Argument mistakes raise TypeError / ValueError before any I/O.
"""
from ._light import error_classes as _error_classes

_CLASSES = _error_classes()
globals().update(_CLASSES)

__all__ = sorted(_CLASSES, key=lambda n: (len(_CLASSES[n].__mro__), n))
