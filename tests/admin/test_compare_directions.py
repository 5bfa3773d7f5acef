"""The Compare page colours changes by the scorer's config: lower is better makes a drop
better; a config without a direction colours nothing and sorts rows by how far they moved;
no config is higher-is-better. A short name takes the config saved last among its versions'.
The gate is on the signed change, whatever the direction."""

import re

import pytest

from app.services import directions, scorer_configs
from app.validation import validate_scorer_config
from tests.admin.conftest import text
from tests.admin.review_pages import row_inputs, stat_row
from tests.builders import make_prediction, make_run, make_score

LATENCY_V1 = "weave:///team/proj/object/latency:v1"
LATENCY_V2 = "weave:///team/proj/object/latency:v2"
TOXIC = "weave:///team/proj/object/toxic:v1"
LENGTH = "weave:///team/proj/object/length:v1"
# Row: (baseline, candidate) of latency, toxic, length.
TABLE = {
    "r0": ((1.0, True, 10), (3.0, False, 10)),
    "r1": ((3.0, True, 10), (1.0, False, 4)),
    "r2": ((2.0, False, 10), (0.5, False, 13)),
}


def _config(app, scorer, schema, **fields):
    with app.app_context():
        body = {"scorer": scorer, "field_schema": schema, **fields}
        scorer_configs.save_config("team", "proj", validate_scorer_config(body), "someone")


@pytest.fixture
def runs(app):
    """Latency means 2.0 then 1.5; toxic 2/3 then 0/3; length 10 then 9. Latency scored by
    its version 2, whose config comes later (or never)."""
    baseline, candidate = make_run(app), make_run(app)
    for row, sides in TABLE.items():
        for run_id, (latency, toxic, length) in zip((baseline, candidate), sides, strict=True):
            prediction = make_prediction(app, run_id, {"q": row}, f"answer to {row}")
            make_score(app, prediction, LATENCY_V2, latency, run_id)
            make_score(app, prediction, TOXIC, toxic, run_id)
            make_score(app, prediction, LENGTH, length, run_id)
    return baseline, candidate


def page(client, runs, **params):
    response = client.get("/p/team/proj/compare", query_string={"runs": list(runs), **params})
    assert response.status_code == 200, text(response)
    return text(response)


def verdict_of(row: str) -> str | None:
    match = re.search(r'class="num change(?: change-(\w+))?"', row)
    assert match, row
    return match.group(1)


def test_lower_is_better_colours_a_drop_better(app, signed_in, runs):
    # No configs: higher is better, so both drops are worse.
    html = page(signed_in, runs)
    assert verdict_of(stat_row(html, "latency", "value")) == "worse"
    assert verdict_of(stat_row(html, "toxic", "value")) == "worse"
    # latency's config names its version 1: the short name takes it.
    _config(app, LATENCY_V1, {"type": "number", "minimum": 0}, direction="lower",
            display_name="Latency (s)")  # fmt: skip
    _config(app, TOXIC, {"type": "boolean"}, direction="lower")
    html = page(signed_in, runs)
    latency = stat_row(html, "Latency (s)", "value")
    assert verdict_of(latency) == "better" and "−0.5" in latency
    assert re.search(r'title="latency">Latency \(s\) <span class="muted direction">↓ lower', html)
    toxic = stat_row(html, "toxic", "value")
    assert verdict_of(toxic) == "better" and "−66.7 pts" in toxic
    assert 'data-label="Scorer">toxic <span class="muted direction">↓ lower is better' in html
    # The rows: a drop is marked better, a rise worse, and "worst" is the largest rise.
    worst = page(signed_in, runs, sort="worst:latency")
    assert row_inputs(worst) == ["r0", "r2", "r1"]
    first = worst.split("<tbody>")[-1].split("</tr>")[0]
    assert 'class="leaf leaf-moved change-worse"><span class="leaf-name">latency<' in first
    assert 'class="leaf leaf-flipped change-better"><span class="leaf-name">toxic<' in first
    assert row_inputs(page(signed_in, runs, sort="best:latency")) == ["r1", "r2", "r0"]
    # A config saved later for the version that scored decides from then on.
    _config(app, LATENCY_V2, {"type": "number"}, direction="higher")
    html = page(signed_in, runs)
    assert verdict_of(stat_row(html, "latency", "value")) == "worse"
    assert "↑ higher is better" in html
    assert row_inputs(page(signed_in, runs, sort="worst:latency")) == ["r1", "r2", "r0"]


def test_a_config_without_direction_colours_nothing_and_sorts_by_movement(app, signed_in, runs):
    _config(app, LENGTH, {"type": "integer"})  # direction null
    html = page(signed_in, runs)
    length = stat_row(html, "length", "value")
    assert verdict_of(length) is None and "−1" in length
    assert 'data-label="Scorer">length <span class="muted direction">no direction<' in html
    assert "moved most first" in length and "worst first" not in length
    assert "Moved most: length" in html and "Worst regression: length" not in html
    # Rows by how far they moved, either way: r1 by 6, r2 by 3, r0 not at all.
    moved = page(signed_in, runs, sort="worst:length")
    assert row_inputs(moved) == ["r1", "r2", "r0"]
    first = moved.split("<tbody>")[-1].split("</tr>")[0]
    assert 'class="leaf leaf-moved"><span class="leaf-name">length<' in first  # no colour
    # Archived: the default again.
    with app.app_context():
        scorer_configs.archive_config("team", "proj", LENGTH)
    assert verdict_of(stat_row(page(signed_in, runs), "length", "value")) == "worse"


def test_directions_of_a_project(app):
    _config(app, LATENCY_V1, {"type": "number"}, direction="lower")
    _config(app, LENGTH, {"type": "integer"})
    _config(app, TOXIC, {"type": "boolean"}, direction="higher")
    with app.app_context():
        ways = directions.of_project("team", "proj")
    assert ways.leaf("latency", None, "continuous") == directions.LOWER
    assert ways.leaf("latency", "part", "binary") == directions.LOWER
    assert ways.leaf("latency", None, "text") == directions.NONE
    assert ways.leaf("length", None, "continuous") == directions.NONE
    assert ways.leaf("toxic", None, "binary") == directions.HIGHER
    assert ways.leaf("unconfigured", None, "continuous") == directions.HIGHER
    assert ways.leaf("unconfigured", None, "text") == directions.NONE


def test_the_gate_is_on_the_change_whatever_the_direction(app, runs):
    _config(app, LATENCY_V2, {"type": "number"}, direction="lower")
    baseline, candidate = runs

    def gate(text):
        return app.test_cli_runner().invoke(
            args=["compare", baseline, candidate, "--project", "team/proj", "--fail-if", text]
        )

    # Latency fell by 0.5: better for this scorer, and a gate on a fall still fails.
    assert gate("latency < -0.1").exit_code == 1
    assert gate("latency > 0.1").exit_code == 0
