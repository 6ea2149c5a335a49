"""Knowledge base counts read right in Arabic and Hindi at every plural form."""

from __future__ import annotations

from bot.i18n import FSI, PDI, ngettext, use_locale


def _helpful(locale: str, n: int) -> str:
    with use_locale(locale):
        text = ngettext("{n} person found this helpful.", "{n} people found this helpful.", n)
    return text.replace(FSI, "").replace(PDI, "")


def test_arabic_uses_each_form_of_its_header() -> None:
    assert [_helpful("ar", n) for n in (0, 1, 2, 3, 11, 100)] == [
        "لم يجد أحد هذا مفيدًا.",
        "وجد شخص واحد هذا مفيدًا.",
        "وجد شخصان هذا مفيدًا.",
        "وجد 3 أشخاص هذا مفيدًا.",
        "وجد 11 شخصًا هذا مفيدًا.",
        "وجد 100 شخص هذا مفيدًا.",
    ]


def test_hindi_and_spanish_counts() -> None:
    assert [_helpful("hi", n) for n in (0, 1, 2)] == [
        "0 व्यक्ति को यह मददगार लगा।", "1 व्यक्ति को यह मददगार लगा।",
        "2 लोगों को यह मददगार लगा।"]
    assert [_helpful("es", n) for n in (1, 2, 1_000_000)] == [
        "1 persona encontró esto útil.", "2 personas encontraron esto útil.",
        "1.000.000 personas encontraron esto útil."]
