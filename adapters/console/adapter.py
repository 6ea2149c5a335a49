"""Each line of standard input is a message from a local user in a local chat.

Commands start with `/`. The console also understands a few lines of its own:
`/as NAME` (act as another person; `/as` alone to be yourself again),
`/in CHAT` (talk in another local chat; `/in private` for a private chat with
the bot; `/in` alone lists the chats), and a bare number or `/press N` to press
button N of the last message with buttons (`/press N of M`: of message M). A
line ending in `\\` continues on the next, so a message can hold several lines.
When input is not a terminal (a script), each line's replies and the messages it
queued are printed before the next line is read. End of input stops the bot once
queued messages are out.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TextIO, TypedDict

from adapters.console.render import clean, render
from bot.app import App
from bot.events import (
    ButtonPressed,
    ChatKind,
    ChatRef,
    CommandInvoked,
    Event,
    MessagePosted,
    Platform,
    UserRef,
)
from bot.fmt import joined
from bot.i18n import _, current_locale, use_locale
from bot.replies import Delete, Outcome, Reply, SentMessage, Toast
from bot.trust import inert
from scheduling.pacing import Limits

MAIN_CHAT = "main"
CONTINUES = "\\"


class _Common(TypedDict):
    """The fields every event from the console shares."""

    chat: ChatRef
    user: UserRef
    platform_admin: bool


def parse_command(line: str) -> tuple[str, str]:
    """`/name@bot args` → (name, args)."""
    head, _, args = line[1:].partition(" ")
    head, newline, rest = head.partition("\n")
    name = head.split("@", 1)[0]
    return name.lower(), (newline + rest + " " + args if newline else args).strip()


def _group(name: str) -> ChatRef:
    return ChatRef(Platform.CONSOLE, name, ChatKind.GROUP, name)


# In a script, work due this soon after a line (a card redrawn after a vote) is waited for,
# so what the script reads next does not depend on timing.
SOON = timedelta(seconds=3)


class ConsoleAdapter:
    """Reads lines, hands them to the core, prints the replies; also the console's messenger."""

    platform = Platform.CONSOLE
    limits = Limits()

    def __init__(self, app: App, stdin: TextIO, stdout: TextIO, *, user: str = "me",
                 files_dir: Path | None = None) -> None:
        self.app = app
        self.stdin = stdin
        self.stdout = stdout
        self.me = user
        self.user = user
        self.chat = _group(MAIN_CHAT)
        self.files_dir = files_dir or Path("data") / "files"
        self._ids = itertools.count(1)
        # message id -> (its chat's key, the actions of its buttons)
        self._buttons: dict[str, tuple[str, list[str]]] = {}
        self._last_buttons: dict[str, str] = {}
        self._visited = {MAIN_CHAT}
        self._pending: list[str] = []
        app.add_messenger(self)

    # -- input --------------------------------------------------------------------

    async def run(self) -> None:
        """Read until end of input, then let queued messages go out."""
        loop = asyncio.get_running_loop()
        scripted = not self.stdin.isatty()
        while True:
            line = await loop.run_in_executor(None, self.stdin.readline)
            if not line:
                break
            await self.feed(line.rstrip("\r\n"))
            if scripted:
                await self.settle(soon=SOON)
        if self._pending:
            await self.feed("")
        await self.app.worker.drain(within=10)

    async def settle(self, within: float = 10.0, soon: timedelta = timedelta(0)) -> None:
        """Wait for the work the last line caused: jobs already due or due within `soon`
        (a script waits SOON: a vote redraws its card two seconds later), then queued
        messages."""
        await self.app.runner.wait_idle()
        await self.app.worker.drain(within=within)
        waited_for: int | None = None
        for _round in range(10):
            now = self.app.clock.now()
            coming = await self.app.store.schedule.pending(until=now + soon, limit=1)
            if not coming or coming[0].id == waited_for:
                break  # nothing due soon, or time does not pass (a test's frozen clock)
            waited_for = coming[0].id
            await asyncio.sleep(max(0.0, (coming[0].due_at - now).total_seconds()) + 0.05)
            await self.app.runner.wait_idle()
            await self.app.worker.drain(within=within)
        await self.app.runner.wait_idle()

    async def feed(self, line: str) -> None:
        """Handle one line of input (a line ending in a backslash continues on the next)."""
        if line.endswith(CONTINUES):
            self._pending.append(line.removesuffix(CONTINUES))
            return
        if self._pending:
            line = "\n".join([*self._pending, line])
            self._pending.clear()
        line = line.strip()
        if not line:
            return
        event = await self._event(line)
        if event is None:
            return
        self._show(event.chat, await self.app.handle(event))

    def _user_ref(self) -> UserRef:
        return UserRef(Platform.CONSOLE, self.user, self.user, self.user)

    async def _event(self, line: str) -> Event | None:
        admin = self.user == self.me
        common: _Common = {"chat": self.chat, "user": self._user_ref(), "platform_admin": admin}
        if line.isdigit() or line.startswith("/press "):
            return self._press(line.removeprefix("/press ").strip(), common)
        if not line.startswith("/"):
            return MessagePosted(**common, text=line, message_id=str(next(self._ids)))
        name, args = parse_command(line)
        if name == "as":
            self.user = clean(inert(args.split()[0]))[:32] if args else self.me
            self._say(_("(you are now {name})", name=self.user))
            return None
        if name == "in":
            await (self._switch_chat(args) if args else self._list_chats())
            return None
        return CommandInvoked(**common, command=name, args=args,
                              message_id=str(next(self._ids)))

    def _press(self, spec: str, common: _Common) -> Event | None:
        # "2" presses button 2 of the last message with buttons here; "2 of 7", of message 7.
        number, _of, named = spec.partition(" of ")
        number, named = number.strip(), named.strip()
        message_id = named if _of else self._last_buttons.get(self.chat.key)
        chat_key, actions = self._buttons.get(message_id or "", ("", []))
        if (chat_key != self.chat.key or not number.isdigit()
                or not 1 <= int(number) <= len(actions)):
            self._say(_("(no such button here)"))
            return None
        return ButtonPressed(**common, data=actions[int(number) - 1], message_id=message_id)

    async def _switch_chat(self, name: str) -> None:
        name = clean(inert(name.strip()))[:32] or MAIN_CHAT
        if name == "private":
            self.chat = ChatRef(Platform.CONSOLE, self.user, ChatKind.PRIVATE, None)
            self._say(_("(you are now in your private chat with the bot, as {name})",
                        name=self.user))
            return
        known = name in self._visited or await self.app.store.chats.find(
            Platform.CONSOLE, name) is not None
        self.chat = _group(name)
        self._visited.add(name)
        if known:
            self._say(_("(you are now in chat {name})", name=name))
        else:
            self._say(_("(you are now in a new chat, {name}; /in alone lists the chats)",
                        name=name))

    async def _list_chats(self) -> None:
        stored = {chat.platform_id for chat in await self.app.store.chats.active_groups()
                  if chat.platform == Platform.CONSOLE}
        names = sorted(stored | self._visited, key=lambda n: (n != MAIN_CHAT, n))
        if self.chat.kind == ChatKind.PRIVATE:
            self._say(_("(console chats: {chats}; you are in your private chat)",
                        chats=joined(names)))
        else:
            self._say(_("(console chats: {chats}; you are in {name})",
                        chats=joined(names), name=self.chat.id))

    # -- output -------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _show(self, chat: ChatRef, outcomes: Sequence[Outcome]) -> None:
        for outcome in outcomes:
            if isinstance(outcome, Toast):
                if outcome.text:
                    self._say(_("(only you) {text}", text=clean(inert(outcome.text))))
            elif isinstance(outcome, Delete):
                self._say(_("(message {id} deleted)", id=outcome.message_id))
            elif outcome.edit_of:
                self._print(chat, outcome, outcome.edit_of, edited=True)
            else:
                self._print(chat, outcome, str(next(self._ids)))

    def _print(self, chat: ChatRef, reply: Reply, message_id: str, *, edited: bool = False,
               elsewhere: bool = False) -> None:
        lines = render(reply.body)
        prefix = ""
        if reply.private and chat.kind != ChatKind.PRIVATE:
            prefix = _("(only you) {text}", text="")
        if elsewhere:
            where = (_("private chat of {name}", name=chat.id) if chat.kind == ChatKind.PRIVATE
                     else chat.id)
            prefix = f"[{where}] " + prefix
        if edited:
            prefix += _("(edited)") + " "
        self._say(prefix + lines)
        if reply.buttons:
            actions, labels = [], []
            for row in reply.buttons:
                for button in row:
                    if button.url:
                        labels.append(f"<{clean(inert(button.label))}: {clean(button.url)}>")
                        continue
                    actions.append(button.action)
                    labels.append(f"[{len(actions)}] {clean(inert(button.label))}")
            self._say("  " + "  ".join([*labels, _("(message {id})", id=message_id)]))
            self._buttons[message_id] = (chat.key, actions)
            if not edited:
                # An edit keeps its place: a bare number still presses the newest card.
                self._last_buttons[chat.key] = message_id
        if reply.document is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / Path(reply.document.filename).name
            path.write_bytes(reply.document.data)
            self._say(_("(file {name} saved to {path})", name=path.name, path=str(path)))

    # -- Messenger (what the outbox sends) ------------------------------------------

    async def _locale(self, chat: ChatRef) -> str:
        """The language of the chat a queued message goes to, for the lines framing it."""
        stored = await self.app.store.chats.find(Platform.CONSOLE, chat.id)
        return self.app.services.chat_locale(stored) if stored else current_locale()

    async def send(self, chat: ChatRef, reply: Reply, *, key: str | None = None) -> SentMessage:
        """Print a queued message, marked with its chat when it is not the current one."""
        message_id = str(next(self._ids))
        with use_locale(await self._locale(chat)):
            self._print(chat, reply, message_id, elsewhere=chat.key != self.chat.key)
        return SentMessage(chat, (message_id,))

    async def edit(self, chat: ChatRef, message_ids: Sequence[str], reply: Reply) -> None:
        """Print the new text of an edited message."""
        with use_locale(await self._locale(chat)):
            self._print(chat, reply, message_ids[0], edited=True,
                        elsewhere=chat.key != self.chat.key)

    async def delete(self, chat: ChatRef, message_ids: Sequence[str]) -> None:
        """Say a message was deleted."""
        self._say(_("(message {id} deleted)", id=", ".join(message_ids)))

    async def unpin(self, chat: ChatRef, message_id: str) -> None:
        """Say a message was unpinned."""
        self._say(_("(message {id} unpinned)", id=message_id))
