"""The command registry, and the one place that sets locale, checks roles and catches errors."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from typing import Any

from bot import metrics
from bot.actions import Action, InvalidAction, unpack
from bot.arguments import convert_args, parse_args, usage_of_group
from bot.context import Context, Services, UserError
from bot.digest import DigestSection
from bot.events import (
    BotAdded,
    BotRemoved,
    ButtonPressed,
    ChatKind,
    ChatMigrated,
    CommandInvoked,
    Event,
    MessagePosted,
    Platform,
)
from bot.feature import (
    ButtonSpec,
    CommandSpec,
    EventHandler,
    Feature,
    JobHandler,
    PersonalErase,
    PersonalExport,
    StartHook,
    Where,
)
from bot.fmt import number
from bot.i18n import _, ngettext, set_locale, supported_locale, use_locale
from bot.permissions import PermissionDenied, Role, Rule
from bot.ports import AdminRights, Membership
from bot.records import Person
from bot.replies import Outcome, Reply, Toast
from bot.richtext import RichText, text
from bot.throttle import Throttle, parse_rate

log = logging.getLogger(__name__)

MAX_ARGS_CHARS = 20_000


class Router:
    """Dispatches events to feature handlers."""

    def __init__(self, services: Services, features: Iterable[Feature]) -> None:
        self.services = services
        self.features = sorted(features, key=lambda f: (f.order, f.name))
        self.throttle = Throttle(*parse_rate(services.settings.command_rate_limit))
        self.commands: dict[str, CommandSpec] = {}
        self.buttons: dict[type[Action], ButtonSpec] = {}
        # Each platform's live look-up of admin rights, registered by its adapter.
        self.admin_rights: dict[Platform, AdminRights] = {}
        # And of chat membership (Telegram: public groups; Discord interactions come only
        # from members, so it registers none).
        self.memberships: dict[Platform, Membership] = {}
        self.jobs: dict[str, JobHandler] = {}
        self.hooks: dict[type[Event], list[EventHandler]] = {}
        self.starters: list[StartHook] = []
        self.exporters: list[PersonalExport] = []
        self.erasers: list[PersonalErase] = []
        sections: list[tuple[int, DigestSection]] = []
        for feature in self.features:
            self.starters.extend(feature.starters)
            self.exporters.extend(feature.exporters)
            self.erasers.extend(feature.erasers)
            sections.extend(feature.sections)
            for spec in feature.listed():
                if spec.name in self.commands:
                    raise ValueError(f"command {spec.name!r} registered twice")
                self.commands[spec.name] = spec
            for action, button in feature.buttons.items():
                self.buttons[action] = button
            for kind, job in feature.jobs.items():
                if kind in self.jobs:
                    raise ValueError(f"job kind {kind!r} registered twice")
                self.jobs[kind] = job
            for event, handlers in feature.hooks.items():
                self.hooks.setdefault(event, []).extend(handlers)
        self.sections = [section for _order, section in sorted(sections, key=lambda s: s[0])]

    # -- lookup ----------------------------------------------------------------

    def groups(self) -> dict[str, list[CommandSpec]]:
        """Commands by their first word."""
        out: dict[str, list[CommandSpec]] = {}
        for spec in self.commands.values():
            out.setdefault(spec.group, []).append(spec)
        return out

    def resolve(self, command: str, args: str) -> tuple[CommandSpec | None, str]:
        """The spec a command line names (subcommands included) and its remaining args."""
        name = command.lower()
        # Any whitespace ends the subcommand: "/poll new" may be followed by a new line.
        first, *rest = args.split(maxsplit=1) or [""]
        if first and f"{name} {first.lower()}" in self.commands:
            return self.commands[f"{name} {first.lower()}"], "".join(rest).strip()
        return self.commands.get(name), args.strip()

    # -- context -----------------------------------------------------------------

    async def context_for(self, event: Event) -> Context:
        """Load the chat and person of an event and work out locale and role."""
        store = self.services.store
        default = self.services.settings.default_language
        chat_hint = supported_locale(event.chat_locale_hint) or supported_locale(event.locale_hint)
        chat, person, granted = await store.events.load(
            event.chat, event.user, chat_hint or default,
            reactivate=not isinstance(event, BotRemoved))
        role = self.role_from(event, person, granted)
        ctx = Context(self.services, event, chat, person, role, locale=default, router=self)
        ctx.locale = ctx.person_locale if chat.is_private else ctx.chat_locale
        set_locale(ctx.locale)
        return ctx

    def role_from(self, event: Event, person: Person, granted: Role | None) -> Role:
        """Operator by configuration, moderator by platform admin rights or by grant."""
        if person.key in self.services.settings.operator_ids:
            return Role.OPERATOR
        if event.platform_admin:
            return Role.MODERATOR
        return granted or Role.MEMBER

    # -- dispatch ----------------------------------------------------------------

    async def handle(self, event: Event) -> list[Outcome]:
        """Handle one event; never raises: failures become a polite reply."""
        outcomes = await self._handle(event)
        if outcomes:
            metrics.REPLIES.labels(event.chat.platform.value).inc(len(outcomes))
        return outcomes

    async def _handle(self, event: Event) -> list[Outcome]:
        set_locale(self.services.settings.default_language)
        ctx: Context | None = None
        if isinstance(event, CommandInvoked | ButtonPressed | MessagePosted):
            verdict = self.throttle.check(event.user.key)
            if verdict != "ok":
                return await self._throttled(event, verdict)
        if isinstance(event, CommandInvoked):
            known = self.resolve(event.command, event.args)[0]
            label = known.name if known else "unknown"
        else:
            label = type(event).__name__
        metrics.UPDATES.labels(event.chat.platform.value, metrics.command_label(label)).inc()
        try:
            ctx = await self.context_for(event)
            if isinstance(event, CommandInvoked):
                return await self._command(ctx, event)
            if isinstance(event, ButtonPressed):
                return await self._button(ctx, event)
            return await self._hooks(ctx, event)
        except UserError as err:
            return [_answer(event, err.message, err.body)]
        except PermissionDenied as denied:
            if ctx is not None:
                await ctx.audit(self._action_name(event), allowed=False, **_why(denied))
                _answer_privately_in_person_locale(ctx)
            return [_answer(event, denied.message or refusal(denied.needed))]
        except Exception:
            log.exception("failed to handle %s", type(event).__name__)
            if ctx is not None:
                _answer_privately_in_person_locale(ctx)
            return [_answer(event, _("Sorry, something went wrong on my side. "
                                     "Please try again in a moment."))]

    async def _throttled(self, event: Event, verdict: str) -> list[Outcome]:
        if isinstance(event, ButtonPressed):
            # A button press must always be answered (a spinner waits otherwise).
            with use_locale(supported_locale(event.locale_hint) or
                            self.services.settings.default_language):
                return [Toast(_("Slow down a little, please: try again in a few seconds."))]
        if verdict == "drop" or isinstance(event, MessagePosted):
            return []
        ctx = await self.context_for(event)
        log.info("throttled %s", event.user.platform)
        # Whole seconds, rounded up: a command sent when the wait is over is answered.
        seconds = max(1, math.ceil(self.throttle.retry_in(event.user.key)))
        with use_locale(ctx.person_locale):
            note = ngettext("You are sending commands very fast, so I will ignore them for "
                            "the next {n} second. Please send them again after that.",
                            "You are sending commands very fast, so I will ignore them for "
                            "the next {n} seconds. Please send them again after that.",
                            seconds)
        return [Reply(text(note), private=event.can_answer_privately)]

    async def _command(self, ctx: Context, event: CommandInvoked) -> list[Outcome]:
        spec, args = self.resolve(event.command, event.args)
        if spec is None:
            group = self.groups().get(event.command.lower())
            if group:
                return [Reply(usage_of_group(event.command.lower(), group))]
            raise UserError(_("I don't know /{command}. Send /help to see what I can do.",
                              command=event.command[:64]))
        if len(args) > MAX_ARGS_CHARS:
            raise UserError(_("That is too long for me ({limit} characters at most).",
                              limit=number(MAX_ARGS_CHARS)))
        if spec.where == Where.GROUP and ctx.is_private:
            raise UserError(_("This works in a group chat, not in a private chat."))
        if spec.where == Where.PRIVATE and not ctx.is_private:
            raise UserError(_("Please send me this in a private chat."))
        rule = spec.rule
        typed = args or " ".join(event.options.values())
        needed = rule.needed(changing=rule.changing(typed), private=ctx.is_private)
        if rule.unless is None:
            # Refused before the arguments are read: a member learns nothing from usage.
            await self.permit(ctx, rule, needed)
        ctx.args = args
        ctx.values = parse_args(spec, args, event.options)
        ctx.typed = convert_args(ctx, spec)
        if rule.unless is not None:
            # The check reads the arguments (which poll, which entry).
            await self.permit(ctx, rule, needed)
        outcomes = _outcomes(await spec.handler(ctx))
        if needed > Role.MEMBER:
            # Features audit what else they allow with its detail (a notice published).
            await ctx.audit(spec.name, allowed=True, args=args[:200])
        return outcomes

    async def _button(self, ctx: Context, event: ButtonPressed) -> list[Outcome]:
        # What only the presser sees (toasts) is in their language.
        set_locale(ctx.person_locale)
        ctx.locale = ctx.person_locale
        try:
            action = unpack(event.data)
        except InvalidAction:
            log.info("refused a button payload that is not ours")
            return [Toast(_("This button no longer works."))]
        button = self.buttons.get(type(action))
        if button is None:
            return [Toast(_("This button no longer works."))]
        ctx.action = action
        try:
            # Pressing a button always does something: it counts as a change.
            await self.permit(ctx, button.rule,
                              button.rule.needed(changing=True, private=ctx.is_private))
        except PermissionDenied as denied:
            await ctx.audit(f"button:{action.prefix}", allowed=False, **_why(denied))
            return [Toast(denied.message or refusal(denied.needed), alert=True)]
        try:
            outcomes = _outcomes(await button.handler(ctx, action))
        except UserError as err:
            return [Toast(err.message, alert=True)]
        if not any(isinstance(o, Toast) for o in outcomes):
            outcomes.append(Toast(""))
        return outcomes

    async def _hooks(self, ctx: Context, event: Event) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for handler in self.hooks.get(type(event), []):
            outcomes.extend(_outcomes(await handler(ctx)))
        return outcomes

    def _action_name(self, event: Event) -> str:
        """What an audit entry calls the attempted action: the command as registered."""
        if isinstance(event, CommandInvoked):
            spec, _args = self.resolve(event.command, event.args)
            return spec.name if spec else event.command[:64]
        if isinstance(event, ButtonPressed):
            return f"button:{event.data.partition(':')[0][:16]}"
        return type(event).__name__

    # -- permission ----------------------------------------------------------------

    async def permit(self, ctx: Context, rule: Rule, needed: Role) -> None:
        """The one permission check: raise PermissionDenied unless `rule` lets this person do
        this here. Platform rights that would lift a refusal are looked at again first."""
        if ctx.role < needed:
            if needed == Role.MODERATOR and rule.granted_by(ctx.event.platform_admin,
                                                            ctx.event.platform_rights):
                ctx.role = needed
            elif rule.unless is not None and await rule.unless.test(ctx):
                pass
            elif needed == Role.MODERATOR and await self.admin_now(ctx):
                ctx.role = needed
            else:
                check = rule.unless
                raise PermissionDenied(needed, check.refusal(ctx) if check and check.refusal
                                       else None, check.who if check else None)
        if rule.members and await self.outsider(ctx):
            raise PermissionDenied(Role.MEMBER, _("Only members of this chat can do that. "
                                                  "Join it, then try again."), "members")
        if rule.also is not None and not await rule.also.test(ctx):
            raise PermissionDenied(max(needed, ctx.role),
                                   rule.also.refusal(ctx) if rule.also.refusal else None,
                                   rule.also.who)

    async def outsider(self, ctx: Context) -> bool:
        """Whether the platform says this person is not a member of this shared chat."""
        port = self.memberships.get(ctx.chat.platform)
        if port is None or ctx.is_private or ctx.event.platform_admin:
            return False
        try:
            member = await port.is_member(ctx.event.chat, ctx.event.user)
        except Exception:
            # What cannot be checked counts: members must never lose their vote.
            log.warning("could not look up membership on %s", ctx.chat.platform.value,
                        exc_info=True)
            return False
        return member is False

    async def admin_now(self, ctx: Context) -> bool:
        """Whether the platform says, now, that this person administers this chat."""
        rights = self.admin_rights.get(ctx.chat.platform)
        if rights is None or ctx.is_private:
            return False
        try:
            return await rights.is_admin_now(ctx.event.chat, ctx.event.user)
        except Exception:
            # A failed look-up grants nothing new; the refusal stands.
            log.warning("could not look up admin rights on %s", ctx.chat.platform.value,
                        exc_info=True)
            return False


def refusal(needed: Role) -> str:
    """The sentence that says who may do this."""
    if needed >= Role.OPERATOR:
        return _("Only the bot's operator can do that.")
    return _("Only moderators of this chat can do that.")


def _why(denied: PermissionDenied) -> dict[str, str]:
    """What an audit entry says of a refusal: the role needed, and the check that failed."""
    why = {"needed": denied.needed.name.lower()}
    if denied.check:
        why["check"] = denied.check
    return why


def _outcomes(result: Any) -> list[Outcome]:
    if result is None:
        return []
    if isinstance(result, Reply | Toast) or not isinstance(result, Sequence):
        return [result]
    return list(result)


def _answer(event: Event, message: str, body: RichText | None = None) -> Outcome:
    if isinstance(event, ButtonPressed):
        return Toast(message, alert=True)
    return Reply(body or text(message), private=event.chat.kind != ChatKind.PRIVATE
                 and event.can_answer_privately)


def _answer_privately_in_person_locale(ctx: Context) -> None:
    """A refusal only the caller will see (Discord ephemeral) is in the caller's language."""
    if ctx.event.can_answer_privately and not ctx.is_private:
        set_locale(ctx.person_locale)


__all__ = ["BotAdded", "ChatMigrated", "MessagePosted", "Router", "refusal"]
