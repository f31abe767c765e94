"""Helpers of the meeting tests: a small hand-made campaign's data, signing in, reading an SSE
stream, and a network relay that a test can cut."""

from __future__ import annotations

import http.client
import json
import queue
import socket
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import Engine

CU_ARRAS = "200033579"
ARRAS, ACHICOURT = "62041", "62004"
PASSWORD = "harmonisation-2026"

RESIDENCES = (
    # code, commune, landlord, dwellings, commune grade, landlord grade, harmonised
    ("R1", ARRAS, "Alpha Habitat", 100, 1, 3, None),
    ("R2", ARRAS, "Alpha Habitat", 50, 2, 3, None),
    ("R3", ARRAS, "Alpha Habitat", 80, 2, 4, 3),
    ("R4", ARRAS, "Beta Logement", 40, 4, 3, None),
    ("R5", ACHICOURT, "Alpha Habitat", 30, 1, 2, None),
    ("R6", ARRAS, "Alpha Habitat", 60, 3, 3, None),
    ("R7", ARRAS, "Beta Logement", 20, 2, None, None),
)
"""R1–R5 diverge (R3 already harmonised); R6 agrees; R7 is graded by one side only."""


@dataclass
class SmallCampaign:
    id: int
    engine: Engine
    emails: dict[str, str] = field(default_factory=dict)
    """Role → e-mail of an account (password `PASSWORD`)."""


def login(client, email: str, password: str = PASSWORD) -> str:
    """Sign `client` in (session cookie); returns the CSRF token for writes."""
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


@dataclass
class MeetingServer:
    base: str
    url: str
    campaign_id: int
    admin_email: str
    elu_email: str
    admin_token: str
    elu_token: str


class SseReader:
    """Reads an SSE stream in a thread; `next_event` returns `{"id", "data"}` or raises Empty."""

    def __init__(
        self, url: str, token: str | None, last_event_id: int | None = None, cookie: str = ""
    ) -> None:
        parts = urlsplit(url)
        headers = {"Accept": "text/event-stream"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if cookie:
            headers["Cookie"] = cookie
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        target = f"{parts.path}?{parts.query}" if parts.query else parts.path
        self.connection.request("GET", target, headers=headers)
        response = self.connection.getresponse()
        self.status = response.status
        self.connection.sock.settimeout(None)
        self.events: queue.Queue = queue.Queue()
        self.comments: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(response,), daemon=True)
        self._thread.start()

    def _read(self, response: http.client.HTTPResponse) -> None:
        event: dict = {}
        with suppress(OSError, ValueError, http.client.HTTPException):
            while raw := response.readline():
                line = raw.decode().rstrip("\r\n")
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                elif line.startswith("id: "):
                    event["id"] = int(line[4:])
                elif line.startswith("data: "):
                    event["data"] = json.loads(line[6:])
                elif not line and event:
                    self.events.put(event)
                    event = {}

    def wait_for_comment(self, text: str, timeout: float = 5) -> bool:
        deadline = time.monotonic() + timeout
        while text not in self.comments and time.monotonic() < deadline:
            time.sleep(0.02)
        return text in self.comments

    def wait_closed(self, timeout: float) -> bool:
        """Whether the server ended the stream within `timeout` seconds."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def next_event(self, timeout: float = 5) -> dict:
        return self.events.get(timeout=timeout)

    def close(self) -> None:
        with suppress(OSError):
            self.connection.sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)
        assert not self._thread.is_alive(), "le flux SSE ne se ferme pas"
        self.connection.close()


class CuttableRelay:
    """A TCP relay in front of the server whose connections a test cuts, like a network drop."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                if not self.open:
                    client.close()
                    continue
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
                with self._lock:
                    self.sockets += [client, upstream]
                for source, sink in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Drop every connection and refuse new ones until `restore`."""
        self.open = False
        with self._lock:
            sockets, self.sockets = self.sockets, []
        for end in sockets:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.open = True

    def close(self) -> None:
        self.cut()
        self.listener.close()
