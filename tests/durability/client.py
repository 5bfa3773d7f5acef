"""An HTTP/1.1 client of the service, as thin as http.client allows."""

import base64
import http.client
import json
import time
from dataclasses import dataclass

SCORES = "/v2/team/proj/scores"


class TransportError(Exception):
    """No complete HTTP answer: refused, reset, cut short or timed out."""


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes
    elapsed: float

    def json(self):
        return json.loads(self.body)


class Client:
    """One HTTP/1.1 connection to the service, reopened whenever the server closes it."""

    def __init__(self, port: int, key: str, timeout: float):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        token = base64.b64encode(f"api:{key}".encode()).decode()
        self.auth = {"Authorization": f"Basic {token}"}

    def call(self, method: str, path: str, body: bytes | None = None) -> Reply:
        headers = dict(self.auth)
        if body is not None:
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            raise TransportError(f"{type(exc).__name__}: {exc}") from None
        content_type = response.getheader("Content-Type", "")
        if response.will_close:
            self.connection.close()
        return Reply(response.status, content_type, data, time.monotonic() - started)

    def close(self) -> None:
        self.connection.close()


def json_lines(body: bytes) -> list[str]:
    """JSON lines split on "\\n" only: U+2028 inside a string is not a line break."""
    return [line for line in body.decode().split("\n") if line]
