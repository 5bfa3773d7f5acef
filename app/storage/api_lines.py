"""A score as the API shows it: one JSON object built around the stored value text."""

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.jsonbody import encode_string

API_TIME_LENGTH = len("2026-11-26T03:04:05.678901Z")


class api_timestamp(FunctionElement):
    """A timestamp column, read as the text the API shows where the database can write it.

    PostgreSQL formats it itself (to_char, in C), which costs less than
    building a datetime for every row and formatting it again in Python:
    a list page of 100 rows spent about a tenth of its time there. Other
    databases return the column as stored, and format_timestamp does the rest.
    """

    type = String()
    inherit_cache = True


@compiles(api_timestamp)
def _stored(element: api_timestamp, compiler: SQLCompiler, **kw) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(api_timestamp, "postgresql")
def _formatted_by_postgresql(element: api_timestamp, compiler: SQLCompiler, **kw) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def format_timestamp(moment: datetime | str) -> str:
    """ISO 8601 in UTC with microseconds and a Z, as the API shows times.

    Rows read on the driver cursor bring SQLite's stored text as is
    ("2026-11-26 03:04:05.678901", always UTC, the form SQLAlchemy writes),
    and PostgreSQL's api_timestamp text already in the API's form.
    """
    if isinstance(moment, str):
        if len(moment) == 26 and moment[10] == " ":
            return f"{moment[:10]}T{moment[11:]}Z"  # the form SQLAlchemy stores
        if len(moment) == API_TIME_LENGTH and moment[-1] == "Z":
            return moment  # formatted by the database (api_timestamp)
        moment = datetime.fromisoformat(moment).replace(tzinfo=UTC)
    elif moment.utcoffset():
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")[:26] + "Z"


def api_line(row: Sequence) -> str:
    """One score as the API's JSON object, built around the stored value text.

    scorer_config_version, ours, follows the contract's fields: the version
    of its scorer's config the value was checked against, or null.
    """
    score_id, prediction_id, scorer, value_json, run_id, author, created_at, version = row
    return (
        f'{{"score_id":"{score_id}","prediction_id":{encode_string(prediction_id)},'
        f'"scorer":{encode_string(scorer)},"value":{value_json},'
        f'"evaluation_run_id":{"null" if run_id is None else encode_string(run_id)},'
        f'"wb_user_id":{encode_string(author)},"created_at":"{format_timestamp(created_at)}",'
        f'"scorer_config_version":{"null" if version is None else version}}}'
    )


def _text(text: str | None) -> str:
    return "null" if text is None else encode_string(text)


def _time(moment: datetime | str | None) -> str:
    return "null" if moment is None else f'"{format_timestamp(moment)}"'


def run_line(row: Sequence) -> str:
    """One evaluation run as the API's JSON object (row: evaluation_rows.RUN_COLUMNS)."""
    run_id, evaluation, model, status, started_at, finished_at, summary_json, source = row
    return (
        f'{{"evaluation_run_id":"{run_id}","evaluation":{encode_string(evaluation)},'
        f'"model":{encode_string(model)},"status":"{status}","started_at":{_time(started_at)},'
        f'"finished_at":{_time(finished_at)},"summary":{summary_json or "null"},'
        f'"source_evaluation_run_id":{_text(source)}}}'
    )


def prediction_line(row: Sequence) -> str:
    """One prediction as the API's JSON object (row: evaluation_rows.PREDICTION_COLUMNS)."""
    prediction_id, model, inputs_json, output_json, run_id, author, created_at, spans = row
    return (
        f'{{"prediction_id":"{prediction_id}","model":{encode_string(model)},'
        f'"inputs":{inputs_json},"output":{output_json},"evaluation_run_id":{_text(run_id)},'
        f'"wb_user_id":{encode_string(author)},"created_at":"{format_timestamp(created_at)}",'
        f'"genai_span_ref":{spans or "null"}}}'
    )
