"""polls and their ballots

Revision ID: 0003_polls
Revises: 0001_core
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db


revision = '0003_polls'
down_revision = '0001_core'
branch_labels = ('polls',)
depends_on = None


def upgrade() -> None:
    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('origin_chat_id', sa.Integer(), nullable=True),
    sa.Column('creator_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('multiple', sa.Boolean(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('hide_results', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closes_at', storage.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', storage.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('key_check', sa.String(length=32), nullable=True),
    sa.Column('refresh_requested_at', storage.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_polls_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['creator_id'], ['people.id'], name=op.f('fk_polls_creator_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['origin_chat_id'], ['chats.id'], name=op.f('fk_polls_origin_chat_id_chats'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls'))
    )
    op.create_index('ix_polls_community_status', 'polls', ['community_id', 'status'], unique=False)

    op.create_table('poll_ballots',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('voter', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('choices', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_poll_ballots_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_ballots_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('poll_id', 'voter', name=op.f('pk_poll_ballots')),
    sqlite_with_rowid=False
    )
    # Plain CREATE INDEX: a batch operation could rebuild the table without WITHOUT ROWID.
    op.create_index('ix_poll_ballots_person_id', 'poll_ballots', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_poll_ballots_person_id', table_name='poll_ballots')

    op.drop_table('poll_ballots')
    op.drop_index('ix_polls_community_status', table_name='polls')

    op.drop_table('polls')
