"""The console adapter: try the bot in a terminal, no tokens needed."""

from adapters.console.adapter import ConsoleAdapter

__all__ = ["ConsoleAdapter"]
