"""Forms: a few text fields the core asks for, each platform filling them its own way.

A feature describes a `Form` (title and up to five fields) and calls `ask`.
Where the platform can show it natively (a Discord modal: the event says
`can_show_forms`), the reply carries the form and the adapter hands back a
`FormSubmitted` event with every value. Elsewhere (Telegram, the console) the
core runs a guided dialogue: it asks one field at a time in the private chat
and the person's next plain message answers it; the dialogue is stored per
(chat, person), so it survives restarts and works across processes. Either
way the feature's handler, registered with `@on_submit(kind)`, receives the
checked values.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.actions import Action
from bot.fmt import number
from bot.i18n import _, pgettext
from bot.replies import Button, Reply
from bot.richtext import RichText, block, bold, doc, italic, line

if TYPE_CHECKING:
    from bot.context import Context

MAX_FIELDS = 5  # a Discord modal holds five inputs
MAX_ID = 64
IDLE = timedelta(hours=1)

FormHandler = Callable[["Context", str, dict[str, str]], Awaitable[Any]]
_handlers: dict[str, FormHandler] = {}


@dataclass(frozen=True, slots=True)
class FormField:
    """One text input: `long` fields take several lines (a paragraph input on Discord)."""

    name: str
    label: str
    long: bool = False
    required: bool = True
    max_length: int = 1000
    # Prefilled value (when editing); kept when the person skips the field.
    value: str = ""
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Form:
    """What to ask: `kind` names the handler, `ref` what it is about (the handler checks it)."""

    kind: str
    ref: str
    title: str
    fields: tuple[FormField, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.fields) <= MAX_FIELDS:
            raise ValueError(f"a form has 1 to {MAX_FIELDS} fields")
        if ":" in self.kind or len(self.id) > MAX_ID:
            raise ValueError(f"bad form id {self.id!r}")

    @property
    def id(self) -> str:
        """`kind:ref`, what a native form hands back (Discord custom_id)."""
        return f"{self.kind}:{self.ref}"

    def to_json(self) -> dict[str, Any]:
        """The form as JSON (dialogues are stored)."""
        return {"kind": self.kind, "ref": self.ref, "title": self.title,
                "fields": [{"name": f.name, "label": f.label, "long": f.long,
                            "required": f.required, "max_length": f.max_length,
                            "value": f.value, "hint": f.hint} for f in self.fields]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Form:
        """The inverse of `to_json`."""
        return cls(data["kind"], data["ref"], data["title"],
                   tuple(FormField(**f) for f in data["fields"]))


@dataclass(slots=True)
class Dialogue:
    """A form being filled in one field at a time in a private chat."""

    chat_id: int
    person_id: int
    form: Form
    expires_at: datetime
    values: dict[str, str] = field(default_factory=dict)
    position: int = 0
    # Shown natively (a modal): plain messages do not answer it.
    native: bool = False

    @property
    def current(self) -> FormField:
        """The field the next message answers."""
        return self.form.fields[self.position]


class FormStore(Protocol):
    """Dialogues in progress, one per (chat, person)."""

    async def get(self, chat_id: int, person_id: int) -> Dialogue | None:
        """The dialogue in progress, if any."""
        ...

    async def put(self, dialogue: Dialogue) -> None:
        """Start or advance a dialogue (replacing any other in that chat)."""
        ...

    async def clear(self, chat_id: int, person_id: int) -> bool:
        """End the dialogue; True if there was one."""
        ...


def on_submit(kind: str) -> Callable[[FormHandler], FormHandler]:
    """Register the handler of a form kind: `async def h(ctx, ref, values) -> outcome(s)`."""

    def decorate(handler: FormHandler) -> FormHandler:
        if kind in _handlers and _handlers[kind] is not handler:
            raise ValueError(f"form kind {kind!r} registered twice")
        _handlers[kind] = handler
        return handler

    return decorate


def check(form: Form, values: dict[str, str]) -> dict[str, str]:
    """The values of the form's fields, trimmed; a UserError names the first bad one."""
    from bot.context import UserError

    out: dict[str, str] = {}
    for f in form.fields:
        value = (values.get(f.name) or "").strip()
        if not value and f.value:
            value = f.value
        if not value and f.required:
            raise UserError(_("{field} is required.", field=f.label))
        if len(value) > f.max_length:
            # The answer is what is too long, not the field: a label such as "Language of
            # this text" read as the subject of "is 24 characters long".
            raise UserError(_("Your answer to “{field}” has {length} characters; at most "
                              "{limit} fit.", field=f.label, length=number(len(value)),
                              limit=number(f.max_length)))
        out[f.name] = value
    return out


