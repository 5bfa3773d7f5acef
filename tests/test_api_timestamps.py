"""created_at is the stored instant in UTC, with microseconds and a Z, on every path.

PostgreSQL writes the text itself (api_timestamp); SQLite's stored text is
reshaped in Python. Both must agree to the microsecond, whatever time zone
the database session runs in.
"""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert

from app.extensions import db
from app.models import Score
from app.score_ids import id_at
from app.storage import scorer_digest
from tests.builders import basic, make_api_user

URL = "/v2/team/times/scores"
MOMENTS = [
    datetime(2026, 11, 26, 3, 4, 5, 678901, tzinfo=UTC),
    datetime(2026, 11, 26, 3, 4, 6, tzinfo=UTC),  # no microseconds: still six digits
    datetime(2026, 11, 26, 3, 4, 7, 1, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),  # a year's last microsecond
    # Given in another zone: shown as the same instant in UTC.
    datetime(2027, 1, 1, 5, 30, 0, 250000, tzinfo=timezone(timedelta(hours=5, minutes=30))),
]
EXPECTED = [
    "2026-11-26T03:04:05.678901Z",
    "2026-11-26T03:04:06.000000Z",
    "2026-11-26T03:04:07.000001Z",
    "2026-12-31T23:59:59.999999Z",
    "2027-01-01T00:00:00.250000Z",
]
IDS = [id_at(moment) for moment in MOMENTS]


@pytest.fixture(params=["UTC", "Pacific/Chatham"])
def session_zone_app(request, database_url, make_app):
    """The app with its PostgreSQL sessions in the given time zone (SQLite has none)."""
    url = database_url
    if not url.startswith("sqlite"):
        url += ("&" if "?" in url else "?") + f"options=-c%20timezone%3D{request.param}"
    elif request.param != "UTC":
        pytest.skip("SQLite sessions have no time zone")
    application = make_app(url)
    with application.app_context():
        db.session.execute(
            insert(Score),
            [
                {
                    "id": IDS[index],
                    "entity": "team",
                    "project": "times",
                    "prediction_id": f"p{index}",
                    "scorer": "s",
                    "scorer_digest": scorer_digest("s"),
                    "value_json": str(index),
                    "evaluation_run_id": None,
                    "created_by": "seed",
                    "source": "api",
                    "created_at": moment,
                }
                for index, moment in enumerate(MOMENTS)
            ],
        )
        db.session.commit()
    return application


def _times(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [json.loads(line)["created_at"] for line in response.get_data(as_text=True).splitlines()]


def test_list_page_and_full_stream_show_utc_microseconds(session_zone_app):
    key = make_api_user(session_zone_app, "alice")[1]
    client = session_zone_app.test_client()
    assert _times(client.get(f"{URL}?limit=100", headers=basic(key))) == EXPECTED
    assert _times(client.get(f"{URL}?offset=1", headers=basic(key))) == EXPECTED[1:]
    assert _times(client.get(URL, headers=basic(key))) == EXPECTED  # the unbounded stream


def test_read_one_shows_utc_microseconds(session_zone_app):
    key = make_api_user(session_zone_app, "alice")[1]
    client = session_zone_app.test_client()
    for score_id, expected in zip(IDS, EXPECTED, strict=True):
        response = client.get(f"{URL}/{score_id}", headers=basic(key))
        assert response.status_code == 200
        assert response.get_json()["created_at"] == expected
