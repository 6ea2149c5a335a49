"""Webhook mode: Telegram POSTs updates to our small server, which checks the secret token."""

from __future__ import annotations

import aiohttp
import pytest

from adapters.telegram.webhook import (
    SECRET_HEADER,
    checked_secret,
    derived_secret,
    listen_address,
    url_path,
)
from bot.config import ConfigError
from tests.adapters.telegram_harness import telegram_harness

ADA = 901
SECRET = "s3cret-Token_1"


async def test_updates_arrive_by_webhook_and_are_answered(db_url: str) -> None:
    async with telegram_harness(db_url, webhook=True, telegram_webhook_secret=SECRET) as tg:
        fake = tg.fake
        assert fake.webhook is not None
        assert fake.webhook["secret_token"] == SECRET
        hook = fake.webhook["url"]
        assert hook.endswith("/telegram/hook")
        assert fake.call_count("getUpdates") == 0
        fake.add_user(ADA, "Ada", language_code="pt")
        [hello] = await tg.command(ADA, ADA, "/start")
        assert hello.text.startswith("Olá, Ada!")
        await fake.wait_until(lambda: fake.webhook_deliveries)
        assert [d.status for d in fake.webhook_deliveries] == [200]
        async with aiohttp.ClientSession() as http:
            update = {"update_id": 1, "message": {}}
            for headers in ({}, {SECRET_HEADER: "wrong"}):
                async with http.post(hook, json=update, headers=headers) as response:
                    assert response.status == 403
            async with http.post(hook, data=b"{not json", headers={SECRET_HEADER: SECRET}) as r:
                assert r.status == 400
            async with http.post(hook, json=[1], headers={SECRET_HEADER: SECRET}) as r:
                assert r.status == 400
        assert len(fake.all_sent()) == 1  # forged or broken requests did nothing
        # Telegram delivers an update again when it missed our answer: it is acknowledged
        # but handled once (the claim is in the database, shared by every process).
        assert await fake.redeliver(fake.webhook_deliveries[0].update_id) == 200
        assert await fake.redeliver(fake.webhook_deliveries[0].update_id) == 200
        assert len(fake.all_sent()) == 1


async def test_without_a_configured_secret_one_is_derived_from_the_token(db_url: str) -> None:
    async with telegram_harness(db_url, webhook=True) as tg:
        assert tg.fake.webhook is not None
        assert tg.fake.webhook["secret_token"] == derived_secret(tg.fake.token)
    assert derived_secret("1:a") != derived_secret("1:b")


def test_webhook_settings_are_checked() -> None:
    assert listen_address("0.0.0.0:8443") == ("0.0.0.0", 8443)
    assert listen_address("[::]:80") == ("::", 80)
    assert url_path("https://bot.example.org/tg/hook") == "/tg/hook"
    assert url_path("https://bot.example.org") == "/"
    assert checked_secret("a-Z_9") == "a-Z_9"
    for bad in (lambda: listen_address("8443x"), lambda: url_path("bot.example.org/x"),
                lambda: checked_secret("has space"), lambda: checked_secret("x" * 257)):
        with pytest.raises(ConfigError):
            bad()
