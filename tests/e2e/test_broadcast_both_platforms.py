"""A notice to 300 chats over the real Telegram and Discord adapters, with faults injected."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from adapters.discord import DiscordAdapter
from adapters.telegram import TelegramAdapter
from bot.app import App
from bot.clock import FakeClock
from bot.events import ChatKind, ChatRef, Platform
from scheduling.pacing import Limits
from tests.adapters.telegram_harness import TEST_RETRY
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram, FaultKind
from tests.support import open_store, settings_for_tests

LANGS = ("es", "en", "fr", "pt", "ar", "hi")
HEADERS = {"es": "Aviso oficial", "en": "Official notice", "fr": "Avis officiel"}
TITLES = {"es": "Oficina cerrada", "en": "Office closed", "fr": "Bureau fermé"}
CONSUL = 7001


async def test_300_chats_on_both_fakes_each_get_one_copy_in_their_language(
        tmp_path: Path) -> None:
    clock = FakeClock()
    async with FakeTelegram() as tg, FakeDiscord() as dc, \
            open_store(f"sqlite+aiosqlite:///{tmp_path}/b.db", clock) as store:
        settings = settings_for_tests(
            telegram_bot_token=tg.token, telegram_api_base_url=tg.base_url,
            discord_bot_token=dc.token, discord_api_base_url=dc.api_base,
            discord_gateway_url=dc.gateway_url, operator_ids=[f"telegram:{CONSUL}"])
        app = App(settings, store, clock)
        telegram = TelegramAdapter(app, settings, retry=TEST_RETRY, poll_timeout=1)
        discord = DiscordAdapter(app, settings)
        app.add_messenger(discord.messenger, Limits(per_second=200))
        tg.add_user(CONSUL, "Consul", language_code="es")
        guild = dc.add_guild("Diáspora", preferred_locale="es-ES")
        chats: list[tuple[Platform, str, str]] = []
        for n in range(150):
            tg.add_chat(-10_000 - n, "supergroup", f"Grupo {n}")
            chats.append((Platform.TELEGRAM, str(-10_000 - n), LANGS[n % 6]))
            channel = dc.add_channel(guild, f"canal-{n}")
            chats.append((Platform.DISCORD, str(channel), LANGS[(n + 3) % 6]))
        await app.start()
        await telegram.start()
        await discord.start()
        try:
            await _register_and_subscribe(app, chats)
            await _publish(telegram, tg, clock)
            tg.set_fault_rate(0.1, (FaultKind.RETRY_AFTER, FaultKind.SERVER_ERROR), seed=3)
            dc.set_fault_rate(0.1, (429, 500), seed=3)
            for _ in range(60):
                clock.advance(timedelta(seconds=10))
                await app.worker.drain(within=20)
                if not await store.outbox.peek_due(clock.now() + timedelta(days=1)):
                    break
            tg.set_fault_rate(0)
            dc.set_fault_rate(0)
        finally:
            await discord.stop()
            await telegram.stop()
            await app.stop()
        assert tg.faults_injected > 0 and sum(dc.stats.faults.values()) > 0
        copies: Counter[str] = Counter()
        for platform, chat_id, lang in chats:
            if platform == Platform.TELEGRAM:
                texts = [m.text for m in tg.messages(int(chat_id))]
            else:
                texts = [m.content + "".join(str(e.get("title", "")) + str(
                    e.get("description", "")) for e in m.embeds)
                    for m in dc.messages(int(chat_id))]
            notice = [t for t in texts if "Oficina cerrada" in t or "Office closed" in t
                      or "Bureau fermé" in t]
            assert len(notice) == 1, (platform, chat_id, texts)
            copies[platform] += 1
            expected = TITLES.get(lang, TITLES["es"])
            assert expected in notice[0], (lang, notice[0])
            if lang in HEADERS:
                assert HEADERS[lang] in notice[0]
        assert copies == {Platform.TELEGRAM: 150, Platform.DISCORD: 150}


async def _register_and_subscribe(app: App, chats: list[tuple[Platform, str, str]]) -> None:
    from bot.features.notices import broadcasters as register

    store = app.store
    now = app.clock.now()
    org = await register.add(store, now, register.Actor(via="cli"), "mx-madrid",
                             "Consulado General de México en Madrid", "MX", "es")
    await register.attach(store, now, register.Actor(via="cli"), "mx-madrid",
                          f"telegram:{CONSUL}")
    for platform, chat_id, lang in chats:
        chat = await store.chats.ensure(ChatRef(platform, chat_id, ChatKind.GROUP), lang)
        await store.notices.subscribe(chat.id, org.id, [], None)


async def _publish(telegram: TelegramAdapter, tg: FakeTelegram, clock: FakeClock) -> None:
    lines = ["/notice new Oficina cerrada | La oficina cierra el lunes. | documents | es",
             "/notice text 1 en Office closed | The office is closed on Monday.",
             "/notice text 1 fr Bureau fermé | Le bureau est fermé lundi.",
             "/notice publish 1"]
    for line in lines:
        pushed = tg.push_command(CONSUL, CONSUL, line)
        await telegram.wait_handled(pushed.update_id, 10)
    assert any("1" in m.text for m in tg.messages(CONSUL))
