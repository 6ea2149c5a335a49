"""A consul on Discord: the notice form opens as a modal, the copy reaches a subscribed channel."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.discord_harness import DiscordHarness, discord_harness

ORG = "mx-madrid"


@pytest.fixture
async def consul(db_url: str) -> AsyncIterator[DiscordHarness]:
    """The world's moderator is also the operator and the consulate's attached account."""
    async with discord_harness(db_url) as dc:
        mod = dc.world.mod
        dc.settings.operator_ids.append(f"discord:{mod}")
        await dc.slash("broadcaster add", {"short": ORG, "name": "Consulado de México",
                                           "country": "MX", "language": "es"}, user=mod)
        await dc.slash("broadcaster attach", {"short": ORG, "account": f"discord:{mod}"},
                       user=mod)
        await dc.slash("setup", user=mod)
        answer = await dc.slash("subscribe", {"organisation": ORG}, user=mod)
        assert "Consulado de México" in answer.text
        yield dc


async def test_the_notice_form_is_a_modal_and_the_copy_reaches_the_channel(
        consul: DiscordHarness) -> None:
    dc = consul
    mod = dc.world.mod
    dm = dc.fake.dm_channel_id(mod)
    opened = await dc.slash(None, dm, mod, "notice new", {})
    assert opened.type == 9  # MODAL: nothing else answered this interaction
    form_id = opened.callback.data["custom_id"]
    fields = [c["custom_id"] for row in opened.callback.data["components"]
              for c in row["components"]]
    assert fields[:2] == ["title", "body"]
    preview = await dc.submit(form_id, {"title": "Oficina cerrada",
                                        "body": "La oficina cierra el lunes @everyone."},
                              user=mod, channel=dm)
    assert "Oficina cerrada" in preview.text
    publish = next(cid for m in dc.fake.messages(dm) for cid in m.custom_ids()
                   if cid.startswith("ntp"))
    message = next(m for m in dc.fake.messages(dm) if publish in m.custom_ids())
    await dc.click(message.id, publish, user=mod, channel=dm)
    await dc.settle()
    copies = [m for m in dc.fake.messages(dc.world.channel) if "Oficina cerrada" in (
        m.content + "".join(str(e.get("title", "")) + str(e.get("description", ""))
                            for e in m.embeds))]
    assert len(copies) == 1
    assert copies[0].allowed_mentions == {"parse": []}  # @everyone in the body pings nobody
