"""HTTP/1.1 details: chunked request bodies, Expect: 100-continue, HTTP/1.0, pipelining."""
import json
import socket
import urllib.parse


def _sock(sb):
    u = urllib.parse.urlsplit(sb.base_url)
    return socket.create_connection((u.hostname, u.port), timeout=10)


def _read_response(f):
    status = f.readline()
    headers = {}
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        k, _, v = line.decode().partition(":")
        headers[k.strip().lower()] = v.strip()
    body = f.read(int(headers.get("content-length", 0)))
    return int(status.split()[1]), headers, body


def test_chunked_request_body(sb):
    s = _sock(sb)
    body = json.dumps({"email": "chunked@example.com"}).encode()
    req = (f"POST /v1/app/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {sb.app_token}\r\n"
           "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    req += b"%x\r\n%s\r\n" % (10, body[:10]) + b"%x\r\n%s\r\n" % (len(body) - 10, body[10:]) + b"0\r\n\r\n"
    s.sendall(req)
    f = s.makefile("rb")
    status, headers, out = _read_response(f)
    assert status == 200 and json.loads(out)["email"] == "chunked@example.com"
    s.close()


def test_expect_100_continue(sb):
    s = _sock(sb)
    body = json.dumps({"email": "expect@example.com"}).encode()
    s.sendall((f"POST /v1/app/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {sb.app_token}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode())
    f = s.makefile("rb")
    assert f.readline().startswith(b"HTTP/1.1 100")
    assert f.readline() == b"\r\n"
    s.sendall(body)
    status, _, out = _read_response(f)
    assert status == 200 and json.loads(out)["email"] == "expect@example.com"
    s.close()


def test_http10_closes_and_pipelining_works(sb):
    s = _sock(sb)
    s.sendall(f"GET /v1/app/plan-groups HTTP/1.0\r\nAuthorization: Bearer {sb.app_token}\r\n\r\n".encode())
    f = s.makefile("rb")
    status, headers, _ = _read_response(f)
    assert status == 200 and headers.get("connection") == "close"
    assert f.read() == b""
    s.close()
    s = _sock(sb)
    one = f"GET /v1/app/plan-groups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {sb.app_token}\r\n\r\n".encode()
    s.sendall(one * 3)  # pipelined on one connection
    f = s.makefile("rb")
    assert [_read_response(f)[0] for _ in range(3)] == [200, 200, 200]
    s.close()


def test_folded_and_repeated_headers(sb):
    s = _sock(sb)
    s.sendall((f"GET /v1/app/plan-groups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {sb.app_token}\r\n"
               "X-Thing: a\r\n  b\r\nX-Thing: c\r\nConnection: close\r\n\r\n").encode())
    f = s.makefile("rb")
    assert _read_response(f)[0] == 200
    s.close()
    e = sb.journal(path="/v1/app/plan-groups")[-1]
    assert e["headers"]["X-Thing"] in ("a b", "c")
