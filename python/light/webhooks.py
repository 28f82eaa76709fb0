"""Webhook verification and signing.

Light signs each delivery with ``Light-Signature-v1: <unix_seconds>.<hex>``,
the hex HMAC-SHA256 of ``<unix_seconds>.<raw body>`` keyed with your webhook
secret. Always pass the **raw request body** exactly as received (bytes; a
``str`` is encoded as UTF-8, which only matches when the body was UTF-8 and
untouched): re-serialising parsed JSON changes the bytes and the signature
will not match.

    event = light.webhooks.verify(request.body, request.headers["Light-Signature-v1"], secret)
    if event.event == light.events.ENROLLMENT_FINALIZED: ...
"""
from __future__ import annotations

from typing import Any, Sequence, Union

from . import _light
from ._object import LightObject
from .models import WebhookEvent

__all__ = ["verify", "verify_signature", "sign", "SIGNATURE_HEADER", "DEFAULT_TOLERANCE"]

SIGNATURE_HEADER: str = _light.SIGNATURE_HEADER
DEFAULT_TOLERANCE: int = _light.DEFAULT_TOLERANCE

Payload = Union[bytes, bytearray, memoryview, str]
Secret = Union[str, Sequence[str]]

_verify = _light.webhook_verify


def _secrets(secret: Any) -> Any:
    """Any other iterable of secrets (a set, a generator) as a tuple; what is
    not iterable goes to the core, which refuses it with its one message."""
    try:
        return tuple(secret)
    except TypeError:
        return secret


def verify(payload: Payload, signature: str | None, secret: Secret | None, tolerance: int = DEFAULT_TOLERANCE,
           now: int | None = None) -> WebhookEvent:
    """Verify ``signature`` (the Light-Signature-v1 header value) over the raw
    ``payload`` with ``secret`` (or any of a list of secrets, for rotation) and
    return the parsed event ``{uuid, created_at, api_version, event, data}``.

    The timestamp must be within ``tolerance`` seconds of ``now`` (default: the
    current time) in either direction. Raises
    :class:`light.SignatureVerificationError` with ``.reason`` one of
    ``malformed_header``, ``timestamp_too_old``, ``timestamp_in_future``,
    ``signature_mismatch``, ``no_secret``.
    """
    if secret is not None and not isinstance(secret, (str, list, tuple)):
        secret = _secrets(secret)  # the core checks the secrets (record arguments)
    return LightObject(_verify(payload, signature, secret, tolerance, now))


# The C function itself (no Python frame on this hot path): same arguments as
# verify(); secret may be a str, a list/tuple of str, or None.
verify_signature = _light.webhook_verify_signature


def sign(payload: Payload, secret: str, timestamp: int | None = None) -> str:
    """The Light-Signature-v1 header value for ``payload`` (tests, local tools)."""
    return _light.webhook_sign(payload, secret, timestamp)  # the core checks the arguments
