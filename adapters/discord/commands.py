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
Discord locale we have a catalog for, from the `messages` catalogs. Command,
group and option *names* are localized too, from the `commands` catalogs (one
word per name, written by `make i18n-update`): a Spanish client's menu shows
`/encuesta crear`. Interactions always carry the default names, so routing does
not change; replies and `/help` keep the default (English) names, the ones
Telegram and the console take. A localized name that breaks Discord's rules, or that would collide
with a sibling's name in that locale (Discord would refuse the whole sync), is
left out and logged.
"""

from __future__ import annotations

import gettext
import inspect
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import locale_str

from adapters.discord.render import truncate
from bot.feature import Arg, CommandSpec, Feature, Where
from bot.i18n import LOCALES_DIR, Lazy, use_locale

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
# Discord: ^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$, lowercase where the script has case.
_LOCAL_NAME = re.compile(r"^[-_\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$")
_NAME_LOCATIONS = (app_commands.TranslationContextLocation.command_name,
                   app_commands.TranslationContextLocation.group_name,
                   app_commands.TranslationContextLocation.parameter_name)
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
        if lang is None:
            return None
        if context.location in _NAME_LOCATIONS:
            names: dict[str, str] = string.extras.get("names") or {}
            return names.get(lang)
        lazy = string.extras.get("lazy")
        if not isinstance(lazy, Lazy):
            return None
        with use_locale(lang):
            text = lazy.text()
        text = truncate(text.strip(), MAX_DESCRIPTION)
        return text if text and text != string.message else None


def option_name(name: str) -> str:
    """A valid Discord option name for an argument name."""
    cleaned = _NAME_OK.sub("_", name.strip().lower())[:32]
    return cleaned or "value"


def name_tokens(features: Iterable[Feature]) -> list[tuple[str, str]]:
    """(context, name) of every command word ("command") and option name ("option") that
    Discord shows: what the `commands` catalogs translate."""
    tokens: set[tuple[str, str]] = set()
    for feature in features:
        for spec in feature.listed():
            if spec.hidden:
                continue
            tokens.update(("command", option_name(w)) for w in spec.name.split())
            args = [a.name for a in spec.args] or ([FREE_TEXT] if spec.usage is not None else [])
            tokens.update(("option", option_name(a)) for a in args)
    tokens.add(("command", BARE))
    return sorted(tokens)


@cache
def _names_catalog(lang: str) -> gettext.NullTranslations:
    return gettext.translation("commands", LOCALES_DIR, [lang], fallback=True)


def valid_local_name(text: str) -> bool:
    """Whether Discord accepts `text` as a localized command or option name."""
    return bool(_LOCAL_NAME.match(text)) and text == text.lower()


def localized_names(kind: str, siblings: Iterable[str]) -> dict[str, locale_str]:
    """Each sibling name with its translations in every language Discord has, leaving out
    translations that break Discord's rules or would clash with a sibling in that locale."""
    names = list(siblings)
    local: dict[str, dict[str, str]] = {n: {} for n in names}
    for lang in sorted(set(DISCORD_LOCALES.values())):
        for name in names:
            text = _names_catalog(lang).pgettext(kind, name)
            if text != name and valid_local_name(text):
                local[name][lang] = text
            elif text != name:
                log.warning("%s name %r in %s: %r is not a valid Discord name; left out",
                            kind, name, lang, text)
        shown = Counter(local[n].get(lang, n) for n in names)
        for name in names:
            if lang in local[name] and shown[local[name][lang]] > 1:
                log.warning("%s name %r in %s: %r clashes with a sibling; left out",
                            kind, name, lang, local[name].pop(lang))
    return {n: locale_str(n, names=local[n]) for n in names}


def _described(lazy: Lazy | None, fallback: str) -> locale_str:
    if lazy is None or not lazy.msgid.strip():
        return locale_str(truncate(fallback, MAX_DESCRIPTION))
    return locale_str(truncate(lazy.msgid.strip(), MAX_DESCRIPTION), lazy=lazy)


def _contexts(where: Where) -> app_commands.AppCommandContext:
    return {Where.GROUP: _GUILD, Where.PRIVATE: _DM}.get(where, _ANYWHERE)


async def _never_called(interaction: discord.Interaction, **values: Any) -> None:
    """Interactions are dispatched from the raw payload (see `parse`), never through here."""


def _command(name: locale_str, spec: CommandSpec, *,
             top_level: bool) -> tuple[app_commands.Command[Any, ..., Any], Route]:
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
        renames[python_name] = discord_name  # localized below, once every option is known
        if arg.choices and len(arg.choices) <= MAX_CHOICES:
            choices[python_name] = [app_commands.Choice(name=c[:100], value=c[:100])
                                    for c in arg.choices]

    local = localized_names("option", renames.values())
    localized_renames = {python: local[discord_name] for python, discord_name in renames.items()}

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await _never_called(interaction, **values)

    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = descriptions  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_rename__ = localized_renames  # type: ignore[attr-defined]
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
    kept = list(tree.items())
    if len(kept) > MAX_TOP_LEVEL:
        log.warning("more than %d commands; %s and later are not on Discord",
                    MAX_TOP_LEVEL, kept[MAX_TOP_LEVEL][0])
        kept = kept[:MAX_TOP_LEVEL]
    names = localized_names("command", [name for name, _item in kept])
    for name, item in kept:
        top.append(_node(names[name], item, 0, routes, titles, []))
    return top, routes


def _node(name: locale_str, item: Any, depth: int, routes: dict[str, Route],
          titles: dict[str, Lazy], path: list[str]) -> Any:
    qualified = [*path, name.message]
    if isinstance(item, CommandSpec):
        command, route = _command(name, item, top_level=depth == 0)
        routes[" ".join(qualified)] = route
        return command
    first = next(iter(_specs(item)))
    group = app_commands.Group(
        name=name, description=_described(titles.get(first.feature), name.message),
        allowed_contexts=_ANYWHERE if depth == 0 else None)
    children = []
    for child_name, child in list(item.items())[:MAX_SUBCOMMANDS]:
        if child_name == "":
            child_name = BARE if BARE not in item else "main"
        if isinstance(child, dict) and depth > 0:
            log.warning("command group %s nests too deep; skipped", " ".join(qualified))
            continue
        children.append((child_name, child))
    names = localized_names("command", [child_name for child_name, _child in children])
    for child_name, child in children:
        group.add_command(_node(names[child_name], child, depth + 1, routes, titles, qualified))
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
