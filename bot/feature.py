"""How a feature declares its commands, buttons, scheduled jobs and event hooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from bot.actions import Action
from bot.convert import Kind
from bot.events import Event
from bot.i18n import Lazy
from bot.jobs import JobKind
from bot.permissions import Role, Rule

if TYPE_CHECKING:
    from bot.context import Context, JobContext, Services
    from bot.digest import DigestSection
    from bot.records import NewDelivery, Person, ScheduledItem

R = TypeVar("R")
Result = "Outcome | Sequence[Outcome] | None"
CommandHandler = Callable[["Context"], Awaitable[Any]]
ButtonHandler = Callable[["Context", Any], Awaitable[Any]]
EventHandler = Callable[["Context"], Awaitable[Any]]
JobHandler = Callable[["JobContext", "ScheduledItem"], Awaitable["Sequence[NewDelivery]"]]
# A job as a feature writes it: it receives the item's ref decoded by the kind's declaration.
RefJobHandler = Callable[["JobContext", "ScheduledItem", R], Awaitable["Sequence[NewDelivery]"]]
StartHook = Callable[["Services"], Awaitable[None]]
# What a feature keeps about a person: exported by /mydata, erased by /forgetme.
PersonalExport = Callable[["Services", "Person"], Awaitable[dict[str, Any]]]
PersonalErase = Callable[["Services", "Person"], Awaitable[None]]
H = TypeVar("H", bound=Callable[..., Awaitable[Any]])
T = TypeVar("T")


class Where(StrEnum):
    """Where a command may be used."""

    ANYWHERE = "anywhere"
    GROUP = "group"
    PRIVATE = "private"


@dataclass(frozen=True, slots=True)
class Arg(Generic[T]):
    """One argument of a command (a Discord option; a word or the rest of the line elsewhere).

    With a `kind`, the router converts what was typed before the handler runs (see
    bot/convert.py) and the handler reads the typed value with `ctx.value(arg)`.
    """

    name: str
    summary: Lazy
    required: bool = False
    choices: tuple[str, ...] = ()
    # Takes the rest of the line (the last argument of a text command).
    rest: bool = False
    kind: Kind[T] | None = None


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A registered command."""

    name: str
    handler: CommandHandler
    summary: Lazy
    feature: str
    rule: Rule
    usage: Lazy | None = None
    examples: tuple[str, ...] = ()
    where: Where = Where.ANYWHERE
    args: tuple[Arg[Any], ...] = ()
    # Text platforms split arguments on "|" rather than on spaces.
    pipe_separated: bool = False
    hidden: bool = False

    @property
    def role(self) -> Role:
        """The role needed to run it at all."""
        return self.rule.role

    @property
    def group(self) -> str:
        """The first word ("meeting" for "meeting new")."""
        return self.name.split(" ", 1)[0]


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    """A registered button handler and who may press it."""

    handler: ButtonHandler
    rule: Rule


@dataclass(slots=True)
class Feature:
    """A bundle of commands, buttons, jobs and hooks, collected by the router."""

    name: str
    title: Lazy
    commands: list[CommandSpec] = field(default_factory=list)
    buttons: dict[type[Action], ButtonSpec] = field(default_factory=dict)
    jobs: dict[str, JobHandler] = field(default_factory=dict)
    hooks: dict[type[Event], list[EventHandler]] = field(default_factory=dict)
    starters: list[StartHook] = field(default_factory=list)
    exporters: list[PersonalExport] = field(default_factory=list)
    erasers: list[PersonalErase] = field(default_factory=list)
    sections: list[tuple[int, DigestSection]] = field(default_factory=list)
    order: int = 50
    # The order /help and the platforms' menus list the commands in (the order people use
    # them); commands not named here follow, in the order they were registered.
    listing: tuple[str, ...] = ()

    def listed(self) -> list[CommandSpec]:
        """The commands in the order they are shown."""
        place = {name: i for i, name in enumerate(self.listing)}
        return sorted(self.commands, key=lambda spec: place.get(spec.name, len(place)))

    def command(
        self,
        name: str,
        summary: Lazy,
        *,
        rule: Rule,
        usage: Lazy | None = None,
        examples: Sequence[str] = (),
        where: Where = Where.ANYWHERE,
        args: Sequence[Arg[Any]] = (),
        pipe_separated: bool = False,
        hidden: bool = False,
    ) -> Callable[[H], H]:
        """Register a command handler: `async def h(ctx) -> outcome(s)`; `rule` says who may
        run it (bot/permissions.py), and the router enforces it before the handler runs."""

        def decorate(handler: H) -> H:
            self.commands.append(
                CommandSpec(name, handler, summary, self.name, rule, usage, tuple(examples),
                            where, tuple(args), pipe_separated, hidden)
            )
            return handler

        return decorate

    def button(self, action: type[Action], *, rule: Rule) -> Callable[[H], H]:
        """Register a button handler: `async def h(ctx, action) -> outcome(s)`; `rule` says who
        may press it."""

        def decorate(handler: H) -> H:
            if action in self.buttons:
                raise ValueError(f"button {action.prefix!r} registered twice")
            self.buttons[action] = ButtonSpec(handler, rule)
            return handler

        return decorate

    def job(self, kind: JobKind[R]) -> Callable[[RefJobHandler[R]], RefJobHandler[R]]:
        """Register the job of a declared kind: `async def h(jctx, item, ref) -> deliveries`."""
        if kind.feature != self.name:
            raise ValueError(f"job kind {kind.name!r} is declared for {kind.feature!r}")

        def decorate(handler: RefJobHandler[R]) -> RefJobHandler[R]:
            if kind.name in self.jobs:
                raise ValueError(f"job kind {kind.name!r} registered twice")

            async def run(jctx: JobContext, item: ScheduledItem) -> Sequence[NewDelivery]:
                return await handler(jctx, item, kind.decode(item.ref))

            self.jobs[kind.name] = run
            return handler

        return decorate

    def on_start(self, hook: StartHook) -> StartHook:
        """Register something to do once the schedule is running (e.g. re-arm items)."""
        self.starters.append(hook)
        return hook

    def personal_data(self, export: PersonalExport) -> PersonalExport:
        """Register what this feature stores about a person (for /mydata)."""
        self.exporters.append(export)
        return export

    def forget(self, erase: PersonalErase) -> PersonalErase:
        """Register how this feature erases a person (for /forgetme), before the core does."""
        self.erasers.append(erase)
        return erase

    def digest_section(self, order: int = 50) -> Callable[[DigestSection], DigestSection]:
        """Register a digest section: `async def s(dctx) -> Block | None` (None: nothing)."""

        def decorate(section: DigestSection) -> DigestSection:
            self.sections.append((order, section))
            return section

        return decorate

    def on(self, event: type[Event]) -> Callable[[H], H]:
        """Register a hook for an event type (bot added, plain message, ...)."""

        def decorate(handler: H) -> H:
            self.hooks.setdefault(event, []).append(handler)
            return handler

        return decorate
