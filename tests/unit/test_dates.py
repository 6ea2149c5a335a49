"""Typed dates in several languages, always future, never a silent guess."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.context import UserError
from bot.dates import parse_duration, parse_when

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # a Saturday


@pytest.mark.parametrize(("typed", "locale", "expected"), [
    ("next friday 6pm", "en", "2026-12-04 18:00"),
    ("2026-12-05 18:00", "en", "2026-12-05 18:00"),
    ("viernes 18:00", "es", "2026-12-04 18:00"),
    ("5 de diciembre 18:00", "es", "2026-12-05 18:00"),
    ("demain 18h", "fr", "2026-11-29 18:00"),
    ("le 5 décembre à 18h30", "fr", "2026-12-05 18:30"),
    ("sexta-feira 18h", "pt", "2026-12-04 18:00"),
    ("الجمعة ١٨:٠٠", "ar", "2026-12-04 18:00"),
    ("25/06/2027 18:00", "es", "2027-06-25 18:00"),
])
def test_dates_are_read_in_the_chats_language(typed: str, locale: str, expected: str) -> None:
    moment = parse_when(typed, locale=locale, zone="Europe/Madrid", now=NOW)
    assert moment.strftime("%Y-%m-%d %H:%M") == expected
    assert moment.tzinfo is not None and moment > NOW


def test_the_zone_decides_the_moment() -> None:
    madrid = parse_when("2026-12-05 18:00", locale="en", zone="Europe/Madrid", now=NOW)
    mexico = parse_when("2026-12-05 18:00", locale="en", zone="America/Mexico_City", now=NOW)
    assert mexico - madrid == timedelta(hours=7)


@pytest.mark.parametrize(("typed", "fragment"), [
    ("friday", "At what time?"),
    ("05/06/2027 18:00", "can be read two ways"),
    ("2026-11-01 10:00", "has already passed"),
    ("2026-03-29 02:30", "does not exist"),
    ("blah blah", "could not read"),
    ("", "When?"),
    ("2040-01-01 10:00", "five years"),
])
def test_unclear_dates_get_a_question_back(typed: str, fragment: str) -> None:
    with pytest.raises(UserError) as err:
        parse_when(typed, locale="en", zone="Europe/Madrid", now=NOW)
    assert fragment in err.value.message


@pytest.mark.parametrize(("typed", "minutes"), [
    ("90", 90), ("90m", 90), ("1h30", 90), ("2h", 120), ("1:30", 90), ("45 min", 45),
    ("0", None), ("abc", None), ("25h", None), ("", None),
])
def test_durations(typed: str, minutes: int | None) -> None:
    parsed = parse_duration(typed)
    assert (parsed.total_seconds() / 60 if parsed else None) == minutes


@pytest.mark.parametrize(("typed", "has_time"), [
    ("friday 18:00", True), ("demain 18h", True), ("next friday 6pm", True),
    ("2026-12-05", False), ("viernes", False), ("30 de junio", False),
])
def test_a_time_of_day_is_told_apart_from_a_date(typed: str, has_time: bool) -> None:
    from bot.dates import has_time_of_day

    assert has_time_of_day(typed) is has_time


@pytest.mark.parametrize(("typed", "expected"), [
    ("yesterday", "Friday, November 27, 2026 has already passed. Please give a day and time in "
                  "the future, for example 2026-11-29 18:00."),
    ("2026-11-01", "Sunday, November 1, 2026 has already passed"),
    ("friday", "At what time? For example: friday 18:00."),
    ("today", "At what time? For example: today 18:00."),
])
def test_an_example_is_always_in_the_future(typed: str, expected: str) -> None:
    with pytest.raises(UserError) as err:
        parse_when(typed, locale="en", zone="UTC", now=NOW)
    assert err.value.message.startswith(expected)


def test_today_in_the_evening_gets_tomorrow_as_the_example() -> None:
    with pytest.raises(UserError) as err:
        parse_when("today", locale="en", zone="UTC", now=NOW.replace(hour=19))
    assert err.value.message == "At what time? For example: 2026-11-29 18:00."
