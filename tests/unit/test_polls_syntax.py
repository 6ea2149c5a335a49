"""Reading `/poll new` as typed on a phone, and refusing what cannot be a poll."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.context import UserError
from bot.features.polls.records import MAX_OPTION_CHARS, MAX_OPTIONS, MIN_OPTIONS
from bot.features.polls.syntax import (
    Draft,
    parse_draft,
    same_option_key,
)


def test_question_and_options_split_on_bars() -> None:
    assert parse_draft("Where shall we meet? | Café Lisboa | Online | Library") == Draft(
        "Where shall we meet?", ("Café Lisboa", "Online", "Library"))


def test_line_breaks_work_as_separators_and_empty_parts_are_ignored() -> None:
    typed = "Where shall we meet?\nCafé Lisboa\n\n  Online  \nLibrary |"
    assert parse_draft(typed).options == ("Café Lisboa", "Online", "Library")


def test_flags_anywhere_with_phone_dashes_and_aliases() -> None:
    draft = parse_draft("—multi Days? | Fri | Sat --anónima –oculta --closes friday 18:00")
    assert draft == Draft("Days?", ("Fri", "Sat"), multiple=True, anonymous=True, hidden=True,
                          closes="friday 18:00")


def test_the_closing_time_ends_at_the_next_bar_or_flag() -> None:
    draft = parse_draft("Q? --closes in 2 hours | A | B --multi")
    assert (draft.closes, draft.options, draft.multiple) == ("in 2 hours", ("A", "B"), True)


def test_dashes_inside_words_are_not_flags() -> None:
    draft = parse_draft("Hosting? | Self--hosted | A -- B | -5 degrees")
    assert draft.options == ("Self--hosted", "A -- B", "-5 degrees")
    assert not (draft.multiple or draft.anonymous or draft.hidden)


@pytest.mark.parametrize(("typed", "says"), [
    ("", "Write the question"),
    ("   |  | ", "Write the question"),
    ("Lunch?", "Add the options"),
    ("Lunch? | Pizza", "You gave 1 option; a poll needs 2 to 10."),
    ("Lunch? " + "| x" * 0 + " | " + " | ".join(f"o{i}" for i in range(11)),
     "You gave 11 options; a poll needs 2 to 10."),
    ("Lunch? | Pizza | " + "x" * 101, "Option 2 is longer than 100 characters"),
    ("Lunch? | Café  Lisboa | café lisboa", "appears twice"),
    ("Lunch? | Pizza | PIZZA", "appears twice"),
    ("Lunch? | Pizza | Sushi --sometimes", "I don't know --sometimes"),
    ("Lunch? | Pizza | Sushi --closes", "When should the poll close?"),
    ("Q" * 251 + " | A | B", "The question is too long: 250 characters at most."),
])
def test_bad_polls_are_refused_with_what_to_do(typed: str, says: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_draft(typed)
    assert says in refused.value.message


def test_limits_are_inclusive() -> None:
    ten = parse_draft("Q? | " + " | ".join(f"option {i}" for i in range(10)))
    assert len(ten.options) == MAX_OPTIONS
    assert parse_draft("Q? | " + "x" * MAX_OPTION_CHARS + " | y").options[0] == "x" * 100


def test_direction_overrides_and_invisible_spaces_are_dropped() -> None:
    draft = parse_draft("Q? | \u202eYes | Pi\u200bzza | Sí")
    assert draft.options == ("Yes", "Pizza", "Sí")
    with pytest.raises(UserError):
        parse_draft("Q? | Pizza | Pi\u200bzza")


def test_option_identity_ignores_case_and_spacing_only() -> None:
    assert same_option_key(" Café   Lisboa ") == same_option_key("CAFÉ LISBOA")
    assert same_option_key("Cafe") != same_option_key("Café")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab c|\n—-–#é?Ω\t\u202e0"), max_size=80))
def test_any_text_is_a_valid_poll_or_a_clear_refusal(typed: str) -> None:
    try:
        draft = parse_draft(typed)
    except UserError as refused:
        assert refused.message
        return
    assert draft.question and MIN_OPTIONS <= len(draft.options) <= MAX_OPTIONS
    assert len({same_option_key(o) for o in draft.options}) == len(draft.options)
    assert all(o.strip() == o and o and "|" not in o and "\n" not in o and "\u202e" not in o
               for o in draft.options)
