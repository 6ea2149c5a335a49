"""A test-only feature that exercises what the Telegram adapter must carry both ways."""

from __future__ import annotations

from dataclasses import dataclass

from bot.actions import Action
from bot.context import Context, UserError
from bot.feature import Feature
from bot.features import all_features
from bot.i18n import N_
from bot.permissions import ANYONE, MODERATORS
from bot.replies import Button, Delete, Document, Reply, Toast
from bot.richtext import RichText, block, bold, doc, line, text

probe = Feature("probe", N_("Probe"), order=99)


@dataclass(frozen=True)
class Tap(Action, prefix="ptap"):
    """A button of the probe menu."""

    what: str


@probe.command("quote", N_("Show the message this replies to"), hidden=True, rule=ANYONE)
async def quote(ctx: Context) -> Reply:
    """Echo the quoted message and its author."""
    quoted = getattr(ctx.event, "reply_to", None)
    if quoted is None:
        raise UserError("Reply to a message with /quote.")
    author = quoted.author.display_name if quoted.author else "?"
    return Reply(doc(line("Quoted: ", bold(quoted.text)), line(f"by {author}")))


@probe.command("long", N_("A very long answer"), hidden=True, rule=ANYONE)
async def long(ctx: Context) -> Reply:
    """Eleven paragraphs, over 10,000 characters."""
    return Reply(long_body())


def long_body() -> RichText:
    """What /long answers."""
    return RichText(tuple(block(line(bold(f"Part {i}")), f"{i}: " + "lorem ipsum " * 80)
                          for i in range(11)))


@probe.command("whisper", N_("Answer only the caller"), hidden=True, rule=ANYONE)
async def whisper(ctx: Context) -> Reply:
    """A private answer."""
    return Reply(text("the secret is 42"), private=True)


@probe.command("pinme", N_("Post and pin"), hidden=True, rule=ANYONE)
async def pinme(ctx: Context) -> Reply:
    """A pinned, silent post."""
    return Reply(text("pinned notice"), pin=True, silent=True)


@probe.command("file", N_("Send a file"), hidden=True, rule=ANYONE)
async def file(ctx: Context) -> Reply:
    """A document with a caption message."""
    return Reply(text("your calendar"), document=Document("meet.ics", b"BEGIN:VCALENDAR\r\n",
                                                          "text/calendar"))


@probe.command("menu", N_("Buttons"), hidden=True, rule=ANYONE)
async def menu(ctx: Context) -> Reply:
    """Buttons for each outcome kind, and a link."""
    return Reply(text("pick")).with_buttons(
        (Button("Edit", Tap("edit").pack()), Button("Delete", Tap("delete").pack())),
        (Button("Quiet", Tap("quiet").pack()), Button("Fail", Tap("fail").pack())),
        (Button("Site", url="https://example.org"), Button("Bad", url="javascript:x")),
    )


@probe.button(Tap, rule=ANYONE)
async def tapped(ctx: Context, action: Tap) -> list[Reply | Toast | Delete] | None:
    """Edit, delete, say nothing, or refuse."""
    assert ctx.event_message_id is not None
    if action.what == "edit":
        return [Toast("edited!"), Reply(text("edited <b>text</b>"), edit_of=ctx.event_message_id)]
    if action.what == "delete":
        return [Delete(ctx.event_message_id)]
    if action.what == "fail":
        raise UserError("no way")
    return None


@probe.command("meet new", N_("Create a meeting"), rule=ANYONE)
async def meet_new(ctx: Context) -> Reply:
    """A subcommand (menu grouping)."""
    return Reply(text("new meeting"))


@probe.command("meet list", N_("List meetings"), rule=ANYONE)
async def meet_list(ctx: Context) -> Reply:
    """Another subcommand."""
    return Reply(text("meetings"))


@probe.command("modonly", N_("Only for moderators"), rule=MODERATORS)
async def modonly(ctx: Context) -> Reply:
    """A privileged command."""
    return Reply(text("moderator stuff done"))


def with_probe() -> list[Feature]:
    """Every real feature plus the probe."""
    return [*all_features(), probe]
