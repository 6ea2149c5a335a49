"""The core's outcomes back through the interaction: acknowledged exactly once.

The core usually answers in milliseconds, so the first outcome becomes the
interaction's response itself (ephemeral when only the caller should see
it). When the core has not answered within `DEFER_AFTER` seconds the
interaction is deferred first (Discord allows three seconds), and the
outcomes follow as follow-ups. Button clicks: a reply that edits the clicked
message updates it in place (response type 7), a toast becomes an ephemeral
message (Discord has no toasts), anything else a follow-up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

import discord

from adapters.discord.compose import Part, compose
from adapters.discord.messenger import NO_MENTIONS, DiscordMessenger
from adapters.discord.render import MAX_CONTENT, escape, truncate
from adapters.discord.views import FormField, build_modal
from bot.events import ChatKind, ChatRef
from bot.replies import Delete, Outcome, Reply, Toast
from bot.trust import inert

log = logging.getLogger(__name__)

# Discord drops an interaction not acknowledged within 3 s; defer well before that.
DEFER_AFTER = 2.0


def _send_kwargs(part: Part, ephemeral: bool) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"content": part.content or None, "ephemeral": ephemeral,
                              "allowed_mentions": NO_MENTIONS}
    if part.embeds:
        kwargs["embeds"] = part.embeds
    if part.view is not None:
        kwargs["view"] = part.view
    if part.files:
        kwargs["files"] = part.files
    return kwargs


def _edit_kwargs(part: Part) -> dict[str, Any]:
    return {"content": part.content or None, "embeds": part.embeds, "view": part.view,
            "allowed_mentions": NO_MENTIONS}


def _toast(toast: Toast) -> Part:
    return Part(content=truncate(escape(inert(toast.text), line_start=True), MAX_CONTENT))


async def _core(outcomes: Awaitable[list[Outcome]], interaction: discord.Interaction,
                defer: Any) -> tuple[list[Outcome], bool]:
    """Run the core; defer the interaction if it takes long. Returns (outcomes, deferred)."""
    task = asyncio.ensure_future(outcomes)
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
    deferred = False
    if not done:
        try:
            await defer()
            deferred = True
        except discord.HTTPException as exc:
            log.warning("could not defer interaction %s: %s", interaction.id, exc)
    return await task, deferred


class Responder:
    """Delivers one interaction's outcomes."""

    def __init__(self, interaction: discord.Interaction, chat: ChatRef,
                 messenger: DiscordMessenger) -> None:
        self.interaction = interaction
        self.chat = chat
        self.messenger = messenger

    async def _form(self, results: Sequence[Outcome], deferred: bool) -> bool:
        """Open the modal a reply asks for (the first answer to the interaction); True if so."""
        asked = next((o for o in results if isinstance(o, Reply) and o.form is not None), None)
        if asked is None or asked.form is None:
            return False
        if deferred:
            # Too late for a modal: say what was asked; the command can be run again.
            log.warning("interaction %s was deferred; its form cannot open", self.interaction.id)
            return False
        form = asked.form
        fields = [FormField(f.name, f.label, long=f.long, required=f.required,
                            default=f.value or None, placeholder=f.hint or None)
                  for f in form.fields]
        try:
            await self.interaction.response.send_modal(build_modal(form.title, form.id, fields))
        except discord.HTTPException as exc:
            log.warning("could not open form %s: %s %s", form.id, exc.status, exc.text)
        return True

    async def command(self, outcomes: Awaitable[list[Outcome]]) -> None:
        """Answer a slash command or a submitted modal."""
        response = self.interaction.response
        results, deferred = await _core(outcomes, self.interaction,
                                        lambda: response.defer(thinking=True))
        if await self._form(results, deferred):
            return
        sends: list[tuple[Part, bool]] = []
        later: list[Outcome] = []
        for outcome in results:
            if isinstance(outcome, Toast):
                if outcome.text:
                    sends.append((_toast(outcome), True))
            elif isinstance(outcome, Reply) and outcome.edit_of is None:
                private = outcome.private and self.chat.kind != ChatKind.PRIVATE
                sends.extend((part, private) for part in compose(outcome))
            else:
                later.append(outcome)
        await self._send_all(sends, deferred=deferred)
        await self._elsewhere(later)

    async def _send_all(self, sends: Sequence[tuple[Part, bool]], *, deferred: bool) -> None:
        interaction = self.interaction
        try:
            if not sends:
                # Nothing to say: acknowledge invisibly and remove the placeholder.
                if not deferred:
                    await interaction.response.defer(ephemeral=True, thinking=True)
                await interaction.delete_original_response()
                return
            first, ephemeral = sends[0]
            if not deferred:
                await interaction.response.send_message(**_send_kwargs(first, ephemeral))
            elif ephemeral:
                # The deferral's placeholder is public: replace it by a private follow-up.
                await interaction.delete_original_response()
                await interaction.followup.send(**_send_kwargs(first, True), wait=True)
            else:
                await interaction.followup.send(**_send_kwargs(first, False), wait=True)
            for part, private in sends[1:]:
                await interaction.followup.send(**_send_kwargs(part, private), wait=True)
        except discord.HTTPException as exc:
            log.warning("could not answer interaction %s: %s %s", interaction.id,
                        exc.status, exc.text)

    async def button(self, outcomes: Awaitable[list[Outcome]]) -> None:
        """Answer a button click."""
        interaction = self.interaction
        response = interaction.response
        results, deferred = await _core(outcomes, interaction, response.defer)
        if await self._form(results, deferred):
            return
        clicked = str(interaction.message.id) if interaction.message is not None else None
        update: Reply | None = None
        sends: list[tuple[Part, bool]] = []
        later: list[Outcome] = []
        for outcome in results:
            if (isinstance(outcome, Reply) and clicked is not None and outcome.edit_of == clicked
                    and update is None):
                update = outcome
            elif isinstance(outcome, Toast):
                if outcome.text:
                    sends.append((_toast(outcome), True))
            elif isinstance(outcome, Reply) and outcome.edit_of is None:
                sends.extend((part, outcome.private) for part in compose(outcome))
            else:
                later.append(outcome)
        try:
            if update is not None:
                part = compose(update, max_parts=1, with_files=False)[0]
                if deferred:
                    await interaction.edit_original_response(**_edit_kwargs(part))
                else:
                    await response.edit_message(**_edit_kwargs(part))
                    deferred = True
            if not deferred and sends:
                first, ephemeral = sends.pop(0)
                await response.send_message(**_send_kwargs(first, ephemeral))
            elif not deferred:
                await response.defer()
            for part, private in sends:
                await interaction.followup.send(**_send_kwargs(part, private), wait=True)
        except discord.HTTPException as exc:
            log.warning("could not answer click %s: %s %s", interaction.id, exc.status, exc.text)
        await self._elsewhere(later)

    async def _elsewhere(self, outcomes: Sequence[Outcome]) -> None:
        """Edits of other messages and deletions go over REST, after the acknowledgement."""
        for outcome in outcomes:
            try:
                if isinstance(outcome, Delete):
                    await self.messenger.delete(self.chat, [outcome.message_id])
                elif isinstance(outcome, Reply) and outcome.edit_of:
                    await self.messenger.edit(self.chat, [outcome.edit_of], outcome)
            except Exception as exc:
                log.warning("could not apply %s in %s: %s", type(outcome).__name__,
                            self.chat.key, exc)
