"""Fixtures for adapter tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import FakeClock
from tests.adapters.discord_harness import DiscordHarness, discord_harness


@pytest.fixture
async def dc(db_url: str, clock: FakeClock) -> AsyncIterator[DiscordHarness]:
    """The core and the Discord adapter against a fake Discord, on each backend."""
    async with discord_harness(db_url, clock=clock) as harness:
        yield harness
