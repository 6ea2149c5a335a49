"""Posting to every chat of a community, each in its own language, through the outbox.

Use `community_deliveries` inside a scheduled job (its messages are committed
with the item), and `post_to_community` from a handler. Copies are tracked by
`source` (declared in bot/sources.py), so `edit_everywhere` can later edit or
delete every copy at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.context import Services
from bot.i18n import use_locale
from bot.quiet import quiet_until
from bot.records import Chat, DeliveryOp, DeliveryStatus, NewDelivery, Person
from bot.replies import Reply, private_chat, reply_to_json
from bot.sources import SourceRef

Render = Callable[[Chat], Reply | None]


def chat_delivery(services: Services, chat: Chat, reply: Reply, *, key: str, source: SourceRef,
                  urgent: bool = False, not_before: datetime | None = None) -> NewDelivery:
    """One message to one chat; unless urgent it waits for the chat's quiet hours to end."""
    when = not_before
    if not urgent:
        after = max(services.clock.now(), not_before) if not_before else services.clock.now()
        when = quiet_until(chat, services.chat_zone(chat), after) or not_before
    return NewDelivery(chat.id, reply_to_json(reply), key=key, source=source, urgent=urgent,
                       not_before=when)


async def community_deliveries(
    services: Services, community_id: int, render: Render, *, key: str, source: SourceRef,
    urgent: bool = False, not_before: datetime | None = None,
    exclude_chat_id: int | None = None,
) -> list[NewDelivery]:
    """One message per active chat of the community, rendered in that chat's language.

    `render` runs with the chat's locale already set; returning None skips a chat.
    `key` must be unique per logical message: it is suffixed with the chat id, and
    a key already queued is never queued again (so retries cannot double-post).
    Quiet hours hold non-urgent messages until they end.
    """
    out = []
    for chat in await services.store.chats.in_community(community_id):
        if chat.id == exclude_chat_id or chat.is_private:
            continue
        with use_locale(services.chat_locale(chat)):
            reply = render(chat)
        if reply is not None:
            out.append(chat_delivery(services, chat, reply, key=f"{key}:{chat.id}",
                                     source=source, urgent=urgent, not_before=not_before))
    return out


async def post_to_community(services: Services, community_id: int, render: Render, *,
                            key: str, source: SourceRef, urgent: bool = False,
                            exclude_chat_id: int | None = None) -> int:
    """Queue a message for every chat of the community; return how many chats."""
    deliveries = await community_deliveries(services, community_id, render, key=key,
                                            source=source, urgent=urgent,
                                            exclude_chat_id=exclude_chat_id)
    await services.outbox.enqueue(deliveries)
    return len(deliveries)


async def person_chat(services: Services, person: Person) -> Chat:
    """The person's private chat with the bot (created if the bot never wrote there)."""
    return await services.store.chats.ensure(private_chat(person.platform, person.platform_id),
                                             person.language)


async def person_delivery(services: Services, person: Person, render: Callable[[], Reply], *,
                          key: str, source: SourceRef, hint: str | None = None) -> NewDelivery:
    """A private message to `person`, rendered in their language."""
    chat = await person_chat(services, person)
    with use_locale(services.person_locale(person, hint, chat)):
        reply = render()
    return NewDelivery(chat.id, reply_to_json(reply), key=key, source=source)


async def edit_everywhere(services: Services, source: SourceRef, render: Render, *, key: str,
                          op: DeliveryOp = DeliveryOp.EDIT) -> int:
    """Edit (or delete, or unpin) every delivered copy of `source`; return how many.

    `key` names this round of edits (e.g. "poll:3:v7"); copies not yet delivered
    are left to go out as they are, so callers should also cancel or re-render them.
    """
    deliveries = await edit_deliveries(services, source, render, key=key, op=op)
    await services.outbox.enqueue(deliveries)
    return len(deliveries)


async def edit_deliveries(services: Services, source: SourceRef, render: Render, *, key: str,
                          op: DeliveryOp = DeliveryOp.EDIT) -> list[NewDelivery]:
    """The edits `edit_everywhere` would queue, returned instead (for jobs)."""
    deliveries = []
    for sent in await services.store.outbox.by_source(source):
        if sent.op != DeliveryOp.SEND or sent.status != DeliveryStatus.SENT:
            continue
        chat = await services.store.chats.get(sent.chat_id)
        if chat is None or not chat.active:
            continue
        if op == DeliveryOp.EDIT:
            with use_locale(services.chat_locale(chat)):
                reply = render(chat)
            if reply is None:
                continue
            payload = reply_to_json(reply)
        else:
            payload = {}
        deliveries.append(NewDelivery(chat.id, payload, key=f"{key}:{sent.id}", op=op,
                                      source=source.after(op),
                                      target_delivery_id=sent.id))
    return deliveries


async def unsent_copies(services: Services, source: SourceRef) -> int:
    """How many copies of `source` are still waiting to be sent (an edit cannot reach them)."""
    return sum(1 for d in await services.store.outbox.by_source(source)
               if d.op == DeliveryOp.SEND
               and d.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING))
