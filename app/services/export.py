"""Streaming a filtered view as CSV or JSON lines."""

import csv
import io
from collections.abc import Iterable, Iterator

from app.storage import api_line, format_timestamp

CSV_COLUMNS = (
    "score_id",
    "created_at",
    "prediction_id",
    "scorer",
    "value",
    "evaluation_run_id",
    "author",
    "source",
)
ROWS_PER_CHUNK = 500
# A cell starting with one of these is run as a formula by spreadsheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str | None) -> str:
    """Neutralise spreadsheet formulas (a quote prefix); numbers stay as they are."""
    if not text or not text.startswith(_FORMULA_STARTS):
        return text or ""
    try:
        float(text)
        return text
    except ValueError:
        return "'" + text


def csv_chunks(rows: Iterable) -> Iterator[str]:
    """The header and the rows as CSV text, a few hundred rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for count, (
        score_id,
        prediction_id,
        scorer,
        value_json,
        run_id,
        author,
        created_at,
        source,
    ) in enumerate(rows, 1):
        writer.writerow(
            [
                score_id,
                format_timestamp(created_at),
                _cell(prediction_id),
                _cell(scorer),
                _cell(value_json),
                _cell(run_id),
                _cell(author),
                source,
            ]
        )
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_chunks(rows: Iterable) -> Iterator[str]:
    """One API score object per line, as GET /v2/.../scores returns them."""
    lines: list[str] = []
    for row in rows:
        lines.append(api_line(row[:-1]) + "\n")
        if len(lines) >= ROWS_PER_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)
