"""Interactions → the core's events: who, where, in which language, with which rights."""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord.commands import Route
from bot.events import (
    ButtonPressed,
    ChatKind,
    ChatRef,
    CommandInvoked,
    FormSubmitted,
    Platform,
    PlatformRight,
    UserRef,
)


def chat_ref(interaction: discord.Interaction) -> ChatRef:
    """A guild channel (its guild as the space), or the person's private chat with the bot."""
    if interaction.guild_id is None:
        return ChatRef(Platform.DISCORD, str(interaction.user.id), ChatKind.PRIVATE)
    channel = interaction.channel
    title = getattr(channel, "name", None)
    return ChatRef(Platform.DISCORD, str(interaction.channel_id), ChatKind.GROUP,
                   title if isinstance(title, str) else None, space_id=str(interaction.guild_id))


def user_ref(interaction: discord.Interaction) -> UserRef:
    """The person who interacted."""
    user = interaction.user
    return UserRef(Platform.DISCORD, str(user.id), user.display_name, user.name)


def is_admin(interaction: discord.Interaction) -> bool:
    """Administrator or Manage Server: the server's admins (the interaction's live rights)."""
    if interaction.guild_id is None:
        return False
    perms = interaction.permissions
    return bool(perms.administrator or perms.manage_guild)


def rights(interaction: discord.Interaction) -> frozenset[PlatformRight]:
    """The narrower rights the core's rules may count (Manage Events, for meetings)."""
    if interaction.guild_id is None or not interaction.permissions.manage_events:
        return frozenset()
    return frozenset({PlatformRight.MANAGE_EVENTS})


def _common(interaction: discord.Interaction) -> dict[str, Any]:
    guild_locale = interaction.guild_locale if interaction.guild_id is not None else None
    # A slash command or a click may still be answered with a modal; a submitted modal not.
    forms = interaction.type is not discord.InteractionType.modal_submit
    return {
        "can_show_forms": forms,
        "chat": chat_ref(interaction),
        "user": user_ref(interaction),
        "locale_hint": str(interaction.locale.value) if interaction.locale else None,
        "chat_locale_hint": str(guild_locale.value) if guild_locale else None,
        "platform_admin": is_admin(interaction),
        "platform_rights": rights(interaction),
        "can_answer_privately": True,
    }


def command_event(interaction: discord.Interaction, route: Route,
                  values: dict[str, str]) -> CommandInvoked:
    """A slash command (or the modal that completed one) as `CommandInvoked`."""
    spec = route.spec
    if route.free_text:
        return CommandInvoked(**_common(interaction), command=spec.name,
                              args=next(iter(values.values()), ""))
    options = {route.options.get(k, k): v for k, v in values.items()}
    ordered = [options[a.name] for a in spec.args if options.get(a.name)]
    args = (" | " if spec.pipe_separated else " ").join(ordered)
    return CommandInvoked(**_common(interaction), command=spec.name, args=args,
                          options=options)


def unknown_command_event(interaction: discord.Interaction, name: str) -> CommandInvoked:
    """A command Discord still offers but the core no longer has: the core says so."""
    return CommandInvoked(**_common(interaction), command=name.split(" ", 1)[0],
                          args=name.partition(" ")[2])


def form_event(interaction: discord.Interaction, form_id: str,
               values: dict[str, str]) -> FormSubmitted:
    """A modal the core asked for (a `Form`), filled in: every value at once."""
    message = interaction.message
    return FormSubmitted(**_common(interaction), form_id=form_id, values=values,
                         message_id=str(message.id) if message is not None else None)


def button_event(interaction: discord.Interaction, custom_id: str) -> ButtonPressed:
    """A click (or an unknown modal) as `ButtonPressed` carrying the packed action."""
    message = interaction.message
    return ButtonPressed(**_common(interaction), data=custom_id,
                         message_id=str(message.id) if message is not None else None)
