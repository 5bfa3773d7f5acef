"""Streaming a filtered view as CSV or JSON lines."""

import csv
import io
import re
from collections.abc import Iterable, Iterator

from app.jsonbody import encode_string
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
    "scorer_config_version",
    "comment",
)
# An export row is an API row (its first API_FIELDS columns), then the source and the comment.
API_FIELDS = 8
ROWS_PER_CHUNK = 500
# A cell starting with = + - @, a tab or a carriage return is run as a formula by
# spreadsheets; so is one where spaces or line breaks come first, since imports that
# trim them (LibreOffice's "Trim spaces", Google Sheets) evaluate what follows.
_FORMULA = re.compile(r"[^\S\t\r]*[=+\-@\t\r]")
# Plain decimal numbers (a negative value, say) are safe and stay as they are; not
# what float() also takes ("-inf", "-1_0", "\t-1"), which a spreadsheet reads as text
# or a formula.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _cell(text: str | None) -> str:
    """Neutralise spreadsheet formulas (a quote prefix); numbers stay as they are."""
    if text and _FORMULA.match(text) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text or ""


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
        config_version,
        source,
        comment,
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
                "" if config_version is None else config_version,
                _cell(comment),
            ]
        )
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_chunks(rows: Iterable) -> Iterator[str]:
    """One API score object per line, as GET /v2/.../scores returns them, with its comment."""
    lines: list[str] = []
    for row in rows:
        comment = row[API_FIELDS + 1]
        shown = "null" if comment is None else encode_string(comment)
        lines.append(f'{api_line(row[:API_FIELDS])[:-1]},"comment":{shown}}}\n')
        if len(lines) >= ROWS_PER_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)
