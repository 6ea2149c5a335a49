"""action numbers: action items numbered per community, as people read them

Revision ID: 0007_action_numbers
Revises: 0002_meetings (the meetings branch)
Create Date: 2026-12-09 09:00:00.000000

Action items were named by the row id of `minutes_marks`, a counter shared by every
mark of every community, so a community's first action item could be "Action item 6".
Each action item now has a `number` of its own in its community. Existing ones keep
their row id as their number, so every "/done 12" already sent in reminders, minutes and
Markdown files still names the same item; new ones continue from the community's highest.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007_action_numbers'
down_revision = '0002_meetings'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('minutes_marks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=True))
    op.execute("UPDATE minutes_marks SET number = id WHERE kind = 'action'")


def downgrade() -> None:
    with op.batch_alter_table('minutes_marks', schema=None) as batch_op:
        batch_op.drop_column('number')
