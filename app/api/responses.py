"""JSON responses in the one shape every API answer uses, and JSON lines for lists."""

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

from flask import Response, stream_with_context

from app.jsonbody import dumps_safe

LINES_PER_CHUNK = 500


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    """A JSON response; ASCII-escaped, so even an echoed lone surrogate is valid JSON."""
    return Response(
        dumps_safe(payload), status=status, headers=headers, mimetype="application/json"
    )


def error_response(status: int, detail, headers: dict | None = None) -> Response:
    """An error as FastAPI shapes it: {"detail": ...}."""
    return json_response({"detail": detail}, status, headers)


def validation_error(errors: list[dict]) -> Response:
    """422 with a list of pydantic-shaped errors."""
    return error_response(422, errors)


def object_or_404(row: Sequence | None, line: Callable[[Sequence], str], missing: str) -> Response:
    """The object `line` builds around its row, or 404 {"detail": missing} when there is none."""
    if row is None:
        return error_response(404, missing)
    return Response(line(row), mimetype="application/json")


class Rows(Iterable[Sequence], Protocol):
    """Rows a list route answers with: read already, or streamed until closed."""

    def close(self) -> None: ...


def jsonl_response(rows: Rows, line: Callable[[Sequence], str]) -> Response:
    """The rows as JSON lines, each ending in "\\n" alone, never a blank one.

    A page already read (a list) is answered whole, with a Content-Length;
    anything else is streamed.
    """
    if isinstance(rows, list):
        return Response("".join(_jsonl(rows, line)), mimetype="application/jsonl")
    return Response(stream_with_context(_jsonl(rows, line)), mimetype="application/jsonl")


def _jsonl(rows: Rows, line: Callable[[Sequence], str]) -> Iterator[str]:
    # One object per line, batched into large writes.
    try:
        chunk: list[str] = []
        for row in rows:
            chunk.append(line(row))
            if len(chunk) == LINES_PER_CHUNK:
                yield "\n".join(chunk) + "\n"
                chunk = []
        if chunk:
            yield "\n".join(chunk) + "\n"
    finally:
        rows.close()
