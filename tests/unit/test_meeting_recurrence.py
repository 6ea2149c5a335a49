"""Recurrence and zones: wall-clock series across daylight-saving changes, typed repetitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.context import UserError
from bot.features.meetings.records import Meeting
from bot.features.meetings.recurrence import (
    MAX_OCCURRENCES,
    current,
    ical_rrule,
    key_of,
    occurrences,
    parse_repeat,
    to_utc,
    upcoming,
)
from bot.features.meetings.render import when_text
from bot.features.meetings.words import describe
from bot.i18n import use_locale

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def series(start: datetime, zone: str, rule: str | None, **kw: object) -> Meeting:
    return Meeting(id=1, community_id=1, title="Dialogue", start_local=start, zone=zone,
                   duration=timedelta(minutes=90), rrule=rule, **kw)  # type: ignore[arg-type]


def utc_hours(meeting: Meeting) -> list[tuple[str, int]]:
    return [(o.start.strftime("%m-%d"), o.start.hour) for o in occurrences(meeting)]


def test_madrid_series_keeps_18h_local_across_spring_and_autumn_changes() -> None:
    weekly = series(datetime(2026, 3, 20, 18, 0), "Europe/Madrid", "FREQ=WEEKLY;BYDAY=FR;COUNT=3")
    # 20 March CET (UTC+1), 27 March still CET, 3 April CEST (UTC+2).
    assert utc_hours(weekly) == [("03-20", 17), ("03-27", 17), ("04-03", 16)]
    autumn = series(datetime(2026, 10, 16, 18, 0), "Europe/Madrid", "FREQ=WEEKLY;BYDAY=FR;COUNT=3")
    assert utc_hours(autumn) == [("10-16", 16), ("10-23", 16), ("10-30", 17)]
    assert {o.local.hour for o in occurrences(weekly) + occurrences(autumn)} == {18}


def test_mexico_city_follows_the_zone_data_not_an_assumption() -> None:
    # Mexico observed summer time until 30 October 2022 and abolished it afterwards.
    before = series(datetime(2022, 10, 20, 18, 0), "America/Mexico_City",
                    "FREQ=WEEKLY;BYDAY=TH;COUNT=3")
    assert [(o.start.strftime("%m-%d"), o.start.hour) for o in occurrences(before)] == [
        ("10-20", 23), ("10-27", 23), ("11-04", 0)]
    # Since then, no change in April or October: always UTC-6.
    since = series(datetime(2027, 3, 25, 18, 0), "America/Mexico_City",
                   "FREQ=WEEKLY;BYDAY=TH;UNTIL=20271104T235900")
    assert {o.start.hour for o in occurrences(since)} == {0}
    assert len(occurrences(since)) == 33


def test_times_a_spring_change_skips_move_forward_and_repeated_times_take_the_first() -> None:
    sunday = series(datetime(2026, 3, 22, 2, 30), "Europe/Madrid", "FREQ=WEEKLY;BYDAY=SU;COUNT=2")
    first, second = occurrences(sunday)
    assert (first.start.hour, first.start.minute) == (1, 30)
    # 02:30 does not exist on 29 March: read with the offset before the change = 03:30 CEST.
    assert second.start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    autumn = series(datetime(2026, 10, 25, 2, 30), "Europe/Madrid", None)
    assert occurrences(autumn)[0].start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_each_reader_sees_their_zone_and_the_gap_changes_with_madrid_summer_time() -> None:
    winter = to_utc(datetime(2026, 3, 20, 18, 0), "Europe/Madrid")
    summer = to_utc(datetime(2026, 4, 3, 18, 0), "Europe/Madrid")
    with use_locale("en"):
        assert when_text(winter, "Europe/Madrid", "America/Mexico_City").endswith(
            "6:00\u202fPM Madrid · 11:00\u202fAM your time")
        assert when_text(summer, "Europe/Madrid", "America/Mexico_City").endswith(
            "6:00\u202fPM Madrid · 10:00\u202fAM your time")
        late = to_utc(datetime(2026, 4, 3, 23, 30), "America/Mexico_City")
        assert "Sat 7:30\u202fAM your time" in when_text(late, "America/Mexico_City",
                                                          "Europe/Madrid")
    with use_locale("es"):
        assert when_text(winter, "Europe/Madrid") == "viernes, 20 de marzo de 2026, 18:00 (Madrid)"


def test_skips_and_moves_apply_to_the_named_date_only() -> None:
    weekly = series(datetime(2026, 3, 20, 18, 0), "Europe/Madrid", "FREQ=WEEKLY;BYDAY=FR;COUNT=4",
                    exceptions={"20260327T1800": None,
                                "20260403T1800": datetime(2026, 4, 4, 11, 0)})
    dates = occurrences(weekly)
    assert [o.key for o in dates] == ["20260320T1800", "20260403T1800", "20260410T1800"]
    moved = dates[1]
    assert moved.moved and moved.start == datetime(2026, 4, 4, 9, 0, tzinfo=UTC)
    assert current(weekly, datetime(2026, 3, 20, 18, 0, tzinfo=UTC)).key == "20260320T1800"
    assert upcoming(weekly, datetime(2026, 3, 20, 18, 0, tzinfo=UTC)).key == "20260403T1800"
    assert current(weekly, datetime(2027, 1, 1, tzinfo=UTC)) is None


START = datetime(2026, 1, 9, 18, 0)  # a Friday


@pytest.mark.parametrize(("typed", "locale", "rule"), [
    ("weekly count 10", "en", "FREQ=WEEKLY;COUNT=10;BYDAY=FR"),
    ("every 2 weeks until 2026-06-30", "en", "FREQ=WEEKLY;INTERVAL=2;UNTIL=20260630T235900;BYDAY=FR"),
    ("monthly 2nd tuesday count 6", "en", "FREQ=MONTHLY;COUNT=6;BYDAY=+2TU"),
    ("monthly day 15 count 3", "en", "FREQ=MONTHLY;COUNT=3;BYMONTHDAY=15"),
    ("monthly last friday 5 times", "en", "FREQ=MONTHLY;COUNT=5;BYDAY=-1FR"),
    ("cada 2 semanas hasta el 30 de junio de 2026", "es",
     "FREQ=WEEKLY;INTERVAL=2;UNTIL=20260630T235900;BYDAY=FR"),
    ("mensual segundo martes 6 veces", "es", "FREQ=MONTHLY;COUNT=6;BYDAY=+2TU"),
    ("mensuel le dernier vendredi jusqu'au 30 juin 2026", "fr",
     "FREQ=MONTHLY;UNTIL=20260630T235900;BYDAY=-1FR"),
    ("toutes les 2 semaines 4 fois", "fr", "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=FR"),
    ("mensal segunda terça até 30/06/2026", "pt",
     "FREQ=MONTHLY;UNTIL=20260630T235900;BYDAY=+2TU"),
    ("RRULE:FREQ=WEEKLY;BYDAY=FR;UNTIL=20260301T000000Z", "en",
     "FREQ=WEEKLY;UNTIL=20260301T010000;BYDAY=FR"),
])
def test_typed_repetitions_become_rrules(typed: str, locale: str, rule: str) -> None:
    repeat = parse_repeat(typed, start_local=START, zone="Europe/Madrid", now=NOW, locale=locale)
    assert sorted(repeat.rrule.split(";")) == sorted(rule.split(";"))


def test_a_rule_that_misses_the_start_moves_the_first_date_onto_its_pattern() -> None:
    repeat = parse_repeat("monthly 2nd tuesday count 3", start_local=START, zone="Europe/Madrid",
                          now=NOW, locale="en")
    assert repeat.first == datetime(2026, 1, 13, 18, 0)
    assert key_of(repeat.first) == "20260113T1800"


@pytest.mark.parametrize(("typed", "fragment"), [
    ("weekly", "Until when should it repeat?"),
    ("every 2 weeks", "Until when should it repeat?"),
    ("FREQ=WEEKLY;BYDAY=FR", "Until when should it repeat?"),
    ("weekly count 0", "at least one date"),
    ("weekly count 10000", "at most 500 dates"),
    ("daily until 2028-12-31", "more than 500 dates"),
    ("weekly on fryday count 3", "could not read"),
    ("whenever we feel like it", "could not read"),
    ("weekly until 2025-06-30", "has already passed"),
    ("weekly until 2026-01-08", "before the first meeting"),
    ("FREQ=SECONDLY;COUNT=5", "daily, weekly, monthly or yearly"),
    ("FREQ=WEEKLY;BYDAY=XX;COUNT=3", "could not read"),
    ("yearly until 2035-01-01", "five years"),
])
def test_unclear_endless_or_huge_repetitions_are_refused(typed: str, fragment: str) -> None:
    with pytest.raises(UserError) as err:
        parse_repeat(typed, start_local=START, zone="Europe/Madrid", now=NOW, locale="en")
    assert fragment in err.value.message


def test_no_series_ever_expands_past_the_cap() -> None:
    endless = series(datetime(2026, 1, 1, 18, 0), "UTC", "FREQ=DAILY")
    assert len(occurrences(endless)) == MAX_OCCURRENCES


def test_rules_are_described_in_the_readers_language() -> None:
    rule = "FREQ=MONTHLY;UNTIL=20270630T235900;BYDAY=+2TU"
    with use_locale("en"):
        assert describe(rule, "Europe/Madrid") == (
            "Every month, on the second Tuesday, until Jun 30, 2027")
    with use_locale("es"):
        assert describe(rule, "Europe/Madrid").startswith("Cada mes, el segundo martes")
    with use_locale("fr"):
        assert describe("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;COUNT=10", "UTC").startswith(
            "Toutes les 2 semaines, le vendredi")
    with use_locale("en"):
        assert describe("FREQ=WEEKLY;BYHOUR=9,18;COUNT=4", "UTC").startswith("Repeats:")


def test_calendar_rules_carry_a_utc_until() -> None:
    assert ical_rrule("FREQ=WEEKLY;UNTIL=20260630T235900;BYDAY=FR", "Europe/Madrid") == (
        "FREQ=WEEKLY;UNTIL=20260630T215900Z;BYDAY=FR")
