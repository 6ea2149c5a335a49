"""The Discord adapter (discord.py): slash commands, buttons, modals and outbox delivery."""

from adapters.discord.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
