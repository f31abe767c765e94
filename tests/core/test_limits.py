"""Body limits: every request body is counted as it arrives, chunked or not, and refused with a
French 413 as soon as it passes its limit, the rest never read."""

from __future__ import annotations

import asyncio
import select
import socket
import time
from urllib.parse import urlsplit

import pytest

from app.core.settings import get_settings

CHUNK = 64 * 1024
HUGE = 150 * 1024 * 1024


@pytest.fixture
def one_megabyte_uploads(monkeypatch):
    monkeypatch.setenv("QUALIPARC_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run_chunked(
    path: str, content_type: bytes, total: int, head: bytes = b""
) -> tuple[list[dict], int, float]:
    """Send `head` then `total` bytes to the app in chunks without declaring a size; the messages
    the app sent back, the bytes it read and the seconds it took."""
    from app.main import create_app

    app = create_app()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), (b"content-type", content_type)],
        "client": ("127.0.0.1", 1234),
        "server": ("test", 80),
    }
    read = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal read
        if read >= total:
            return {"type": "http.disconnect"}
        body = (b"" if read else head) + b"x" * CHUNK
        read += len(body)
        return {"type": "http.request", "body": body, "more_body": read < total}

    async def send(message: dict) -> None:
        sent.append(message)

    start = time.perf_counter()
    asyncio.run(app(scope, receive, send))
    return sent, read, time.perf_counter() - start


def test_chunked_json_body_is_refused_after_the_limit(db_url):
    sent, read, seconds = run_chunked("/api/auth/login", b"application/json", HUGE)
    assert seconds < 2
    assert sent[0]["status"] == 413
    assert (b"connection", b"close") in sent[0]["headers"]
    body = sent[1]["body"].decode()
    assert '"requete_trop_volumineuse"' in body
    assert "Requête trop volumineuse : 1 Mo au plus." in body
    assert read <= 1024 * 1024 + CHUNK


def test_chunked_upload_is_refused_after_the_upload_limit(db_url, one_megabyte_uploads):
    head = (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="notes.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n"
    )
    sent, read, _ = run_chunked(
        "/api/campaigns/1/grades/import", b"multipart/form-data; boundary=x", HUGE, head
    )
    assert sent[0]["status"] == 413
    assert '"fichier_trop_volumineux"' in sent[1]["body"].decode()
    assert read <= 1024 * 1024 + 64 * 1024 + CHUNK + len(head)


def test_declared_oversized_json_body_is_refused_unread(client):
    response = client.post(
        "/api/auth/login",
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == {
        "code": "requete_trop_volumineuse",
        "message": "Requête trop volumineuse : 1 Mo au plus.",
    }


def test_small_json_bodies_pass(client):
    response = client.post("/api/auth/login", json={"email": "x@y.fr", "password": "z"})
    assert response.status_code == 401


def read_answer(conn: socket.socket) -> bytes:
    """What the server sent before closing, as far as the closing lets it be read."""
    answer = b""
    try:
        while data := conn.recv(65536):
            answer += data
    except (ConnectionResetError, TimeoutError):
        pass
    return answer


def test_live_server_stops_a_chunked_150_mb_login_quickly(live_server):
    """The real server (uvicorn, two workers) answers 413 and closes the connection after about
    the limit, instead of reading 150 MB."""
    address = urlsplit(live_server)
    start = time.perf_counter()
    written = 0
    with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
        conn.sendall(
            b"POST /api/auth/login HTTP/1.1\r\nHost: test\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = f"{CHUNK:x}\r\n".encode() + b"x" * CHUNK + b"\r\n"
        try:
            while written < HUGE and not select.select([conn], [], [], 0)[0]:
                conn.sendall(chunk)
                written += CHUNK
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed its side: its answer is waiting to be read
        answer = read_answer(conn)
    assert time.perf_counter() - start < 10
    assert written < 16 * 1024 * 1024
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"connection: close" in answer.lower()
    assert "Requête trop volumineuse : 1 Mo au plus.".encode() in answer
