"""A database that accepts connections but never answers: the API must still answer, fast."""

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests.durability.client import SCORES, Client, TransportError
from tests.durability.server import Server, free_port

MAX_ANSWER = 10.0  # seconds; a hang ends only at gunicorn's 30 s worker timeout


class Blackhole:
    """A TCP listener that accepts every connection and never sends a byte (a frozen host)."""

    def __init__(self):
        self.port = free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.1)
        self.accepted: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, name="blackhole")

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                self.accepted.append(self.listener.accept()[0])
            except TimeoutError:
                continue

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.stopping.set()
        self.thread.join()
        for connection in self.accepted:
            connection.close()
        self.listener.close()


def _ask(port: int, method: str, path: str, body: bytes | None) -> tuple:
    client = Client(port, "sk_whatever", timeout=MAX_ANSWER)
    started = time.monotonic()
    try:
        reply = client.call(method, path, body)
        return reply.status, reply.content_type, reply.body[:200], time.monotonic() - started
    except TransportError as exc:
        return None, "", str(exc).encode(), time.monotonic() - started
    finally:
        client.close()


def test_unresponsive_database_gives_json_503_within_seconds(tmp_path, report):
    with Blackhole() as blackhole:
        server = Server(f"postgresql://postgres@127.0.0.1:{blackhole.port}/scores", tmp_path)
        server.start(path="/openapi.json")  # a route that needs no database
        try:
            time.sleep(1.0)  # let the other workers finish importing the app
            requests = [
                ("GET", "/health", None),
                ("POST", SCORES, b'{"prediction_id":"p","scorer":"s","value":1}'),
            ]
            with ThreadPoolExecutor(max_workers=len(requests)) as pool:
                answers = list(pool.map(lambda r: _ask(server.port, *r), requests))
        finally:
            server.kill()
    report(
        {
            "database": "postgresql (a listener that never answers)",
            "requests_sent": len(answers),
            "faults_injected": 1,
            "scores_checked": 0,
            "lost": 0,
            "duplicated": 0,
            "answers": [
                {
                    "status": a[0],
                    "content_type": a[1],
                    "body": a[2].decode(errors="replace"),
                    "seconds": round(a[3], 2),
                }
                for a in answers
            ],
        }
    )
    for status, content_type, _body, seconds in answers:
        assert status == 503 and content_type.startswith("application/json")
        assert seconds < MAX_ANSWER
