"""A score as the API shows it: one JSON object built around the stored value text."""

from collections.abc import Sequence
from datetime import UTC, datetime

from app.jsonbody import encode_string


def format_timestamp(moment: datetime | str) -> str:
    """ISO 8601 in UTC with microseconds and a Z, as the API shows times.

    Rows read on the driver cursor bring SQLite's stored text as is
    ("2026-11-26 03:04:05.678901", always UTC, the form SQLAlchemy writes).
    """
    if isinstance(moment, str):
        if len(moment) == 26 and moment[10] == " ":
            return f"{moment[:10]}T{moment[11:]}Z"  # the form SQLAlchemy stores
        moment = datetime.fromisoformat(moment).replace(tzinfo=UTC)
    elif moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")[:26] + "Z"


def api_line(row: Sequence) -> str:
    """One score as the API's JSON object, built around the stored value text."""
    score_id, prediction_id, scorer, value_json, run_id, author, created_at = row
    return (
        f'{{"score_id":"{score_id}","prediction_id":{encode_string(prediction_id)},'
        f'"scorer":{encode_string(scorer)},"value":{value_json},'
        f'"evaluation_run_id":{"null" if run_id is None else encode_string(run_id)},'
        f'"wb_user_id":{encode_string(author)},"created_at":"{format_timestamp(created_at)}"}}'
    )
