"""The cJSON <-> Python converter (bindings/python/convert.c) and LightObject."""
import copy
import datetime as dt
import decimal
import pickle

import pytest

import light
from light import _light


def test_decode_types():
    v = _light._decode(b'{"s":"12.50","i":42,"f":1.5,"neg":-7,"big":9007199254740991,"t":true,"n":null,'
                       b'"a":[1,"x",{"k":[]}],"u":"Zo\\u00eb \\u2600","e":{}}')
    assert v == {"s": "12.50", "i": 42, "f": 1.5, "neg": -7, "big": 9007199254740991, "t": True, "n": None,
                 "a": [1, "x", {"k": []}], "u": "Zoë ☀", "e": {}}
    assert type(v["i"]) is int and type(v["f"]) is float and type(v["s"]) is str


def test_repeated_keys_share_one_str():
    v = _light._decode(b'[{"consumption":"1.0"},{"consumption":"2.0"}]')
    k1, k2 = next(iter(v[0])), next(iter(v[1]))
    assert k1 == k2 == "consumption" and k1 is k2


def test_encode_roundtrip():
    src = {"a": [1, 2.5, "x", None, True, False], "b": {"c": "d"}, "t": (1, 2),
           "date": dt.date(2026, 1, 2), "when": dt.datetime(2026, 1, 2, 3, 4, 5), "money": decimal.Decimal("12.30")}
    assert _light._roundtrip(src) == {"a": [1, 2.5, "x", None, True, False], "b": {"c": "d"}, "t": [1, 2],
                                      "date": "2026-01-02", "when": "2026-01-02T03:04:05", "money": "12.30"}
    assert _light._roundtrip(light.LightObject({"x": {"y": 1}})) == {"x": {"y": 1}}


def test_encode_refuses():
    with pytest.raises(TypeError):
        _light._roundtrip({1: "int key"})
    with pytest.raises(TypeError):
        _light._roundtrip({"b": b"bytes"})
    with pytest.raises(ValueError):
        _light._roundtrip({"n": float("inf")})
    with pytest.raises(ValueError):
        _light._roundtrip({"n": 2 ** 60})
    # a NUL inside a body string value is sent escaped; in a key it is refused
    assert _light._encode({"s": "nul\x00inside"}) == '{"s":"nul\\u0000inside"}'
    with pytest.raises(ValueError):
        _light._roundtrip({"k\x00": 1})
    deep = []
    cur = deep
    for _ in range(400):
        cur.append([])
        cur = cur[0]
    with pytest.raises(ValueError):
        _light._roundtrip(deep)


def test_light_object_access():
    o = light.LightObject(_light._decode(b'{"uuid":"u1","enrollment":{"is_service_active":false},'
                                         b'"locations":[{"uuid":"l1"}],"new_field":{"x":1},"total":"10.00"}'))
    assert o.uuid == o["uuid"] == "u1"
    assert o.enrollment.is_service_active is False
    assert isinstance(o.locations[0], light.LightObject) and o.locations[0].uuid == "l1"
    assert o.locations is o.locations  # wrapped once, cached
    assert o.new_field.x == 1 and "new_field" in o and len(o) == 5
    assert o.total == "10.00"
    assert o.get("missing") is None
    with pytest.raises(AttributeError):
        o.missing
    with pytest.raises(KeyError):
        o["missing"]
    assert dict(o)["uuid"] == "u1" and set(o.keys()) == {"uuid", "enrollment", "locations", "new_field", "total"}
    assert o == {"uuid": "u1", "enrollment": {"is_service_active": False}, "locations": [{"uuid": "l1"}],
                 "new_field": {"x": 1}, "total": "10.00"}
    d = o.to_dict()
    assert type(d) is dict and type(d["enrollment"]) is dict and type(d["locations"][0]) is dict
    d["uuid"] = "changed"
    assert o.uuid == "u1"  # to_dict is a copy
    o.nickname = "n"
    assert o["nickname"] == "n"
    assert "uuid" in dir(o)


def test_repr_hides_secrets_only():
    o = light.LightObject({"token": "eyJ.secret.tok", "expires_at": "2026", "identity": {"ssn": "123-45-6789",
                           "first_name": "Ada"}, "account_token": "t2", "webhook_secret": "whsec_x",
                           "list": [{"password": "pw"}], "ssn": None})
    r = repr(o)
    for secret in ("eyJ.secret.tok", "123-45-6789", "t2", "whsec_x", "pw"):
        assert secret not in r
    assert "Ada" in r and "2026" in r and "***" in r
    assert str(o) == r
    assert o.token == "eyJ.secret.tok" and o.to_dict()["identity"]["ssn"] == "123-45-6789"


def test_pickle_and_copy():
    o = light.LightObject({"a": {"b": [1, 2]}})
    assert pickle.loads(pickle.dumps(o)) == o
    c = copy.deepcopy(o)
    c.a["b"].append(3)
    assert o.to_dict() == {"a": {"b": [1, 2]}}
