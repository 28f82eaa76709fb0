"""light: Python SDK for the Light electricity API, over the light-sdk C core.

    import light
    client = light.Client(app_token="...")            # or $LIGHT_APP_TOKEN
    account = client.accounts.create(email="ada@example.com")
    acct = client.for_account(account.uuid)           # token minted and refreshed by the core
    print(acct.retrieve().email)
    for invoice in acct.billing.invoices.list():       # every page, lazily
        print(invoice.number, invoice.total)

See docs/python.md.
"""
from __future__ import annotations

# Lets `light._light` come from a build directory on sys.path during development.
__path__ = __import__("pkgutil").extend_path(__path__, __name__)

from . import _light, events, models, webhooks  # noqa: E402
from ._client import AccountClient, AsyncAccountClient, AsyncClient, Client  # noqa: E402
from ._object import Headers, LightList, LightObject, LightResponse  # noqa: E402
from ._pagination import AsyncPage, AsyncPager, Page  # noqa: E402
from . import errors as _errors  # noqa: E402
from .errors import *  # noqa: E402,F401,F403  (the core's error kinds: LightError, APIError, ...)

# The core's client option table (name, type, unit, default, env, min, max, doc), users' rows only.
OPTIONS = tuple(o for o in _light.options() if not o["internal"])

__version__ = _light.__version__
core_version = _light.version()

__all__ = [
    "Client", "AccountClient", "AsyncClient", "AsyncAccountClient", "LightObject", "LightList", "LightResponse",
    "Headers", "Page", "AsyncPage", "models",
    "AsyncPager", "webhooks", "events", "OPTIONS", "__version__", *_errors.__all__,
]
