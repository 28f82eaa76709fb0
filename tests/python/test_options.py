"""The core's option table walked from Python: every option accepted with a
good value, refused with NaN, ±Infinity, negatives, out of range and the wrong
type; unknown names refused; strings cross with their length (NUL, CR/LF);
env defaults read by the core only; closing a client closes its derived
clients; userinfo never shows. No I/O but the lifecycle check."""
import math
import os
import pathlib

import pytest

import light

URL = "http://127.0.0.1:9"
NUMBERS = [o for o in light.OPTIONS if o["type"] in ("integer", "number")]


def make(**kw):
    kw.setdefault("base_url", URL)
    kw.setdefault("app_token", "tok")
    return light.Client(**kw)


def good(o):
    if o["type"] == "boolean":
        return True
    if o["type"] == "enum":
        return "debug"
    if o["type"] == "string":
        return {"base_url": URL, "proxy": "http://127.0.0.1:9"}.get(o["name"], "tok_" + o["name"])
    mid = (o["min"] + o["max"]) / 2
    if o.get("unit") == "ms":
        return math.floor(mid) / 1000  # seconds in Python
    return math.floor(mid) if o["type"] == "integer" else mid


def test_same_option_set_as_every_language():
    names = {o["name"] for o in light.OPTIONS}
    assert {"retry_after_cap", "rate_limit", "app_rate_per_s", "account_rate_per_s", "log_level",
            "max_response_bytes", "timeout", "connect_timeout", "token_refresh_margin"} <= names
    assert "user_agent_runtime" not in names  # internal
    for o in light.OPTIONS:
        assert o["doc"] and o["default"], o


@pytest.mark.parametrize("o", light.OPTIONS, ids=lambda o: o["name"])
def test_accepted_with_a_good_value(o):
    make(**{o["name"]: good(o)}).close()
    if o["name"] != "app_token":
        make(**{o["name"]: None}).close()  # None = the default


@pytest.mark.parametrize("o", NUMBERS, ids=lambda o: o["name"])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, -1, 10**30, 1e300])
def test_number_refused(o, bad):
    with pytest.raises(ValueError, match=o["name"]):
        make(**{o["name"]: bad})


@pytest.mark.parametrize("o", NUMBERS, ids=lambda o: o["name"])
@pytest.mark.parametrize("bad", ["5", True, b"5", [1]])
def test_number_wrong_type(o, bad):
    with pytest.raises(TypeError, match=o["name"]):
        make(**{o["name"]: bad})


def test_integer_options_refuse_fractions():
    for o in NUMBERS:
        if o["type"] == "integer" and o.get("unit") != "ms":
            with pytest.raises(ValueError, match="whole number"):
                make(**{o["name"]: o["min"] + 0.5})


@pytest.mark.parametrize("o", [o for o in light.OPTIONS if o["type"] in ("string", "enum")], ids=lambda o: o["name"])
def test_string_options(o):
    with pytest.raises(TypeError):
        make(**{o["name"]: 5})
    with pytest.raises(ValueError, match="NUL"):
        make(**{o["name"]: "a\0b"})
    with pytest.raises(ValueError):
        make(**{o["name"]: "a\r\nb"})


def test_boolean_options():
    for o in light.OPTIONS:
        if o["type"] == "boolean":
            with pytest.raises(TypeError):
                make(**{o["name"]: 1})
            with pytest.raises(TypeError):
                make(**{o["name"]: "yes"})


def test_with_options_checked_by_the_core():
    c = make()
    with pytest.raises(TypeError, match="with_options\\(\\) cannot change 'base_url'"):
        c._c.with_options(base_url=URL)
    with pytest.raises(ValueError, match="option 'max_retries' must be between"):
        c.with_options(max_retries=-1)
    c.close()


