"""The CSV export never hands a spreadsheet a formula, in any column, whatever comes first."""

import csv
import io
import json

import pytest

from tests.admin.conftest import add_score, text

EXPORT = "/p/team/proj/export.csv"
SIGNS = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheet imports that trim leading spaces or line breaks evaluate what follows them.
LEADERS = ("", " ", "   ", "\n", " \n ", "\r\n", "\u00a0")
FORMULAS = [f"{leader}{sign}SUM(A1)" for leader in LEADERS for sign in SIGNS]
# Not plain numbers, though float() takes them: a spreadsheet runs or misreads them.
NUMBER_LOOKALIKES = ["-inf", "-Infinity", "-nan", "+1_000", "-0x1F", "--1", "-1+1", "\t-1", " -1"]
NUMBERS = ["-1.5", "-1", "+3", "-0.25e-3", "-1E+30", "-.5", "-12345678901234567890"]
HARMLESS = ["plain", "a=b", "a-b", "a@b", " plain", "\nplain", "x\n=1"]
TEXT_FIELDS = ("prediction_id", "scorer", "evaluation_run_id", "author", "comment")


def export_rows(client) -> dict[str, dict]:
    """The CSV export, parsed as a spreadsheet's CSV reader would, by score id."""
    response = client.get(EXPORT)
    assert response.status_code == 200
    return {row["score_id"]: row for row in csv.DictReader(io.StringIO(text(response)))}


def store_each(app, field: str, cells) -> dict[str, str]:
    """One score per cell, with the cell in the field; return {score_id: cell}."""
    return {add_score(app, **{field: cell}): cell for cell in cells}


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_every_formula_start_is_quoted_in_every_text_column(app, signed_in, field):
    stored = store_each(app, field, FORMULAS + NUMBER_LOOKALIKES)
    rows = export_rows(signed_in)
    wrong = {
        cell: rows[score_id][field]
        for score_id, cell in stored.items()
        if rows[score_id][field] != "'" + cell
    }
    assert wrong == {}


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_numbers_and_harmless_text_are_exported_as_they_are(app, signed_in, field):
    stored = store_each(app, field, NUMBERS + HARMLESS)
    rows = export_rows(signed_in)
    assert {cell: rows[score_id][field] for score_id, cell in stored.items()} == {
        cell: cell for cell in stored.values()
    }


def test_values_export_as_their_json_text_unquoted(app, signed_in):
    # A string value is exported as JSON text, which starts with a double quote, so
    # formula starts inside it are inert; negative numbers stay numbers.
    values = [*FORMULAS, *NUMBER_LOOKALIKES, -1.5, -1, -1e-05, -(10**30), -0.0]
    stored = {add_score(app, value=value): value for value in values}
    rows = export_rows(signed_in)
    assert {score_id: rows[score_id]["value"] for score_id in stored} == {
        score_id: json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        for score_id, value in stored.items()
    }
