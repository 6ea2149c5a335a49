"""A feature used only by the Discord adapter tests: shapes of commands the adapter must map."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.actions import Action
from bot.context import Context, UserError
from bot.feature import Arg, Feature
from bot.features import all_features
from bot.i18n import N_
from bot.permissions import ANYONE, MODERATORS, Role, Rule
from bot.replies import Button, Delete, Document, Outcome, Reply, Toast
from bot.richtext import bold, doc, line

feature = Feature("discordtest", N_("Testing"), order=99)

# Set by a test to hold the `slow` command until the test lets it finish.
gate: dict[str, asyncio.Event] = {}


@dataclass(frozen=True)
class Poke(Action, prefix="zzpoke"):
    """A button that answers with a new public reply and a toast."""

    n: int


def base_features() -> list[Feature]:
    """The core features present on every branch, plus this one."""
    return [f for f in all_features() if f.name in {"basics", "settings", "communities"}] + [
        feature]


@feature.command("long", N_("A reply of 2,500 characters"), rule=ANYONE)
async def long_reply(ctx: Context) -> Reply:
    """Two paragraphs: 1,500 and 1,000 characters."""
    return Reply(doc("a" * 1500, "b" * 1000))


@feature.command("echo", N_("Say the text back"), usage=N_("<text>"), rule=ANYONE)
async def echo(ctx: Context) -> Reply:
    """Free text without declared arguments."""
    return Reply(doc(ctx.args or "-")).with_buttons((Button("Poke", Poke(1).pack()),))


@feature.command("note", N_("List the notes"), rule=ANYONE)
async def note(ctx: Context) -> Reply:
    """A group name that is also a command of its own."""
    return Reply(doc("no notes"))


@feature.command(
    "note add", N_("Add a note"), usage=N_("<title> | <text>"), pipe_separated=True,
    args=(Arg("title", N_("The note's title"), required=True),
          Arg("body", N_("The note itself"), required=True, rest=True)),
    rule=ANYONE,
)
async def note_add(ctx: Context) -> Reply:
    """Multi-field: completed in a modal when fields are missing."""
    return Reply(doc(line(bold(ctx.arg("title"))), ctx.arg("body")), card=True)


@feature.command(
    "form ask", N_("Show this chat's settings"), pipe_separated=True,
    args=(Arg("zone", N_("An IANA time zone such as Europe/Madrid"), required=True),
          Arg("code", N_("The code /link gave in the other chat"), required=True, rest=True)),
    rule=ANYONE,
)
async def form_ask(ctx: Context) -> Reply:
    """Labels that exist in the catalogs, to see a modal in the caller's language."""
    return Reply(doc(f"{ctx.arg('zone')} / {ctx.arg('code')}"))


@feature.command("event plan", N_("Plan an event (Manage Events counts for meetings only)"), rule=MODERATORS)
async def event_plan(ctx: Context) -> Reply:
    """A moderator command outside the meeting groups."""
    return Reply(doc("planned"))


@feature.command("session start", N_("Start a session"), rule=Rule(Role.MODERATOR, events=True))
async def session_start(ctx: Context) -> Reply:
    """A command of the "session" group: Manage Events makes a moderator here."""
    return Reply(doc("started"))


@feature.command("slow", N_("Take a while"), args=(Arg("fail", N_("yes to fail")),), rule=ANYONE)
async def slow(ctx: Context) -> Reply:
    """Wait for the test's gate, then answer (or refuse)."""
    if "slow" in gate:
        await gate["slow"].wait()
    if ctx.arg("fail"):
        raise UserError("nope")
    return Reply(doc("finally"))


@feature.command("export", N_("Send a file"), rule=ANYONE)
async def export(ctx: Context) -> Reply:
    """A reply with a document."""
    return Reply(doc("calendar"), document=Document("m.ics", b"BEGIN:VCALENDAR", "text/calendar"))


@feature.command("tidy", N_("Edit or delete an earlier message"),
                 args=(Arg("message", N_("Its id"), required=True), Arg("text", N_("New text"))), rule=ANYONE)
async def tidy(ctx: Context) -> list[Outcome]:
    """Outcomes that change other messages, plus a private confirmation."""
    change: Outcome = (Reply(doc(ctx.arg("text")), edit_of=ctx.arg("message"))
                       if ctx.arg("text") else Delete(ctx.arg("message")))
    return [change, Reply(doc("tidied"), private=True)]


@feature.command("quiet", N_("Answer nothing"), rule=ANYONE)
async def quiet(ctx: Context) -> None:
    """A command with no outcome."""


@feature.button(Poke, rule=ANYONE)
async def poked(ctx: Context, action: Poke) -> list[Reply | Toast]:
    """A public reply and a toast."""
    return [Reply(doc(f"poked {action.n}")), Toast(f"toast {action.n}")]
