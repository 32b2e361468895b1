"""`samspill serve` keeps an idle connection open longer than the clients and proxies in front of it keep
theirs (`service.cli.server.KEEP_ALIVE_S`): with uvicorn's own 5 s, a pooled connection reused at about
that moment was closed under the request ("server disconnected without sending a response"; a 502
behind a proxy), which a browser test of the exchange floor met in CI."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest

from tests.service.events.live_helpers import server

REQUEST = b"GET /health HTTP/1.1\r\nHost: samspill\r\n\r\n"


def _response(s: socket.socket) -> bytes:
    """One whole response from the socket (head and a body of its Content-Length), or what came before the
    server hung up."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lengths = [line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
    length = int(lengths[0])
    while len(body) < length:
        chunk = s.recv(4096)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_an_idle_connection_is_still_open_after_uvicorns_five_seconds(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the server's connections are the same on both databases")
    with server(db_url) as base:
        where = urlsplit(base)
        assert where.hostname is not None and where.port is not None
        with socket.create_connection((where.hostname, where.port), timeout=10) as s:
            s.sendall(REQUEST)
            assert _response(s).startswith(b"HTTP/1.1 200")
            time.sleep(6.5)  # idle past uvicorn's default keep-alive
            s.sendall(REQUEST)
            assert _response(s).startswith(b"HTTP/1.1 200")  # the same connection answers
