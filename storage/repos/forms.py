"""Forms being filled in (the guided dialogues of text platforms)."""

from __future__ import annotations

from sqlalchemy import delete

from bot.forms import Dialogue, Form
from storage.models.forms import FormStateRow
from storage.repos.base import Repo


class SqlForms(Repo):
    """One dialogue per (chat, person)."""

    async def get(self, chat_id: int, person_id: int) -> Dialogue | None:
        """The dialogue in progress, if any."""
        async with self.sessions() as s:
            row = await s.get(FormStateRow, (chat_id, person_id))
            if row is None:
                return None
            return Dialogue(row.chat_id, row.person_id, Form.from_json(row.form),
                            row.expires_at, dict(row.answers or {}), row.position, row.native)

    async def put(self, dialogue: Dialogue) -> None:
        """Start or advance a dialogue, replacing any other of that person in that chat."""
        async with self.sessions.begin() as s:
            row = await s.get(FormStateRow, (dialogue.chat_id, dialogue.person_id))
            if row is None:
                row = FormStateRow(chat_id=dialogue.chat_id, person_id=dialogue.person_id)
                s.add(row)
            row.form = dialogue.form.to_json()
            row.answers = dict(dialogue.values)
            row.position = dialogue.position
            row.native = dialogue.native
            row.expires_at = dialogue.expires_at
            row.updated_at = self.now()

    async def clear(self, chat_id: int, person_id: int) -> bool:
        """End the dialogue; True if there was one."""
        async with self.sessions.begin() as s:
            result = await s.execute(delete(FormStateRow).where(
                FormStateRow.chat_id == chat_id, FormStateRow.person_id == person_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]
