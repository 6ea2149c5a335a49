"""The delivery report's words: counts in every language's plural forms, no member named."""

from __future__ import annotations

from bot.events import ChatKind, Platform
from bot.features.notices.records import Copy, Notice, NoticeText
from bot.features.notices.report import render_report
from bot.i18n import FSI, PDI, use_locale
from bot.records import Chat, DeliveryStatus


def _copies(sent: int, failed_private: int) -> list[Copy]:
    out = []
    for n in range(sent + failed_private):
        private = n >= sent
        chat = Chat(n + 1, Platform.TELEGRAM, f"{n}", ChatKind.PRIVATE if private else
                    ChatKind.GROUP, 1, None if private else f"Group {n}")
        status = DeliveryStatus.FAILED if private else DeliveryStatus.SENT
        out.append(Copy(n + 1, chat, status, "Forbidden: bot was blocked by the user", 0))
    return out


def _report(locale: str, seen: int, sent: int = 3, failed_private: int = 0) -> str:
    notice = Notice(7, 1, None, None, "es", texts={"es": NoticeText("Aviso", "Texto")},
                    seen_button=True)
    with use_locale(locale):
        return render_report(notice, _copies(sent, failed_private), seen, busy=False).plain()


def test_arabic_counts_take_each_plural_form() -> None:
    expected = {0: "لم يشاهده أحد بعد.", 1: "شاهده شخص واحد.", 2: "شاهده شخصان.",
                3: f"شاهده {FSI}3{PDI} أشخاص.", 11: f"شاهده {FSI}11{PDI} شخصًا.",
                100: f"شاهده {FSI}100{PDI} شخص."}
    for n, line in expected.items():
        assert line in _report("ar", n).splitlines(), n
    finished = {1: "اكتمل: تلقت دردشة واحدة الإعلان.", 2: "اكتمل: تلقت دردشتان الإعلان.",
                11: f"اكتمل: تلقت {FSI}11{PDI} دردشةً الإعلان."}
    for n, line in finished.items():
        assert line in _report("ar", 0, sent=n).splitlines(), n


def test_hindi_spanish_and_french_counts() -> None:
    assert "1 व्यक्ति ने देखा।" in _report("hi", 1)
    assert "2 लोगों ने देखा।" in _report("hi", 2)
    assert "Visto por 1 persona." in _report("es", 1)
    assert "Visto por 0 personas." in _report("es", 0)
    assert "Vu par 0 personne." in _report("fr", 0)
    assert "Terminé\xa0: 3 discussions ont reçu l'avis." in _report("fr", 0)


def test_private_chats_are_counted_never_named() -> None:
    report = _report("en", 0, sent=2, failed_private=3)
    assert "Telegram — delivered: 2, pending: 0, failed: 3" in report
    block = report.split("Not delivered:\n", 1)[1].split("\n\n", 1)[0]
    assert block == "• 3 private chats of members (not named)"
    assert "Total: 5 chats subscribed, 3 not delivered." in report
