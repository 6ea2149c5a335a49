"""Fixtures for adapter tests: the Telegram and Discord harnesses on every backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import FakeClock
from tests.adapters.discord_harness import DiscordHarness, discord_harness
from tests.adapters.telegram_harness import TelegramHarness, telegram_harness


@pytest.fixture
async def tg(db_url: str) -> AsyncIterator[TelegramHarness]:
    """The Telegram adapter polling FakeTelegram, on the real core and each backend."""
    async with telegram_harness(db_url) as harness:
        yield harness


@pytest.fixture
async def dc(db_url: str, clock: FakeClock) -> AsyncIterator[DiscordHarness]:
    """The core and the Discord adapter against a fake Discord, on each backend."""
    async with discord_harness(db_url, clock=clock) as harness:
        yield harness
