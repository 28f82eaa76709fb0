"""Exception classes (bindings/python/errors.c) from real server responses,
retries and Retry-After, transport failures."""
import pytest

import light

from .conftest import FAST, new_account, settled_journal, free_port_closed

CASES = [
    (400, light.BadRequestError),
    (401, light.AuthenticationError),
    (403, light.PermissionDeniedError),
    (404, light.NotFoundError),
    (409, light.ConflictError),
    (422, light.UnprocessableEntityError),
    (429, light.RateLimitError),
    (500, light.InternalServerError),
    (503, light.InternalServerError),
    (418, light.APIError),
]


def test_hierarchy():
    for _, cls in CASES:
        assert issubclass(cls, light.APIError) and issubclass(cls, light.LightError)
    assert issubclass(light.APITimeoutError, light.APIConnectionError)
    assert issubclass(light.APIConnectionError, light.LightError)
    assert issubclass(light.SignatureVerificationError, light.LightError)
    assert not issubclass(light.APIConnectionError, light.APIError)
    assert light.errors.NotFoundError is light.NotFoundError
    assert light.NotFoundError.__module__ == "light"


@pytest.mark.parametrize("status,cls", CASES)
def test_every_status_class_from_the_server(sb, client, status, cls):
    sb.fault(method="GET", path="/v1/app/plan-groups", kind="status", status=status)
    with pytest.raises(cls) as ei:
        client.plan_groups.list(max_retries=0)
    e = ei.value
    assert type(e) is cls
    assert e.status == status
    assert isinstance(e.body, dict) and "detail" in e.body
    assert e.request_id and e.request_id.startswith("req_") and e.request_id in str(e)
    assert e.headers["x-request-id"] == e.request_id
    assert str(status) in str(e)
    assert sb.app_token not in str(e) and sb.app_token not in repr(e)


def test_real_404_and_422_bodies(sb, client):
    with pytest.raises(light.NotFoundError) as ei:
        client.accounts.retrieve("a1b2c3d4-5678-90ab-cdef-1234567890ab")
    assert ei.value.body == {"detail": "Account not found"}
    with pytest.raises(light.UnprocessableEntityError) as ei:
        client.enroll.eligibility(postal_code="7520")
    assert "postal_code" in ei.value.body["detail"]
    with pytest.raises(light.AuthenticationError):
        light.Client("wrong-token", base_url=sb.base_url).plan_groups.list()


def test_retry_after_is_honoured(sb, client):
    sb.fault(method="GET", path="/v1/app/plan-groups", kind="status", status=503, retry_after=1, times=1)
    got = client.plan_groups.list()
    assert got is not None
    j = settled_journal(sb, path="/v1/app/plan-groups")
    assert [e["status"] for e in j] == [503, 200]
    assert j[1]["time"] - j[0]["time"] >= 0.9  # waited for Retry-After (a lower bound only)


def test_429_retried_then_rate_limit_error(sb, client):
    sb.fault(method="GET", path="/v1/app/plan-groups", kind="status", status=429, retry_after=0, times=2)
    client.plan_groups.list()
    assert [e["status"] for e in settled_journal(sb, path="/v1/app/plan-groups")] == [429, 429, 200]
    sb.clear_journal()
    sb.fault(method="GET", path="/v1/app/plan-groups", kind="status", status=429, retry_after=0)
    with pytest.raises(light.RateLimitError) as ei:
        client.plan_groups.list()
    assert ei.value.retries == 2 and len(sb.journal(path="/v1/app/plan-groups")) == 3
    assert ei.value.retry_after == 0


def test_post_not_retried_after_reaching_the_server(sb, client):
    sb.fault(method="POST", path="/v1/app/accounts", kind="status", status=500)
    with pytest.raises(light.InternalServerError):
        client.accounts.create(email="x@example.com")
    assert len(sb.journal(path="/v1/app/accounts", method="POST")) == 1


def test_connection_errors(sb, client):
    c = light.Client("tok", base_url=f"http://127.0.0.1:{free_port_closed()}", max_retries=0)
    with pytest.raises(light.APIConnectionError) as ei:
        c.plan_groups.list()
    assert ei.value.status is None
    sb.fault(method="GET", path="/v1/app/plan-groups", kind="delay", delay=3)
    with pytest.raises(light.APITimeoutError):
        client.plan_groups.list(timeout=0.3, max_retries=0)
    sb.clear_faults()
    sb.fault(method="GET", path="/v1/app/plan-groups", kind="close")
    with pytest.raises(light.APIConnectionError):
        client.plan_groups.list(max_retries=0)
    sb.clear_faults()
    sb.fault(method="GET", path="/v1/app/plan-groups", kind="truncated_json")
    with pytest.raises(light.APIResponseValidationError) as ei:
        client.plan_groups.list(max_retries=0)
    assert isinstance(ei.value, light.APIError)


def test_error_attributes_default_on_user_instances():
    e = light.NotFoundError("x")
    assert e.status is None and e.body is None and e.request_id is None and e.headers is None
    s = light.SignatureVerificationError("bad")
    assert s.reason is None
