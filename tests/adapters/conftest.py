"""Fixtures for adapter tests: the Telegram harness on every database backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.telegram_harness import TelegramHarness, telegram_harness


@pytest.fixture
async def tg(db_url: str) -> AsyncIterator[TelegramHarness]:
    """The Telegram adapter polling FakeTelegram, on the real core and each backend."""
    async with telegram_harness(db_url) as harness:
        yield harness
