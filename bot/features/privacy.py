"""A person's own data: /mydata sends everything stored about them, /forgetme erases it."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.actions import Action
from bot.context import Context, JobContext, Services
from bot.feature import Feature
from bot.i18n import N_, _, pgettext
from bot.jobs import JobKind, Word
from bot.permissions import ANYONE, Check, only
from bot.records import NEVER_STALE, NewDelivery, Person, ScheduledItem
from bot.replies import Button, Document, Reply, Toast
from bot.richtext import doc

feature = Feature("privacy", N_("Your data"), order=90)

log = logging.getLogger(__name__)

RETENTION_KIND = JobKind("privacy.retention", "privacy", Word("audit"))
RETENTION_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class Forget(Action, prefix="forget"):
    """Confirm (or cancel) erasing one's own data."""

    person_id: int
    confirm: bool


async def _core_export(services: Services, person: Person) -> dict[str, Any]:
    store = services.store
    chats = await store.chats.of_person(person.id)
    roles = []
    for chat in chats:
        granted = await store.communities.granted_role(chat.community_id, person.id)
        if granted is not None:
            roles.append({"community": chat.community_id, "role": granted.name.lower()})
    audit = await store.audit.of_person(person.id)
    return {
        "person": {
            "platform": person.platform.value, "id": person.platform_id,
            "display_name": person.display_name, "username": person.username,
            "language": person.language, "timezone": person.timezone,
        },
        "chats_seen_in": [{"platform": c.platform.value, "title": c.title} for c in chats],
        "roles_granted": roles,
        "audit_log": [{"at": e.at.isoformat(), "action": e.action, "allowed": e.allowed}
                      for e in audit],
    }


async def export_person(ctx: Context) -> dict[str, Any]:
    """Everything stored about the caller, from the core and every feature."""
    data = await _core_export(ctx.services, ctx.person)
    assert ctx.router is not None
    for exporter in ctx.router.exporters:
        data.update(await exporter(ctx.services, ctx.person))
    return data


@feature.command("mydata", N_("Get everything the bot stores about you (sent privately)"), rule=ANYONE)
async def mydata(ctx: Context) -> Reply:
    """Send the caller their data as JSON, privately."""
    data = await export_person(ctx)
    payload = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    with ctx.for_person():
        return Reply(doc(_("Here is everything I store about you.")), private=True,
                     document=Document("my-data.json", payload, "application/json"))


@feature.command("forgetme", N_("Erase everything the bot stores about you"), rule=ANYONE)
async def forgetme(ctx: Context) -> Reply:
    """Ask for confirmation, privately."""
    with ctx.for_person():
        body = doc(_("This erases your settings, your answers to meetings, your votes in "
                     "polls that are not anonymous and your agenda items. Entries and minutes "
                     "you wrote keep their text, signed by a former member. It cannot be "
                     "undone."))
        buttons = (Button(pgettext("button", "Erase my data"),
                          Forget(ctx.person.id, True).pack()),
                   Button(pgettext("button", "Cancel"), Forget(ctx.person.id, False).pack()))
    return Reply(body, private=True).with_buttons(buttons)


async def _concerned(ctx: Context) -> bool:
    return isinstance(ctx.action, Forget) and ctx.action.person_id == ctx.person.id


THE_PERSON = Check("the person it concerns", _concerned,
                   lambda _ctx: _("Only the person it concerns can use this button."))


@feature.button(Forget, rule=only(THE_PERSON))
async def forget_pressed(ctx: Context, action: Forget) -> list[Reply | Toast]:
    """Erase (or not) after the person confirmed; nobody can confirm for someone else."""
    if not action.confirm:
        return [Toast(_("Nothing was erased.")),
                Reply(doc(_("Nothing was erased.")), edit_of=ctx.event_message_id)]
    assert ctx.router is not None
    for eraser in ctx.router.erasers:
        await eraser(ctx.services, ctx.person)
    await ctx.store.people.forget(ctx.person.id)
    done = _("Your data has been erased.")
    return [Toast(done), Reply(doc(done), edit_of=ctx.event_message_id)]


@feature.job(RETENTION_KIND)
async def retention(jctx: JobContext, item: ScheduledItem, _audit: str) -> list[NewDelivery]:
    """Delete audit entries older than AUDIT_RETENTION_DAYS and session minutes older than
    MINUTES_RETENTION_DAYS (0 keeps either), then plan the next sweep."""
    services = jctx.services
    days = services.settings.audit_retention_days
    if days:
        await services.store.audit.purge_before(jctx.now() - timedelta(days=days))
    days = services.settings.minutes_retention_days
    if days:
        purged = await services.store.minutes.purge_ended_before(jctx.now() - timedelta(days=days))
        if purged:
            log.info("deleted the minutes of %d sessions older than %d days", purged, days)
    # Platforms stop redelivering an update within a day; the claims can go.
    await services.store.inbound.purge_before(jctx.now() - timedelta(days=2))
    await services.scheduler.schedule(RETENTION_KIND, "audit", jctx.now() + RETENTION_EVERY,
                                      grace_seconds=NEVER_STALE)
    return []


@feature.on_start
async def plan_retention(services: Services) -> None:
    """Make sure the daily retention sweep is on the schedule."""
    if "audit" not in await services.scheduler.pending_refs(RETENTION_KIND):
        await services.scheduler.schedule(RETENTION_KIND, "audit",
                                          services.clock.now() + RETENTION_EVERY,
                                          grace_seconds=NEVER_STALE)
