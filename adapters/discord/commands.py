"""Slash commands declared from the core's command registry, localized from our catalogs.

"meeting new" becomes the group `/meeting` with the subcommand `new` (three
words: a subcommand group); each `Arg` a string option (with its choices when
there are at most 25); a command without declared arguments but with a usage
line takes one optional `text` option. A group name that is also a command of
its own ("poll" beside "poll new") gets that command as the subcommand `show`.

The tree only declares and syncs: interactions are dispatched from their raw
payload (`parse`), so a command whose schema on Discord is stale still reaches
the core by name instead of failing inside discord.py.

Descriptions (of commands, groups and options) are translated for every
Discord locale we have a catalog for. Command and option *names* stay as the
core names them: every reply, `/help`, `docs/commands.md` and Telegram say
`/help` and `/link CODE`, and Discord shows command mentions and matches typed
text by the default name anyway.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str

from adapters.discord.render import truncate
from bot.feature import Arg, CommandSpec, Feature, Where
from bot.i18n import Lazy, use_locale

log = logging.getLogger(__name__)

# Discord's client locales that one of our catalogs covers. English needs no entry:
# the defaults are English.
DISCORD_LOCALES: dict[discord.Locale, str] = {
    discord.Locale.spain_spanish: "es",
    discord.Locale.latin_american_spanish: "es",
    discord.Locale.french: "fr",
    discord.Locale.brazil_portuguese: "pt",
    discord.Locale.hindi: "hi",
}
MAX_DESCRIPTION = 100
MAX_CHOICES = 25
MAX_TOP_LEVEL = 100
MAX_SUBCOMMANDS = 25
FREE_TEXT = "text"
BARE = "show"
_NAME_OK = re.compile(r"[^-_\w]")
_GUILD = app_commands.AppCommandContext(guild=True)
_DM = app_commands.AppCommandContext(dm_channel=True)
_ANYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True)


@dataclass(frozen=True, slots=True)
class Route:
    """How a Discord command maps back to the core's command."""

    spec: CommandSpec
    # Discord option name → the core's argument name.
    options: dict[str, str]
    free_text: bool = False

    @property
    def wants_form(self) -> bool:
        """Multi-field commands can be completed in a modal when required fields are missing."""
        return self.spec.pipe_separated and any(a.required for a in self.spec.args)


class CatalogTranslator(app_commands.Translator):
    """Descriptions from our gettext catalogs, for each Discord locale we cover."""

    async def translate(self, string: locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        """The catalog's text for `locale`, or None to keep the English default."""
        lang = DISCORD_LOCALES.get(locale)
        lazy = string.extras.get("lazy")
        if lang is None or not isinstance(lazy, Lazy):
            return None
        with use_locale(lang):
            text = lazy.text()
        text = truncate(text.strip(), MAX_DESCRIPTION)
        return text if text and text != string.message else None


def option_name(name: str) -> str:
    """A valid Discord option name for an argument name."""
    cleaned = _NAME_OK.sub("_", name.strip().lower())[:32]
    return cleaned or "value"


def _described(lazy: Lazy | None, fallback: str) -> locale_str:
    if lazy is None or not lazy.msgid.strip():
        return locale_str(truncate(fallback, MAX_DESCRIPTION))
    return locale_str(truncate(lazy.msgid.strip(), MAX_DESCRIPTION), lazy=lazy)


def _contexts(where: Where) -> app_commands.AppCommandContext:
    return {Where.GROUP: _GUILD, Where.PRIVATE: _DM}.get(where, _ANYWHERE)


async def _never_called(interaction: discord.Interaction, **values: Any) -> None:
    """Interactions are dispatched from the raw payload (see `parse`), never through here."""


def _command(name: str, spec: CommandSpec, *, top_level: bool) -> tuple[app_commands.Command[Any, ..., Any], Route]:
    """One Discord command for a spec, and its route."""
    args: list[Arg] = list(spec.args)
    free_text = not args and spec.usage is not None
    if free_text:
        args = [Arg(FREE_TEXT, spec.usage or spec.summary, rest=True)]
    params: list[inspect.Parameter] = [
        inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          annotation=discord.Interaction)]
    descriptions: dict[str, locale_str] = {}
    renames: dict[str, str] = {}
    choices: dict[str, list[app_commands.Choice[str]]] = {}
    options: dict[str, str] = {}
    for index, arg in enumerate(args):
        python_name = f"p{index}"
        discord_name = option_name(arg.name)
        if discord_name in options:
            log.warning("command %s: option %s declared twice; skipped", spec.name, arg.name)
            continue
        options[discord_name] = arg.name
        # Multi-field commands leave every option optional and ask the rest in a modal.
        required = arg.required and not free_text and not spec.pipe_separated
        params.append(inspect.Parameter(
            python_name, inspect.Parameter.KEYWORD_ONLY, annotation=str,
            default=inspect.Parameter.empty if required else None))
        descriptions[python_name] = _described(arg.summary, arg.name)
        renames[python_name] = discord_name
        if arg.choices and len(arg.choices) <= MAX_CHOICES:
            choices[python_name] = [app_commands.Choice(name=c[:100], value=c[:100])
                                    for c in arg.choices]

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await _never_called(interaction, **values)

    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = descriptions  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_rename__ = renames  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_choices__ = choices  # type: ignore[attr-defined]
    command: app_commands.Command[Any, ..., Any] = app_commands.Command(
        name=name, description=_described(spec.summary, spec.name), callback=callback,
        allowed_contexts=_contexts(spec.where) if top_level else None,
    )
    return command, Route(spec, options, free_text)


