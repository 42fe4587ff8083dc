"""Hostile clients for tests: connections that trickle their request headers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

TRICKLE_INTERVAL = 1.0  # seconds between two header bytes of a slow client


@contextmanager
def slow_clients(host: str, port: int, *, count: int, seconds: float) -> Iterator[None]:
    """Keep ``count`` connections sending half a request header, a byte a second.

    Each connection sends the request line and one header at once, so that the server
    starts reading it, then one more header byte every ``TRICKLE_INTERVAL`` for
    ``seconds``, never finishing the header block. All are closed when the block ends.
    """
    sockets = [socket.create_connection((host, port), timeout=5) for _ in range(count)]
    stop = threading.Event()
    for connection in sockets:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: slow\r\n")
    trickler = threading.Thread(target=_trickle, args=(sockets, stop, seconds), daemon=True)
    trickler.start()
    try:
        yield
    finally:
        stop.set()
        trickler.join()
        for connection in sockets:
            connection.close()


def _trickle(sockets: list[socket.socket], stop: threading.Event, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    header = b"X-Slow: " + b"a" * 4000  # longer than any trickle: the header never ends
    sent = 0
    while not stop.wait(TRICKLE_INTERVAL) and time.monotonic() < deadline:
        for connection in sockets:
            with suppress(OSError):  # a server may give up on a slow client: that is fine
                connection.sendall(header[sent : sent + 1])
        sent += 1