@dataclass(frozen=True)
class SkipField(Action, prefix="fs"):
    """Keep a field's current value (or leave an optional field empty)."""

    position: int


@dataclass(frozen=True)
class CancelForm(Action, prefix="fx"):
    """Stop filling in the form."""


async def ask(ctx: Context, form: Form, intro: RichText | None = None) -> Reply:
    """Ask for `form`: natively where the platform can, else as a guided dialogue."""
    native = ctx.event.can_show_forms
    dialogue = Dialogue(ctx.chat.id, ctx.person.id, form, ctx.now() + IDLE, native=native)
    # Remembered either way: only a form the bot asked this person for is accepted back.
    await ctx.store.forms.put(dialogue)
    if native:
        return Reply(intro or doc(line(bold(form.title))), form=form)
    return prompt(dialogue, intro)


def prompt(dialogue: Dialogue, intro: RichText | None = None) -> Reply:
    """The question for the dialogue's current field, with Keep/Skip and Cancel buttons."""
    f = dialogue.current
    total = len(dialogue.form.fields)
    lines = [line(bold(dialogue.form.title), f" · {number(dialogue.position + 1)}/{number(total)}"),
             line(bold(f.label))]
    if f.hint:
        lines.append(line(italic(f.hint)))
    lines.append(line(_("At most {limit} characters.", limit=number(f.max_length))))
    blocks = [block(*lines)]
    buttons: list[Button] = []
    if f.value:
        blocks.append(block(line(_("Now:")), *(line(part) for part in f.value.split("\n"))))
        blocks.append(block(_("Send the new text, or keep this one.")))
        buttons.append(Button(pgettext("button", "Keep"), SkipField(dialogue.position).pack()))
    elif not f.required:
        blocks.append(block(_("Send it as a message, or skip it.")))
        buttons.append(Button(pgettext("button", "Skip"), SkipField(dialogue.position).pack()))
    else:
        blocks.append(block(_("Send it as a message.")))
    buttons.append(Button(pgettext("button", "Cancel"), CancelForm().pack()))
    body = RichText(tuple(blocks))
    return Reply(intro + body if intro else body, buttons=(tuple(buttons),))


async def answer(ctx: Context, text: str | None) -> Any:
    """Take a message (or a skip, when `text` is None) as the current field's answer."""
    dialogue = await ctx.store.forms.get(ctx.chat.id, ctx.person.id)
    if dialogue is None or dialogue.native:
        return None
    if dialogue.expires_at <= ctx.now():
        await ctx.store.forms.clear(ctx.chat.id, ctx.person.id)
        return Reply(doc(_("The form you were filling in has expired. Please start again.")))
    f = dialogue.current
    value = (text or "").strip() or f.value
    if not value and f.required:
        return prompt(dialogue)
    checked = check(Form(dialogue.form.kind, dialogue.form.ref, dialogue.form.title, (f,)),
                    {f.name: value})
    dialogue.values[f.name] = checked[f.name]
    dialogue.position += 1
    dialogue.expires_at = ctx.now() + IDLE
    if dialogue.position < len(dialogue.form.fields):
        await ctx.store.forms.put(dialogue)
        return prompt(dialogue)
    await ctx.store.forms.clear(ctx.chat.id, ctx.person.id)
    return await _finish(ctx, dialogue.form, dialogue.values)


async def submitted(ctx: Context, form_id: str, values: dict[str, str]) -> Any:
    """A form filled natively: accepted only if it is the one asked of this person here."""
    from bot.context import UserError

    dialogue = await ctx.store.forms.get(ctx.chat.id, ctx.person.id)
    if dialogue is None or dialogue.form.id != form_id or dialogue.expires_at <= ctx.now():
        raise UserError(_("This form is no longer valid. Please start again."))
    cleaned = check(dialogue.form, {str(k)[:64]: str(v) for k, v in values.items()})
    await ctx.store.forms.clear(ctx.chat.id, ctx.person.id)
    return await _finish(ctx, dialogue.form, cleaned)


async def _finish(ctx: Context, form: Form, values: dict[str, str]) -> Any:
    from bot.context import UserError

    handler = _handlers.get(form.kind)
    if handler is None:
        raise UserError(_("This form is no longer valid. Please start again."))
    return await handler(ctx, form.ref, values)
