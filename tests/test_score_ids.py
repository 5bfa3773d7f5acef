"""Ids made for a given time fall in that time's millisecond, boundaries included."""

from datetime import UTC, datetime, timedelta

from app.score_ids import epoch_milliseconds, id_at, id_floor

MILLISECOND = timedelta(milliseconds=1)


def test_every_millisecond_of_a_second_maps_to_itself():
    # A float timestamp puts over a third of these in the millisecond before.
    start = datetime(2026, 11, 12, 22, 12, 37, tzinfo=UTC)
    for step in range(1000):
        moment = start + step * MILLISECOND
        assert id_floor(moment) <= id_at(moment) < id_floor(moment + MILLISECOND)


def test_a_moment_inside_a_millisecond_rounds_down():
    moment = datetime(2026, 11, 12, 22, 12, 37, 797_999, tzinfo=UTC)
    assert epoch_milliseconds(moment) == epoch_milliseconds(moment.replace(microsecond=797_000))
    assert id_at(moment) < id_floor(moment.replace(microsecond=798_000))


def test_floor_of_the_epoch_and_before_is_the_smallest_id():
    assert id_floor(datetime(1970, 1, 1, tzinfo=UTC)) == "00000000-0000-0000-0000-000000000000"
    assert id_floor(datetime(1969, 12, 31, tzinfo=UTC)) == "00000000-0000-0000-0000-000000000000"
