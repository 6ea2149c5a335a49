"""scale-out: schedule claims name their process; a table of live processes

Revision ID: 0006_scale_out
Revises: 0001_core (and needs 0002_inbound)
Create Date: 2026-11-28 07:40:00.000000

`schedule_items.claimed_by` and `inbound_updates.claimed_by` let a survivor on
the same host take over, at once, what a killed process was working on; `workers` holds a heartbeat
per process, so the processes split each platform's send budget between them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db


revision = '0006_scale_out'
down_revision = '0001_core'
branch_labels = ('scale_out',)
depends_on = ('0002_inbound',)


def upgrade() -> None:
    with op.batch_alter_table('schedule_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
    with op.batch_alter_table('inbound_updates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
    op.create_table('workers',
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('started_at', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seen_at', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('owner', name=op.f('pk_workers'))
    )
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workers_seen_at'), ['seen_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workers_seen_at'))
    op.drop_table('workers')
    with op.batch_alter_table('inbound_updates', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
    with op.batch_alter_table('schedule_items', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
