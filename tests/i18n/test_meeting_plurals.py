"""Counted meeting phrases follow each catalog's own plural rule (Arabic's six forms)."""

from __future__ import annotations

import pytest

from bot.i18n import FSI, PDI, ngettext, use_locale
from bot.i18n import _ as tr


@pytest.mark.parametrize(("n", "weeks", "attendees"), [
    (0, f"كل {FSI}0{PDI} أسبوع", f"{FSI}0{PDI} حاضر"),
    (1, "كل أسبوع", "حاضر واحد"),
    (2, "كل أسبوعين", "حاضران"),
    (3, f"كل {FSI}3{PDI} أسابيع", f"{FSI}3{PDI} حاضرين"),
    (11, f"كل {FSI}11{PDI} أسبوعًا", f"{FSI}11{PDI} حاضرًا"),
    (100, f"كل {FSI}100{PDI} أسبوع", f"{FSI}100{PDI} حاضر"),
])
def test_arabic_counts_take_the_form_their_number_needs(n: int, weeks: str,
                                                        attendees: str) -> None:
    with use_locale("ar"):
        assert ngettext("Every week", "Every {n} weeks", n) == weeks
        text = ngettext("{n} attendee: {names}", "{n} attendees: {names}", n, names="Ana")
        assert text == f"{attendees}: {FSI}Ana{PDI}"


@pytest.mark.parametrize(("locale", "one", "many"), [
    ("es", "1 asistirá", "2 asistirán"),
    ("fr", "1 vient", "2 viennent"),
    ("pt", "1 vai", "2 vão"),
    ("hi", "1 शामिल होंगे", "2 शामिल होंगे"),
])
def test_answer_counts_in_other_languages(locale: str, one: str, many: str) -> None:
    with use_locale(locale):
        assert ngettext("{n} going", "{n} going", 1) == one
        assert ngettext("{n} going", "{n} going", 2) == many
        assert tr("No answers yet.") != "No answers yet."
