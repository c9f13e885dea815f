"""voice notes: what the bot heard and where the audio is kept (issue 19)

Revision ID: 0010
Revises: 0009_administrators
Create Date: 2027-01-20 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.models

revision: str = "0010"
down_revision: str | None = "0009_administrators"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voice_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("source_ref", sa.String(length=160), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Numeric(precision=8, scale=1), nullable=True),
        sa.Column("audio_key", sa.String(length=64), nullable=True),
        sa.Column("audio_expires_at", bot.storage.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", bot.storage.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column("record_table", sa.String(length=32), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_voice_note_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_note")),
    )
    with op.batch_alter_table("voice_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voice_note_audio_expires_at"), ["audio_expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_voice_note_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("voice_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voice_note_person_id"))
        batch_op.drop_index(batch_op.f("ix_voice_note_audio_expires_at"))
    op.drop_table("voice_note")