def test_unknown_names_refused():
    with pytest.raises(TypeError, match="unknown option 'max_retry'"):
        make(max_retry=1)
    with pytest.raises(TypeError, match="unknown option 'maxRetries'"):
        make(maxRetries=1)  # Node's spelling
    with pytest.raises(TypeError, match="unknown option 'user_agent_runtime'"):
        make(user_agent_runtime="x")
    with pytest.raises(TypeError):
        light.AccountClient("acct_tok", app_token="x", base_url=URL)
    with pytest.raises(TypeError):
        light.AsyncClient("tok", base_url=URL, bogus=1)


def test_issue14_cases():
    with pytest.raises(ValueError, match="NUL"):
        make(base_url="http://127.0.0.1:18099\0.api.light.dev")
    with pytest.raises(ValueError, match="NUL"):
        light.Client("tok\0en", base_url=URL)
    with pytest.raises(ValueError):
        light.Client("tok\r\nX-Evil: 1", base_url=URL)
    with pytest.raises(ValueError, match="log_level"):
        make(log_level="loud")
    c = make(ca_file=pathlib.Path("/nonexistent/ca.pem"), timeout=0.5, max_response_bytes=1)
    c.close()
    with pytest.raises(ValueError, match="account_uuid"):
        make().for_account("ab\0c")


def test_env_defaults_come_from_the_core(monkeypatch):
    monkeypatch.setenv("LIGHT_APP_TOKEN", "env_token")
    monkeypatch.setenv("LIGHT_BASE_URL", URL)
    c = light.Client()
    assert c.base_url == URL
    c.close()
    # an account token with only the environment's app token: a bare account client
    a = light.AccountClient("acct_tok")
    assert a._c.has_account_token and not a._c.has_app_token
    a.close()
    monkeypatch.delenv("LIGHT_APP_TOKEN")
    with pytest.raises(ValueError, match="LIGHT_APP_TOKEN"):
        light.Client(base_url=URL)
    assert "os.environ" not in open(light._client.__file__).read()  # read once, in the core


def test_closing_closes_derived_clients(sb):
    c = light.Client(sb.app_token, base_url=sb.base_url)
    acct = c.for_account("00000000-0000-0000-0000-000000000001")
    c.close()
    with pytest.raises(light.LightError, match="closed") as e:
        acct.retrieve()
    assert e.value.status is None
    assert e.value.message.startswith("client is closed") and e.value.retries == 0 and e.value.param is None
    with pytest.raises(light.LightError, match="closed") as e:
        c.for_account("00000000-0000-0000-0000-000000000002")
    assert e.value.message == "client is closed"  # raised by the binding through light_error_set


def test_userinfo_never_shows():
    c = light.Client("tok", base_url="http://user:PW@127.0.0.1:9", proxy="http://puser:PPW@127.0.0.1:8")
    assert "PW" not in repr(c) and "PW" not in c.base_url
    assert "PPW" not in repr(c)
    c.close()
    os.environ.pop("LIGHT_UNUSED", None)


def test_error_classes_come_from_the_core():
    assert light.APITimeoutError.__mro__[1] is light.APIConnectionError
    assert light.APIResponseValidationError.__mro__[1] is light.APIError
    assert set(light.errors.__all__) >= {"LightError", "NotFoundError", "SignatureVerificationError"}
    assert "InvalidArgumentError" not in light.errors.__all__  # TypeError/ValueError in Python


def test_argument_errors_name_the_argument_as_in_node_and_lua():
    """TypeError/ValueError from the core carry .param (Node's TypeError and Lua's err have it too)."""
    import light
    with pytest.raises(TypeError) as e:
        light.Client(app_token="t", timeout="5")
    assert e.value.param == "timeout"
    with pytest.raises(ValueError) as e:
        light.Client(app_token="t", max_retries=-1)
    assert e.value.param == "max_retries"
    with pytest.raises(ValueError) as e:
        light.webhooks.verify(b"{}", "1.ab", ["s"] * 17)
    assert e.value.param == "secret"
