"""Running on Discord: the packaged command against the fake, intents, and shards."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError
from tests.adapters.discord_harness import discord_harness
from tests.fakes.discord_api import FakeDiscord
from tests.support import process_env

ROOT = Path(__file__).resolve().parents[2]
GUILDS_INTENT_ONLY = 1


def _env(tmp_path: Path, fake: FakeDiscord) -> dict[str, str]:
    return process_env({
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/bot.db",
        "DISCORD_BOT_TOKEN": fake.token,
        "DISCORD_API_BASE_URL": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "TELEGRAM_BOT_TOKEN": "",
        "LOG_LEVEL": "INFO",
    })


@pytest.mark.slow
async def test_diaspora_bot_run_answers_a_slash_command(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        guild = fake.add_guild("Diaspora FR", preferred_locale="fr")
        channel = fake.add_channel(guild, "général")
        user = fake.add_user("marie", locale="fr")
        fake.add_member(guild, user)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=_env(tmp_path, fake),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        assert proc.stderr is not None
        log: list[str] = []

        async def read_log() -> None:
            assert proc.stderr is not None
            async for raw in proc.stderr:
                log.append(raw.decode())

        reader = asyncio.create_task(read_log())
        try:
            await fake.wait_until(lambda: any("connected to Discord" in x for x in log), 30,
                                  "the bot to connect")
            handle = await fake.slash_command(guild, channel, user, "help")
            callback = await handle.response(timeout=10)
            assert callback.type == 4 and not callback.ephemeral
            assert "Voici ce que vous pouvez faire ici" in (callback.content or "")
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGINT)
            await asyncio.wait_for(proc.wait(), 30)
            await asyncio.wait_for(reader, 5)
        text = "".join(log)
        assert "slash commands globally" in text
        assert "WARNING" not in text and "Traceback" not in text, text
        assert fake.token not in text
    assert fake.identifies[0]["intents"] == GUILDS_INTENT_ONLY
    # Closing keeps the session resumable (4000), as discord.py does on Discord.
    assert fake.gateway.close_codes and fake.gateway.close_codes[-1] in (1000, 4000)


@pytest.mark.slow
async def test_a_refused_token_stops_with_one_clear_line(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        env = {**_env(tmp_path, fake), "DISCORD_BOT_TOKEN": "not-the-token"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    text = err.decode()
    assert "DISCORD_BOT_TOKEN" in text and "Traceback" not in text, text
    assert "not-the-token" not in text


async def test_two_shards_in_one_process(db_url: str) -> None:
    async with discord_harness(db_url, discord_shard_count=2) as dc:
        await dc.fake.wait_ready(shard_count=2)
        assert sorted(tuple(i["shard"]) for i in dc.fake.identifies) == [(0, 2), (1, 2)]
        assert {i["intents"] for i in dc.fake.identifies} == {GUILDS_INTENT_ONLY}
        other = dc.fake.add_guild("Shard uno", preferred_locale="pt-BR", shard=(1, 2))
        channel = dc.fake.add_channel(other, "geral")
        dc.fake.add_member(other, dc.world.member)
        await dc.fake.announce_guild(other)
        answer = await dc.slash(other, channel, dc.world.member, "help")
        assert "Veja o que você pode fazer aqui" in answer.text
        [event] = dc.fake.gateway_events("INTERACTION_CREATE")
        assert event.shard_id == 1


async def test_a_process_for_some_shards_leaves_the_sync_to_shard_zero(db_url: str) -> None:
    async with discord_harness(db_url, discord_shard_count=2, discord_shard_ids=[1]) as dc:
        await dc.fake.wait_until(lambda: dc.fake.identifies, what="IDENTIFY")
        assert [tuple(i["shard"]) for i in dc.fake.identifies] == [(1, 2)]
        assert dc.fake.calls_to("PUT", "/applications/*/commands") == []


@pytest.mark.parametrize(("count", "ids"), [(None, [1]), (2, [2]), (0, [])])
async def test_inconsistent_shard_settings_stop_with_a_clear_error(
        db_url: str, count: int | None, ids: list[int]) -> None:
    with pytest.raises(ConfigError, match="DISCORD_SHARD"):
        async with discord_harness(db_url, discord_shard_count=count, discord_shard_ids=ids):
            pass
