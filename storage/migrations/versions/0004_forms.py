"""forms: dialogues in progress (a form asked one field at a time)

Revision ID: 0004_forms
Revises: 0001_core
Create Date: 2026-11-28 01:45:18.862328
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.db


revision = '0004_forms'
down_revision = '0001_core'
branch_labels = ('forms',)
depends_on = None


def upgrade() -> None:
    op.create_table('form_states',
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.JSON(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('native', sa.Boolean(), nullable=False),
    sa.Column('expires_at', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chats.id'], name=op.f('fk_form_states_chat_id_chats'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_form_states_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chat_id', 'person_id', name=op.f('pk_form_states'))
    )


def downgrade() -> None:
    op.drop_table('form_states')