def build(specs: Iterable[CommandSpec], features: Iterable[Feature]) -> tuple[
        list[app_commands.Command[Any, ..., Any] | app_commands.Group], dict[str, Route]]:
    """Discord commands (top level) for the core's specs, and routes by qualified name."""
    titles = {f.name: f.title for f in features}
    tree: dict[str, Any] = {}
    for spec in sorted(specs, key=lambda s: s.name):
        if spec.hidden:
            continue  # Discord lists every command to everyone: hidden ones stay text-only.
        words = [option_name(w) for w in spec.name.split()]
        if len(words) > 3:
            log.warning("command %s has more than three words; not on Discord", spec.name)
            continue
        node = tree
        for word in words[:-1]:
            child = node.setdefault(word, {})
            if not isinstance(child, dict):
                node[word] = child = {"": child}
            node = child
        if isinstance(node.get(words[-1]), dict):
            node[words[-1]][""] = spec
        else:
            node[words[-1]] = spec
    routes: dict[str, Route] = {}
    top: list[app_commands.Command[Any, ..., Any] | app_commands.Group] = []
    for name, item in tree.items():
        if len(top) >= MAX_TOP_LEVEL:
            log.warning("more than %d commands; %s and later are not on Discord",
                        MAX_TOP_LEVEL, name)
            break
        top.append(_node(name, item, 0, routes, titles, []))
    return top, routes


def _node(name: str, item: Any, depth: int, routes: dict[str, Route],
          titles: dict[str, Lazy], path: list[str]) -> Any:
    qualified = [*path, name]
    if isinstance(item, CommandSpec):
        command, route = _command(name, item, top_level=depth == 0)
        routes[" ".join(qualified)] = route
        return command
    first = next(iter(_specs(item)))
    group = app_commands.Group(
        name=name, description=_described(titles.get(first.feature), name),
        allowed_contexts=_ANYWHERE if depth == 0 else None)
    for child_name, child in list(item.items())[:MAX_SUBCOMMANDS]:
        if child_name == "":
            child_name = BARE if BARE not in item else "main"
        if isinstance(child, dict) and depth > 0:
            log.warning("command group %s nests too deep; skipped", " ".join(qualified))
            continue
        group.add_command(_node(child_name, child, depth + 1, routes, titles, qualified))
    return group


def _specs(item: Any) -> Iterable[CommandSpec]:
    if isinstance(item, CommandSpec):
        yield item
    else:
        for child in item.values():
            yield from _specs(child)


def parse(data: Any) -> tuple[str, dict[str, str]]:
    """The qualified command name and the option values of an application command payload."""
    path = [str(data.get("name", ""))]
    options = data.get("options") or []
    while options and options[0].get("type") in (1, 2):
        path.append(str(options[0].get("name", "")))
        options = options[0].get("options") or []
    values = {str(o.get("name")): str(o.get("value")) for o in options
              if o.get("value") is not None}
    return " ".join(path), values
