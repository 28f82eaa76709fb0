"""Fixtures for the runnable programs in examples/ (one per use case per language).

``sandbox_rx`` is a module-scoped emulator with its webhook receiver
(``--receiver``): ``.receiver_url`` lists the deliveries it got. ``example_env``
is the environment every example reads (LIGHT_APP_TOKEN, LIGHT_BASE_URL,
LIGHT_WEBHOOK_SECRET, LIGHT_RECEIVER_URL), without LIGHT_LOG.
"""
import os
import pathlib

import pytest

from tests.sandbox.runner import SandboxProcess

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))


@pytest.fixture(scope="module")
def sandbox_rx(request):
    sb = SandboxProcess(["--receiver", "--webhook-retry-delays", "0.2,0.2"])
    sb.start()
    request.addfinalizer(sb.stop)
    return sb


def example_env(sb, **extra):
    env = dict(os.environ)
    env.pop("LIGHT_LOG", None)
    env.update(LIGHT_APP_TOKEN=sb.app_token, LIGHT_BASE_URL=sb.base_url,
               LIGHT_WEBHOOK_SECRET=sb.webhook_secret, LIGHT_RECEIVER_URL=sb.receiver_url or "")
    env.update(extra)
    return env
