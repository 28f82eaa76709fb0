"""Webhook event names, from the core's list (``light.events.ENROLLMENT_FINALIZED == "enrollment.finalized"``)."""
from __future__ import annotations

from . import _light

ALL: tuple = _light.event_names()

for _name in ALL:
    globals()[_name.upper().replace(".", "_")] = _name
del _name

__all__ = ["ALL"] + [n.upper().replace(".", "_") for n in ALL]
