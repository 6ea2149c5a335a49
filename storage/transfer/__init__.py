"""Moving one community between databases: a JSON document out of one, into another.

What belongs to a community is read from the foreign keys: the community row and every
row with a NOT NULL foreign-key path to it (its chats, role grants, meetings with their
exceptions, answers, agenda and settings, minutes sessions and marks, polls and ballots,
knowledge entries with revisions, tags and votes, chat members, notice subscriptions).
Rows of shared tables those rows point at (people, verified broadcasters) travel with
them and are matched in the target by their unique key: an existing row is reused, a
missing one is created (a broadcaster without its accounts: the target's operator
decides who may publish there). A nullable reference to a row that does not move (a
meeting created in a chat that has since left the community) becomes empty.

Ids are rewritten wherever they hide outside foreign keys: `SOFT_REFS` (the translation
group of an entry, the community of a tag, the chairs of a session, "p<person id>"
ballots) and the refs of pending schedule items. The pending items of `SCHEDULED` (the
job kinds declared with `moves=True`, see bot/jobs.py) move with their ref rewritten by
the kind's declaration (their payloads hold no ids), so reminders, closings, action
items and digests fire in the target as they would have in the source.

What does not move, and why:
- outbox deliveries, and the schedule items that only edit copies already posted
  (meeting cards, poll refreshes): those messages were sent by the source deployment,
  which alone can edit them; the target posts a meeting's card afresh at its next
  change or date, and a poll's results when it closes;
- forms being filled in and one-time link codes: short-lived, started again in a moment;
- the audit log: the record of the deployment that witnessed the actions (the import
  itself is logged in the target);
- notices and their "seen" marks, inbound update claims and the deployment's own
  periodic items (digest planning, retention): they belong to the deployment.

Anonymous ballots are keyed by the poll id, the person id and the bot's secret, none of
which survive the move: their counts do, but such a poll takes no more votes in the
target (its key check is set to `MOVED`), or a voter could count twice.
Full-text indexes are kept by triggers (SQLite) and generated columns (PostgreSQL);
`REBUILD_HOOKS` run afterwards for anything else derived.

The document: format, version, exported_at, schema (the source's migration heads),
community (its row) and tables ({name: rows}, each row with its source ids). Datetimes
are ISO 8601 with their offset (a meeting's wall-clock times stay naive, as stored),
JSON columns are as they are, bytes are base64.
"""

from __future__ import annotations

from storage.transfer.common import FORMAT, VERSION, ImportSummary, TransferError
from storage.transfer.export import export_community, resolve_community
from storage.transfer.load import import_community

__all__ = ["FORMAT", "VERSION", "ImportSummary", "TransferError",
           "export_community", "import_community", "resolve_community"]
